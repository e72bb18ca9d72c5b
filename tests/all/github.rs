//! Integration tests: GitHub fetch, cache and publishing against the fake GitHub in
//! `mockhub.rs` (a local wiremock server; no network).

use crate::mockhub::{
    HUB_EPOCH, HubAuthor, HubIssue, HubPull, HubToken, LinkTrick, MockHub, Seen,
    primary_rate_limit, secondary_rate_limit, status,
};
use pretty_assertions::assert_eq;
use slipgate::collect::github::{FetchStats, fetch};
use slipgate::github::{GithubConfig, GithubError, RetryPolicy};
use slipgate::model::{GithubData, Issue, PullRequest};
use slipgate::publish::github::{
    CommentOutcome, IssueOutcome, upsert_comment, upsert_comment_with, upsert_issue,
};
use slipgate::store::runs::{record_test_run, test_history};
use std::path::{Path, PathBuf};
use std::time::Duration;
use wiremock::ResponseTemplate;

const REPO: &str = "octocat/hello";
const HOUR: i64 = 3600;
const DAY: i64 = 86_400;
/// Data starts 400 days before the fake's clock.
const T0: i64 = HUB_EPOCH - 400 * DAY;
const SECRET: &str = "ghp_SlipgateTestSecret0123456789";

fn config(hub: &MockHub, cache: Option<PathBuf>) -> GithubConfig {
    let mut cfg = GithubConfig::new(REPO);
    cfg.api_url = hub.uri();
    cfg.cache_path = cache;
    cfg.request_timeout = Duration::from_secs(5);
    cfg.retry = RetryPolicy {
        attempts: 3,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(40),
    };
    cfg
}

/// 230 issues and 120 pull requests (numbers 231..=350), one hour apart.
///
/// Issue n: created T0 + n h; labels by n: 3 | n → `Bug`, 5 | n → `bug` and `P1`,
/// 7 | n → `Incident`; closed when 4 | n, one day after creation, as `not_planned` when
/// 8 | n, else `completed`, except 4 | n with 12 | n (and not 8 | n): no state_reason.
/// Pull request n: created T0 + n h; merged two hours later when n is even; base
/// `release/1.x` when 10 | n, else `main`.
fn seed(hub: &MockHub) {
    let issues = (1..=230u64)
        .map(|n| {
            let created = T0 + n as i64 * HOUR;
            let mut labels = Vec::new();
            if n % 3 == 0 {
                labels.push("Bug");
            }
            if n % 5 == 0 {
                labels.extend(["bug", "P1"]);
            }
            if n % 7 == 0 {
                labels.push("Incident");
            }
            let mut issue = HubIssue::new(n, created).labels(&labels);
            if n % 4 == 0 {
                let reason = if n % 8 == 0 {
                    Some("not_planned")
                } else if n % 12 == 0 {
                    None
                } else {
                    Some("completed")
                };
                issue = issue.closed(created + DAY, reason);
            }
            issue
        })
        .collect();
    let pulls = (231..=350u64)
        .map(|n| {
            let created = T0 + n as i64 * HOUR;
            let mut pull = HubPull::new(n, created);
            if n % 2 == 0 {
                pull = pull.merged(created + 2 * HOUR);
            }
            if n % 10 == 0 {
                pull = pull.base("release/1.x");
            }
            pull
        })
        .collect();
    hub.extend(issues, pulls);
}

async fn fetch_ok(cfg: &GithubConfig) -> (GithubData, FetchStats) {
    match fetch(cfg).await {
        Ok(result) => result,
        Err(err) => panic!("fetch failed: {err}"),
    }
}

fn since(seen: &[Seen], mark: usize) -> Vec<Seen> {
    seen.iter().skip(mark).cloned().collect()
}

fn issue(data: &GithubData, number: u64) -> &Issue {
    data.issues
        .iter()
        .find(|i| i.number == number)
        .unwrap_or_else(|| panic!("issue #{number} missing"))
}

fn pull(data: &GithubData, number: u64) -> &PullRequest {
    data.pulls
        .iter()
        .find(|p| p.number == number)
        .unwrap_or_else(|| panic!("pull request #{number} missing"))
}

#[tokio::test]
async fn cold_fetch_reads_every_page_and_keeps_issues_apart_from_pull_requests() {
    let hub = MockHub::start(REPO).await;
    seed(&hub);
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&hub, Some(dir.path().join(".slipgate/cache.db")));

    let (data, stats) = fetch_ok(&cfg).await;

    // The issues list holds 230 issues + 120 pull requests = 350 items: 4 pages of 100;
    // the pull request list 120 items: 2 pages. 4 + 2 = 6 requests, none conditional.
    assert_eq!(stats.requests, 6);
    assert_eq!(stats.not_modified, 0);
    assert!(stats.issues_full && stats.pulls_full && stats.cache_used);
    let seen = hub.requests().await;
    let issue_pages = seen.iter().filter(|s| s.path.ends_with("/issues")).count();
    let pull_pages = seen.iter().filter(|s| s.path.ends_with("/pulls")).count();
    assert_eq!((issue_pages, pull_pages), (4, 2));
    assert!(seen.iter().all(|s| s.if_none_match.is_none()));
    assert!(seen.iter().any(|s| s.query.contains("page=4")));

    assert_eq!(data.repo, REPO);
    assert_eq!(data.issues.len(), 230);
    assert_eq!(data.pulls.len(), 120);
    assert!(data.issues.iter().all(|i| i.number <= 230));
    assert!(data.pulls.iter().all(|p| p.number > 230));
    // Sorted by number.
    assert_eq!(data.issues.first().map(|i| i.number), Some(1));
    assert_eq!(data.issues.last().map(|i| i.number), Some(230));

    // Issue 15: 3 | 15 and 5 | 15 → labels Bug, bug, P1 (case kept); open.
    let i15 = issue(&data, 15);
    assert_eq!(i15.labels, vec!["Bug", "bug", "P1"]);
    assert!(i15.open);
    assert_eq!(i15.created_at, T0 + 15 * HOUR);
    assert_eq!(i15.closed_at, None);
    assert_eq!(i15.title, "Issue 15");
    assert_eq!(i15.url, "https://github.com/octocat/hello/issues/15");
    // Issue 8: closed one day after creation as not_planned; no labels.
    let i8 = issue(&data, 8);
    assert_eq!(i8.state_reason.as_deref(), Some("not_planned"));
    assert_eq!(i8.closed_at, Some(T0 + 8 * HOUR + DAY));
    assert!(!i8.open && i8.labels.is_empty());
    // Issue 12: 4 | 12, 12 | 12, not 8 | 12 → closed without state_reason; 3 | 12 → Bug.
    let i12 = issue(&data, 12);
    assert_eq!(i12.state_reason, None);
    assert_eq!(i12.closed_at, Some(T0 + 12 * HOUR + DAY));
    assert_eq!(i12.labels, vec!["Bug"]);
    // Issue 20: 4 | 20, not 8 | 20, not 12 | 20 → completed; 5 | 20 → bug, P1.
    assert_eq!(issue(&data, 20).state_reason.as_deref(), Some("completed"));
    // 8 | n for n ≤ 230: 28 issues closed as not_planned.
    let not_planned = data
        .issues
        .iter()
        .filter(|i| i.state_reason.as_deref() == Some("not_planned"))
        .count();
    assert_eq!(not_planned, 28);

    // Pull request 240: even → merged 2 h after creation; 10 | 240 → release/1.x.
    let p240 = pull(&data, 240);
    assert_eq!(p240.created_at, T0 + 240 * HOUR);
    assert_eq!(p240.merged_at, Some(T0 + 240 * HOUR + 2 * HOUR));
    assert_eq!(
        p240.merge_commit_sha.as_deref(),
        Some(format!("{:040x}", 240).as_str())
    );
    assert_eq!(p240.base, "release/1.x");
    assert_eq!(p240.url, "https://github.com/octocat/hello/pull/240");
    // Pull request 241: odd → open, not merged, into main.
    assert_eq!(pull(&data, 241).merged_at, None);
    assert_eq!(pull(&data, 241).base, "main");
    // 60 even numbers in 231..=350.
    assert_eq!(
        data.pulls.iter().filter(|p| p.merged_at.is_some()).count(),
        60
    );

    // No token: flagged, with one warning about the 60-per-hour limit.
    assert!(data.unauthenticated);
    assert_eq!(data.warnings.len(), 1, "{:?}", data.warnings);
    assert!(data.warnings[0].contains("60 per hour"));
}

