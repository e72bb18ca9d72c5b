//! The trend as markdown: the trend issue's body (headline, lead table, charts, team
//! detail), the page of `check --trend-issue`, `trend --publish` and
//! `trend --format markdown`.

use super::history::{self, History, RunFigures, Snapshot};
use crate::duration::human;
use crate::gate::{GateResult, Overall};
use crate::metrics::test_results::TestMetrics;
use crate::metrics::trend::{Series, Trend};
use crate::model::{TestRunRow, Timestamp, date};
use crate::policy::metric::{Metric, Unit};
use crate::policy::{Rule, Trigger};
use crate::report::sanitize::{code, inline, inline_max};
use crate::report::verdicts::render_value;
use crate::report::{Links, Report, num, pct, short};
use std::fmt::Write as _;

/// Points a chart shows at most (the newest).
pub const CHART_POINTS: usize = 26;
/// Lines of "what changed" in the headline, at most.
const HEADLINE_LINES: usize = 5;
/// Items per list of the team detail.
const DETAIL_ITEMS: usize = 10;
/// Test runs listed in the team detail.
const RUNS_LISTED: usize = 10;

/// Everything the trend issue's body is made from.
#[derive(Debug, Clone, Copy)]
pub struct Page<'a> {
    pub trend: &'a Trend,
    pub report: &'a Report,
    pub gate: &'a GateResult,
    /// The policy's rules (targets).
    pub rules: &'a [Rule],
    /// The history with this run merged in (its last snapshot is this update's when the
    /// run is an update; a run that only records its tests adds none).
    pub history: &'a History,
    /// This run's key figures ([`snapshot`]; test figures of the newest run kept when this
    /// run read none): the "Now" of the key figures.
    pub current: &'a Snapshot,
    /// The previous update's figures, read from the issue before this update.
    pub previous: Option<&'a Snapshot>,
    /// The test runs kept in the cache, newest first (for newly failing tests).
    pub cached_runs: &'a [TestRunRow],
    /// What this write is: an update, or a test run that refreshes the page (then the
    /// headline's verdict is the last update's, not this run's rules').
    pub update: TrendUpdate,
}

/// The key figures of this update, for the history block and the lead table: the open
/// bugs now, the flow metrics over the policy window, this run's test figures.
pub fn snapshot(r: &Report, gate: &GateResult) -> Snapshot {
    let w = &r.window;
    let secs = |v: Option<i64>| v.map(|v| v as f64);
    let lead = w.changes.as_ref().map(|c| &c.lead_time);
    let fix = w.bug_fix.as_ref();
    let tests = r.tests.as_ref();
    let open = r.open_bugs.as_ref();
    let mut values = std::collections::BTreeMap::new();
    for key in history::KEYS {
        let v = match *key {
            "open_bugs.total" => open.map(|o| o.total as f64),
            "open_bugs.overdue" => open.map(|o| o.overdue as f64),
            "release_frequency" => Some(w.release_frequency),
            "changes" => w.changes.as_ref().map(|c| c.changes as f64),
            "lead_time.p50" => lead.and_then(|l| secs(l.p50)),
            "lead_time.p90" => lead.and_then(|l| secs(l.p90)),
            "bugs_found" => w.bugs_found.map(|n| n as f64),
            "defect_rate" => w.defect_rate,
            "bug_fix_time.p50" => fix.and_then(|f| secs(f.fix_time.p50)),
            "bug_fix_time.p90" => fix.and_then(|f| secs(f.fix_time.p90)),
            "bug_fix_time.within_slo" => fix.and_then(|f| f.within_slo),
            "time_to_restore.p50" => w
                .time_to_restore
                .as_ref()
                .and_then(|f| secs(f.fix_time.p50)),
            "change_failure_rate" => w.change_failure_rate,
            "pr_cycle_time.p50" => w.pr_cycle.as_ref().and_then(|c| secs(c.cycle_time.p50)),
            "time_to_first_response.p50" => w
                .first_response
                .as_ref()
                .and_then(|f| secs(f.response_time.p50)),
            "tests.pass_rate" => tests.and_then(|t| t.pass_rate),
            "tests.failed" => tests.map(|t| t.failed as f64),
            "tests.flaky" => tests.map(|t| t.flaky.len() as f64),
            "coverage.lines" => r.coverage.as_ref().and_then(|c| c.lines.share),
            _ => None,
        };
        if let Some(v) = v {
            values.insert(key.to_string(), v);
        }
    }
    Snapshot {
        t: r.evaluated_at,
        verdict: Some(gate.overall.name().to_string()),
        values,
    }
}

/// This run's test figures for the history block.
pub fn run_figures(t: &TestMetrics, commit: &str, run: Option<&str>, at: Timestamp) -> RunFigures {
    RunFigures {
        coverage: None,
        t: at,
        commit: commit.to_string(),
        run: run.map(str::to_string),
        pass_rate: t.pass_rate,
        failed: t.failed as u64,
        flaky: t.flaky.len() as u64,
    }
}

/// The test figures of a kept run, under their metric names.
pub fn run_values(r: &RunFigures) -> Vec<(String, f64)> {
    let mut v = vec![
        ("tests.failed".to_string(), r.failed as f64),
        ("tests.flaky".to_string(), r.flaky as f64),
    ];
    if let Some(p) = r.pass_rate {
        v.push(("tests.pass_rate".to_string(), p));
    }
    v
}

/// A recorded run of the cache, for the history block (none for a run without tests).
pub fn row_figures(r: &TestRunRow) -> Option<RunFigures> {
    let t = r.totals.as_ref()?;
    let ran = t.passed + t.failed + t.errored;
    Some(RunFigures {
        t: r.at,
        commit: r.sha.clone(),
        run: r.run_id.clone(),
        pass_rate: (ran > 0).then(|| t.passed as f64 / ran as f64),
        failed: t.failed,
        flaky: t.flaky,
        coverage: r.coverage.and_then(|c| {
            (c.lines_total > 0).then(|| c.lines_covered as f64 / c.lines_total as f64)
        }),
    })
}

