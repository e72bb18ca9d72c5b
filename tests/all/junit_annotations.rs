//! Failing tests whose report names their `file` and `line` (pytest, jest, PHPUnit,
//! Surefire) get `::error file=…,line=…::` annotations in GitHub Actions; passing ones
//! and ones without a file do not; at most 50, then a notice.

use crate::cli::{now, sample, slipgate};

fn annotations(junit: &std::path::Path) -> Vec<String> {
    let r = sample();
    let out = slipgate(r.path())
        .args(["--now", &now(), "check", "--offline", "--junit"])
        .arg(junit)
        .env("GITHUB_ACTIONS", "true")
        .output()
        .expect("run");
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .filter(|l| l.starts_with("::error file=") || l.starts_with("::notice"))
        .map(str::to_string)
        .collect()
}

#[test]
fn failing_tests_with_a_file_are_annotated_at_their_line() {
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/junit/pytest-file-line.xml");
    assert_eq!(
        annotations(&fixture),
        [
            "::error file=tests/test_api.py,line=12,title=slipgate%3A failing test::tests.test_api::test_bad failed: assert 1 == 2",
            "::error file=tests/db%2Cx%3Ay.py,line=40,title=slipgate%3A failing test::tests.test_db::test_conn errored: 100%25 broken",
        ]
    );
}

#[test]
fn at_most_fifty_are_annotated_then_a_notice() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut xml = String::from("<testsuite name=\"s\">\n");
    for i in 0..53 {
        xml.push_str(&format!(
            "<testcase classname=\"c\" name=\"t{i:02}\" file=\"t.py\" line=\"{}\"><failure/></testcase>\n",
            i + 1
        ));
    }
    xml.push_str("</testsuite>\n");
    let path = dir.path().join("many.xml");
    std::fs::write(&path, xml).expect("write");
    let lines = annotations(&path);
    assert_eq!(lines.len(), 51, "{lines:#?}");
    assert_eq!(
        lines[0],
        "::error file=t.py,line=1,title=slipgate%3A failing test::c::t00 failed"
    );
    assert_eq!(
        lines[49],
        "::error file=t.py,line=50,title=slipgate%3A failing test::c::t49 failed"
    );
    assert_eq!(
        lines[50],
        "::notice title=slipgate::3 more failing tests with a source location are not annotated; the job summary lists the failing tests"
    );
}
