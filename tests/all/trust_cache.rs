//! Trust (issue 8): a cache another process holds locked is waited for and never taken
//! for corrupt; rows of the wrong type are repaired once; a closed stdout or stderr
//! never panics, and every line the binary writes is guarded against workflow commands.

use crate::cli::{now, sample};
use crate::mockhub::{HUB_EPOCH, HubIssue, HubPull, MockHub};
use pretty_assertions::assert_eq;
use slipgate::collect::github::{FetchStats, fetch};
use slipgate::github::GithubConfig;
use slipgate::model::GithubData;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const REPO: &str = "octocat/hello";
const HOUR: i64 = 3600;
const T0: i64 = HUB_EPOCH - 100 * 86_400;

fn config(hub: &MockHub, cache: PathBuf) -> GithubConfig {
    let mut cfg = GithubConfig::new(REPO);
    cfg.api_url = hub.uri();
    cfg.cache_path = Some(cache);
    cfg.request_timeout = Duration::from_secs(5);
    cfg
}

/// Issues 1..=4 (created T0 + n h; 2 and 4 labelled `bug`, 3 labelled `P1`) and pull
/// requests 5 and 6 (6 merged one hour after creation): one page per list.
fn seed(hub: &MockHub) {
    let issues = (1..=4u64)
        .map(|n| {
            let issue = HubIssue::new(n, T0 + n as i64 * HOUR);
            match n {
                2 | 4 => issue.labels(&["bug"]),
                3 => issue.labels(&["P1"]),
                _ => issue,
            }
        })
        .collect();
    let pulls = vec![
        HubPull::new(5, T0 + 5 * HOUR),
        HubPull::new(6, T0 + 6 * HOUR).merged(T0 + 7 * HOUR),
    ];
    hub.extend(issues, pulls);
}

async fn fetch_ok(cfg: &GithubConfig) -> (GithubData, FetchStats) {
    match fetch(cfg).await {
        Ok(result) => result,
        Err(err) => panic!("fetch failed: {err}"),
    }
}

fn cache_warnings(data: &GithubData) -> Vec<&String> {
    data.warnings
        .iter()
        .filter(|w| w.contains("cache"))
        .collect()
}

fn labels(data: &GithubData, number: u64) -> Vec<String> {
    data.issues
        .iter()
        .find(|i| i.number == number)
        .unwrap_or_else(|| panic!("issue #{number} missing"))
        .labels
        .clone()
}

fn raw(path: &Path, sql: &str) {
    rusqlite::Connection::open(path)
        .unwrap()
        .execute_batch(sql)
        .unwrap();
}

#[tokio::test]
async fn wrong_typed_rows_are_repaired_once_and_the_next_run_is_warm() {
    let hub = MockHub::start(REPO).await;
    seed(&hub);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.db");
    let cfg = config(&hub, path.clone());
    let (cold, stats) = fetch_ok(&cfg).await;
    assert_eq!((stats.requests, stats.not_modified), (2, 0));
    // Another program (or an older slipgate) wrote a time as text and broken labels.
    raw(
        &path,
        "UPDATE issues SET created_at = 'yesterday' WHERE number = 2;
         UPDATE issues SET labels = '{not json' WHERE number = 4;",
    );

    let (second, stats) = fetch_ok(&cfg).await;
    assert_eq!(
        cache_warnings(&second),
        vec![&format!(
            "the cache `{}` held rows with columns of the wrong type (2 in `issues`); dropped them; the lists they came from are fetched in full this run",
            path.display()
        )]
    );
    // Issues are read in full (one 200 page); pull requests are untouched: 304.
    assert_eq!((stats.requests, stats.not_modified), (2, 1));
    assert!(stats.issues_full && !stats.pulls_full && stats.cache_used);
    assert_eq!(second.issues, cold.issues);
    assert_eq!(second.issues[1].created_at, T0 + 2 * HOUR);
    assert_eq!(labels(&second, 4), vec!["bug"]);
    assert_eq!(second.pulls, cold.pulls);

    // Repaired once: the run after is warm again, with no warning.
    let (third, stats) = fetch_ok(&cfg).await;
    assert_eq!((stats.requests, stats.not_modified), (2, 2));
    assert!(cache_warnings(&third).is_empty(), "{:?}", third.warnings);
    assert_eq!(third.issues, cold.issues);
}

