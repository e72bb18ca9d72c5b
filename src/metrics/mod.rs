//! Metrics: pure functions from the model to numbers, exactly as docs/metrics.md defines.
//!
//! [`Engine`] holds the inputs and the policy's classifiers and answers for any scope:
//! a release, the candidate, or a span of time. The report asks it for the usual table;
//! the gate asks it for whatever scope and baseline a rule names.

pub mod changes;
pub mod coverage;
pub mod external;
pub mod history;
pub mod issues;
pub mod org;
pub mod response;
pub mod stats;
pub mod test_results;
pub mod trend;

use crate::model::{GitHistory, GithubData, Timestamp};
use crate::policy::Policy;
use changes::ChangeStats;
use issues::{Classifier, CycleStats, FixStats, IssueRef, OpenBugs, Span};
use regex::Regex;
use serde::Serialize;

/// The inputs of one evaluation.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    pub git: &'a GitHistory,
    pub github: Option<&'a GithubData>,
    /// Why there is no GitHub data, when there is none (`--offline`, ...).
    pub github_skipped: Option<&'a str>,
    /// The release tag judged as the candidate (`release-check --tag`), if any.
    pub candidate_tag: Option<&'a str>,
    /// External metric samples (`--metrics`), when files were given.
    pub external: Option<&'a crate::model::ExternalData>,
    /// SARIF findings (`--sarif`), when files were given.
    pub sarif: Option<&'a crate::model::SarifData>,
    /// This run's coverage figures, when reports were given.
    pub coverage: Option<&'a coverage::CoverageFigures>,
}

/// Why GitHub data cannot answer a metric.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataGap {
    /// No GitHub data was read; `why` as the collector said (`--offline`, ...), if known.
    NoGithub { why: Option<String> },
    /// The repository has issues, but no valid one carries a bug label (`labels`).
    NoBugLabel { labels: Vec<String> },
    /// Likewise for incident labels.
    NoIncidentLabel { labels: Vec<String> },
}

/// Something a reader must know to read the numbers right: labels that match no issue,
/// with the labels most used instead (label, issues).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelNote {
    NoBugLabel {
        labels: Vec<String>,
        most_used: Vec<(String, usize)>,
    },
    NoIncidentLabel {
        labels: Vec<String>,
        most_used: Vec<(String, usize)>,
    },
}

/// Metrics of one release.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReleaseMetrics {
    pub tag: String,
    pub version: String,
    /// Release time.
    #[serde(with = "crate::model::ts")]
    pub time: Timestamp,
    pub commit: String,
    pub annotated: bool,
    /// The release window (issue metrics are counted inside it).
    pub window: Span,
    /// True for the newest release: its window ends at the evaluation time.
    pub provisional: bool,
    /// Change metrics; none when the release's changes were not read (older than `--last`).
    pub changes: Option<ChangeStats>,
    /// The next release (same major.minor, within the hotfix window) that marks this one failed.
    pub hotfixed_by: Option<String>,
    /// Incidents and regressions created in the window (GitHub data only).
    pub incidents: Option<Vec<u64>>,
    /// Of `incidents`, those counted by a regression label alone (no incident label).
    pub regressions: Option<Vec<u64>>,
    /// Failed by either signal (without GitHub data: the hotfix signal only).
    pub failed: bool,
    pub bugs_found: Option<usize>,
    /// Bugs found per 100 changes.
    pub defect_rate: Option<f64>,
    /// Fixed bugs closed inside the window.
    pub bug_fix: Option<FixStats>,
    /// The bugs found in this release (evidence, newest first).
    pub bugs: Vec<IssueRef>,
}

/// Metrics of the unreleased changes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CandidateMetrics {
    pub head: Option<String>,
    pub base_tag: Option<String>,
    /// Lead times are measured up to the evaluation time.
    pub changes: ChangeStats,
}

/// Metrics over a span of time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowMetrics {
    pub span: Span,
    /// Releases whose release time lies in the span.
    pub releases: Vec<String>,
    /// Releases per week.
    pub release_frequency: f64,
    pub failed_releases: Vec<String>,
    /// failed / releases; none without releases.
    pub change_failure_rate: Option<f64>,
    /// Changes of the releases in the span (pooled); none when some were not read.
    pub changes: Option<ChangeStats>,
    pub bugs_found: Option<usize>,
    pub defect_rate: Option<f64>,
    pub bug_fix: Option<FixStats>,
    pub time_to_restore: Option<FixStats>,
    pub pr_cycle: Option<CycleStats>,
    /// Time to first response of the issues created in the span; none when comments were
    /// not read.
    pub first_response: Option<response::ResponseStats>,
}

