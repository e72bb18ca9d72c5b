//! Markdown: the report (`--format markdown`, job summary; the gate's verdicts are in
//! `report::verdicts`). Every piece of data is escaped: titles, subjects, test names and
//! messages cannot break the markdown, inject HTML or ping anyone.

use super::{Links, Report, num, opt_dur, pct, short};
use crate::duration::human;
use crate::model::{date, rfc3339};
use crate::publish::sanitize::{JOINER, code, code_cell, inline, inline_max};
use std::fmt::Write;

/// The report's tables.
pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### Release metrics\n");
    let _ = writeln!(
        out,
        "{} of {} releases · window {} · evaluated {} · policy {}\n",
        r.releases.len(),
        r.releases_total,
        human(r.window_seconds),
        rfc3339(r.evaluated_at),
        code(&r.sources.policy)
    );
    out.push_str(&release_table(r));
    out.push('\n');
    out.push_str(&window_section(r));
    if let Some(t) = &r.tests {
        out.push('\n');
        out.push_str(&tests_section(t));
    }
    if let Some(why) = &r.sources.github_skipped {
        let _ = writeln!(
            out,
            "\n<sub>{}</sub>",
            inline(&format!("GitHub data not read: {why}."))
        );
    }
    for n in &r.notes {
        let _ = writeln!(out, "\n> [!NOTE]\n> {}", inline(n));
    }
    if !r.warnings.is_empty() {
        out.push('\n');
        for w in &r.warnings {
            let _ = writeln!(out, "- ⚠️ {}", inline(w));
        }
    }
    out
}

fn release_table(r: &Report) -> String {
    let gh = r.sources.github.is_some();
    let mut out = String::new();
    out.push_str("| Release | Date | Changes | Lead p50 | Lead p90 | Lead max | Fix commits | Reverts | Fix share |");
    if gh {
        out.push_str(" Bugs | Defects/100 | Bug fix p50 |");
    }
    out.push_str(" Failed | Window |\n|---|---|--:|--:|--:|--:|--:|--:|--:|");
    if gh {
        out.push_str("--:|--:|--:|");
    }
    out.push_str("---|---|\n");
    let _ = write!(
        out,
        "| _unreleased_ | now | {} |",
        super::change_cells(Some(&r.candidate.changes)).join(" | ")
    );
    if gh {
        out.push_str("  |  |  |");
    }
    out.push_str("  |  |\n");
    for rel in &r.releases {
        let _ = write!(
            out,
            "| {} | {} | {} |",
            code_cell(&rel.tag),
            date(rel.time),
            super::change_cells(rel.changes.as_ref()).join(" | ")
        );
        if gh {
            let _ = write!(
                out,
                " {} | {} | {} |",
                rel.bugs_found
                    .map(|b| b.to_string())
                    .unwrap_or_else(|| "–".into()),
                rel.defect_rate.map(num).unwrap_or_else(|| "–".into()),
                opt_dur(rel.bug_fix.as_ref().and_then(|f| f.fix_time.p50))
            );
        }
        let mut failed = Vec::new();
        if let Some(h) = &rel.hotfixed_by {
            failed.push(format!("hotfix {}", code_cell(h)));
        }
        let regressions = rel.regressions.clone().unwrap_or_default();
        let (reg, inc): (Vec<u64>, Vec<u64>) = rel
            .incidents
            .iter()
            .flatten()
            .partition(|n| regressions.contains(n));
        for (what, list) in [("incident", inc), ("regression", reg)] {
            if !list.is_empty() {
                failed.push(format!("{what} {}", issue_links(&list, &r.links, 3)));
            }
        }
        let _ = writeln!(
            out,
            " {} | {} |",
            failed.join(", "),
            if rel.provisional { "open" } else { "" }
        );
    }
    if r.releases.iter().any(|x| x.provisional) {
        out.push_str(
            "\n<sub>Window open: the newest release's window runs to now, so its numbers may still change. Fix commits: commits matching `commits.fix_pattern`; fix share: their share of the changes; bug fix p50: time to close a bug.</sub>\n",
        );
    }
    out
}

/// Issue numbers as links (plain `#N` without a repository to link to): the first
/// `show`, then how many more.
pub fn issue_links(numbers: &[u64], links: &Links, show: usize) -> String {
    let mut s: Vec<String> = numbers
        .iter()
        .take(show)
        .map(|n| match links.issue(*n) {
            Some(url) => format!("[#{n}]({url})"),
            None => format!("#{JOINER}{n}"),
        })
        .collect();
    if numbers.len() > show {
        s.push(format!("+{} more", numbers.len() - show));
    }
    s.join(" ")
}

