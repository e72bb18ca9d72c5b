//! Issue 14, target 3: one run opens its cache file once, whatever reads and writes it
//! (the GitHub lists, the coverage base, the run it records, the trend's runs), runs no
//! integrity check on a sound file, and a run that needs no cache opens none. Observed
//! in the binary: `--verbose` prints how often the run opened the file and how many
//! SQLite connections and integrity checks the whole process made (every connection to
//! a cache file goes through `store::connect`, which counts it).
//!
//! The repository is `cli::sample()`; GitHub is the fake, with bug #7 open.

use crate::cli::{sample, slipgate};
use crate::gitrepo::{DAY, T0};
use crate::mockhub::{HubIssue, MockHub};
use crate::trend_issue::policy;
use std::path::{Path, PathBuf};

const TOKEN: &str = "ghp_cacheONCEtoken0123456789";
const REPO: &str = "octo-org/octo-repo";

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Out {
    /// The `--verbose` line about the cache.
    fn cache_line(&self) -> &str {
        self.stderr
            .lines()
            .find(|l| l.starts_with("slipgate: cache: "))
            .unwrap_or_else(|| panic!("no cache line in {}", self.stderr))
    }
}

fn junit(dir: &Path, name: &str, passed: usize, failed: usize) -> PathBuf {
    let mut xml = String::from("<testsuite name=\"s\">");
    for k in 0..passed {
        xml.push_str(&format!("<testcase classname=\"a\" name=\"ok{k}\"/>"));
    }
    for k in 0..failed {
        xml.push_str(&format!(
            "<testcase classname=\"a\" name=\"bad{k}\"><failure message=\"boom\"/></testcase>"
        ));
    }
    xml.push_str("</testsuite>");
    let path = dir.join(name);
    std::fs::write(&path, xml).expect("junit");
    path
}

