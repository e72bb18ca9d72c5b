//! Trend series (spec "Trend series"): metrics per period, per release and per recorded
//! test run, and the delta of each series' last value against the one before it.
//!
//! Everything here is pure: the evaluation time and the recorded runs are handed in.
//! Values are in base units, as in the JSON report: seconds, fractions, counts.

use super::Engine;
use super::issues::Span;
use crate::model::{TestRunRow, Timestamp};
use crate::policy::metric::{Agg, CoverageAgg, Metric, OpenAgg, TestAgg, Unit};
use indexmap::IndexMap;

/// The trend of one evaluation: every series by metric name (as a policy names it:
/// `open_bugs.total`, `open_bugs.<severity>`, `lead_time.p50`, `tests.pass_rate`, ...),
/// in a fixed order, and the deltas of each series.
#[derive(Debug, Clone, PartialEq)]
pub struct Trend {
    pub evaluated_at: Timestamp,
    /// The period length D, seconds.
    pub period_seconds: i64,
    pub series: IndexMap<String, Series>,
    /// The deltas of `series`, by the same names (every name of `series` has an entry).
    pub deltas: IndexMap<String, Deltas>,
}

/// One metric's series. A kind the metric has no series of is empty (bug counts have no
/// run series; test metrics have no period series).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub metric: Metric,
    /// The unit of the values (from the policy's metric table).
    pub unit: Unit,
    /// Whether a rise is an improvement (pass rate, release frequency, within_slo).
    pub up_is_good: bool,
    /// Oldest period first; `--periods N` points when the metric has a period series.
    pub per_period: Vec<PeriodPoint>,
    /// The last `--releases N` releases in version order (oldest version first).
    pub per_release: Vec<ReleasePoint>,
    /// The recorded test runs, oldest first.
    pub per_run: Vec<RunPoint>,
}

/// A value over one period `[start, end)` (the last period includes its end, the
/// evaluation time). Snapshot metrics (open bugs) are measured at `end`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PeriodPoint {
    pub start: Timestamp,
    pub end: Timestamp,
    /// None when the metric has no value there (a percentile of no changes, no GitHub data).
    pub value: Option<f64>,
}

/// A value of one release.
#[derive(Debug, Clone, PartialEq)]
pub struct ReleasePoint {
    pub tag: String,
    pub version: String,
    /// Release time.
    pub time: Timestamp,
    pub value: Option<f64>,
}

/// A value of one recorded test run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunPoint {
    /// The CI run id, when the run recorded one.
    pub run: Option<String>,
    /// Full sha the run tested.
    pub commit: String,
    /// When the run was recorded.
    pub time: Timestamp,
    pub value: Option<f64>,
}

/// The delta of each kind of a metric's series; none for a kind the series has no points of.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Deltas {
    pub per_period: Option<Delta>,
    pub per_release: Option<Delta>,
    pub per_run: Option<Delta>,
}

/// The last point's value against the point before it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Delta {
    /// The last point's value.
    pub last: Option<f64>,
    /// The value of the point before the last; none with a single point.
    pub previous: Option<f64>,
    /// `last - previous`, when both exist.
    pub change: Option<f64>,
    /// `change / previous`; none when the previous value is 0 or missing.
    pub share: Option<f64>,
}

impl Delta {
    /// The delta of a series' values in order (none without a value).
    pub fn of(values: &[Option<f64>]) -> Option<Delta> {
        let (&last, rest) = values.split_last()?;
        let previous = rest.last().copied().flatten();
        let change = last.zip(previous).map(|(l, p)| l - p);
        let share = change
            .zip(previous)
            .and_then(|(c, p)| (p != 0.0).then(|| c / p));
        Some(Delta {
            last,
            previous,
            change,
            share,
        })
    }
}

/// Whether a rise of the metric is an improvement (spec: up is good for pass rate, release
/// frequency, within_slo, coverage; bad for the others).
pub fn up_is_good(m: &Metric) -> bool {
    matches!(
        m,
        Metric::Tests(TestAgg::PassRate | TestAgg::Passed)
            | Metric::ReleaseFrequency
            | Metric::BugFixWithinSlo
            | Metric::FirstResponseWithinSlo
            | Metric::Coverage(_)
    )
}

