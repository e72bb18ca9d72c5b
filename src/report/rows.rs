//! The rows `slipgate export` writes (docs/postgres.md): one evaluation's numbers as
//! plain records, built purely here and written by `publish::postgres`.
//!
//! Values are in base units, as in the JSON report: durations in seconds, shares as
//! fractions, counts; `None` (SQL null) where the JSON has null. Times are Unix seconds.

use crate::gate::{GateResult, Status};
use crate::metrics::trend::{self, TrendSpec};
use crate::metrics::{Engine, ReleaseMetrics};
use crate::model::Timestamp;
use crate::policy::Level;

/// Everything one export writes.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportRows {
    pub repository: RepositoryRow,
    /// Every release of the repository, oldest version first.
    pub releases: Vec<ReleaseRow>,
    /// The trend's per-period series, by metric, oldest period first.
    pub periods: Vec<PeriodRow>,
    pub test_run: TestRunRow,
    /// The gate's verdicts of this run, in policy order.
    pub verdicts: Vec<VerdictRow>,
    /// Open bugs per severity at the evaluation time (policy order, then `none`); none
    /// without GitHub data.
    pub open_bugs: Vec<OpenBugsRow>,
}

/// A repository and its current policy window.
#[derive(Debug, Clone, PartialEq)]
pub struct RepositoryRow {
    /// The key of every row: `OWNER/NAME`, or `local:PATH` without a GitHub repository.
    pub repo: String,
    pub evaluated_at: Timestamp,
    pub window_start: Timestamp,
    pub window_end: Timestamp,
    pub window_releases: i64,
    /// Releases per week.
    pub release_frequency: f64,
    pub change_failure_rate: Option<f64>,
    pub changes: Option<i64>,
    pub lead_time_p50_seconds: Option<i64>,
    pub lead_time_p90_seconds: Option<i64>,
    pub bugs_found: Option<i64>,
    pub defect_rate: Option<f64>,
    pub time_to_restore_p50_seconds: Option<i64>,
}

/// One release (keyed by repository and tag).
#[derive(Debug, Clone, PartialEq)]
pub struct ReleaseRow {
    pub tag: String,
    pub version: String,
    pub released_at: Timestamp,
    pub commit: String,
    /// None when the release's changes were not read.
    pub changes: Option<i64>,
    pub lead_time_p50_seconds: Option<i64>,
    pub lead_time_p90_seconds: Option<i64>,
    pub lead_time_max_seconds: Option<i64>,
    pub fix_commits: Option<i64>,
    pub reverts: Option<i64>,
    pub bugs_found: Option<i64>,
    /// Bugs found per 100 changes, as in the JSON report.
    pub defect_rate: Option<f64>,
    pub failed: bool,
    pub provisional: bool,
}

/// One metric's value over one period (keyed by repository, metric and period start).
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodRow {
    /// The policy's metric name (`lead_time.p50`, `open_bugs.total`, ...).
    pub metric: String,
    pub period_start: Timestamp,
    pub period_end: Timestamp,
    pub value: Option<f64>,
}

/// This run (keyed by repository and run id) and its test figures, when JUnit was read.
#[derive(Debug, Clone, PartialEq)]
pub struct TestRunRow {
    /// The CI run id, or `local-<evaluation time>` outside CI.
    pub run_id: String,
    pub commit: Option<String>,
    pub ran_at: Timestamp,
    /// `pass`, `warn` or `fail`.
    pub verdict: &'static str,
    pub tests: Option<TestFigures>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TestFigures {
    pub total: i64,
    pub passed: i64,
    pub failed: i64,
    pub errored: i64,
    pub skipped: i64,
    pub flaky: i64,
    pub pass_rate: Option<f64>,
    pub duration_seconds: f64,
}

/// One rule's verdict in this run (keyed by repository, run id and rule).
#[derive(Debug, Clone, PartialEq)]
pub struct VerdictRow {
    pub rule: String,
    pub metric: String,
    pub level: &'static str,
    /// As in the JSON report: `pass`, `warn`, `fail`, `waived`, `exempt`, `not_enough_data`.
    pub status: &'static str,
    pub value: Option<f64>,
}

/// Open bugs of one severity at one time (keyed by repository, time and severity).
#[derive(Debug, Clone, PartialEq)]
pub struct OpenBugsRow {
    pub taken_at: Timestamp,
    pub severity: String,
    pub open: i64,
}

/// Who ran: the repository key, the CI run id and commit, when known.
#[derive(Debug, Clone, Copy)]
pub struct RunIdentity<'a> {
    pub repo: &'a str,
    pub run_id: Option<&'a str>,
    pub commit: Option<&'a str>,
}

