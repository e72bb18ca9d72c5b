//! Integration tests: what the JUnit reader refuses or replaces so that nothing it passes
//! on can be trusted less than the file (issue 8): attribute values XML forbids,
//! references to characters XML forbids, paths that are not regular files, and the runs
//! behind merged tests.

use std::path::{Path, PathBuf};

use pretty_assertions::assert_eq;
use slipgate::collect::junit::{OnMalformed, OnMissing, collect};

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
