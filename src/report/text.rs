//! Plain-text report for terminals: aligned columns, colour only when asked.
//!
//! Every field that comes from data (tags, labels, test names, failure messages, notes,
//! paths) goes through [`crate::escape::line`]: it stays on its line, shows its control
//! and invisible characters as `<U+XXXX>`, and never reads as a workflow command.

use super::sections::{self, Span, TableNote};
use super::{Report, num, short};
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

    out.push_str(&release_table(r, style));
    out.push('\n');

    let w = &r.window;
    let _ = writeln!(
        out,
        "{} {} → {}",
        style.bold(&format!("Window {}", human(r.window_seconds))),
        date(w.span.start),
        date(w.span.end)
    );
    for row in sections::window_rows(r) {
        if row.github && !gh {
            continue;
        }
        let _ = writeln!(out, "  {:<21}{}", row.label, cell(&row.value));
    }
    if let Some(o) = &r.open_bugs {
        let _ = writeln!(
            out,
            "\n{} {}",
            style.bold("Open bugs"),
            cell(&sections::open_bugs(o))
        );
    }
    if let Some(t) = &r.tests {
        out.push('\n');
        out.push_str(&tests_text(t, style));
    }
    let (ext, vulns) = (r.external.as_ref(), r.vulnerabilities.as_ref());
    out.push_str(&super::external::text(ext, vulns, style));
    if let Some(c) = &r.coverage {
        out.push('\n');
        out.push_str(&super::coverage::text(c, |s| style.bold(s)));
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

/// The release table with its notes.
fn release_table(r: &Report, style: Style) -> String {
    let t = sections::release_table(r);
    let header: Vec<String> = t.columns.iter().map(|c| c.heading(true)).collect();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let rows: Vec<Vec<String>> = t
        .rows
        .iter()
        .map(|row| row.iter().map(|c| cell(c)).collect())
        .collect();
    let left: Vec<usize> = (0..t.columns.len())
        .filter(|&i| t.columns[i].text)
        .collect();
    let mut out = table(&header, &rows, &left, style);
    for note in &t.notes {
        let line = match note {
            TableNote::WindowOpen => "window open: the newest release's window runs to now, so its numbers may still change".to_string(),
            TableNote::ChangesNotRead => "· changes not read (older than --last)".to_string(),
            TableNote::Unreleased { head, base } => format!(
                "unreleased: commits of HEAD{} since {}, lead time measured to now",
                head.as_deref()
                    .map(|h| format!(" ({})", esc(short(h))))
                    .unwrap_or_default(),
                esc(base)
            ),
        };
        let _ = writeln!(out, "{}", style.dim(&line));
    }
    out
}

/// A cell for a terminal: data escaped, issues as plain `#N`.
fn cell(c: &[Span]) -> String {
    let mut out = String::new();
    for s in c {
        match s {
            Span::Unreleased => out.push_str("unreleased"),
            Span::Now => out.push_str("(now)"),
            Span::Tag(t) | Span::Data(t) | Span::Excerpt(t, _) => out.push_str(&esc(t)),
            Span::Issues(n) => out.push_str(&super::issue_list(n)),
            // Each part escaped: a `::` of the id's own never reads as a command.
            Span::Test { classname, name } if !classname.is_empty() => {
                let _ = write!(out, "{}::{}", esc(classname), esc(name));
            }
            Span::Test { name, .. } => out.push_str(&esc(name)),
            Span::Detail(d) => out.push_str(&cell(d)),
            Span::Aside(a) => {
                let _ = write!(out, "  [{a}]");
            }
            Span::PerHundredChanges(d) => {
                if let Some(d) = d {
                    let _ = write!(out, ", {} per 100 changes", num(*d));
                }
            }
            other => out.push_str(&sections::plain(other).unwrap_or_default()),
        }
    }
    out
}

fn tests_text(t: &crate::metrics::test_results::TestMetrics, style: Style) -> String {
    let t = sections::tests(t);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} ({}) · {} · {} file{}",
        style.bold("Tests"),
        t.total,
        list(&t.outcomes, ", "),
        list(&t.figures, " · "),
        t.files,
        if t.files == 1 { "" } else { "s" }
    );
    if let Some((runs, outcomes)) = &t.runs {
        let _ = writeln!(
            out,
            "  runs: {runs} ({}); a test reported more than once (reruns, several files) counts once above",
            list(outcomes, ", ")
        );
    }
    if !t.failing.is_empty() {
        let _ = writeln!(out, "  {}", style.red("failing:"));
        for [test, message] in &t.failing {
            let sep = if message.is_empty() { "" } else { " — " };
            let _ = writeln!(out, "    {}{sep}{}", cell(test), cell(message));
        }
        if t.more_failing > 0 {
            let _ = writeln!(out, "    … and {} more", t.more_failing);
        }
    }
    if !t.flaky.is_empty() {
        let _ = writeln!(out, "  {}", style.yellow("flaky:"));
        for f in &t.flaky {
            let _ = writeln!(out, "    {}", cell(f));
        }
    }
    if !t.slowest.is_empty() {
        let _ = writeln!(out, "  slowest:");
        for [test, time] in &t.slowest {
            let _ = writeln!(out, "    {:>9}  {}", cell(time), cell(test));
        }
    }
    out
}

/// The cells joined by `sep`.
fn list(cells: &[sections::Cell], sep: &str) -> String {
    let cells: Vec<String> = cells.iter().map(|c| cell(c)).collect();
    cells.join(sep)
}
