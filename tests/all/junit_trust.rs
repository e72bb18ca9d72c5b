//! Integration tests: what the JUnit reader refuses or replaces so that nothing it passes
//! on can be trusted less than the file (issue 8): attribute values XML forbids,
//! references to characters XML forbids, paths that are not regular files, and the runs
//! behind merged tests.

use std::path::{Path, PathBuf};

use pretty_assertions::assert_eq;
use slipgate::collect::junit::{JunitError, collect};
use slipgate::policy::{OnMalformed, OnMissing};

use crate::cli::{now, sample, slipgate};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/junit")
}

fn strings(patterns: &[&str]) -> Vec<String> {
    patterns.iter().map(|p| p.to_string()).collect()
}

#[test]
fn a_lt_in_an_attribute_value_is_not_well_formed() {
    // Line 4 is `  <testcase classname="C" name="b" time="<<computed>>"/>`: the first `<`
    // of the value is column 2 + 39 + 1 = 42.
    let e = collect(
        &strings(&["edge/malformed-attribute.xml"]),
        &fixtures(),
        OnMalformed::Error,
        OnMissing::Error,
    )
    .unwrap_err();
    assert!(e.is_malformed(), "{e:?}");
    assert_eq!(
        e.location(),
        Some(("edge/malformed-attribute.xml", 4, 42)),
        "{e}"
    );
    assert_eq!(
        e.to_string(),
        "`edge/malformed-attribute.xml` is not a valid JUnit report: not well-formed XML: a `<` (write `&lt;`) in the value of the attribute `time` (line 4, column 42); regenerate the report, or set `on_malformed: warn` to skip such files"
    );
    // With `on_malformed: warn` the file is skipped, its case `a` included.
    let run = collect(
        &strings(&["edge/malformed-attribute.xml", "edge/bom.xml"]),
        &fixtures(),
        OnMalformed::Warn,
        OnMissing::Error,
    )
    .unwrap();
    assert_eq!(run.files, ["edge/bom.xml"]);
    assert_eq!(
        run.warnings,
        [
            "skipped `edge/malformed-attribute.xml` (line 4, column 42): not well-formed XML: a `<` (write `&lt;`) in the value of the attribute `time`"
        ]
    );
}

#[test]
fn a_malformed_attribute_exits_2_through_the_binary() {
    let r = sample();
    let junit = fixtures().join("edge/malformed-attribute.xml");
    let out = slipgate(r.path())
        .args(["report", "--offline", "--now", &now(), "--junit"])
        .arg(&junit)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "a `<` (write `&lt;`) in the value of the attribute `time` (line 4, column 42)"
        ),
        "{stderr}"
    );
}

#[test]
fn references_to_forbidden_characters_become_replacement_characters() {
    let run = collect(
        &strings(&["edge/forbidden-references.xml"]),
        &fixtures(),
        OnMalformed::Error,
        OnMissing::Error,
    )
    .unwrap();
    assert_eq!(run.cases.len(), 1);
    let c = &run.cases[0];
    assert_eq!(c.classname, "C\u{FFFD}");
    assert_eq!(c.name, "esc \u{FFFD}[31mred\u{FFFD}[0m");
    assert_eq!(c.message.as_deref(), Some("nul\u{FFFD} here"));
    assert!(!format!("{c:?}").contains('\u{1B}'));
}

/// A named pipe at `path`, made with `mkfifo`.
#[cfg(unix)]
fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
}

fn report(path: &Path) {
    std::fs::write(
        path,
        r#"<testsuite name="S"><testcase classname="C" name="ok" time="1"/></testsuite>"#,
    )
    .unwrap();
}