#[tokio::test]
async fn labels_that_no_longer_parse_are_refetched_not_read_as_none() {
    let hub = MockHub::start(REPO).await;
    seed(&hub);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.db");
    let cfg = config(&hub, path.clone());
    fetch_ok(&cfg).await;
    raw(
        &path,
        "UPDATE issues SET labels = '[\"bug\", 7]' WHERE number = 2;",
    );

    let (data, stats) = fetch_ok(&cfg).await;
    // Not a warm run with issue 2 silently unlabelled: its list is read again.
    assert!(stats.issues_full);
    assert_eq!(labels(&data, 2), vec!["bug"]);
    let (data, stats) = fetch_ok(&cfg).await;
    assert_eq!((stats.requests, stats.not_modified), (2, 2));
    assert_eq!(labels(&data, 2), vec!["bug"]);
}

#[tokio::test]
async fn a_fetch_waits_for_another_process_writing_the_cache() {
    let hub = MockHub::start(REPO).await;
    seed(&hub);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.db");
    let cfg = config(&hub, path.clone());
    fetch_ok(&cfg).await;

    // Another process is in the middle of a write: exclusive lock and a hot journal.
    let holder = rusqlite::Connection::open(&path).unwrap();
    holder
        .execute_batch("BEGIN EXCLUSIVE; UPDATE sync SET synced_at = synced_at + 1;")
        .unwrap();
    let journal = dir.path().join("cache.db-journal");
    assert!(journal.exists());
    let (locked, held) = std::sync::mpsc::channel::<()>();
    // Released after a short while, far below the busy timeout. (The old code also
    // waited here, for rusqlite's default 5 s; past that it moved the file aside and
    // deleted this journal: see the next test for a lock held past the wait.)
    let other = std::thread::spawn(move || {
        locked.send(()).unwrap();
        std::thread::sleep(Duration::from_millis(300));
        holder.execute_batch("COMMIT").unwrap();
    });
    held.recv().unwrap();

    // The lock is held when the fetch starts.
    let (data, stats) = fetch_ok(&cfg).await;
    other.join().unwrap();

    assert!(cache_warnings(&data).is_empty(), "{:?}", data.warnings);
    assert_eq!((stats.requests, stats.not_modified), (2, 2));
    assert!(stats.cache_used);
    assert!(!dir.path().join("cache.db.bak").exists());
    assert_eq!(data.issues.len(), 4);
}

#[test]
fn a_cache_locked_past_the_wait_is_reported_busy_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.db");
    let (cache, warnings) = slipgate::collect::cache::Cache::open(&path);
    assert!(cache.is_some() && warnings.is_empty());
    drop(cache);
    let holder = rusqlite::Connection::open(&path).unwrap();
    holder
        .execute_batch(
            "BEGIN EXCLUSIVE;
             INSERT INTO sync VALUES ('https://api.github.com', 'o/r', 'issues', '/p', NULL, NULL, 1);",
        )
        .unwrap();
    let journal = dir.path().join("cache.db-journal");
    assert!(journal.exists());

    let (cache, warnings) =
        slipgate::collect::cache::Cache::open_waiting(&path, Duration::from_millis(100));

    assert!(cache.is_none());
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("is in use by another process"),
        "{warnings:?}"
    );
    assert!(warnings[0].contains("left untouched"), "{warnings:?}");
    assert!(journal.exists(), "the other process's journal is kept");
    assert!(!dir.path().join("cache.db.bak").exists());
    holder.execute_batch("COMMIT").unwrap();
}

