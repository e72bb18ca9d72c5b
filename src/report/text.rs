//! Plain-text report for terminals: aligned columns, colour only when asked.
//!
//! Every field that comes from data (tags, labels, test names, failure messages, notes,
//! paths) goes through [`crate::escape::line`]: it stays on its line, shows its control
//! and invisible characters as `<U+XXXX>`, and never reads as a workflow command.

use super::{Report, num, opt_dur, pct, short};
use crate::duration::human;
use crate::escape::line as esc;
use crate::model::{date, rfc3339};
use std::fmt::Write;

/// ANSI styling, or none.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    pub fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }
    pub fn dim(&self, s: &str) -> String {
        self.paint("2", s)
    }
    pub fn red(&self, s: &str) -> String {
        self.paint("31", s)
    }
    pub fn green(&self, s: &str) -> String {
        self.paint("32", s)
    }
    pub fn yellow(&self, s: &str) -> String {
        self.paint("33", s)
    }
}

/// The width of a cell as seen on a terminal: ANSI colour codes take no room.
fn visible_len(s: &str) -> usize {
    let mut n = 0;
    let mut in_escape = false;
    for c in s.chars() {
        match (in_escape, c) {
            (false, '\x1b') => in_escape = true,
            (true, 'm') => in_escape = false,
            (true, _) => {}
            (false, _) => n += 1,
        }
    }
    n
}

/// A table with a header row; the columns whose index is in `left` are left-aligned (text),
/// the others right-aligned (numbers).
pub fn table(header: &[&str], rows: &[Vec<String>], left: &[usize], style: Style) -> String {
    let cols = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| visible_len(h)).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate().take(cols) {
            widths[i] = widths[i].max(visible_len(c));
        }
    }
    let line = |cells: Vec<String>| -> String {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            let pad = widths
                .get(i)
                .copied()
                .unwrap_or(0)
                .saturating_sub(visible_len(c));
            if i > 0 {
                s.push_str("  ");
            }
            if left.contains(&i) {
                s.push_str(c);
                if i + 1 < cells.len() {
                    s.push_str(&" ".repeat(pad));
                }
            } else {
                s.push_str(&" ".repeat(pad));
                s.push_str(c);
            }
        }
        s.trim_end().to_string()
    };
    let mut out = style.bold(&line(header.iter().map(|h| h.to_string()).collect()));
    out.push('\n');
    for r in rows {
        out.push_str(&line(r.clone()));
        out.push('\n');
    }
    out
}