/// Answers metric questions about one set of inputs at one evaluation time.
pub struct Engine<'a> {
    pub inputs: Inputs<'a>,
    pub policy: &'a Policy,
    pub now: Timestamp,
    pub classifier: Classifier,
    /// Bug metrics can be computed: GitHub data is there, and some valid issue carries a
    /// bug label (or the tracker has no issue at all). Otherwise they are unknown, not 0.
    bugs_known: bool,
    /// Likewise for incidents (time to restore).
    incidents_known: bool,
    fix: &'a Regex,
    windows: Vec<Span>,
    hotfix: Vec<Option<String>>,
}

impl<'a> Engine<'a> {
    pub fn new(inputs: Inputs<'a>, policy: &'a Policy, now: Timestamp) -> Engine<'a> {
        let releases = &inputs.git.releases;
        let classifier = Classifier::new(&policy.issues);
        let bugs_known = inputs.github.is_some_and(|g| {
            g.issues.is_empty()
                || g.issues
                    .iter()
                    .any(|i| !issues::is_invalid(i) && classifier.is_bug(i))
        });
        let incidents_known = inputs.github.is_some_and(|g| {
            g.issues.is_empty()
                || g.issues
                    .iter()
                    .any(|i| !issues::is_invalid(i) && classifier.is_incident(i))
        });
        Engine {
            bugs_known,
            incidents_known,
            windows: issues::release_windows(releases, now),
            hotfix: changes::hotfixed_by(releases, policy.releases.hotfix_window.secs()),
            classifier,
            fix: &policy.commits.fix_pattern.0,
            inputs,
            policy,
            now,
        }
    }

    pub fn release_count(&self) -> usize {
        self.inputs.git.releases.len()
    }

    /// The policy window, `[now - window, now]`.
    pub fn policy_window(&self) -> Span {
        Span::ending_now(self.now, self.policy.window.secs())
    }

    /// GitHub data for bug metrics, when they can be computed.
    fn bug_data(&self) -> Option<&'a GithubData> {
        self.inputs.github.filter(|_| self.bugs_known)
    }

    /// No GitHub data, and why.
    pub fn no_github(&self) -> DataGap {
        DataGap::NoGithub {
            why: self.inputs.github_skipped.map(str::to_string),
        }
    }

    /// Why bug metrics cannot be computed, if they cannot.
    pub fn bug_data_missing(&self) -> Option<DataGap> {
        match self.inputs.github {
            None => Some(self.no_github()),
            Some(_) if !self.bugs_known => Some(DataGap::NoBugLabel {
                labels: self.policy.issues.bug_labels.clone(),
            }),
            Some(_) => None,
        }
    }

    /// Why time to restore cannot be computed, if it cannot.
    pub fn incident_data_missing(&self) -> Option<DataGap> {
        match self.inputs.github {
            None => Some(self.no_github()),
            Some(_) if !self.incidents_known => Some(DataGap::NoIncidentLabel {
                labels: self.policy.issues.incident_labels.clone(),
            }),
            Some(_) => None,
        }
    }

    fn incidents(&self, i: usize) -> Option<Vec<u64>> {
        let gh = self.inputs.github?;
        Some(issues::incidents_in(
            &gh.issues,
            &self.classifier,
            &self.windows[i],
        ))
    }

    fn failed(&self, i: usize) -> bool {
        self.hotfix.get(i).is_some_and(Option::is_some)
            || self.incidents(i).is_some_and(|v| !v.is_empty())
    }

    /// Metrics of the release at `i` (version order).
    pub fn release(&self, i: usize) -> Option<ReleaseMetrics> {
        let r = self.inputs.git.releases.get(i)?;
        let window = self.windows[i];
        let changes = r
            .changes_loaded
            .then(|| changes::change_stats(&r.changes, r.time, self.fix));
        let gh = self.bug_data();
        let found = gh.map(|g| issues::bugs_found(&g.issues, &self.classifier, &window));
        let incidents = self.incidents(i);
        let mut bugs: Vec<IssueRef> = found
            .iter()
            .flatten()
            .map(|b| IssueRef {
                number: b.number,
                title: b.title.clone(),
                url: b.url.clone(),
                severity: self.classifier.severity(b).map(str::to_string),
                // age: to its close, or to now while open
                seconds: b.closed_at.unwrap_or(self.now).min(self.now) - b.created_at,
            })
            .collect();
        // newest first (bugs reported later in the window first)
        bugs.sort_by_key(|b| std::cmp::Reverse(b.number));
        bugs.truncate(issues::EVIDENCE);
        Some(ReleaseMetrics {
            tag: r.tag.clone(),
            version: r.version.to_string(),
            time: r.time,
            commit: r.commit.clone(),
            annotated: r.annotated,
            window,
            provisional: window.end_inclusive,
            hotfixed_by: self.hotfix.get(i).cloned().flatten(),
            failed: self.failed(i),
            incidents,
            regressions: self
                .inputs
                .github
                .map(|gh| issues::regressions_in(&gh.issues, &self.classifier, &self.windows[i])),
            bugs_found: found.as_ref().map(Vec::len),
            defect_rate: match (&found, &changes) {
                (Some(f), Some(c)) => issues::defect_rate(f.len(), c.changes),
                _ => None,
            },
            bug_fix: gh.map(|g| {
                issues::fix_stats(&g.issues, &self.classifier, &window, |x| {
                    self.classifier.is_bug(x)
                })
            }),
            bugs,
            changes,
        })
    }

    /// Metrics of the candidate release, released "now".
    pub fn candidate(&self) -> CandidateMetrics {
        let c = &self.inputs.git.candidate;
        CandidateMetrics {
            head: c.head.clone(),
            base_tag: c.base_tag.clone(),
            changes: changes::change_stats(&c.changes, self.now, self.fix),
        }
    }

    /// Indices (version order) of the releases whose release time lies in `span`.
    pub fn releases_in(&self, span: &Span) -> Vec<usize> {
        (0..self.release_count())
            .filter(|&i| span.contains(self.inputs.git.releases[i].time))
            .collect()
    }

    /// Metrics over a span.
    pub fn window(&self, span: Span) -> WindowMetrics {
        let rels = &self.inputs.git.releases;
        let idx = self.releases_in(&span);
        let failed: Vec<String> = idx
            .iter()
            .filter(|&&i| self.failed(i))
            .map(|&i| rels[i].tag.clone())
            .collect();
        let all_loaded = idx.iter().all(|&i| rels[i].changes_loaded);
        let pooled = all_loaded.then(|| {
            changes::pooled(
                idx.iter()
                    .flat_map(|&i| rels[i].changes.iter().map(move |c| (c, rels[i].time))),
                self.fix,
            )
        });
        let gh = self.inputs.github;
        let bugs = self.bug_data();
        let c = &self.classifier;
        let found = bugs.map(|g| issues::bugs_found(&g.issues, c, &span).len());
        let weeks = (span.end - span.start) as f64 / 604_800.0;
        WindowMetrics {
            release_frequency: if weeks > 0.0 {
                idx.len() as f64 / weeks
            } else {
                0.0
            },
            change_failure_rate: (!idx.is_empty()).then(|| failed.len() as f64 / idx.len() as f64),
            releases: idx.iter().map(|&i| rels[i].tag.clone()).collect(),
            failed_releases: failed,
            bugs_found: found,
            defect_rate: match (found, &pooled) {
                (Some(f), Some(p)) => issues::defect_rate(f, p.changes),
                _ => None,
            },
            changes: pooled,
            bug_fix: bugs.map(|g| issues::fix_stats(&g.issues, c, &span, |x| c.is_bug(x))),
            time_to_restore: gh
                .filter(|_| self.incidents_known)
                .map(|g| issues::fix_stats(&g.issues, c, &span, |x| c.is_incident(x))),
            pr_cycle: gh
                .filter(|g| g.pulls_read)
                .map(|g| issues::pr_cycle(&g.pulls, &span)),
            first_response: gh.filter(|g| g.comments_read).map(|g| {
                response::first_response(
                    &g.issues,
                    &g.comments,
                    &self.response_policy(),
                    &span,
                    self.now,
                )
            }),
            span,
        }
    }

    /// What `issues.response_labels` and `issues.response_slo` say.
    pub fn response_policy(&self) -> response::ResponsePolicy {
        let p = &self.policy.issues;
        response::ResponsePolicy {
            labels: p.response_labels.iter().map(|l| l.to_lowercase()).collect(),
            objective: p.response_slo.map(|d| d.secs()),
        }
    }

    /// The open bug backlog at the evaluation time.
    pub fn open_bugs(&self) -> Option<OpenBugs> {
        self.bug_data()
            .map(|g| issues::open_bugs(&g.issues, &self.classifier, self.now))
    }

    /// Notes that keep a reader from misreading the numbers: bug or incident labels that
    /// match no issue.
    pub fn label_notes(&self, incident_rules: bool) -> Vec<LabelNote> {
        let Some(gh) = self.inputs.github else {
            return Vec::new();
        };
        let mut notes = Vec::new();
        let most_used = || issues::label_usage(&gh.issues, 8);
        // `bugs_known` / `incidents_known` are false exactly when the repository has
        // issues but no valid one carries such a label.
        if !self.bugs_known {
            notes.push(LabelNote::NoBugLabel {
                labels: self.policy.issues.bug_labels.clone(),
                most_used: most_used(),
            });
        }
        if incident_rules && !self.incidents_known {
            notes.push(LabelNote::NoIncidentLabel {
                labels: self.policy.issues.incident_labels.clone(),
                most_used: most_used(),
            });
        }
        notes
    }
}

#[cfg(test)]
mod engine_tests;
#[cfg(test)]
pub(crate) mod fixture;
