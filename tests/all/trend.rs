//! `slipgate trend`: every series value computed by hand on a small fixture, through the
//! binary, against the mock GitHub.
//!
//! Periods: `--period 10d --periods 4`, now = T0 + 40d, so P1 = [0, 10), P2 = [10, 20),
//! P3 = [20, 30), P4 = [30, 40] (days from T0, the last including its end).
//!
//! | release | released | changes (author = committer day)       | lead times   |
//! |---------|----------|-----------------------------------------|--------------|
//! | v1.0.0  | day 5    | 1 "feat: a", 3 "fix: b"                 | 4d, 2d       |
//! | v1.1.0  | day 15   | 12 "feat: c"                            | 3d           |
//! | v1.2.0  | day 18   | 16 "feat: d"                            | 2d           |
//! | v1.3.0  | day 28   | 21 "feat: e", 24 "fix: f", 25 "feat: g" | 7d, 4d, 3d   |
//! | HEAD    | —        | 36 "feat: h"                            |              |
//!
//! Issues (default policy: bug label `bug`; severities critical (fix objective 7d), high
//! (30d); no severity label = `none`):
//!
//! | # | labels         | created | closed                 |
//! |---|----------------|---------|------------------------|
//! | 1 | bug, critical  | 2       | 6 (fixed, 4d)          |
//! | 2 | bug            | 8       | open                   |
//! | 3 | bug, high      | 14      | 35 (fixed, 21d)        |
//! | 4 | bug, critical  | 22      | open (overdue from 29) |
//! | 5 | bug            | 25      | 27 (fixed, 2d)         |
//! | 6 | question       | 3       | open (not a bug)       |
//! | 7 | bug            | 9       | 11 not planned (invalid: never counted) |

use crate::cli::slipgate;
use crate::gitrepo::{DAY, T0, TestRepo};
use crate::mockhub::{HubIssue, MockHub};
use serde_json::Value;
use std::path::Path;

const REPO: &str = "octo-org/octo-repo";
const TOKEN: &str = "ghp_trendSECRETtoken0123456789";

pub(crate) fn fixture() -> TestRepo {
    let r = TestRepo::new();
    r.commit_at("feat: a", T0 + DAY);
    let b = r.commit_at("fix: b", T0 + 3 * DAY);
    r.tag_annotated("v1.0.0", b, T0 + 5 * DAY);
    let c = r.commit_at("feat: c", T0 + 12 * DAY);
    r.tag_annotated("v1.1.0", c, T0 + 15 * DAY);
    let d = r.commit_at("feat: d", T0 + 16 * DAY);
    r.tag_annotated("v1.2.0", d, T0 + 18 * DAY);
    r.commit_at("feat: e", T0 + 21 * DAY);
    r.commit_at("fix: f", T0 + 24 * DAY);
    let g = r.commit_at("feat: g", T0 + 25 * DAY);
    r.tag_annotated("v1.3.0", g, T0 + 28 * DAY);
    r.commit_at("feat: h", T0 + 36 * DAY);
    r
}

pub(crate) fn issues(hub: &MockHub) {
    let day = |d: i64| T0 + d * DAY;
    hub.add_issue(
        HubIssue::new(1, day(2))
            .labels(&["bug", "critical"])
            .closed(day(6), Some("completed")),
    );
    hub.add_issue(HubIssue::new(2, day(8)).labels(&["bug"]));
    hub.add_issue(
        HubIssue::new(3, day(14))
            .labels(&["bug", "high"])
            .closed(day(35), Some("completed")),
    );
    hub.add_issue(HubIssue::new(4, day(22)).labels(&["bug", "critical"]));
    hub.add_issue(
        HubIssue::new(5, day(25))
            .labels(&["bug"])
            .closed(day(27), Some("completed")),
    );
    hub.add_issue(HubIssue::new(6, day(3)).labels(&["question"]));
    hub.add_issue(
        HubIssue::new(7, day(9))
            .labels(&["bug"])
            .closed(day(11), Some("not_planned")),
    );
}

/// Three recorded test runs, written out of order (the series lists them oldest first).
fn record_runs(cache: &Path) {
    use slipgate::model::TestTotalsRow;
    use slipgate::store::runs::record_test_run;
    let totals = |passed, failed, errored, flaky| TestTotalsRow {
        passed,
        failed,
        errored,
        skipped: 1,
        flaky,
        duration: 1.5,
    };
    for (sha, run, day, t) in [
        ("ccc333", "103", 30, totals(8, 2, 0, 1)),
        ("aaa111", "101", 20, totals(9, 0, 1, 0)),
        ("bbb222", "102", 25, totals(10, 0, 0, 0)),
    ] {
        record_test_run(cache, REPO, sha, Some(run), T0 + day * DAY, &t, &[], &[]).expect("record");
    }
}

