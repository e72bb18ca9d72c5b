//! Measuring one metric in one scope, and its baseline.

use super::{Evidence, FailedRelease, IssueSearch, Objective, TestFigures};
use crate::duration::human;
use crate::metrics::changes::ChangeStats;
use crate::metrics::issues::{CycleStats, FixStats, IssueRef, Span};
use crate::metrics::{CandidateMetrics, Engine, ReleaseMetrics, WindowMetrics};
use crate::policy::metric::{Agg, OpenAgg, TestAgg};
use crate::policy::{Baseline, Metric, Scope};
use crate::report::short;

/// A metric measured in a scope.
#[derive(Debug, Clone, Default)]
pub struct Measurement {
    /// What was measured, for sentences: `the unreleased changes`, `v1.4.0`, `the last 90d`.
    pub subject: String,
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
    pub missing: Option<String>,
}

impl Measurement {
    fn missing(subject: String, why: String) -> Measurement {
        Measurement {
            subject,
            missing: Some(why),
            ..Measurement::default()
        }
    }
}

enum Data {
    Candidate(Box<CandidateMetrics>),
    Release(Box<ReleaseMetrics>),
    Window(Box<WindowMetrics>),
}

fn subject_of(engine: &Engine<'_>, d: &Data) -> String {
    match d {
        Data::Candidate(_) => engine.candidate_label.clone(),
        Data::Release(r) => r.tag.clone(),
        Data::Window(w) if w.span.end_inclusive && w.span.end == engine.now => {
            format!("the last {}", human(w.span.end - w.span.start))
        }
        Data::Window(w) => format!(
            "the {} before {}",
            human(w.span.end - w.span.start),
            crate::model::date(w.span.end)
        ),
    }
}

fn scope_data(engine: &Engine<'_>, scope: Scope, window: i64) -> Result<Data, String> {
    match scope {
        Scope::Candidate => Ok(Data::Candidate(Box::new(engine.candidate()))),
        Scope::LatestRelease => {
            let n = engine.release_count();
            engine
                .release(n.wrapping_sub(1))
                .map(|r| Data::Release(Box::new(r)))
                .ok_or_else(|| "the repository has no release yet".to_string())
        }
        Scope::Window => Ok(Data::Window(Box::new(
            engine.window(Span::ending_now(engine.now, window)),
        ))),
    }
}