/// What the trend is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrendSpec {
    /// The period length D, seconds (> 0).
    pub period: i64,
    /// How many periods N (> 0).
    pub periods: usize,
    /// How many of the last releases (> 0).
    pub releases: usize,
}

impl TrendSpec {
    /// How far back the periods reach, seconds.
    pub fn span(&self) -> i64 {
        self.period.saturating_mul(self.periods as i64)
    }
}

/// The periods of a trend, oldest first: period k (1..=N) is
/// `[now − (N−k+1)·D, now − (N−k)·D)`; the last includes its end.
pub fn periods(now: Timestamp, spec: TrendSpec) -> Vec<Span> {
    let n = spec.periods as i64;
    (1..=n)
        .map(|k| Span {
            start: now - (n - k + 1) * spec.period,
            end: now - (n - k) * spec.period,
            end_inclusive: k == n,
        })
        .collect()
}

/// The series kinds of each metric, in the order the trend lists them.
fn catalogue(engine: &Engine) -> Vec<Metric> {
    let mut v = vec![Metric::OpenBugs(OpenAgg::Total)];
    v.extend(
        engine
            .classifier
            .severity_names()
            .chain(["none"])
            .map(|s| Metric::OpenBugs(OpenAgg::Severity(s.to_string()))),
    );
    v.extend([
        Metric::OpenBugs(OpenAgg::Overdue),
        Metric::ReleaseFrequency,
        Metric::Changes,
        Metric::LeadTime(Agg::P50),
        Metric::LeadTime(Agg::P90),
        Metric::FixRatio,
        Metric::BugsFound,
        Metric::DefectRate,
        Metric::BugFixTime(Agg::P50),
        Metric::BugFixTime(Agg::P90),
        Metric::BugFixWithinSlo,
        Metric::TimeToRestore(Agg::P50),
        Metric::ChangeFailureRate,
        Metric::PrCycleTime(Agg::P50),
        Metric::FirstResponse(Agg::P50),
        Metric::Tests(TestAgg::PassRate),
        Metric::Tests(TestAgg::Failed),
        Metric::Tests(TestAgg::Flaky),
        Metric::Coverage(CoverageAgg::Lines),
    ]);
    v
}

fn has_period_series(m: &Metric) -> bool {
    !matches!(m, Metric::FixRatio | Metric::Tests(_) | Metric::Coverage(_))
}

/// Metrics with a per-run series (from the run history).
fn has_run_series(m: &Metric) -> bool {
    matches!(m, Metric::Tests(_) | Metric::Coverage(_))
}

fn has_release_series(m: &Metric) -> bool {
    matches!(
        m,
        Metric::Changes
            | Metric::LeadTime(_)
            | Metric::FixRatio
            | Metric::BugsFound
            | Metric::DefectRate
    )
}

fn secs(v: Option<i64>) -> Option<f64> {
    v.map(|s| s as f64)
}

/// A flow metric over a period (`window` = the engine's window metrics of the period).
fn flow_value(m: &Metric, w: &super::WindowMetrics) -> Option<f64> {
    let lead = |a: Agg| {
        w.changes.as_ref().and_then(|c| match a {
            Agg::P50 => secs(c.lead_time.p50),
            _ => secs(c.lead_time.p90),
        })
    };
    let fix = |f: Option<&super::issues::FixStats>, a: Agg| {
        f.and_then(|f| match a {
            Agg::P50 => secs(f.fix_time.p50),
            _ => secs(f.fix_time.p90),
        })
    };
    match m {
        Metric::ReleaseFrequency => Some(w.release_frequency),
        Metric::Changes => w.changes.as_ref().map(|c| c.changes as f64),
        Metric::LeadTime(a) => lead(*a),
        Metric::BugsFound => w.bugs_found.map(|n| n as f64),
        Metric::DefectRate => w.defect_rate,
        Metric::BugFixTime(a) => fix(w.bug_fix.as_ref(), *a),
        Metric::BugFixWithinSlo => w.bug_fix.as_ref().and_then(|f| f.within_slo),
        Metric::TimeToRestore(a) => fix(w.time_to_restore.as_ref(), *a),
        Metric::ChangeFailureRate => w.change_failure_rate,
        Metric::PrCycleTime(_) => w.pr_cycle.as_ref().and_then(|c| secs(c.cycle_time.p50)),
        Metric::FirstResponse(_) => w
            .first_response
            .as_ref()
            .and_then(|r| secs(r.response_time.p50)),
        _ => None,
    }
}