fn now() -> String {
    slipgate::model::rfc3339(T0 + 40 * DAY)
}

async fn trend(repo: &Path, hub: &MockHub, cache: &Path, extra: &[&str]) -> std::process::Output {
    let repo = repo.to_path_buf();
    let cache = cache.to_path_buf();
    let uri = hub.uri();
    let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        slipgate(&repo)
            .args(["trend", "--now", &now(), "--github-repo", REPO])
            .args(["--api-url", &uri, "--token", TOKEN, "--cache"])
            .arg(&cache)
            .args(["--period", "10d", "--periods", "4"])
            .args(&extra)
            .output()
            .expect("run slipgate")
    })
    .await
    .expect("join")
}

fn json(out: &std::process::Output) -> Value {
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

/// The values of a series kind.
fn values(j: &Value, metric: &str, kind: &str) -> Vec<Value> {
    j["series"][metric][kind]
        .as_array()
        .unwrap_or_else(|| panic!("{metric}.{kind}: {}", j["series"][metric]))
        .iter()
        .map(|p| p["value"].clone())
        .collect()
}

fn nums(v: &[Value]) -> Vec<Option<f64>> {
    v.iter().map(Value::as_f64).collect()
}

fn close(a: &[Option<f64>], b: &[Option<f64>]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| match (x, y) {
            (Some(x), Some(y)) => (x - y).abs() < 1e-9,
            (None, None) => true,
            _ => false,
        })
}

