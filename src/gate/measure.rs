//! Measuring one metric in one scope, and its baseline.

use super::{
    BaselineOf, Evidence, FailedRelease, IssueSearch, IssueTime, Missing, NotJudged, Objective,
    Subject, TestFigures,
};
use crate::metrics::changes::ChangeStats;
use crate::metrics::issues::{CycleStats, FixStats, IssueRef, Span};
use crate::metrics::response::ResponseStats;
use crate::metrics::{CandidateMetrics, Engine, ReleaseMetrics, WindowMetrics};
use crate::model::TestOutcome;
use crate::policy::metric::{Agg, ExtAgg, OpenAgg, TestAgg};
use crate::policy::{Baseline, Metric, Scope};

/// A metric measured in a scope.
#[derive(Debug, Clone)]
pub(crate) struct Measurement {
    /// What was measured.
    pub subject: Subject,
    pub value: Option<f64>,
    /// How many items the value stands on (for `min_samples`); none where it does not apply.
    pub samples: Option<usize>,
    /// The sample of a distribution metric (for the U test).
    pub sample: Vec<f64>,
    pub evidence: Vec<Evidence>,
    /// How many items the evidence was taken from (it shows the first few).
    pub evidence_total: Option<usize>,
    /// A search that lists them all.
    pub search: Option<IssueSearch>,
    /// The fix objectives the evidence exceeded.
    pub objectives: Vec<Objective>,
    /// Why there is no measurement at all (source missing, changes not read).
    pub missing: Option<Missing>,
    /// An external metric whose samples are percentages (shown as shares).
    pub percent: bool,
}

impl Measurement {
    fn of(subject: Subject) -> Measurement {
        Measurement {
            subject,
            value: None,
            samples: None,
            sample: Vec::new(),
            evidence: Vec::new(),
            evidence_total: None,
            search: None,
            objectives: Vec::new(),
            missing: None,
            percent: false,
        }
    }

    fn missing(subject: Subject, why: Missing) -> Measurement {
        Measurement {
            missing: Some(why),
            ..Measurement::of(subject)
        }
    }
}

/// The metrics of the scope a rule measures: the candidate, one release, or the window.
enum ScopeMetrics {
    Candidate(Box<CandidateMetrics>),
    Release(Box<ReleaseMetrics>),
    Window(Box<WindowMetrics>),
}

fn subject_of(engine: &Engine<'_>, d: &ScopeMetrics) -> Subject {
    match d {
        ScopeMetrics::Candidate(_) => Subject::Candidate {
            tag: engine.inputs.candidate_tag.map(str::to_string),
        },
        ScopeMetrics::Release(r) => Subject::Release { tag: r.tag.clone() },
        ScopeMetrics::Window(w) => {
            let seconds = w.span.end - w.span.start;
            if w.span.end_inclusive && w.span.end == engine.now {
                Subject::Last { seconds }
            } else {
                Subject::Before {
                    seconds,
                    end: w.span.end,
                }
            }
        }
    }
}

fn scope_data(engine: &Engine<'_>, scope: Scope, window: i64) -> Option<ScopeMetrics> {
    match scope {
        Scope::Candidate => Some(ScopeMetrics::Candidate(Box::new(engine.candidate()))),
        Scope::LatestRelease => {
            let n = engine.release_count();
            engine
                .release(n.wrapping_sub(1))
                .map(|r| ScopeMetrics::Release(Box::new(r)))
        }
        Scope::Window => Some(ScopeMetrics::Window(Box::new(
            engine.window(Span::ending_now(engine.now, window)),
        ))),
    }
}

/// Measures `metric` in `scope`.
pub(crate) fn measure(
    engine: &Engine<'_>,
    metric: &Metric,
    scope: Scope,
    window: i64,
    tests: Option<&TestFigures>,
) -> Measurement {
    if let Metric::Tests(t) = metric {
        return measure_tests(*t, tests);
    }
    if let Metric::OpenBugs(o) = metric {
        return measure_open(engine, o);
    }
    if let Metric::Vulnerabilities(sev) = metric {
        return measure_vulnerabilities(engine, *sev);
    }
    if let Metric::External { name, agg, .. } = metric {
        let span = Span::ending_now(engine.now, window);
        return measure_external(engine, name, *agg, span, Subject::Last { seconds: window });
    }
    if let Metric::Coverage(c) = metric {
        return measure_coverage(*c, engine.inputs.coverage);
    }
    match scope_data(engine, scope, window) {
        Some(d) => measure_in(engine, metric, &d),
        None => Measurement::missing(Subject::LatestRelease, Missing::NoRelease),
    }
}