/// The metrics of the lead table, in order, with their plain names.
const LEAD: &[(&str, &str)] = &[
    ("open_bugs.total", "Open bugs"),
    ("open_bugs.overdue", "Overdue bugs"),
    ("bugs_found", "Bugs found"),
    ("defect_rate", "Defect rate (bugs per 100 changes)"),
    ("bug_fix_time.p50", "Bug-fix time p50"),
    ("bug_fix_time.within_slo", "Bugs fixed within objective"),
    ("lead_time.p50", "Lead time p50"),
    ("lead_time.p90", "Lead time p90"),
    ("release_frequency", "Releases per week"),
    ("change_failure_rate", "Change failure rate"),
    ("time_to_restore.p50", "Time to restore p50"),
    ("pr_cycle_time.p50", "PR cycle time p50"),
    ("time_to_first_response.p50", "First response p50"),
    ("tests.pass_rate", "Test pass rate"),
    ("tests.failed", "Failed tests"),
    ("tests.flaky", "Flaky tests"),
    ("coverage.lines", "Line coverage"),
];

/// How a change of a metric reads, better and worse.
fn phrases(key: &str) -> (&'static str, &'static str) {
    match key {
        "open_bugs.total" => ("Fewer bugs are open", "More bugs are open"),
        "open_bugs.overdue" => ("Fewer bugs are overdue", "More bugs are overdue"),
        "bugs_found" => ("Fewer bugs are found", "More bugs are found"),
        "defect_rate" => ("Fewer bugs per change", "More bugs per change"),
        "bug_fix_time.p50" => ("Bugs are fixed faster", "Bugs are fixed slower"),
        "bug_fix_time.within_slo" => (
            "More bugs are fixed within their objective",
            "Fewer bugs are fixed within their objective",
        ),
        "lead_time.p50" | "lead_time.p90" => ("Changes ship faster", "Changes ship slower"),
        "release_frequency" => ("Releases come more often", "Releases come less often"),
        "change_failure_rate" => ("Fewer releases fail", "More releases fail"),
        "time_to_restore.p50" => (
            "Service is restored faster",
            "Service takes longer to restore",
        ),
        "pr_cycle_time.p50" => ("Pull requests merge faster", "Pull requests merge slower"),
        "time_to_first_response.p50" => (
            "Issues get a first response sooner",
            "Issues wait longer for a first response",
        ),
        "tests.pass_rate" => ("More tests pass", "Fewer tests pass"),
        "tests.failed" => ("Fewer tests fail", "More tests fail"),
        "tests.flaky" => ("Fewer tests are flaky", "More tests are flaky"),
        "coverage.lines" => ("More lines are covered", "Fewer lines are covered"),
        _ => ("Better", "Worse"),
    }
}

fn metric_of(key: &str) -> Option<Metric> {
    Metric::parse(key)
}

fn render(key: &str, v: Option<f64>) -> String {
    match (metric_of(key), v) {
        (Some(m), Some(v)) => render_value(&m, v),
        _ => "–".to_string(),
    }
}

/// One figure against the previous update.
#[derive(Debug, Clone, Copy)]
struct Change {
    key: &'static str,
    now: f64,
    before: f64,
    /// `(now − before) / before`; none when before is 0.
    share: Option<f64>,
    /// Better for this metric (none: unchanged).
    good: Option<bool>,
}

fn change(key: &'static str, now: Option<f64>, before: Option<f64>) -> Option<Change> {
    let (now, before) = (now?, before?);
    let up_good = metric_of(key).is_some_and(|m| crate::metrics::trend::up_is_good(&m));
    let diff = now - before;
    Some(Change {
        key,
        now,
        before,
        share: (before != 0.0).then(|| diff / before),
        good: (diff != 0.0).then_some((diff > 0.0) == up_good),
    })
}

/// `▲ 25%`, `▼ 3`, `=`: the direction and the share (the amount when the share is none).
fn arrow(c: &Change) -> String {
    let diff = c.now - c.before;
    let a = if diff > 0.0 {
        "▲"
    } else if diff < 0.0 {
        "▼"
    } else {
        return "=".to_string();
    };
    match c.share {
        Some(s) => format!("{a} {}", pct(s.abs())),
        None => format!("{a} {}", render(c.key, Some(diff.abs()))),
    }
}

fn mark(good: Option<bool>) -> &'static str {
    match good {
        Some(true) => "🟢",
        Some(false) => "🔴",
        None => "⚪",
    }
}

/// `▁▂▃▅█` of a series' values (`·` where there is none), scaled to its own range.
pub fn sparkline(values: &[Option<f64>]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let known: Vec<f64> = values.iter().flatten().copied().collect();
    let (lo, hi) = known
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
            (l.min(*v), h.max(*v))
        });
    values
        .iter()
        .map(|v| match v {
            None => '·',
            Some(_) if hi <= lo => BARS[3],
            Some(v) => BARS[(((v - lo) / (hi - lo)) * 7.0).round().clamp(0.0, 7.0) as usize],
        })
        .collect()
}

/// The DORA performance level of a figure (thresholds in docs/metrics.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dora {
    Elite,
    High,
    Medium,
    Low,
}