/// `slipgate ARGS --verbose` at `at` as a scheduled job of commit `sha` (run `run_id`)
/// with the cache `cache` and the fake GitHub.
async fn run(
    args: &[&str],
    repo: &Path,
    hub: &MockHub,
    cache: &Path,
    at: i64,
    sha: &str,
    run_id: &str,
) -> Out {
    let (repo, cache, uri) = (repo.to_path_buf(), cache.to_path_buf(), hub.uri());
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let (sha, run_id) = (sha.to_string(), run_id.to_string());
    tokio::task::spawn_blocking(move || {
        let out = slipgate(&repo)
            .args(&args)
            .arg("--verbose")
            .arg("--now")
            .arg(slipgate::model::rfc3339(at))
            .arg("--cache")
            .arg(&cache)
            .env("GITHUB_API_URL", &uri)
            .env("GITHUB_SERVER_URL", "https://github.com")
            .env("GITHUB_REPOSITORY", REPO)
            .env("GITHUB_TOKEN", TOKEN)
            .env("GITHUB_EVENT_NAME", "schedule")
            .env("GITHUB_SHA", &sha)
            .env("GITHUB_RUN_ID", &run_id)
            .output()
            .expect("run");
        Out {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    })
    .await
    .expect("join")
}

fn line(cache: &Path, times: &str, connections: u32) -> String {
    let plural = if connections == 1 { "" } else { "s" };
    format!(
        "slipgate: cache: `{}` {times} ({connections} SQLite connection{plural}, no integrity check)",
        cache.display()
    )
}

#[tokio::test]
async fn a_check_with_tests_and_the_trend_opens_the_cache_once() {
    let r = sample();
    policy(r.path());
    let work = tempfile::tempdir().expect("tmp");
    let cache = work.path().join("cache.db");
    let hub = MockHub::start(REPO).await;
    hub.add_issue(HubIssue::new(7, T0 + 20 * DAY).labels(&["bug"]));
    let (sha1, sha2) = ("a".repeat(40), "b".repeat(40));

    // Cold, day 33: the fetch creates the file; the run is recorded in it and the
    // trend reads the runs back: one connection for all three (the code before opened
    // three). Tests: 1 of 2 pass.
    let j1 = junit(work.path(), "j1.xml", 1, 1);
    let j1 = j1.to_str().unwrap();
    let trend = ["check", "--trend-issue", "Quality trend", "--junit", j1];
    let cold = run(&trend, r.path(), &hub, &cache, T0 + 33 * DAY, &sha1, "101").await;
    assert_eq!(cold.code, Some(0), "{}", cold.stderr);
    assert_eq!(cold.cache_line(), line(&cache, "opened once", 1));

    // Warm, day 34: the lists changed (the trend issue run 101 opened), the run is
    // recorded, the coverage base and the trend's runs read: still one open. Tests: 3 of
    // 4 pass.
    let j2 = junit(work.path(), "j2.xml", 3, 1);
    let j2 = j2.to_str().unwrap();
    let trend = ["check", "--trend-issue", "Quality trend", "--junit", j2];
    let warm = run(&trend, r.path(), &hub, &cache, T0 + 34 * DAY, &sha2, "102").await;
    assert_eq!(warm.code, Some(0), "{}", warm.stderr);
    assert_eq!(warm.cache_line(), line(&cache, "opened once", 1));
    assert!(!warm.stderr.contains("cache ("), "{}", warm.stderr);
    // Both runs are in the one file: the trend issue charts 1/2 = 50% then 3/4 = 75%.
    let body = hub
        .issues()
        .into_iter()
        .find(|i| i.title == "Quality trend")
        .expect("trend issue")
        .body;
    assert!(body.contains("line [50, 75]"), "{body}");

    // Day 35: `trend` takes in the trend issue run 102 edited (and the pull request
    // list, which no rule needed so far). Then `trend` again: every list answers 304
    // (issues, pull requests, comments: 3 requests, 3 not modified), the history is read
    // from the same connection, and the file stays byte for byte as it was.
    let t = ["trend", "--format", "json"];
    let settle = run(&t, r.path(), &hub, &cache, T0 + 35 * DAY, &sha2, "103").await;
    assert_eq!(settle.code, Some(0), "{}", settle.stderr);
    assert_eq!(settle.cache_line(), line(&cache, "opened once", 1));
    let before = std::fs::read(&cache).expect("cache");
    let files = std::fs::read_dir(work.path()).expect("dir").count();
    let quiet = run(&t, r.path(), &hub, &cache, T0 + 35 * DAY, &sha2, "103").await;
    assert_eq!(quiet.code, Some(0), "{}", quiet.stderr);
    assert_eq!(quiet.cache_line(), line(&cache, "opened once", 1));
    assert!(
        quiet
            .stderr
            .contains("3 requests (3 not modified, 0 retries)"),
        "{}",
        quiet.stderr
    );
    assert!(
        std::fs::read(&cache).expect("cache") == before,
        "a warm trend wrote to the cache"
    );
    assert_eq!(std::fs::read_dir(work.path()).expect("dir").count(), files);
    // The two recorded runs, oldest first: 1/2 and 3/4.
    let json: serde_json::Value = serde_json::from_str(&quiet.stdout).expect("json");
    let per_run: Vec<(String, f64)> = json["series"]["tests.pass_rate"]["per_run"]
        .as_array()
        .expect("per run")
        .iter()
        .map(|p| {
            let run = p["run"].as_str().expect("run").to_string();
            (run, p["value"].as_f64().expect("value"))
        })
        .collect();
    assert_eq!(
        per_run,
        [("101".to_string(), 0.5), ("102".to_string(), 0.75)]
    );
    for out in [&cold, &warm, &settle, &quiet] {
        assert!(!out.stderr.contains(TOKEN));
    }
}

#[tokio::test]
async fn a_run_that_needs_no_cache_opens_none() {
    let r = sample();
    policy(r.path());
    let work = tempfile::tempdir().expect("tmp");
    let cache = work.path().join("cache.db");
    let hub = MockHub::start(REPO).await;
    // Offline, no tests, no coverage, no trend: nothing to read or record.
    let out = run(
        &["check", "--offline"],
        r.path(),
        &hub,
        &cache,
        T0 + 33 * DAY,
        &"a".repeat(40),
        "101",
    )
    .await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(out.cache_line(), line(&cache, "not opened", 0));
    assert!(!cache.exists());
    // `trend` offline reads the history only: a file that does not exist is not created.
    let t = ["trend", "--offline", "--format", "json"];
    let out = run(&t, r.path(), &hub, &cache, T0 + 33 * DAY, "", "").await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(out.cache_line(), line(&cache, "not opened", 0));
    assert!(!cache.exists());
}