/// The aggregate of a distribution (its `count` is the sample size).
fn dist_value(agg: Agg, dist: &crate::metrics::stats::Distribution) -> Option<f64> {
    match agg {
        Agg::Count => Some(dist.count as f64),
        Agg::P50 => dist.p50.map(|v| v as f64),
        Agg::P90 => dist.p90.map(|v| v as f64),
        Agg::Max => dist.max.map(|v| v as f64),
    }
}

fn change_measure(subject: Subject, c: Option<&ChangeStats>, metric: &Metric) -> Measurement {
    let Some(c) = c else {
        return Measurement::missing(subject.clone(), Missing::ChangesNotRead(subject));
    };
    let value = match metric {
        Metric::Changes => Some(c.changes as f64),
        Metric::LeadTime(a) => dist_value(*a, &c.lead_time),
        Metric::FixCommits => Some(c.fix_commits as f64),
        Metric::Reverts => Some(c.reverts as f64),
        Metric::FixRatio => c.fix_ratio,
        _ => None,
    };
    let total = match metric {
        Metric::FixCommits | Metric::FixRatio => c.fix_commits,
        Metric::Reverts => c.reverts,
        _ => c.changes,
    };
    Measurement {
        value,
        samples: Some(c.changes),
        sample: c.lead_times.iter().map(|&v| v as f64).collect(),
        evidence_total: Some(total),
        evidence: match metric {
            Metric::FixCommits | Metric::FixRatio => &c.fixes,
            Metric::Reverts => &c.revert_list,
            _ => &c.slowest,
        }
        .iter()
        .map(|s| Evidence::Change {
            sha: s.sha.clone(),
            subject: s.subject.clone(),
            lead_time: s.lead_time,
        })
        .collect(),
        ..Measurement::of(subject)
    }
}

fn issue_evidence(items: &[IssueRef], time: IssueTime) -> Vec<Evidence> {
    items
        .iter()
        .map(|i| Evidence::Issue {
            number: i.number,
            title: i.title.clone(),
            url: i.url.clone(),
            time,
            seconds: i.seconds,
            severity: i.severity.clone(),
        })
        .collect()
}

/// The objectives of the severities in `items` (in policy order), from `issues.fix_slo`;
/// a bug without a severity has the objective of `none`.
fn objectives_of(engine: &Engine<'_>, items: &[IssueRef]) -> Vec<Objective> {
    engine
        .policy
        .issues
        .fix_slo
        .iter()
        .filter(|(sev, _)| {
            items
                .iter()
                .any(|i| i.severity.as_deref().unwrap_or("none") == sev.as_str())
        })
        .map(|(sev, d)| Objective {
            severity: sev.clone(),
            seconds: d.secs(),
        })
        .collect()
}

/// The search of the bugs (any bug label), open or closed in `closed`; none when a label
/// cannot be quoted in a search (it holds a `"`).
fn bug_search(engine: &Engine<'_>, open: bool, closed: Option<(i64, i64)>) -> Option<IssueSearch> {
    let labels = engine.policy.issues.bug_labels.clone();
    (!labels.is_empty() && labels.iter().all(|l| !l.contains('"'))).then(|| IssueSearch {
        open,
        labels: vec![labels],
        closed,
    })
}

/// Why bug metrics are missing.
fn no_bugs(engine: &Engine<'_>) -> Missing {
    Missing::Github(
        engine
            .bug_data_missing()
            .unwrap_or_else(|| engine.no_github()),
    )
}

