//! Time to first response: the repository-wide comment list read through the cache
//! (request counts, cold and warm), and the metric through the binary.
//!
//! The fake holds five issues by `octocat` and one pull request; now = day 40.
//! - #1 (day 20): a bot by login (`dependabot[bot]`, type User) at +1h, a bot by type
//!   (`ci`, type Bot) at +2h, `maintainer` at +6h → 6h.
//! - #2 (day 21): its author at +1h, `Maintainer` at +2d → 2d.
//! - #3 (day 22): `helper` at +30m → 30m.
//! - #4 (day 33): no comment → unanswered, waiting 7d.
//! - #5 (day 34): 240 comments by its author, one by `maintainer` after now → unanswered,
//!   waiting 6d.
//! - pull request #6 (day 35): `maintainer` at +1h: not an issue, ignored.
//!
//! 248 comments: a cold read is ceil(248 / 100) = 3 requests of the comment list.
//! Answered [30m, 6h, 2d]: p50 = 2nd (nearest rank ceil(0.5·3) = 2) = 6h, p90 = 3rd
//! (ceil(0.9·3) = 3) = 2d, max 2d, count 3; unanswered 2. With `response_slo: 1d`: judged
//! 3 answered + 2 unanswered older than 1d = 5, within 1d: #3 and #1 → 2/5 = 0.4.

use crate::cli::{now, sample, slipgate};
use crate::gitrepo::{DAY, HOUR, T0};
use crate::mockhub::{HubAuthor, HubIssue, HubPull, MockHub, Seen};
use pretty_assertions::assert_eq;
use slipgate::collect::github::fetch;
use slipgate::github::GithubConfig;
use slipgate::metrics::issues::Span;
use slipgate::metrics::response::{ResponsePolicy, first_response};
use std::path::PathBuf;
use std::time::Duration;

const REPO: &str = "octo-org/octo-repo";
const NOW: i64 = T0 + 40 * DAY;
const COMMENTS: &str = "/repos/octo-org/octo-repo/issues/comments";

fn bot(login: &str) -> HubAuthor {
    HubAuthor {
        login: login.to_string(),
        kind: "Bot".to_string(),
        app: None,
    }
}

fn person(login: &str) -> HubAuthor {
    HubAuthor::person(login)
}

fn seed(hub: &MockHub) {
    let day = |d: i64| T0 + d * DAY;
    for (n, d) in [(1, 20), (2, 21), (3, 22), (4, 33), (5, 34)] {
        hub.add_issue(HubIssue::new(n, day(d)));
    }
    hub.add_pull(HubPull::new(6, day(35)));
    hub.add_comment_at(1, person("dependabot[bot]"), day(20) + HOUR);
    hub.add_comment_at(1, bot("ci"), day(20) + 2 * HOUR);
    hub.add_comment_at(1, person("maintainer"), day(20) + 6 * HOUR);
    hub.add_comment_at(2, person("octocat"), day(21) + HOUR);
    hub.add_comment_at(2, person("Maintainer"), day(23));
    hub.add_comment_at(3, person("helper"), day(22) + 1800);
    for i in 0..240 {
        hub.add_comment_at(5, person("octocat"), day(34) + 60 + i);
    }
    hub.add_comment_at(5, person("maintainer"), NOW + HOUR);
    hub.add_comment_at(6, person("maintainer"), day(35) + HOUR);
}

fn config(hub: &MockHub, cache: PathBuf) -> GithubConfig {
    let mut cfg = GithubConfig::new(REPO);
    cfg.api_url = hub.uri();
    cfg.cache_path = Some(cache);
    cfg.request_timeout = Duration::from_secs(5);
    cfg.pulls = false;
    cfg.comments = true;
    cfg
}

fn comment_requests(seen: &[Seen]) -> Vec<Seen> {
    seen.iter()
        .filter(|s| s.path == COMMENTS)
        .cloned()
        .collect()
}

