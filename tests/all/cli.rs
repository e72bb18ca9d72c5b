//! The command-line contract: outputs, exit codes and error messages, end to end through
//! the binary, on temporary repositories with hand-computed numbers.
//!
//! The repository of [`sample`] (T0 = 2023-11-14 22:13:20 UTC, days from T0):
//!
//! | release | released (tag)        | changes (author day)         | lead times          |
//! |---------|-----------------------|------------------------------|---------------------|
//! | v1.0.0  | day 10 (annotated)    | 1 "feat: a", 4 "fix: b"      | 9d, 6d              |
//! | v1.0.1  | day 12 (lightweight)  | 11 "fix: c"                  | 1d                  |
//! | v1.1.0  | day 30 (annotated)    | 13, 20 on a branch, merged   | 17d, 10d, (merge no)|
//! |         |                       | at 25; 28 "Revert \"x\""     | 2d                  |
//! | HEAD    | —                     | 35 "feat: d", 38 "fix: e"    | at now = day 40:    |
//! |         |                       |                              | 5d, 2d              |

use crate::gitrepo::{DAY, T0, TestRepo};
use assert_cmd::Command;
use predicates::prelude::*;
use std::path::Path;

/// Variables of a CI job that a test must not inherit.
pub const CI_VARS: [&str; 11] = [
    "GITHUB_TOKEN",
    "SLIPGATE_COMMENT_AUTHOR",
    "GITHUB_REPOSITORY",
    "GITHUB_API_URL",
    "GITHUB_EVENT_NAME",
    "GITHUB_EVENT_PATH",
    "GITHUB_STEP_SUMMARY",
    "GITHUB_OUTPUT",
    "GITHUB_ACTIONS",
    "RUNNER_TEMP",
    "NO_COLOR",
];

pub fn slipgate(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_slipgate"));
    c.current_dir(dir);
    for var in CI_VARS {
        c.env_remove(var);
    }
    c
}

pub fn now() -> String {
    slipgate::model::rfc3339(T0 + 40 * DAY)
}

pub fn sample() -> TestRepo {
    let r = TestRepo::new();
    r.commit_at("feat: a", T0 + DAY);
    let b = r.commit("fix: b", T0 + 4 * DAY, T0 + 9 * DAY);
    r.tag_annotated("v1.0.0", b, T0 + 10 * DAY);
    let c = r.commit_at("fix: c", T0 + 11 * DAY);
    r.commit_at("chore: tag", T0 + 12 * DAY);
    r.tag_lightweight("v1.0.1", c);
    // v1.0.1 is the commit "fix: c" (committer day 11)... but tagged as lightweight: its
    // release time is the commit's committer time, day 11.
    let base = r.head().expect("head");
    r.branch("topic", base);
    r.commit_on("topic", "feat: t1", T0 + 13 * DAY);
    let t2 = r.commit_on("topic", "feat: t2", T0 + 20 * DAY);
    r.merge(t2, "Merge branch 'topic'", T0 + 25 * DAY);
    let rv = r.commit_at("Revert \"feat: a\"", T0 + 28 * DAY);
    r.tag_annotated("v1.1.0", rv, T0 + 30 * DAY);
    r.commit_at("feat: d", T0 + 35 * DAY);
    r.commit_at("fix: e", T0 + 38 * DAY);
    r
}

fn json(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(out)))
}