fn fix_measure(
    subject: Subject,
    f: Option<&FixStats>,
    agg: Option<Agg>,
    time: IssueTime,
    why: Missing,
) -> Measurement {
    let Some(f) = f else {
        return Measurement::missing(subject, why);
    };
    let (value, samples, evidence, total) = match agg {
        Some(a) => (
            dist_value(a, &f.fix_time),
            f.fix_time.count,
            issue_evidence(&f.slowest, time),
            f.fix_time.count,
        ),
        None => {
            let met = f
                .within_slo
                .map_or(0, |s| (s * f.with_objective as f64).round() as usize);
            (
                f.within_slo,
                f.with_objective,
                issue_evidence(&f.missed_objective, IssueTime::MissedObjective),
                f.with_objective.saturating_sub(met),
            )
        }
    };
    Measurement {
        value,
        samples: Some(samples),
        sample: f.fix_times.iter().map(|&v| v as f64).collect(),
        evidence,
        evidence_total: Some(total),
        ..Measurement::of(subject)
    }
}

fn cycle_measure(subject: Subject, c: Option<&CycleStats>, agg: Agg, why: Missing) -> Measurement {
    let Some(c) = c else {
        return Measurement::missing(subject, why);
    };
    Measurement {
        value: dist_value(agg, &c.cycle_time),
        samples: Some(c.cycle_time.count),
        sample: c.cycle_times.iter().map(|&v| v as f64).collect(),
        evidence: issue_evidence(&c.slowest, IssueTime::OpenFor),
        evidence_total: Some(c.cycle_time.count),
        ..Measurement::of(subject)
    }
}

/// Time to first response: its distribution (evidence: the slowest answered issues), the
/// unanswered issues (evidence: the longest waiting), or the share answered within
/// `issues.response_slo` (evidence: the issues that missed it).
fn response_measure(
    subject: Subject,
    r: Option<&ResponseStats>,
    metric: &Metric,
    objective: Option<i64>,
    why: Missing,
) -> Measurement {
    let Some(r) = r else {
        return Measurement::missing(subject, why);
    };
    let n = r.response_time.count;
    let (value, samples, evidence, total) = match metric {
        Metric::FirstResponse(a) => (
            dist_value(*a, &r.response_time),
            n,
            issue_evidence(&r.slowest, IssueTime::AnsweredIn),
            n,
        ),
        Metric::FirstResponseUnanswered => (
            Some(r.unanswered as f64),
            n + r.unanswered,
            issue_evidence(&r.waiting, IssueTime::WaitingFor),
            r.unanswered,
        ),
        _ => {
            let o = objective.unwrap_or(i64::MAX);
            let late_answered = r.response_times.iter().filter(|&&t| t > o).count();
            let mut evidence = issue_evidence(
                &r.waiting
                    .iter()
                    .filter(|w| w.seconds > o)
                    .cloned()
                    .collect::<Vec<_>>(),
                IssueTime::WaitingFor,
            );
            evidence.extend(issue_evidence(
                &r.slowest
                    .iter()
                    .filter(|s| s.seconds > o)
                    .cloned()
                    .collect::<Vec<_>>(),
                IssueTime::AnsweredIn,
            ));
            evidence.truncate(crate::metrics::issues::EVIDENCE);
            (
                r.within_slo,
                r.with_objective,
                evidence,
                r.waiting_too_long + late_answered,
            )
        }
    };
    Measurement {
        value,
        samples: Some(samples),
        sample: r.response_times.iter().map(|&v| v as f64).collect(),
        evidence,
        evidence_total: Some(total),
        ..Measurement::of(subject)
    }
}