#[cfg(unix)]
#[test]
fn a_named_pipe_is_refused_without_being_opened() {
    let dir = tempfile::tempdir().unwrap();
    mkfifo(&dir.path().join("pipe.xml"));
    report(&dir.path().join("TEST-a.xml"));
    // A writer waits for a reader: had the reader opened the pipe, it would have read an
    // empty file (and failed the assertions below) instead of waiting forever.
    let fifo = dir.path().join("pipe.xml");
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let _ = std::fs::OpenOptions::new().write(true).open(&fifo);
        })
    };
    // An explicit path and a glob match alike; `on_malformed: error` stops the run.
    for pattern in ["pipe.xml", "*.xml"] {
        let e = collect(
            &strings(&[pattern]),
            dir.path(),
            OnMalformed::Error,
            OnMissing::Error,
        )
        .unwrap_err();
        assert!(
            matches!(&e, JunitError::NotRegular { file, .. } if file == "pipe.xml"),
            "{pattern}: {e:?}"
        );
        assert!(e.is_malformed());
        assert_eq!(
            e.to_string(),
            "`pipe.xml` is a named pipe (FIFO), not a regular file; JUnit reports are read from regular files only: make the file patterns match only the report files, or set `on_malformed: warn` to skip such paths"
        );
    }
    // `on_malformed: warn`: skipped with a warning, the other file is read.
    let run = collect(
        &strings(&["*.xml"]),
        dir.path(),
        OnMalformed::Warn,
        OnMissing::Error,
    )
    .unwrap();
    assert_eq!(run.files, ["TEST-a.xml"]);
    assert_eq!(
        run.warnings,
        ["skipped `pipe.xml`: a named pipe (FIFO), not a regular file"]
    );
    // Let the writer go: this test is the pipe's first reader.
    drop(std::fs::File::open(&fifo).unwrap());
    writer.join().unwrap();
}

#[cfg(unix)]
#[test]
fn a_device_is_refused() {
    // `/dev/null` reads as an empty file (and `/dev/zero` forever): refused before that.
    let e = collect(
        &strings(&["/dev/null"]),
        Path::new("/tmp"),
        OnMalformed::Error,
        OnMissing::Error,
    )
    .unwrap_err();
    assert!(
        matches!(&e, JunitError::NotRegular { file, kind } if file == "/dev/null" && *kind == "a character device"),
        "{e:?}"
    );
    // Through the binary: exit 2 with the message.
    let r = sample();
    let out = slipgate(r.path())
        .args([
            "report",
            "--offline",
            "--now",
            &now(),
            "--junit",
            "/dev/null",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("`/dev/null` is a character device, not a regular file"),
        "{stderr}"
    );
}

#[test]
fn a_directory_matches_nothing_with_a_hint() {
    // A directory is never read: a pattern naming only directories matches nothing, and
    // `on_missing` decides (error here: exit 2; warn: a warning).
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("reports/junit.xml")).unwrap();
    report(&dir.path().join("reports/TEST-a.xml"));
    let e = collect(
        &strings(&["reports/junit.xml"]),
        dir.path(),
        OnMalformed::Error,
        OnMissing::Error,
    )
    .unwrap_err();
    assert!(matches!(e, JunitError::NoMatch { .. }), "{e:?}");
    assert!(
        e.to_string()
            .contains("(it matches only 1 directory; add a file part such as `/**/*.xml`)"),
        "{e}"
    );
    let run = collect(
        &strings(&["reports/*"]),
        dir.path(),
        OnMalformed::Error,
        OnMissing::Error,
    )
    .unwrap();
    assert_eq!(run.files, ["reports/TEST-a.xml"]);
    assert!(run.warnings.is_empty(), "{:?}", run.warnings);
}

/// The Gradle report: 7 `<testcase>` elements, 6 tests. addsTwoNumbers passed,
/// dividesByZero failed, parameterized [1] and [2] passed, ignoredForNow skipped,
/// networkCall failed then passed (one test, passed and flaky).
/// Tests: 6 = 4 passed, 1 failed, 0 errored, 1 skipped.
/// Runs: 7 = 4 passed, 2 failed, 0 errored, 1 skipped (the suite's own `tests="7"
/// failures="2" skipped="1"`).
const GRADLE: &str = "dialects/gradle-TEST-com.example.CalculatorTest.xml";

