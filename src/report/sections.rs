//! The report's sections described once, as rows of typed cells: [`text`](super::text)
//! renders them as aligned columns for terminals (data escaped with
//! [`crate::escape::line`]), [`markdown`](super::markdown) as GFM tables (data escaped
//! with [`super::sanitize`]). A section decides what is shown and in which order; a
//! format decides only how a value looks.

use super::Report;
use crate::metrics::ReleaseMetrics;
use crate::metrics::changes::ChangeStats;
use crate::metrics::issues::OpenBugs;
use crate::metrics::stats::Distribution;
use crate::metrics::test_results::{TestMetrics, TestRef};
use crate::model::Timestamp;

/// A piece of a cell: the report's own words, or a value each format shows its way.
#[derive(Debug, Clone, PartialEq)]
pub enum Span {
    /// The report's own words, shown as they are.
    Word(String),
    Count(usize),
    /// Seconds, `–` when absent.
    Duration(Option<i64>),
    /// Seconds with a fraction (test times).
    Seconds(f64),
    /// A ratio shown as a percentage, `–` when absent.
    Share(Option<f64>),
    /// A number with at most two decimals, `–` when absent.
    Number(Option<f64>),
    Date(Timestamp),
    /// `·`: the value was not read (changes older than `--last`).
    NotRead,
    /// The name of the candidate row.
    Unreleased,
    /// The date of the candidate row.
    Now,
    /// A tag or a sha (data): code in markdown.
    Tag(String),
    /// Words read from outside (a label, a message): escaped.
    Data(String),
    /// A message shown whole on terminals and cut to `max` characters in markdown.
    Excerpt(String, usize),
    /// Issue numbers: the first three, then how many more (links in markdown).
    Issues(Vec<u64>),
    /// A test: `classname::name`, or the name alone.
    Test {
        classname: String,
        name: String,
    },
    /// Detail shown on terminals only; markdown tables keep to the figures.
    Detail(Vec<Span>),
    /// A caveat after a value: `  [caveat]` on terminals, ` _(caveat)_` in markdown.
    Aside(&'static str),
    /// Defects per 100 changes after a bug count.
    PerHundredChanges(Option<f64>),
}

/// A cell: its spans, in order; empty for a blank cell.
pub type Cell = Vec<Span>;

/// The report's own words.
pub fn word(s: impl Into<String>) -> Span {
    Span::Word(s.into())
}

/// A count, `–` when absent.
fn opt_count(n: Option<usize>) -> Span {
    n.map_or_else(|| word("–"), Span::Count)
}

/// A test's id.
pub fn test(t: &TestRef) -> Span {
    Span::Test {
        classname: t.classname.clone(),
        name: t.name.clone(),
    }
}

/// The value of a span that looks the same in every format; `None` for those that do not.
pub fn plain(s: &Span) -> Option<String> {
    Some(match s {
        Span::Word(w) => w.clone(),
        Span::Count(n) => n.to_string(),
        Span::Duration(d) => super::opt_dur(*d),
        Span::Seconds(s) => crate::duration::human_f64(*s),
        Span::Share(v) => v.map(super::pct).unwrap_or_else(|| "–".into()),
        Span::Number(v) => v.map(super::num).unwrap_or_else(|| "–".into()),
        Span::Date(t) => crate::model::date(*t),
        Span::NotRead => "·".into(),
        _ => return None,
    })
}

/// A table column: its name (and unit, e.g. `p50`), and whether it holds text (left
/// aligned) or figures (right aligned).
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub unit: &'static str,
    pub text: bool,
}

impl Column {
    /// The heading: `Lead p50`, or in capitals (the name only) `LEAD p50`.
    pub fn heading(&self, capitals: bool) -> String {
        let name = if capitals {
            self.name.to_uppercase()
        } else {
            self.name.to_string()
        };
        if self.unit.is_empty() {
            name
        } else {
            format!("{name} {}", self.unit)
        }
    }
}

const fn figure(name: &'static str, unit: &'static str) -> Column {
    Column {
        name,
        unit,
        text: false,
    }
}

const fn text(name: &'static str) -> Column {
    Column {
        name,
        unit: "",
        text: true,
    }
}