#[test]
fn report_json_has_the_hand_computed_numbers() {
    let r = sample();
    let out = slipgate(r.path())
        .args(["report", "--offline", "--format", "json", "--now", &now()])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v = json(&out);
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["releases_total"], 3);
    let rel = &v["releases"];
    // Newest first.
    assert_eq!(rel[0]["tag"], "v1.1.0");
    // v1.1.0: "chore: tag" (day 12, lead 18d), t1 (13 → 17d), t2 (20 → 10d), revert
    // (28 → 2d); the merge is not a change. Sorted [2d, 10d, 17d, 18d]: p50 rank 2 → 10d,
    // p90 rank 4 → 18d.
    assert_eq!(rel[0]["changes"]["changes"], 4);
    assert_eq!(rel[0]["changes"]["lead_time"]["p50"], 10 * DAY);
    assert_eq!(rel[0]["changes"]["lead_time"]["p90"], 18 * DAY);
    assert_eq!(rel[0]["changes"]["reverts"], 1);
    assert_eq!(rel[0]["time"], slipgate::model::rfc3339(T0 + 30 * DAY));
    assert_eq!(rel[0]["provisional"], true);
    // v1.0.1: lightweight on "fix: c", released at its committer time (day 11): lead 0.
    assert_eq!(rel[1]["tag"], "v1.0.1");
    assert_eq!(rel[1]["time"], slipgate::model::rfc3339(T0 + 11 * DAY));
    assert_eq!(rel[1]["changes"]["changes"], 1);
    assert_eq!(rel[1]["changes"]["fix_commits"], 1);
    // v1.0.0 (day 10): a (day 1 → 9d), b (author day 4 → 6d). 1 fix of 2 = 50%.
    assert_eq!(rel[2]["changes"]["lead_time"]["max"], 9 * DAY);
    assert_eq!(rel[2]["changes"]["lead_time"]["p50"], 6 * DAY);
    assert_eq!(rel[2]["changes"]["fix_ratio"], 0.5);
    // v1.0.1 came 1 day after v1.0.0 with the same 1.0: v1.0.0 is hotfixed.
    assert_eq!(rel[2]["hotfixed_by"], "v1.0.1");
    // Candidate: d (35 → 5d), e (38 → 2d) measured to day 40.
    assert_eq!(v["candidate"]["changes"]["changes"], 2);
    assert_eq!(v["candidate"]["changes"]["lead_time"]["max"], 5 * DAY);
    assert_eq!(v["candidate"]["base_tag"], "v1.1.0");
    // Window 90d: all 3 releases, 1 failed → 1/3; 3 releases / (90/7 weeks).
    assert_eq!(v["window"]["releases"].as_array().map(Vec::len), Some(3));
    let cfr = v["window"]["change_failure_rate"].as_f64().unwrap_or(-1.0);
    assert!((cfr - 1.0 / 3.0).abs() < 1e-12, "{cfr}");
    let freq = v["window"]["release_frequency"].as_f64().unwrap_or(-1.0);
    assert!((freq - 3.0 * 7.0 / 90.0).abs() < 1e-12, "{freq}");
}

#[test]
fn report_text_is_aligned_and_uncoloured_off_a_terminal() {
    let r = sample();
    let out = slipgate(r.path())
        .args(["report", "--offline", "--now", &now()])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8_lossy(&out);
    assert!(!text.contains('\x1b'), "{text}");
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("v1.") || l.starts_with("RELEASE"))
        .collect();
    assert_eq!(lines.len(), 4, "{text}");
    let header = lines[0];
    let col = header.find("CHANGES").expect("column") + "CHANGES".len();
    for l in &lines[1..] {
        // right-aligned numbers end under the header's end
        assert_eq!(
            l.chars().nth(col - 1).map(|c| c.is_ascii_digit()),
            Some(true),
            "{l}\n{header}"
        );
    }
    assert!(text.contains("hotfix v1.0.1"), "{text}");
}

#[test]
fn report_works_on_a_bare_repository_and_from_a_subfolder() {
    let r = sample();
    let bare = r.bare_copy();
    slipgate(bare.path())
        .args(["report", "--offline", "--format", "json", "--now", &now()])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"releases_total\": 3"));
    let sub = r.subdir("a/b");
    slipgate(&sub)
        .args(["report", "--offline", "--format", "json", "--now", &now()])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"releases_total\": 3"));
}

#[test]
fn not_a_repository_is_exit_2_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("tmp");
    slipgate(dir.path())
        .args(["report", "--offline"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("not a git repository")
                .and(predicate::str::contains("--repo")),
        );
}

