//! The verdicts in markdown (PR comment, job summary, trend issue). Every piece of data is
//! escaped.

use super::{
    baseline_text, evidence_detail, evidence_id, evidence_text, fix_reason, reason, status_name,
    subject, threshold, value_text,
};
use crate::duration::human;
use crate::gate::{Evidence, GateResult, Overall, RuleVerdict, Status, Unblock};
use crate::report::Links;
use crate::report::markdown::issue_links;
use crate::report::sanitize::{code, inline, inline_max, worded};
use std::fmt::Write;

fn icon(s: Status) -> &'static str {
    match s {
        Status::Pass => "✅",
        Status::Fail => "❌",
        Status::Warn => "⚠️",
        Status::Waived => "🏳️",
        Status::Exempt => "🧊",
        Status::NotEnoughData => "➖",
    }
}

/// The headline of a gate result.
pub fn headline(g: &GateResult, what: &str) -> String {
    // `what` may name a tag (release-check --tag).
    let what = inline(what);
    let failed = g
        .verdicts
        .iter()
        .filter(|v| v.status == Status::Fail)
        .count();
    let warned = g
        .verdicts
        .iter()
        .filter(|v| v.status == Status::Warn)
        .count();
    match g.overall {
        Overall::Fail => format!(
            "❌ slipgate: {what} failed — {failed} of {} rules tripped{}",
            g.verdicts.len(),
            if warned > 0 {
                format!(", {warned} warned")
            } else {
                String::new()
            }
        ),
        Overall::Warn => format!(
            "⚠️ slipgate: {what} passed with {warned} warning{}",
            if warned == 1 { "" } else { "s" }
        ),
        Overall::Pass => format!("✅ slipgate: {what} passed"),
    }
}

/// The verdicts: a table, then each tripped or notable rule with its reason and evidence.
pub fn render(g: &GateResult, links: &Links) -> String {
    let mut out = String::new();
    if g.verdicts.is_empty() {
        out.push_str("No rule runs on this event.\n");
    } else {
        out.push_str(
            "| | Rule | Measured | Value | Threshold | Baseline |\n|---|---|---|--:|---|---|\n",
        );
        for v in &g.verdicts {
            let _ = writeln!(
                out,
                "| {} | **{}** {} | {} | {} | {} | {} |",
                icon(v.status),
                inline(&v.rule),
                code(&v.metric.to_string()),
                inline(&subject(&v.subject)),
                inline(&value_text(v)),
                inline(&threshold(v)),
                baseline_text(v).as_deref().map(inline).unwrap_or_default()
            );
        }
    }
    if let Some(why) = &g.freeze_exemption {
        let _ = writeln!(
            out,
            "\n🧊 **Freeze mode:** fail rules are tripped, but this pull request is a fix ({}), so it passes.",
            inline(&fix_reason(why))
        );
    }
    for v in g
        .verdicts
        .iter()
        .filter(|v| v.status != Status::Pass || v.notable())
    {
        out.push('\n');
        out.push_str(&verdict_detail(v, links));
    }
    if !g.not_on_this_event.is_empty() {
        let names: Vec<String> = g.not_on_this_event.iter().map(|n| inline(n)).collect();
        let _ = writeln!(
            out,
            "\n<sub>Not run on this event: {}.</sub>",
            names.join(", ")
        );
    }
    out
}

fn verdict_detail(v: &RuleVerdict, links: &Links) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "#### {} {} — {}\n",
        icon(v.status),
        inline(&v.rule),
        status_name(v.status)
    );
    let _ = writeln!(out, "{}", worded(&reason(v)));
    if let Some(d) = &v.description {
        let _ = writeln!(out, "\n_{}_", inline(d));
    }
    if !v.objectives.is_empty() {
        let list: Vec<String> = v
            .objectives
            .iter()
            .map(|o| format!("{}: {}", code(&o.severity), human(o.seconds)))
            .collect();
        let _ = writeln!(out, "\nFix objectives exceeded: {}.", list.join(", "));
    }
    if !v.unblock.is_empty() {
        out.push_str(&unblock(&v.unblock));
    }
    if !v.evidence.is_empty() {
        let total = v.evidence_total.unwrap_or(v.evidence.len());
        let _ = writeln!(
            out,
            "\n<details><summary>Evidence ({})</summary>\n",
            if total > v.evidence.len() {
                format!("{} of {total}", v.evidence.len())
            } else {
                total.to_string()
            }
        );
        for e in &v.evidence {
            out.push_str(&evidence_line(e, links));
        }
        if total > v.evidence.len() {
            let more = total - v.evidence.len();
            match v.evidence_search.as_ref().and_then(|s| links.search(s)) {
                Some(url) => {
                    let _ = writeln!(out, "- +{more} more: [the full list on GitHub]({url})");
                }
                None => {
                    let _ = writeln!(out, "- +{more} more");
                }
            }
        }
        out.push_str("\n</details>\n");
    }
    out
}

/// One evidence item: its id (a link for an issue), text and detail.
fn evidence_line(e: &Evidence, links: &Links) -> String {
    let id = match e.issue().and_then(|n| links.issue(n).map(|u| (n, u))) {
        Some((n, url)) => format!("[#{n}]({url})"),
        None => match e {
            Evidence::UncoveredLines {
                file,
                start,
                end,
                head,
            } => match links.blob(head, file, *start, *end) {
                Some(url) => format!("[{}]({url})", code(&evidence_id(e))),
                None => code(&evidence_id(e)),
            },
            _ => code(&evidence_id(e)),
        },
    };
    let text = evidence_text(e);
    let text = if text.is_empty() {
        String::new()
    } else {
        format!(" {}", inline_max(&text, 120))
    };
    let detail = match e {
        Evidence::FailedRelease { failure: f, .. } => {
            let mut why = Vec::new();
            if let Some(h) = &f.hotfix {
                why.push(format!("hotfix {}", code(h)));
            }
            for (what, list) in [("incident", &f.incidents), ("regression", &f.regressions)] {
                if !list.is_empty() {
                    why.push(format!("{what} {}", issue_links(list, links, list.len())));
                }
            }
            why.join("; ")
        }
        _ => inline(&evidence_detail(e)),
    };
    format!("- {id}{text} — {detail}\n")
}

/// What the author of a pull request can do about a failing rule.
fn unblock(hints: &[Unblock]) -> String {
    let mut out = String::from("\n**To unblock this pull request:**\n");
    for h in hints {
        match h {
            Unblock::Waive { label } => {
                let _ = writeln!(
                    out,
                    "- add the label {} to waive this rule (someone who may label pull requests decides).",
                    code(label)
                );
            }
            Unblock::RepositoryWide { freeze } => {
                let _ = writeln!(
                    out,
                    "- this rule measures the repository, not this pull request, so it fails every pull request until that is handled{}",
                    if *freeze {
                        " (fix pull requests still pass, see below)."
                    } else {
                        ": fix the backlog first. With `freeze: {exempt_fixes: true}` in the policy, fix pull requests would pass meanwhile."
                    }
                );
            }
            Unblock::FixPasses {
                labels,
                title_pattern,
            } => {
                let labels: Vec<String> = labels.iter().map(|l| code(l)).collect();
                let by_label = match labels.len() {
                    0 => String::new(),
                    1 => format!("carries the label {} or ", labels[0]),
                    _ => format!("carries one of the labels {} or ", labels.join(", ")),
                };
                let _ = writeln!(
                    out,
                    "- make it a fix: freeze mode lets a pull request pass while this rule is tripped when it {by_label}its title matches {} (`commits.fix_pattern`).",
                    code(title_pattern)
                );
            }
        }
    }
    out
}
