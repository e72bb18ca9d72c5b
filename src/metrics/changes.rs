//! Change metrics (git only): lead time, fix commits, reverts, fix ratio, release
//! frequency, and the hotfix signal of change failure rate.

use super::stats::{Distribution, distribution};
use crate::model::{Commit, Release, Timestamp};
use regex::Regex;
use serde::Serialize;

/// How many of the slowest changes are kept as evidence.
pub const EVIDENCE: usize = 5;

/// A change kept as evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SlowChange {
    pub sha: String,
    pub subject: String,
    /// Lead time in seconds.
    pub lead_time: i64,
}

/// The change metrics of one release (or of the candidate, or of pooled releases).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ChangeStats {
    pub changes: usize,
    pub lead_time: Distribution,
    pub fix_commits: usize,
    pub reverts: usize,
    /// fix_commits / changes; none when there are no changes.
    pub fix_ratio: Option<f64>,
    /// The slowest changes, slowest first (ties: older author time first, then sha).
    pub slowest: Vec<SlowChange>,
    /// Every lead time (seconds), for baselines and statistical tests.
    #[serde(skip)]
    pub lead_times: Vec<i64>,
    /// The first fix commits and reverts (evidence for those metrics).
    #[serde(skip)]
    pub fixes: Vec<SlowChange>,
    #[serde(skip)]
    pub revert_list: Vec<SlowChange>,
}

/// Lead time of one change: release time minus author time, clamped at 0.
pub fn lead_time(release_time: Timestamp, change: &Commit) -> i64 {
    (release_time - change.author_time).max(0)
}

/// Whether a subject is a revert (`Revert "…`).
pub fn is_revert(subject: &str) -> bool {
    subject.starts_with("Revert \"")
}

/// Change metrics of `changes` released at `release_time`.
pub fn change_stats(changes: &[Commit], release_time: Timestamp, fix: &Regex) -> ChangeStats {
    pooled(changes.iter().map(|c| (c, release_time)), fix)
}

/// Change metrics of changes each released at its own time (pooled releases).
pub fn pooled<'a>(
    items: impl Iterator<Item = (&'a Commit, Timestamp)>,
    fix: &Regex,
) -> ChangeStats {
    let mut stats = ChangeStats::default();
    let mut slow: Vec<(i64, &Commit)> = Vec::new();
    for (c, released) in items {
        let lt = lead_time(released, c);
        stats.changes += 1;
        stats.lead_times.push(lt);
        let keep = |list: &mut Vec<SlowChange>| {
            if list.len() < EVIDENCE {
                list.push(SlowChange {
                    sha: c.sha.clone(),
                    subject: c.subject.clone(),
                    lead_time: lt,
                });
            }
        };
        if fix.is_match(&c.subject) {
            stats.fix_commits += 1;
            keep(&mut stats.fixes);
        }
        if is_revert(&c.subject) {
            stats.reverts += 1;
            keep(&mut stats.revert_list);
        }
        slow.push((lt, c));
    }
    stats.lead_time = distribution(&stats.lead_times);
    stats.fix_ratio = (stats.changes > 0).then(|| stats.fix_commits as f64 / stats.changes as f64);
    slow.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(a.1.author_time.cmp(&b.1.author_time))
            .then(a.1.sha.cmp(&b.1.sha))
    });
    stats.slowest = slow
        .into_iter()
        .take(EVIDENCE)
        .map(|(lt, c)| SlowChange {
            sha: c.sha.clone(),
            subject: c.subject.clone(),
            lead_time: lt,
        })
        .collect();
    stats
}

/// Fewest changes shown before a fix pattern that matches none of them deserves a note
/// (a handful of changes without a fix is normal).
pub const FIX_NOTE_MIN_CHANGES: usize = 10;

