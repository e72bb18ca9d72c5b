//! The gate's verdicts, worded: the only place that turns typed verdicts (values,
//! limits, baselines, reasons, evidence) into sentences, for the terminal, markdown (PR
//! comment, job summary, trend issue) and JSON (docs/json.md).

use super::markdown::issue_links;
use super::text::{Style, table};
use super::{Links, Report, num, pct, short};
use crate::duration::human;
use crate::escape::line as esc;
use crate::gate::{
    BaselineOf, Breach, Evidence, FixReason, GateResult, Insignificant, IssueTime, Missing,
    NotJudged, Objective, Overall, Readiness, Reason, RuleVerdict, Slip, SlipNote, Status, Subject,
    Unblock,
};
use crate::metrics::DataGap;
use crate::metrics::stats::MannWhitney;
use crate::model::{TestOutcome, date};
use crate::policy::{Level, Metric, Trigger, Unit};
use crate::publish::sanitize::{code, inline, inline_max};
use serde::Serialize;
use std::fmt::Write;

// ---- words -------------------------------------------------------------------------

/// A status in words.
pub fn status_name(s: Status) -> &'static str {
    match s {
        Status::NotEnoughData => "not enough data",
        Status::Pass => "pass",
        Status::Waived => "waived",
        Status::Exempt => "exempt",
        Status::Warn => "warn",
        Status::Fail => "fail",
    }
}

/// What was measured, for sentences: `the unreleased changes`, `v1.4.0`, `the last 90d`.
pub fn subject(s: &Subject) -> String {
    match s {
        Subject::Candidate { tag: None } => "the unreleased changes".to_string(),
        Subject::Candidate { tag: Some(tag) } | Subject::Release { tag } => tag.clone(),
        Subject::Last { seconds } => format!("the last {}", human(*seconds)),
        Subject::Before { seconds, end } => {
            format!("the {} before {}", human(*seconds), date(*end))
        }
        Subject::LatestRelease => "the latest release".to_string(),
        Subject::OpenBugs => "the open bugs now".to_string(),
        Subject::TestRun => "this test run".to_string(),
    }
}

/// Renders a value of the metric's unit.
pub fn render_value(metric: &Metric, v: f64) -> String {
    match metric.unit() {
        Unit::Duration => human(v.round() as i64),
        Unit::Ratio => pct(v),
        Unit::Count => num(v),
        Unit::Number => num(v),
    }
}

/// Renders a value precisely enough to tell it from `limit` when the two differ: a rule
/// must never say "100% is below the minimum 100%".
pub fn render_against(metric: &Metric, v: f64, limit: f64) -> String {
    let plain = render_value(metric, v);
    if v == limit || plain != render_value(metric, limit) {
        return plain;
    }
    match metric.unit() {
        Unit::Duration if v.fract() != 0.0 && v < 60.0 => crate::duration::human_f64(v),
        Unit::Duration => crate::duration::human_exact(v.round() as i64),
        Unit::Ratio => {
            // as many decimals as it takes, up to 6
            let mut digits = 2;
            loop {
                let s = format!("{:.*}%", digits, v * 100.0);
                if digits >= 6 || s != format!("{:.*}%", digits, limit * 100.0) {
                    return s;
                }
                digits += 1;
            }
        }
        Unit::Count | Unit::Number => format!("{v}"),
    }
}

/// The measured value: `6d`, `99.99%`, `–` without one.
pub fn value_text(v: &RuleVerdict) -> String {
    match (v.value, v.shown_against()) {
        (Some(x), Some(limit)) => render_against(&v.metric, x, limit),
        (Some(x), None) => render_value(&v.metric, x),
        (None, _) => "–".into(),
    }
}

