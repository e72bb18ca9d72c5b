//! What a policy's rules need from the data sources: how many releases' changes and how
//! far back (git), and whether GitHub's issues, pull requests and comments are read.

use super::{Baseline, Level, Metric, Rule, Scope};

/// What a set of rules needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Needs {
    /// The newest releases whose changes a rule measures (its own, its baseline's).
    pub releases: usize,
    /// How far back (seconds) windows and trailing baselines reach.
    pub span_back: i64,
    /// A rule reads GitHub (issues, pull requests, or incidents for change failure rate).
    pub github: bool,
    /// A rule reads pull requests.
    pub pulls: bool,
    /// A rule reads the comments on issues (time to first response).
    pub comments: bool,
    /// A fail-level rule cannot judge without GitHub.
    pub github_to_fail: bool,
    /// A rule measures change failure rate.
    pub change_failure_rate: bool,
    /// A rule reads incidents (time to restore, change failure rate).
    pub incidents: bool,
}

impl Needs {
    /// The needs of `rules`; `window` is the policy's window (seconds).
    pub fn of(rules: &[Rule], window: i64) -> Needs {
        let mut releases = 1;
        let mut span_back = window;
        for r in rules {
            let own = usize::from(r.scope == Scope::LatestRelease);
            let base = match &r.baseline {
                Some(Baseline::PreviousRelease) => 1,
                Some(Baseline::MedianOfLast(k)) => *k as usize,
                _ => 0,
            };
            releases = releases.max(own + base);
            let w = if r.scope == Scope::Window {
                r.window.secs()
            } else {
                0
            };
            let t = match &r.baseline {
                Some(Baseline::Trailing(d)) => d.secs(),
                _ => 0,
            };
            span_back = span_back.max(w + t);
        }
        let any = |f: &dyn Fn(&Rule) -> bool| rules.iter().any(f);
        Needs {
            releases,
            span_back,
            github: any(&|r| r.metric.wants_github()),
            pulls: any(&|r| matches!(r.metric, Metric::PrCycleTime(_))),
            comments: any(&|r| r.metric.needs_comments()),
            github_to_fail: any(&|r| r.metric.needs_github() && r.level == Level::Fail),
            change_failure_rate: any(&|r| r.metric == Metric::ChangeFailureRate),
            incidents: any(&|r| {
                matches!(
                    r.metric,
                    Metric::TimeToRestore(_) | Metric::ChangeFailureRate
                )
            }),
        }
    }
}
