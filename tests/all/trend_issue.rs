//! The scheduled trend issue against the fake GitHub: one issue, created then updated in
//! place; its history lives in the issue, so a run with an empty cache still charts every
//! run and says what changed since the last update; a history block that is not
//! slipgate's own is never trusted.
//!
//! The repository is `cli::sample()`. Two bugs: #7 (created day 20) stays open, #8
//! (created day 30) is closed on day 38. Update 1 runs on day 33 (run 101, tests 1 of 2
//! passing), update 2 on day 40 (run 102, 3 of 4 passing) with the cache deleted.

use crate::cli::{sample, slipgate};
use crate::gitrepo::{DAY, T0};
use crate::mockhub::{HubAuthor, HubIssue, MockHub};
use std::path::{Path, PathBuf};

const TOKEN: &str = "ghp_trendSECRETtoken0123456789";
const REPO: &str = "octo-org/octo-repo";
const TITLE: &str = "Quality trend";
const SHA1: &str = "aaaaaaa1111111111111111111111111111111aa";
const SHA2: &str = "bbbbbbb2222222222222222222222222222222bb";

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
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

async fn update(
    repo: &Path,
    hub: &MockHub,
    cache: &Path,
    at: i64,
    junit: &Path,
    sha: &str,
    run_id: &str,
) -> Out {
    run(
        &["check", "--trend-issue", TITLE],
        repo,
        hub,
        cache,
        at,
        Some(junit),
        sha,
        run_id,
    )
    .await
}