/// The thresholds: `≤ 14d`, `≥ 99.5%`, `≤ +20% vs baseline`.
pub fn threshold(v: &RuleVerdict) -> String {
    let l = &v.limits;
    let mut parts = Vec::new();
    if let Some((t, _)) = &l.max {
        parts.push(format!("≤ {t}"));
    }
    if let Some((t, _)) = &l.min {
        parts.push(format!("≥ {t}"));
    }
    if let Some(f) = l.max_increase {
        parts.push(format!("≤ +{} vs baseline", pct(f)));
    }
    if let Some(f) = l.max_decrease {
        parts.push(format!("≥ −{} vs baseline", pct(f)));
    }
    let mut s = parts.join(", ");
    if let Some(c) = l.confidence {
        s.push_str(&format!(" (at {} confidence)", pct(c)));
    }
    s
}

/// What a baseline is: `median of the last 5 releases v1.0 … v1.4, from v1.2`.
pub fn baseline_of(b: &BaselineOf) -> String {
    match b {
        BaselineOf::PreviousRelease { tag } => format!("previous release {tag}"),
        BaselineOf::MedianOfLast {
            asked,
            found,
            first,
            last,
            median,
        } => {
            let span = if first != last {
                format!("{first} … {last}")
            } else {
                first.clone()
            };
            if found < asked {
                format!(
                    "median of the last {found} releases {span}, from {median}; {asked} asked, fewer had data"
                )
            } else {
                format!("median of the last {asked} releases {span}, from {median}")
            }
        }
        BaselineOf::Trailing { seconds, end } => {
            format!("the {} before {}", human(*seconds), date(*end))
        }
    }
}

/// The baseline with what it is: `3d 4h (median of the last 5 releases …)`.
pub fn baseline_text(v: &RuleVerdict) -> Option<String> {
    v.baseline.as_ref().map(|b| {
        format!(
            "{} ({})",
            render_value(&v.metric, b.value),
            baseline_of(&b.of)
        )
    })
}

/// Why GitHub data cannot answer.
pub fn data_gap(g: &DataGap) -> String {
    match g {
        DataGap::NoGithub { why } => format!(
            "no GitHub data ({})",
            why.as_deref().unwrap_or("offline, or no repository known")
        ),
        DataGap::NoBugLabel { labels } => format!(
            "no issue carries a bug label ({}), so bug metrics are unknown, not zero; set `issues.bug_labels`",
            labels.join(", ")
        ),
        DataGap::NoIncidentLabel { labels } => format!(
            "no issue carries an incident label ({}), so time to restore is unknown, not zero; set `issues.incident_labels`",
            labels.join(", ")
        ),
    }
}

/// Why there is no measurement, as a sentence.
pub fn missing(m: &Missing) -> String {
    match m {
        Missing::NoRelease => {
            "the repository has no release yet, so this rule cannot judge.".to_string()
        }
        Missing::ChangesNotRead(s) => format!(
            "the changes of {} were not read, so this rule cannot judge.",
            subject(s)
        ),
        Missing::Github(g) => format!("{}, so this rule cannot judge.", data_gap(g)),
        Missing::PullsNotRead => {
            "pull requests were not read, so this rule cannot judge.".to_string()
        }
        Missing::WindowOnly => "measured over a window only.".to_string(),
        Missing::NoTestResults => "no test results were read (no --junit or `tests.paths`, or every file was missing or skipped: see the warnings), so this rule cannot judge.".to_string(),
    }
}

