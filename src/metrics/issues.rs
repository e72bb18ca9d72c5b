//! Issue and pull-request metrics (GitHub): bugs found, defect rate, bug-fix time, open
//! bugs, fix objectives, time to restore, the incident signal of change failure rate, and
//! PR cycle time.

use super::stats::{Distribution, distribution};
use crate::model::{Issue, PullRequest, Release, Timestamp};
use crate::policy::Issues as IssuePolicy;
use indexmap::IndexMap;
use serde::Serialize;

/// How many items are kept as evidence.
pub const EVIDENCE: usize = 5;

/// A span of time. Includes its start; includes its end only when `end_inclusive`
/// (windows that end at the evaluation time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Span {
    #[serde(with = "crate::model::ts")]
    pub start: Timestamp,
    #[serde(with = "crate::model::ts")]
    pub end: Timestamp,
    pub end_inclusive: bool,
}

impl Span {
    /// A policy window `[now - length, now]`.
    pub fn ending_now(now: Timestamp, length: i64) -> Span {
        Span {
            start: now - length,
            end: now,
            end_inclusive: true,
        }
    }

    pub fn contains(&self, t: Timestamp) -> bool {
        t >= self.start && (t < self.end || (self.end_inclusive && t == self.end))
    }
}

/// Release windows, one per release in the given (version) order: from the release's time
/// to the next release's time in time order; the newest release's window ends at `now`
/// (provisional, end included).
pub fn release_windows(releases: &[Release], now: Timestamp) -> Vec<Span> {
    let mut by_time: Vec<usize> = (0..releases.len()).collect();
    by_time.sort_by(|&a, &b| {
        releases[a]
            .time
            .cmp(&releases[b].time)
            .then(releases[a].version.cmp(&releases[b].version))
    });
    let mut out = vec![
        Span {
            start: 0,
            end: 0,
            end_inclusive: false
        };
        releases.len()
    ];
    for (pos, &i) in by_time.iter().enumerate() {
        let start = releases[i].time;
        out[i] = match by_time.get(pos + 1) {
            Some(&next) => Span {
                start,
                end: releases[next].time,
                end_inclusive: false,
            },
            None => Span {
                start,
                end: now.max(start),
                end_inclusive: true,
            },
        };
    }
    out
}

/// Classifies issues by the policy's labels (case-insensitively).
#[derive(Debug, Clone)]
pub struct Classifier {
    bug: Vec<String>,
    incident: Vec<String>,
    regression: Vec<String>,
    severities: Vec<(String, Vec<String>)>,
    slo: IndexMap<String, i64>,
}

/// Whether `label`, lowercased, is one of `lowered` (labels already lowercased): an
/// ASCII label is compared in place, without building its lowercase copy (most labels
/// are ASCII and every issue's labels are matched once per rule); any other is
/// lowercased as before (`str::to_lowercase`, Unicode's rules).
pub(crate) fn label_in(label: &str, lowered: &[String]) -> bool {
    if label.is_ascii() {
        lowered.iter().any(|l| label.eq_ignore_ascii_case(l))
    } else {
        let label = label.to_lowercase();
        lowered.contains(&label)
    }
}

fn lower(v: &[String]) -> Vec<String> {
    v.iter().map(|s| s.to_lowercase()).collect()
}

impl Classifier {
    pub fn new(p: &IssuePolicy) -> Classifier {
        Classifier {
            bug: lower(&p.bug_labels),
            incident: lower(&p.incident_labels),
            regression: lower(&p.regression_labels),
            severities: p
                .severity_labels
                .iter()
                .map(|(k, v)| (k.clone(), lower(v)))
                .collect(),
            slo: p
                .fix_slo
                .iter()
                .map(|(k, d)| (k.clone(), d.secs()))
                .collect(),
        }
    }

    fn has(issue: &Issue, labels: &[String]) -> bool {
        issue.labels.iter().any(|l| label_in(l, labels))
    }

    pub fn is_bug(&self, i: &Issue) -> bool {
        Self::has(i, &self.bug)
    }

    pub fn is_incident(&self, i: &Issue) -> bool {
        Self::has(i, &self.incident)
    }

    pub fn is_regression(&self, i: &Issue) -> bool {
        Self::has(i, &self.regression)
    }

    /// The first severity listed whose labels the issue carries.
    pub fn severity(&self, i: &Issue) -> Option<&str> {
        self.severities
            .iter()
            .find(|(_, labels)| Self::has(i, labels))
            .map(|(name, _)| name.as_str())
    }

    /// The fix objective (seconds) of the issue's severity, if it has one.
    /// Bugs without a severity label take the objective of `none`, if the policy sets one.
    pub fn objective(&self, i: &Issue) -> Option<i64> {
        self.slo.get(self.severity(i).unwrap_or("none")).copied()
    }