impl Dora {
    pub fn name(self) -> &'static str {
        match self {
            Dora::Elite => "elite",
            Dora::High => "high",
            Dora::Medium => "medium",
            Dora::Low => "low",
        }
    }

    /// Lead time for changes (p50, seconds): under a day, a week, a month.
    pub fn lead_time(secs: f64) -> Dora {
        Self::below(secs, [86_400.0, 7.0 * 86_400.0, 30.0 * 86_400.0])
    }

    /// Time to restore (p50, seconds): under an hour, a day, a week.
    pub fn time_to_restore(secs: f64) -> Dora {
        Self::below(secs, [3_600.0, 86_400.0, 7.0 * 86_400.0])
    }

    /// Change failure rate (a share): at most 5%, 10%, 15%.
    pub fn change_failure_rate(share: f64) -> Dora {
        if share <= 0.05 {
            Dora::Elite
        } else if share <= 0.10 {
            Dora::High
        } else if share <= 0.15 {
            Dora::Medium
        } else {
            Dora::Low
        }
    }

    /// Release frequency (per week): daily or more (7), weekly (1), monthly (12 a year).
    pub fn release_frequency(per_week: f64) -> Dora {
        if per_week >= 7.0 {
            Dora::Elite
        } else if per_week >= 1.0 {
            Dora::High
        } else if per_week >= 12.0 / 52.0 {
            Dora::Medium
        } else {
            Dora::Low
        }
    }

    fn below(v: f64, limits: [f64; 3]) -> Dora {
        if v < limits[0] {
            Dora::Elite
        } else if v <= limits[1] {
            Dora::High
        } else if v <= limits[2] {
            Dora::Medium
        } else {
            Dora::Low
        }
    }
}

/// The target of a metric from the policy: the bound of the first rule on it
/// (`≤ 30d`, `≥ 99%`).
fn target(rules: &[Rule], key: &str) -> String {
    let Some(m) = metric_of(key) else {
        return "–".into();
    };
    for r in rules.iter().filter(|r| r.metric == m) {
        if let Some((t, _)) = &r.max {
            return format!("≤ {}", inline(&t.to_string()));
        }
        if let Some((t, _)) = &r.min {
            return format!("≥ {}", inline(&t.to_string()));
        }
    }
    "–".into()
}

/// A label for a Mermaid x-axis: slipgate's own words or data reduced to characters
/// Mermaid reads as text inside quotes (letters, digits, space, `.`, `_`, `+`, `-`, `/`,
/// `:`),
/// cut to 20 characters, with no `--`.
pub fn chart_label(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars().take(20) {
        let c = if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '+' | '/' | ':' | ' ') {
            c
        } else if c == '-' && !out.ends_with('-') {
            '-'
        } else {
            '_'
        };
        out.push(c);
    }
    if out.is_empty() { "_".into() } else { out }
}

/// The top of a chart's y-axis: 100 for percentages, else a round number above `max`.
fn axis_top(max: f64, percent: bool) -> f64 {
    if percent {
        return 100.0;
    }
    if max <= 0.0 {
        return 1.0;
    }
    let raw = max * 1.1;
    let step = 10f64.powf(raw.log10().floor()) / 2.0;
    (raw / step).ceil() * step
}

/// A number for a chart: at most two decimals.
fn chart_num(v: f64) -> String {
    num(v)
}

/// A value in the chart's unit: days for durations, % for shares, as is otherwise.
fn chart_value(unit: Unit, v: f64) -> f64 {
    match unit {
        Unit::Duration => v / 86_400.0,
        Unit::Ratio => v * 100.0,
        Unit::Count | Unit::Number => v,
    }
}

/// One line or bar of a chart.
enum Plot {
    Line(Vec<f64>),
    Bar(Vec<f64>),
}

/// Mermaid's settings for every chart: mermaid's default palette draws the first plot in
/// `#ECECFF`, invisible on GitHub's white page, so the plots are drawn in GitHub's blue
/// then orange (bars, then lines, in the order the title names them); wide enough that 26
/// weekly `MM-DD` labels do not overlap.
const CHART_INIT: &str = r##"%%{init: {"xyChart": {"width": 900, "height": 420, "xAxis": {"labelFontSize": 11}}, "themeVariables": {"xyChart": {"plotColorPalette": "#0969da, #bc4c00"}}}}%%"##;

/// The bottom of the y-axis: 0, except for a chart of percentages drawn as lines only
/// whose every value is at least 80% (a pass rate of 97–100% is a flat line at the top of
/// a 0–100 axis): then 5 points below the lowest value, rounded down to a multiple of 10.
/// Bars always start at 0, so their heights compare.
fn axis_bottom(plots: &[Plot], percent: bool) -> f64 {
    let lines_only = plots.iter().all(|p| matches!(p, Plot::Line(_)));
    let min = plots
        .iter()
        .flat_map(|p| match p {
            Plot::Line(v) | Plot::Bar(v) => v.iter().copied(),
        })
        .fold(f64::INFINITY, f64::min);
    if percent && lines_only && min.is_finite() && min >= 80.0 {
        ((min - 5.0) / 10.0).floor() * 10.0
    } else {
        0.0
    }
}

/// A Mermaid `xychart-beta` block: `title` and the axis names are slipgate's words,
/// `labels` are passed through [`chart_label`].
fn chart(title: &str, x: &str, y: &str, labels: &[String], plots: &[Plot]) -> String {
    let max = plots
        .iter()
        .flat_map(|p| match p {
            Plot::Line(v) | Plot::Bar(v) => v.iter().copied(),
        })
        .fold(0.0_f64, f64::max);
    let top = axis_top(max, y.contains('%'));
    let bottom = axis_bottom(plots, y.contains('%'));
    let labels: Vec<String> = labels
        .iter()
        .map(|l| format!("\"{}\"", chart_label(l)))
        .collect();
    let mut out = format!(
        "```mermaid\n{CHART_INIT}\nxychart-beta\n    title \"{title}\"\n    x-axis \"{x}\" [{}]\n    y-axis \"{y}\" {} --> {}\n",
        labels.join(", "),
        chart_num(bottom),
        chart_num(top)
    );
    // A line through one point draws nothing: a chart of one point shows bars.
    let one = labels.len() == 1;
    for p in plots {
        let (kind, v) = match p {
            Plot::Line(v) if !one => ("line", v),
            Plot::Line(v) | Plot::Bar(v) => ("bar", v),
        };
        let v: Vec<String> = v.iter().map(|v| chart_num(*v)).collect();
        let _ = writeln!(out, "    {kind} [{}]", v.join(", "));
    }
    out.push_str("```\n");
    out
}