/// Why the slip of `metric` is not judged, as a sentence.
pub fn not_judged(n: &NotJudged, metric: &Metric) -> String {
    match n {
        NotJudged::NoPreviousRelease => {
            "there is no previous release to compare with; the slip is not judged.".to_string()
        }
        NotJudged::PreviousHasNoValue { tag } => {
            format!("the previous release {tag} has no value for {metric}; the slip is not judged.")
        }
        NotJudged::NoneOfLastHasValue { asked } => format!(
            "none of the last {asked} releases has a value for {metric}; the slip is not judged."
        ),
        NotJudged::NoReleaseInSpan { seconds, end } => format!(
            "no release lies in the baseline span (the {} before {}), so the slip is not judged.",
            human(*seconds),
            date(*end)
        ),
        NotJudged::TrailingHasNoValue { seconds, end } => format!(
            "the trailing {} before {} has no value for {metric}; the slip is not judged.",
            human(*seconds),
            date(*end)
        ),
        NotJudged::Missing(m) => missing(m),
        NotJudged::BaselineTooFewSamples {
            baseline,
            samples,
            min_samples,
        } => format!(
            "the baseline ({}) has {samples} samples, fewer than min_samples {min_samples}; the slip is not judged.",
            baseline_of(baseline)
        ),
        NotJudged::NoSamplesToTest => {
            "the significance test needs samples on both sides; the slip is not judged.".to_string()
        }
    }
}

fn fmt_p(p: f64) -> String {
    if p < 0.0001 {
        format!("{p:.1e}")
    } else {
        format!("{}", (p * 10_000.0).round() / 10_000.0)
    }
}

/// A slip: `6d is +500% over the baseline 1d (limit +20%)`.
fn slip(s: &Slip, v: &RuleVerdict) -> String {
    let change = if s.change.is_infinite() {
        "up from 0".to_string()
    } else if s.change >= 0.0 {
        format!("+{}", pct(s.change))
    } else {
        format!("−{}", pct(-s.change))
    };
    let mut out = format!(
        "{} is {change} {} the baseline {} (limit {}{})",
        value_text(v),
        if s.over { "over" } else { "below" },
        render_value(&v.metric, s.baseline),
        if s.over { "+" } else { "−" },
        pct(s.limit)
    );
    if let Some((p, alpha)) = s.significant {
        let _ = write!(out, "; Mann-Whitney U p = {} < {}", fmt_p(p), fmt_p(alpha));
    }
    out
}

fn insignificant(i: &Insignificant, v: &RuleVerdict) -> String {
    format!(
        "{}, but the slip is not significant at {} confidence (Mann-Whitney U p = {} ≥ {}), so it does not trip.",
        slip(&i.slip, v),
        pct(i.confidence),
        fmt_p(i.p_value),
        fmt_p(i.alpha)
    )
}

/// A limit the value passed: `6d is above the maximum 5d`.
pub fn breach(b: &Breach, v: &RuleVerdict) -> String {
    match b {
        Breach::AboveMax { limit, value } => format!(
            "{} is above the maximum {limit}",
            v.value
                .map(|x| render_against(&v.metric, x, *value))
                .unwrap_or_default()
        ),
        Breach::BelowMin { limit, value } => format!(
            "{} is below the minimum {limit}",
            v.value
                .map(|x| render_against(&v.metric, x, *value))
                .unwrap_or_default()
        ),
        Breach::Slip(s) => slip(s, v),
    }
}

/// Why a pull request counts as a fix: `label 'bug'`.
pub fn fix_reason(f: &FixReason) -> String {
    match f {
        FixReason::Label(l) => format!("label '{l}'"),
        FixReason::Title => "its title matches commits.fix_pattern".to_string(),
    }
}

/// The sentences that explain a verdict.
pub fn reason(v: &RuleVerdict) -> String {
    let subject = subject(&v.subject);
    match &v.reason {
        Reason::Missing(m) => missing(m),
        Reason::TooFewSamples {
            samples,
            min_samples,
        } => format!(
            "{samples} sample{} in {subject}, fewer than min_samples {min_samples}; the rule does not judge yet.",
            if *samples == 1 { "" } else { "s" },
        ),
        Reason::NoValue => format!("no value for {} in {subject}.", v.metric),
        Reason::SlipNotJudged(n) => not_judged(n, &v.metric),
        Reason::Passed {
            insignificant: None,
        } => format!("{} for {subject} meets {}.", value_text(v), threshold(v)),
        Reason::Passed {
            insignificant: Some(i),
        } => format!(
            "{} for {subject}.",
            insignificant(i, v).trim_end_matches('.')
        ),
        Reason::Tripped {
            breaches,
            waived,
            note,
            freeze,
        } => {
            let list: Vec<String> = breaches.iter().map(|b| breach(b, v)).collect();
            let mut s = format!("{} for {subject}.", list.join("; "));
            if let Some(label) = waived {
                let _ = write!(s, " Waived: the pull request carries the label '{label}'.");
            }
            match note {
                Some(SlipNote::NotJudged(n)) => {
                    let _ = write!(s, " {}", not_judged(n, &v.metric));
                }
                Some(SlipNote::Insignificant(i)) => {
                    let _ = write!(s, " {}", insignificant(i, v));
                }
                None => {}
            }
            if let Some(why) = freeze {
                let _ = write!(
                    s,
                    " Freeze mode: this pull request is a fix ({}), so it may pass.",
                    fix_reason(why)
                );
            }
            s
        }
    }
}

