//! The error path in GitHub Actions (exit 2): `verdict=error` in GITHUB_OUTPUT, a job
//! summary saying what went wrong and how to fix it, and an `::error` annotation at the
//! policy's line and column (a plain one when the error has no place).

use crate::cli::{sample, slipgate};

#[test]
fn a_bad_policy_writes_verdict_error_a_summary_and_a_located_annotation() {
    let r = sample();
    let dir = tempfile::tempdir().expect("tempdir");
    let policy = r.path().join("bad,policy.yml");
    // Line 3, column 5: the misspelt key.
    std::fs::write(&policy, "version: 1\nreleases:\n    tag_patern: x\n").expect("write");
    let output = dir.path().join("output");
    let summary = dir.path().join("summary");
    let out = slipgate(r.path())
        .args(["--policy", "bad,policy.yml", "check", "--offline"])
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    assert_eq!(
        stdout,
        "::error file=bad%2Cpolicy.yml,line=3,col=5,title=slipgate::unknown key `tag_patern`; \
         did you mean `tag_pattern`? (valid here: tag_pattern, include_prereleases, hotfix_window, paths)\n"
    );
    assert_eq!(
        std::fs::read_to_string(&output).expect("output"),
        "verdict=error\n"
    );
    let md = std::fs::read_to_string(&summary).expect("summary");
    assert!(
        md.starts_with("### ❌ slipgate: the policy is invalid\n"),
        "{md}"
    );
    assert!(
        md.contains("`bad,policy.yml:3:5`: unknown key `tag_patern`"),
        "{md}"
    );
    assert!(md.contains("**How to fix:** Correct the policy"), "{md}");
    // The error is still printed once on stderr, with its excerpt.
    let stderr = String::from_utf8(out.stderr).expect("utf-8");
    assert!(
        stderr.starts_with("error: bad,policy.yml:3:5: unknown key"),
        "{stderr}"
    );
}

#[test]
fn an_error_without_a_place_is_a_plain_annotation_and_outside_actions_nothing_is_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = dir.path().join("output");
    let out = slipgate(dir.path())
        .args(["release-check", "--offline", "--format", "json"])
        .env("GITHUB_OUTPUT", &output)
        .assert()
        .code(2)
        .get_output()
        .clone();
    // stdout carries JSON: the annotation goes to stderr.
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).expect("utf-8");
    let first = stderr.lines().next().unwrap_or("");
    assert!(
        first.starts_with("::error title=slipgate::`") && first.contains("is not a git repository"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&output).expect("output"),
        "verdict=error\n"
    );
    // Not in Actions: no annotation, no file.
    let out = slipgate(dir.path())
        .args(["release-check", "--offline"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(out.stdout.is_empty());
    assert!(!String::from_utf8_lossy(&out.stderr).contains("::error"));
    // In Actions (GITHUB_ACTIONS=true), `report` annotates too.
    let out = slipgate(dir.path())
        .args(["report", "--offline"])
        .env("GITHUB_ACTIONS", "true")
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    assert!(stdout.starts_with("::error title=slipgate::"), "{stdout}");
}

/// The `::error` line a failing run prints on stdout (text format).
fn annotation(args: &[&str], name: &str, content: &str) -> String {
    let r = sample();
    std::fs::write(r.path().join(name), content).expect("write");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = slipgate(r.path())
        .args(args)
        .env("GITHUB_OUTPUT", dir.path().join("output"))
        .assert()
        .code(2)
        .get_output()
        .clone();
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn malformed_metrics_and_coverage_files_are_annotated_at_their_line_and_column() {
    // Line 3 of the CSV has a value that is not a number; its column is the value's.
    let out = annotation(
        &["check", "--offline", "--metrics", "uptime.csv"],
        "uptime.csv",
        "name,time,value,unit\nuptime,2026-11-01T00:00:00Z,99.9,%\nuptime,2026-11-02T00:00:00Z,high,%\n",
    );
    assert!(
        out.starts_with("::error file=uptime.csv,line=3,col="),
        "{out}"
    );
    let col: u32 = out["::error file=uptime.csv,line=3,col=".len()..]
        .split(',')
        .next()
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    assert_eq!(col, 29, "{out}");
    // An LCOV line record with a non-numeric count on line 3.
    let out = annotation(
        &["check", "--offline", "--coverage", "lcov.info"],
        "lcov.info",
        "SF:src/a.rs\nDA:1,1\nDA:2,x\nend_of_record\n",
    );
    assert!(
        out.starts_with("::error file=lcov.info,line=3,col="),
        "{out}"
    );
}
