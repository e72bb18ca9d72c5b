//! Integration tests: junit.
//!
//! Every expected number below was counted by hand from the fixture file, as the comment
//! above each check shows: one line per `<testcase>` element (outcome from its children
//! only, suite `tests=`/`failures=` attributes ignored), durations added from the
//! `time` attributes of the test cases (never of the suites).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use pretty_assertions::assert_eq;
use slipgate::collect::junit::{JunitError, collect, parse_reader};
use slipgate::metrics::test_results::{TestMetrics, summarize};
use slipgate::model::{TestCase, TestOutcome, TestRun};
use slipgate::policy::{OnMalformed, OnMissing};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/junit")
}

fn strings(patterns: &[&str]) -> Vec<String> {
    patterns.iter().map(|p| p.to_string()).collect()
}

fn read(patterns: &[&str]) -> TestRun {
    collect(
        &strings(patterns),
        &fixtures(),
        OnMalformed::Error,
        OnMissing::Error,
    )
    .unwrap()
}

fn read_err(patterns: &[&str]) -> JunitError {
    collect(
        &strings(patterns),
        &fixtures(),
        OnMalformed::Error,
        OnMissing::Error,
    )
    .unwrap_err()
}

/// (passed, failed, errored, skipped, flaky) and the duration.
#[derive(Debug, PartialEq)]
struct Counts {
    passed: usize,
    failed: usize,
    errored: usize,
    skipped: usize,
    flaky: usize,
}

fn counts(m: &TestMetrics) -> Counts {
    assert_eq!(m.total, m.passed + m.failed + m.errored + m.skipped);
    Counts {
        passed: m.passed,
        failed: m.failed,
        errored: m.errored,
        skipped: m.skipped,
        flaky: m.flaky.len(),
    }
}

fn check(file: &str, expected: Counts, duration: f64) -> TestRun {
    let run = read(&[file]);
    assert!(run.warnings.is_empty(), "{:?}", run.warnings);
    assert_eq!(run.files, [file]);
    let m = summarize(&run);
    assert_eq!(counts(&m), expected, "{file}");
    assert!(
        (m.duration - duration).abs() < 1e-9,
        "{file}: duration {} != {duration}",
        m.duration
    );
    run
}

fn find<'a>(run: &'a TestRun, classname: &str, name: &str) -> &'a TestCase {
    run.cases
        .iter()
        .find(|c| c.classname == classname && c.name == name)
        .unwrap_or_else(|| panic!("no case {classname} / {name}"))
}

fn message<'a>(run: &'a TestRun, classname: &str, name: &str) -> Option<&'a str> {
    find(run, classname, name).message.as_deref()
}

const fn c(passed: usize, failed: usize, errored: usize, skipped: usize, flaky: usize) -> Counts {
    Counts {
        passed,
        failed,
        errored,
        skipped,
        flaky,
    }
}

// ---------------------------------------------------------------- real reports

#[test]
fn real_surefire() {
    // 5 cases: require_failMsg 0 passed; require_fail 0.007 failure; require_withNullMsg 0
    // passed; require 0 failure; require_fail_null 0 skipped.
    // passed 2, failed 2, skipped 1; duration 0.007.
    let run = check("real/surefire-StringUtilsTest.xml", c(2, 2, 0, 1, 0), 0.007);
    let cls = "action.surefire.report.calc.StringUtilsTest";
    // The message attribute starts with `&#10;`: its first non-empty line is line 2.
    assert_eq!(
        message(&run, cls, "require_fail"),
        Some(
            "Expected: (an instance of java.lang.IllegalArgumentException and exception with message a string containing \"This is unexpected\")"
        )
    );
    // No message attribute: the first line of the text.
    assert_eq!(
        message(&run, cls, "require"),
        Some("java.lang.AssertionError")
    );
}

#[test]
fn real_pytest_one_line() {
    // 3 cases on one line: test_which_succeeds 0.001 passed; test_which_fails 0.001
    // failure; test_with_error 0.000 failure (a `failure` element despite the name).
    // passed 1, failed 2; duration 0.002.
    let run = check("real/pytest-report.xml", c(1, 2, 0, 0, 0), 0.002);
    assert_eq!(
        message(&run, "python.test_sample", "test_which_fails"),
        Some("AssertionError: assert 'test' == 'xyz'")
    );
    assert_eq!(
        message(&run, "python.test_sample", "test_with_error"),
        Some("AttributeError: 'dict' object has no attribute 'attr'")
    );
}

#[test]
fn real_nextest() {
    // test_failure 0.774 failure; test_simple_navigation 0.944 and test_annotations
    // 0.945 passed. passed 2, failed 1; duration 0.774 + 0.944 + 0.945 = 2.663.
    let run = check("real/nextest-basic.xml", c(2, 1, 0, 0, 0), 2.663);
    assert_eq!(
        message(&run, "oxidized_navigation::parry3d", "test_failure"),
        Some("thread 'test_failure' panicked at tests/parry3d.rs:154:5:")
    );
}