/// An evidence item's short label: `abc1234`, `#42`, a test id, a tag.
pub fn evidence_id(e: &Evidence) -> String {
    match e {
        Evidence::Change { sha, .. } => short(sha).to_string(),
        Evidence::Issue { number, .. } => format!("#{number}"),
        Evidence::FailedRelease { tag, .. } => tag.clone(),
        Evidence::FailingTest { test, .. }
        | Evidence::FlakyTest { test }
        | Evidence::SlowTest { test, .. } => test.id(),
    }
}

/// What an evidence item is: a commit subject, an issue title, a failure message.
pub fn evidence_text(e: &Evidence) -> String {
    match e {
        Evidence::Change { subject, .. } => subject.clone(),
        Evidence::Issue { title, .. } => title.clone(),
        Evidence::FailedRelease { time, .. } => format!("released {}", date(*time)),
        Evidence::FailingTest { message, .. } => message.clone().unwrap_or_default(),
        Evidence::FlakyTest { .. } => "both passed and failed in this run".to_string(),
        Evidence::SlowTest { .. } => String::new(),
    }
}

/// An evidence item's number for its metric: `lead time 12d 3h`, `failed`.
pub fn evidence_detail(e: &Evidence) -> String {
    match e {
        Evidence::Change { lead_time, .. } => format!("lead time {}", human(*lead_time)),
        Evidence::Issue {
            time,
            seconds,
            severity,
            ..
        } => {
            let what = match time {
                IssueTime::Age => "age",
                IssueTime::FixedIn => "fixed in",
                IssueTime::MissedObjective => "missed objective, fixed in",
                IssueTime::RestoredIn => "restored in",
                IssueTime::OpenFor => "open for",
            };
            match severity {
                Some(s) => format!("{what} {} ({s})", human(*seconds)),
                None => format!("{what} {}", human(*seconds)),
            }
        }
        Evidence::FailedRelease { failure, .. } => {
            let mut why = Vec::new();
            if let Some(h) = &failure.hotfix {
                why.push(format!("hotfix {h}"));
            }
            for (what, list) in [
                ("incident", &failure.incidents),
                ("regression", &failure.regressions),
            ] {
                if !list.is_empty() {
                    let l: Vec<String> = list.iter().map(|n| format!("#{n}")).collect();
                    why.push(format!("{what} {}", l.join(", ")));
                }
            }
            why.join("; ")
        }
        Evidence::FailingTest { outcome, .. } => match outcome {
            TestOutcome::Errored => "errored",
            _ => "failed",
        }
        .to_string(),
        Evidence::FlakyTest { .. } => "flaky".to_string(),
        Evidence::SlowTest { seconds, .. } => crate::duration::human_f64(*seconds),
    }
}

/// The lead line of `release-check`'s markdown.
pub fn readiness_markdown(r: Readiness) -> &'static str {
    match r {
        Readiness::NotReady => "**NOT READY** — a release rule is tripped.",
        Readiness::NoRules => {
            "**READY** — but no rule runs on release: add rules with `on: [release]` to the policy."
        }
        Readiness::NothingJudged => {
            "**READY** — but no release rule had enough data to judge, so nothing vouches for this release either."
        }
        Readiness::Ready => "**READY** — no release rule is tripped.",
    }
}