impl<'a> RunIdentity<'a> {
    pub fn new(repo: &'a str, run_id: Option<&'a str>, commit: Option<&'a str>) -> Self {
        RunIdentity {
            repo,
            run_id,
            commit,
        }
    }
}

/// The periods an export writes: 52 weeks, ending at the evaluation time.
pub const PERIODS: TrendSpec = TrendSpec {
    period: 7 * 86_400,
    periods: 52,
    releases: 1,
};

/// The status's JSON name.
pub fn status_key(s: Status) -> &'static str {
    match s {
        Status::NotEnoughData => "not_enough_data",
        Status::Pass => "pass",
        Status::Waived => "waived",
        Status::Exempt => "exempt",
        Status::Warn => "warn",
        Status::Fail => "fail",
    }
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The row of one release.
pub fn release_row(r: &ReleaseMetrics) -> ReleaseRow {
    let c = r.changes.as_ref();
    ReleaseRow {
        tag: r.tag.clone(),
        version: r.version.clone(),
        released_at: r.time,
        commit: r.commit.clone(),
        changes: c.map(|c| count(c.changes)),
        lead_time_p50_seconds: c.and_then(|c| c.lead_time.p50),
        lead_time_p90_seconds: c.and_then(|c| c.lead_time.p90),
        lead_time_max_seconds: c.and_then(|c| c.lead_time.max),
        fix_commits: c.map(|c| count(c.fix_commits)),
        reverts: c.map(|c| count(c.reverts)),
        bugs_found: r.bugs_found.map(count),
        defect_rate: r.defect_rate,
        failed: r.failed,
        provisional: r.provisional,
    }
}

/// The rows of one evaluation: every release `engine` knows, the report's window, open
/// bugs and tests, the gate's verdicts and the trend's series over [`PERIODS`].
pub fn build(
    engine: &Engine<'_>,
    report: &crate::report::Report,
    who: RunIdentity<'_>,
) -> ExportRows {
    let trend = trend::trend(engine, PERIODS, &[]);
    let releases = (0..engine.release_count())
        .filter_map(|i| engine.release(i))
        .map(|r| release_row(&r))
        .collect();
    let w = &report.window;
    let wc = w.changes.as_ref();
    let repository = RepositoryRow {
        repo: who.repo.to_string(),
        evaluated_at: report.evaluated_at,
        window_start: w.span.start,
        window_end: w.span.end,
        window_releases: count(w.releases.len()),
        release_frequency: w.release_frequency,
        change_failure_rate: w.change_failure_rate,
        changes: wc.map(|c| count(c.changes)),
        lead_time_p50_seconds: wc.and_then(|c| c.lead_time.p50),
        lead_time_p90_seconds: wc.and_then(|c| c.lead_time.p90),
        bugs_found: w.bugs_found.map(count),
        defect_rate: w.defect_rate,
        time_to_restore_p50_seconds: w.time_to_restore.as_ref().and_then(|t| t.fix_time.p50),
    };
    let periods = trend
        .series
        .iter()
        .flat_map(|(name, s)| {
            s.per_period.iter().map(move |p| PeriodRow {
                metric: name.clone(),
                period_start: p.start,
                period_end: p.end,
                value: p.value.filter(|v| v.is_finite()),
            })
        })
        .collect();
    let gate = report.gate.as_ref();
    let verdicts = gate.map(verdict_rows).unwrap_or_default();
    let run_id = who
        .run_id
        .map_or_else(|| format!("local-{}", report.evaluated_at), str::to_string);
    let test_run = TestRunRow {
        run_id,
        commit: who.commit.map(str::to_string),
        ran_at: report.evaluated_at,
        verdict: gate.map_or("pass", |g| g.overall.name()),
        tests: report.tests.as_ref().map(|t| TestFigures {
            total: count(t.total),
            passed: count(t.passed),
            failed: count(t.failed),
            errored: count(t.errored),
            skipped: count(t.skipped),
            flaky: count(t.flaky.len()),
            pass_rate: t.pass_rate,
            duration_seconds: t.duration,
        }),
    };
    let open_bugs = report
        .open_bugs
        .iter()
        .flat_map(|b| b.by_severity.iter())
        .map(|(severity, n)| OpenBugsRow {
            taken_at: report.evaluated_at,
            severity: severity.clone(),
            open: count(*n),
        })
        .collect();
    ExportRows {
        repository,
        releases,
        periods,
        test_run,
        verdicts,
        open_bugs,
    }
}

fn verdict_rows(g: &GateResult) -> Vec<VerdictRow> {
    g.verdicts
        .iter()
        .map(|v| VerdictRow {
            rule: v.rule.clone(),
            metric: v.metric.to_string(),
            level: match v.level {
                Level::Warn => "warn",
                Level::Fail => "fail",
            },
            status: status_key(v.status),
            value: v.value.filter(|x| x.is_finite()),
        })
        .collect()
}
