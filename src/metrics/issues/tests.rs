//! Hand-computed expectations. Times are in days (D) from the epoch.
//!
//! Releases: v1.0.0 @10, v1.0.1 @12, v1.1.0 @20, v1.2.0 @40; now = 50.
//! Windows: v1.0.0 [10,12), v1.0.1 [12,20), v1.1.0 [20,40), v1.2.0 [40,50] (provisional).
//! Issues:
//!  #1 bug critical  created 11 closed 13 completed   → found in v1.0.0, fixed in v1.0.1 (2d)
//!  #2 bug           created 12 open                  → found in v1.0.1 (start included)
//!  #3 Bug high      created 21 closed 30 (no reason) → found in v1.1.0, fixed in v1.1.0 (9d)
//!  #4 bug           created 22 closed 23 not_planned → counted nowhere
//!  #5 incident      created 41 closed 41+2h          → v1.2.0 failed; restore 2h
//!  #6 bug P0        created 45 open                  → critical, 5d old, overdue (2d)
//!  #7 bug high      created 20 closed 50             → found in v1.1.0 (not v1.0.1: end
//!                                                       excluded), fixed at `now` (30d)
//!  #8 regression    created 12 closed duplicate      → counted nowhere

use super::*;
use crate::duration::Dur;
use crate::model::Release;

const D: i64 = 86_400;

fn rel(tag: &str, day: i64) -> Release {
    Release {
        tag: tag.into(),
        version: semver::Version::parse(tag.trim_start_matches('v')).expect("version"),
        time: day * D,
        commit: String::new(),
        annotated: false,
        changes: Vec::new(),
        changes_loaded: false,
    }
}

fn issue(
    number: u64,
    labels: &[&str],
    created: i64,
    closed: Option<i64>,
    reason: Option<&str>,
) -> Issue {
    Issue {
        number,
        title: format!("issue {number}"),
        url: format!("https://github.com/o/r/issues/{number}"),
        labels: labels.iter().map(|s| s.to_string()).collect(),
        created_at: created,
        closed_at: closed,
        state_reason: reason.map(str::to_string),
        open: closed.is_none(),
        author: "reporter".into(),
    }
}

fn fixture() -> (Vec<Release>, Vec<Issue>, Classifier) {
    let releases = vec![
        rel("v1.0.0", 10),
        rel("v1.0.1", 12),
        rel("v1.1.0", 20),
        rel("v1.2.0", 40),
    ];
    let issues = vec![
        issue(
            1,
            &["bug", "critical"],
            11 * D,
            Some(13 * D),
            Some("completed"),
        ),
        issue(2, &["bug"], 12 * D, None, None),
        issue(3, &["Bug", "high"], 21 * D, Some(30 * D), None),
        issue(4, &["bug"], 22 * D, Some(23 * D), Some("not_planned")),
        issue(
            5,
            &["incident"],
            41 * D,
            Some(41 * D + 7_200),
            Some("completed"),
        ),
        issue(6, &["bug", "P0"], 45 * D, None, None),
        issue(7, &["bug", "high"], 20 * D, Some(50 * D), Some("completed")),
        issue(8, &["regression"], 12 * D, Some(13 * D), Some("duplicate")),
    ];
    let mut p = crate::policy::Issues::default();
    p.severity_labels
        .insert("critical".into(), vec!["critical".into(), "P0".into()]);
    p.severity_labels.insert("high".into(), vec!["high".into()]);
    p.fix_slo.insert("critical".into(), Dur::days(2));
    p.fix_slo.insert("high".into(), Dur::days(7));
    (releases, issues, Classifier::new(&p))
}

#[test]
fn windows_follow_time_order_and_the_last_is_provisional() {
    let (r, _, _) = fixture();
    let w = release_windows(&r, 50 * D);
    assert_eq!(
        (w[0].start, w[0].end, w[0].end_inclusive),
        (10 * D, 12 * D, false)
    );
    assert_eq!((w[2].start, w[2].end), (20 * D, 40 * D));
    assert_eq!(
        (w[3].start, w[3].end, w[3].end_inclusive),
        (40 * D, 50 * D, true)
    );
    assert!(w[1].contains(12 * D) && !w[1].contains(20 * D));
    assert!(w[3].contains(50 * D));
}

#[test]
fn windows_of_out_of_order_releases() {
    // v2.0.0 released at 15, between v1.0.0 (10) and v1.1.0 (30) in time.
    let r = vec![rel("v1.0.0", 10), rel("v1.1.0", 30), rel("v2.0.0", 15)];
    let w = release_windows(&r, 40 * D);
    assert_eq!((w[0].start, w[0].end), (10 * D, 15 * D));
    assert_eq!((w[2].start, w[2].end), (15 * D, 30 * D));
    assert_eq!(
        (w[1].start, w[1].end, w[1].end_inclusive),
        (30 * D, 40 * D, true)
    );
}

#[test]
fn bugs_found_and_defect_rate_per_release() {
    let (r, i, c) = fixture();
    let w = release_windows(&r, 50 * D);
    let found: Vec<usize> = w.iter().map(|s| bugs_found(&i, &c, s).len()).collect();
    assert_eq!(found, [1, 1, 2, 1]);
    // 2 bugs over 8 changes = 25 per 100 changes.
    assert_eq!(defect_rate(2, 8), Some(25.0));
    assert_eq!(defect_rate(2, 0), None);
}