/// The newest [`CHART_POINTS`] of `points` (label and values) that have every value.
fn chart_points(points: Vec<(String, Vec<Option<f64>>)>) -> (Vec<String>, Vec<Vec<f64>>) {
    let known: Vec<(String, Vec<f64>)> = points
        .into_iter()
        .filter_map(|(l, v)| v.into_iter().collect::<Option<Vec<f64>>>().map(|v| (l, v)))
        .collect();
    let known = &known[known.len().saturating_sub(CHART_POINTS)..];
    let labels = known.iter().map(|(l, _)| l.clone()).collect();
    let width = known.first().map_or(0, |(_, v)| v.len());
    let cols = (0..width)
        .map(|k| known.iter().map(|(_, v)| v[k]).collect())
        .collect();
    (labels, cols)
}

fn period_label(end: Timestamp) -> String {
    date(end)[5..].to_string()
}

/// A period series' chart points, in the chart's unit.
fn period_points(series: &[&Series]) -> Vec<(String, Vec<Option<f64>>)> {
    let Some(first) = series.first() else {
        return Vec::new();
    };
    (0..first.per_period.len())
        .map(|k| {
            let label = period_label(first.per_period[k].end);
            let v = series
                .iter()
                .map(|s| {
                    s.per_period
                        .get(k)
                        .and_then(|p| p.value)
                        .map(|v| chart_value(s.unit, v))
                })
                .collect();
            (label, v)
        })
        .collect()
}

fn charts(p: &Page<'_>) -> String {
    let s = |k: &str| p.trend.series.get(k);
    let period = human(p.trend.period_seconds);
    let x_period = format!("Period ({period}, ending)");
    let mut out = String::new();
    // Lead time per release.
    if let (Some(p50), Some(p90)) = (s("lead_time.p50"), s("lead_time.p90")) {
        let points = p50
            .per_release
            .iter()
            .zip(&p90.per_release)
            .map(|(a, b)| {
                (
                    a.tag.clone(),
                    vec![
                        a.value.map(|v| chart_value(Unit::Duration, v)),
                        b.value.map(|v| chart_value(Unit::Duration, v)),
                    ],
                )
            })
            .collect();
        let (labels, cols) = chart_points(points);
        if !labels.is_empty() {
            out.push_str(&chart(
                "Lead time per release (days): p50 bars, p90 line",
                "Release",
                "Days",
                &labels,
                &[Plot::Bar(cols[0].clone()), Plot::Line(cols[1].clone())],
            ));
            out.push('\n');
        }
    }
    let period_chart = |out: &mut String, keys: &[&str], title: &str, y: &str, bar: bool| {
        let series: Vec<&Series> = keys.iter().filter_map(|k| s(k)).collect();
        if series.len() != keys.len() {
            return;
        }
        let (labels, cols) = chart_points(period_points(&series));
        if labels.is_empty() {
            return;
        }
        let plots: Vec<Plot> = cols
            .into_iter()
            .enumerate()
            .map(|(k, c)| {
                if bar && k == 0 {
                    Plot::Bar(c)
                } else {
                    Plot::Line(c)
                }
            })
            .collect();
        out.push_str(&chart(title, &x_period, y, &labels, &plots));
        out.push('\n');
    };
    period_chart(
        &mut out,
        &["open_bugs.total", "open_bugs.overdue"],
        "Open bugs at each period's end: all (bars), overdue (line)",
        "Bugs",
        true,
    );
    period_chart(
        &mut out,
        &["bugs_found"],
        "Bugs found per period",
        "Bugs",
        true,
    );
    // The defect rate exists only where changes were released: its chart shows those
    // periods alone (a chart has no gaps, and 0 would read as "no bugs").
    period_chart(
        &mut out,
        &["defect_rate"],
        "Defect rate per period with releases (bugs per 100 changes)",
        "Bugs per 100 changes",
        true,
    );
    period_chart(
        &mut out,
        &["bug_fix_time.p50"],
        "Bug-fix time p50 per period (days)",
        "Days",
        false,
    );
    // Pass rate per run, from the history kept in the issue.
    let runs = &p.history.runs[p.history.runs.len().saturating_sub(CHART_POINTS)..];
    let points: Vec<(String, Vec<Option<f64>>)> = runs
        .iter()
        .map(|r| {
            let label = match &r.run {
                Some(id) => format!("run {id}"),
                None => short(&r.commit).to_string(),
            };
            (label, vec![r.pass_rate.map(|v| v * 100.0)])
        })
        .collect();
    let (labels, cols) = chart_points(points);
    if !labels.is_empty() {
        out.push_str(&chart(
            "Test pass rate per run (%)",
            "Test run",
            "Pass rate (%)",
            &labels,
            &[Plot::Line(cols[0].clone())],
        ));
        out.push('\n');
    }
    // Line coverage per run, likewise (runs without coverage are left out).
    let points: Vec<(String, Vec<Option<f64>>)> = runs
        .iter()
        .filter(|r| r.coverage.is_some())
        .map(|r| {
            let label = match &r.run {
                Some(id) => format!("run {id}"),
                None => short(&r.commit).to_string(),
            };
            (label, vec![r.coverage.map(|v| v * 100.0)])
        })
        .collect();
    let (labels, cols) = chart_points(points);
    if !labels.is_empty() {
        out.push_str(&chart(
            "Line coverage per run (%)",
            "Run",
            "Line coverage (%)",
            &labels,
            &[Plot::Line(cols[0].clone())],
        ));
        out.push('\n');
    }
    out
}