#[tokio::test]
async fn warm_run_with_nothing_new_makes_only_conditional_requests() {
    let hub = MockHub::start(REPO).await;
    seed(&hub);
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&hub, Some(dir.path().join("cache.db")));
    let (cold, _) = fetch_ok(&cfg).await;
    let mark = hub.requests().await.len();

    let (warm, stats) = fetch_ok(&cfg).await;

    // One conditional first page per list, both 304.
    assert_eq!(stats.requests, 2);
    assert_eq!(stats.not_modified, 2);
    assert_eq!((stats.issues_received, stats.pulls_received), (0, 0));
    assert!(!stats.issues_full && !stats.pulls_full);
    let seen = since(&hub.requests().await, mark);
    assert_eq!(seen.len(), 2);
    assert!(seen.iter().all(|s| s.if_none_match.is_some()), "{seen:?}");
    assert_eq!(warm.issues, cold.issues);
    assert_eq!(warm.pulls, cold.pulls);
}

#[tokio::test]
async fn warm_run_after_one_issue_changed_picks_up_exactly_that_change() {
    let hub = MockHub::start(REPO).await;
    seed(&hub);
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&hub, Some(dir.path().join("cache.db")));
    let (cold, _) = fetch_ok(&cfg).await;

    // Issue 7 (open, Incident) is closed as completed and relabelled now.
    let now = HUB_EPOCH;
    hub.update_issue(7, |i| {
        i.closed_at = Some(now);
        i.state_reason = Some("completed".into());
        i.labels = vec!["incident".into(), "sev1".into()];
        i.updated_at = now;
    });
    let mark = hub.requests().await.len();
    let (warm, stats) = fetch_ok(&cfg).await;

    // Issues: the probe is answered 200; its first page, newest-updated first, starts
    // with issue 7 and goes on with items older than the watermark (pull request 350,
    // merged at T0 + 352 h) minus 5 minutes, so no second page. Pull requests: 304.
    assert_eq!(stats.requests, 2);
    assert_eq!(stats.not_modified, 1);
    let seen = since(&hub.requests().await, mark);
    assert!(seen.iter().all(|s| !s.query.contains("page=2")), "{seen:?}");
    // The first page holds 100 items; 99 of them are issues or pull requests already
    // known, all received again (the page is read whole).
    assert_eq!(stats.issues_received, cold_issues_on_first_page(&cold, now));

    let i7 = issue(&warm, 7);
    assert_eq!(i7.closed_at, Some(now));
    assert!(!i7.open);
    assert_eq!(i7.state_reason.as_deref(), Some("completed"));
    assert_eq!(i7.labels, vec!["incident", "sev1"]);
    // Every other issue and every pull request is as before.
    let others = |d: &GithubData| -> Vec<Issue> {
        d.issues.iter().filter(|i| i.number != 7).cloned().collect()
    };
    assert_eq!(others(&warm), others(&cold));
    assert_eq!(warm.pulls, cold.pulls);

    // And the run after that is conditional again: 2 requests, both 304.
    let (_, stats) = fetch_ok(&cfg).await;
    assert_eq!((stats.requests, stats.not_modified), (2, 2));
}

/// How many issues (not pull requests) the first page of the issues list, newest-updated
/// first, holds once issue 7 was updated at `now`: issue 7, then the 99 most recently
/// updated other items, of which the pull requests are dropped.
fn cold_issues_on_first_page(cold: &GithubData, now: i64) -> usize {
    // Recompute from the seed rather than trusting the code under test: updated_at of an
    // issue is its closing time when closed, else its creation time; of a pull request,
    // its merge time when merged, else its creation time.
    let mut rows: Vec<(i64, u64, bool)> = Vec::new();
    for i in &cold.issues {
        let updated = if i.number == 7 {
            now
        } else {
            i.closed_at.unwrap_or(i.created_at)
        };
        rows.push((updated, i.number, true));
    }
    for p in &cold.pulls {
        rows.push((p.merged_at.unwrap_or(p.created_at), p.number, false));
    }
    rows.sort();
    rows.reverse();
    rows.iter().take(100).filter(|r| r.2).count()
}

#[tokio::test]
async fn a_new_issue_and_a_merged_pull_request_show_up_on_the_next_run() {
    let hub = MockHub::start(REPO).await;
    seed(&hub);
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&hub, Some(dir.path().join("cache.db")));
    fetch_ok(&cfg).await;

    hub.add_issue(HubIssue::new(351, HUB_EPOCH).labels(&["BUG"]));
    hub.update_pull(241, |p| {
        p.merged_at = Some(HUB_EPOCH + 60);
        p.closed_at = Some(HUB_EPOCH + 60);
        p.updated_at = HUB_EPOCH + 60;
    });
    let (data, stats) = fetch_ok(&cfg).await;

    // Both lists changed: one 200 first page each, no 304.
    assert_eq!((stats.requests, stats.not_modified), (2, 0));
    assert_eq!(data.issues.len(), 231);
    assert_eq!(issue(&data, 351).labels, vec!["BUG"]);
    assert_eq!(pull(&data, 241).merged_at, Some(HUB_EPOCH + 60));
    assert_eq!(data.pulls.len(), 120);
}

#[tokio::test]
async fn many_changes_are_read_over_several_pages_until_known_items() {
    let hub = MockHub::start(REPO).await;
    seed(&hub);
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&hub, Some(dir.path().join("cache.db")));
    fetch_ok(&cfg).await;

    // 150 issues (1..=150) get a new title, one second apart.
    for n in 1..=150u64 {
        hub.update_issue(n, |i| {
            i.title = format!("Renamed {n}");
            i.updated_at = HUB_EPOCH + n as i64;
        });
    }
    let (data, stats) = fetch_ok(&cfg).await;

    // Issues list: 150 changed items fill page 1 and half of page 2, whose rest is older
    // than the watermark: 2 pages. Pull requests: 304. 3 requests in all.
    assert_eq!((stats.requests, stats.not_modified), (3, 1));
    assert!(
        data.issues
            .iter()
            .filter(|i| i.number <= 150)
            .all(|i| i.title.starts_with("Renamed"))
    );
    assert_eq!(issue(&data, 151).title, "Issue 151");
}