fn report_of(format: &str, file: &str) -> String {
    let r = sample();
    let out = slipgate(r.path())
        .args([
            "report",
            "--offline",
            "--now",
            &now(),
            "--format",
            format,
            "--junit",
        ])
        .arg(fixtures().join(file))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn runs_are_counted_per_testcase_element() {
    let run = collect(
        &strings(&[GRADLE]),
        &fixtures(),
        OnMalformed::Error,
        OnMissing::Error,
    )
    .unwrap();
    let m = slipgate::metrics::test_results::summarize(&run);
    assert_eq!(
        (m.total, m.passed, m.failed, m.errored, m.skipped),
        (6, 4, 1, 0, 1)
    );
    assert_eq!(
        m.runs,
        slipgate::model::Runs {
            total: 7,
            passed: 4,
            failed: 2,
            errored: 0,
            skipped: 1
        }
    );
    let net = run
        .cases
        .iter()
        .find(|c| c.name == "networkCall()")
        .unwrap();
    assert_eq!(
        (net.runs.total, net.runs.passed, net.runs.failed),
        (2, 1, 1)
    );
}

#[test]
fn runs_are_reported_beside_the_tests() {
    let json: serde_json::Value = serde_json::from_str(&report_of("json", GRADLE)).unwrap();
    assert_eq!(json["tests"]["total"], 6);
    assert_eq!(
        json["tests"]["runs"],
        serde_json::json!({"total": 7, "passed": 4, "failed": 2, "errored": 0, "skipped": 1})
    );

    let text = report_of("text", GRADLE);
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("Tests 6 (4 passed, 1 failed, 0 errored, 1 skipped)"))
        .unwrap_or_else(|| panic!("{text}"));
    assert_eq!(
        lines[at + 1],
        "  runs: 7 (4 passed, 2 failed, 0 errored, 1 skipped); a test reported more than once (reruns, several files) counts once above"
    );

    let md = report_of("markdown", GRADLE);
    assert!(
        md.contains("**Tests** 6 · 4 passed · 1 failed · 0 errored · 1 skipped · pass rate 80% · 0.532s · 1 flaky\n\nRuns: 7 · 4 passed · 2 failed · 0 errored · 1 skipped — a test reported more than once (reruns, several files) counts once above.\n\n"),
        "{md}"
    );
}

#[test]
fn runs_are_not_repeated_when_every_test_ran_once() {
    // bom.xml: one case, one run. JSON always has `runs`; text and markdown say nothing.
    let json: serde_json::Value = serde_json::from_str(&report_of("json", "edge/bom.xml")).unwrap();
    assert_eq!(json["tests"]["total"], 1);
    assert_eq!(json["tests"]["runs"]["total"], 1);
    assert!(!report_of("text", "edge/bom.xml").contains("runs:"));
    assert!(!report_of("markdown", "edge/bom.xml").contains("Runs:"));
}

/// The error for a file holding `doc`, read with `on_malformed: error`.
fn read_error(doc: &str) -> JunitError {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("r.xml"), doc).unwrap();
    collect(
        &strings(&["r.xml"]),
        dir.path(),
        OnMalformed::Error,
        OnMissing::Error,
    )
    .unwrap_err()
}

const ENTITY_RULE: &str =
    "is not one of XML's five predefined entities; slipgate does not read DTDs";

#[test]
fn an_entity_declared_in_a_doctype_is_not_expanded_but_refused() {
    // Billion laughs: line 15 is `  <testcase classname="C" name="lolz"><failure>&lol9;`;
    // the `&` is at column 2 + 36 + 9 + 1 = 48.
    let file = "edge/undeclared-entity.xml";
    let e = collect(
        &strings(&[file]),
        &fixtures(),
        OnMalformed::Error,
        OnMissing::Error,
    )
    .unwrap_err();
    assert!(e.is_malformed(), "{e:?}");
    assert_eq!(e.location(), Some((file, 15, 48)), "{e}");
    assert_eq!(
        e.to_string(),
        "`edge/undeclared-entity.xml` is not a valid JUnit report: not well-formed XML: entity `&lol9;` is not one of XML's five predefined entities; slipgate does not read DTDs (in text; write the character itself, or a character reference such as `&#160;`) (line 15, column 48); regenerate the report, or set `on_malformed: warn` to skip such files"
    );
    // `on_malformed: warn`: skipped with a warning, nothing of it counted.
    let run = collect(
        &strings(&[file, "edge/bom.xml"]),
        &fixtures(),
        OnMalformed::Warn,
        OnMissing::Error,
    )
    .unwrap();
    assert_eq!(run.files, ["edge/bom.xml"]);
    assert_eq!(run.cases.len(), 1);
    assert_eq!(run.warnings.len(), 1);
    assert!(
        run.warnings[0].starts_with("skipped `edge/undeclared-entity.xml` (line 15, column 48): not well-formed XML: entity `&lol9;`"),
        "{:?}",
        run.warnings
    );
    // Through the binary: exit 2, and `&lol9;` never printed as a test's text.
    let r = sample();
    let out = slipgate(r.path())
        .args(["report", "--offline", "--now", &now(), "--junit"])
        .arg(fixtures().join(file))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("entity `&lol9;` {ENTITY_RULE}"))
            && stderr.contains("(line 15, column 48)"),
        "{stderr}"
    );
}