/// A snapshot metric at a period's end.
fn snapshot_value(m: &Metric, open: Option<&super::issues::OpenBugs>) -> Option<f64> {
    let open = open?;
    Some(match m {
        Metric::OpenBugs(OpenAgg::Total) => open.total as f64,
        Metric::OpenBugs(OpenAgg::Overdue) => open.overdue as f64,
        Metric::OpenBugs(OpenAgg::Severity(s)) => open.severity(s) as f64,
        Metric::OpenBugs(OpenAgg::OldestAge) => return secs(open.oldest_age),
        _ => return None,
    })
}

fn release_value(m: &Metric, r: &super::ReleaseMetrics) -> Option<f64> {
    let c = r.changes.as_ref();
    match m {
        Metric::Changes => c.map(|c| c.changes as f64),
        Metric::LeadTime(Agg::P50) => c.and_then(|c| secs(c.lead_time.p50)),
        Metric::LeadTime(_) => c.and_then(|c| secs(c.lead_time.p90)),
        Metric::FixRatio => c.and_then(|c| c.fix_ratio),
        Metric::BugsFound => r.bugs_found.map(|n| n as f64),
        Metric::DefectRate => r.defect_rate,
        _ => None,
    }
}

fn run_value(m: &Metric, r: &TestRunRow) -> Option<f64> {
    if let Metric::Coverage(CoverageAgg::Lines) = m {
        let c = r.coverage?;
        return (c.lines_total > 0).then(|| c.lines_covered as f64 / c.lines_total as f64);
    }
    let t = r.totals.as_ref()?;
    match m {
        Metric::Tests(TestAgg::PassRate) => {
            let ran = t.passed + t.failed + t.errored;
            (ran > 0).then(|| t.passed as f64 / ran as f64)
        }
        Metric::Tests(TestAgg::Failed) => Some(t.failed as f64),
        Metric::Tests(TestAgg::Flaky) => Some(t.flaky as f64),
        _ => None,
    }
}