/// The last line of `release-check`'s text output.
pub fn readiness_text(r: Readiness) -> &'static str {
    match r {
        Readiness::NotReady => "NOT READY",
        Readiness::NoRules => "READY (no rule runs on release)",
        Readiness::NothingJudged => "READY (no rule had enough data to judge)",
        Readiness::Ready => "READY",
    }
}

// ---- JSON ----------------------------------------------------------------------------

/// The gate's part of the JSON report (docs/json.md), for `#[serde(serialize_with)]`.
pub fn json<S: serde::Serializer>(g: &Option<GateResult>, s: S) -> Result<S::Ok, S::Error> {
    match g {
        Some(g) => GateJson::of(g).serialize(s),
        None => s.serialize_none(),
    }
}

#[derive(Serialize)]
struct GateJson<'a> {
    overall: Overall,
    trigger: Option<Trigger>,
    verdicts: Vec<VerdictJson<'a>>,
    not_on_this_event: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    freeze_exemption: Option<String>,
}

#[derive(Serialize)]
struct VerdictJson<'a> {
    rule: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    metric: String,
    scope: &'static str,
    subject: String,
    level: Level,
    status: Status,
    #[serde(serialize_with = "whole")]
    value: Option<f64>,
    value_text: String,
    threshold: String,
    #[serde(serialize_with = "whole")]
    baseline: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_text: Option<String>,
    samples: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mann_whitney: Option<MannWhitney>,
    reason: String,
    evidence: Vec<EvidenceJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    evidence_total: Option<usize>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    objectives: &'a [Objective],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    unblock: &'a [Unblock],
}

#[derive(Serialize)]
struct EvidenceJson<'a> {
    id: String,
    text: String,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
}

impl<'a> GateJson<'a> {
    fn of(g: &'a GateResult) -> GateJson<'a> {
        GateJson {
            overall: g.overall,
            trigger: g.trigger,
            verdicts: g.verdicts.iter().map(VerdictJson::of).collect(),
            not_on_this_event: &g.not_on_this_event,
            freeze_exemption: g.freeze_exemption.as_ref().map(fix_reason),
        }
    }
}

impl<'a> VerdictJson<'a> {
    fn of(v: &'a RuleVerdict) -> VerdictJson<'a> {
        VerdictJson {
            rule: &v.rule,
            description: v.description.as_deref(),
            metric: v.metric.to_string(),
            scope: v.scope.name(),
            subject: subject(&v.subject),
            level: v.level,
            status: v.status,
            value: v.value,
            value_text: value_text(v),
            threshold: threshold(v),
            baseline: v.baseline.as_ref().map(|b| b.value),
            baseline_text: baseline_text(v),
            samples: v.samples,
            mann_whitney: v.mann_whitney,
            reason: reason(v),
            evidence: v
                .evidence
                .iter()
                .map(|e| EvidenceJson {
                    id: evidence_id(e),
                    text: evidence_text(e),
                    detail: evidence_detail(e),
                    url: match e {
                        Evidence::Issue { url, .. } if !url.is_empty() => Some(url),
                        _ => None,
                    },
                })
                .collect(),
            evidence_total: v.evidence_total,
            objectives: &v.objectives,
            unblock: &v.unblock,
        }
    }
}

/// Whole numbers (durations in seconds, counts) as JSON integers; shares stay decimal.
fn whole<S: serde::Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(x) if x.fract() == 0.0 && x.abs() < 9.0e15 => s.serialize_i64(*x as i64),
        Some(x) => s.serialize_f64(*x),
        None => s.serialize_none(),
    }
}

// ---- text ----------------------------------------------------------------------------