/// The headline: verdict, what changed since the last update, DORA levels.
fn headline(p: &Page<'_>) -> String {
    let mut out = match (p.update, p.previous) {
        // A push or pull-request run judges its own rules; the page's verdict stays the
        // last scheduled update's.
        (TrendUpdate::RunOnly, Some(prev)) => format!(
            "## {}\n\n_The verdict is the last update's ({}). This page was refreshed by a \
             test run{}; its figures are current._\n\n",
            kept_verdict(prev.verdict.as_deref()),
            date(prev.t),
            refreshed_by(p),
        ),
        (TrendUpdate::RunOnly, None) => format!(
            "## {}\n\n_Verdict of a test run{}: no scheduled update has run yet._\n\n",
            crate::report::verdicts::markdown::headline(p.gate, "quality trend"),
            refreshed_by(p),
        ),
        (TrendUpdate::Snapshot, _) => format!(
            "## {}\n\n",
            crate::report::verdicts::markdown::headline(p.gate, "quality trend")
        ),
    };
    let since = match p.previous {
        Some(prev) => format!("since last update ({})", date(prev.t)),
        None => format!(
            "in the last {} against the {} before",
            human(p.trend.period_seconds),
            human(p.trend.period_seconds)
        ),
    };
    let mut changes: Vec<Change> = LEAD
        .iter()
        .filter_map(|(key, _)| {
            // Since the last update: now against its figures. Without one: the last
            // period against the one before (both from the period series, so the same
            // span is compared, not the policy window against a period).
            let (now, before) = match p.previous {
                Some(prev) => (p.current.get(key), prev.get(key)),
                None => {
                    let d = p.trend.deltas.get(*key).and_then(|d| d.per_period);
                    (d.and_then(|d| d.last), d.and_then(|d| d.previous))
                }
            };
            change(key, now, before)
        })
        .filter(|c| c.good.is_some())
        .collect();
    // The biggest moves first (a move from 0 counts as the biggest), but the biggest of
    // each topic (bugs, delivery, tests) before the rest, so that one noisy topic cannot
    // fill the headline.
    changes.sort_by(|a, b| {
        let size = |c: &Change| c.share.map_or(f64::INFINITY, f64::abs);
        size(b).total_cmp(&size(a))
    });
    let mut seen = Vec::new();
    let (mut firsts, rest): (Vec<Change>, Vec<Change>) = changes.into_iter().partition(|c| {
        let t = topic(c.key);
        let first = !seen.contains(&t);
        seen.push(t);
        first
    });
    firsts.sort_by_key(|c| topic(c.key));
    firsts.extend(rest);
    let changes = firsts;
    if changes.is_empty() {
        let _ = writeln!(out, "No key figure changed {since}.\n");
    } else {
        let _ = writeln!(out, "**What changed {since}:**\n");
        for c in changes.iter().take(HEADLINE_LINES) {
            let (better, worse) = phrases(c.key);
            let label = LEAD
                .iter()
                .find(|(k, _)| *k == c.key)
                .map_or(c.key, |(_, l)| l);
            let _ = writeln!(
                out,
                "- {} **{}**: {} {}, {} (was {})",
                mark(c.good),
                if c.good == Some(true) { better } else { worse },
                lower_first(label),
                render(c.key, Some(c.now)),
                arrow(c),
                render(c.key, Some(c.before)),
            );
        }
        out.push('\n');
    }
    out.push_str(&dora(p.report));
    out
}

/// The headline's topics, in the order a reader scans them: bugs, delivery, tests.
fn topic(key: &str) -> u8 {
    if key.starts_with("tests.") || key.starts_with("coverage.") {
        2
    } else if key.contains("bug") || key == "defect_rate" {
        0
    } else {
        1
    }
}

/// The headline of a verdict kept in the history (`pass`, `warn`, `fail`).
fn kept_verdict(v: Option<&str>) -> &'static str {
    match v {
        Some("fail") => "❌ slipgate: quality trend failed at the last update",
        Some("warn") => "⚠️ slipgate: quality trend passed with warnings at the last update",
        Some("pass") => "✅ slipgate: quality trend passed at the last update",
        _ => "slipgate: quality trend",
    }
}

/// ` on commit abc1234 (run 42)`: the run that refreshed the page, when known.
fn refreshed_by(p: &Page<'_>) -> String {
    match p.history.runs.last() {
        Some(r) => {
            let run = r
                .run
                .as_deref()
                .map_or(String::new(), |id| format!(" (run {id})"));
            format!(" on commit {}{run}", code(short(&r.commit)))
        }
        None => String::new(),
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_lowercase().chain(c).collect())
        .unwrap_or_default()
}

/// The DORA levels over the policy window.
fn dora(r: &Report) -> String {
    let w = &r.window;
    let level = |l: Option<(Dora, String)>| match l {
        Some((l, v)) => format!("**{}** ({v})", l.name()),
        None => "– (no data)".to_string(),
    };
    let lead = w
        .changes
        .as_ref()
        .and_then(|c| c.lead_time.p50)
        .map(|v| (Dora::lead_time(v as f64), format!("p50 {}", human(v))));
    let freq = Some((
        Dora::release_frequency(w.release_frequency),
        format!("{} per week", num(w.release_frequency)),
    ));
    let cfr = w
        .change_failure_rate
        .map(|v| (Dora::change_failure_rate(v), pct(v)));
    let restore = w
        .time_to_restore
        .as_ref()
        .and_then(|t| t.fix_time.p50)
        .map(|v| (Dora::time_to_restore(v as f64), format!("p50 {}", human(v))));
    format!(
        "**DORA level** (last {}): lead time {} · release frequency {} · change failure rate {} · time to restore {}\n\n",
        human(r.window_seconds),
        level(lead),
        level(freq),
        level(cfr),
        level(restore),
    )
}

