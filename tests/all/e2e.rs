//! End to end: the binary against the fake GitHub (mockhub) on a temporary repository, as
//! a pull request workflow would run it.
//!
//! The repository is `cli::sample()` (evaluated at day 40); the fake holds one open bug
//! (#7, created day 30) and the event is `tests/fixtures/events/pull_request.json` (PR #42,
//! labels `bug` and `skip-gate`, a title full of markdown, HTML and a mention).

use crate::cli::{now, sample, slipgate};
use crate::gitrepo::{DAY, T0};
use crate::mockhub::{HubIssue, HubPull, MockHub};
use predicates::prelude::*;
use std::path::{Path, PathBuf};

const TOKEN: &str = "ghp_e2eSECRETtoken0123456789";
const REPO: &str = "octo-org/octo-repo";

fn event_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/events/pull_request.json")
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    summary: String,
}

async fn check(repo: &Path, hub: &MockHub, work: &Path, extra: &[&str]) -> Run {
    let repo = repo.to_path_buf();
    let work = work.to_path_buf();
    let uri = hub.uri();
    let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let summary = work.join("summary.md");
        let _ = std::fs::remove_file(&summary);
        let out = slipgate(&repo)
            .args(["check", "--comment", "--now", &now(), "--cache"])
            .arg(work.join("cache.db"))
            .args(&extra)
            .env("GITHUB_API_URL", &uri)
            // Links are made from the server URL (set by GitHub Actions), not from the
            // issues' `html_url`.
            .env("GITHUB_SERVER_URL", "https://github.com")
            .env("GITHUB_REPOSITORY", REPO)
            .env("GITHUB_TOKEN", TOKEN)
            .env("GITHUB_EVENT_NAME", "pull_request")
            .env("GITHUB_EVENT_PATH", event_path())
            .env("GITHUB_STEP_SUMMARY", &summary)
            .output()
            .expect("run slipgate");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            summary: std::fs::read_to_string(&summary).unwrap_or_default(),
        }
    })
    .await
    .expect("join")
}

fn policy(repo: &Path) {
    std::fs::write(
        repo.join("slipgate.yml"),
        "rules:\n  - {name: no-open-bugs, metric: open_bugs.total, max: 0}\n  - {name: lead, metric: lead_time.p90, max: 30d}\n",
    )
    .expect("policy");
}

#[tokio::test]
async fn pull_request_comment_is_created_then_edited_then_recovers() {
    let r = sample();
    policy(r.path());
    let work = tempfile::tempdir().expect("tmp");
    let hub = MockHub::start(REPO).await;
    hub.add_pull(HubPull::new(42, T0 + 38 * DAY));
    hub.add_issue(
        HubIssue::new(7, T0 + 30 * DAY)
            .labels(&["Bug"])
            .title("Crash @alice <b>x</b>"),
    );

    // 1st run: the open bug trips the rule; one comment is created.
    let first = check(r.path(), &hub, work.path(), &[]).await;
    assert_eq!(first.code, 1, "{}\n{}", first.stdout, first.stderr);
    let comments = hub.comments(42);
    assert_eq!(comments.len(), 1);
    let body = &comments[0].body;
    assert!(body.contains("<!-- slipgate:check -->"), "{body}");
    assert!(
        body.contains("❌ slipgate: quality gate failed — 1 of 2 rules tripped"),
        "{body}"
    );
    // Evidence links the bug, and its title is escaped: no live mention, no raw HTML.
    assert!(
        body.contains("(https://github.com/octo-org/octo-repo/issues/7)"),
        "{body}"
    );
    assert!(!body.contains("@alice"), "{body}");
    assert!(!body.contains("<b>"), "{body}");
    assert!(first.summary.contains("no-open-bugs"), "{}", first.summary);

    // 2nd run, nothing changed: the same comment is kept (no second POST).
    let second = check(r.path(), &hub, work.path(), &[]).await;
    assert_eq!(second.code, 1);
    assert_eq!(hub.comments(42).len(), 1);

    // The bug is fixed: the gate recovers and the same comment says so.
    hub.update_issue(7, |i| {
        *i = i
            .clone()
            .closed(T0 + 35 * DAY, Some("completed"))
            .updated(T0 + 35 * DAY);
    });
    let third = check(r.path(), &hub, work.path(), &[]).await;
    assert_eq!(third.code, 0, "{}\n{}", third.stdout, third.stderr);
    let comments = hub.comments(42);
    assert_eq!(comments.len(), 1);
    assert!(
        comments[0].body.contains("Recovered"),
        "{}",
        comments[0].body
    );
    assert!(
        comments[0]
            .body
            .contains("✅ slipgate: quality gate passed"),
        "{}",
        comments[0].body
    );

    let seen = hub.requests().await;
    let posts = seen.iter().filter(|s| s.method == "POST").count();
    let patches = seen.iter().filter(|s| s.method == "PATCH").count();
    assert_eq!((posts, patches), (1, 1), "{seen:#?}");
    // No rule needs pull requests: their list is never requested.
    assert!(
        !seen
            .iter()
            .any(|s| s.method == "GET" && s.path.ends_with("/pulls")),
        "{seen:#?}"
    );
    for run in [&first, &second, &third] {
        assert!(!run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN));
    }
}