fn measure_in(engine: &Engine<'_>, metric: &Metric, d: &ScopeMetrics) -> Measurement {
    let subject = subject_of(engine, d);
    match metric {
        Metric::Coverage(c) => measure_coverage(*c, engine.inputs.coverage),
        Metric::Changes
        | Metric::LeadTime(_)
        | Metric::FixCommits
        | Metric::Reverts
        | Metric::FixRatio => {
            let c = match d {
                ScopeMetrics::Candidate(c) => Some(&c.changes),
                ScopeMetrics::Release(r) => r.changes.as_ref(),
                ScopeMetrics::Window(w) => w.changes.as_ref(),
            };
            change_measure(subject, c, metric)
        }
        Metric::BugsFound | Metric::DefectRate => {
            let (found, rate, changes, evidence) = match d {
                ScopeMetrics::Release(r) => (
                    r.bugs_found,
                    r.defect_rate,
                    r.changes.as_ref().map(|c| c.changes),
                    issue_evidence(&r.bugs, IssueTime::Age),
                ),
                ScopeMetrics::Window(w) => (
                    w.bugs_found,
                    w.defect_rate,
                    w.changes.as_ref().map(|c| c.changes),
                    Vec::new(),
                ),
                ScopeMetrics::Candidate(_) => (None, None, None, Vec::new()),
            };
            if found.is_none() {
                return Measurement::missing(subject, no_bugs(engine));
            }
            Measurement {
                value: if *metric == Metric::BugsFound {
                    found.map(|f| f as f64)
                } else {
                    rate
                },
                samples: changes,
                evidence_total: found,
                evidence,
                ..Measurement::of(subject)
            }
        }
        Metric::BugFixTime(_) | Metric::BugFixWithinSlo => {
            let (f, span) = match d {
                ScopeMetrics::Release(r) => (r.bug_fix.as_ref(), Some(r.window)),
                ScopeMetrics::Window(w) => (w.bug_fix.as_ref(), Some(w.span)),
                ScopeMetrics::Candidate(_) => (None, None),
            };
            let agg = match metric {
                Metric::BugFixTime(a) => Some(*a),
                _ => None,
            };
            let mut m = fix_measure(subject, f, agg, IssueTime::FixedIn, no_bugs(engine));
            m.search = span.and_then(|s| bug_search(engine, false, Some((s.start, s.end))));
            if agg.is_none()
                && let Some(f) = f
            {
                m.objectives = objectives_of(engine, &f.missed_objective);
            }
            m
        }
        Metric::TimeToRestore(a) => {
            let f = match d {
                ScopeMetrics::Window(w) => w.time_to_restore.as_ref(),
                _ => None,
            };
            fix_measure(
                subject,
                f,
                Some(*a),
                IssueTime::RestoredIn,
                Missing::Github(
                    engine
                        .incident_data_missing()
                        .unwrap_or_else(|| engine.no_github()),
                ),
            )
        }
        Metric::PrCycleTime(a) => {
            let c = match d {
                ScopeMetrics::Window(w) => w.pr_cycle.as_ref(),
                _ => None,
            };
            let why = match engine.inputs.github {
                Some(_) => Missing::PullsNotRead,
                None => Missing::Github(engine.no_github()),
            };
            cycle_measure(subject, c, *a, why)
        }
        Metric::FirstResponse(_)
        | Metric::FirstResponseUnanswered
        | Metric::FirstResponseWithinSlo => {
            let r = match d {
                ScopeMetrics::Window(w) => w.first_response.as_ref(),
                _ => None,
            };
            let why = match engine.inputs.github {
                Some(_) => Missing::CommentsNotRead,
                None => Missing::Github(engine.no_github()),
            };
            let objective = engine.policy.issues.response_slo.map(|d| d.secs());
            response_measure(subject, r, metric, objective, why)
        }
        Metric::ReleaseFrequency | Metric::ChangeFailureRate => {
            let ScopeMetrics::Window(w) = d else {
                return Measurement::missing(subject, Missing::WindowOnly);
            };
            let rels = &engine.inputs.git.releases;
            let evidence = if *metric == Metric::ChangeFailureRate {
                w.failed_releases
                    .iter()
                    .filter_map(|tag| rels.iter().position(|r| &r.tag == tag))
                    .filter_map(|i| engine.release(i))
                    .map(|r| {
                        let regressions = r.regressions.clone().unwrap_or_default();
                        let (reg, inc): (Vec<u64>, Vec<u64>) = r
                            .incidents
                            .iter()
                            .flatten()
                            .partition(|n| regressions.contains(n));
                        Evidence::FailedRelease {
                            tag: r.tag.clone(),
                            time: r.time,
                            failure: FailedRelease {
                                hotfix: r.hotfixed_by.clone(),
                                incidents: inc,
                                regressions: reg,
                            },
                        }
                    })
                    .collect()
            } else {
                Vec::new()
            };
            Measurement {
                value: if *metric == Metric::ChangeFailureRate {
                    w.change_failure_rate
                } else {
                    Some(w.release_frequency)
                },
                samples: (*metric == Metric::ChangeFailureRate).then_some(w.releases.len()),
                evidence,
                ..Measurement::of(subject)
            }
        }
        Metric::OpenBugs(o) => measure_open(engine, o),
        Metric::Tests(t) => measure_tests(*t, None),
        Metric::Vulnerabilities(sev) => measure_vulnerabilities(engine, *sev),
        Metric::External { name, agg, .. } => match d {
            ScopeMetrics::Window(w) => measure_external(engine, name, *agg, w.span, subject),
            _ => Measurement::missing(subject, Missing::WindowOnly),
        },
    }
}

