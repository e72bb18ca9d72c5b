//! Test metrics of one run (docs/metrics.md, "Test metrics"). Pure.

use std::cmp::Ordering;

use serde::Serialize;

use crate::model::{Runs, TestOutcome, TestRun, TestTable, TestView};

/// How many of the slowest cases are listed.
pub const SLOWEST: usize = 10;

/// A test case by identity, with the file that reported it first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TestRef {
    pub classname: String,
    pub name: String,
    pub file: String,
}

impl TestRef {
    /// The test's identity: `classname::name`, or the name alone without a classname.
    pub fn id(&self) -> String {
        if self.classname.is_empty() {
            self.name.clone()
        } else {
            format!("{}::{}", self.classname, self.name)
        }
    }
}

/// A failed or errored case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailingTest {
    #[serde(flatten)]
    pub test: TestRef,
    /// `failed` or `errored`.
    pub outcome: TestOutcome,
    /// First line of the failure / error message, if any.
    pub message: Option<String>,
    pub flaky: bool,
    /// Where the test is written, when its report says (`file`/`line`): annotations.
    #[serde(skip)]
    pub at: Option<crate::model::Place>,
}

/// A case and its duration (seconds).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlowTest {
    #[serde(flatten)]
    pub test: TestRef,
    pub duration: f64,
}

/// Totals and lists of one run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestMetrics {
    /// Test cases (identities after merging repeated reports).
    pub total: usize,
    pub passed: usize,
    pub failed: usize,
    pub errored: usize,
    pub skipped: usize,
    /// Every `<testcase>` element read, each with its own outcome: more than `total`
    /// when tests were rerun or reported by several files.
    pub runs: Runs,
    /// passed / (passed + failed + errored), a fraction in 0..=1; none when no case ran.
    pub pass_rate: Option<f64>,
    /// Sum of the cases' durations, seconds.
    pub duration: f64,
    /// Flaky cases, by (classname, name).
    pub flaky: Vec<TestRef>,
    /// Failed and errored cases, by (classname, name).
    pub failing: Vec<FailingTest>,
    /// The `SLOWEST` longest cases, longest first (ties by classname, then name).
    pub slowest: Vec<SlowTest>,
    /// JUnit files read.
    pub files: usize,
}

fn test_ref(case: &TestView<'_>) -> TestRef {
    TestRef {
        classname: case.classname.to_string(),
        name: case.name.to_string(),
        file: case.file.to_string(),
    }
}

fn by_id(a: &TestView<'_>, b: &TestView<'_>) -> Ordering {
    a.classname
        .cmp(b.classname)
        .then_with(|| a.name.cmp(b.name))
        .then_with(|| a.file.cmp(b.file))
}

/// Longest first, ties by identity: a total order, so keeping the first SLOWEST of any
/// part and selecting again gives the same list as sorting everything.
fn slower(a: &TestView<'_>, b: &TestView<'_>) -> Ordering {
    b.duration.total_cmp(&a.duration).then_with(|| by_id(a, b))
}

/// The metrics of a run of owned cases.
pub fn summarize(run: &TestRun) -> TestMetrics {
    summarize_views(run.cases.iter().map(TestView::of), run.files.len())
}

/// The metrics of a compact run: the same figures as [`summarize`] of its cases.
pub fn summarize_table(run: &TestTable) -> TestMetrics {
    summarize_views(run.iter(), run.files.len())
}