#[test]
fn real_jest_junit() {
    // Suite main.test.js: Passing test 0.001 passed; Failing test 0.002, Exception in
    // target unit 0, Exception in test 0: failures. Suite second.test.js (classname ""):
    // Timeout test 0.004 failure; Skipped test 0 skipped.
    // passed 1, failed 4, skipped 1; duration 0.001 + 0.002 + 0.004 = 0.007.
    let run = check("real/jest-junit.xml", c(1, 4, 0, 1, 0), 0.007);
    // Empty classname: the enclosing suite's name stands in.
    let suite = r"__tests__\second.test.js";
    assert_eq!(
        find(&run, suite, "Skipped test").outcome,
        TestOutcome::Skipped
    );
    // First line of the text, 196 characters, kept whole (trailing blank trimmed).
    let timeout = message(&run, suite, "Timeout test").unwrap();
    assert!(timeout.starts_with(": Timeout - Async callback"));
    assert!(timeout.ends_with("jest.setTimeout.Error:"));
    assert_eq!(timeout.chars().count(), 196);
    assert_eq!(
        message(&run, "Test 1 › Test 1.1", "Failing test"),
        Some("Error: expect(received).toBeTruthy()")
    );
}

#[test]
fn real_phpunit_flat() {
    // 6 cases, each a failure of 0.001 s. failed 6; duration 0.006.
    let run = check("real/phpunit-paths.xml", c(0, 6, 0, 0, 0), 0.006);
    assert_eq!(message(&run, "SampleSuite", "testFailure"), Some("Boom"));
    assert_eq!(
        message(&run, "SampleSuite", "testWindowsParenFailure"),
        Some(r"at C:\repo\src\WinParen.php(88)")
    );
}

#[test]
fn real_go_junit_report() {
    // TestPass 0.060, TestPassLog 0.100 passed; TestOne 0.151 failure; TestSkip 0.020,
    // TestSkipNow 0.130 skipped. passed 2, failed 1, skipped 2;
    // duration 0.06 + 0.1 + 0.151 + 0.02 + 0.13 = 0.461.
    let run = check("real/go-junit-report-001.xml", c(2, 1, 0, 2, 0), 0.461);
    assert_eq!(message(&run, "package/fail", "TestOne"), Some("Failed"));
}

#[test]
fn real_cypress() {
    // 19 cases in 8 suites (one suite empty). Failures: app one "displays two todo
    // items", "can add new todo items", "with a checked task can filter for uncompleted
    // tasks" = 3. Skipped: "more nesting" uncompleted and delete = 2. Passed 19 - 5 = 14.
    // Durations by suite: 0.490 | 0 + 0 + 0.232 | 0 + 0.307 + 0.308 | 0.309 + 0.324 +
    // 0.362 | 0.318 + 0.318 + 0.317 | (empty) | 0.270 + 0.374 + 0.165 | 0.273 + 0.318 +
    // 0.258 = 0.490 + 0.232 + 0.615 + 0.995 + 0.953 + 0.809 + 0.849 = 4.943.
    let run = check("real/cypress-mocha-junit.xml", c(14, 3, 0, 2, 0), 4.943);
    assert_eq!(run.cases.len(), 19);
    assert_eq!(
        message(
            &run,
            "displays two todo items by default",
            "example to-do app one displays two todo items by default"
        ),
        Some(
            "Timed out retrying after 4000ms: expected '<li>' to have text 'Walk the cat', but the text was 'Walk the dog'"
        )
    );
}

#[test]
fn real_exunit() {
    // ErrorViewTest 0.0002 + 0.0216 passed; ExceptionTest 0.0081 failure; FailingTest
    // 0.0081 failure; PageControllerTest 0.0456 passed; SkippedTest 0 skipped; SlowTest
    // 1.5084 passed. passed 4, failed 2, skipped 1; duration 1.592.
    let run = check("real/exunit.xml", c(4, 2, 0, 1, 0), 1.592);
    assert_eq!(
        message(
            &run,
            "Elixir.ExunitexampleWeb.ExceptionTest",
            "test throws an exception"
        ),
        Some("throw: \"some exception\"")
    );
    let m = summarize(&run);
    assert_eq!(m.slowest[0].test.name, "test is slow");
}

#[test]
fn real_generic_testsuite_root() {
    // Root <testsuite>: Starts 2.2 passed, Stops 23.2 failure, Restarts 12.2 passed.
    // passed 2, failed 1; duration 37.6. Suite time="34.2" is ignored.
    let run = check("real/generic-axis-linux.xml", c(2, 1, 0, 0, 0), 37.6);
    assert_eq!(
        message(&run, "Deployment.AutoTest", "TestApplicationStops"),
        Some("test failure")
    );
}