fn measure_open(engine: &Engine<'_>, o: &OpenAgg) -> Measurement {
    let subject = Subject::OpenBugs;
    let Some(open) = engine.open_bugs() else {
        return Measurement::missing(subject, no_bugs(engine));
    };
    let mut search = bug_search(engine, true, None);
    let mut objectives = Vec::new();
    let (value, evidence, total) = match o {
        OpenAgg::Total => (
            Some(open.total as f64),
            issue_evidence(&open.oldest, IssueTime::OpenFor),
            open.total,
        ),
        OpenAgg::Severity(s) => {
            let list: Vec<IssueRef> = open.oldest_by_severity.get(s).cloned().unwrap_or_default();
            // The bugs of one severity: a bug label and one of the severity's labels.
            let sev = engine.policy.issues.severity_labels.get(s).cloned();
            search = match (search, sev) {
                (Some(mut q), Some(sev))
                    if !sev.is_empty() && sev.iter().all(|l| !l.contains('"')) =>
                {
                    q.labels.push(sev);
                    Some(q)
                }
                _ => None,
            };
            (
                Some(open.severity(s) as f64),
                issue_evidence(&list, IssueTime::OpenFor),
                open.severity(s),
            )
        }
        OpenAgg::Overdue => {
            objectives = objectives_of(engine, &open.overdue_bugs);
            (
                Some(open.overdue as f64),
                issue_evidence(&open.overdue_bugs, IssueTime::OpenFor),
                open.overdue,
            )
        }
        OpenAgg::OldestAge => (
            open.oldest_age.map(|a| a as f64),
            issue_evidence(&open.oldest, IssueTime::OpenFor),
            open.total,
        ),
    };
    Measurement {
        value: if matches!(o, OpenAgg::OldestAge) {
            value
        } else {
            value.or(Some(0.0))
        },
        samples: None,
        evidence,
        evidence_total: Some(total),
        search,
        objectives,
        ..Measurement::of(subject)
    }
}

fn measure_external(
    engine: &Engine<'_>,
    name: &str,
    agg: ExtAgg,
    span: Span,
    subject: Subject,
) -> Measurement {
    let missing = || Missing::NoExternalMetric {
        name: name.to_string(),
        files: engine
            .inputs
            .external
            .map(|d| d.files.clone())
            .unwrap_or_default(),
    };
    let Some(stats) = engine
        .inputs
        .external
        .and_then(|d| crate::metrics::external::stats(d, name, span))
    else {
        return Measurement::missing(subject, missing());
    };
    Measurement {
        value: stats.get(agg),
        samples: Some(stats.count),
        percent: stats.percent,
        ..Measurement::of(subject)
    }
}

fn measure_vulnerabilities(
    engine: &Engine<'_>,
    sev: Option<crate::model::Severity>,
) -> Measurement {
    let Some(data) = engine.inputs.sarif else {
        return Measurement::missing(Subject::ScanRun, Missing::NoSarif);
    };
    let found: Vec<&crate::model::Finding> = data
        .findings
        .iter()
        .filter(|f| sev.is_none_or(|s| f.severity == s))
        .collect();
    let mut sorted = found.clone();
    sorted.sort_by_key(|f| f.severity);
    Measurement {
        value: Some(found.len() as f64),
        samples: Some(data.findings.len()),
        evidence_total: Some(found.len()),
        evidence: sorted
            .into_iter()
            .take(crate::metrics::issues::EVIDENCE)
            .map(|f| Evidence::Vulnerability(f.clone()))
            .collect(),
        ..Measurement::of(Subject::ScanRun)
    }
}