/// One pass over the cases: counts and sums as they come, the flaky and failing ones
/// kept (borrowed), and at most 2 × [`SLOWEST`] candidates for the slowest.
fn summarize_views<'a>(cases: impl Iterator<Item = TestView<'a>>, files: usize) -> TestMetrics {
    let (mut total, mut passed, mut failed, mut errored, mut skipped) = (0, 0, 0, 0, 0);
    // Summed as `Iterator::sum` does (from -0.0, in case order): the same bits.
    let mut duration = -0.0;
    let mut runs = Runs::default();
    let mut flaky: Vec<TestView<'a>> = Vec::new();
    let mut failing: Vec<TestView<'a>> = Vec::new();
    let mut slowest: Vec<TestView<'a>> = Vec::with_capacity(2 * SLOWEST);
    for c in cases {
        total += 1;
        match c.outcome {
            TestOutcome::Passed => passed += 1,
            TestOutcome::Failed => failed += 1,
            TestOutcome::Errored => errored += 1,
            TestOutcome::Skipped => skipped += 1,
        }
        duration += c.duration;
        runs = runs.plus(c.runs);
        if c.flaky {
            flaky.push(c);
        }
        if matches!(c.outcome, TestOutcome::Failed | TestOutcome::Errored) {
            failing.push(c);
        }
        // Skipped cases did not run: they are never among the slowest.
        if c.outcome != TestOutcome::Skipped {
            if slowest.len() == 2 * SLOWEST {
                slowest.select_nth_unstable_by(SLOWEST - 1, slower);
                slowest.truncate(SLOWEST);
            }
            slowest.push(c);
        }
    }
    let ran = passed + failed + errored;
    let pass_rate = (ran > 0).then(|| passed as f64 / ran as f64);
    // Rounded to the nanosecond: a sum of decimal times should not print as
    // 37.599999999999994.
    let duration = (duration * 1e9).round() / 1e9;

    flaky.sort_by(by_id);
    failing.sort_by(by_id);
    if slowest.len() > SLOWEST {
        slowest.select_nth_unstable_by(SLOWEST - 1, slower);
        slowest.truncate(SLOWEST);
    }
    slowest.sort_by(slower);

    let flaky = flaky.iter().map(test_ref).collect();
    let failing = failing
        .iter()
        .map(|c| FailingTest {
            test: test_ref(c),
            outcome: c.outcome,
            message: c.message.map(str::to_string),
            flaky: c.flaky,
            at: c.at.cloned(),
        })
        .collect();
    let slowest = slowest
        .iter()
        .map(|c| SlowTest {
            test: test_ref(c),
            duration: c.duration,
        })
        .collect();

    TestMetrics {
        total,
        passed,
        failed,
        errored,
        skipped,
        runs,
        pass_rate,
        duration,
        flaky,
        failing,
        slowest,
        files,
    }
}

#[cfg(test)]
mod unit {
    use super::*;
    use crate::model::TestCase;

    fn case(classname: &str, name: &str, outcome: TestOutcome, duration: f64) -> TestCase {
        TestCase {
            classname: classname.into(),
            name: name.into(),
            outcome,
            duration,
            flaky: false,
            message: match outcome {
                TestOutcome::Failed | TestOutcome::Errored => Some(format!("{name} broke")),
                _ => None,
            },
            file: "r.xml".into(),
            at: None,
            runs: {
                let mut runs = Runs::default();
                runs.add(outcome);
                runs
            },
        }
    }