/// The changes shown when `commits.fix_pattern` matched none of them and they are at
/// least [`FIX_NOTE_MIN_CHANGES`]: the repository probably does not write Conventional
/// Commits, so "0 fixes" would mislead. `None` otherwise.
pub fn fix_pattern_unmatched<'a>(shown: impl Iterator<Item = &'a ChangeStats>) -> Option<usize> {
    let (changes, fixes) = shown.fold((0usize, 0usize), |(c, f), s| {
        (c + s.changes, f + s.fix_commits)
    });
    (fixes == 0 && changes >= FIX_NOTE_MIN_CHANGES).then_some(changes)
}

/// For each release (version order), the tag of the release that marks it failed by the
/// hotfix signal: the next release in version order, when it has the same major.minor
/// and came more than 0 and at most `hotfix_window` seconds later.
pub fn hotfixed_by(releases: &[Release], hotfix_window: i64) -> Vec<Option<String>> {
    releases
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let next = releases.get(i + 1)?;
            let same_line =
                next.version.major == r.version.major && next.version.minor == r.version.minor;
            let gap = next.time - r.time;
            (same_line && gap > 0 && gap <= hotfix_window).then(|| next.tag.clone())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(sha: &str, author_time: i64, subject: &str) -> Commit {
        Commit {
            sha: sha.into(),
            author_time,
            subject: subject.into(),
        }
    }

    fn fix() -> Regex {
        Regex::new(crate::policy::DEFAULT_FIX_PATTERN).expect("default")
    }

    const DAY: i64 = 86_400;

    #[test]
    fn lead_time_percentiles_fix_and_revert_counts() {
        // Release at day 10. Lead times: 9d, 7d, 5d, 1d, 0 (author after release: clamped).
        let changes = [
            c("a", DAY, "feat: one"),
            c("b", 3 * DAY, "fix: two"),
            c("c", 5 * DAY, "fix(parser)!: three"),
            c("d", 9 * DAY, "Revert \"feat: one\""),
            c("e", 11 * DAY, "FIX: five"),
        ];
        let s = change_stats(&changes, 10 * DAY, &fix());
        assert_eq!(s.changes, 5);
        // sorted [0, 1d, 5d, 7d, 9d]: p50 rank ceil(2.5)=3 → 5d; p90 rank ceil(4.5)=5 → 9d.
        assert_eq!(s.lead_time.p50, Some(5 * DAY));
        assert_eq!(s.lead_time.p90, Some(9 * DAY));
        assert_eq!(s.lead_time.max, Some(9 * DAY));
        // fix: "fix: two", "fix(parser)!: three", "FIX: five" (case-insensitive) = 3.
        assert_eq!(s.fix_commits, 3);
        assert_eq!(s.reverts, 1);
        assert_eq!(s.fix_ratio, Some(0.6));
        assert_eq!(
            s.slowest.iter().map(|x| x.sha.as_str()).collect::<Vec<_>>(),
            ["a", "b", "c", "d", "e"]
        );
    }

    #[test]
    fn a_fix_pattern_matching_nothing_is_noticed_from_ten_changes() {
        let stats = |subjects: &[&str]| {
            let changes: Vec<Commit> = subjects.iter().map(|s| c("x", 0, s)).collect();
            change_stats(&changes, 0, &fix())
        };
        let plain = stats(&["Add a thing"; 6]);
        let more = stats(&["Bump deps"; 4]);
        // 6 + 4 = 10 changes, none a fix.
        assert_eq!(fix_pattern_unmatched([&plain, &more].into_iter()), Some(10));
        // 6 + 3 = 9: too few to say.
        let fewer = stats(&["Bump deps"; 3]);
        assert_eq!(fix_pattern_unmatched([&plain, &fewer].into_iter()), None);
        // One fix among them: the pattern works.
        let one_fix = stats(&["fix: x", "a", "b", "c"]);
        assert_eq!(fix_pattern_unmatched([&plain, &one_fix].into_iter()), None);
    }

    #[test]
    fn no_changes_has_no_ratio() {
        let s = change_stats(&[], 0, &fix());
        assert_eq!(s.fix_ratio, None);
        assert_eq!(s.lead_time.p50, None);
        assert!(!is_revert("Reverted \"x\""));
        assert!(!is_revert("revert \"x\""));
    }
}