#[test]
fn all_real_reports_form_one_run() {
    // Sum of the nine files above (no identity repeats across them):
    // passed 2+1+2+1+0+2+14+4+2 = 28; failed 2+2+1+4+6+1+3+2+1 = 22; skipped
    // 1+0+0+1+0+2+2+1+0 = 7; total 57 over 9 files.
    let run = read(&["real/*.xml"]);
    let m = summarize(&run);
    assert_eq!(counts(&m), c(28, 22, 0, 7, 0));
    assert_eq!((m.total, m.files), (57, 9));
    // pass_rate = 28 / (28 + 22) = 0.56.
    assert!((m.pass_rate.unwrap() - 0.56).abs() < 1e-12);
    // Durations: 4.943 + 1.592 + 37.6 + 0.461 + 0.007 + 2.663 + 0.006 + 0.002 + 0.007.
    assert!((m.duration - 47.281).abs() < 1e-9, "{}", m.duration);
    // Slowest first: TestApplicationStops 23.2, TestApplicationRestarts 12.2.
    assert_eq!(m.slowest[0].test.name, "TestApplicationStops");
    assert_eq!(m.slowest[1].test.name, "TestApplicationRestarts");
    // Files in path order.
    assert_eq!(
        run.files.first().map(String::as_str),
        Some("real/cypress-mocha-junit.xml")
    );
}

// ---------------------------------------------------------------- dialects

#[test]
fn gradle_with_test_retry_repeats() {
    // addsTwoNumbers 0.012 passed; dividesByZero 0.103 failure; parameterized [1] 0.004,
    // [2] 0.005 passed; ignoredForNow 0.0 skipped; networkCall() twice: 0.301 failure
    // then 0.107 pass → one case, passed and flaky, 0.408 s.
    // 6 identities: passed 4, failed 1, skipped 1, flaky 1;
    // duration 0.012 + 0.103 + 0.004 + 0.005 + 0.301 + 0.107 = 0.532.
    let run = check(
        "dialects/gradle-TEST-com.example.CalculatorTest.xml",
        c(4, 1, 0, 1, 1),
        0.532,
    );
    let net = find(&run, "com.example.CalculatorTest", "networkCall()");
    assert_eq!((net.outcome, net.flaky), (TestOutcome::Passed, true));
    assert!((net.duration - 0.408).abs() < 1e-12);
    assert_eq!(
        message(&run, "com.example.CalculatorTest", "dividesByZero()"),
        Some("org.opentest4j.AssertionFailedError: expected: <Infinity> but was: <NaN>")
    );
}

#[test]
fn pytest_xunit1() {
    // test_get_user 0.120 passed; test_create_user 0.250 failure; test_db 0.001 error
    // (setup); test_teardown_also_fails 0.300 failure + error → failed; test_windows_only
    // 0.000 skipped; test_known_bug 0.010 skipped (xfail); test_add[1-2-3] 0.002 passed.
    // passed 2, failed 2, errored 1, skipped 2; duration 0.683.
    let run = check("dialects/pytest-xunit1.xml", c(2, 2, 1, 2, 0), 0.683);
    assert_eq!(
        message(&run, "tests.test_api", "test_create_user"),
        Some("assert 500 == 201")
    );
    assert_eq!(
        message(&run, "tests.test_api", "test_db"),
        Some("failed on setup with \"ConnectionRefusedError: [Errno 111] Connection refused\"")
    );
    let both = find(&run, "tests.test_api", "test_teardown_also_fails");
    assert_eq!(both.outcome, TestOutcome::Failed);
    assert_eq!(both.message.as_deref(), Some("AssertionError: in call"));
}

#[test]
fn pytest_xunit2() {
    // test_empty 0.001, test_unicode[café] 0.003, test_naïve 0.004 passed; test_big
    // 0.400 failure; test_slow 0.000 skipped. passed 3, failed 1, skipped 1; 0.408.
    let run = check("dialects/pytest-xunit2.xml", c(3, 1, 0, 1, 0), 0.408);
    find(&run, "tests.unit.test_parser", "test_unicode[café]");
    find(&run, "tests.unit.test_parser", "test_naïve");
    assert_eq!(
        message(&run, "tests.unit.test_parser", "test_big"),
        Some("AssertionError: assert [1, 2] == [1, 2, 3]")
    );
}

#[test]
fn mocha_junit_reporter() {
    // Two empty suites, then: indexOf 0.0010 passed, 0.0150 failure, 0.0050 skipped;
    // push 0.0040, 0.0100 passed. passed 3, failed 1, skipped 1; duration 0.035.
    let run = check("dialects/mocha-junit-reporter.xml", c(3, 1, 0, 1, 0), 0.035);
    assert_eq!(
        message(
            &run,
            "should return the index",
            "Array #indexOf() should return the index"
        ),
        Some("expected 1 to equal 2")
    );
}

#[test]
fn gotestsum_rerun_fails() {
    // cart: TestAdd 0.01 passed; TestCheckout 0.3 failure, later 0.2 pass → passed and
    // flaky (0.5 s); TestRemove/empty_cart 0.001 passed; TestLegacy 0 skipped.
    // payment: TestRefund 0.05 failure and 0.06 failure → failed, not flaky (0.11 s);
    // TestCharge 0.09 passed.
    // 6 identities: passed 4, failed 1, skipped 1, flaky 1;
    // duration 0.01 + 0.3 + 0.2 + 0.001 + 0.05 + 0.06 + 0.09 = 0.711.
    let run = check(
        "dialects/gotestsum-rerun-fails.xml",
        c(4, 1, 0, 1, 1),
        0.711,
    );
    let checkout = find(&run, "example.com/shop/cart", "TestCheckout");
    assert_eq!(
        (checkout.outcome, checkout.flaky),
        (TestOutcome::Passed, true)
    );
    let refund = find(&run, "example.com/shop/payment", "TestRefund");
    assert_eq!((refund.outcome, refund.flaky), (TestOutcome::Failed, false));
    // The message attribute ("Failed") comes before the text.
    assert_eq!(refund.message.as_deref(), Some("Failed"));
}