    fn names<'a>(refs: impl IntoIterator<Item = &'a TestRef>) -> Vec<String> {
        refs.into_iter()
            .map(|r| format!("{}::{}", r.classname, r.name))
            .collect()
    }

    #[test]
    fn totals_rate_and_lists() {
        let mut flaky_pass = case("B", "flaky", TestOutcome::Passed, 0.5);
        flaky_pass.flaky = true;
        let mut flaky_fail = case("A", "flaky-fail", TestOutcome::Failed, 0.25);
        flaky_fail.flaky = true;
        let run = TestRun {
            files: vec!["a.xml".into(), "b.xml".into()],
            cases: vec![
                case("B", "b1", TestOutcome::Passed, 1.0),
                case("A", "a2", TestOutcome::Failed, 2.0),
                case("A", "a1", TestOutcome::Errored, 0.125),
                case("C", "c1", TestOutcome::Skipped, 0.0),
                flaky_pass,
                flaky_fail,
            ],
            warnings: vec![],
        };
        let m = summarize(&run);
        // passed: b1, flaky = 2; failed: a2, flaky-fail = 2; errored: a1 = 1; skipped 1.
        assert_eq!(
            (m.total, m.passed, m.failed, m.errored, m.skipped),
            (6, 2, 2, 1, 1)
        );
        // pass_rate = 2 / (2 + 2 + 1) = 0.4.
        assert_eq!(m.pass_rate, Some(0.4));
        // 1 + 2 + 0.125 + 0 + 0.5 + 0.25 = 3.875 (exact in binary).
        assert_eq!(m.duration, 3.875);
        assert_eq!(m.files, 2);
        // Sorted by (classname, name): A::flaky-fail before B::flaky.
        assert_eq!(names(&m.flaky), ["A::flaky-fail", "B::flaky"]);
        // Failing: A::a1 (errored), A::a2, A::flaky-fail.
        assert_eq!(
            names(m.failing.iter().map(|f| &f.test)),
            ["A::a1", "A::a2", "A::flaky-fail"]
        );
        assert_eq!(m.failing[0].outcome, TestOutcome::Errored);
        assert_eq!(m.failing[0].message.as_deref(), Some("a1 broke"));
        assert!(m.failing[2].flaky);
        // Slowest: 2.0 a2, 1.0 b1, 0.5 flaky, 0.25 flaky-fail, 0.125 a1 (c1 was skipped: left out).
        assert_eq!(
            names(m.slowest.iter().map(|s| &s.test)),
            ["A::a2", "B::b1", "B::flaky", "A::flaky-fail", "A::a1"]
        );
    }

    #[test]
    fn no_cases_or_only_skipped_has_no_pass_rate() {
        let m = summarize(&TestRun::default());
        assert_eq!((m.total, m.pass_rate, m.duration), (0, None, 0.0));
        assert!(m.slowest.is_empty());
        let run = TestRun {
            files: vec!["x.xml".into()],
            cases: vec![case("A", "s", TestOutcome::Skipped, 0.0)],
            warnings: vec![],
        };
        let m = summarize(&run);
        assert_eq!((m.skipped, m.pass_rate), (1, None));
    }

    #[test]
    fn slowest_keeps_ten_and_breaks_ties_by_id() {
        // 12 cases: t00..t11 with durations 1,1,1,2,2,2,3,3,3,4,4,4 (i / 3 + 1).
        let cases: Vec<TestCase> = (0..12)
            .rev()
            .map(|i| {
                case(
                    "K",
                    &format!("t{i:02}"),
                    TestOutcome::Passed,
                    f64::from(i / 3 + 1),
                )
            })
            .collect();
        let run = TestRun {
            files: vec![],
            cases,
            warnings: vec![],
        };
        let m = summarize(&run);
        // 4 s: t09 t10 t11; 3 s: t06 t07 t08; 2 s: t03 t04 t05; 1 s: t00 (10th).
        let got: Vec<_> = m.slowest.iter().map(|s| s.test.name.as_str()).collect();
        assert_eq!(
            got,
            [
                "t09", "t10", "t11", "t06", "t07", "t08", "t03", "t04", "t05", "t00"
            ]
        );
        assert_eq!(m.slowest[0].duration, 4.0);
        assert_eq!(m.pass_rate, Some(1.0));
    }

    #[test]
    fn serializes_flat_refs() {
        let run = TestRun {
            files: vec!["r.xml".into()],
            cases: vec![case("A", "x", TestOutcome::Failed, 1.5)],
            warnings: vec![],
        };
        let json = serde_json::to_value(summarize(&run)).unwrap();
        assert_eq!(json["failing"][0]["classname"], "A");
        assert_eq!(json["failing"][0]["outcome"], "failed");
        assert_eq!(json["slowest"][0]["duration"], 1.5);
        assert_eq!(json["pass_rate"], 0.0);
    }
}