#[test]
fn an_undeclared_entity_is_not_well_formed_in_a_value_or_in_any_text() {
    // In an attribute value: `<testcase name="&foo;"/>` is at line 2; `&` at column 17.
    let e = read_error("<testsuite name=\"S\">\n<testcase name=\"&foo;\"/>\n</testsuite>");
    assert_eq!(e.location(), Some(("r.xml", 2, 17)), "{e}");
    assert!(
        e.to_string().contains(&format!(
            "entity `&foo;` {ENTITY_RULE} (in the value of the attribute `name`;"
        )),
        "{e}"
    );
    // An external entity, declared in the internal subset, used in a name.
    let e = read_error(
        "<!DOCTYPE s [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>\n<testsuite name=\"S\"><testcase name=\"x&e;\"/></testsuite>",
    );
    assert_eq!(e.location(), Some(("r.xml", 2, 38)), "{e}");
    assert!(
        e.to_string()
            .contains(&format!("entity `&e;` {ENTITY_RULE}")),
        "{e}"
    );
    // In text that is not read for a message (`system-out`), and in a message.
    let e = read_error(
        "<testsuite name=\"S\"><testcase name=\"a\"><system-out>x&nbsp;y</system-out></testcase></testsuite>",
    );
    assert_eq!(e.location(), Some(("r.xml", 1, 53)), "{e}");
    assert!(
        e.to_string()
            .contains(&format!("entity `&nbsp;` {ENTITY_RULE} (in text;")),
        "{e}"
    );
    let e = read_error(
        "<testsuite name=\"S\"><testcase name=\"a\"><failure>boom&copy;</failure></testcase></testsuite>",
    );
    assert_eq!(e.location(), Some(("r.xml", 1, 53)), "{e}");
    // A name from the file is shown escaped.
    let e = read_error("<testsuite name=\"S\">&a\u{202E}b;</testsuite>");
    assert!(e.to_string().contains("entity `&a<U+202E>b;`"), "{e}");
}

#[test]
fn a_lone_ampersand_in_text_is_still_text() {
    // Not a name or number followed by `;`: raw runner output, kept as written. The five
    // predefined entities and character references are decoded.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("r.xml"),
        "<testsuite name=\"S\"><testcase name=\"a\"><failure>a & b && c &1; &#X41; &#; &amp &lt;&#x41;&#0000065;</failure><system-out>q?x=1&y=2 &</system-out></testcase></testsuite>",
    )
    .unwrap();
    let run = collect(
        &strings(&["r.xml"]),
        dir.path(),
        OnMalformed::Error,
        OnMissing::Error,
    )
    .unwrap();
    assert_eq!(
        run.cases[0].message.as_deref(),
        Some("a & b && c &1; &#X41; &#; &amp <AA")
    );
}

#[cfg(unix)]
#[test]
fn a_named_pipe_under_a_trailing_double_star_is_refused_not_hidden() {
    // `jdir/**` matches every path under `jdir` (as `jdir/**/*`): the pipe is a match,
    // refused as not a regular file, not "it matches only 1 directory".
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("jdir/sub")).unwrap();
    mkfifo(&dir.path().join("jdir/pipe.xml"));
    let e = collect(
        &strings(&["jdir/**"]),
        dir.path(),
        OnMalformed::Error,
        OnMissing::Error,
    )
    .unwrap_err();
    assert!(
        matches!(&e, JunitError::NotRegular { file, kind } if file == "jdir/pipe.xml" && *kind == "a named pipe (FIFO)"),
        "{e:?}"
    );
    // `on_malformed: warn`: the pipe is skipped with the point-11 warning; a report in
    // the subfolder is read.
    report(&dir.path().join("jdir/sub/TEST-a.xml"));
    let run = collect(
        &strings(&["jdir/**"]),
        dir.path(),
        OnMalformed::Warn,
        OnMissing::Error,
    )
    .unwrap();
    assert_eq!(run.files, ["jdir/sub/TEST-a.xml"]);
    assert_eq!(
        run.warnings,
        ["skipped `jdir/pipe.xml`: a named pipe (FIFO), not a regular file"]
    );
    // A folder holding only folders still gets the directory hint.
    std::fs::create_dir_all(dir.path().join("empty/a/b")).unwrap();
    let e = collect(
        &strings(&["empty/**"]),
        dir.path(),
        OnMalformed::Error,
        OnMissing::Error,
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("(it matches only 2 directories;"),
        "{e}"
    );
}