#[test]
fn nextest_with_retries() {
    // tests::stable 0.015 passed; tests::flaky_network 0.250 with two flakyFailure →
    // passed and flaky (the attempts' own time attributes are not test case times);
    // tests::always_broken 0.020 failure + two rerunFailure → failed, not flaky;
    // integration smoke 1.500 passed. passed 3, failed 1, flaky 1; duration 1.785.
    let run = check("dialects/nextest-retries.xml", c(3, 1, 0, 0, 1), 1.785);
    let broken = find(&run, "mycrate", "tests::always_broken");
    assert_eq!((broken.outcome, broken.flaky), (TestOutcome::Failed, false));
    assert_eq!(
        broken.message.as_deref(),
        Some("thread 'tests::always_broken' panicked at src/lib.rs:55:5")
    );
    assert!(find(&run, "mycrate", "tests::flaky_network").flaky);
}

#[test]
fn rspec_junit_formatter() {
    // requires an email 0.012001 passed; rejects a bad email 0.015210 failure; joins
    // names 0.020106 passed; welcome mail 0.005 skipped. passed 2, failed 1,
    // skipped 1; duration 0.052317.
    let run = check(
        "dialects/rspec-junit-formatter.xml",
        c(2, 1, 0, 1, 0),
        0.052317,
    );
    assert_eq!(
        message(
            &run,
            "spec.models.user_spec",
            "User validations rejects a bad email"
        ),
        Some("expected `#<User id: nil>.valid?` to be falsey, got true")
    );
}

#[test]
fn phpunit_nested_suites() {
    // Three levels of suites, plus a data-provider suite inside the class suite:
    // testAdd 0.001 passed; testSub 0.002 failure; testDivide #0 0.0005 passed, #1
    // 0.0007 error; testPow 0.0001 skipped; testUpper 0.003045 passed.
    // passed 3, failed 1, errored 1, skipped 1;
    // duration 0.001 + 0.002 + 0.0005 + 0.0007 + 0.0001 + 0.003045 = 0.007345.
    let run = check("dialects/phpunit-nested.xml", c(3, 1, 1, 1, 0), 0.007345);
    // No message attribute: the first line of the text, which PHPUnit starts with the test.
    assert_eq!(
        message(&run, "Tests.Unit.MathTest", "testDivide with data set #1"),
        Some(r"Tests\Unit\MathTest::testDivide with data set #1")
    );
    assert_eq!(
        find(&run, "Tests.Unit.MathTest", "testDivide with data set #1").outcome,
        TestOutcome::Errored
    );
}

#[test]
fn dotnet_junitxml_logger_with_bom_and_crlf() {
    // UTF-8 byte order mark, CRLF line ends. AddItem 0.0123456 passed; Total_Applies
    // Discount 0.25 failure; Checkout 0 skipped; Rounds_Half_Up 0.05 passed.
    // passed 2, failed 1, skipped 1; duration 0.3123456.
    let run = check(
        "dialects/dotnet-junitxml-logger.xml",
        c(2, 1, 0, 1, 0),
        0.3123456,
    );
    // `&#xD;&#xA;` ends the first line.
    assert_eq!(
        message(
            &run,
            "Shop.Tests.CartTests",
            "Total_AppliesDiscount(percent: 10)"
        ),
        Some("Assert.Equal() Failure")
    );
}

#[test]
fn playwright_junit() {
    // shows the form 1.234 passed; rejects a wrong password 4.5 failure; remembers me
    // 0.4661 passed; cart is empty 0 skipped. passed 2, failed 1, skipped 1;
    // duration 6.2001.
    let run = check("dialects/playwright-junit.xml", c(2, 1, 0, 1, 0), 6.2001);
    assert_eq!(
        message(
            &run,
            "auth/login.spec.ts",
            "login › rejects a wrong password"
        ),
        Some("login.spec.ts:20:7 rejects a wrong password")
    );
}

#[test]
fn surefire_flaky_and_rerun() {
    // placesOrder 0.101 passed; retriesPayment 0.202 flakyFailure → passed, flaky;
    // loadsInventory 0.303 flakyError → passed, flaky; cancelsOrder 0.404 failure +
    // 2 rerunFailure → failed, not flaky; refundsOrder 0.505 error + rerunError →
    // errored, not flaky. passed 3, failed 1, errored 1, flaky 2;
    // duration 0.101 + 0.202 + 0.303 + 0.404 + 0.505 = 1.515.
    let run = check(
        "dialects/surefire-rerun-TEST-com.example.OrderServiceTest.xml",
        c(3, 1, 1, 0, 2),
        1.515,
    );
    let m = summarize(&run);
    let flaky: Vec<_> = m.flaky.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(flaky, ["loadsInventory", "retriesPayment"]);
    let failing: Vec<_> = m
        .failing
        .iter()
        .map(|f| (f.test.name.as_str(), f.outcome, f.message.as_deref()))
        .collect();
    assert_eq!(
        failing,
        [
            (
                "cancelsOrder",
                TestOutcome::Failed,
                Some("expected: <CANCELLED> but was: <OPEN>")
            ),
            (
                "refundsOrder",
                TestOutcome::Errored,
                Some("Database locked")
            ),
        ]
    );
}

