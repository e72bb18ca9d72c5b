//! Markdown: the report (`--format markdown`, job summary; the gate's verdicts are in
//! `report::verdicts`). Every piece of data is escaped: titles, subjects, test names and
//! messages cannot break the markdown, inject HTML or ping anyone.

use super::sanitize::{JOINER, code, code_cell, inline, inline_max, worded};
use super::sections::{self, Span, TableNote};
use super::{Links, Report, num, pct, short};
use crate::duration::human;
use crate::model::{date, rfc3339};
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
        out.push_str(&tests_section(t, &r.links));
    }
    let (ext, vulns) = (r.external.as_ref(), r.vulnerabilities.as_ref());
    out.push_str(&super::external::markdown(ext, vulns));
    if let Some(c) = &r.coverage {
        out.push('\n');
        out.push_str(&super::coverage::markdown(c, &r.links));
    }
    if let Some(why) = &r.sources.github_skipped {
        let _ = writeln!(
            out,
            "\n<sub>{}</sub>",
            worded(&format!("GitHub data not read: {why}."))
        );
    }
    for n in &r.notes {
        let _ = writeln!(out, "\n> [!NOTE]\n> {}", worded(n));
    }
    if !r.warnings.is_empty() {
        out.push('\n');
        for w in &r.warnings {
            let _ = writeln!(out, "- ⚠️ {}", worded(w));
        }
    }
    out
}

fn release_table(r: &Report) -> String {
    let t = sections::release_table(r);
    let headings: Vec<String> = t.columns.iter().map(|c| c.heading(false)).collect();
    let mut out = format!("| {} |\n|", headings.join(" | "));
    for c in &t.columns {
        out.push_str(if c.text { "---|" } else { "--:|" });
    }
    out.push('\n');
    out.push_str(&rows(&t.rows, &r.links));
    // The other notes are for terminals: a job summary or comment has no `--last`, and
    // says which commit it measured in its footer.
    if t.notes.contains(&TableNote::WindowOpen) {
        out.push_str(
            "\n<sub>Window open: the newest release's window runs to now, so its numbers may still change. Fix commits: commits matching `commits.fix_pattern`; fix share: their share of the changes; bug fix p50: time to close a bug.</sub>\n",
        );
    }
    out
}

/// A cell in markdown: data escaped, in a table cell (`table`) or in running text.
fn cell(c: &[Span], links: &Links, table: bool) -> String {
    let code_span = |t: &str| if table { code_cell(t) } else { code(t) };
    let mut out = String::new();
    for s in c {
        match s {
            Span::Unreleased => out.push_str("_unreleased_"),
            Span::Now => out.push_str("now"),
            Span::Tag(t) => out.push_str(&code_span(t)),
            Span::Data(t) => out.push_str(&inline(t)),
            Span::Excerpt(t, max) => out.push_str(&inline_max(t, *max)),
            Span::Issues(n) => out.push_str(&issue_links(n, links, 3)),
            Span::Test { classname, name } if !classname.is_empty() => {
                out.push_str(&code_span(&format!("{classname}::{name}")));
            }
            Span::Test { name, .. } => out.push_str(&code_span(name)),
            Span::Detail(_) => {}
            Span::Aside(a) => {
                let _ = write!(out, " _({a})_");
            }
            Span::PerHundredChanges(d) => {
                let _ = write!(
                    out,
                    " ({} per 100 changes)",
                    d.map(num).unwrap_or_else(|| "–".into())
                );
            }
            other => out.push_str(&sections::plain(other).unwrap_or_default()),
        }
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
    let open_bugs = r
        .open_bugs
        .as_ref()
        .map(|o| ("open bugs", sections::open_bugs(o)));
    let rows = sections::window_rows(r)
        .into_iter()
        .map(|w| (w.label, w.value));
    for (label, value) in rows.chain(open_bugs) {
        let mut label = label.to_string();
        if let Some(first) = label.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        let _ = writeln!(out, "| {label} | {} |", cell(&value, &r.links, true));
    }
    out
}

fn tests_section(t: &crate::metrics::test_results::TestMetrics, links: &Links) -> String {
    let t = sections::tests(t);
    let list = |cells: &[sections::Cell], sep: &str| {
        let cells: Vec<String> = cells.iter().map(|c| cell(c, links, false)).collect();
        cells.join(sep)
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "**Tests** {} · {} · {}\n",
        t.total,
        list(&t.outcomes, " · "),
        list(&t.figures, " · ")
    );
    if let Some((runs, outcomes)) = &t.runs {
        let _ = writeln!(
            out,
            "Runs: {runs} · {} — a test reported more than once (reruns, several files) counts once above.\n",
            list(outcomes, " · ")
        );
    }
    if !t.failing.is_empty() {
        let _ = writeln!(out, "| Failing test | Message |\n|---|---|");
        out.push_str(&rows(&t.failing, links));
        if t.more_failing > 0 {
            let _ = writeln!(out, "\n_… and {} more failing tests._", t.more_failing);
        }
        out.push('\n');
    }
    if !t.flaky.is_empty() {
        let _ = writeln!(out, "Flaky: {}\n", list(&t.flaky, ", "));
    }
    if !t.slowest.is_empty() {
        let _ = writeln!(
            out,
            "<details><summary>Slowest tests</summary>\n\n| Test | Time |\n|---|--:|"
        );
        out.push_str(&rows(&t.slowest, links));
        out.push_str("\n</details>\n");
    }
    out
}

/// Table rows of cells.
fn rows<R: AsRef<[sections::Cell]>>(rows: &[R], links: &Links) -> String {
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row.as_ref().iter().map(|c| cell(c, links, true)).collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
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
/// that failed in some of these runs but not in all of them
/// ([`crate::metrics::history::flipping`]).
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
        let Some(t) = &r.totals else { continue };
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
    let flips = crate::metrics::history::flipping(
        rows.iter()
            .filter(|r| r.totals.is_some())
            .map(|r| r.failing_ids.as_slice()),
    );
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{TestRunRow, TestTotalsRow};

    fn row(sha: &str, failing: &[&str]) -> TestRunRow {
        TestRunRow {
            sha: sha.into(),
            run_id: None,
            at: 0,
            totals: Some(TestTotalsRow {
                passed: 9,
                failed: failing.len() as u64,
                ..TestTotalsRow::default()
            }),
            flaky_ids: vec![],
            failing_ids: failing.iter().map(|s| s.to_string()).collect(),
            ..TestRunRow::default()
        }
    }

    #[test]
    fn test_history_shows_pass_rates_and_flipping_tests() {
        // a fails in all 3 runs (broken, not flipping); b in 2; c in 1.
        let rows = [
            row("1", &["a", "b"]),
            row("2", &["a", "c"]),
            row("3", &["a", "b"]),
        ];
        let md = test_history(&rows);
        // 9 passed of 9 + 2 failed = 81.8%
        assert!(md.contains("| 81.8% |"), "{md}");
        assert!(md.contains("`b` (2 of 3)"), "{md}");
    }
}