/// What a reader of the release table may need to know.
#[derive(Debug, Clone, PartialEq)]
pub enum TableNote {
    /// The newest release's window runs to now.
    WindowOpen,
    /// Some releases' changes were not read (older than `--last`).
    ChangesNotRead,
    /// The candidate row counts the commits of HEAD since `base`.
    Unreleased { head: Option<String>, base: String },
}

/// The release table: the candidate, then the releases, newest first.
#[derive(Debug, Clone)]
pub struct ReleaseTable {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
    pub notes: Vec<TableNote>,
}

/// The release table of `r`; the bug columns only with GitHub data.
pub fn release_table(r: &Report) -> ReleaseTable {
    let gh = r.sources.github.is_some();
    let mut columns = vec![
        text("Release"),
        text("Date"),
        figure("Changes", ""),
        figure("Lead", "p50"),
        figure("Lead", "p90"),
        figure("Lead", "max"),
        figure("Fix commits", ""),
        figure("Reverts", ""),
        figure("Fix share", ""),
    ];
    if gh {
        columns.extend([
            figure("Bugs", ""),
            figure("Defects/100", ""),
            figure("Bug fix", "p50"),
        ]);
    }
    columns.extend([text("Failed"), text("Window")]);
    let mut candidate = vec![vec![Span::Unreleased], vec![Span::Now]];
    candidate.extend(change_cells(Some(&r.candidate.changes)));
    candidate.resize(columns.len(), Vec::new());
    let mut rows = vec![candidate];
    for rel in &r.releases {
        let mut row = vec![vec![Span::Tag(rel.tag.clone())], vec![Span::Date(rel.time)]];
        row.extend(change_cells(rel.changes.as_ref()));
        if gh {
            row.push(vec![opt_count(rel.bugs_found)]);
            row.push(vec![Span::Number(rel.defect_rate)]);
            row.push(vec![Span::Duration(
                rel.bug_fix.as_ref().and_then(|f| f.fix_time.p50),
            )]);
        }
        row.push(failed(rel));
        row.push(vec![word(if rel.provisional { "open" } else { "" })]);
        rows.push(row);
    }
    let mut notes = Vec::new();
    if r.releases.iter().any(|x| x.provisional) {
        notes.push(TableNote::WindowOpen);
    }
    if r.releases.iter().any(|x| x.changes.is_none()) {
        notes.push(TableNote::ChangesNotRead);
    }
    if let Some(base) = &r.candidate.base_tag {
        notes.push(TableNote::Unreleased {
            head: r.candidate.head.clone(),
            base: base.clone(),
        });
    }
    ReleaseTable {
        columns,
        rows,
        notes,
    }
}

/// The change columns of a release row: changes, lead time p50/p90/max, fixes, reverts,
/// fix ratio; `·` each when the changes were not read.
pub fn change_cells(c: Option<&ChangeStats>) -> Vec<Cell> {
    match c {
        Some(c) => vec![
            vec![Span::Count(c.changes)],
            vec![Span::Duration(c.lead_time.p50)],
            vec![Span::Duration(c.lead_time.p90)],
            vec![Span::Duration(c.lead_time.max)],
            vec![Span::Count(c.fix_commits)],
            vec![Span::Count(c.reverts)],
            vec![Span::Share(c.fix_ratio)],
        ],
        None => vec![vec![Span::NotRead]; 7],
    }
}

/// Why a release failed: the hotfix that followed it, its incidents, its regressions.
fn failed(rel: &ReleaseMetrics) -> Cell {
    let mut parts: Vec<Cell> = Vec::new();
    if let Some(h) = &rel.hotfixed_by {
        parts.push(vec![word("hotfix "), Span::Tag(h.clone())]);
    }
    let regressions = rel.regressions.clone().unwrap_or_default();
    let (reg, inc): (Vec<u64>, Vec<u64>) = rel
        .incidents
        .iter()
        .flatten()
        .partition(|n| regressions.contains(n));
    for (what, list) in [("incident ", inc), ("regression ", reg)] {
        if !list.is_empty() {
            parts.push(vec![word(what), Span::Issues(list)]);
        }
    }
    join(parts, ", ")
}