// ---------------------------------------------------------------- edge cases

#[test]
fn cdata_entities_comments_doctype() {
    // 6 cases: two passed (0.25, 0.125), cdata-message failure (1), entity-message
    // error (0.5), named-entity-text failure (0.125), pi-inside passed (0).
    // passed 3, failed 2, errored 1; duration 2.0.
    let run = check("edge/cdata-entities.xml", c(3, 2, 1, 0, 0), 2.0);
    find(&run, "Esc'aped \"Class\"", "a < b && b > c");
    // Empty classname → the suite's name, whose `&amp;` is decoded.
    find(&run, "Entities & CDATA", "numeric ABé😀");
    assert_eq!(
        message(&run, "CData", "cdata-message"),
        Some("first line has <angle> & \"quotes\" ]] and brackets")
    );
    assert_eq!(message(&run, "CData", "entity-message"), Some("line one"));
    // The DOCTYPE declares `&project;` but is not read: the file uses only character
    // references (`&#160;` is a no-break space); see junit_trust for `&nbsp;`.
    assert_eq!(
        message(&run, "CData", "named-entity-text"),
        Some("<html>\u{A0}demo &done")
    );
}

#[test]
fn byte_order_mark() {
    // One passed case of 0.5 s behind a UTF-8 byte order mark.
    let run = check("edge/bom.xml", c(1, 0, 0, 0, 0), 0.5);
    assert_eq!(run.cases[0].classname, "Bom");
}

#[test]
fn utf16_report() {
    // The cdata-entities fixture re-encoded as UTF-16 (LE with BOM, BE without): the
    // same 6 cases and messages.
    let text = fs::read_to_string(fixtures().join("edge/cdata-entities.xml")).unwrap();
    let utf8 = read(&["edge/cdata-entities.xml"]).cases;
    let dir = tempfile::tempdir().unwrap();
    let le: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    fs::write(dir.path().join("le.xml"), le).unwrap();
    fs::write(dir.path().join("be.xml"), be).unwrap();
    for file in ["le.xml", "be.xml"] {
        let run = collect(
            &strings(&[file]),
            dir.path(),
            OnMalformed::Error,
            OnMissing::Error,
        )
        .unwrap();
        let cases: Vec<_> = run
            .cases
            .iter()
            .map(|c| (&c.classname, &c.name, c.outcome, &c.message))
            .collect();
        let want: Vec<_> = utf8
            .iter()
            .map(|c| (&c.classname, &c.name, c.outcome, &c.message))
            .collect();
        assert_eq!(cases, want, "{file}");
    }
}

fn location(e: &JunitError) -> (String, u64, u64) {
    let (f, l, c) = e.location().unwrap_or_else(|| panic!("no location: {e:?}"));
    (f.to_string(), l, c)
}

#[test]
fn malformed_xml_names_file_line_column() {
    // `</testsuite>` closes the open `<testcase>` at line 6, column 3.
    let e = read_err(&["edge/malformed-mismatched.xml"]);
    assert!(matches!(e, JunitError::Xml { .. }), "{e:?}");
    assert_eq!(location(&e), ("edge/malformed-mismatched.xml".into(), 6, 3));
    let text = e.to_string();
    assert!(
        text.contains("`edge/malformed-mismatched.xml` is not well-formed XML (line 6, column 3)"),
        "{text}"
    );
    assert!(text.contains("on_malformed: warn"), "{text}");
    // The parser's own words stay in the source chain.
    let source = std::error::Error::source(&e).unwrap().to_string();
    assert!(source.contains("testcase"), "{source}");

    // Cut off inside a tag: the tag's `<` at line 4, column 3.
    let e = read_err(&["edge/truncated.xml"]);
    assert_eq!(location(&e), ("edge/truncated.xml".into(), 4, 3));
}

#[test]
fn html_page_empty_file_and_other_roots_are_refused() {
    let e = read_err(&["edge/not-junit.html"]);
    assert!(
        matches!(&e, JunitError::NotJunit { root, .. } if root == "html"),
        "{e:?}"
    );
    assert_eq!(location(&e), ("edge/not-junit.html".into(), 2, 1));
    assert!(e.to_string().contains("not a JUnit XML report"), "{e}");

    let e = read_err(&["edge/cobertura-coverage.xml"]);
    assert!(
        matches!(&e, JunitError::NotJunit { root, .. } if root == "coverage"),
        "{e:?}"
    );
    assert_eq!(location(&e), ("edge/cobertura-coverage.xml".into(), 3, 1));

    let e = read_err(&["edge/empty.xml"]);
    assert!(e.is_malformed());
    assert_eq!(location(&e), ("edge/empty.xml".into(), 1, 1));
    assert!(e.to_string().contains("empty"), "{e}");
}