fn window_section(r: &Report) -> String {
    let w = &r.window;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "**Window {}** ({} → {})\n",
        human(r.window_seconds),
        date(w.span.start),
        date(w.span.end)
    );
    let _ = writeln!(out, "| Metric | Value |\n|---|---|");
    let _ = writeln!(
        out,
        "| Releases | {} ({} per week) |",
        w.releases.len(),
        num(w.release_frequency)
    );
    let _ = writeln!(
        out,
        "| Change failure rate | {}{} |",
        match w.change_failure_rate {
            Some(v) => format!(
                "{} ({} of {})",
                pct(v),
                w.failed_releases.len(),
                w.releases.len()
            ),
            None => "–".into(),
        },
        if r.sources.github.is_some() {
            ""
        } else {
            " _(hotfix signal only: no GitHub data)_"
        }
    );
    if let Some(c) = &w.changes {
        let _ = writeln!(
            out,
            "| Changes | {} (lead time p50 {}, p90 {}){} |",
            c.changes,
            opt_dur(c.lead_time.p50),
            opt_dur(c.lead_time.p90),
            super::unreleased_note(r)
        );
    }
    if let Some(b) = w.bugs_found {
        let _ = writeln!(
            out,
            "| Bugs found | {b} ({} per 100 changes) |",
            w.defect_rate.map(num).unwrap_or_else(|| "–".into())
        );
    }
    if let Some(f) = &w.bug_fix {
        let _ = writeln!(
            out,
            "| Bug fix time | p50 {}, p90 {} ({} fixed{}) |",
            opt_dur(f.fix_time.p50),
            opt_dur(f.fix_time.p90),
            f.fix_time.count,
            f.within_slo
                .map(|s| format!(", {} within objective", pct(s)))
                .unwrap_or_default()
        );
    }
    if let Some(t) = &w.time_to_restore {
        let _ = writeln!(
            out,
            "| Time to restore | p50 {}, p90 {} ({} incident{}) |",
            opt_dur(t.fix_time.p50),
            opt_dur(t.fix_time.p90),
            t.fix_time.count,
            if t.fix_time.count == 1 { "" } else { "s" }
        );
    }
    if let Some(p) = &w.pr_cycle {
        let _ = writeln!(
            out,
            "| PR cycle time | p50 {}, p90 {} ({} merged) |",
            opt_dur(p.cycle_time.p50),
            opt_dur(p.cycle_time.p90),
            p.cycle_time.count
        );
    }
    if let Some(o) = &r.open_bugs {
        let sev: Vec<String> = o
            .by_severity
            .iter()
            .map(|(k, v)| format!("{} {v}", inline(k)))
            .collect();
        let _ = writeln!(
            out,
            "| Open bugs | {} ({}){}, {} overdue |",
            o.total,
            sev.join(", "),
            o.oldest_age
                .map(|a| format!(", oldest {}", human(a)))
                .unwrap_or_default(),
            o.overdue
        );
    }
    out
}

fn test_id(classname: &str, name: &str) -> String {
    if classname.is_empty() {
        name.to_string()
    } else {
        format!("{classname}::{name}")
    }
}

fn tests_section(t: &crate::metrics::test_results::TestMetrics) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "**Tests** {} · {} passed · {} failed · {} errored · {} skipped · pass rate {} · {} · {} flaky\n",
        t.total,
        t.passed,
        t.failed,
        t.errored,
        t.skipped,
        t.pass_rate.map(pct).unwrap_or_else(|| "–".into()),
        crate::duration::human_f64(t.duration),
        t.flaky.len()
    );
    if t.runs.total != t.total {
        let r = &t.runs;
        let _ = writeln!(
            out,
            "Runs: {} · {} passed · {} failed · {} errored · {} skipped — a test reported more than once (reruns, several files) counts once above.\n",
            r.total, r.passed, r.failed, r.errored, r.skipped
        );
    }
    if !t.failing.is_empty() {
        let _ = writeln!(out, "| Failing test | Message |\n|---|---|");
        for f in t.failing.iter().take(20) {
            let _ = writeln!(
                out,
                "| {} | {} |",
                code_cell(&test_id(&f.test.classname, &f.test.name)),
                f.message
                    .as_deref()
                    .map(|m| inline_max(m, 160))
                    .unwrap_or_default()
            );
        }
        if t.failing.len() > 20 {
            let _ = writeln!(
                out,
                "\n_… and {} more failing tests._",
                t.failing.len() - 20
            );
        }
        out.push('\n');
    }
    if !t.flaky.is_empty() {
        let list: Vec<String> = t
            .flaky
            .iter()
            .take(20)
            .map(|f| code(&test_id(&f.classname, &f.name)))
            .collect();
        let _ = writeln!(out, "Flaky: {}\n", list.join(", "));
    }
    if !t.slowest.is_empty() {
        let _ = writeln!(
            out,
            "<details><summary>Slowest tests</summary>\n\n| Test | Time |\n|---|--:|"
        );
        for s in &t.slowest {
            let _ = writeln!(
                out,
                "| {} | {} |",
                code_cell(&test_id(&s.test.classname, &s.test.name)),
                crate::duration::human_f64(s.duration)
            );
        }
        out.push_str("\n</details>\n");
    }
    out
}