#[tokio::test]
async fn every_series_value_by_hand() {
    let r = fixture();
    let work = tempfile::tempdir().expect("tmp");
    let cache = work.path().join("cache.db");
    record_runs(&cache);
    let hub = MockHub::start(REPO).await;
    issues(&hub);
    let j = json(
        &trend(
            r.path(),
            &hub,
            &cache,
            &["--format", "json", "--releases", "3"],
        )
        .await,
    );

    assert_eq!(j["schema_version"], 1);
    assert_eq!(j["evaluated_at"], "2023-12-24T22:13:20Z");
    assert_eq!(j["period_seconds"], 10 * DAY);
    // The periods, oldest first, ending at now.
    let p = &j["series"]["open_bugs.total"]["per_period"];
    let spans: Vec<(&str, &str)> = p
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["start"].as_str().unwrap(), p["end"].as_str().unwrap()))
        .collect();
    assert_eq!(
        spans,
        [
            ("2023-11-14T22:13:20Z", "2023-11-24T22:13:20Z"),
            ("2023-11-24T22:13:20Z", "2023-12-04T22:13:20Z"),
            ("2023-12-04T22:13:20Z", "2023-12-14T22:13:20Z"),
            ("2023-12-14T22:13:20Z", "2023-12-24T22:13:20Z"),
        ]
    );

    // Snapshots at each period's end (days 10, 20, 30, 40); #6 is no bug, #7 is invalid.
    // day 10: #2. day 20: #2, #3. day 30: #2, #3, #4 (#5 closed on 27). day 40: #2, #4.
    let per_period = |m: &str| values(&j, m, "per_period");
    assert_eq!(per_period("open_bugs.total"), [1, 2, 3, 2]);
    assert_eq!(per_period("open_bugs.critical"), [0, 0, 1, 1]);
    assert_eq!(per_period("open_bugs.high"), [0, 1, 1, 0]);
    assert_eq!(per_period("open_bugs.none"), [1, 1, 1, 1]);
    // #4 (critical, objective 7d) is 8d old on day 30 and 18d on day 40; #3 (high, 30d)
    // is 16d old on day 30.
    assert_eq!(per_period("open_bugs.overdue"), [0, 0, 1, 1]);

    // Flow metrics over each period.
    // Releases: P1 v1.0.0, P2 v1.1.0 and v1.2.0, P3 v1.3.0, P4 none; a period is 10/7 weeks.
    assert!(close(
        &nums(&per_period("release_frequency")),
        &[Some(0.7), Some(1.4), Some(0.7), Some(0.0)]
    ));
    assert_eq!(per_period("changes"), [2, 2, 3, 0]);
    // P1 [2d, 4d] → p50 2d, p90 4d; P2 [2d, 3d] → 2d, 3d; P3 [3d, 4d, 7d] → 4d, 7d; P4 none.
    let d = |n: i64| Value::from(n * DAY);
    assert_eq!(per_period("lead_time.p50"), [d(2), d(2), d(4), Value::Null]);
    assert_eq!(per_period("lead_time.p90"), [d(4), d(3), d(7), Value::Null]);
    // Bugs created: P1 #1, #2; P2 #3; P3 #4, #5; P4 none.
    assert_eq!(per_period("bugs_found"), [2, 1, 2, 0]);
    // Per 100 changes: 2/2, 1/2, 2/3; no changes in P4.
    assert!(close(
        &nums(&per_period("defect_rate")),
        &[Some(100.0), Some(50.0), Some(200.0 / 3.0), None]
    ));
    // Fixed bugs closed: P1 #1 (4d), P3 #5 (2d), P4 #3 (21d).
    assert_eq!(
        per_period("bug_fix_time.p50"),
        [d(4), Value::Null, d(2), d(21)]
    );
    // With an objective: #1 (critical, 4d ≤ 7d), #3 (high, 21d ≤ 30d); #5 has none.
    assert_eq!(
        nums(&per_period("bug_fix_time.within_slo")),
        [Some(1.0), None, None, Some(1.0)]
    );
    // No release failed (no hotfix, no incident); P4 has no release.
    assert_eq!(
        nums(&per_period("change_failure_rate")),
        [Some(0.0), Some(0.0), Some(0.0), None]
    );
    // Test metrics have no period series; fix ratio neither.
    assert_eq!(per_period("tests.pass_rate"), Vec::<Value>::new());
    assert_eq!(per_period("fix_ratio"), Vec::<Value>::new());

    // The release series: the last 3 releases in version order.
    let rel = &j["series"]["changes"]["per_release"];
    let tags: Vec<_> = rel
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["tag"].as_str().unwrap(), p["version"].as_str().unwrap()))
        .collect();
    assert_eq!(
        tags,
        [
            ("v1.1.0", "1.1.0"),
            ("v1.2.0", "1.2.0"),
            ("v1.3.0", "1.3.0")
        ]
    );
    assert_eq!(rel[2]["time"], "2023-12-12T22:13:20Z");
    let per_release = |m: &str| values(&j, m, "per_release");
    assert_eq!(per_release("changes"), [1, 1, 3]);
    assert_eq!(per_release("lead_time.p50"), [d(3), d(2), d(4)]);
    assert_eq!(per_release("lead_time.p90"), [d(3), d(2), d(7)]);
    assert!(close(
        &nums(&per_release("fix_ratio")),
        &[Some(0.0), Some(0.0), Some(1.0 / 3.0)]
    ));
    // Release windows: v1.1.0 [15, 18), v1.2.0 [18, 28) holds #4 and #5, v1.3.0 [28, 40].
    assert_eq!(per_release("bugs_found"), [0, 2, 0]);
    assert!(close(
        &nums(&per_release("defect_rate")),
        &[Some(0.0), Some(200.0), Some(0.0)]
    ));
    assert_eq!(per_release("open_bugs.total"), Vec::<Value>::new());

    // The run series, oldest first.
    let runs = &j["series"]["tests.pass_rate"]["per_run"];
    let ids: Vec<_> = runs
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["run"].as_str().unwrap(),
                p["commit"].as_str().unwrap(),
                p["time"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        ids,
        [
            ("101", "aaa111", "2023-12-04T22:13:20Z"),
            ("102", "bbb222", "2023-12-09T22:13:20Z"),
            ("103", "ccc333", "2023-12-14T22:13:20Z"),
        ]
    );
    let per_run = |m: &str| values(&j, m, "per_run");
    // passed / (passed + failed + errored): 9/10, 10/10, 8/10.
    assert!(close(
        &nums(&per_run("tests.pass_rate")),
        &[Some(0.9), Some(1.0), Some(0.8)]
    ));
    assert_eq!(per_run("tests.failed"), [0, 0, 2]);
    assert_eq!(per_run("tests.flaky"), [0, 0, 1]);
    assert_eq!(per_run("open_bugs.total"), Vec::<Value>::new());

    // Deltas: the last point against the one before.
    let delta = |m: &str, kind: &str| j["deltas"][m][kind].clone();
    assert_eq!(
        delta("open_bugs.total", "per_period"),
        serde_json::json!({"last": 2, "previous": 3, "change": -1, "share": -1.0 / 3.0})
    );
    assert_eq!(
        delta("bugs_found", "per_period"),
        serde_json::json!({"last": 0, "previous": 2, "change": -2, "share": -1.0})
    );
    // lead time: P4 has none, so no change.
    assert_eq!(
        delta("lead_time.p50", "per_period"),
        serde_json::json!({"last": null, "previous": 4 * DAY, "change": null, "share": null})
    );
    assert_eq!(
        delta("lead_time.p50", "per_release"),
        serde_json::json!({"last": 4 * DAY, "previous": 2 * DAY, "change": 2 * DAY, "share": 1.0})
    );
    assert_eq!(
        delta("changes", "per_release"),
        serde_json::json!({"last": 3, "previous": 1, "change": 2, "share": 2.0})
    );
    // previous 0: a change, but no share.
    assert_eq!(
        delta("tests.failed", "per_run"),
        serde_json::json!({"last": 2, "previous": 0, "change": 2, "share": null})
    );
    // A kind the metric has no series of has no delta.
    assert_eq!(delta("tests.failed", "per_period"), Value::Null);
    assert_eq!(delta("open_bugs.total", "per_release"), Value::Null);
    let pass = &j["deltas"]["tests.pass_rate"]["per_run"];
    assert!(
        (pass["change"].as_f64().unwrap() + 0.2).abs() < 1e-9,
        "{pass}"
    );
    assert!(
        (pass["share"].as_f64().unwrap() + 0.2).abs() < 1e-9,
        "{pass}"
    );
}