    pub fn severity_names(&self) -> impl Iterator<Item = &str> {
        self.severities.iter().map(|(n, _)| n.as_str())
    }
}

/// Closed as `not_planned` or `duplicate`: not a valid report, counted nowhere.
pub fn is_invalid(i: &Issue) -> bool {
    i.closed_at.is_some() && matches!(i.state_reason.as_deref(), Some("not_planned" | "duplicate"))
}

/// Closed, and not as `not_planned` or `duplicate`.
pub fn is_fixed(i: &Issue) -> bool {
    i.closed_at.is_some() && !i.open && !is_invalid(i)
}

/// An issue kept as evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssueRef {
    pub number: u64,
    pub title: String,
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    /// Fix time, age or cycle time, in seconds, as the context says.
    pub seconds: i64,
}

fn issue_ref(i: &Issue, c: &Classifier, seconds: i64) -> IssueRef {
    IssueRef {
        number: i.number,
        title: i.title.clone(),
        url: i.url.clone(),
        severity: c.severity(i).map(str::to_string),
        seconds,
    }
}

/// Bugs created inside a span.
pub fn bugs_found<'a>(issues: &'a [Issue], c: &Classifier, span: &Span) -> Vec<&'a Issue> {
    issues
        .iter()
        .filter(|i| !is_invalid(i) && c.is_bug(i) && span.contains(i.created_at))
        .collect()
}

/// Bugs per 100 changes; none when there are no changes.
pub fn defect_rate(bugs: usize, changes: usize) -> Option<f64> {
    (changes > 0).then(|| bugs as f64 * 100.0 / changes as f64)
}

/// Bug-fix times of the fixed bugs closed inside a span.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FixStats {
    pub fix_time: Distribution,
    /// Share of the fixed bugs with an objective that met it; none when no fixed bug has
    /// an objective.
    pub within_slo: Option<f64>,
    /// How many fixed bugs had an objective (the denominator of `within_slo`).
    pub with_objective: usize,
    /// The slowest fixes, slowest first.
    pub slowest: Vec<IssueRef>,
    /// Fixes that missed their objective, slowest first.
    pub missed_objective: Vec<IssueRef>,
    #[serde(skip)]
    pub fix_times: Vec<i64>,
}

/// Fix times (closed_at − created_at) of fixed issues selected by `select` and closed in `span`.
pub fn fix_stats(
    issues: &[Issue],
    c: &Classifier,
    span: &Span,
    select: impl Fn(&Issue) -> bool,
) -> FixStats {
    let mut rows: Vec<(i64, &Issue)> = issues
        .iter()
        .filter(|i| is_fixed(i) && select(i))
        .filter_map(|i| {
            let closed = i.closed_at?;
            span.contains(closed)
                .then_some(((closed - i.created_at).max(0), i))
        })
        .collect();
    rows.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.number.cmp(&b.1.number)));
    let fix_times: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let mut with_objective = 0;
    let mut met = 0;
    let mut missed = Vec::new();
    for (t, i) in &rows {
        if let Some(obj) = c.objective(i) {
            with_objective += 1;
            if *t <= obj {
                met += 1;
            } else if missed.len() < EVIDENCE {
                missed.push(issue_ref(i, c, *t));
            }
        }
    }
    FixStats {
        fix_time: distribution(&fix_times),
        within_slo: (with_objective > 0).then(|| met as f64 / with_objective as f64),
        with_objective,
        slowest: rows
            .iter()
            .take(EVIDENCE)
            .map(|(t, i)| issue_ref(i, c, *t))
            .collect(),
        missed_objective: missed,
        fix_times,
    }
}

/// The open bug backlog at the evaluation time.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OpenBugs {
    pub total: usize,
    /// Per severity in policy order, then `none` for bugs without a severity label.
    pub by_severity: IndexMap<String, usize>,
    /// Open bugs older than their severity's objective.
    pub overdue: usize,
    /// Age of the oldest open bug, seconds.
    pub oldest_age: Option<i64>,
    /// The oldest open bugs, oldest first.
    pub oldest: Vec<IssueRef>,
    /// The overdue bugs, most overdue first (by age).
    pub overdue_bugs: Vec<IssueRef>,
    /// The oldest open bugs of each severity (`none` included), oldest first.
    #[serde(skip)]
    pub oldest_by_severity: IndexMap<String, Vec<IssueRef>>,
}

impl OpenBugs {
    pub fn severity(&self, name: &str) -> usize {
        self.by_severity.get(name).copied().unwrap_or(0)
    }
}