/// Renders the report for a terminal.
pub fn render(r: &Report, style: Style) -> String {
    let mut out = String::new();
    let gh = r.sources.github.is_some();
    let _ = writeln!(
        out,
        "{} {}  {}",
        style.bold("slipgate report"),
        esc(&r.sources.repository),
        style.dim(&format!("policy: {}", esc(&r.sources.policy)))
    );
    let _ = writeln!(
        out,
        "{}",
        style.dim(&format!(
            "evaluated at {} · {} of {} releases shown · window {}",
            rfc3339(r.evaluated_at),
            r.releases.len(),
            r.releases_total,
            human(r.window_seconds)
        ))
    );
    out.push('\n');

    let mut header = vec![
        "RELEASE",
        "DATE",
        "CHANGES",
        "LEAD p50",
        "LEAD p90",
        "LEAD max",
        "FIX COMMITS",
        "REVERTS",
        "FIX SHARE",
    ];
    if gh {
        header.extend(["BUGS", "DEFECTS/100", "BUG FIX p50"]);
    }
    header.extend(["FAILED", "WINDOW"]);
    let mut rows = Vec::new();
    let cand = &r.candidate;
    let mut row = vec!["unreleased".to_string(), "(now)".to_string()];
    row.extend(super::change_cells(Some(&cand.changes)));
    if gh {
        row.extend(["".into(), "".into(), "".into()]);
    }
    row.extend([String::new(), String::new()]);
    rows.push(row);
    for rel in &r.releases {
        let mut row = vec![esc(&rel.tag).into_owned(), date(rel.time)];
        row.extend(super::change_cells(rel.changes.as_ref()));
        if gh {
            row.push(
                rel.bugs_found
                    .map(|b| b.to_string())
                    .unwrap_or_else(|| "–".into()),
            );
            row.push(rel.defect_rate.map(num).unwrap_or_else(|| "–".into()));
            row.push(opt_dur(rel.bug_fix.as_ref().and_then(|f| f.fix_time.p50)));
        }
        let mut failed = Vec::new();
        if let Some(h) = &rel.hotfixed_by {
            failed.push(format!("hotfix {}", esc(h)));
        }
        let regressions = rel.regressions.clone().unwrap_or_default();
        let (reg, inc): (Vec<u64>, Vec<u64>) = rel
            .incidents
            .iter()
            .flatten()
            .partition(|n| regressions.contains(n));
        for (what, list) in [("incident", inc), ("regression", reg)] {
            if !list.is_empty() {
                failed.push(format!("{what} {}", super::issue_list(&list)));
            }
        }
        row.push(failed.join(", "));
        row.push(if rel.provisional { "open" } else { "" }.to_string());
        rows.push(row);
    }
    let failed_col = header.len() - 2;
    out.push_str(&table(
        &header,
        &rows,
        &[0, 1, failed_col, failed_col + 1],
        style,
    ));
    if r.releases.iter().any(|x| x.provisional) {
        let _ = writeln!(
            out,
            "{}",
            style.dim("window open: the newest release's window runs to now, so its numbers may still change")
        );
    }
    if r.releases.iter().any(|x| x.changes.is_none()) {
        let _ = writeln!(
            out,
            "{}",
            style.dim("· changes not read (older than --last)")
        );
    }
    if let Some(base) = &cand.base_tag {
        let _ = writeln!(
            out,
            "{}",
            style.dim(&format!(
                "unreleased: commits of HEAD{} since {base}, lead time measured to now",
                cand.head
                    .as_deref()
                    .map(|h| format!(" ({})", esc(short(h))))
                    .unwrap_or_default(),
                base = esc(base)
            ))
        );
    }
    out.push('\n');

    let w = &r.window;
    let _ = writeln!(
        out,
        "{} {} → {}",
        style.bold(&format!("Window {}", human(r.window_seconds))),
        date(w.span.start),
        date(w.span.end)
    );
    let _ = writeln!(
        out,
        "  releases             {} ({} per week)",
        w.releases.len(),
        num(w.release_frequency)
    );
    let cfr = match w.change_failure_rate {
        Some(v) => {
            let detail = if w.failed_releases.is_empty() {
                String::new()
            } else {
                let tags: Vec<_> = w.failed_releases.iter().map(|t| esc(t)).collect();
                format!(": {}", tags.join(", "))
            };
            format!(
                "{} ({} of {}{detail})",
                pct(v),
                w.failed_releases.len(),
                w.releases.len()
            )
        }
        None => "– (no release in the window)".to_string(),
    };
    let _ = writeln!(
        out,
        "  change failure rate  {cfr}{}",
        if gh {
            ""
        } else {
            "  [hotfix signal only: no GitHub data]"
        }
    );
    if let Some(c) = &w.changes {
        let _ = writeln!(
            out,
            "  changes              {} (lead time p50 {}, p90 {}){}",
            c.changes,
            opt_dur(c.lead_time.p50),
            opt_dur(c.lead_time.p90),
            super::unreleased_note(r)
        );
    }
    if gh {
        if let Some(b) = w.bugs_found {
            let rate = w
                .defect_rate
                .map(|d| format!(", {} per 100 changes", num(d)))
                .unwrap_or_default();
            let _ = writeln!(out, "  bugs found           {b}{rate}");
        }
        if let Some(f) = &w.bug_fix {
            let slo = f
                .within_slo
                .map(|s| format!(", {} within objective", pct(s)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  bug fix time         p50 {}, p90 {} ({} fixed{slo})",
                opt_dur(f.fix_time.p50),
                opt_dur(f.fix_time.p90),
                f.fix_time.count
            );
        }
        if let Some(t) = &w.time_to_restore {
            let _ = writeln!(
                out,
                "  time to restore      p50 {}, p90 {} ({} incident{})",
                opt_dur(t.fix_time.p50),
                opt_dur(t.fix_time.p90),
                t.fix_time.count,
                if t.fix_time.count == 1 { "" } else { "s" }
            );
        }
        if let Some(p) = &w.pr_cycle {
            let _ = writeln!(
                out,
                "  PR cycle time        p50 {}, p90 {} ({} merged)",
                opt_dur(p.cycle_time.p50),
                opt_dur(p.cycle_time.p90),
                p.cycle_time.count
            );
        }
    }
    if let Some(o) = &r.open_bugs {
        let sev: Vec<String> = o
            .by_severity
            .iter()
            .map(|(k, v)| format!("{} {v}", esc(k)))
            .collect();
        let oldest = o
            .oldest_age
            .map(|a| format!(", oldest {}", human(a)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "\n{} {} ({}){oldest}, {} overdue",
            style.bold("Open bugs"),
            o.total,
            sev.join(", "),
            o.overdue
        );
    }
    if let Some(t) = &r.tests {
        out.push('\n');
        out.push_str(&tests_text(t, style));
    }
    if let Some(src) = &r.sources.github_skipped {
        let _ = writeln!(
            out,
            "\n{}",
            style.dim(&format!("GitHub data not read: {}", esc(src)))
        );
    }
    for n in &r.notes {
        let _ = writeln!(out, "{} {}", style.yellow("note:"), esc(n));
    }
    out
}

/// A test's id for a terminal, each part escaped: `classname::name`, or the name alone.
fn test_id(classname: &str, name: &str) -> String {
    if classname.is_empty() {
        esc(name).into_owned()
    } else {
        format!("{}::{}", esc(classname), esc(name))
    }
}

fn tests_text(t: &crate::metrics::test_results::TestMetrics, style: Style) -> String {
    let mut out = String::new();
    let rate = t.pass_rate.map(pct).unwrap_or_else(|| "–".into());
    let _ = writeln!(
        out,
        "{} {} ({} passed, {} failed, {} errored, {} skipped) · pass rate {rate} · {} · {} flaky · {} file{}",
        style.bold("Tests"),
        t.total,
        t.passed,
        t.failed,
        t.errored,
        t.skipped,
        crate::duration::human_f64(t.duration),
        t.flaky.len(),
        t.files,
        if t.files == 1 { "" } else { "s" }
    );
    if t.runs.total != t.total {
        let r = &t.runs;
        let _ = writeln!(
            out,
            "  runs: {} ({} passed, {} failed, {} errored, {} skipped); a test reported more than once (reruns, several files) counts once above",
            r.total, r.passed, r.failed, r.errored, r.skipped
        );
    }
    if !t.failing.is_empty() {
        let _ = writeln!(out, "  {}", style.red("failing:"));
        for f in t.failing.iter().take(20) {
            let msg = f
                .message
                .as_deref()
                .map(|m| format!(" — {}", esc(m)))
                .unwrap_or_default();
            let _ = writeln!(out, "    {}{msg}", test_id(&f.test.classname, &f.test.name));
        }
        if t.failing.len() > 20 {
            let _ = writeln!(out, "    … and {} more", t.failing.len() - 20);
        }
    }
    if !t.flaky.is_empty() {
        let _ = writeln!(out, "  {}", style.yellow("flaky:"));
        for f in t.flaky.iter().take(20) {
            let _ = writeln!(out, "    {}", test_id(&f.classname, &f.name));
        }
    }
    if !t.slowest.is_empty() {
        let _ = writeln!(out, "  slowest:");
        for s in &t.slowest {
            let _ = writeln!(
                out,
                "    {:>9}  {}",
                crate::duration::human_f64(s.duration),
                test_id(&s.test.classname, &s.test.name)
            );
        }
    }
    out
}