// ---- a closed stdout or stderr, and guarded lines ----------------------------------

/// The binary with the environment of `crate::cli::slipgate`, in `dir`.
fn binary(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_slipgate"));
    c.current_dir(dir);
    for var in [
        "GITHUB_TOKEN",
        "GITHUB_REPOSITORY",
        "GITHUB_API_URL",
        "GITHUB_EVENT_NAME",
        "GITHUB_EVENT_PATH",
        "GITHUB_STEP_SUMMARY",
        "GITHUB_OUTPUT",
        "GITHUB_ACTIONS",
        "RUNNER_TEMP",
        "NO_COLOR",
    ] {
        c.env_remove(var);
    }
    c
}

/// A pipe whose reading end is already closed: every write to it fails with EPIPE.
fn closed_pipe() -> Stdio {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    Stdio::from(writer)
}

/// Runs `c` with a closed stdout (and stderr, when asked); stderr is captured otherwise.
fn run_closed(mut c: Command, close_stderr: bool) -> Output {
    c.stdin(Stdio::null()).stdout(closed_pipe());
    if close_stderr {
        c.stderr(closed_pipe());
    } else {
        c.stderr(Stdio::piped());
    }
    c.spawn().expect("spawn").wait_with_output().expect("wait")
}

fn assert_no_panic(out: &Output) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert!(!err.contains("Broken pipe"), "{err}");
}

#[test]
fn report_into_a_closed_pipe_exits_0_quietly() {
    let r = sample();
    let mut c = binary(r.path());
    c.args(["report", "--offline", "--verbose", "--now", &now()]);
    let out = run_closed(c, false);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(0));
    // The progress lines on stderr still arrive.
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("slipgate: policy:"),
        "{out:?}"
    );

    // Both streams closed (`2>&-`-like): still no panic, still 0.
    let mut c = binary(r.path());
    c.args(["report", "--offline", "--verbose", "--now", &now()]);
    assert_eq!(run_closed(c, true).status.code(), Some(0));
}

#[test]
fn check_into_a_closed_pipe_keeps_the_gate_exit_code() {
    let r = sample();
    // Candidate lead p90 at day 40 is 5d > 3d: the gate fails (exit 1), and in Actions
    // the annotations go to stdout after the report.
    std::fs::write(
        r.path().join("slipgate.yml"),
        "rules:\n  - {name: lead, metric: lead_time.p90, max: 3d}\n",
    )
    .unwrap();
    for close_stderr in [false, true] {
        let mut c = binary(r.path());
        c.args(["check", "--offline", "--now", &now()])
            .env("GITHUB_EVENT_NAME", "push")
            .env("GITHUB_ACTIONS", "true");
        let out = run_closed(c, close_stderr);
        assert_no_panic(&out);
        assert_eq!(out.status.code(), Some(1), "{out:?}");
    }
    // The annotation itself is unguarded: with an open stdout the runner gets it.
    let out = binary(r.path())
        .args(["check", "--offline", "--now", &now()])
        .env("GITHUB_EVENT_NAME", "push")
        .env("GITHUB_ACTIONS", "true")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("::error title=slipgate%3A lead::")),
        "{stdout}"
    );
}

#[test]
fn an_error_quoting_the_policy_cannot_start_a_workflow_command() {
    let r = sample();
    // A pull request can change the policy file: its text reaches the error message.
    std::fs::write(
        r.path().join("slipgate.yml"),
        "rules:\n  - {metric: \"x\\n::error::forged\", max: 1}\n",
    )
    .unwrap();
    let out = binary(r.path())
        .args(["report", "--offline", "--now", &now()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("error: slipgate.yml:"), "{err}");
    // The value stays on its line, its line break shown.
    assert!(err.contains("`x<U+000A>::error::forged`"), "{err}");
    assert!(
        !err.lines().any(|l| l.trim_start().starts_with("::")),
        "{err}"
    );
}