#[test]
fn shallow_clone_says_fetch_depth_0() {
    let r = sample();
    let first = r
        .repo()
        .revparse_single("v1.0.0")
        .expect("tag")
        .peel_to_commit()
        .expect("commit")
        .id();
    r.make_shallow(first);
    slipgate(r.path())
        .args(["report", "--offline"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("shallow").and(predicate::str::contains("fetch-depth: 0")),
        );
}

#[test]
fn no_matching_tags_warns_and_still_reports_the_candidate() {
    let r = TestRepo::new();
    let c = r.commit_at("feat: a", T0);
    r.tag_lightweight("release-1", c);
    r.commit_at("feat: b", T0 + DAY);
    slipgate(r.path())
        .args(["report", "--offline", "--format", "json", "--now", &now()])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("\"releases_total\": 0")
                .and(predicate::str::contains("no tag matches"))
                .and(predicate::str::contains("release-1")),
        );
    // In text, warnings go to stderr after the report.
    slipgate(r.path())
        .args(["report", "--offline", "--now", &now()])
        .assert()
        .success()
        .stdout(predicate::str::contains("no tag matches").not())
        .stderr(predicate::str::contains("warning: no tag matches"));
}

#[test]
fn policy_errors_name_file_line_and_column() {
    let r = sample();
    std::fs::write(
        r.path().join("slipgate.yml"),
        "version: 1\nreleases:\n  tag_patern: x\n",
    )
    .expect("write");
    slipgate(r.path())
        .args(["report", "--offline"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("slipgate.yml:3:3")
                .and(predicate::str::contains("did you mean `tag_pattern`")),
        );
    slipgate(r.path())
        .args(["--policy", "nope.yml", "policy", "check"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("nope.yml").and(predicate::str::contains("does not exist")),
        );
}

#[test]
fn policy_check_prints_the_effective_policy_and_schema_is_json() {
    let r = sample();
    std::fs::create_dir_all(r.path().join(".github")).expect("mkdir");
    std::fs::write(
        r.path().join(".github/slipgate.yml"),
        "rules:\n  - {metric: reverts, max: 2}\n",
    )
    .expect("write");
    slipgate(r.path())
        .args(["policy", "check"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("scope: candidate")
                .and(predicate::str::contains("hotfix_window: 7d")),
        )
        .stderr(predicate::str::contains("policy OK").and(predicate::str::contains("1 rule")));
    let out = slipgate(r.path())
        .args(["policy", "schema"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let schema = json(&out);
    assert!(schema["properties"]["releases"].is_object(), "{schema}");
}

#[test]
fn bad_flags_are_usage_errors() {
    let r = sample();
    slipgate(r.path())
        .args(["report", "--last", "x"])
        .assert()
        .code(2);
    slipgate(r.path())
        .args(["report", "--offline", "--now", "yesterday"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("RFC 3339"));
    slipgate(r.path())
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("slipgate "));
}

fn write_policy(r: &TestRepo, yaml: &str) {
    std::fs::write(r.path().join("slipgate.yml"), yaml).expect("write policy");
}

#[test]
fn check_fails_with_exit_1_and_writes_outputs_and_summary() {
    let r = sample();
    // Candidate lead p90 at day 40: [2d, 5d] → rank 2 → 5d > 3d: fail.
    write_policy(
        &r,
        "rules:\n  - {name: lead, metric: lead_time.p90, max: 3d}\n  - {name: reverts, metric: reverts, max: 0, scope: latest_release, level: warn}\n",
    );
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("out.txt");
    let summary = dir.path().join("summary.md");
    let json_path = dir.path().join("report.json");
    slipgate(r.path())
        .args(["check", "--offline", "--now", &now(), "--report-json"])
        .arg(&json_path)
        .env("GITHUB_OUTPUT", &out)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_EVENT_NAME", "push")
        .env("GITHUB_ACTIONS", "true")
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("::error title=slipgate%3A lead::")
                .and(predicate::str::contains(
                    "::warning title=slipgate%3A reverts::",
                ))
                .and(predicate::str::contains("5d is above the maximum 3d")),
        );
    let outputs = std::fs::read_to_string(&out).expect("outputs");
    assert!(outputs.contains("verdict=fail"), "{outputs}");
    assert!(outputs.contains("failed-rules=lead\n"), "{outputs}");
    assert!(
        outputs.contains(&format!("report-json={}", json_path.display())),
        "{outputs}"
    );
    let md = std::fs::read_to_string(&summary).expect("summary");
    assert!(
        md.contains("❌ slipgate: quality gate failed — 1 of 2 rules tripped"),
        "{md}"
    );
    let report = json(&std::fs::read(&json_path).expect("json"));
    assert_eq!(report["gate"]["overall"], "fail");
    assert_eq!(report["gate"]["verdicts"][0]["value"], (5 * DAY) as f64);
}

/// `--no-fail` (scheduled runs): the same verdicts, outputs and summary, exit 0; an error
/// is still exit 2. The action's `no-fail` input reaches it through the entrypoint.
#[test]
fn no_fail_exits_0_on_a_failed_gate_but_2_on_errors() {
    let r = sample();
    // As above: candidate lead p90 5d > 3d, a fail rule trips.
    write_policy(
        &r,
        "rules:\n  - {name: lead, metric: lead_time.p90, max: 3d}\n",
    );
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("out.txt");
    slipgate(r.path())
        .args(["check", "--offline", "--no-fail", "--now", &now()])
        .env("GITHUB_OUTPUT", &out)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("5d is above the maximum 3d"))
        .stderr(predicate::str::contains("exit 0 as --no-fail asks"));
    let outputs = std::fs::read_to_string(&out).expect("outputs");
    assert!(outputs.contains("verdict=fail"), "{outputs}");
    assert!(outputs.contains("failed-rules=lead\n"), "{outputs}");
    // Errors are not verdicts: a bad flag, a broken policy.
    slipgate(r.path())
        .args(["check", "--offline", "--no-fail", "--pr", "0"])
        .assert()
        .code(2);
    let broken = dir.path().join("broken.yml");
    std::fs::write(&broken, "rules: [\n").expect("policy");
    slipgate(r.path())
        .args(["check", "--offline", "--no-fail", "--policy"])
        .arg(&broken)
        .assert()
        .code(2);
    // The action's input, through action/entrypoint.sh: true → 0, false or unset → 1,
    // anything else → 2 before slipgate runs.
    let entry = Path::new(env!("CARGO_MANIFEST_DIR")).join("action/entrypoint.sh");
    for (input, code) in [
        (Some("true"), 0),
        (Some("false"), 1),
        (None, 1),
        (Some("yes"), 2),
    ] {
        let mut sh = std::process::Command::new("bash");
        sh.arg(&entry).current_dir(r.path());
        for var in CI_VARS {
            sh.env_remove(var);
        }
        sh.env("SLIPGATE_BIN", env!("CARGO_BIN_EXE_slipgate"))
            .env("INPUT_COMMAND", "check")
            .env("INPUT_CACHE", dir.path().join("cache.db"))
            .env("SLIPGATE_ARGS", format!("--offline --now '{}'", now()));
        match input {
            Some(v) => sh.env("INPUT_NO_FAIL", v),
            None => sh.env_remove("INPUT_NO_FAIL"),
        };
        let got = sh.output().expect("entrypoint");
        assert_eq!(
            got.status.code(),
            Some(code),
            "no-fail={input:?}: {}",
            String::from_utf8_lossy(&got.stderr)
        );
    }
    // `fail-on`: never → 0 (`--no-fail`), fail → 1, anything else → 2 before slipgate runs.
    for (input, code) in [("never", 0), ("fail", 1), ("sometimes", 2)] {
        let mut sh = std::process::Command::new("bash");
        sh.arg(&entry).current_dir(r.path());
        for var in CI_VARS {
            sh.env_remove(var);
        }
        let got = sh
            .env("SLIPGATE_BIN", env!("CARGO_BIN_EXE_slipgate"))
            .env("INPUT_COMMAND", "check")
            .env("INPUT_CACHE", dir.path().join("cache.db"))
            .env("INPUT_FAIL_ON", input)
            .env_remove("INPUT_NO_FAIL")
            .env("SLIPGATE_ARGS", format!("--offline --now '{}'", now()))
            .output()
            .expect("entrypoint");
        assert_eq!(
            got.status.code(),
            Some(code),
            "fail-on={input}: {}",
            String::from_utf8_lossy(&got.stderr)
        );
    }
}

#[test]
fn check_passes_with_warnings_only() {
    let r = sample();
    write_policy(
        &r,
        "rules:\n  - {metric: lead_time.p90, max: 3d, level: warn}\n",
    );
    slipgate(r.path())
        .args(["check", "--offline", "--now", &now()])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("WARN"));
}

#[test]
fn release_check_says_ready_or_not() {
    let r = sample();
    write_policy(
        &r,
        "rules:\n  - {metric: lead_time.max, max: 4d, on: [release]}\n  - {metric: reverts, max: 0, on: [pull_request]}\n",
    );
    // Candidate max 5d > 4d.
    slipgate(r.path())
        .args(["release-check", "--offline", "--now", &now()])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("NOT READY"));
    // v1.0.1 as the candidate: its one change has lead 0.
    slipgate(r.path())
        .args([
            "release-check",
            "--offline",
            "--now",
            &now(),
            "--tag",
            "v1.0.1",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("READY").and(predicate::str::contains("NOT READY").not()));
    slipgate(r.path())
        .args([
            "release-check",
            "--offline",
            "--now",
            &now(),
            "--tag",
            "v9.9.9",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("v9.9.9").and(predicate::str::contains("v1.1.0")));
}

/// Runs `args` in the sample repository and expects a usage error naming `flag`.
fn usage_error(r: &TestRepo, args: &[&str], env: &[(&str, &str)], wanted: &[&str]) {
    let mut c = slipgate(r.path());
    c.args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?} {env:?}: {stderr}");
    assert!(out.stdout.is_empty(), "{args:?}: no work was done");
    for w in wanted {
        assert!(
            stderr.contains(w),
            "{args:?} {env:?}: `{w}` not in {stderr}"
        );
    }
}

#[test]
fn flags_are_checked_before_any_work_even_offline() {
    let r = sample();
    let cases: &[(&[&str], &[&str])] = &[
        (
            &["report", "--offline", "--max-wait", "banana"],
            &["'--max-wait <DURATION>'", "not a duration"],
        ),
        (
            &["check", "--offline", "--max-wait", "5 minutes"],
            &["'--max-wait <DURATION>'"],
        ),
        (
            &["check", "--offline", "--trigger", "pull_requests"],
            &[
                "'--trigger <TRIGGER>'",
                "pull_request, push, release, schedule",
            ],
        ),
        (
            &["report", "--offline", "--now", "yesterday"],
            &["'--now <TIME>'", "RFC 3339"],
        ),
        (
            &["report", "--offline", "--format", "yaml"],
            &["'--format <FORMAT>'"],
        ),
        (
            &["report", "--offline", "--color", "sometimes"],
            &["'--color <COLOR>'"],
        ),
        (&["check", "--offline", "--pr", "0"], &["'--pr <N>'"]),
        (
            &["report", "--offline", "--junit", "a/***/b.xml"],
            &["'--junit <PATTERN>'"],
        ),
        (
            &["report", "--offline", "--github-repo", "just-a-name"],
            &["'--github-repo <OWNER/NAME>'", "OWNER/NAME"],
        ),
        (
            &["report", "--offline", "--api-url", "banana"],
            &["'--api-url <URL>'"],
        ),
        (
            &["release-check", "--offline", "--tag", ""],
            &["'--tag <TAG>'"],
        ),
        (
            &["check", "--offline", "--label", ""],
            &["'--label <LABEL>'"],
        ),
    ];
    for (args, wanted) in cases {
        usage_error(&r, args, &[], wanted);
    }
    // The environment variables that feed flags are checked the same way.
    usage_error(
        &r,
        &["report", "--offline"],
        &[("GITHUB_API_URL", "banana")],
        &["'--api-url <URL>'", "GITHUB_API_URL"],
    );
    usage_error(
        &r,
        &["report", "--offline"],
        &[("GITHUB_REPOSITORY", "nonsense")],
        &["'--github-repo <OWNER/NAME>'", "GITHUB_REPOSITORY"],
    );
    // Empty means unset, as the runner leaves them outside a workflow.
    slipgate(r.path())
        .args(["report", "--offline", "--now", &now()])
        .env("GITHUB_REPOSITORY", "")
        .env("GITHUB_API_URL", "")
        .assert()
        .success();
    slipgate(r.path())
        .args(["check", "--offline", "--now", &now()])
        .env("GITHUB_REPOSITORY", "")
        .env("GITHUB_EVENT_NAME", "push")
        .env("GITHUB_EVENT_PATH", "")
        .env("GITHUB_STEP_SUMMARY", "")
        .env("GITHUB_OUTPUT", "")
        .assert()
        .success();
    // Good values still pass.
    slipgate(r.path())
        .args([
            "check",
            "--offline",
            "--now",
            "2023-12-24",
            "--max-wait",
            "5m",
            "--trigger",
            "schedule",
            "--github-repo",
            "o/n",
            "--api-url",
            "http://127.0.0.1:9/api/v3/",
        ])
        .assert()
        .success();
}

#[test]
fn policy_check_takes_one_policy_file() {
    let r = sample();
    write_policy(&r, "rules: []\n");
    std::fs::write(r.path().join("b.yml"), "rules: []\n").expect("write");
    for args in [
        &["policy", "check", "--policy", "slipgate.yml", "b.yml"][..],
        &["--policy", "slipgate.yml", "policy", "check", "b.yml"],
        &["policy", "check", "b.yml", "--policy", "slipgate.yml"],
        &[
            "--policy",
            "slipgate.yml",
            "--policy",
            "b.yml",
            "policy",
            "check",
        ],
    ] {
        let out = slipgate(r.path()).args(args).output().expect("run");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("--policy"), "{args:?}: {stderr}");
    }
    slipgate(r.path())
        .args(["policy", "check", "b.yml"])
        .assert()
        .success()
        .stdout(predicate::str::contains("# effective policy: b.yml"));
}

#[test]
fn help_is_the_same_whatever_the_environment_and_shows_no_values() {
    let r = sample();
    let help = |cmd: &str, env: &[(&str, &str)]| {
        let mut c = slipgate(r.path());
        c.args([cmd, "--help"]);
        for (k, v) in env {
            c.env(k, v);
        }
        let out = c.output().expect("run");
        assert_eq!(out.status.code(), Some(0));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let set = [
        ("GITHUB_TOKEN", "ghp_s3cr3t_token_value"),
        ("GITHUB_REPOSITORY", "octo/widgets"),
        ("GITHUB_API_URL", "https://ghe.example/api/v3"),
        ("GITHUB_EVENT_NAME", "pull_request"),
        ("GITHUB_EVENT_PATH", "/tmp/event-path.json"),
        ("GITHUB_STEP_SUMMARY", "/tmp/step-summary.md"),
        ("GITHUB_OUTPUT", "/tmp/output.txt"),
    ];
    let empty: Vec<(&str, &str)> = set.iter().map(|(k, _)| (*k, "")).collect();
    for cmd in ["check", "report", "release-check"] {
        let plain = help(cmd, &[]);
        assert!(plain.contains("[env: GITHUB_REPOSITORY]"), "{plain}");
        assert!(!plain.contains("=]"), "{plain}");
        assert_eq!(help(cmd, &set), plain, "{cmd} with the variables set");
        assert_eq!(help(cmd, &empty), plain, "{cmd} with the variables empty");
        for (_, v) in &set[..3] {
            assert!(!help(cmd, &set).contains(v), "{cmd}: {v}");
        }
    }
}

#[test]
fn release_check_says_why_a_tag_is_not_a_release() {
    let r = sample();
    let head = r.head().expect("head");
    r.tag_lightweight("build-7", head);
    r.tag_lightweight("v1.2.0-rc.1", head);
    let run = |tag: &str| {
        let out = slipgate(r.path())
            .args(["release-check", "--offline", "--now", &now(), "--tag", tag])
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2), "{tag}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let e = run("build-7");
    assert!(
        e.contains(
            "the tag `build-7` exists but does not match `releases.tag_pattern` `^v?(?P<version>\\d+\\.\\d+\\.\\d+)$`, so it is not a release"
        ),
        "{e}"
    );
    assert!(e.contains("Newest releases: v1.1.0, v1.0.1, v1.0.0"), "{e}");
    let e = run("v9.9.9");
    assert!(
        e.contains("there is no tag `v9.9.9` in the repository"),
        "{e}"
    );
    // A pattern that captures pre-releases, which are still not counted.
    write_policy(
        &r,
        "releases:\n  tag_pattern: '^v(?P<version>\\d+\\.\\d+\\.\\d+(-[0-9a-z.]+)?)$'\n",
    );
    let e = run("v1.2.0-rc.1");
    assert!(
        e.contains("`v1.2.0-rc.1` is a pre-release, and `releases.include_prereleases` is false"),
        "{e}"
    );
}

#[test]
fn a_github_repository_the_client_would_refuse_is_a_usage_error_even_offline() {
    let r = sample();
    for bad in ["../x", "o/..", "./r", "a/b/c"] {
        slipgate(r.path())
            .args(["report", "--offline", "--now", &now(), "--github-repo", bad])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(
                "not a GitHub repository (check --github-repo or GITHUB_REPOSITORY)",
            ));
        slipgate(r.path())
            .args(["check", "--offline", "--now", &now()])
            .env("GITHUB_REPOSITORY", bad)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("not a GitHub repository"));
    }
    slipgate(r.path())
        .args([
            "report",
            "--offline",
            "--now",
            &now(),
            "--github-repo",
            "o/r.s",
        ])
        .assert()
        .success();
}