#[test]
fn fix_times_per_release_and_window_with_objectives() {
    let (r, i, c) = fixture();
    let w = release_windows(&r, 50 * D);
    let bugs = |x: &Issue| c.is_bug(x);
    assert_eq!(fix_stats(&i, &c, &w[0], bugs).fix_time.count, 0);
    let f1 = fix_stats(&i, &c, &w[1], bugs);
    assert_eq!(f1.fix_times, [2 * D]);
    assert_eq!(f1.within_slo, Some(1.0)); // critical, 2d ≤ 2d
    assert_eq!(fix_stats(&i, &c, &w[2], bugs).fix_times, [9 * D]);
    let f3 = fix_stats(&i, &c, &w[3], bugs);
    assert_eq!(f3.fix_times, [30 * D]);
    assert_eq!(f3.within_slo, Some(0.0));
    // Window 30d = [20, 50]: #3 (9d) and #7 (30d). p50 rank 1 → 9d, p90 rank 2 → 30d.
    let win = fix_stats(&i, &c, &Span::ending_now(50 * D, 30 * D), bugs);
    assert_eq!(win.fix_time.p50, Some(9 * D));
    assert_eq!(win.fix_time.p90, Some(30 * D));
    assert_eq!(win.within_slo, Some(0.0)); // both high, both over 7d
    assert_eq!(win.with_objective, 2);
    assert_eq!(
        win.missed_objective
            .iter()
            .map(|x| x.number)
            .collect::<Vec<_>>(),
        [7, 3]
    );
}

#[test]
fn open_bugs_at_the_evaluation_time() {
    let (_, i, c) = fixture();
    let o = open_bugs(&i, &c, 50 * D);
    // #2 (none, 38d) and #6 (critical, 5d, over its 2d objective). #7 closed at 50.
    assert_eq!(o.total, 2);
    assert_eq!(o.severity("critical"), 1);
    assert_eq!(o.severity("high"), 0);
    assert_eq!(o.severity("none"), 1);
    assert_eq!(o.overdue, 1);
    assert_eq!(o.oldest_age, Some(38 * D));
    assert_eq!(
        o.by_severity.keys().collect::<Vec<_>>(),
        ["critical", "high", "none"]
    );
    // At day 35: #2 (23d) and #7 (high, created 20, closed 50: open then, 15d > 7d).
    let o = open_bugs(&i, &c, 35 * D);
    assert_eq!((o.total, o.severity("high"), o.overdue), (2, 1, 1));
    assert_eq!(o.overdue_bugs[0].number, 7);
}

#[test]
fn incidents_mark_failed_releases_and_restore_time() {
    let (r, i, c) = fixture();
    let w = release_windows(&r, 50 * D);
    let failed: Vec<Vec<u64>> = w.iter().map(|s| incidents_in(&i, &c, s)).collect();
    assert_eq!(failed, [vec![], vec![], vec![], vec![5]]); // #8 is a duplicate
    let ttr = fix_stats(&i, &c, &Span::ending_now(50 * D, 30 * D), |x| {
        c.is_incident(x)
    });
    assert_eq!(ttr.fix_times, [7_200]);
}

#[test]
fn pr_cycle_time_counts_merged_prs_in_the_window() {
    let pr = |number, created: i64, merged: Option<i64>| PullRequest {
        number,
        title: String::new(),
        url: String::new(),
        labels: vec![],
        created_at: created,
        merged_at: merged,
        merge_commit_sha: None,
        base: "main".into(),
    };
    let pulls = [
        pr(1, 0, Some(D)),
        pr(2, 5 * D, Some(8 * D)),
        pr(3, 5 * D, None),
        pr(4, 9 * D, Some(9 * D + 60)),
    ];
    // Window [2d, 10d]: #2 (3d) and #4 (1m). p50 → 1m, p90 → 3d.
    let s = pr_cycle(&pulls, &Span::ending_now(10 * D, 8 * D));
    assert_eq!(s.cycle_time.count, 2);
    assert_eq!(s.cycle_time.p50, Some(60));
    assert_eq!(s.cycle_time.p90, Some(3 * D));
}

#[test]
fn label_usage_ranks_labels() {
    let (_, i, _) = fixture();
    let top = label_usage(&i, 3);
    // Valid issues only (#4 not planned, #8 duplicate are left out); `Bug` and `bug`
    // count together under the more common spelling: #1, #2, #3, #6, #7 = 5.
    assert_eq!(top[0], ("bug".to_string(), 5));
    assert_eq!(top[1], ("high".to_string(), 2));
    assert!(!top.iter().any(|(l, _)| l == "regression"));
}

#[test]
fn regressions_are_told_from_incidents() {
    let (r, mut i, c) = fixture();
    // #9 regression only, #10 both labels (an incident), in v1.2.0's window [40, 50].
    i.push(issue(9, &["regression"], 42 * D, None, None));
    i.push(issue(10, &["regression", "incident"], 43 * D, None, None));
    let w = release_windows(&r, 50 * D);
    assert_eq!(incidents_in(&i, &c, &w[3]), [5, 9, 10]);
    assert_eq!(regressions_in(&i, &c, &w[3]), [9]);
    // #8 (regression, duplicate) is counted nowhere.
    assert_eq!(regressions_in(&i, &c, &w[1]), Vec::<u64>::new());
}

#[test]
fn labels_match_like_their_lowercase_without_copying_ascii_ones() {
    let lowered = vec!["bug".to_string(), "ärger".to_string(), "kelvin".to_string()];
    // ASCII, any case: compared in place.
    assert!(label_in("BUG", &lowered));
    assert!(label_in("Bug", &lowered));
    assert!(!label_in("bugs", &lowered));
    // Not ASCII: lowercased by Unicode's rules, as before (the Kelvin sign is a `k`).
    assert!(label_in("ÄRGER", &lowered));
    assert!(label_in("\u{212A}elvin", &lowered));
    assert!(!label_in("ÄRGERN", &lowered));
}