/// The lead table: one row per key metric.
fn lead_table(p: &Page<'_>) -> String {
    let mut out = format!(
        "### Key figures\n\n| Metric | Now | Target | Previous update | Change | Last {} × {} |\n|---|--:|--:|--:|--:|---|\n",
        p.trend
            .series
            .values()
            .map(|s| s.per_period.len())
            .max()
            .unwrap_or(0),
        human(p.trend.period_seconds),
    );
    for (key, label) in LEAD {
        let now = p.current.get(key);
        let before = p.previous.and_then(|s| s.get(key));
        let series = p.trend.series.get(*key);
        let spark = series
            .map(|s| s.per_period.iter().map(|p| p.value).collect::<Vec<_>>())
            .filter(|v| v.iter().any(Option::is_some))
            .map(|v| sparkline(&v))
            .or_else(|| {
                // Test metrics: the runs kept in the issue.
                let runs = &p.history.runs[p.history.runs.len().saturating_sub(CHART_POINTS)..];
                let v: Vec<Option<f64>> = runs
                    .iter()
                    .map(|r| match *key {
                        "tests.pass_rate" => r.pass_rate,
                        "tests.failed" => Some(r.failed as f64),
                        "tests.flaky" => Some(r.flaky as f64),
                        "coverage.lines" => r.coverage,
                        _ => None,
                    })
                    .collect();
                v.iter().any(Option::is_some).then(|| sparkline(&v))
            })
            .unwrap_or_default();
        if now.is_none() && before.is_none() && spark.is_empty() {
            continue;
        }
        let delta = match change(key, now, before) {
            Some(c) if c.good.is_some() => format!("{} {}", mark(c.good), arrow(&c)),
            Some(_) => "=".into(),
            None => "–".into(),
        };
        let _ = writeln!(
            out,
            "| {label} | {} | {} | {} | {delta} | {spark} |",
            render(key, now),
            target(p.rules, key),
            render(key, before),
        );
    }
    let _ = writeln!(
        out,
        "\n<sub>Now: open bugs today, the other figures over the last {} (the policy window), tests and line coverage of the newest run. Previous update: the figures this issue showed last time{}. The last column: one mark per period (test figures and coverage: per run), `·` where there is no value.</sub>",
        human(p.report.window_seconds),
        if p.previous.is_none() {
            "; this is its first update with a history"
        } else {
            ""
        }
    );
    out
}

/// The evidence, folded away.
fn team_detail(p: &Page<'_>) -> String {
    let r = p.report;
    let links = &r.links;
    let mut out = String::from("<details><summary>Team detail (the evidence)</summary>\n\n");
    if let Some(open) = &r.open_bugs {
        let bugs = if open.overdue_bugs.is_empty() {
            &open.oldest
        } else {
            &open.overdue_bugs
        };
        if !bugs.is_empty() {
            let what = if open.overdue_bugs.is_empty() {
                "Oldest open bugs"
            } else {
                "Oldest overdue bugs"
            };
            let _ = writeln!(out, "**{what}**\n\n| Bug | Age | Severity |\n|---|--:|---|");
            for b in bugs.iter().take(DETAIL_ITEMS) {
                let _ = writeln!(
                    out,
                    "| {} {} | {} | {} |",
                    super::super::markdown::issue_links(&[b.number], links, 1),
                    inline_max(&b.title, 80),
                    human(b.seconds),
                    b.severity
                        .as_deref()
                        .map(inline)
                        .unwrap_or_else(|| "–".into())
                );
            }
            out.push('\n');
        }
    }
    if let Some(c) = &r.window.changes
        && !c.slowest.is_empty()
    {
        let _ = writeln!(
            out,
            "**Slowest changes** (last {})\n\n| Commit | Subject | Lead time |\n|---|---|--:|",
            human(r.window_seconds)
        );
        for s in c.slowest.iter().take(DETAIL_ITEMS) {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                commit_link(links, &s.sha),
                inline_max(&s.subject, 80),
                human(s.lead_time)
            );
        }
        out.push('\n');
    }
    if let Some(t) = &r.tests {
        // Newly failing: failing now, not in the run recorded before this one.
        let before: Option<&TestRunRow> = p
            .cached_runs
            .iter()
            .find(|row| row.at < r.evaluated_at && row.totals.is_some());
        if !t.failing.is_empty() {
            let _ = writeln!(
                out,
                "**Failing tests**\n\n| Test | Since | Message |\n|---|---|---|"
            );
            for f in t.failing.iter().take(DETAIL_ITEMS) {
                let id = f.test.id();
                let since = match before {
                    Some(b) if b.failing_ids.contains(&id) => "before this run",
                    Some(_) => "🆕 newly failing",
                    None => "–",
                };
                let _ = writeln!(
                    out,
                    "| {} | {since} | {} |",
                    crate::report::sanitize::code_cell(&id),
                    f.message
                        .as_deref()
                        .map(|m| inline_max(m, 120))
                        .unwrap_or_default()
                );
            }
            if t.failing.len() > DETAIL_ITEMS {
                let _ = writeln!(out, "\n_… and {} more._", t.failing.len() - DETAIL_ITEMS);
            }
            out.push('\n');
        }
        if !t.flaky.is_empty() {
            let names: Vec<String> = t
                .flaky
                .iter()
                .take(DETAIL_ITEMS)
                .map(|f| code(&f.id()))
                .collect();
            let _ = writeln!(out, "**Flaky tests**: {}\n", names.join(", "));
        }
    } else if let Some(run) = p.history.runs.last() {
        // A scheduled update reads no test results: the names are on the run's own page.
        let _ = writeln!(
            out,
            "_This update read no test results, so it cannot name failing or flaky tests: the \
             newest run below had {} failed and {} flaky; its page in Actions names them._\n",
            run.failed, run.flaky
        );
    }
    let runs = &p.history.runs;
    if !runs.is_empty() {
        let _ = writeln!(
            out,
            "**Test runs** (newest first)\n\n| Run | Commit | Time | Pass rate | Failed | Flaky |\n|---|---|---|--:|--:|--:|"
        );
        for run in runs.iter().rev().take(RUNS_LISTED) {
            let id = match &run.run {
                Some(id) => match links.run(id) {
                    Some(url) => format!("[#{id}]({url})"),
                    None => format!("#{JOINER}{id}", JOINER = crate::report::sanitize::JOINER),
                },
                None => "–".into(),
            };
            let _ = writeln!(
                out,
                "| {id} | {} | {} | {} | {} | {} |",
                commit_link(links, &run.commit),
                crate::model::rfc3339(run.t),
                run.pass_rate.map(pct).unwrap_or_else(|| "–".into()),
                run.failed,
                run.flaky
            );
        }
        out.push('\n');
    }
    out.push_str("</details>\n\n");
    out
}

