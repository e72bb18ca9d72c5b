//! Integration tests: the cold GitHub path reads a long list's pages ahead, several at
//! a time, in page order (`github::pager::Ahead`), and backs off at once on a secondary
//! rate limit; the warm path (every list answers 304) writes nothing to the cache.

use crate::mockhub::{HUB_EPOCH, HubIssue, LinkTrick, MockHub, Seen, secondary_rate_limit};
use slipgate::collect::github::fetch;
use slipgate::github::{GithubConfig, GithubError, RetryPolicy};
use std::path::PathBuf;
use std::time::Duration;
use wiremock::Mock;
use wiremock::matchers::{method, path, query_param};

const REPO: &str = "octocat/hello";
const HOUR: i64 = 3600;
const T0: i64 = HUB_EPOCH - 400 * 86_400;

fn config(hub: &MockHub, cache: Option<PathBuf>) -> GithubConfig {
    let mut cfg = GithubConfig::new(REPO);
    cfg.api_url = hub.uri();
    cfg.cache_path = cache;
    cfg.request_timeout = Duration::from_secs(5);
    cfg.retry = RetryPolicy {
        attempts: 1,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(10),
    };
    cfg
}

/// `n` issues, one hour apart, and no pull requests: `ceil(n / 100)` pages.
fn seed(hub: &MockHub, n: u64) {
    hub.extend(
        (1..=n)
            .map(|k| HubIssue::new(k, T0 + k as i64 * HOUR))
            .collect(),
        Vec::new(),
    );
}

/// The `page` of each request for the issues list, in the order they arrived (1 for
/// none).
fn issue_pages(seen: &[Seen]) -> Vec<usize> {
    seen.iter()
        .filter(|s| s.path.ends_with("/issues"))
        .map(|s| {
            s.query
                .split('&')
                .find_map(|p| p.strip_prefix("page="))
                .and_then(|p| p.parse().ok())
                .unwrap_or(1)
        })
        .collect()
}

fn numbers(data: &slipgate::model::GithubData) -> Vec<u64> {
    data.issues.iter().map(|i| i.number).collect()
}

#[tokio::test]
async fn a_long_list_is_read_ahead_and_every_row_comes_once() {
    let hub = MockHub::start(REPO).await;
    // 950 issues: 10 pages, page 1 announces 10 (at least READ_AHEAD_FROM = 8). Page 2
    // answers last of its batch (2, 3, 4, 5): the rows still come in page order.
    seed(&hub, 950);
    hub.set_latency(Duration::from_millis(20));
    hub.delay_page("issues", 2, Duration::from_millis(400));
    let mut cfg = config(&hub, None);
    cfg.pulls = false;
    let (data, stats) = fetch(&cfg).await.expect("fetch");
    assert_eq!(numbers(&data), (1..=950).collect::<Vec<u64>>());
    // One request per page, none twice: 10.
    assert_eq!(stats.requests, 10);
    let mut pages = issue_pages(&hub.requests().await);
    assert_eq!(pages[0], 1);
    pages.sort_unstable();
    assert_eq!(pages, (1..=10).collect::<Vec<usize>>());
}

#[tokio::test]
async fn a_short_list_is_read_one_page_after_another() {
    let hub = MockHub::start(REPO).await;
    // 700 issues: 7 pages, fewer than READ_AHEAD_FROM: each page asked in link order.
    seed(&hub, 700);
    let mut cfg = config(&hub, None);
    cfg.pulls = false;
    let (data, stats) = fetch(&cfg).await.expect("fetch");
    assert_eq!(data.issues.len(), 700);
    assert_eq!(stats.requests, 7);
    assert_eq!(
        issue_pages(&hub.requests().await),
        (1..=7).collect::<Vec<usize>>()
    );
}

#[tokio::test]
async fn a_secondary_rate_limit_mid_fetch_is_waited_out_then_pages_come_one_by_one() {
    let hub = MockHub::start(REPO).await;
    seed(&hub, 950);
    // Page 3 answers a secondary rate limit (retry after 1 s) once, ahead of the fake.
    Mock::given(method("GET"))
        .and(path("/repos/octocat/hello/issues"))
        .and(query_param("page", "3"))
        .respond_with(secondary_rate_limit(1))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&hub.server)
        .await;
    let mut cfg = config(&hub, None);
    cfg.pulls = false;
    let started = std::time::Instant::now();
    let (data, stats) = fetch(&cfg).await.expect("fetch");
    assert!(started.elapsed() >= Duration::from_secs(1));
    // Page 1, the batch 2..=5 (page 3 twice: the 403 and its retry), then 6..=10 one
    // at a time: 1 + 4 + 1 + 5 = 11 requests; no row lost or doubled.
    assert_eq!(numbers(&data), (1..=950).collect::<Vec<u64>>());
    assert_eq!(
        (stats.requests, stats.retries, stats.waited_ms),
        (11, 1, 1000)
    );
    let pages = issue_pages(&hub.requests().await);
    assert_eq!(pages.len(), 11);
    // After the batch, the pages come in link order, one at a time.
    assert_eq!(pages[6..], [6, 7, 8, 9, 10]);
}