#[test]
fn malformed_files_can_be_skipped_with_a_warning() {
    // bom.xml (1 passed) is read; the four bad files are named in warnings.
    let run = collect(
        &strings(&[
            "edge/bom.xml",
            "edge/malformed-mismatched.xml",
            "edge/not-junit.html",
            "edge/empty.xml",
            "edge/truncated.xml",
        ]),
        &fixtures(),
        OnMalformed::Warn,
        OnMissing::Error,
    )
    .unwrap();
    assert_eq!(run.files, ["edge/bom.xml"]);
    assert_eq!(run.cases.len(), 1);
    assert_eq!(run.warnings.len(), 4, "{:#?}", run.warnings);
    assert!(
        run.warnings[0].starts_with(
            "skipped `edge/malformed-mismatched.xml` (line 6, column 3): not well-formed XML: "
        ),
        "{}",
        run.warnings[0]
    );
    assert!(!run.warnings[0].contains("on_malformed"));
    assert_eq!(
        run.warnings[1],
        "skipped `edge/not-junit.html` (line 2, column 1): not a JUnit XML report, its root element is `<html>`"
    );
    assert!(run.warnings[2].contains("empty"), "{}", run.warnings[2]);
    // The cases read from a file before its error are not kept: truncated.xml's case
    // `a` is absent.
    assert!(run.cases.iter().all(|c| c.name != "a"));
}

#[test]
fn flaky_across_files() {
    // run1: t1 fail 1.0, t2 pass 1.0, t3 error 1.0, t4 skip 0, t5 fail 1.0, t6 skip 0.
    // run2: t1 pass 0.5, t2 pass 0.5, t3 pass 0.5, t4 skip 0, t5 fail 0.5, t6 fail 0.5.
    // Across files the worst file outcome wins (a failure is never hidden by a pass in
    // another file); flaky where some attempt passed and some failed or errored:
    // t1 failed+flaky 1.5 ("first try failed"); t2 passed 1.5; t3 errored+flaky 1.5;
    // t4 skipped; t5 failed 1.5 (first message); t6 failed 0.5 (skipped vs failed is not
    // flaky). passed 1, failed 3, errored 1, skipped 1, flaky 2; duration 6.5;
    // pass_rate 1 / 5 = 0.2.
    let run = read(&["edge/flaky-run1.xml", "edge/flaky-run2.xml"]);
    let m = summarize(&run);
    assert_eq!(counts(&m), c(1, 3, 1, 1, 2));
    assert_eq!(m.duration, 6.5);
    assert_eq!(m.pass_rate, Some(0.2));
    let flaky: Vec<_> = m.flaky.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(flaky, ["t1", "t3"]);
    assert_eq!(message(&run, "A", "t5"), Some("always broken"));
    assert_eq!(message(&run, "A", "t6"), Some("failed when run"));
    assert_eq!(find(&run, "A", "t1").file, "edge/flaky-run1.xml");
    // t6 was skipped in run1 and failed in run2: the file named is the one it failed in.
    assert_eq!(find(&run, "A", "t6").file, "edge/flaky-run2.xml");
    assert_eq!(message(&run, "A", "t1"), Some("first try failed"));
    // Each file alone: run1 has passed 1, failed 2, errored 1, skipped 2, no flaky.
    let one = summarize(&read(&["edge/flaky-run1.xml"]));
    assert_eq!(counts(&one), c(1, 2, 1, 2, 0));
}

#[test]
fn huge_system_out_is_streamed() {
    // A 50 MB system-out (escaped text and CDATA with `<` inside), a 5 MB failure body
    // and a 2 MB comment; 3 cases: big-log passed 2.5, big-failure failed 1.25, after
    // passed 0.25. Duration 4.0.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.xml");
    let mut w = std::io::BufWriter::new(fs::File::create(&path).unwrap());
    let line = "2024-03-01T10:15:30Z INFO request handled in 12ms &amp; user=&quot;x&quot;\n";
    writeln!(
        w,
        "<?xml version=\"1.0\"?>\n<testsuites><testsuite name=\"Huge\">"
    )
    .unwrap();
    writeln!(
        w,
        "<testcase classname=\"H\" name=\"big-log\" time=\"2.5\"><system-out>"
    )
    .unwrap();
    let mut written = 0;
    while written < 40 << 20 {
        w.write_all(line.as_bytes()).unwrap();
        written += line.len();
    }
    w.write_all(b"<![CDATA[").unwrap();
    let cdata = "<html> raw & unescaped ]] still inside\n";
    while written < 50 << 20 {
        w.write_all(cdata.as_bytes()).unwrap();
        written += cdata.len();
    }
    writeln!(w, "]]></system-out></testcase>").unwrap();
    writeln!(
        w,
        "<testcase classname=\"H\" name=\"big-failure\" time=\"1.25\"><failure>"
    )
    .unwrap();
    w.write_all(b"\n   \nfirst line of a very long failure\n")
        .unwrap();
    for _ in 0..(5 << 20) / 64 {
        w.write_all(&[b'x'; 63]).unwrap();
        w.write_all(b"\n").unwrap();
    }
    writeln!(w, "</failure></testcase><!--").unwrap();
    for _ in 0..(2 << 20) / 64 {
        w.write_all(&[b'-'; 64]).unwrap();
    }
    writeln!(
        w,
        "--><testcase classname=\"H\" name=\"after\" time=\"0.25\"/>"
    )
    .unwrap();
    writeln!(w, "</testsuite></testsuites>").unwrap();
    w.flush().unwrap();
    drop(w);
    assert!(fs::metadata(&path).unwrap().len() > 57 << 20);

    let run = collect(
        &strings(&["huge.xml"]),
        dir.path(),
        OnMalformed::Error,
        OnMissing::Error,
    )
    .unwrap();
    let m = summarize(&run);
    assert_eq!(counts(&m), c(2, 1, 0, 0, 0));
    assert_eq!(m.duration, 4.0);
    assert_eq!(
        message(&run, "H", "big-failure"),
        Some("first line of a very long failure")
    );
}