fn commit_link(links: &Links, sha: &str) -> String {
    let text = code(short(sha));
    match links.commit(sha) {
        Some(url) => format!("[{text}]({url})"),
        None => text,
    }
}

/// The trend issue's body (the marker and state are added by `publish`): the history
/// block, the headline, the lead table, the charts, the team detail and the footer.
pub fn body(p: &Page<'_>) -> String {
    let mut out = String::new();
    if let Some(block) = history::encode(p.history) {
        out.push_str(&block);
        out.push('\n');
    }
    out.push_str(&headline(p));
    out.push_str(&lead_table(p));
    out.push('\n');
    let charts = charts(p);
    if !charts.is_empty() {
        out.push_str("### Charts\n\n");
        out.push_str(&charts);
    }
    out.push_str(&team_detail(p));
    if p.gate.overall != Overall::Pass {
        out.push_str(match p.update {
            TrendUpdate::Snapshot => "<details><summary>Verdicts</summary>\n\n",
            TrendUpdate::RunOnly => "<details><summary>Verdicts of this test run</summary>\n\n",
        });
        out.push_str(&crate::report::verdicts::markdown::render(
            p.gate,
            &p.report.links,
        ));
        out.push_str("\n</details>\n\n");
    }
    out.push_str(&crate::report::markdown::footer(p.report));
    out
}

/// What a write of the trend issue adds to its history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrendUpdate {
    /// An update (scheduled runs, `trend`): this run's key figures become a snapshot, the
    /// "previous update" of the next one, and its test run is kept.
    Snapshot,
    /// A test run only (`check` on a push, a pull request): the page is refreshed and the
    /// run kept, but the snapshots stay the scheduled updates', so "since last update"
    /// still means the last scheduled update.
    RunOnly,
}

impl TrendUpdate {
    /// Pushes and pull requests record their test runs; every other run is an update.
    pub fn of(trigger: Option<Trigger>) -> TrendUpdate {
        match trigger {
            Some(Trigger::Push | Trigger::PullRequest) => TrendUpdate::RunOnly,
            _ => TrendUpdate::Snapshot,
        }
    }
}

/// What the trend issue's body is built from: one evaluation with its trend.
#[derive(Debug, Clone, Copy)]
pub struct IssueInput<'a> {
    pub trend: &'a Trend,
    /// The test runs kept in the cache, newest first.
    pub cached_runs: &'a [TestRunRow],
    pub report: &'a Report,
    pub gate: &'a GateResult,
    /// The policy's rules (targets).
    pub rules: &'a [Rule],
    /// This run's commit and CI run (its test figures are kept under them).
    pub commit: Option<&'a str>,
    pub run_id: Option<&'a str>,
}

