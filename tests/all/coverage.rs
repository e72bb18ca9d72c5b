//! Coverage end to end: LCOV and Cobertura reports, patch coverage on a pull request of
//! a temporary repository, and malformed reports (exit 2, file:line:column).
//!
//! The repository: `main` has `src/lib.rs` (a..e, 5 lines) at day 1, then `other.rs` at
//! day 3 (after the branch point: not part of the pull request). `topic` branches at
//! day 1 and, at day 2, changes line 2 (`b` → `B`), inserts `x` after `d` (new line 5),
//! adds `src/new.rs` (3 lines) and `README.md` (1 line).
//!
//! The patch (merge base = day 1 commit): src/lib.rs 2, 5; src/new.rs 1, 2, 3;
//! README.md 1 → 6 changed lines.

use crate::cli::slipgate;
use crate::gitrepo::{DAY, T0, TestRepo};
use std::path::Path;

struct Pr {
    repo: TestRepo,
    head: String,
    base: String,
}

fn pull_request() -> Pr {
    let r = TestRepo::new();
    let root = r.commit_files(
        "feat: lib",
        T0 + DAY,
        &[("src/lib.rs", Some("a\nb\nc\nd\ne\n"))],
    );
    r.branch("main", root);
    r.branch("topic", root);
    r.checkout("topic");
    let head = r.commit_files(
        "feat: topic",
        T0 + 2 * DAY,
        &[
            ("src/lib.rs", Some("a\nB\nc\nd\nx\ne\n")),
            ("src/new.rs", Some("1\n2\n3\n")),
            ("README.md", Some("hello\n")),
        ],
    );
    r.checkout("main");
    let base = r.commit_files("feat: other", T0 + 3 * DAY, &[("other.rs", Some("o\n"))]);
    r.checkout("topic");
    Pr {
        repo: r,
        head: head.to_string(),
        base: base.to_string(),
    }
}

/// LCOV of the head: lib.rs 1,3,5,6 covered, 2 not; new.rs 3 covered, 1 and 2 not.
/// Its LF/LH summaries claim everything is covered.
fn lcov(root: &Path) -> String {
    let root = root.display();
    format!(
        "TN:\nSF:{root}/src/lib.rs\nDA:1,1\nDA:2,0\nDA:3,1\nDA:5,3\nDA:6,1\nLF:5\nLH:5\nend_of_record\n\
SF:{root}/src/new.rs\nDA:1,0\nDA:2,0\nDA:3,4\nLF:3\nLH:3\nend_of_record\n"
    )
}

fn event(dir: &Path, pr: &Pr) -> std::path::PathBuf {
    let path = dir.join("event.json");
    let json = format!(
        r#"{{"action":"synchronize","repository":{{"full_name":"octo/repo"}},"pull_request":{{"number":7,"title":"feat: topic","head":{{"ref":"topic","sha":"{}"}},"base":{{"ref":"main","sha":"{}"}}}}}}"#,
        pr.head, pr.base
    );
    std::fs::write(&path, json).unwrap();
    path
}

const POLICY: &str = "rules:\n  - {name: patch-coverage, metric: coverage.patch, min: 80%}\n  - {name: coverage, metric: coverage.lines, min: 60%}\n";

#[test]
fn patch_coverage_on_a_pull_request() {
    let pr = pull_request();
    let work = tempfile::tempdir().unwrap();
    std::fs::write(pr.repo.path().join("slipgate.yml"), POLICY).unwrap();
    std::fs::write(work.path().join("lcov.info"), lcov(pr.repo.path())).unwrap();
    let ev = event(work.path(), &pr);
    let out = slipgate(pr.repo.path())
        .args(["check", "--offline", "--format", "json", "--coverage"])
        .arg(work.path().join("lcov.info"))
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_EVENT_PATH", &ev)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json: serde_json::Value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    let c = &json["coverage"];
    // Lines: lib.rs 4 of 5, new.rs 1 of 3 → 5 of 8 (the LF/LH summaries say 8 of 8).
    assert_eq!(c["lines"]["covered"], 5);
    assert_eq!(c["lines"]["total"], 8);
    assert_eq!(c["lines"]["share"], 0.625);
    assert_eq!(c["branches"]["share"], serde_json::Value::Null);
    // Patch: instrumented lib.rs 2, 5 and new.rs 1, 2, 3; covered lib.rs 5, new.rs 3.
    let p = &c["patch"];
    assert_eq!(p["changed_lines"], 6);
    assert_eq!(p["lines"]["covered"], 2);
    assert_eq!(p["lines"]["total"], 5);
    assert_eq!(p["head"], pr.head.as_str());
    assert_eq!(
        p["uncovered"],
        serde_json::json!([
            {"file": "src/lib.rs", "start": 2, "end": 2},
            {"file": "src/new.rs", "start": 1, "end": 2}
        ])
    );
    // 40% is below 80%: the gate fails; 62.5% passes 60%.
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let verdicts = json["gate"]["verdicts"].as_array().unwrap();
    assert_eq!(verdicts[0]["status"], "fail");
    assert_eq!(verdicts[0]["value"], 0.4);
    assert_eq!(verdicts[1]["status"], "pass");
}