/// The trend at the engine's evaluation time. `runs` are the recorded test runs (any
/// order; they are listed oldest first).
pub fn trend(engine: &Engine, spec: TrendSpec, runs: &[TestRunRow]) -> Trend {
    let now = engine.now;
    let spans = periods(now, spec);
    let windows: Vec<super::WindowMetrics> = spans.iter().map(|s| engine.window(*s)).collect();
    let snapshots: Vec<Option<super::issues::OpenBugs>> = spans
        .iter()
        .map(|s| {
            engine
                .bug_data()
                .map(|g| super::issues::open_bugs(&g.issues, &engine.classifier, s.end))
        })
        .collect();
    let count = engine.release_count();
    let releases: Vec<super::ReleaseMetrics> = (count.saturating_sub(spec.releases)..count)
        .filter_map(|i| engine.release(i))
        .collect();
    let mut runs: Vec<&TestRunRow> = runs.iter().collect();
    runs.sort_by(|a, b| {
        a.at.cmp(&b.at)
            .then_with(|| a.sha.cmp(&b.sha))
            .then_with(|| a.run_id.cmp(&b.run_id))
    });

    let mut series = IndexMap::new();
    let mut deltas = IndexMap::new();
    for m in catalogue(engine) {
        let per_period: Vec<PeriodPoint> = if has_period_series(&m) {
            spans
                .iter()
                .enumerate()
                .map(|(k, s)| PeriodPoint {
                    start: s.start,
                    end: s.end,
                    value: if m.is_point_in_time() {
                        snapshot_value(&m, snapshots[k].as_ref())
                    } else {
                        flow_value(&m, &windows[k])
                    },
                })
                .collect()
        } else {
            Vec::new()
        };
        let per_release: Vec<ReleasePoint> = if has_release_series(&m) {
            releases
                .iter()
                .map(|r| ReleasePoint {
                    tag: r.tag.clone(),
                    version: r.version.clone(),
                    time: r.time,
                    value: release_value(&m, r),
                })
                .collect()
        } else {
            Vec::new()
        };
        let per_run: Vec<RunPoint> = if has_run_series(&m) {
            runs.iter()
                .map(|r| RunPoint {
                    run: r.run_id.clone(),
                    commit: r.sha.clone(),
                    time: r.at,
                    value: run_value(&m, r),
                })
                .collect()
        } else {
            Vec::new()
        };
        let values = |v: Vec<Option<f64>>| Delta::of(&v);
        let d = Deltas {
            per_period: values(per_period.iter().map(|p| p.value).collect()),
            per_release: values(per_release.iter().map(|p| p.value).collect()),
            per_run: values(per_run.iter().map(|p| p.value).collect()),
        };
        let name = m.to_string();
        deltas.insert(name.clone(), d);
        series.insert(
            name,
            Series {
                unit: m.unit(),
                up_is_good: up_is_good(&m),
                metric: m,
                per_period,
                per_release,
                per_run,
            },
        );
    }
    Trend {
        evaluated_at: now,
        period_seconds: spec.period,
        series,
        deltas,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delta_of_last_against_previous() {
        let d = Delta::of(&[Some(1.0), Some(8.0), Some(6.0)]).unwrap();
        assert_eq!(
            d,
            Delta {
                last: Some(6.0),
                previous: Some(8.0),
                change: Some(-2.0),
                share: Some(-0.25),
            }
        );
        // previous 0: a change, but no share
        let d = Delta::of(&[Some(0.0), Some(3.0)]).unwrap();
        assert_eq!((d.change, d.share), (Some(3.0), None));
        // previous missing, or a single point: neither
        let d = Delta::of(&[None, Some(3.0)]).unwrap();
        assert_eq!((d.previous, d.change, d.share), (None, None, None));
        let d = Delta::of(&[Some(3.0)]).unwrap();
        assert_eq!((d.last, d.previous, d.change), (Some(3.0), None, None));
        assert_eq!(Delta::of(&[]), None);
    }

    #[test]
    fn periods_end_at_now_oldest_first() {
        let spec = TrendSpec {
            period: 10,
            periods: 3,
            releases: 1,
        };
        let p = periods(100, spec);
        let ends: Vec<_> = p
            .iter()
            .map(|s| (s.start, s.end, s.end_inclusive))
            .collect();
        assert_eq!(ends, [(70, 80, false), (80, 90, false), (90, 100, true)]);
    }
}

#[cfg(test)]
mod run_series_tests {
    use super::*;
    use crate::model::coverage::CoverageCounts;

    #[test]
    fn coverage_rising_is_good_as_the_spec_says() {
        // Spec: up is good for pass rate, release frequency, within_slo and coverage.
        for m in [
            Metric::Coverage(CoverageAgg::Lines),
            Metric::Coverage(CoverageAgg::Branches),
            Metric::Coverage(CoverageAgg::Patch),
            Metric::Tests(TestAgg::PassRate),
            Metric::ReleaseFrequency,
        ] {
            assert!(up_is_good(&m), "{m:?}");
        }
        assert!(!up_is_good(&Metric::DefectRate));
        assert!(!up_is_good(&Metric::ChangeFailureRate));
    }

    #[test]
    fn line_coverage_per_run_from_the_counts() {
        let run = |covered, total| TestRunRow {
            coverage: Some(CoverageCounts {
                lines_covered: covered,
                lines_total: total,
                ..CoverageCounts::default()
            }),
            ..TestRunRow::default()
        };
        let m = Metric::Coverage(CoverageAgg::Lines);
        // 806 of 1000 lines: 0.806; nothing instrumented or no coverage: no value.
        assert_eq!(run_value(&m, &run(806, 1000)), Some(0.806));
        assert_eq!(run_value(&m, &run(0, 0)), None);
        assert_eq!(run_value(&m, &TestRunRow::default()), None);
        // A coverage-only run has no test figures.
        let pass = Metric::Tests(TestAgg::PassRate);
        assert_eq!(run_value(&pass, &run(806, 1000)), None);
        assert!(has_run_series(&m) && !has_period_series(&m) && !has_release_series(&m));
    }
}