#[tokio::test]
async fn items_that_reach_the_list_late_within_the_margin_are_not_missed() {
    let hub = MockHub::start(REPO).await;
    seed(&hub);
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&hub, Some(dir.path().join("cache.db")));
    fetch_ok(&cfg).await;
    // Watermark of the issues list: pull request 350, merged at T0 + 352 h.
    let w = T0 + 352 * HOUR;

    // 98 ordinary changes (issues 1..=98, now), plus two that GitHub lists late, with
    // `updated_at` just before the watermark: issue 99 (w − 50 s) and a new issue 400
    // (w − 100 s). Newest first, page 1 holds the 98, pull request 350 (= w) and issue
    // 99; page 2 starts with issue 400, then items older than w − 5 min: stop there.
    for n in 1..=98u64 {
        hub.update_issue(n, |i| i.updated_at = HUB_EPOCH + n as i64);
    }
    hub.update_issue(99, |i| {
        i.title = "late 99".into();
        i.updated_at = w - 50;
    });
    hub.add_issue(HubIssue::new(400, w - 100).title("late arrival"));
    let (data, stats) = fetch_ok(&cfg).await;

    // 2 issue pages + 1 pull request probe (304). Stopping at the first item older than
    // the watermark itself (issue 99, on page 1) would have missed issue 400.
    assert_eq!((stats.requests, stats.not_modified), (3, 1));
    assert_eq!(issue(&data, 99).title, "late 99");
    assert_eq!(issue(&data, 400).title, "late arrival");
}

#[tokio::test]
async fn a_failed_run_leaves_the_previous_cache_as_it_was() {
    let hub = MockHub::start(REPO).await;
    seed(&hub);
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&hub, Some(dir.path().join("cache.db")));
    fetch_ok(&cfg).await;

    hub.update_issue(5, |i| {
        i.title = "changed".into();
        i.updated_at = HUB_EPOCH;
    });
    // The issues list is read, then the pull request list fails 3 times: no write.
    hub.fail_next(
        "GET",
        "/repos/octocat/hello/pulls",
        3,
        status(503, "Service Unavailable"),
    )
    .await;
    assert!(fetch(&cfg).await.is_err());

    // The next run still sees issue 5 as a change (the failed run stored no new ETag or
    // watermark): issues probe 200, pull requests 304.
    let (data, stats) = fetch_ok(&cfg).await;
    assert_eq!((stats.requests, stats.not_modified), (2, 1));
    assert_eq!(issue(&data, 5).title, "changed");
    assert_eq!(data.issues.len(), 230);
}

#[tokio::test]
async fn without_a_cache_every_run_reads_everything() {
    let hub = MockHub::start(REPO).await;
    seed(&hub);
    let cfg = config(&hub, None);
    let (first, s1) = fetch_ok(&cfg).await;
    let (second, s2) = fetch_ok(&cfg).await;
    // 6 requests each (see the cold test), never conditional.
    assert_eq!((s1.requests, s2.requests), (6, 6));
    assert!(!s1.cache_used && !s2.cache_used);
    assert!(
        hub.requests()
            .await
            .iter()
            .all(|s| s.if_none_match.is_none())
    );
    assert_eq!(first.issues, second.issues);
}

#[tokio::test]
async fn a_corrupt_cache_is_rebuilt_with_a_warning() {
    let hub = MockHub::start(REPO).await;
    seed(&hub);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.db");
    std::fs::write(&path, vec![0xA5u8; 8192]).unwrap();
    let cfg = config(&hub, Some(path.clone()));

    let (data, stats) = fetch_ok(&cfg).await;
    assert_eq!(stats.requests, 6);
    assert_eq!(data.issues.len(), 230);
    let warning = data
        .warnings
        .iter()
        .find(|w| w.contains("cache"))
        .expect("a cache warning");
    assert!(warning.contains("moved it to"), "{warning}");
    assert!(dir.path().join("cache.db.bak").exists());

    // The rebuilt cache works: the next run is 2 conditional requests.
    let (again, stats) = fetch_ok(&cfg).await;
    assert_eq!((stats.requests, stats.not_modified), (2, 2));
    assert!(again.warnings.iter().all(|w| !w.contains("cache")));
}

#[tokio::test]
async fn a_cache_from_another_schema_version_is_rebuilt() {
    let hub = MockHub::start(REPO).await;
    hub.add_issue(HubIssue::new(1, T0));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        // A slipgate cache ("slgt") from a future schema 99.
        conn.execute_batch(
            "CREATE TABLE future (x); PRAGMA application_id = 1936484212; PRAGMA user_version = 99;",
        )
        .unwrap();
    }
    let (data, stats) = fetch_ok(&config(&hub, Some(path))).await;
    // 1 item: one page per list.
    assert_eq!(stats.requests, 2);
    assert_eq!(data.issues.len(), 1);
    assert!(
        data.warnings
            .iter()
            .any(|w| w.contains("schema version 99")),
        "{:?}",
        data.warnings
    );
}