#[tokio::test]
async fn json_shape_and_the_text_and_markdown_tables() {
    let r = fixture();
    let work = tempfile::tempdir().expect("tmp");
    let cache = work.path().join("cache.db");
    let hub = MockHub::start(REPO).await;
    issues(&hub);
    let j = json(&trend(r.path(), &hub, &cache, &["--format", "json"]).await);
    let keys: Vec<&str> = j.as_object().unwrap().keys().map(String::as_str).collect();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        [
            "deltas",
            "evaluated_at",
            "period_seconds",
            "schema_version",
            "series"
        ]
    );
    let names: Vec<&str> = j["series"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for name in [
        "open_bugs.total",
        "open_bugs.critical",
        "open_bugs.high",
        "open_bugs.none",
        "open_bugs.overdue",
        "release_frequency",
        "changes",
        "lead_time.p50",
        "lead_time.p90",
        "bugs_found",
        "defect_rate",
        "bug_fix_time.p50",
        "bug_fix_time.p90",
        "bug_fix_time.within_slo",
        "time_to_restore.p50",
        "change_failure_rate",
        "pr_cycle_time.p50",
        "fix_ratio",
        "tests.pass_rate",
        "tests.failed",
        "tests.flaky",
    ] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
        let s = &j["series"][name];
        for kind in ["per_period", "per_release", "per_run"] {
            assert!(s[kind].is_array(), "{name}.{kind}");
            assert!(j["deltas"][name].get(kind).is_some(), "delta {name}.{kind}");
        }
    }
    assert_eq!(names.len(), j["deltas"].as_object().unwrap().len());
    // Every point of every series has exactly its fields.
    for (name, s) in j["series"].as_object().unwrap() {
        for (kind, fields) in [
            ("per_period", ["end", "start", "value"].as_slice()),
            ("per_release", &["tag", "time", "value", "version"]),
            ("per_run", &["commit", "run", "time", "value"]),
        ] {
            for p in s[kind].as_array().unwrap() {
                let mut k: Vec<&str> = p.as_object().unwrap().keys().map(String::as_str).collect();
                k.sort_unstable();
                assert_eq!(k, fields, "{name}.{kind}");
            }
        }
    }
    // No cache history and no JUnit: the run series are empty, their deltas null.
    assert_eq!(
        j["series"]["tests.pass_rate"]["per_run"],
        serde_json::json!([])
    );
    assert_eq!(j["deltas"]["tests.pass_rate"]["per_run"], Value::Null);
    // 12 releases asked, 4 exist.
    assert_eq!(
        j["series"]["changes"]["per_release"]
            .as_array()
            .unwrap()
            .len(),
        4
    );

    let text = trend(
        r.path(),
        &hub,
        &cache,
        &["--format", "text", "--color", "never"],
    )
    .await;
    let text = String::from_utf8_lossy(&text.stdout).into_owned();
    assert!(text.starts_with("slipgate trend"), "{text}");
    assert!(text.contains("Trend per period"), "{text}");
    assert!(text.contains("Trend per release"), "{text}");
    assert!(!text.contains("Trend per test run"), "{text}");
    let line = text
        .lines()
        .find(|l| l.starts_with("open_bugs.total "))
        .unwrap_or_else(|| panic!("{text}"));
    // the last 4 periods (1, 2, 3, 2) and the delta −1 of 3.
    let cells: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(
        cells,
        ["open_bugs.total", "1", "2", "3", "2", "▼", "1", "(−33%)"]
    );

    let md = trend(r.path(), &hub, &cache, &["--format", "markdown"]).await;
    let md = String::from_utf8_lossy(&md.stdout).into_owned();
    // The trend issue's page: open bugs 2 now, its sparkline over the four periods (1, 2,
    // 3, 2 on a scale from 1 to 3: lowest, middle, highest, middle), the same values charted.
    assert!(md.starts_with("<!-- slipgate:trend -->\n"), "{md}");
    // No previous update: the headline compares the last period with the one before, both
    // from the series (open bugs 3 → 2; bugs found per period 2 → 0), never the policy
    // window's figure with a period's.
    assert!(
        md.contains("**What changed in the last 10d against the 10d before:**"),
        "{md}"
    );
    assert!(
        md.contains("**Fewer bugs are open**: open bugs 2, ▼ 33.3% (was 3)"),
        "{md}"
    );
    assert!(
        md.contains("**Fewer bugs are found**: bugs found 0, ▼ 100% (was 2)"),
        "{md}"
    );
    assert!(md.contains("| Open bugs | 2 | – | – | – | ▁▅█▅ |"), "{md}");
    assert!(
        md.contains("    x-axis \"Period (10d, ending)\" [\"11-24\", \"12-04\", \"12-14\", \"12-24\"]\n    y-axis \"Bugs\" 0 --> 3.5\n    bar [1, 2, 3, 2]\n"),
        "{md}"
    );
}