#[tokio::test]
async fn read_only_token_makes_commenting_a_warning() {
    let r = sample();
    policy(r.path());
    let work = tempfile::tempdir().expect("tmp");
    let hub = MockHub::start(REPO).await;
    hub.add_pull(HubPull::new(42, T0 + 38 * DAY));
    hub.set_read_only(true);
    let run = check(r.path(), &hub, work.path(), &[]).await;
    // No open bug: the gate passes; the comment could not be written.
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("could not comment on pull request #42"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("read-only"), "{}", run.stderr);
    assert!(hub.comments(42).is_empty());
    assert!(
        run.summary.contains("✅ slipgate: quality gate passed"),
        "{}",
        run.summary
    );
    assert!(!run.stderr.contains(TOKEN));
}

#[tokio::test]
async fn report_reads_issues_and_a_bad_token_is_exit_2() {
    let r = sample();
    let work = tempfile::tempdir().expect("tmp");
    let hub = MockHub::start(REPO).await;
    // v1.1.0's window is [day 30, day 40]: #1 created day 31 is found there.
    hub.add_issue(HubIssue::new(1, T0 + 31 * DAY).labels(&["bug"]));
    hub.add_issue(
        HubIssue::new(2, T0 + 31 * DAY)
            .labels(&["bug"])
            .closed(T0 + 32 * DAY, Some("not_planned")),
    );
    hub.require_token(TOKEN);
    let uri = hub.uri();
    let path = r.path().to_path_buf();
    let cache = work.path().join("c.db");
    let (ok, bad) = tokio::task::spawn_blocking(move || {
        let ok = slipgate(&path)
            .args([
                "report",
                "--format",
                "json",
                "--now",
                &now(),
                "--github-repo",
                REPO,
                "--api-url",
                &uri,
                "--token",
                TOKEN,
                "--cache",
            ])
            .arg(&cache)
            .output()
            .expect("run");
        let bad = slipgate(&path)
            .args([
                "report",
                "--now",
                &now(),
                "--github-repo",
                REPO,
                "--api-url",
                &uri,
                "--token",
                "ghp_wrongWRONGwrong",
                "--no-cache",
            ])
            .output()
            .expect("run");
        (ok, bad)
    })
    .await
    .expect("join");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&ok.stdout).expect("json");
    assert_eq!(v["sources"]["github"], REPO);
    assert_eq!(v["releases"][0]["bugs_found"], 1);
    // 1 bug over v1.1.0's 4 changes = 25 per 100 changes.
    assert_eq!(v["releases"][0]["defect_rate"], 25.0);
    assert_eq!(v["open_bugs"]["total"], 1);
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("token"), "{err}");
    assert!(!err.contains("ghp_wrongWRONGwrong"), "{err}");
    let _ = predicate::always();
}

#[tokio::test]
async fn scheduled_run_keeps_one_trend_issue_with_test_history() {
    let r = sample();
    policy(r.path());
    let work = tempfile::tempdir().expect("tmp");
    let junit = work.path().join("junit.xml");
    std::fs::write(
        &junit,
        r#"<testsuite name="s"><testcase classname="a" name="ok"/><testcase classname="a" name="bad"><failure message="boom"/></testcase></testsuite>"#,
    )
    .expect("junit");
    let hub = MockHub::start(REPO).await;
    let uri = hub.uri();
    let (path, cache, junit_arg) = (
        r.path().to_path_buf(),
        work.path().join("c.db"),
        junit.display().to_string(),
    );
    let run = move |run_id: &'static str| {
        let out = slipgate(&path)
            .args([
                "check",
                "--trend-issue",
                "Quality trend",
                "--now",
                &now(),
                "--cache",
            ])
            .arg(&cache)
            .args(["--junit", &junit_arg])
            .env("GITHUB_API_URL", &uri)
            .env("GITHUB_REPOSITORY", REPO)
            .env("GITHUB_TOKEN", TOKEN)
            .env("GITHUB_EVENT_NAME", "schedule")
            .env("GITHUB_SHA", "0123456789abcdef")
            .env("GITHUB_RUN_ID", run_id)
            .output()
            .expect("run");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let run2 = run.clone();
    let (first, second) = tokio::task::spawn_blocking(move || (run("1"), run2("2")))
        .await
        .expect("join");
    // No open bug, one failing test: the gate passes (no tests rule) either way. (The trend
    // issue is the repository's only issue and carries no bug label, so the bug rule does
    // not judge.)
    assert_eq!(first.0, Some(0), "{}", first.1);
    assert_eq!(second.0, Some(0), "{}", second.1);
    let trend: Vec<_> = hub
        .issues()
        .into_iter()
        .filter(|i| i.title == "Quality trend")
        .collect();
    assert_eq!(trend.len(), 1, "one trend issue, updated in place");
    let body = &trend[0].body;
    assert!(body.contains("<!-- slipgate:trend -->"), "{body}");
    assert!(trend[0].labels.iter().any(|l| l == "slipgate"));
    // The second run's body lists both recorded test runs (kept in the issue's history
    // block): 1 of 2 passed = 50%, 1 failed, none flaky; and charts them.
    assert!(body.contains("<!-- slipgate:history v2 "), "{body}");
    assert!(body.contains("**Test runs** (newest first)"), "{body}");
    assert_eq!(
        body.matches("| `0123456` | 2023-12-24T22:13:20Z | 50% | 1 | 0 |")
            .count(),
        2,
        "{body}"
    );
    assert!(
        body.contains("x-axis \"Test run\" [\"run 1\", \"run 2\"]"),
        "{body}"
    );
    assert!(body.contains("    line [50, 50]\n"), "{body}");
}