#[tokio::test]
async fn one_cache_file_holds_two_repositories() {
    let a = MockHub::start("octocat/alpha").await;
    let b = MockHub::start("octocat/beta").await;
    a.add_issue(HubIssue::new(1, T0).title("alpha one"));
    b.add_issue(HubIssue::new(1, T0).title("beta one"));
    b.add_issue(HubIssue::new(2, T0 + HOUR).title("beta two"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.db");
    let mut cfg_a = config(&a, Some(path.clone()));
    cfg_a.repo = "octocat/alpha".into();
    let mut cfg_b = config(&b, Some(path));
    cfg_b.repo = "octocat/beta".into();

    fetch_ok(&cfg_a).await;
    fetch_ok(&cfg_b).await;
    let (da, sa) = fetch_ok(&cfg_a).await;
    let (db, sb) = fetch_ok(&cfg_b).await;
    assert_eq!((sa.requests, sa.not_modified), (2, 2));
    assert_eq!((sb.requests, sb.not_modified), (2, 2));
    let titles = |d: &GithubData| d.issues.iter().map(|i| i.title.clone()).collect::<Vec<_>>();
    assert_eq!(titles(&da), vec!["alpha one"]);
    assert_eq!(titles(&db), vec!["beta one", "beta two"]);
}

#[tokio::test]
async fn the_token_goes_with_every_page_and_never_into_output() {
    let hub = MockHub::start(REPO).await;
    seed(&hub);
    hub.require_token(SECRET);
    let mut cfg = config(&hub, None);
    cfg.token = Some(SECRET.to_string());
    let (data, stats) = fetch_ok(&cfg).await;
    assert!(!data.unauthenticated);
    assert!(data.warnings.is_empty(), "{:?}", data.warnings);
    let seen = hub.requests().await;
    assert_eq!(seen.len(), 6);
    // Pages reached through `Link` carry the token too.
    let expected = format!("Bearer {SECRET}");
    assert!(
        seen.iter()
            .all(|s| s.authorization.as_deref() == Some(expected.as_str()))
    );
    assert!(!format!("{cfg:?} {stats:?} {data:?}").contains(SECRET));
    // The fake counts 6 requests against 5000 for this token.
    assert_eq!(stats.rate_remaining, Some(5000 - 6));
}

fn assert_no_secret(err: &GithubError) {
    let text = format!("{err} | {err:?}");
    assert!(!text.contains(SECRET), "token leaked: {text}");
    assert!(!text.contains("SlipgateTestSecret"), "token leaked: {text}");
}

async fn fetch_err(cfg: &GithubConfig) -> GithubError {
    match fetch(cfg).await {
        Ok(_) => panic!("fetch should fail"),
        Err(err) => {
            assert_no_secret(&err);
            err
        }
    }
}

#[tokio::test]
async fn bad_token_is_401_invalid_or_expired() {
    let hub = MockHub::start(REPO).await;
    hub.require_token("ghp_the_right_one");
    let mut cfg = config(&hub, None);
    cfg.token = Some(SECRET.to_string());
    let err = fetch_err(&cfg).await;
    assert!(matches!(err, GithubError::Unauthorized { .. }), "{err:?}");
    assert!(
        err.to_string().contains("the token is invalid or expired"),
        "{err}"
    );
}

#[tokio::test]
async fn unknown_repository_is_404_with_the_name() {
    let hub = MockHub::start(REPO).await;
    let mut cfg = config(&hub, None);
    cfg.repo = "octocat/nope".into();
    cfg.token = Some(SECRET.to_string());
    let err = fetch_err(&cfg).await;
    assert!(matches!(err, GithubError::NotFound { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("octocat/nope does not exist or the token cannot see it"),
        "{err}"
    );
}

#[tokio::test]
async fn private_repository_without_token_suggests_one() {
    let hub = MockHub::start(REPO).await;
    hub.set_private(true);
    let err = fetch_err(&config(&hub, None)).await;
    assert!(err.to_string().contains("set GITHUB_TOKEN"), "{err}");
}

#[tokio::test]
async fn forbidden_without_rate_limit_names_the_permission() {
    let hub = MockHub::start(REPO).await;
    hub.fail_next(
        "GET",
        "/repos/octocat/hello/issues",
        1,
        status(403, "Resource not accessible by integration"),
    )
    .await;
    let mut cfg = config(&hub, None);
    cfg.token = Some(SECRET.to_string());
    let err = fetch_err(&cfg).await;
    assert!(err.is_forbidden(), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("`issues: read`"), "{text}");
    assert!(
        text.contains("Resource not accessible by integration"),
        "{text}"
    );
}

#[tokio::test]
async fn primary_rate_limit_with_reset_in_the_past_is_retried_at_once() {
    let hub = MockHub::start(REPO).await;
    hub.add_issue(HubIssue::new(1, T0));
    let now = chrono::Utc::now().timestamp();
    hub.fail_next(
        "GET",
        "/repos/octocat/hello/issues",
        1,
        primary_rate_limit(now - 10),
    )
    .await;
    let (data, stats) = fetch_ok(&config(&hub, None)).await;
    // 1 refused + 1 retried issues request + 1 pulls request.
    assert_eq!((stats.requests, stats.retries), (3, 1));
    assert!(stats.waited_ms < 1000, "{stats:?}");
    assert_eq!(data.issues.len(), 1);
}

#[tokio::test]
async fn primary_rate_limit_resetting_soon_is_waited_out() {
    let hub = MockHub::start(REPO).await;
    hub.add_issue(HubIssue::new(1, T0));
    let now = chrono::Utc::now().timestamp();
    hub.fail_next(
        "GET",
        "/repos/octocat/hello/pulls",
        1,
        primary_rate_limit(now + 2),
    )
    .await;
    let started = std::time::Instant::now();
    let (data, stats) = fetch_ok(&config(&hub, None)).await;
    // Waits until the reset (1 or 2 s away, depending on when the second ticks) plus 1 s
    // slack: at least 2 s.
    assert!(started.elapsed() >= Duration::from_secs(2));
    assert!(stats.waited_ms >= 2000, "{stats:?}");
    assert_eq!((stats.requests, stats.retries), (3, 1));
    assert_eq!(data.issues.len(), 1);
}

#[tokio::test]
async fn primary_rate_limit_far_away_stops_with_the_reset_time_and_advice() {
    let hub = MockHub::start(REPO).await;
    let now = chrono::Utc::now().timestamp();
    let reset = now + 3600;
    hub.fail_next(
        "GET",
        "/repos/octocat/hello/issues",
        5,
        primary_rate_limit(reset),
    )
    .await;
    let err = fetch_err(&config(&hub, None)).await;
    assert!(matches!(err, GithubError::RateLimited { .. }), "{err:?}");
    let text = err.to_string();
    let reset_text = chrono::DateTime::from_timestamp(reset, 0)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert!(text.contains(&reset_text), "{text}");
    assert!(
        text.contains("60 requests per hour without a token"),
        "{text}"
    );
    assert!(text.contains("set GITHUB_TOKEN"), "{text}");
    assert!(text.contains("--cache"), "{text}");
    // No waiting: exactly one request to the issues list.
    let issue_requests = hub
        .requests()
        .await
        .iter()
        .filter(|s| s.path.ends_with("/issues"))
        .count();
    assert_eq!(issue_requests, 1);
}

#[tokio::test]
async fn secondary_rate_limit_honours_retry_after() {
    let hub = MockHub::start(REPO).await;
    hub.add_pull(HubPull::new(1, T0));
    hub.fail_next(
        "GET",
        "/repos/octocat/hello/issues",
        1,
        secondary_rate_limit(1),
    )
    .await;
    let started = std::time::Instant::now();
    let (data, stats) = fetch_ok(&config(&hub, None)).await;
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(
        (stats.requests, stats.retries, stats.waited_ms),
        (3, 1, 1000)
    );
    assert_eq!(data.pulls.len(), 1);
}

#[tokio::test]
async fn secondary_rate_limit_longer_than_max_wait_stops() {
    let hub = MockHub::start(REPO).await;
    hub.fail_next(
        "GET",
        "/repos/octocat/hello/issues",
        1,
        secondary_rate_limit(120),
    )
    .await;
    let mut cfg = config(&hub, None);
    cfg.max_wait = Duration::from_secs(30);
    let err = fetch_err(&cfg).await;
    assert!(
        matches!(
            err,
            GithubError::SecondaryRateLimit {
                retry_after_secs: 120,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("wait 120s, longer than the 30s"),
        "{err}"
    );
}

#[tokio::test]
async fn server_errors_are_retried_then_succeed() {
    let hub = MockHub::start(REPO).await;
    seed(&hub);
    hub.fail_next(
        "GET",
        "/repos/octocat/hello/issues",
        2,
        status(502, "Server Error"),
    )
    .await;
    let (data, stats) = fetch_ok(&config(&hub, None)).await;
    // 6 pages + 2 retried 502s = 8 requests; backoff 10 ms then 20 ms.
    assert_eq!((stats.requests, stats.retries, stats.waited_ms), (8, 2, 30));
    assert_eq!(data.issues.len(), 230);
}

#[tokio::test]
async fn server_errors_give_up_after_three_attempts() {
    let hub = MockHub::start(REPO).await;
    hub.fail_next(
        "GET",
        "/repos/octocat/hello/pulls",
        10,
        status(503, "Service Unavailable"),
    )
    .await;
    let err = fetch_err(&config(&hub, None)).await;
    assert!(
        matches!(
            err,
            GithubError::Server {
                status: 503,
                attempts: 3,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("HTTP 503 after 3 attempt(s)"),
        "{err}"
    );
    let pulls = hub
        .requests()
        .await
        .iter()
        .filter(|s| s.path.ends_with("/pulls"))
        .count();
    assert_eq!(pulls, 3);
}

#[tokio::test]
async fn a_slow_answer_times_out_and_is_retried() {
    let hub = MockHub::start(REPO).await;
    hub.add_issue(HubIssue::new(1, T0));
    hub.fail_next(
        "GET",
        "/repos/octocat/hello/issues",
        1,
        ResponseTemplate::new(200)
            .set_body_string("[]")
            .set_delay(Duration::from_secs(3)),
    )
    .await;
    let mut cfg = config(&hub, None);
    cfg.request_timeout = Duration::from_millis(300);
    let (data, stats) = fetch_ok(&cfg).await;
    assert_eq!((stats.requests, stats.retries), (3, 1));
    assert_eq!(data.issues.len(), 1);
}

#[tokio::test]
async fn nobody_listening_is_a_transport_error() {
    // Bind a port, then free it: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut cfg = GithubConfig::new(REPO);
    cfg.api_url = format!("http://127.0.0.1:{port}");
    cfg.token = Some(SECRET.into());
    cfg.retry = RetryPolicy {
        attempts: 2,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(5),
    };
    let err = fetch_err(&cfg).await;
    assert!(
        matches!(err, GithubError::Transport { attempts: 2, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("cannot reach GitHub"), "{err}");
}

#[tokio::test]
async fn an_answer_that_is_not_json_is_a_decode_error() {
    let hub = MockHub::start(REPO).await;
    hub.fail_next(
        "GET",
        "/repos/octocat/hello/issues",
        1,
        ResponseTemplate::new(200).set_body_string("<html>proxy login</html>"),
    )
    .await;
    let err = fetch_err(&config(&hub, None)).await;
    assert!(matches!(err, GithubError::Decode { .. }), "{err:?}");
    assert!(
        err.to_string().contains("list the issues of octocat/hello"),
        "{err}"
    );
}

#[tokio::test]
async fn github_enterprise_path_prefix_is_kept_on_every_page() {
    let hub = MockHub::start(REPO).await;
    seed(&hub);
    hub.set_prefix("/api/v3");
    let mut cfg = config(&hub, None);
    cfg.api_url = format!("{}/api/v3/", hub.uri());
    cfg.token = Some(SECRET.into());
    let (data, stats) = fetch_ok(&cfg).await;
    // Same 6 pages as the cold test, every one under /api/v3 and with the token.
    assert_eq!(stats.requests, 6);
    assert_eq!(data.issues.len(), 230);
    let seen = hub.requests().await;
    assert!(
        seen.iter().all(
            |s| s.path.starts_with("/api/v3/repos/octocat/hello/") && s.authorization.is_some()
        ),
        "{seen:?}"
    );
}

// ---------------------------------------------------------------- publishing

const MARKER: &str = "<!-- slipgate:report -->";

#[tokio::test]
async fn comment_is_created_then_updated_never_duplicated() {
    let hub = MockHub::start(REPO).await;
    hub.add_pull(HubPull::new(42, T0));
    // 120 earlier comments by people: the list takes two pages.
    for n in 0..120 {
        hub.add_comment(42, &format!("LGTM {n}"));
    }
    let mut cfg = config(&hub, None);
    cfg.token = Some(SECRET.into());

    let first = upsert_comment(&cfg, 42, MARKER, "Gate: pass")
        .await
        .unwrap();
    let CommentOutcome::Created(id, url) = first else {
        panic!("expected Created, got {first:?}");
    };
    assert!(url.ends_with(&format!("#issuecomment-{id}")), "{url}");
    let mark = hub.requests().await.len();

    let second = upsert_comment(&cfg, 42, MARKER, "Gate: fail")
        .await
        .unwrap();
    assert_eq!(second, CommentOutcome::Updated(id, url.clone()));
    // 121 comments now: 2 list pages, then one PATCH of the same comment.
    let seen = since(&hub.requests().await, mark);
    let verbs: Vec<&str> = seen.iter().map(|s| s.method.as_str()).collect();
    assert_eq!(verbs, vec!["GET", "GET", "PATCH"]);
    assert!(seen[2].path.ends_with(&format!("/issues/comments/{id}")));

    let comments = hub.comments(42);
    let ours: Vec<_> = comments
        .iter()
        .filter(|c| c.body.contains(MARKER))
        .collect();
    assert_eq!(ours.len(), 1);
    assert_eq!(ours[0].body, format!("{MARKER}\nGate: fail"));
    assert_eq!(comments.len(), 121);

    // Same body again: nothing is written.
    let mark = hub.requests().await.len();
    let third = upsert_comment(&cfg, 42, MARKER, "Gate: fail")
        .await
        .unwrap();
    assert_eq!(third, CommentOutcome::Unchanged(id, url));
    let seen = since(&hub.requests().await, mark);
    assert!(seen.iter().all(|s| s.method == "GET"), "{seen:?}");
    assert_eq!(hub.comments(42).len(), 121);
}

#[tokio::test]
async fn read_only_token_gets_the_forbidden_variant() {
    let hub = MockHub::start(REPO).await;
    hub.add_pull(HubPull::new(42, T0));
    hub.set_read_only(true);
    let mut cfg = config(&hub, None);
    cfg.token = Some(SECRET.into());
    let err = upsert_comment(&cfg, 42, MARKER, "Gate: pass")
        .await
        .expect_err("read-only");
    assert_no_secret(&err);
    match &err {
        GithubError::Forbidden {
            action, permission, ..
        } => {
            assert_eq!(action, "comment on pull request #42 of octocat/hello");
            assert_eq!(*permission, "pull-requests: write");
        }
        other => panic!("expected Forbidden, got {other:?}"),
    }
    assert!(err.to_string().contains("read-only token"), "{err}");
    // The POST was not retried.
    let posts = hub
        .requests()
        .await
        .iter()
        .filter(|s| s.method == "POST")
        .count();
    assert_eq!(posts, 1);
    assert!(hub.comments(42).is_empty());
}

#[tokio::test]
async fn a_post_is_never_sent_twice_after_a_server_error() {
    let hub = MockHub::start(REPO).await;
    hub.add_pull(HubPull::new(42, T0));
    hub.fail_next(
        "POST",
        "/repos/octocat/hello/issues/42/comments",
        1,
        status(502, "Server Error"),
    )
    .await;
    let err = upsert_comment(&config(&hub, None), 42, MARKER, "x")
        .await
        .expect_err("502");
    assert!(
        matches!(err, GithubError::Server { attempts: 1, .. }),
        "{err:?}"
    );
    let posts = hub
        .requests()
        .await
        .iter()
        .filter(|s| s.method == "POST")
        .count();
    assert_eq!(posts, 1);
}

#[tokio::test]
async fn trend_issue_is_created_then_updated_in_place() {
    let hub = MockHub::start(REPO).await;
    // An old, closed trend issue does not count; an open issue without the marker neither.
    hub.add_issue(
        HubIssue::new(1, T0)
            .labels(&["slipgate"])
            .body(&format!("{MARKER}\nold"))
            .closed(T0 + DAY, Some("completed")),
    );
    hub.add_issue(HubIssue::new(2, T0).labels(&["slipgate"]).body("unrelated"));
    let labels = vec!["slipgate".to_string(), "quality".to_string()];
    let mut cfg = config(&hub, None);
    cfg.token = Some(SECRET.into());

    let first = upsert_issue(&cfg, "Quality trend", MARKER, "week 1", &labels)
        .await
        .unwrap();
    // New issue number: highest existing (2) + 1.
    assert_eq!(
        first,
        IssueOutcome::Created(3, "https://github.com/octocat/hello/issues/3".into())
    );
    let created = hub.issues().into_iter().find(|i| i.number == 3).unwrap();
    assert_eq!(created.labels, labels);
    assert_eq!(created.body, format!("{MARKER}\nweek 1"));

    let mark = hub.requests().await.len();
    let second = upsert_issue(&cfg, "Quality trend", MARKER, "week 2", &labels)
        .await
        .unwrap();
    assert_eq!(
        second,
        IssueOutcome::Updated(3, "https://github.com/octocat/hello/issues/3".into())
    );
    let seen = since(&hub.requests().await, mark);
    // One listing of open issues labelled `slipgate`, one PATCH.
    assert_eq!(seen.len(), 2);
    assert!(seen[0].query.contains("state=open"), "{:?}", seen[0]);
    assert!(seen[0].query.contains("labels=slipgate"), "{:?}", seen[0]);
    assert_eq!(seen[1].method, "PATCH");
    assert_eq!(hub.issues().len(), 3);
    let body = hub
        .issues()
        .into_iter()
        .find(|i| i.number == 3)
        .unwrap()
        .body;
    assert_eq!(body, format!("{MARKER}\nweek 2"));

    let third = upsert_issue(&cfg, "Quality trend", MARKER, "week 2", &labels)
        .await
        .unwrap();
    assert!(matches!(third, IssueOutcome::Unchanged(3, _)), "{third:?}");
}

#[tokio::test]
async fn empty_marker_is_refused() {
    let hub = MockHub::start(REPO).await;
    let err = upsert_comment(&config(&hub, None), 1, " ", "x")
        .await
        .expect_err("empty marker");
    assert!(matches!(err, GithubError::BadMarker));
    assert!(hub.requests().await.is_empty());
}

// ---------------------------------------------------------------- whose comment

/// Requests for `GET /user`.
fn whoami_requests(seen: &[Seen]) -> usize {
    seen.iter().filter(|s| s.path == "/user").count()
}

#[tokio::test]
async fn a_strangers_comment_with_the_marker_is_neither_adopted_nor_read() {
    let hub = MockHub::start(REPO).await;
    hub.add_pull(HubPull::new(42, T0));
    let planted = format!("{MARKER}\nGate: FAIL (3 rules) — planted by someone else");
    let stranger = hub.add_comment_by(42, HubAuthor::person("mallory"), &planted);
    let mut cfg = config(&hub, None);
    // A token of its own: the identity is remembered per API URL and token.
    cfg.token = Some("ghp_identity_personal_0001".into());

    let mut previous = Some("not called".to_string());
    let first = upsert_comment_with(&cfg, 42, MARKER, |prev| {
        previous = prev.map(str::to_string);
        "Gate: pass".to_string()
    })
    .await
    .unwrap();
    // The planted comment is not the previous report, and a new comment is created.
    assert_eq!(previous, None);
    let CommentOutcome::Created(id, _) = first else {
        panic!("expected Created, got {first:?}");
    };
    assert_ne!(id, stranger);

    // The next run updates slipgate's own comment, still not the stranger's.
    let second = upsert_comment(&cfg, 42, MARKER, "Gate: warn")
        .await
        .unwrap();
    assert!(
        matches!(second, CommentOutcome::Updated(i, _) if i == id),
        "{second:?}"
    );
    let comments = hub.comments(42);
    assert_eq!(comments.len(), 2);
    assert_eq!(comments[0].body, planted);
    assert_eq!(comments[1].body, format!("{MARKER}\nGate: warn"));
    assert_eq!(
        comments[1].author,
        HubAuthor::person(crate::mockhub::HUB_LOGIN)
    );
    // `GET /user` asked once for both runs in this process.
    assert_eq!(whoami_requests(&hub.requests().await), 1);
}

#[tokio::test]
async fn an_installation_token_adopts_only_github_actions_bot() {
    let hub = MockHub::start(REPO).await;
    hub.add_pull(HubPull::new(42, T0));
    hub.set_token_kind(HubToken::Installation);
    // A person and another app's bot both carry the marker.
    hub.add_comment_by(42, HubAuthor::person("github-actions-bot"), MARKER);
    hub.add_comment_by(
        42,
        HubAuthor {
            login: "renovate[bot]".into(),
            kind: "Bot".into(),
            app: Some("renovate".into()),
        },
        MARKER,
    );
    let mut cfg = config(&hub, None);
    cfg.token = Some("ghs_identity_installation_0002".into());

    let first = upsert_comment(&cfg, 42, MARKER, "Gate: pass")
        .await
        .unwrap();
    let CommentOutcome::Created(id, _) = first else {
        panic!("expected Created, got {first:?}");
    };
    let second = upsert_comment(&cfg, 42, MARKER, "Gate: fail")
        .await
        .unwrap();
    assert!(
        matches!(second, CommentOutcome::Updated(i, _) if i == id),
        "{second:?}"
    );
    let comments = hub.comments(42);
    assert_eq!(comments.len(), 3);
    assert_eq!(comments[0].body, MARKER);
    assert_eq!(comments[1].body, MARKER);
    assert_eq!(comments[2].author, HubAuthor::actions_bot());
    assert_eq!(comments[2].body, format!("{MARKER}\nGate: fail"));
    // One `GET /user` (answered 403), remembered for the second run.
    assert_eq!(whoami_requests(&hub.requests().await), 1);
}

#[tokio::test]
async fn a_strangers_trend_issue_is_ignored_and_the_identity_is_asked_once() {
    let hub = MockHub::start(REPO).await;
    hub.add_pull(HubPull::new(42, T0));
    hub.add_issue(
        HubIssue::new(1, T0)
            .labels(&["slipgate"])
            .author(HubAuthor::person("mallory"))
            .body(&format!("{MARKER}\nplanted")),
    );
    let mut cfg = config(&hub, None);
    cfg.token = Some("ghp_identity_personal_0003".into());
    let labels = vec!["slipgate".to_string()];

    upsert_comment(&cfg, 42, MARKER, "Gate: pass")
        .await
        .unwrap();
    let issue = upsert_issue(&cfg, "Quality trend", MARKER, "week 1", &labels)
        .await
        .unwrap();
    // A new issue (#43: after pull request 42), the stranger's left as it was.
    assert!(matches!(issue, IssueOutcome::Created(43, _)), "{issue:?}");
    let issues = hub.issues();
    assert_eq!(issues[0].body, format!("{MARKER}\nplanted"));
    assert_eq!(issues[0].title, "Issue 1");
    let again = upsert_issue(&cfg, "Quality trend", MARKER, "week 2", &labels)
        .await
        .unwrap();
    assert!(matches!(again, IssueOutcome::Updated(43, _)), "{again:?}");
    // A comment and two issue runs: one `GET /user`.
    assert_eq!(whoami_requests(&hub.requests().await), 1);
}

#[tokio::test]
async fn a_bad_token_at_get_user_stops_before_anything_is_written() {
    let hub = MockHub::start(REPO).await;
    hub.add_pull(HubPull::new(42, T0));
    hub.require_token("ghp_the_right_one");
    let mut cfg = config(&hub, None);
    cfg.token = Some("ghp_identity_wrong_0004".into());
    let err = upsert_comment(&cfg, 42, MARKER, "x")
        .await
        .expect_err("401");
    assert!(matches!(err, GithubError::Unauthorized { .. }), "{err:?}");
    let seen = hub.requests().await;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].path, "/user");
}

#[tokio::test]
async fn the_read_only_token_warning_says_each_thing_once() {
    let r = crate::cli::sample();
    let work = tempfile::tempdir().unwrap();
    let hub = MockHub::start(REPO).await;
    hub.add_pull(HubPull::new(42, T0));
    hub.set_read_only(true);
    let (repo, uri, cache) = (
        r.path().to_path_buf(),
        hub.uri(),
        work.path().join("cache.db"),
    );
    let out = tokio::task::spawn_blocking(move || {
        crate::cli::slipgate(&repo)
            .args([
                "check",
                "--comment",
                "--pr",
                "42",
                "--now",
                &crate::cli::now(),
            ])
            .arg("--cache")
            .arg(cache)
            .env("GITHUB_API_URL", uri)
            .env("GITHUB_REPOSITORY", REPO)
            .env("GITHUB_TOKEN", SECRET)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let warning = stderr
        .lines()
        .find(|l| l.contains("could not comment"))
        .unwrap_or_else(|| panic!("no warning in {stderr}"));
    assert_eq!(
        warning,
        "warning: could not comment on pull request #42: GitHub refused (403: Resource not accessible by integration); the token needs the `pull-requests: write` permission, and a workflow run for a pull request from a fork only gets a read-only token; the job summary carries the report"
    );
}

// ---------------------------------------------------------------- broken page links

/// Requests for the issues list (any page).
fn issue_pages(seen: &[Seen]) -> Vec<&Seen> {
    seen.iter()
        .filter(|s| s.path.ends_with("/issues"))
        .collect()
}

#[tokio::test]
async fn a_next_link_to_the_page_just_read_fails_and_caches_nothing() {
    let hub = MockHub::start(REPO).await;
    seed(&hub);
    // 350 items on the issues list: 4 pages; page 2 names itself as the next one.
    hub.set_link_trick("issues", Some(LinkTrick::NextTo { from: 2, to: 2 }));
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&hub, Some(dir.path().join("cache.db")));

    let err = fetch_err(&cfg).await;
    assert!(matches!(err, GithubError::Pagination { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("list the issues of octocat/hello")
            && text.contains("page 2 links to page 2 as the next one")
            && text.contains("none of it is used or cached"),
        "{text}"
    );
    // Pages 1 and 2, and no third request.
    assert_eq!(issue_pages(&hub.requests().await).len(), 2);

    // The next run finds nothing cached: a full, unconditional read of all 4 pages.
    hub.set_link_trick("issues", None);
    let mark = hub.requests().await.len();
    let (data, stats) = fetch_ok(&cfg).await;
    let seen = since(&hub.requests().await, mark);
    let issues = issue_pages(&seen);
    assert_eq!(issues.len(), 4);
    assert_eq!(issues[0].if_none_match, None);
    assert_eq!(stats.not_modified, 0);
    assert!(stats.issues_full);
    assert_eq!(data.issues.len(), 230);
}

#[tokio::test]
async fn a_link_loop_back_to_the_first_page_stops_at_once() {
    let hub = MockHub::start(REPO).await;
    seed(&hub);
    hub.set_link_trick("issues", Some(LinkTrick::NextTo { from: 3, to: 1 }));
    let mut cfg = config(&hub, None);
    cfg.pulls = false;
    let err = fetch_err(&cfg).await;
    assert!(err.to_string().contains("page 3 links to page 1"), "{err}");
    // Pages 1, 2, 3: three requests, not thousands.
    assert_eq!(hub.requests().await.len(), 3);
}

#[tokio::test]
async fn endless_next_links_stop_at_the_announced_last_page_plus_a_margin() {
    let hub = MockHub::start(REPO).await;
    seed(&hub);
    hub.set_link_trick("issues", Some(LinkTrick::Endless));
    let mut cfg = config(&hub, None);
    cfg.pulls = false;
    let err = fetch_err(&cfg).await;
    assert!(matches!(err, GithubError::Pagination { .. }), "{err:?}");
    // Page 1 announces 4 pages: the cap is 4 + 4/10 + 2 = 6 pages.
    assert_eq!(hub.requests().await.len(), 6);
    assert!(err.to_string().contains("announced 4"), "{err}");
}

#[tokio::test]
async fn a_comment_list_whose_links_loop_is_not_taken_as_complete() {
    let hub = MockHub::start(REPO).await;
    hub.add_pull(HubPull::new(42, T0));
    let mut cfg = config(&hub, None);
    cfg.token = Some(SECRET.into());
    // 250 comments by people, then slipgate's: 3 pages, slipgate's on the last one.
    for n in 0..250 {
        hub.add_comment(42, &format!("LGTM {n}"));
    }
    upsert_comment(&cfg, 42, MARKER, "Gate: pass")
        .await
        .unwrap();
    hub.set_link_trick("comments", Some(LinkTrick::NextTo { from: 2, to: 2 }));
    let mark = hub.requests().await.len();
    let err = upsert_comment(&cfg, 42, MARKER, "Gate: fail")
        .await
        .expect_err("loop");
    assert!(matches!(err, GithubError::Pagination { .. }), "{err:?}");
    // No second slipgate comment is posted for want of seeing page 3.
    let seen = since(&hub.requests().await, mark);
    assert!(seen.iter().all(|s| s.method == "GET"), "{seen:?}");
    assert_eq!(hub.comments(42).len(), 251);
}

// ---------------------------------------------------------------- token redaction

/// `SECRET` percent-encoded, every byte, lower-case hex.
fn percent_lower(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02x}")).collect()
}

#[tokio::test]
async fn an_echoed_token_is_blanked_in_every_encoding() {
    let hub = MockHub::start(REPO).await;
    // base64("x-access-token:" + SECRET) and base64("user:" + SECRET), as `Basic`
    // headers carry them (computed with Python's base64 module).
    let basic = "eC1hY2Nlc3MtdG9rZW46Z2hwX1NsaXBnYXRlVGVzdFNlY3JldDAxMjM0NTY3ODk=";
    let user = "dXNlcjpnaHBfU2xpcGdhdGVUZXN0U2VjcmV0MDEyMzQ1Njc4OQ==";
    let echoed = format!(
        "Validation Failed: got {SECRET}, {}, {}, Basic {basic}, Basic {user}",
        percent_lower(SECRET),
        SECRET.replace('_', "%5F"),
    );
    hub.fail_next(
        "GET",
        "/repos/octocat/hello/issues",
        1,
        status(422, &echoed),
    )
    .await;
    let mut cfg = config(&hub, None);
    cfg.token = Some(SECRET.into());
    cfg.pulls = false;
    let err = fetch_err(&cfg).await;
    let text = format!("{err} | {err:?}");
    assert!(
        matches!(err, GithubError::Status { status: 422, .. }),
        "{text}"
    );
    for leak in [
        "%67%68%70",
        "ghp%5F",
        "Z2hwX1NsaXBnYXRlVGVzdFNlY3JldDAxMjM0NTY3ODk",
        "cGdhdGVUZXN0U2VjcmV0",
    ] {
        assert!(!text.contains(leak), "{leak} leaked: {text}");
    }
    // The message is kept around the blanks: got ***, ***, ***, Basic eC1hY2Nlc3MtdG9rZW46***…
    assert!(
        text.contains("got ***, ***, ***, Basic eC1hY2Nlc3MtdG9rZW46***"),
        "{text}"
    );
}

#[tokio::test]
async fn a_token_quoted_by_the_json_parser_is_blanked() {
    let hub = MockHub::start(REPO).await;
    // A list of strings, the first one the token, JSON-escaped (`\u0067` is `g`): the
    // parser's message quotes the decoded value.
    let escaped = SECRET.replacen('g', "\\u0067", 1);
    hub.fail_next(
        "GET",
        "/repos/octocat/hello/issues",
        1,
        ResponseTemplate::new(200).set_body_string(format!("[\"{escaped}\"]")),
    )
    .await;
    let mut cfg = config(&hub, None);
    cfg.token = Some(SECRET.into());
    cfg.pulls = false;
    let err = fetch_err(&cfg).await;
    assert!(matches!(err, GithubError::Decode { .. }), "{err:?}");
    assert!(err.to_string().contains("\"***\""), "{err}");
}

// ---------------------------------------------------------------- redirects

const LIST_QUERY: &str = "state=all&sort=updated&direction=desc&per_page=100";

#[tokio::test]
async fn a_redirect_to_another_host_is_an_error_not_an_empty_list() {
    let hub = MockHub::start(REPO).await;
    seed(&hub);
    // Another host:port that would answer every list with `[]`.
    let elsewhere = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200).set_body_string("[]"))
        .mount(&elsewhere)
        .await;
    hub.fail_next(
        "GET",
        "/repos/octocat/hello/issues",
        1,
        ResponseTemplate::new(302).insert_header(
            "location",
            format!(
                "{}/repos/octocat/hello/issues?{LIST_QUERY}",
                elsewhere.uri()
            )
            .as_str(),
        ),
    )
    .await;
    let mut cfg = config(&hub, None);
    cfg.token = Some(SECRET.into());
    let err = fetch_err(&cfg).await;
    assert!(
        matches!(err, GithubError::Redirect { status: 302, .. }),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains(&format!("it leads to {}", elsewhere.uri()))
            && text.contains(&format!("outside the API host {}", hub.uri())),
        "{text}"
    );
    // The other host was never asked.
    assert_eq!(elsewhere.received_requests().await.unwrap().len(), 0);
}

#[tokio::test]
async fn a_renamed_repository_is_followed_within_the_api_host() {
    let hub = MockHub::start(REPO).await;
    seed(&hub);
    // The old name answers 301 to the new one, once per list: absolute for the issues,
    // relative for the pull requests.
    hub.fail_next(
        "GET",
        "/repos/octocat/old-name/issues",
        1,
        ResponseTemplate::new(301).insert_header(
            "location",
            format!("{}/repos/octocat/hello/issues?{LIST_QUERY}", hub.uri()).as_str(),
        ),
    )
    .await;
    hub.fail_next(
        "GET",
        "/repos/octocat/old-name/pulls",
        1,
        ResponseTemplate::new(301).insert_header(
            "location",
            format!("/repos/octocat/hello/pulls?{LIST_QUERY}").as_str(),
        ),
    )
    .await;
    let mut cfg = config(&hub, None);
    cfg.repo = "octocat/old-name".into();
    let (data, stats) = fetch_ok(&cfg).await;
    assert_eq!((data.issues.len(), data.pulls.len()), (230, 120));
    // The 6 pages plus the two redirects.
    assert_eq!(stats.requests, 8);
}

// ---------------------------------------------------------------- response size

#[tokio::test]
async fn a_body_over_the_cap_fails_clearly_without_retry() {
    let hub = MockHub::start(REPO).await;
    // 1 MiB of JSON against a 64 KiB cap.
    let huge = format!("[\"{}\"]", "x".repeat(1 << 20));
    hub.fail_next(
        "GET",
        "/repos/octocat/hello/issues",
        1,
        ResponseTemplate::new(200).set_body_string(huge),
    )
    .await;
    let mut cfg = config(&hub, None);
    cfg.pulls = false;
    cfg.max_response_bytes = 64 << 10;
    let err = fetch_err(&cfg).await;
    assert!(
        matches!(
            err,
            GithubError::TooLarge {
                limit_bytes: 65_536,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("answer to list the issues of octocat/hello is larger than 64 KiB"),
        "{err}"
    );
    assert_eq!(hub.requests().await.len(), 1);
}

/// A server that answers every request with a chunked body that never ends (no
/// `Content-Length`), until the client hangs up.
fn endless_body_server() -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            std::thread::spawn(move || {
                let mut seen = Vec::new();
                let mut buf = [0u8; 4096];
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => seen.extend_from_slice(&buf[..n]),
                    }
                }
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
                if stream.write_all(head.as_bytes()).is_err() {
                    return;
                }
                let chunk = format!("10000\r\n{}\r\n", "x".repeat(0x10000));
                while stream.write_all(chunk.as_bytes()).is_ok() {}
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn a_body_without_length_is_cut_off_while_it_streams() {
    let mut cfg = GithubConfig::new(REPO);
    cfg.api_url = endless_body_server();
    cfg.pulls = false;
    cfg.max_response_bytes = 256 << 10;
    cfg.request_timeout = Duration::from_secs(20);
    // Reading it all first would never end: the request would time out instead.
    let err = fetch_err(&cfg).await;
    assert!(
        matches!(
            err,
            GithubError::TooLarge {
                limit_bytes: 262_144,
                ..
            }
        ),
        "{err:?}"
    );
}

// ---------------------------------------------------------------- test history

#[test]
fn test_history_lives_in_the_same_cache_file() {
    use slipgate::model::TestTotalsRow;
    let dir = tempfile::tempdir().unwrap();
    let path: &Path = &dir.path().join(".slipgate/cache.db");
    let totals = TestTotalsRow {
        passed: 98,
        failed: 1,
        errored: 0,
        skipped: 3,
        flaky: 1,
        duration: 12.5,
    };
    let ids = vec!["suite::flaky_one".to_string()];
    let warnings =
        record_test_run(path, REPO, "abc123", Some("777"), 1_000, &totals, &ids, &[]).unwrap();
    assert!(warnings.is_empty());
    let history = test_history(path, REPO, 10).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].totals, Some(totals));
    assert_eq!(history[0].flaky_ids, ids);
    assert_eq!(history[0].run_id.as_deref(), Some("777"));
}