#[test]
fn bad_flags_are_usage_errors() {
    let r = fixture();
    for (args, what) in [
        (["--period", "0d"], "--period"),
        (["--period", "banana"], "--period"),
        (["--periods", "0"], "--periods"),
        (["--releases", "0"], "--releases"),
        (["--format", "html"], "--format"),
    ] {
        slipgate(r.path())
            .args(["trend", "--offline"])
            .args(args)
            .assert()
            .code(2)
            .stderr(predicates::str::contains(what));
    }
}

#[test]
fn offline_the_github_series_are_null() {
    let r = fixture();
    let out = slipgate(r.path())
        .args(["trend", "--offline", "--format", "json", "--now", &now()])
        .args(["--period", "10d", "--periods", "4"])
        .output()
        .expect("run");
    let j = json(&out);
    assert_eq!(
        values(&j, "open_bugs.total", "per_period"),
        [Value::Null, Value::Null, Value::Null, Value::Null]
    );
    assert_eq!(values(&j, "changes", "per_period"), [2, 2, 3, 0]);
}

#[test]
fn two_local_repositories_sharing_a_cache_never_mix_their_test_runs() {
    // Neither repository has a GitHub name: each one's runs are keyed by its folder, so
    // a run recorded in `a` is `a`'s alone (it used to be filed under one shared key).
    let (a, b) = (fixture(), fixture());
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache.db");
    let junit = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/junit/dialects/pytest-xunit2.xml");
    let out = slipgate(a.path())
        .args(["check", "--offline", "--now", &now(), "--junit"])
        .arg(&junit)
        .arg("--cache")
        .arg(&cache)
        .env("GITHUB_EVENT_NAME", "push")
        .output()
        .expect("run");
    assert!(cache.exists(), "{}", String::from_utf8_lossy(&out.stderr));
    let runs = |repo: &Path| {
        let out = slipgate(repo)
            .args([
                "trend",
                "--offline",
                "--format",
                "json",
                "--now",
                &now(),
                "--cache",
            ])
            .arg(&cache)
            .output()
            .expect("run");
        values(&json(&out), "tests.pass_rate", "per_run").len()
    };
    assert_eq!(runs(a.path()), 1);
    assert_eq!(runs(b.path()), 0);
}