// ---------------------------------------------------------------- file patterns

/// A report with one passing case named after the file.
fn write_report(path: &Path) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let name = path.file_name().unwrap().to_string_lossy();
    fs::write(
        path,
        format!("<testsuite name=\"S\"><testcase classname=\"C\" name=\"{name}\" time=\"1\"/></testsuite>"),
    )
    .unwrap();
}

fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    // A base path with glob characters in it must still be taken literally.
    let base = dir.path().join("we[ird] base");
    for f in [
        "build/test-results/test/TEST-a.xml",
        "build/test-results/integrationTest/TEST-b.xml",
        "module/target/surefire-reports/TEST-c.xml",
        ".hidden/TEST-h.xml",
    ] {
        write_report(&base.join(f));
    }
    fs::create_dir_all(base.join("reports/empty")).unwrap();
    dir
}

fn collect_in(
    dir: &tempfile::TempDir,
    patterns: &[&str],
    on_missing: OnMissing,
) -> Result<TestRun, JunitError> {
    collect(
        &strings(patterns),
        &dir.path().join("we[ird] base"),
        OnMalformed::Error,
        on_missing,
    )
}

#[test]
fn globs_expand_dedup_and_skip_hidden_directories() {
    let dir = tree();
    // `**` crosses directories; `.hidden` is not entered by `**`.
    let run = collect_in(&dir, &["**/TEST-*.xml"], OnMissing::Error).unwrap();
    assert_eq!(
        run.files,
        [
            "build/test-results/integrationTest/TEST-b.xml",
            "build/test-results/test/TEST-a.xml",
            "module/target/surefire-reports/TEST-c.xml",
        ]
    );
    assert_eq!(run.cases.len(), 3);
    // Overlapping patterns read each file once, in pattern order.
    let run = collect_in(
        &dir,
        &[
            "module/**/*.xml",
            "**/TEST-*.xml",
            "build/test-results/test/TEST-a.xml",
        ],
        OnMissing::Error,
    )
    .unwrap();
    assert_eq!(run.files.len(), 3);
    assert_eq!(run.files[0], "module/target/surefire-reports/TEST-c.xml");
    assert_eq!(summarize(&run).duration, 3.0);
    // A spelled-out dot is matched.
    let run = collect_in(&dir, &[".hidden/*.xml"], OnMissing::Error).unwrap();
    assert_eq!(run.files, [".hidden/TEST-h.xml"]);
    // `*` does not cross `/`.
    let run = collect_in(&dir, &["*/TEST-*.xml"], OnMissing::Ignore).unwrap();
    assert!(run.files.is_empty());
}

#[test]
fn absolute_patterns() {
    let dir = tree();
    let abs = format!(
        "{}/module/**/*.xml",
        glob::Pattern::escape(&dir.path().join("we[ird] base").to_string_lossy())
    );
    let run = collect(
        &[abs],
        Path::new("/nonexistent"),
        OnMalformed::Error,
        OnMissing::Error,
    )
    .unwrap();
    assert_eq!(run.files.len(), 1);
    assert!(run.files[0].ends_with("module/target/surefire-reports/TEST-c.xml"));
}

#[test]
fn empty_base_means_the_current_directory() {
    // Integration tests run in the package root.
    let run = collect(
        &strings(&["tests/fixtures/junit/edge/bom.xml"]),
        Path::new(""),
        OnMalformed::Error,
        OnMissing::Error,
    )
    .unwrap();
    assert_eq!(run.files, ["tests/fixtures/junit/edge/bom.xml"]);
}

