//! A test run kept compact: one row of fixed size per test identity, names in one
//! string, classnames and file names stored once each, messages and source places only
//! for the cases that have them. It holds what [`TestRun`](super::TestRun) holds (and
//! [`TestTable::cases`] gives it back), at a few dozen bytes per test instead of a few
//! hundred: memory stays flat in the number of test cases of a big report.

use super::{Place, Runs, TestCase, TestOutcome};

/// Row index meaning "none" (no detail).
pub const NO_DETAIL: u32 = u32::MAX;

/// One test identity after merging its reports.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TestRow {
    /// Start of the name in [`TestTable::names`]; it ends where the next row's starts.
    pub name_start: u64,
    /// Seconds (sum over the reports of this identity).
    pub duration: f64,
    /// Index of the classname in [`TestTable::strings`].
    pub classname: u32,
    /// Index of the file name in [`TestTable::strings`].
    pub file: u32,
    /// Index in [`TestTable::details`], or [`NO_DETAIL`].
    pub detail: u32,
    /// Runs counted by outcome: passed, failed, errored, skipped (saturating).
    pub runs: [u32; 4],
    pub outcome: TestOutcome,
    pub flaky: bool,
}

impl TestRow {
    /// The runs of this identity.
    pub fn runs(&self) -> Runs {
        let [passed, failed, errored, skipped] = self.runs.map(|n| n as usize);
        Runs {
            total: passed + failed + errored + skipped,
            passed,
            failed,
            errored,
            skipped,
        }
    }
}

/// What a few rows carry besides their figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TestDetail {
    /// First line of the failure / error message, for failed and errored cases.
    pub message: Option<String>,
    /// Where the test is written (`file`/`line` attributes of a failing report).
    pub at: Option<Place>,
}

/// One test run: every JUnit file given to one invocation, compact.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TestTable {
    /// JUnit files read.
    pub files: Vec<String>,
    pub warnings: Vec<String>,
    /// Classnames and file names, each once.
    pub strings: Vec<String>,
    /// Every test name, one after the other.
    pub names: String,
    /// One per identity, in the order identities were first seen.
    pub rows: Vec<TestRow>,
    pub details: Vec<TestDetail>,
}

/// One test of a [`TestTable`] (or of a [`TestRun`](super::TestRun)), borrowed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TestView<'a> {
    pub classname: &'a str,
    pub name: &'a str,
    pub file: &'a str,
    pub outcome: TestOutcome,
    pub duration: f64,
    pub flaky: bool,
    pub message: Option<&'a str>,
    pub at: Option<&'a Place>,
    pub runs: Runs,
}

impl<'a> TestView<'a> {
    pub fn of(case: &'a TestCase) -> TestView<'a> {
        TestView {
            classname: &case.classname,
            name: &case.name,
            file: &case.file,
            outcome: case.outcome,
            duration: case.duration,
            flaky: case.flaky,
            message: case.message.as_deref(),
            at: case.at.as_ref(),
            runs: case.runs,
        }
    }
}

impl TestTable {
    /// Test identities.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    fn string(&self, i: u32) -> &str {
        self.strings.get(i as usize).map_or("", String::as_str)
    }

    /// The name of row `i`.
    pub fn name(&self, i: usize) -> &str {
        let start = self.rows.get(i).map_or(0, |r| r.name_start) as usize;
        let end = self
            .rows
            .get(i + 1)
            .map_or(self.names.len(), |r| r.name_start as usize);
        self.names.get(start..end).unwrap_or("")
    }

    /// Row `i`, borrowed with its strings.
    pub fn view(&self, i: usize) -> Option<TestView<'_>> {
        let row = self.rows.get(i)?;
        let detail = self.details.get(row.detail as usize);
        Some(TestView {
            classname: self.string(row.classname),
            name: self.name(i),
            file: self.string(row.file),
            outcome: row.outcome,
            duration: row.duration,
            flaky: row.flaky,
            message: detail.and_then(|d| d.message.as_deref()),
            at: detail.and_then(|d| d.at.as_ref()),
            runs: row.runs(),
        })
    }

    /// Every test, in the order identities were first seen.
    pub fn iter(&self) -> impl Iterator<Item = TestView<'_>> {
        (0..self.rows.len()).filter_map(|i| self.view(i))
    }

    /// Every test as an owned [`TestCase`] (tests and small runs: this is the big form).
    pub fn cases(&self) -> Vec<TestCase> {
        self.iter()
            .map(|v| TestCase {
                classname: v.classname.to_string(),
                name: v.name.to_string(),
                outcome: v.outcome,
                duration: v.duration,
                flaky: v.flaky,
                message: v.message.map(str::to_string),
                file: v.file.to_string(),
                at: v.at.cloned(),
                runs: v.runs,
            })
            .collect()
    }
}