#[test]
fn failed_rules_output_holds_the_rule_names_as_written() {
    let r = sample();
    // Candidate lead p90 at day 40 is 5d > 3d: the rule fails.
    write_policy(
        &r,
        "rules:\n  - {name: '::error::RULE1 ##[x]', metric: lead_time.p90, max: 3d}\n",
    );
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("out.txt");
    slipgate(r.path())
        .args(["check", "--offline", "--now", &now(), "--trigger", "push"])
        .arg("--output-file")
        .arg(&out)
        .assert()
        .code(1);
    let outputs = std::fs::read_to_string(&out).expect("outputs");
    assert!(
        outputs.contains("\nfailed-rules=::error::RULE1 ##[x]\n"),
        "{outputs}"
    );
}

#[test]
fn completions_man_page_and_version_with_the_commit() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (shell, marker) in [
        ("bash", "complete -F _slipgate"),
        ("zsh", "#compdef slipgate"),
        ("fish", "complete -c slipgate"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = slipgate(dir.path())
            .args(["completions", shell])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let script = String::from_utf8(out).expect("utf-8");
        assert!(script.contains(marker), "{shell}: {script}");
        assert!(
            script.contains("release-check") && script.contains("policy"),
            "{shell}"
        );
    }
    let out = slipgate(dir.path())
        .arg("man")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let man = String::from_utf8(out).expect("utf-8");
    assert!(man.contains(".TH slipgate 1"), "{man}");
    assert!(man.contains("release\\-check"), "{man}");
    // `slipgate 0.1.0 (abc1234 2026-12-01)` from a git checkout, `slipgate 0.1.0` from a
    // crate tarball.
    let out = slipgate(dir.path())
        .arg("--version")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let version = String::from_utf8(out).expect("utf-8");
    let re = regex::Regex::new(r"^slipgate \d+\.\d+\.\d+( \([0-9a-f]{7,} \d{4}-\d\d-\d\d\))?\n$")
        .expect("regex");
    assert!(re.is_match(&version), "{version:?}");
    assert!(version.starts_with(&format!("slipgate {}", env!("CARGO_PKG_VERSION"))));
    let in_git = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(".git")
        .exists();
    assert_eq!(
        version.contains(" ("),
        in_git
            && std::process::Command::new("git")
                .arg("--version")
                .output()
                .is_ok(),
        "{version}"
    );
}