#[test]
fn missing_patterns_warn_error_or_ignore() {
    let dir = tree();
    // Default (warn): one warning per pattern that matched nothing; the others are read.
    let run = collect_in(
        &dir,
        &["missing/*.xml", "module/**/*.xml", "reports"],
        OnMissing::Warn,
    )
    .unwrap();
    assert_eq!(run.files.len(), 1);
    assert_eq!(run.warnings.len(), 2, "{:?}", run.warnings);
    assert!(
        run.warnings[0].contains("`missing/*.xml`"),
        "{}",
        run.warnings[0]
    );
    // A pattern that matches a directory says so.
    assert!(
        run.warnings[1].contains("only 1 directory"),
        "{}",
        run.warnings[1]
    );

    let e = collect_in(
        &dir,
        &["module/**/*.xml", "missing/*.xml"],
        OnMissing::Error,
    )
    .unwrap_err();
    assert!(matches!(&e, JunitError::NoMatch { pattern, .. } if pattern == "missing/*.xml"));
    assert!(e.to_string().contains("on_missing: warn"), "{e}");

    let run = collect_in(&dir, &["missing/*.xml"], OnMissing::Ignore).unwrap();
    assert!(run.warnings.is_empty() && run.files.is_empty());
    assert_eq!(OnMissing::default(), OnMissing::Warn);
    assert_eq!(OnMalformed::default(), OnMalformed::Error);
}

#[test]
fn invalid_pattern_is_an_error() {
    let dir = tree();
    let e = collect_in(&dir, &["reports/[.xml"], OnMissing::Warn).unwrap_err();
    assert!(
        matches!(&e, JunitError::Pattern { pattern, .. } if pattern == "reports/[.xml"),
        "{e:?}"
    );
}

#[test]
fn invalid_times_are_zero_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("t.xml"),
        r#"<testsuite><testcase name="a" time="1,5"/><testcase name="b" time="2"/><testcase name="c" time="1,234.5"/><testcase name="d" time="n/a"/></testsuite>"#,
    )
    .unwrap();
    let run = collect(
        &strings(&["t.xml"]),
        dir.path(),
        OnMalformed::Error,
        OnMissing::Error,
    )
    .unwrap();
    // a: "1,5" is a decimal comma → 0; b 2; c 1234.5 (thousands separator); d → 0.
    assert_eq!(summarize(&run).duration, 1236.5);
    assert_eq!(run.warnings.len(), 1);
    assert!(
        run.warnings[0].contains("2 test case(s)"),
        "{}",
        run.warnings[0]
    );
    assert!(run.warnings[0].contains("`1,5`"), "{}", run.warnings[0]);
}

#[test]
fn options_deserialize_lowercase() {
    let m: OnMalformed = serde_json::from_str("\"warn\"").unwrap();
    assert_eq!(m, OnMalformed::Warn);
    let m: OnMissing = serde_json::from_str("\"ignore\"").unwrap();
    assert_eq!(m, OnMissing::Ignore);
    assert!(serde_json::from_str::<OnMissing>("\"Warn\"").is_err());
    // The JSON Schema (embedded in the policy's schema) lists the lowercase values.
    let schema = serde_json::to_string(&schemars::schema_for!(OnMissing)).unwrap();
    for value in ["\"error\"", "\"warn\"", "\"ignore\""] {
        assert!(schema.contains(value), "{schema}");
    }
    let schema = serde_json::to_string(&schemars::schema_for!(OnMalformed)).unwrap();
    assert!(
        schema.contains("\"warn\"") && !schema.contains("\"ignore\""),
        "{schema}"
    );
}

#[test]
fn parse_reader_streams_cases_in_document_order() {
    let doc = b"<testsuites><testsuite name='S'><testcase name='a'/><testsuite name='T'><testcase name='b'><skipped/></testcase></testsuite></testsuite></testsuites>";
    let mut seen = Vec::new();
    let stats = parse_reader("inline", &doc[..], &mut |c| {
        seen.push((c.classname, c.name, c.outcome))
    })
    .unwrap();
    assert_eq!(stats.cases, 2);
    assert_eq!(
        seen,
        [
            ("S".to_string(), "a".to_string(), TestOutcome::Passed),
            ("T".to_string(), "b".to_string(), TestOutcome::Skipped)
        ]
    );
}

#[test]
fn the_compact_run_gives_the_same_metrics_and_cases() {
    // Every fixture together (malformed ones skipped, so their cases are rolled back):
    // the compact run that `check` uses and the owned cases agree on every figure.
    use slipgate::collect::junit::collect_table;
    use slipgate::metrics::test_results::summarize_table;
    let patterns = strings(&["**/*.xml"]);
    let table = collect_table(&patterns, &fixtures(), OnMalformed::Warn, OnMissing::Error).unwrap();
    let run = collect(&patterns, &fixtures(), OnMalformed::Warn, OnMissing::Error).unwrap();
    assert!(table.len() > 50, "{}", table.len());
    assert_eq!(table.cases(), run.cases);
    assert_eq!(table.files, run.files);
    assert_eq!(summarize_table(&table), summarize(&run));
    // The skipped files count for nothing: the same as reading only the good files.
    let good: Vec<String> = run.files.clone();
    let again = collect(&good, &fixtures(), OnMalformed::Error, OnMissing::Error).unwrap();
    assert_eq!(again.cases, run.cases);
    assert!(run.warnings.iter().any(|w| w.starts_with("skipped")));
}