#[tokio::test]
async fn a_next_link_off_the_pages_read_ahead_drops_them() {
    let hub = MockHub::start(REPO).await;
    seed(&hub, 950);
    // Page 3 links to page 7: pages 4 and 5 read ahead are dropped; 7..=10 follow one
    // by one. The list ends at its 7th page read while page 1 announced 10: an error.
    // Requests: 1, then 2..=5, then 7, 8, 9, 10: 9 (one at a time it would be 7).
    hub.set_link_trick("issues", Some(LinkTrick::NextTo { from: 3, to: 7 }));
    let mut cfg = config(&hub, None);
    cfg.pulls = false;
    let err = match fetch(&cfg).await {
        Ok(_) => panic!("a list missing pages was taken"),
        Err(err) => err,
    };
    assert!(matches!(err, GithubError::Pagination { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("the list ends at page 7, but its first page announced 10 pages"),
        "{err}"
    );
    let mut pages = issue_pages(&hub.requests().await);
    pages.sort_unstable();
    assert_eq!(pages, [1, 2, 3, 4, 5, 7, 8, 9, 10]);
}

#[tokio::test]
async fn a_warm_run_whose_lists_answer_304_writes_nothing() {
    let hub = MockHub::start(REPO).await;
    seed(&hub, 230);
    hub.add_pull(crate::mockhub::HubPull::new(231, T0 + 231 * HOUR));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.db");
    let cfg = config(&hub, Some(path.clone()));
    let (cold, _) = fetch(&cfg).await.expect("cold fetch");
    let before = std::fs::read(&path).unwrap();
    let files_before = std::fs::read_dir(dir.path()).unwrap().count();

    let (warm, stats) = fetch(&cfg).await.expect("warm fetch");
    // One conditional request per list, both answered 304.
    assert_eq!((stats.requests, stats.not_modified), (2, 2));
    assert!(stats.cache_used);
    assert_eq!(warm.issues, cold.issues);
    assert_eq!(warm.pulls, cold.pulls);
    // Byte for byte the same file, and no journal left beside it.
    assert!(
        std::fs::read(&path).unwrap() == before,
        "the cache was written"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), files_before);

    // A change upstream is still picked up and written.
    hub.update_issue(7, |i| i.updated_at = HUB_EPOCH);
    let (_, stats) = fetch(&cfg).await.expect("fetch after a change");
    // The issue list's first page (a 200) and the pull list's 304.
    assert_eq!((stats.requests, stats.not_modified), (2, 1));
    assert!(std::fs::read(&path).unwrap() != before);
}

#[tokio::test]
async fn a_cache_damaged_inside_is_found_when_read_and_moved_aside() {
    let hub = MockHub::start(REPO).await;
    seed(&hub, 950);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.db");
    let mut cfg = config(&hub, Some(path.clone()));
    cfg.pulls = false;
    fetch(&cfg).await.expect("cold fetch");
    // Keep the header page (the file still looks like a slipgate cache without the
    // integrity check); scribble over every page after the second.
    let mut bytes = std::fs::read(&path).unwrap();
    let page = u16::from_be_bytes([bytes[16], bytes[17]]) as usize;
    assert!(bytes.len() > 4 * page, "{} bytes", bytes.len());
    for b in &mut bytes[2 * page..] {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();

    let (data, stats) = fetch(&cfg).await.expect("fetch");
    assert_eq!(data.issues.len(), 950);
    assert!(stats.issues_full && stats.cache_used, "{stats:?}");
    assert!(
        data.warnings.iter().any(|w| w.contains("moved it to")),
        "{:?}",
        data.warnings
    );
    assert!(dir.path().join("cache.db.bak").exists());
    // The new cache is sound: the next run is one 304.
    let (_, stats) = fetch(&cfg).await.expect("warm fetch");
    assert_eq!((stats.requests, stats.not_modified), (1, 1));
}