#[test]
fn uncovered_patch_lines_are_annotated() {
    let pr = pull_request();
    let work = tempfile::tempdir().unwrap();
    std::fs::write(pr.repo.path().join("slipgate.yml"), POLICY).unwrap();
    std::fs::write(work.path().join("lcov.info"), lcov(pr.repo.path())).unwrap();
    let ev = event(work.path(), &pr);
    let out = slipgate(pr.repo.path())
        .args(["check", "--offline", "--coverage"])
        .arg(work.path().join("lcov.info"))
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_EVENT_PATH", &ev)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout
            .contains("::warning file=src/lib.rs,line=2,endLine=2,title=slipgate%3A not covered::"),
        "{stdout}"
    );
    assert!(
        stdout.contains("::warning file=src/new.rs,line=1,endLine=2,"),
        "{stdout}"
    );
}

#[test]
fn outside_a_pull_request_patch_coverage_has_not_enough_data() {
    let pr = pull_request();
    let work = tempfile::tempdir().unwrap();
    std::fs::write(pr.repo.path().join("slipgate.yml"), POLICY).unwrap();
    std::fs::write(work.path().join("lcov.info"), lcov(pr.repo.path())).unwrap();
    let out = slipgate(pr.repo.path())
        .args(["check", "--offline", "--format", "json", "--coverage"])
        .arg(work.path().join("lcov.info"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["coverage"]["patch"], serde_json::Value::Null);
    assert!(
        json["coverage"]["patch_note"]
            .as_str()
            .unwrap()
            .starts_with("not a pull request"),
        "{json}"
    );
    let v = &json["gate"]["verdicts"][0];
    assert_eq!(v["status"], "not_enough_data");
}

#[test]
fn cobertura_and_lcov_of_one_file_merge_in_the_report() {
    let pr = pull_request();
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("lcov.info"), lcov(pr.repo.path())).unwrap();
    // Line 2 of lib.rs is covered here; the root's rates lie.
    let xml = format!(
        r#"<?xml version="1.0"?>
<coverage line-rate="0" branch-rate="0"><sources><source>{}</source></sources>
<packages><package name="p"><classes><class name="lib" filename="src/lib.rs">
<lines><line number="2" hits="1"/><line number="4" hits="0" branch="true" condition-coverage="50% (1/2)"/></lines>
</class></classes></package></packages></coverage>
"#,
        pr.repo.path().display()
    );
    std::fs::write(work.path().join("coverage.xml"), xml).unwrap();
    let out = slipgate(work.path())
        .arg("--repo")
        .arg(pr.repo.path())
        .args([
            "report",
            "--offline",
            "--format",
            "json",
            "--coverage",
            "lcov.info",
            "--coverage",
            "*.xml",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let c = &json["coverage"];
    // lib.rs: 1..6 less 4's absence in LCOV: lines 1,2,3,4,5,6 instrumented, 4 uncovered
    // → 5 of 6; new.rs 1 of 3 → 6 of 9. Branches: line 4, 1 of 2.
    assert_eq!(c["lines"]["covered"], 6);
    assert_eq!(c["lines"]["total"], 9);
    assert_eq!(c["branches"]["covered"], 1);
    assert_eq!(c["branches"]["total"], 2);
    assert_eq!(c["files"], serde_json::json!(["lcov.info", "coverage.xml"]));
}

#[test]
fn malformed_reports_exit_2_with_their_position() {
    let pr = pull_request();
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("bad.info"), "SF:a.rs\nDA:1,1\nDA:3,x\n").unwrap();
    let out = slipgate(work.path())
        .arg("--repo")
        .arg(pr.repo.path())
        .args(["report", "--offline", "--coverage", "bad.info"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("`bad.info` is not a valid coverage report: the hit count `x` is not a whole number (line 3, column 6)"),
        "{stderr}"
    );
    let out = slipgate(work.path())
        .arg("--repo")
        .arg(pr.repo.path())
        .args(["report", "--offline", "--coverage", "missing/*.info"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("no coverage report matches `missing/*.info`")
    );
}