/// Measures `metric` in `scope`.
pub fn measure(
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
    match scope_data(engine, scope, window) {
        Ok(d) => measure_in(engine, metric, &d),
        Err(why) => Measurement::missing(
            "the latest release".into(),
            format!("{why}, so this rule cannot judge."),
        ),
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

fn change_measure(subject: String, c: Option<&ChangeStats>, metric: &Metric) -> Measurement {
    let Some(c) = c else {
        return Measurement::missing(
            subject.clone(),
            format!("the changes of {subject} were not read, so this rule cannot judge."),
        );
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
        subject,
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
        .map(|s| Evidence {
            id: short(&s.sha).to_string(),
            text: s.subject.clone(),
            detail: format!("lead time {}", human(s.lead_time)),
            url: None,
            issue: None,
            failure: None,
        })
        .collect(),
        ..Measurement::default()
    }
}

fn issue_evidence(items: &[IssueRef], what: &str) -> Vec<Evidence> {
    items
        .iter()
        .map(|i| Evidence {
            id: format!("#{}", i.number),
            text: i.title.clone(),
            detail: match &i.severity {
                Some(s) => format!("{what} {} ({s})", human(i.seconds)),
                None => format!("{what} {}", human(i.seconds)),
            },
            url: (!i.url.is_empty()).then(|| i.url.clone()),
            issue: Some(i.number),
            failure: None,
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

/// Why bug metrics are missing, as a sentence.
fn no_bugs(engine: &Engine<'_>) -> String {
    format!(
        "{}, so this rule cannot judge.",
        engine
            .bug_data_missing()
            .unwrap_or_else(|| engine.no_github())
    )
}

fn fix_measure(
    subject: String,
    f: Option<&FixStats>,
    agg: Option<Agg>,
    what: &str,
    why: String,
) -> Measurement {
    let Some(f) = f else {
        return Measurement::missing(subject, why);
    };
    let (value, samples, evidence, total) = match agg {
        Some(a) => (
            dist_value(a, &f.fix_time),
            f.fix_time.count,
            issue_evidence(&f.slowest, what),
            f.fix_time.count,
        ),
        None => {
            let met = f
                .within_slo
                .map_or(0, |s| (s * f.with_objective as f64).round() as usize);
            (
                f.within_slo,
                f.with_objective,
                issue_evidence(&f.missed_objective, "missed objective, fixed in"),
                f.with_objective.saturating_sub(met),
            )
        }
    };
    Measurement {
        subject,
        value,
        samples: Some(samples),
        sample: f.fix_times.iter().map(|&v| v as f64).collect(),
        evidence,
        evidence_total: Some(total),
        ..Measurement::default()
    }
}

fn cycle_measure(subject: String, c: Option<&CycleStats>, agg: Agg, why: String) -> Measurement {
    let Some(c) = c else {
        return Measurement::missing(subject, why);
    };
    Measurement {
        subject,
        value: dist_value(agg, &c.cycle_time),
        samples: Some(c.cycle_time.count),
        sample: c.cycle_times.iter().map(|&v| v as f64).collect(),
        evidence: issue_evidence(&c.slowest, "open for"),
        evidence_total: Some(c.cycle_time.count),
        ..Measurement::default()
    }
}

fn measure_in(engine: &Engine<'_>, metric: &Metric, d: &Data) -> Measurement {
    let subject = subject_of(engine, d);
    match metric {
        Metric::Changes
        | Metric::LeadTime(_)
        | Metric::FixCommits
        | Metric::Reverts
        | Metric::FixRatio => {
            let c = match d {
                Data::Candidate(c) => Some(&c.changes),
                Data::Release(r) => r.changes.as_ref(),
                Data::Window(w) => w.changes.as_ref(),
            };
            change_measure(subject, c, metric)
        }
        Metric::BugsFound | Metric::DefectRate => {
            let (found, rate, changes, evidence) = match d {
                Data::Release(r) => (
                    r.bugs_found,
                    r.defect_rate,
                    r.changes.as_ref().map(|c| c.changes),
                    issue_evidence(&r.bugs, "age"),
                ),
                Data::Window(w) => (
                    w.bugs_found,
                    w.defect_rate,
                    w.changes.as_ref().map(|c| c.changes),
                    Vec::new(),
                ),
                Data::Candidate(_) => (None, None, None, Vec::new()),
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
                subject,
                ..Measurement::default()
            }
        }
        Metric::BugFixTime(_) | Metric::BugFixWithinSlo => {
            let (f, span) = match d {
                Data::Release(r) => (r.bug_fix.as_ref(), Some(r.window)),
                Data::Window(w) => (w.bug_fix.as_ref(), Some(w.span)),
                Data::Candidate(_) => (None, None),
            };
            let agg = match metric {
                Metric::BugFixTime(a) => Some(*a),
                _ => None,
            };
            let mut m = fix_measure(subject, f, agg, "fixed in", no_bugs(engine));
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
                Data::Window(w) => w.time_to_restore.as_ref(),
                _ => None,
            };
            fix_measure(
                subject,
                f,
                Some(*a),
                "restored in",
                format!(
                    "{}, so this rule cannot judge.",
                    engine
                        .incident_data_missing()
                        .unwrap_or_else(|| engine.no_github())
                ),
            )
        }
        Metric::PrCycleTime(a) => {
            let c = match d {
                Data::Window(w) => w.pr_cycle.as_ref(),
                _ => None,
            };
            let why = match engine.inputs.github {
                Some(_) => "pull requests were not read, so this rule cannot judge.".to_string(),
                None => format!("{}, so this rule cannot judge.", engine.no_github()),
            };
            cycle_measure(subject, c, *a, why)
        }
        Metric::ReleaseFrequency | Metric::ChangeFailureRate => {
            let Data::Window(w) = d else {
                return Measurement::missing(subject, "measured over a window only.".into());
            };
            let rels = &engine.inputs.git.releases;
            let evidence = if *metric == Metric::ChangeFailureRate {
                w.failed_releases
                    .iter()
                    .filter_map(|tag| rels.iter().position(|r| &r.tag == tag))
                    .filter_map(|i| engine.release(i))
                    .map(|r| {
                        let mut why = Vec::new();
                        if let Some(h) = &r.hotfixed_by {
                            why.push(format!("hotfix {h}"));
                        }
                        let regressions = r.regressions.clone().unwrap_or_default();
                        let (reg, inc): (Vec<u64>, Vec<u64>) = r
                            .incidents
                            .iter()
                            .flatten()
                            .partition(|n| regressions.contains(n));
                        let failure = FailedRelease {
                            hotfix: r.hotfixed_by.clone(),
                            incidents: inc.clone(),
                            regressions: reg.clone(),
                        };
                        for (what, list) in [("incident", inc), ("regression", reg)] {
                            if !list.is_empty() {
                                let l: Vec<String> = list.iter().map(|n| format!("#{n}")).collect();
                                why.push(format!("{what} {}", l.join(", ")));
                            }
                        }
                        Evidence {
                            id: r.tag.clone(),
                            text: format!("released {}", crate::model::date(r.time)),
                            detail: why.join("; "),
                            url: None,
                            issue: None,
                            failure: Some(failure),
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
                subject,
                ..Measurement::default()
            }
        }
        Metric::OpenBugs(o) => measure_open(engine, o),
        Metric::Tests(t) => measure_tests(*t, None),
    }
}

fn measure_open(engine: &Engine<'_>, o: &OpenAgg) -> Measurement {
    let subject = "the open bugs now".to_string();
    let Some(open) = engine.open_bugs() else {
        return Measurement::missing(subject, no_bugs(engine));
    };
    let mut search = bug_search(engine, true, None);
    let mut objectives = Vec::new();
    let (value, evidence, total) = match o {
        OpenAgg::Total => (
            Some(open.total as f64),
            issue_evidence(&open.oldest, "open for"),
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
                issue_evidence(&list, "open for"),
                open.severity(s),
            )
        }
        OpenAgg::Overdue => {
            objectives = objectives_of(engine, &open.overdue_bugs);
            (
                Some(open.overdue as f64),
                issue_evidence(&open.overdue_bugs, "open for"),
                open.overdue,
            )
        }
        OpenAgg::OldestAge => (
            open.oldest_age.map(|a| a as f64),
            issue_evidence(&open.oldest, "open for"),
            open.total,
        ),
    };
    Measurement {
        subject,
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
        ..Measurement::default()
    }
}

fn measure_tests(t: TestAgg, tests: Option<&TestFigures>) -> Measurement {
    let subject = "this test run".to_string();
    let Some(f) = tests else {
        return Measurement::missing(
            subject,
            "no test results were read (no --junit or `tests.paths`, or every file was missing or skipped: see the warnings), so this rule cannot judge."
                .into(),
        );
    };
    let failing = |which: Option<&str>| {
        f.failing
            .iter()
            .filter(|(_, _, outcome)| which.is_none_or(|w| w == outcome))
            .map(|(id, msg, outcome)| Evidence {
                id: id.clone(),
                text: msg.clone(),
                detail: outcome.clone(),
                url: None,
                issue: None,
                failure: None,
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
        TestAgg::Failed => (Some(f.failed as f64), f.total(), failing(Some("failed"))),
        TestAgg::Errored => (Some(f.errored as f64), f.total(), failing(Some("errored"))),
        TestAgg::Skipped => (Some(f.skipped as f64), f.total(), Vec::new()),
        TestAgg::Total => (Some(f.total() as f64), f.total(), Vec::new()),
        TestAgg::Flaky => (
            Some(f.flaky as f64),
            f.total(),
            f.flaky_ids
                .iter()
                .map(|id| Evidence {
                    id: id.clone(),
                    text: "both passed and failed in this run".into(),
                    detail: "flaky".into(),
                    url: None,
                    issue: None,
                    failure: None,
                })
                .collect(),
        ),
        TestAgg::Duration => (
            Some(f.duration),
            f.total(),
            f.slowest
                .iter()
                .map(|(id, s)| Evidence {
                    id: id.clone(),
                    text: String::new(),
                    detail: crate::duration::human_f64(*s),
                    url: None,
                    issue: None,
                    failure: None,
                })
                .collect(),
        ),
    };
    Measurement {
        subject,
        value,
        samples: Some(samples),
        evidence_total: Some(evidence.len()),
        evidence: evidence
            .into_iter()
            .take(super::super::metrics::issues::EVIDENCE)
            .collect(),
        ..Measurement::default()
    }
}

/// A baseline value, its sample and what it is.
#[derive(Debug, Clone)]
pub struct BaselineValue {
    pub value: f64,
    pub samples: Option<usize>,
    pub sample: Vec<f64>,
    pub describe: String,
}

/// The baseline of a slip rule.
pub fn baseline(
    engine: &Engine<'_>,
    metric: &Metric,
    scope: Scope,
    window: i64,
    b: &Baseline,
) -> Result<BaselineValue, String> {
    let n = engine.release_count();
    // The releases before the measured one: all of them for the candidate, all but the
    // newest for the latest release.
    let before = match scope {
        Scope::Candidate => n,
        _ => n.saturating_sub(1),
    };
    match b {
        Baseline::PreviousRelease => {
            if before == 0 {
                return Err(
                    "there is no previous release to compare with; the slip is not judged.".into(),
                );
            }
            let r = engine.release(before - 1).ok_or("no previous release")?;
            let tag = r.tag.clone();
            let m = measure_in(engine, metric, &Data::Release(Box::new(r)));
            let value = m.value.ok_or_else(|| {
                format!(
                    "the previous release {tag} has no value for {metric}; the slip is not judged."
                )
            })?;
            Ok(BaselineValue {
                value,
                samples: m.samples,
                sample: m.sample,
                describe: format!("previous release {tag}"),
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
                let m = measure_in(engine, metric, &Data::Release(Box::new(r)));
                if let Some(v) = m.value {
                    rows.push((v, m.sample, m.samples, tag));
                }
            }
            let span = match (rows.first(), rows.last()) {
                (Some(a), Some(z)) if a.3 != z.3 => format!("{} … {}", a.3, z.3),
                (Some(a), _) => a.3.clone(),
                _ => String::new(),
            };
            let found = rows.len();
            if found == 0 {
                return Err(format!(
                    "none of the last {k} releases has a value for {metric}; the slip is not judged."
                ));
            }
            // The median release (nearest rank, lower middle) gives the value, and its own
            // sample is what the significance test compares with: like with like.
            rows.sort_by(|a, b| a.0.total_cmp(&b.0));
            let (value, sample, samples, median_tag) = rows.swap_remove(found.div_ceil(2) - 1);
            let describe = if found < k {
                format!(
                    "median of the last {found} releases {span}, from {median_tag}; {k} asked, fewer had data"
                )
            } else {
                format!("median of the last {k} releases {span}, from {median_tag}")
            };
            Ok(BaselineValue {
                value,
                samples,
                sample,
                describe,
            })
        }
        Baseline::Trailing(d) => {
            let end = match scope {
                Scope::Window => engine.now - window,
                Scope::Candidate => engine.now,
                Scope::LatestRelease => {
                    let r = engine.release(n.wrapping_sub(1)).ok_or("no release")?;
                    r.time
                }
            };
            let span = Span {
                start: end - d.secs(),
                end,
                end_inclusive: false,
            };
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
                return Err(format!(
                    "no release lies in the baseline span (the {} before {}), so the slip is not judged.",
                    human(d.secs()),
                    crate::model::date(end)
                ));
            }
            let m = measure_in(engine, metric, &Data::Window(Box::new(w)));
            if let Some(why) = m.missing {
                return Err(why);
            }
            let value = m.value.ok_or_else(|| {
                format!(
                    "the trailing {} before {} has no value for {metric}; the slip is not judged.",
                    human(d.secs()),
                    crate::model::date(end)
                )
            })?;
            Ok(BaselineValue {
                value,
                samples: m.samples,
                sample: m.sample,
                describe: format!("the {} before {}", human(d.secs()), crate::model::date(end)),
            })
        }
    }
}