/// How many uncovered ranges of the patch a verdict lists.
const UNCOVERED_SHOWN: usize = 20;

fn measure_coverage(
    c: crate::policy::metric::CoverageAgg,
    cov: Option<&crate::metrics::coverage::CoverageFigures>,
) -> Measurement {
    use crate::policy::metric::CoverageAgg;
    let Some(f) = cov else {
        return Measurement::missing(Subject::CoverageRun, Missing::NoCoverage);
    };
    let share = |s: crate::metrics::coverage::Share| Measurement {
        value: s.ratio(),
        samples: Some(s.total as usize),
        ..Measurement::of(Subject::CoverageRun)
    };
    match c {
        CoverageAgg::Lines => share(f.lines),
        CoverageAgg::Branches => share(f.branches),
        CoverageAgg::Patch => match &f.patch {
            Err(gap) => Measurement::missing(Subject::Patch, Missing::NoPatch(gap.clone())),
            Ok(p) => Measurement {
                value: p.lines.ratio(),
                samples: Some(p.lines.total as usize),
                evidence: p
                    .uncovered
                    .iter()
                    .take(UNCOVERED_SHOWN)
                    .map(|r| Evidence::UncoveredLines {
                        file: r.file.clone(),
                        start: r.start,
                        end: r.end,
                        head: p.head.clone(),
                    })
                    .collect(),
                evidence_total: Some(p.uncovered.len()),
                ..Measurement::of(Subject::Patch)
            },
        },
    }
}

fn measure_tests(t: TestAgg, tests: Option<&TestFigures>) -> Measurement {
    let subject = Subject::TestRun;
    let Some(f) = tests else {
        return Measurement::missing(subject, Missing::NoTestResults);
    };
    // A failing case is `errored` when its outcome is, else `failed`.
    let errored = |o: TestOutcome| o == TestOutcome::Errored;
    let failing = |which: Option<bool>| {
        f.failing
            .iter()
            .filter(|c| which.is_none_or(|e| e == errored(c.outcome)))
            .map(|c| Evidence::FailingTest {
                test: c.test.clone(),
                message: c.message.clone(),
                outcome: if errored(c.outcome) {
                    TestOutcome::Errored
                } else {
                    TestOutcome::Failed
                },
            })
            .collect()
    };
    let (value, samples, evidence): (Option<f64>, usize, Vec<Evidence>) = match t {
        TestAgg::PassRate => (
            f.pass_rate(),
            f.passed + f.failed + f.errored,
            failing(None),
        ),
        TestAgg::Passed => (Some(f.passed as f64), f.total(), Vec::new()),
        TestAgg::Failed => (Some(f.failed as f64), f.total(), failing(Some(false))),
        TestAgg::Errored => (Some(f.errored as f64), f.total(), failing(Some(true))),
        TestAgg::Skipped => (Some(f.skipped as f64), f.total(), Vec::new()),
        TestAgg::Total => (Some(f.total() as f64), f.total(), Vec::new()),
        TestAgg::Flaky => (
            Some(f.flaky as f64),
            f.total(),
            f.flaky_tests
                .iter()
                .map(|t| Evidence::FlakyTest { test: t.clone() })
                .collect(),
        ),
        TestAgg::Duration => (
            Some(f.duration),
            f.total(),
            f.slowest
                .iter()
                .map(|s| Evidence::SlowTest {
                    test: s.test.clone(),
                    seconds: s.duration,
                })
                .collect(),
        ),
    };
    Measurement {
        value,
        samples: Some(samples),
        evidence_total: Some(evidence.len()),
        evidence: evidence
            .into_iter()
            .take(crate::metrics::issues::EVIDENCE)
            .collect(),
        ..Measurement::of(subject)
    }
}

/// A baseline value, its sample and what it is.
#[derive(Debug, Clone)]
pub(crate) struct BaselineValue {
    pub value: f64,
    pub samples: Option<usize>,
    pub sample: Vec<f64>,
    pub of: BaselineOf,
}