/// Runs `slipgate ARGS` as a scheduled job at `at`, with this run's JUnit file (ARGS may
/// end with `GITHUB_EVENT_NAME=NAME` for another event).
#[allow(clippy::too_many_arguments)]
async fn run(
    args: &[&str],
    repo: &Path,
    hub: &MockHub,
    cache: &Path,
    at: i64,
    junit: Option<&Path>,
    sha: &str,
    run_id: &str,
) -> Out {
    let (repo, cache, junit) = (
        repo.to_path_buf(),
        cache.to_path_buf(),
        junit.map(Path::to_path_buf),
    );
    let event = args
        .last()
        .and_then(|a| a.strip_prefix("GITHUB_EVENT_NAME="))
        .unwrap_or("schedule")
        .to_string();
    let args = match args.last() {
        Some(a) if a.starts_with("GITHUB_EVENT_NAME=") => &args[..args.len() - 1],
        _ => args,
    };
    let (uri, sha, run_id) = (hub.uri(), sha.to_string(), run_id.to_string());
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let out = slipgate(&repo)
            .args(&args)
            .arg("--now")
            .arg(slipgate::model::rfc3339(at))
            .arg("--cache")
            .arg(&cache)
            .args(
                junit
                    .iter()
                    .flat_map(|j| [std::ffi::OsStr::new("--junit"), j.as_os_str()]),
            )
            .env("GITHUB_API_URL", &uri)
            .env("GITHUB_SERVER_URL", "https://github.com")
            .env("GITHUB_REPOSITORY", REPO)
            .env("GITHUB_TOKEN", TOKEN)
            .env("GITHUB_EVENT_NAME", &event)
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

/// The policy: a target for open bugs (a warning, so the scheduled run passes).
pub(crate) fn policy(repo: &Path) {
    std::fs::write(
        repo.join("slipgate.yml"),
        "rules:\n  - {name: bugs, metric: open_bugs.total, max: 5, level: warn}\n",
    )
    .expect("policy");
}

fn hub_bugs(hub: &MockHub) {
    hub.add_issue(HubIssue::new(7, T0 + 20 * DAY).labels(&["bug"]));
    hub.add_issue(
        HubIssue::new(8, T0 + 30 * DAY)
            .labels(&["bug"])
            .closed(T0 + 38 * DAY, Some("completed"))
            .updated(T0 + 38 * DAY),
    );
}

fn trend_issues(hub: &MockHub) -> Vec<crate::mockhub::HubIssue> {
    hub.issues()
        .into_iter()
        .filter(|i| i.title == TITLE && i.closed_at.is_none())
        .collect()
}

#[tokio::test]
async fn second_update_with_an_empty_cache_keeps_history_and_deltas() {
    let r = sample();
    policy(r.path());
    let work = tempfile::tempdir().expect("tmp");
    let cache = work.path().join("cache.db");
    let hub = MockHub::start(REPO).await;
    hub_bugs(&hub);

    // Update 1, day 33: both bugs open; 1 of 2 tests pass (50%).
    let j1 = junit(work.path(), "j1.xml", 1, 1);
    let first = update(r.path(), &hub, &cache, T0 + 33 * DAY, &j1, SHA1, "101").await;
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    let issues = trend_issues(&hub);
    assert_eq!(issues.len(), 1);
    let body1 = issues[0].body.clone();
    assert!(body1.starts_with("<!-- slipgate:trend -->\n"), "{body1}");
    assert!(body1.contains("<!-- slipgate:history v2 {"), "{body1}");
    assert!(body1.contains("| Open bugs | 2 |"), "{body1}");
    assert!(
        body1.contains("this is its first update with a history"),
        "{body1}"
    );

    // Update 2, day 40, with the cache gone: #8 closed, 3 of 4 tests pass (75%).
    std::fs::remove_file(&cache).expect("cache was written");
    let j2 = junit(work.path(), "j2.xml", 3, 1);
    let second = update(r.path(), &hub, &cache, T0 + 40 * DAY, &j2, SHA2, "102").await;
    assert_eq!(second.code, Some(0), "{}", second.stderr);
    assert!(!second.stderr.contains("ignored"), "{}", second.stderr);
    let issues = trend_issues(&hub);
    assert_eq!(issues.len(), 1, "updated in place, not opened again");
    let body = &issues[0].body;

    // Both runs in the pass-rate chart, oldest first: 50%, then 3 of 4 = 75%.
    assert!(
        body.contains("title \"Test pass rate per run (%)\""),
        "{body}"
    );
    assert!(
        body.contains("    x-axis \"Test run\" [\"run 101\", \"run 102\"]\n    y-axis \"Pass rate (%)\" 0 --> 100\n    line [50, 75]\n"),
        "{body}"
    );
    // Deltas since update 1 (day 33 = 2023-12-17): open bugs 2 → 1 is −50%, pass rate
    // 50% → 75% is +50% of 50%; failed tests 1 → 1 is no change, so not a line.
    let day33 = slipgate::model::date(T0 + 33 * DAY);
    assert!(
        body.contains(&format!("**What changed since last update ({day33}):**")),
        "{body}"
    );
    assert!(
        body.contains("- 🟢 **Fewer bugs are open**: open bugs 1, ▼ 50% (was 2)"),
        "{body}"
    );
    assert!(
        body.contains("- 🟢 **More tests pass**: test pass rate 75%, ▲ 50% (was 50%)"),
        "{body}"
    );
    assert!(!body.contains("tests fail**"), "{body}");
    assert!(
        body.contains("| Open bugs | 1 | ≤ 5 | 2 | 🟢 ▼ 50% |"),
        "{body}"
    );
    assert!(body.contains("| Failed tests | 1 | – | 1 | = |"), "{body}");
    // The runs, linked to their Actions run and commit.
    assert!(
        body.contains("| [#102](https://github.com/octo-org/octo-repo/actions/runs/102) | [`bbbbbbb`](https://github.com/octo-org/octo-repo/commit/bbbbbbb2222222222222222222222222222222bb) |"),
        "{body}"
    );
    assert!(body.contains("[#101](https://github.com/octo-org/octo-repo/actions/runs/101)"));
    // The footer ends the body.
    assert!(body.trim_end().ends_with("</sub>"), "{body}");
    if let Ok(dir) = std::env::var("SLIPGATE_TREND_BODY_OUT") {
        std::fs::write(Path::new(&dir).join("trend-issue.md"), body).expect("write");
    }
    insta::with_settings!({filters => vec![
        (r"`[0-9a-f]{7}`", "`[sha]`"),
        (r"slipgate \d+\.\d+\.\d+", "slipgate [version]"),
    ]}, {
        insta::assert_snapshot!("trend_issue_body", body);
    });

    let seen = hub.requests().await;
    let posts = seen
        .iter()
        .filter(|s| s.method == "POST" && s.path.ends_with("/issues"))
        .count();
    let patches = seen.iter().filter(|s| s.method == "PATCH").count();
    assert_eq!((posts, patches), (1, 1), "{seen:#?}");
    for out in [&first, &second] {
        assert!(!out.stderr.contains(TOKEN));
    }
}

#[tokio::test]
async fn a_foreign_or_tampered_history_is_not_trusted() {
    let r = sample();
    policy(r.path());
    let work = tempfile::tempdir().expect("tmp");
    let cache = work.path().join("cache.db");
    let hub = MockHub::start(REPO).await;
    hub_bugs(&hub);
    // Someone else's issue with the marker, the label and a well-formed history claiming
    // a 10% pass rate: not slipgate's, so neither adopted nor read.
    let forged = format!(
        "<!-- slipgate:trend -->\n<!-- slipgate:history v1 {{\"v\":1,\"snapshots\":[],\"runs\":[{{\"t\":{},\"commit\":\"{}\",\"run\":\"66\",\"pass_rate\":0.1,\"failed\":9,\"flaky\":0}}]}} -->\n",
        T0 + 30 * DAY,
        "c".repeat(40)
    );
    hub.add_issue(
        HubIssue::new(50, T0 + 30 * DAY)
            .title(TITLE)
            .labels(&["slipgate"])
            .author(HubAuthor::person("mallory"))
            .body(&forged),
    );
    let j = junit(work.path(), "j.xml", 1, 1);
    let first = update(r.path(), &hub, &cache, T0 + 33 * DAY, &j, SHA1, "101").await;
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    let ours: Vec<_> = trend_issues(&hub)
        .into_iter()
        .filter(|i| i.number != 50)
        .collect();
    assert_eq!(ours.len(), 1);
    let body = ours[0].body.clone();
    assert!(
        !body.contains("run 66") && !body.contains("line [10") && !body.contains("bar [10"),
        "{body}"
    );
    // One run: one point, drawn as a bar (a line through one point draws nothing).
    assert!(body.contains("bar [50]"), "{body}");
    assert_eq!(
        hub.issues()
            .iter()
            .find(|i| i.number == 50)
            .map(|i| &i.body),
        Some(&forged)
    );

    // Our own issue's block edited by hand into something slipgate does not write: a
    // warning, and the history starts again from this run (and the cache's runs).
    let n = ours[0].number;
    hub.update_issue(n, |i| {
        i.body = i
            .body
            .replace("\"commit\":\"aaaaaaa", "\"commit\":\"zzzzzzz");
    });
    std::fs::remove_file(&cache).expect("cache");
    let second = update(r.path(), &hub, &cache, T0 + 40 * DAY, &j, SHA2, "102").await;
    assert_eq!(second.code, Some(0), "{}", second.stderr);
    assert!(
        second
            .stderr
            .contains("the trend issue's history block is ignored: a commit that is not a hex sha"),
        "{}",
        second.stderr
    );
    let body = &trend_issues(&hub)
        .into_iter()
        .find(|i| i.number == n)
        .expect("ours")
        .body;
    assert!(body.contains("[\"run 102\"]"), "{body}");
    assert!(!body.contains("zzzzzzz"), "{body}");
}

/// `trend --publish` updates the issue `check --trend-issue` opened (the same page and
/// the same upsert), prints that body with `--format markdown`, and exits 0 even when a
/// fail rule trips (the trend is a report). `trend --format markdown` alone writes
/// nothing to GitHub.
#[tokio::test]
async fn trend_publish_updates_the_issue_check_opened() {
    let r = sample();
    // A fail rule that trips on day 40 (1 open bug > 0): check would exit 1.
    std::fs::write(
        r.path().join("slipgate.yml"),
        "rules:\n  - {name: bugs, metric: open_bugs.total, max: 0, level: fail, on: [schedule]}\n",
    )
    .expect("policy");
    let work = tempfile::tempdir().expect("tmp");
    let cache = work.path().join("cache.db");
    let hub = MockHub::start(REPO).await;
    hub_bugs(&hub);
    let j1 = junit(work.path(), "j1.xml", 1, 1);
    let first = update(r.path(), &hub, &cache, T0 + 33 * DAY, &j1, SHA1, "101").await;
    assert_eq!(first.code, Some(1), "the fail rule trips: {}", first.stderr);
    assert_eq!(trend_issues(&hub).len(), 1);

    // trend --format markdown without --publish: the page on stdout, nothing written.
    std::fs::remove_file(&cache).expect("cache was written");
    let j2 = junit(work.path(), "j2.xml", 3, 1);
    let args = ["trend", "--format", "markdown"];
    let dry = run(
        &args,
        r.path(),
        &hub,
        &cache,
        T0 + 40 * DAY,
        Some(&j2),
        SHA2,
        "102",
    )
    .await;
    assert_eq!(dry.code, Some(0), "{}", dry.stderr);
    assert!(
        dry.stdout.starts_with("<!-- slipgate:trend -->\n"),
        "{}",
        dry.stdout
    );
    assert!(dry.stdout.contains("```mermaid"), "{}", dry.stdout);
    assert!(
        dry.stdout.contains("| Open bugs | 1 | ≤ 0 |"),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout
            .contains("this is its first update with a history"),
        "no issue read without --publish: {}",
        dry.stdout
    );
    let patches =
        |seen: &[crate::mockhub::Seen]| seen.iter().filter(|s| s.method == "PATCH").count();
    assert_eq!(patches(&hub.requests().await), 0);

    // trend --publish: the same issue, updated, with the history read back from it.
    let args = ["trend", "--format", "markdown", "--publish", TITLE];
    let second = run(
        &args,
        r.path(),
        &hub,
        &cache,
        T0 + 40 * DAY,
        Some(&j2),
        SHA2,
        "102",
    )
    .await;
    assert_eq!(
        second.code,
        Some(0),
        "a report, not a gate: {}",
        second.stderr
    );
    assert!(
        second.stderr.contains("updated the trend issue"),
        "{}",
        second.stderr
    );
    let issues = trend_issues(&hub);
    assert_eq!(issues.len(), 1, "updated in place, not opened again");
    let body = &issues[0].body;
    assert_eq!(&second.stdout, body, "stdout is the body published");
    assert!(
        body.contains("- 🟢 **Fewer bugs are open**: open bugs 1, ▼ 50% (was 2)"),
        "{body}"
    );
    assert!(
        body.contains("    x-axis \"Test run\" [\"run 101\", \"run 102\"]\n    y-axis \"Pass rate (%)\" 0 --> 100\n    line [50, 75]\n"),
        "{body}"
    );
    let seen = hub.requests().await;
    let posts = seen
        .iter()
        .filter(|s| s.method == "POST" && s.path.ends_with("/issues"))
        .count();
    assert_eq!((posts, patches(&seen)), (1, 1), "{seen:#?}");
}

/// The history block of a trend issue body, as JSON.
fn block(body: &str) -> serde_json::Value {
    let start = body.find("<!-- slipgate:history v2 ").expect("block") + 25;
    let end = start + body[start..].find(" -->").expect("end");
    serde_json::from_str(&body[start..end]).expect("json")
}

/// Test runs reach the scheduled run through the issue: `check --trend-issue` on a push
/// records its run in the issue's history without a snapshot, so the next scheduled
/// update, with an empty cache and no JUnit of its own, charts it and still compares with
/// the last scheduled update.
#[tokio::test]
async fn a_push_run_records_its_tests_for_the_next_scheduled_update() {
    let r = sample();
    policy(r.path());
    let work = tempfile::tempdir().expect("tmp");
    let cache = work.path().join("cache.db");
    let hub = MockHub::start(REPO).await;
    hub_bugs(&hub);
    // Scheduled, day 33: run 101, 1 of 2 tests pass.
    let j1 = junit(work.path(), "j1.xml", 1, 1);
    let first = update(r.path(), &hub, &cache, T0 + 33 * DAY, &j1, SHA1, "101").await;
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    // A push to the default branch, day 35, on a runner with no cache: run 201, 3 of 4.
    std::fs::remove_file(&cache).expect("cache was written");
    let j2 = junit(work.path(), "j2.xml", 3, 1);
    let args = ["check", "--trend-issue", TITLE, "GITHUB_EVENT_NAME=push"];
    let push = run(
        &args,
        r.path(),
        &hub,
        &cache,
        T0 + 35 * DAY,
        Some(&j2),
        SHA2,
        "201",
    )
    .await;
    assert_eq!(push.code, Some(0), "{}", push.stderr);
    let issues = trend_issues(&hub);
    assert_eq!(issues.len(), 1, "updated, not opened again");
    let h = block(&issues[0].body);
    assert_eq!(h["snapshots"].as_array().map(Vec::len), Some(1), "{h}");
    assert_eq!(h["snapshots"][0]["t"], T0 + 33 * DAY);
    let runs: Vec<&str> = h["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["run"].as_str().unwrap())
        .collect();
    assert_eq!(runs, ["101", "201"]);
    assert_eq!(h["runs"][1]["pass_rate"], 0.75);
    // The push judged its own rules: the page keeps the scheduled update's verdict and
    // says which run refreshed it.
    let day33 = slipgate::model::date(T0 + 33 * DAY);
    let pushed = &issues[0].body;
    assert!(
        pushed.contains(&format!(
            "## ✅ slipgate: quality trend passed at the last update\n\n_The verdict is the last update's ({day33}). This page was refreshed by a test run on commit `{}` (run 201); its figures are current._",
            &SHA2[..7]
        )),
        "{pushed}"
    );

    // Scheduled, day 40: no cache, no JUnit.
    std::fs::remove_file(&cache).expect("cache was written");
    let args = ["check", "--trend-issue", TITLE];
    let third = run(
        &args,
        r.path(),
        &hub,
        &cache,
        T0 + 40 * DAY,
        None,
        SHA2,
        "301",
    )
    .await;
    assert_eq!(third.code, Some(0), "{}", third.stderr);
    let issues = trend_issues(&hub);
    assert_eq!(issues.len(), 1);
    let body = &issues[0].body;
    assert!(
        body.contains("    x-axis \"Test run\" [\"run 101\", \"run 201\"]\n    y-axis \"Pass rate (%)\" 0 --> 100\n    line [50, 75]\n"),
        "{body}"
    );
    // No JUnit on the scheduled run: the detail says where the names are (run 201: 3 of
    // 4 passed, so 1 failed, 0 flaky).
    assert!(
        body.contains("the newest run below had 1 failed and 0 flaky;"),
        "{body}"
    );
    // Compared with the scheduled update of day 33, not with the push; the tests "now"
    // are the newest run's (75%), against 50% then: +50%.
    assert!(
        body.contains(&format!("**What changed since last update ({day33}):**")),
        "{body}"
    );
    assert!(
        body.contains("| Test pass rate | 75% | – | 50% | 🟢 ▲ 50% |"),
        "{body}"
    );
    let h = block(body);
    let times: Vec<i64> = h["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["t"].as_i64().unwrap())
        .collect();
    assert_eq!(times, [T0 + 33 * DAY, T0 + 40 * DAY]);
}

/// An LCOV report of one 100-line file with `covered` lines hit.
fn lcov(dir: &Path, name: &str, covered: usize) -> PathBuf {
    let mut text = String::from("SF:src/lib.rs\n");
    for line in 1..=100 {
        text.push_str(&format!("DA:{line},{}\n", usize::from(line <= covered)));
    }
    text.push_str("end_of_record\n");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("lcov");
    path
}

#[tokio::test]
async fn a_scheduled_update_without_coverage_shows_the_newest_runs_and_a_drop_is_bad() {
    let r = sample();
    policy(r.path());
    let work = tempfile::tempdir().expect("tmp");
    let cache = work.path().join("cache.db");
    let hub = MockHub::start(REPO).await;
    hub_bugs(&hub);
    let j = junit(work.path(), "j.xml", 2, 0);
    // Scheduled, day 33: 80 of 100 lines covered.
    let c1 = lcov(work.path(), "c1.info", 80);
    let c1 = c1.to_str().expect("utf-8");
    let args = ["check", "--trend-issue", TITLE, "--coverage", c1];
    let first = run(
        &args,
        r.path(),
        &hub,
        &cache,
        T0 + 33 * DAY,
        Some(&j),
        SHA1,
        "101",
    )
    .await;
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    // A push, day 35: 75 of 100.
    let c2 = lcov(work.path(), "c2.info", 75);
    let c2 = c2.to_str().expect("utf-8");
    let args = [
        "check",
        "--trend-issue",
        TITLE,
        "--coverage",
        c2,
        "GITHUB_EVENT_NAME=push",
    ];
    let push = run(
        &args,
        r.path(),
        &hub,
        &cache,
        T0 + 35 * DAY,
        Some(&j),
        SHA2,
        "201",
    )
    .await;
    assert_eq!(push.code, Some(0), "{}", push.stderr);
    // Scheduled, day 40, with neither JUnit nor coverage: "now" is run 201's 75%,
    // against 80% at the update of day 33: a drop of 5/80 = 6.25%, and a drop is bad.
    let args = ["check", "--trend-issue", TITLE];
    let third = run(
        &args,
        r.path(),
        &hub,
        &cache,
        T0 + 40 * DAY,
        None,
        SHA2,
        "301",
    )
    .await;
    assert_eq!(third.code, Some(0), "{}", third.stderr);
    let issues = trend_issues(&hub);
    assert_eq!(issues.len(), 1);
    let body = &issues[0].body;
    assert!(
        body.contains("| Line coverage | 75% | – | 80% | 🔴 ▼ 6."),
        "{body}"
    );
    assert!(body.contains("    line [80, 75]\n"), "{body}");
    assert!(body.contains("🔴 **Fewer lines are covered**"), "{body}");
}