/// The verdicts for a terminal: `what` was judged (`quality gate`), under `policy` (its
/// source, described). Every field from data (rule names, reasons, evidence, notes) goes
/// through [`crate::escape::line`].
pub fn text(g: &GateResult, r: &Report, what: &str, policy: &str, style: Style) -> String {
    let mut s = String::new();
    let head = match g.overall {
        Overall::Fail => style.red(&format!("FAIL  {} failed", esc(what))),
        Overall::Warn => style.yellow(&format!("WARN  {} passed with warnings", esc(what))),
        Overall::Pass => style.green(&format!("PASS  {} passed", esc(what))),
    };
    s.push_str(&style.bold(&head));
    s.push_str(&format!(
        "  {}\n\n",
        style.dim(&format!(
            "{} rule{} on {} · as of {} · policy {}",
            g.verdicts.len(),
            if g.verdicts.len() == 1 { "" } else { "s" },
            g.trigger.map(|t| t.name()).unwrap_or("any event"),
            crate::model::rfc3339(r.evaluated_at),
            esc(policy)
        ))
    ));
    let rows: Vec<Vec<String>> = g
        .verdicts
        .iter()
        .map(|v| {
            let st = match v.status {
                Status::Fail => style.red("fail"),
                Status::Warn => style.yellow("warn"),
                Status::Pass => style.green("pass"),
                other => status_name(other).to_string(),
            };
            vec![
                st,
                esc(&v.rule).into_owned(),
                esc(&value_text(v)).into_owned(),
                esc(&threshold(v)).into_owned(),
                esc(&baseline_text(v).unwrap_or_default()).into_owned(),
            ]
        })
        .collect();
    if rows.is_empty() {
        s.push_str("no rule runs on this event\n");
    } else {
        s.push_str(&table(
            &["STATUS", "RULE", "VALUE", "THRESHOLD", "BASELINE"],
            &rows,
            &[0, 1, 3, 4],
            style,
        ));
    }
    for v in g
        .verdicts
        .iter()
        .filter(|v| v.status != Status::Pass || v.notable())
    {
        s.push_str(&format!(
            "\n{} {}\n  {}\n",
            style.bold(&esc(&v.rule)),
            style.dim(&format!("({})", status_name(v.status))),
            esc(&reason(v))
        ));
        for e in &v.evidence {
            let parts: Vec<String> = [evidence_id(e), evidence_text(e), evidence_detail(e)]
                .into_iter()
                .filter(|p| !p.is_empty())
                .map(|p| esc(&p).into_owned())
                .collect();
            s.push_str(&format!("    {}\n", parts.join(" — ")));
        }
    }
    if let Some(why) = &g.freeze_exemption {
        s.push_str(&format!(
            "\nfreeze mode: this pull request is a fix ({}), so tripped fail rules do not fail it\n",
            esc(&fix_reason(why))
        ));
    }
    if !g.not_on_this_event.is_empty() {
        let names: Vec<_> = g.not_on_this_event.iter().map(|n| esc(n)).collect();
        s.push_str(&style.dim(&format!("\nnot run on this event: {}\n", names.join(", "))));
    }
    for n in &r.notes {
        s.push_str(&format!("{} {}\n", style.yellow("note:"), esc(n)));
    }
    s
}

// ---- markdown ------------------------------------------------------------------------

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
pub fn markdown(g: &GateResult, links: &Links) -> String {
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
    let _ = writeln!(out, "{}", inline(&reason(v)));
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
        None => code(&evidence_id(e)),
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
                    "- add the label {} to waive this rule (someone who may label pull requests decides);",
                    code(label)
                );
            }
            Unblock::RepositoryWide { freeze } => {
                let _ = writeln!(
                    out,
                    "- this rule measures the repository, not this pull request, so it fails every pull request until that is handled{}",
                    if *freeze {
                        " (fix pull requests still pass, see below);"
                    } else {
                        ": fix the backlog first. With `freeze: {exempt_fixes: true}` in the policy, fix pull requests would pass meanwhile;"
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