/// The cells joined by `sep`.
fn join(cells: Vec<Cell>, sep: &str) -> Cell {
    let mut out = Vec::new();
    for (i, c) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(word(sep));
        }
        out.extend(c);
    }
    out
}

/// A line of the window section: its label (`releases`, `PR cycle time`) and value.
#[derive(Debug, Clone)]
pub struct WindowRow {
    pub label: &'static str,
    pub value: Cell,
    /// A figure from GitHub data: terminals show it only when GitHub data was read.
    pub github: bool,
}

/// The window section of `r`: its lines, in order (open bugs apart, see [`open_bugs`]).
pub fn window_rows(r: &Report) -> Vec<WindowRow> {
    let w = &r.window;
    let row = |label, value, github| WindowRow {
        label,
        value,
        github,
    };
    let mut rows = vec![row(
        "releases",
        vec![
            Span::Count(w.releases.len()),
            word(" ("),
            Span::Number(Some(w.release_frequency)),
            word(" per week)"),
        ],
        false,
    )];
    let mut cfr = match w.change_failure_rate {
        Some(v) => {
            let mut c = vec![
                Span::Share(Some(v)),
                word(" ("),
                Span::Count(w.failed_releases.len()),
                word(" of "),
                Span::Count(w.releases.len()),
            ];
            if !w.failed_releases.is_empty() {
                let tags = w.failed_releases.iter().map(|t| vec![Span::Tag(t.clone())]);
                let mut detail = vec![word(": ")];
                detail.extend(join(tags.collect(), ", "));
                c.push(Span::Detail(detail));
            }
            c.push(word(")"));
            c
        }
        None => vec![
            word("–"),
            Span::Detail(vec![word(" (no release in the window)")]),
        ],
    };
    if r.sources.github.is_none() {
        cfr.push(Span::Aside("hotfix signal only: no GitHub data"));
    }
    rows.push(row("change failure rate", cfr, false));
    if let Some(c) = &w.changes {
        rows.push(row(
            "changes",
            vec![
                Span::Count(c.changes),
                word(" (lead time p50 "),
                Span::Duration(c.lead_time.p50),
                word(", p90 "),
                Span::Duration(c.lead_time.p90),
                word(")"),
                word(super::unreleased_note(r)),
            ],
            false,
        ));
    }
    if let Some(b) = w.bugs_found {
        rows.push(row(
            "bugs found",
            vec![Span::Count(b), Span::PerHundredChanges(w.defect_rate)],
            true,
        ));
    }
    if let Some(f) = &w.bug_fix {
        let mut fixed = vec![word(" fixed")];
        if let Some(s) = f.within_slo {
            fixed.extend([word(", "), Span::Share(Some(s)), word(" within objective")]);
        }
        rows.push(row("bug fix time", spread(&f.fix_time, fixed), true));
    }
    if let Some(t) = &w.time_to_restore {
        let what = if t.fix_time.count == 1 {
            " incident"
        } else {
            " incidents"
        };
        rows.push(row(
            "time to restore",
            spread(&t.fix_time, vec![word(what)]),
            true,
        ));
    }
    if let Some(p) = &w.pr_cycle {
        rows.push(row(
            "PR cycle time",
            spread(&p.cycle_time, vec![word(" merged")]),
            true,
        ));
    }
    if let Some(f) = &w.first_response {
        let mut answered = vec![
            word(" answered, "),
            Span::Count(f.unanswered),
            word(" unanswered"),
        ];
        if let Some(s) = f.within_slo {
            answered.extend([word(", "), Span::Share(Some(s)), word(" within objective")]);
        }
        let mut c = spread(&f.response_time, answered);
        if f.response_time.max.is_some() {
            c.extend([word(", max "), Span::Duration(f.response_time.max)]);
        }
        rows.push(row("first response", c, true));
    }
    rows
}

/// `p50 …, p90 … (N what)`.
fn spread(d: &Distribution, what: Cell) -> Cell {
    let mut c = vec![
        word("p50 "),
        Span::Duration(d.p50),
        word(", p90 "),
        Span::Duration(d.p90),
        word(" ("),
        Span::Count(d.count),
    ];
    c.extend(what);
    c.push(word(")"));
    c
}