/// The baseline of a slip rule.
pub(crate) fn baseline(
    engine: &Engine<'_>,
    metric: &Metric,
    scope: Scope,
    window: i64,
    b: &Baseline,
) -> Result<BaselineValue, NotJudged> {
    let n = engine.release_count();
    // The releases before the measured one: all of them for the candidate, all but the
    // newest for the latest release.
    let before = match scope {
        Scope::Candidate => n,
        _ => n.saturating_sub(1),
    };
    match b {
        Baseline::PreviousRelease => {
            let r = before
                .checked_sub(1)
                .and_then(|i| engine.release(i))
                .ok_or(NotJudged::NoPreviousRelease)?;
            let tag = r.tag.clone();
            let m = measure_in(engine, metric, &ScopeMetrics::Release(Box::new(r)));
            let Some(value) = m.value else {
                return Err(NotJudged::PreviousHasNoValue { tag });
            };
            Ok(BaselineValue {
                value,
                samples: m.samples,
                sample: m.sample,
                of: BaselineOf::PreviousRelease { tag },
            })
        }
        Baseline::MedianOfLast(k) => {
            let k = *k as usize;
            let from = before.saturating_sub(k);
            // (value, its release's sample, sample count, tag), in version order
            let mut rows: Vec<(f64, Vec<f64>, Option<usize>, String)> = Vec::new();
            for i in from..before {
                let Some(r) = engine.release(i) else { continue };
                let tag = r.tag.clone();
                let m = measure_in(engine, metric, &ScopeMetrics::Release(Box::new(r)));
                if let Some(v) = m.value {
                    rows.push((v, m.sample, m.samples, tag));
                }
            }
            let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
                return Err(NotJudged::NoneOfLastHasValue { asked: k });
            };
            let (first, last) = (first.3.clone(), last.3.clone());
            let found = rows.len();
            // The median release (nearest rank, lower middle) gives the value, and its own
            // sample is what the significance test compares with: like with like.
            rows.sort_by(|a, b| a.0.total_cmp(&b.0));
            let (value, sample, samples, median_tag) = rows.swap_remove(found.div_ceil(2) - 1);
            Ok(BaselineValue {
                value,
                samples,
                sample,
                of: BaselineOf::MedianOfLast {
                    asked: k,
                    found,
                    first,
                    last,
                    median: median_tag,
                },
            })
        }
        Baseline::Trailing(d) => {
            let end = match scope {
                Scope::Window => engine.now - window,
                Scope::Candidate => engine.now,
                Scope::LatestRelease => {
                    let r = engine
                        .release(n.wrapping_sub(1))
                        .ok_or(NotJudged::Missing(Missing::NoRelease))?;
                    r.time
                }
            };
            let span = Span {
                start: end - d.secs(),
                end,
                end_inclusive: false,
            };
            let seconds = d.secs();
            if let Metric::External { name, agg, .. } = metric {
                let subject = Subject::Before { seconds, end };
                let m = measure_external(engine, name, *agg, span, subject);
                if let Some(why) = m.missing {
                    return Err(NotJudged::Missing(why));
                }
                let Some(value) = m.value else {
                    return Err(NotJudged::TrailingHasNoValue { seconds, end });
                };
                return Ok(BaselineValue {
                    value,
                    samples: m.samples,
                    sample: Vec::new(),
                    of: BaselineOf::Trailing { seconds, end },
                });
            }
            let w = engine.window(span);
            let change_metric = matches!(
                metric,
                Metric::Changes
                    | Metric::LeadTime(_)
                    | Metric::FixCommits
                    | Metric::Reverts
                    | Metric::FixRatio
                    | Metric::DefectRate
            );
            if change_metric && w.releases.is_empty() {
                return Err(NotJudged::NoReleaseInSpan { seconds, end });
            }
            let m = measure_in(engine, metric, &ScopeMetrics::Window(Box::new(w)));
            if let Some(why) = m.missing {
                return Err(NotJudged::Missing(why));
            }
            let Some(value) = m.value else {
                return Err(NotJudged::TrailingHasNoValue { seconds, end });
            };
            Ok(BaselineValue {
                value,
                samples: m.samples,
                sample: m.sample,
                of: BaselineOf::Trailing { seconds, end },
            })
        }
    }
}