/// A markdown line naming the commit and time of a report.
pub fn footer(r: &Report) -> String {
    let head = r
        .candidate
        .head
        .as_deref()
        .map(|h| format!(" at {}", code(short(h))))
        .unwrap_or_default();
    format!(
        "<sub>slipgate {}{head} · evaluated {} · policy {}</sub>\n",
        r.tool.version,
        rfc3339(r.evaluated_at),
        code(&r.sources.policy)
    )
}

/// The test-run history kept in the cache (newest first): pass rate per run, and the tests
/// that failed in some of these runs but not in all of them (flipping).
pub fn test_history(rows: &[crate::model::TestRunRow]) -> String {
    let mut out = String::new();
    if rows.is_empty() {
        return out;
    }
    let _ = writeln!(
        out,
        "### Test runs\n\n| Run | Commit | Passed | Failed | Errored | Flaky | Pass rate |\n|---|---|--:|--:|--:|--:|--:|"
    );
    for r in rows {
        let t = &r.totals;
        let denom = t.passed + t.failed + t.errored;
        let rate = if denom == 0 {
            "–".to_string()
        } else {
            pct(t.passed as f64 / denom as f64)
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {rate} |",
            match &r.run_id {
                Some(id) => format!("{} (run {})", rfc3339(r.at), inline(id)),
                None => rfc3339(r.at),
            },
            code(short(&r.sha)),
            t.passed,
            t.failed,
            t.errored,
            t.flaky
        );
    }
    let flips = flipping(rows);
    if !flips.is_empty() {
        let list: Vec<String> = flips
            .iter()
            .take(20)
            .map(|(id, n)| format!("{} ({n} of {})", code(id), rows.len()))
            .collect();
        let _ = writeln!(
            out,
            "\nFailed in some of these runs but not all: {}",
            list.join(", ")
        );
    }
    out
}

/// Test ids that failed in at least one run but not in every run, with how many runs they
/// failed in; most failures first, then by id.
pub fn flipping(rows: &[crate::model::TestRunRow]) -> Vec<(String, usize)> {
    let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for r in rows {
        let mut seen = std::collections::BTreeSet::new();
        for id in &r.failing_ids {
            if seen.insert(id.as_str()) {
                *counts.entry(id.as_str()).or_insert(0) += 1;
            }
        }
    }
    let mut v: Vec<(String, usize)> = counts
        .into_iter()
        .filter(|(_, n)| *n < rows.len())
        .map(|(id, n)| (id.to_string(), n))
        .collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{TestRunRow, TestTotalsRow};

    fn row(sha: &str, failing: &[&str]) -> TestRunRow {
        TestRunRow {
            sha: sha.into(),
            run_id: None,
            at: 0,
            totals: TestTotalsRow {
                passed: 9,
                failed: failing.len() as u64,
                ..TestTotalsRow::default()
            },
            flaky_ids: vec![],
            failing_ids: failing.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn flipping_tests_failed_in_some_runs_not_all() {
        // a fails in all 3 runs (broken, not flipping); b in 2; c in 1.
        let rows = [
            row("1", &["a", "b"]),
            row("2", &["a", "c"]),
            row("3", &["a", "b"]),
        ];
        assert_eq!(
            flipping(&rows),
            [("b".to_string(), 2), ("c".to_string(), 1)]
        );
        let md = test_history(&rows);
        // 9 passed of 9 + 2 failed = 81.8%
        assert!(md.contains("| 81.8% |"), "{md}");
        assert!(md.contains("`b` (2 of 3)"), "{md}");
    }
}