/// Bugs open at `now`: created at or before it and not closed by then. Bugs closed as
/// not planned or duplicate after `now` were open at `now` but are not valid reports, so
/// they are left out.
pub fn open_bugs(issues: &[Issue], c: &Classifier, now: Timestamp) -> OpenBugs {
    let mut out = OpenBugs::default();
    for name in c.severity_names() {
        out.by_severity.insert(name.to_string(), 0);
    }
    out.by_severity.insert("none".to_string(), 0);
    let mut open: Vec<(i64, &Issue)> = issues
        .iter()
        .filter(|i| c.is_bug(i) && !is_invalid(i) && i.created_at <= now)
        .filter(|i| match i.closed_at {
            Some(closed) => closed > now,
            None => true,
        })
        .map(|i| (now - i.created_at, i))
        .collect();
    open.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.number.cmp(&b.1.number)));
    for (age, i) in &open {
        out.total += 1;
        let sev = c.severity(i).unwrap_or("none").to_string();
        *out.by_severity.entry(sev.clone()).or_insert(0) += 1;
        let list = out.oldest_by_severity.entry(sev).or_default();
        if list.len() < EVIDENCE {
            list.push(issue_ref(i, c, *age));
        }
        if let Some(obj) = c.objective(i)
            && *age > obj
        {
            out.overdue += 1;
            if out.overdue_bugs.len() < EVIDENCE {
                out.overdue_bugs.push(issue_ref(i, c, *age));
            }
        }
    }
    out.oldest_age = open.first().map(|o| o.0);
    out.oldest = open
        .iter()
        .take(EVIDENCE)
        .map(|(a, i)| issue_ref(i, c, *a))
        .collect();
    out
}

/// Incidents and regressions created inside a span (the incident signal of a failed
/// release), by number.
pub fn incidents_in(issues: &[Issue], c: &Classifier, span: &Span) -> Vec<u64> {
    issues
        .iter()
        .filter(|i| {
            !is_invalid(i)
                && (c.is_incident(i) || c.is_regression(i))
                && span.contains(i.created_at)
        })
        .map(|i| i.number)
        .collect()
}

/// Of [`incidents_in`], the issues counted by a regression label alone (no incident
/// label), by number: the report calls them regressions, not incidents.
pub fn regressions_in(issues: &[Issue], c: &Classifier, span: &Span) -> Vec<u64> {
    issues
        .iter()
        .filter(|i| {
            !is_invalid(i) && c.is_regression(i) && !c.is_incident(i) && span.contains(i.created_at)
        })
        .map(|i| i.number)
        .collect()
}

/// PR cycle times (merged_at − created_at) of the pull requests merged inside a span.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CycleStats {
    pub cycle_time: Distribution,
    pub slowest: Vec<IssueRef>,
    #[serde(skip)]
    pub cycle_times: Vec<i64>,
}

pub fn pr_cycle(pulls: &[PullRequest], span: &Span) -> CycleStats {
    let mut rows: Vec<(i64, &PullRequest)> = pulls
        .iter()
        .filter_map(|p| {
            let merged = p.merged_at?;
            span.contains(merged)
                .then_some(((merged - p.created_at).max(0), p))
        })
        .collect();
    rows.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.number.cmp(&b.1.number)));
    let cycle_times: Vec<i64> = rows.iter().map(|r| r.0).collect();
    CycleStats {
        cycle_time: distribution(&cycle_times),
        slowest: rows
            .iter()
            .take(EVIDENCE)
            .map(|(t, p)| IssueRef {
                number: p.number,
                title: p.title.clone(),
                url: p.url.clone(),
                severity: None,
                seconds: *t,
            })
            .collect(),
        cycle_times,
    }
}

/// The labels most used on valid issues (not closed as not planned or duplicate), most
/// used first (ties by name), for the hint shown when no issue carries a bug label.
/// Labels that differ only in case are counted together under their most common spelling.
pub fn label_usage(issues: &[Issue], top: usize) -> Vec<(String, usize)> {
    // lowercased label → (count, spelling → count)
    let mut counts: IndexMap<String, (usize, IndexMap<String, usize>)> = IndexMap::new();
    for i in issues.iter().filter(|i| !is_invalid(i)) {
        for l in &i.labels {
            let e = counts.entry(l.to_lowercase()).or_default();
            e.0 += 1;
            *e.1.entry(l.clone()).or_insert(0) += 1;
        }
    }
    let mut v: Vec<(String, usize)> = counts
        .into_values()
        .map(|(n, spellings)| {
            let name = spellings
                .into_iter()
                .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
                .map(|s| s.0)
                .unwrap_or_default();
            (name, n)
        })
        .collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v.truncate(top);
    v
}

#[cfg(test)]
mod tests;