#[tokio::test]
async fn the_comment_list_costs_its_pages_cold_and_one_request_warm() {
    let hub = MockHub::start(REPO).await;
    seed(&hub);
    let dir = tempfile::tempdir().expect("tmp");
    let cfg = config(&hub, dir.path().join("cache.db"));

    // Cold: the issue list (one page) and ceil(248 / 100) = 3 comment pages.
    let (data, stats) = fetch(&cfg).await.expect("cold fetch");
    let seen = hub.requests().await;
    let cold = comment_requests(&seen);
    assert_eq!(cold.len(), 3, "{cold:?}");
    assert_eq!(stats.requests, 4);
    assert_eq!((stats.comments_received, stats.comments_full), (248, true));
    assert!(cold[0].query.contains("sort=updated"), "{:?}", cold[0]);
    assert!(cold[0].query.contains("direction=asc"), "{:?}", cold[0]);
    assert!(!cold[0].query.contains("since="), "{:?}", cold[0]);
    // Never one request per issue.
    assert!(
        seen.iter()
            .all(|s| !s.path.ends_with("/comments") || s.path == COMMENTS),
        "{seen:?}"
    );
    assert!(data.comments_read);
    assert_eq!(data.comments.len(), 248);
    let c = data.comments.iter().find(|c| c.issue == 1).expect("#1");
    assert_eq!(
        (c.author.as_str(), c.author_type.as_str()),
        ("dependabot[bot]", "User")
    );
    assert_eq!(data.issues[0].author, "octocat");

    // The metric on what was read, by hand (module documentation).
    let p = ResponsePolicy {
        labels: Vec::new(),
        objective: Some(DAY),
    };
    let span = Span::ending_now(NOW, 30 * DAY);
    let s = first_response(&data.issues, &data.comments, &p, &span, NOW);
    assert_eq!(s.response_time.count, 3);
    assert_eq!(s.response_time.p50, Some(6 * HOUR));
    assert_eq!(s.response_time.p90, Some(2 * DAY));
    assert_eq!(s.response_time.max, Some(2 * DAY));
    assert_eq!(s.unanswered, 2);
    assert_eq!(s.within_slo, Some(0.4));

    // Warm, nothing changed: one conditional request, answered 304. The probe is the
    // cold read's last page (48 comments, not full): a new or edited comment would
    // land on it (oldest-updated first) and change its ETag.
    let mark = hub.requests().await.len();
    let (warm, stats) = fetch(&cfg).await.expect("warm fetch");
    let seen: Vec<Seen> = hub.requests().await.into_iter().skip(mark).collect();
    let warm_comments = comment_requests(&seen);
    assert_eq!(warm_comments.len(), 1, "{seen:?}");
    assert!(warm_comments[0].if_none_match.is_some());
    assert!(
        warm_comments[0].query.contains("page=3"),
        "{warm_comments:?}"
    );
    assert_eq!(stats.requests, 2);
    assert_eq!(stats.not_modified, 2);
    assert_eq!(warm.comments.len(), 248);

    // A new comment: one request (that page again, 48 + 1 comments) brings it; the next
    // run is a 304.
    hub.add_comment_at(4, person("maintainer"), NOW + 2 * HOUR);
    let mark = hub.requests().await.len();
    let (after, stats) = fetch(&cfg).await.expect("after a comment");
    let seen: Vec<Seen> = hub.requests().await.into_iter().skip(mark).collect();
    assert_eq!(comment_requests(&seen).len(), 1, "{seen:?}");
    assert_eq!(stats.comments_received, 49);
    assert_eq!(after.comments.len(), 249);
    let mark = hub.requests().await.len();
    let (_, stats) = fetch(&cfg).await.expect("warm again");
    let seen: Vec<Seen> = hub.requests().await.into_iter().skip(mark).collect();
    assert_eq!(comment_requests(&seen).len(), 1, "{seen:?}");
    assert_eq!(stats.not_modified, 2);
}

#[tokio::test]
async fn comments_are_not_read_unless_asked() {
    let hub = MockHub::start(REPO).await;
    seed(&hub);
    let dir = tempfile::tempdir().expect("tmp");
    let mut cfg = config(&hub, dir.path().join("cache.db"));
    cfg.comments = false;
    let (data, _) = fetch(&cfg).await.expect("fetch");
    assert!(!data.comments_read);
    assert!(comment_requests(&hub.requests().await).is_empty());
}

#[tokio::test]
async fn report_and_check_measure_first_response_through_the_binary() {
    let r = sample();
    std::fs::write(
        r.path().join("slipgate.yml"),
        "window: 30d\nissues:\n  response_slo: 1d\nrules:\n  - {name: answered, metric: time_to_first_response.p90, max: 1d}\n  - {name: slo, metric: time_to_first_response.within_slo, min: 30%}\n",
    )
    .expect("policy");
    let hub = MockHub::start(REPO).await;
    seed(&hub);
    let work = tempfile::tempdir().expect("tmp");
    let (path, uri, cache) = (r.path().to_path_buf(), hub.uri(), work.path().join("c.db"));
    let (report, gate) = tokio::task::spawn_blocking(move || {
        let run = |args: &[&str]| {
            slipgate(&path)
                .args(args)
                .args(["--now", &now(), "--github-repo", REPO, "--api-url", &uri])
                .arg("--cache")
                .arg(&cache)
                .env("GITHUB_TOKEN", "ghp_firstResponse0123456789")
                .output()
                .expect("run")
        };
        (
            run(&["report", "--format", "json"]),
            run(&["check", "--format", "markdown"]),
        )
    })
    .await
    .expect("join");
    assert!(
        report.status.success(),
        "{}",
        String::from_utf8_lossy(&report.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&report.stdout).expect("json");
    let f = &v["window"]["first_response"];
    assert_eq!(
        *f,
        serde_json::json!({
            "count": 3, "p50": 6 * HOUR, "p90": 2 * DAY, "max": 2 * DAY,
            "unanswered": 2, "within_slo": 0.4
        })
    );
    // p90 2d > 1d fails; 40% within the objective passes the 30% floor.
    let md = String::from_utf8_lossy(&gate.stdout);
    assert_eq!(gate.status.code(), Some(1), "{md}");
    assert!(md.contains("time_to_first_response.p90"), "{md}");
    assert!(md.contains("first response after 2d"), "{md}");
    assert!(md.contains("first response"), "{md}");
}