/// The open bugs: `N (critical 1, none 2), oldest 3d, 0 overdue`.
pub fn open_bugs(o: &OpenBugs) -> Cell {
    let severities = o
        .by_severity
        .iter()
        .map(|(k, v)| vec![Span::Data(k.clone()), word(" "), Span::Count(*v)]);
    let mut c = vec![Span::Count(o.total), word(" (")];
    c.extend(join(severities.collect(), ", "));
    c.push(word(")"));
    if let Some(a) = o.oldest_age {
        c.extend([word(", oldest "), Span::Duration(Some(a))]);
    }
    c.extend([word(", "), Span::Count(o.overdue), word(" overdue")]);
    c
}

/// How many failing or flaky tests are listed at the most.
pub const TESTS_LISTED: usize = 20;

/// How much of a failure message markdown shows, in characters.
pub const MESSAGE_MAX: usize = 160;

/// The tests section: the headline's figures, and the tests listed.
#[derive(Debug, Clone)]
pub struct TestsSection {
    pub total: usize,
    /// `N passed`, `N failed`, `N errored`, `N skipped`.
    pub outcomes: Vec<Cell>,
    /// `pass rate R`, the time taken, `N flaky`.
    pub figures: Vec<Cell>,
    pub files: usize,
    /// The runs and their outcomes, when a test was reported more than once.
    pub runs: Option<(usize, Vec<Cell>)>,
    /// The failing tests listed, each with its message (blank when none).
    pub failing: Vec<[Cell; 2]>,
    /// How many more failing tests there are.
    pub more_failing: usize,
    pub flaky: Vec<Cell>,
    /// The slowest tests, each with its time.
    pub slowest: Vec<[Cell; 2]>,
}

/// The tests section of `t`.
pub fn tests(t: &TestMetrics) -> TestsSection {
    let outcomes = |passed, failed, errored, skipped| -> Vec<Cell> {
        [
            (passed, " passed"),
            (failed, " failed"),
            (errored, " errored"),
            (skipped, " skipped"),
        ]
        .into_iter()
        .map(|(n, what)| vec![Span::Count(n), word(what)])
        .collect()
    };
    let r = &t.runs;
    TestsSection {
        total: t.total,
        outcomes: outcomes(t.passed, t.failed, t.errored, t.skipped),
        figures: vec![
            vec![word("pass rate "), Span::Share(t.pass_rate)],
            vec![Span::Seconds(t.duration)],
            vec![Span::Count(t.flaky.len()), word(" flaky")],
        ],
        files: t.files,
        runs: (r.total != t.total)
            .then(|| (r.total, outcomes(r.passed, r.failed, r.errored, r.skipped))),
        failing: t
            .failing
            .iter()
            .take(TESTS_LISTED)
            .map(|f| {
                let message = f
                    .message
                    .as_ref()
                    .map(|m| vec![Span::Excerpt(m.clone(), MESSAGE_MAX)])
                    .unwrap_or_default();
                [vec![test(&f.test)], message]
            })
            .collect(),
        more_failing: t.failing.len().saturating_sub(TESTS_LISTED),
        flaky: t
            .flaky
            .iter()
            .take(TESTS_LISTED)
            .map(|f| vec![test(f)])
            .collect(),
        slowest: t
            .slowest
            .iter()
            .map(|s| [vec![test(&s.test)], vec![Span::Seconds(s.duration)]])
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_and_plain_values() {
        assert_eq!(figure("Lead", "p50").heading(true), "LEAD p50");
        assert_eq!(figure("Defects/100", "").heading(false), "Defects/100");
        assert_eq!(plain(&Span::Share(None)).as_deref(), Some("–"));
        assert_eq!(plain(&Span::Duration(Some(90))).as_deref(), Some("1m 30s"));
        assert_eq!(plain(&Span::Tag("v1".into())), None);
        let c = join(vec![vec![word("a")], vec![Span::Count(2)]], ", ");
        assert_eq!(c, [word("a"), word(", "), Span::Count(2)]);
    }
}
