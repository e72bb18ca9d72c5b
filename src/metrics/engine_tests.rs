//! Engine tests, hand-computed. Days (D) from the epoch.
//!
//! v1.0.0 @10: changes authored 8, 9        (lead 2d, 1d)
//! v1.0.1 @12: "fix: x" authored 11         (lead 1d)  → v1.0.0 hotfixed (gap 2d ≤ 7d)
//! v1.1.0 @20: authored 13, 15, 19          (lead 7d, 5d, 1d)
//! v1.2.0 @40: authored 39                  (lead 1d)
//! now = 50.

use super::fixture::{D, engine, release as rel};
use super::*;
use crate::model::{Commit, Issue};

fn history() -> GitHistory {
    GitHistory {
        releases: vec![
            rel("v1.0.0", 10, &[(8, "feat: a"), (9, "feat: b")]),
            rel("v1.0.1", 12, &[(11, "fix: x")]),
            rel(
                "v1.1.0",
                20,
                &[(13, "feat: c"), (15, "feat: d"), (19, "docs: e")],
            ),
            rel("v1.2.0", 40, &[(39, "feat: f")]),
        ],
        candidate: crate::model::Candidate {
            head: Some("head".into()),
            base_tag: Some("v1.2.0".into()),
            changes: vec![Commit {
                sha: "c1".into(),
                author_time: 44 * D,
                subject: "fix: late".into(),
            }],
        },
        ..GitHistory::default()
    }
}

#[test]
fn release_rows_git_only() {
    let git = history();
    let policy = Policy::default();
    let e = engine(&git, None, &policy);
    let r0 = e.release(0).expect("v1.0.0");
    assert_eq!(r0.hotfixed_by.as_deref(), Some("v1.0.1"));
    assert!(r0.failed);
    assert_eq!(r0.incidents, None);
    assert_eq!(r0.bugs_found, None);
    let r2 = e.release(2).expect("v1.1.0");
    let ch = r2.changes.expect("loaded");
    assert_eq!(
        (ch.changes, ch.lead_time.p50, ch.lead_time.max),
        (3, Some(5 * D), Some(7 * D))
    );
    assert!(!r2.failed);
    assert!(e.release(3).expect("v1.2.0").provisional);
    let cand = e.candidate();
    assert_eq!(cand.changes.lead_time.max, Some(6 * D));
    assert_eq!(cand.changes.fix_commits, 1);
}

#[test]
fn window_metrics_git_only() {
    let git = history();
    let policy = Policy::default();
    let e = engine(&git, None, &policy);
    // [20, 50]: v1.1.0 (start included) and v1.2.0; 2 releases over 30/7 weeks.
    let w = e.window(Span::ending_now(50 * D, 30 * D));
    assert_eq!(w.releases, ["v1.1.0", "v1.2.0"]);
    assert!((w.release_frequency - 2.0 * 7.0 / 30.0).abs() < 1e-12);
    assert_eq!(w.change_failure_rate, Some(0.0));
    // pooled lead times [1d, 1d, 5d, 7d]: p50 rank 2 → 1d, p90 rank 4 → 7d.
    let ch = w.changes.expect("loaded");
    assert_eq!((ch.lead_time.p50, ch.lead_time.p90), (Some(D), Some(7 * D)));
    // [5, 50]: all 4 releases, v1.0.0 failed → 25%.
    let w = e.window(Span::ending_now(50 * D, 45 * D));
    assert_eq!(w.change_failure_rate, Some(0.25));
    assert_eq!(w.failed_releases, ["v1.0.0"]);
}

#[test]
fn incidents_add_failed_releases_and_bug_metrics_appear() {
    let git = history();
    let policy = Policy::default();
    let issue = |number, labels: &[&str], created: i64, closed: Option<i64>| Issue {
        number,
        title: format!("#{number}"),
        url: String::new(),
        labels: labels.iter().map(|s| s.to_string()).collect(),
        created_at: created,
        closed_at: closed,
        state_reason: None,
        open: closed.is_none(),
        author: String::new(),
    };
    let gh = GithubData {
        repo: "o/r".into(),
        issues: vec![
            issue(1, &["incident"], 41 * D, Some(42 * D)),
            issue(2, &["bug"], 21 * D, None),
            issue(3, &["bug"], 22 * D, Some(25 * D)),
        ],
        ..GithubData::default()
    };
    let e = engine(&git, Some(&gh), &policy);
    let r3 = e.release(3).expect("v1.2.0");
    assert_eq!(r3.incidents, Some(vec![1]));
    assert!(r3.failed);
    // v1.1.0: bugs #2 and #3 created in [20, 40); 3 changes → 66.67 per 100 changes.
    let r2 = e.release(2).expect("v1.1.0");
    assert_eq!(r2.bugs_found, Some(2));
    assert!((r2.defect_rate.expect("rate") - 200.0 / 3.0).abs() < 1e-9);
    assert_eq!(r2.bug_fix.expect("fix").fix_times, [3 * D]);
    // [20, 50]: v1.2.0 failed by incident → 1/2.
    let w = e.window(Span::ending_now(50 * D, 30 * D));
    assert_eq!(w.change_failure_rate, Some(0.5));
    assert_eq!(w.time_to_restore.expect("ttr").fix_times, [D]);
    // 2 bugs over 4 pooled changes → 50 per 100.
    assert_eq!(w.defect_rate, Some(50.0));
    assert_eq!(e.open_bugs().expect("open").total, 1);
    assert!(e.label_notes(true).is_empty());
}

#[test]
fn label_notes_when_no_issue_is_a_bug() {
    let git = history();
    let policy = Policy::default();
    let gh = GithubData {
        issues: vec![Issue {
            number: 1,
            title: String::new(),
            url: String::new(),
            labels: vec!["type: bug".into()],
            created_at: 0,
            closed_at: None,
            state_reason: None,
            open: true,
            author: String::new(),
        }],
        ..GithubData::default()
    };
    let e = engine(&git, Some(&gh), &policy);
    // The note names the label most used instead (its wording: report::notes).
    assert_eq!(
        e.label_notes(false),
        [LabelNote::NoBugLabel {
            labels: vec!["bug".into()],
            most_used: vec![("type: bug".into(), 1)],
        }]
    );
}