/// The trend issue's body (without marker and state, which `publish` stamps): the history
/// read back from `previous_body` (slipgate's own block only; a malformed one is a
/// warning, once), merged with this run's figures (its snapshot as `update` says) and the
/// cache's test runs. The one builder of the page, for `check --trend-issue`,
/// `trend --publish` and `trend --format markdown` (which has no previous body).
pub fn issue_body(
    i: &IssueInput<'_>,
    update: TrendUpdate,
    previous_body: Option<&str>,
    warnings: &mut Vec<String>,
) -> String {
    let now = i.report.evaluated_at;
    let mut runs: Vec<RunFigures> = i.cached_runs.iter().filter_map(row_figures).collect();
    if let (Some(t), Some(sha)) = (&i.report.tests, i.commit) {
        let mut run = run_figures(t, sha, i.run_id, now);
        run.coverage = i.report.coverage.as_ref().and_then(|c| c.lines.share);
        runs.push(run);
    }
    let mut kept = match previous_body.map(|b| history::decode(b, now)) {
        Some(Ok(Some(h))) => h,
        Some(Err(w)) => {
            if !warnings.contains(&w) {
                warnings.push(w);
            }
            History::default()
        }
        _ => History::default(),
    };
    let previous = kept.previous(now).cloned();
    kept.merge(None, runs, now);
    let mut current = snapshot(i.report, i.gate);
    // A run without test results (a scheduled one) shows the newest run kept.
    if i.report.tests.is_none()
        && let Some(run) = kept.runs.last()
    {
        current.values.extend(run_values(run));
    }
    // Likewise for coverage: the newest run kept that read coverage reports.
    if i.report.coverage.is_none()
        && let Some(c) = kept.runs.iter().rev().find_map(|r| r.coverage)
    {
        current.values.insert("coverage.lines".to_string(), c);
    }
    let current = current.as_kept();
    if update == TrendUpdate::Snapshot {
        kept.merge(Some(current.clone()), Vec::new(), now);
    }
    body(&Page {
        trend: i.trend,
        report: i.report,
        gate: i.gate,
        rules: i.rules,
        history: &kept,
        current: &current,
        previous: previous.as_ref(),
        cached_runs: i.cached_runs,
        update,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_of_one_point_draws_bars() {
        let one = chart(
            "T",
            "X",
            "Days",
            &["a".to_string()],
            &[Plot::Bar(vec![2.0]), Plot::Line(vec![3.0])],
        );
        assert!(one.contains("    bar [2]\n    bar [3]\n"), "{one}");
        let two = chart(
            "T",
            "X",
            "Days",
            &["a".to_string(), "b".to_string()],
            &[Plot::Line(vec![1.0, 3.0])],
        );
        assert!(two.contains("    line [1, 3]\n"), "{two}");
    }

    #[test]
    fn headline_topics_put_bugs_then_delivery_then_tests() {
        let keys: Vec<&str> = LEAD.iter().map(|(k, _)| *k).collect();
        let mut sorted = keys.clone();
        sorted.sort_by_key(|k| topic(k));
        let topics: Vec<u8> = sorted.iter().map(|k| topic(k)).collect();
        assert_eq!(topic("open_bugs.overdue"), 0);
        assert_eq!(topic("defect_rate"), 0);
        assert_eq!(topic("lead_time.p90"), 1);
        assert_eq!(topic("change_failure_rate"), 1);
        assert_eq!(topic("tests.flaky"), 2);
        assert!(topics.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn sparkline_scales_to_its_own_range() {
        // 0..7 maps onto the 8 bars one to one; none is `·`; a flat series sits mid-way.
        let v: Vec<Option<f64>> = (0..8).map(|k| Some(k as f64)).collect();
        assert_eq!(sparkline(&v), "▁▂▃▄▅▆▇█");
        assert_eq!(sparkline(&[Some(2.0), None, Some(4.0)]), "▁·█");
        assert_eq!(sparkline(&[Some(5.0), Some(5.0)]), "▄▄");
    }

    #[test]
    fn dora_levels_at_their_bounds() {
        const H: f64 = 3_600.0;
        const D: f64 = 86_400.0;
        assert_eq!(Dora::lead_time(23.0 * H), Dora::Elite);
        assert_eq!(Dora::lead_time(D), Dora::High);
        assert_eq!(Dora::lead_time(7.0 * D), Dora::High);
        assert_eq!(Dora::lead_time(30.0 * D), Dora::Medium);
        assert_eq!(Dora::lead_time(31.0 * D), Dora::Low);
        assert_eq!(Dora::time_to_restore(59.0 * 60.0), Dora::Elite);
        assert_eq!(Dora::time_to_restore(H), Dora::High);
        assert_eq!(Dora::time_to_restore(7.0 * D), Dora::Medium);
        assert_eq!(Dora::time_to_restore(8.0 * D), Dora::Low);
        assert_eq!(Dora::change_failure_rate(0.05), Dora::Elite);
        assert_eq!(Dora::change_failure_rate(0.10), Dora::High);
        assert_eq!(Dora::change_failure_rate(0.15), Dora::Medium);
        assert_eq!(Dora::change_failure_rate(0.16), Dora::Low);
        assert_eq!(Dora::release_frequency(7.0), Dora::Elite);
        assert_eq!(Dora::release_frequency(1.0), Dora::High);
        // 12 a year = 0.2308 per week
        assert_eq!(Dora::release_frequency(0.24), Dora::Medium);
        assert_eq!(Dora::release_frequency(0.2), Dora::Low);
    }

    #[test]
    fn chart_labels_cannot_break_the_chart() {
        assert_eq!(chart_label("v1.2.0-rc.1"), "v1.2.0-rc.1");
        // Quotes, brackets, commas, `--` and newlines: none survives.
        assert_eq!(chart_label("v1\"], [\"x"), "v1___ __x");
        assert_eq!(chart_label("a-->b\n"), "a-__b_");
        assert_eq!(chart_label(""), "_");
        assert_eq!(chart_label(&"x".repeat(40)).len(), 20);
    }

    #[test]
    fn pass_rate_axes_start_near_their_lowest_value() {
        let line = |v: &[f64]| vec![Plot::Line(v.to_vec())];
        // 97.57 − 5 = 92.57 → 90; 80 − 5 = 75 → 70; 79.9 is below 80: from 0.
        assert_eq!(axis_bottom(&line(&[97.57, 100.0]), true), 90.0);
        assert_eq!(axis_bottom(&line(&[80.0]), true), 70.0);
        assert_eq!(axis_bottom(&line(&[79.9, 100.0]), true), 0.0);
        assert_eq!(axis_bottom(&[Plot::Bar(vec![95.0])], true), 0.0);
        assert_eq!(axis_bottom(&line(&[95.0]), false), 0.0);
    }

    #[test]
    fn axis_tops_are_round() {
        assert_eq!(axis_top(50.0, true), 100.0);
        // 18 × 1.1 = 19.8 → steps of 5 → 20; 2 × 1.1 = 2.2 → steps of 0.5 → 2.5
        assert_eq!(axis_top(18.0, false), 20.0);
        assert_eq!(axis_top(2.0, false), 2.5);
        assert_eq!(axis_top(0.0, false), 1.0);
    }
}
