//! Merging the reports of one identity (classname, name) into one [`TestCase`].
//!
//! An identity can be reported more than once in a run: by a runner that reruns failures
//! and reports every attempt in its file (`gotestsum --rerun-fails`), or by several files
//! (a CI matrix, shards, retries that keep each report). The merged case is decided in two
//! steps:
//!
//! 1. **Within one file**, attempts are reruns: the *last* attempt that ran (passed,
//!    failed or errored) decides that file's outcome; a file whose attempts were all
//!    skipped is skipped. Fail then pass is a pass on retry; pass then fail is a failure.
//! 2. **Across files**, the worst file outcome wins: failed, then errored, then passed,
//!    then skipped. A test that fails on one platform of a matrix and passes on another is
//!    failed: a failure is never hidden by a pass elsewhere.
//!
//! The case is **flaky** when some attempt passed and some attempt failed or errored
//! (anywhere in the run), or when an attempt had `flakyFailure` / `flakyError` children.
//! Every attempt is also counted, with its own outcome, in the case's `runs`.
//! The duration is the sum of all attempts; the message is the first one (in reading
//! order) of an attempt with the merged outcome; the file is the first file whose outcome
//! is the merged one.

use std::collections::HashMap;

use super::RawCase;
use crate::model::{Runs, TestCase, TestOutcome};

#[derive(Debug)]
struct Acc {
    case: TestCase,
    /// Per file, in first-seen order: the outcome of its last attempt that ran, or
    /// `Skipped` while every attempt was skipped.
    files: Vec<(String, TestOutcome)>,
    any_passed: bool,
    any_failing: bool,
    flaky_child: bool,
    failed_message: Option<String>,
    errored_message: Option<String>,
}

/// Accumulates raw cases in reading order; [`Merger::finish`] gives one case per
/// identity, in the order identities were first seen.
#[derive(Debug, Default)]
pub struct Merger {
    index: HashMap<(String, String), usize>,
    cases: Vec<Acc>,
}

/// Rank of a file outcome across files: the worst wins.
fn severity(o: TestOutcome) -> u8 {
    match o {
        TestOutcome::Skipped => 0,
        TestOutcome::Passed => 1,
        TestOutcome::Errored => 2,
        TestOutcome::Failed => 3,
    }
}

impl Merger {
    pub fn add(&mut self, raw: RawCase, file: &str) {
        let key = (raw.classname, raw.name);
        let i = match self.index.get(&key) {
            Some(&i) => i,
            None => {
                let i = self.cases.len();
                self.cases.push(Acc {
                    case: TestCase {
                        classname: key.0.clone(),
                        name: key.1.clone(),
                        outcome: TestOutcome::Skipped,
                        duration: 0.0,
                        flaky: false,
                        message: None,
                        file: file.to_string(),
                        at: None,
                        runs: Runs::default(),
                    },
                    files: Vec::new(),
                    any_passed: false,
                    any_failing: false,
                    flaky_child: false,
                    failed_message: None,
                    errored_message: None,
                });
                self.index.insert(key, i);
                i
            }
        };
        let Some(acc) = self.cases.get_mut(i) else {
            return;
        };
        acc.case.duration += raw.duration;
        acc.case.runs.add(raw.outcome);
        acc.flaky_child |= raw.flaky;
        if acc.case.at.is_none() {
            acc.case.at = raw.at;
        }
        match raw.outcome {
            TestOutcome::Passed => acc.any_passed = true,
            TestOutcome::Failed => {
                acc.any_failing = true;
                if acc.failed_message.is_none() {
                    acc.failed_message = raw.message;
                }
            }
            TestOutcome::Errored => {
                acc.any_failing = true;
                if acc.errored_message.is_none() {
                    acc.errored_message = raw.message;
                }
            }
            TestOutcome::Skipped => {}
        }
        match acc.files.iter_mut().find(|(f, _)| f == file) {
            Some((_, last)) => {
                if raw.outcome != TestOutcome::Skipped {
                    *last = raw.outcome;
                }
            }
            None => acc.files.push((file.to_string(), raw.outcome)),
        }
    }

    pub fn finish(self) -> Vec<TestCase> {
        self.cases
            .into_iter()
            .map(|acc| {
                let mut case = acc.case;
                let outcome = acc
                    .files
                    .iter()
                    .map(|(_, o)| *o)
                    .max_by_key(|o| severity(*o))
                    .unwrap_or(TestOutcome::Skipped);
                // The file named is the first one whose outcome decided the case.
                if let Some((f, _)) = acc.files.iter().find(|(_, o)| *o == outcome) {
                    case.file = f.clone();
                }
                case.message = match outcome {
                    TestOutcome::Failed => acc.failed_message,
                    TestOutcome::Errored => acc.errored_message,
                    _ => None,
                };
                case.outcome = outcome;
                case.flaky = acc.flaky_child || (acc.any_passed && acc.any_failing);
                case
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(
        name: &str,
        outcome: TestOutcome,
        duration: f64,
        flaky: bool,
        msg: Option<&str>,
    ) -> RawCase {
        RawCase {
            classname: "C".into(),
            name: name.into(),
            outcome,
            duration,
            flaky,
            message: msg.map(str::to_string),
            at: None,
        }
    }

    /// Each attempt in a file of its own (a matrix, shards).
    fn merged(attempts: Vec<RawCase>) -> Vec<TestCase> {
        let mut m = Merger::default();
        for (i, a) in attempts.into_iter().enumerate() {
            m.add(a, &format!("f{i}.xml"));
        }
        m.finish()
    }

    /// Every attempt in one file (reruns).
    fn rerun(attempts: Vec<RawCase>) -> Vec<TestCase> {
        let mut m = Merger::default();
        for a in attempts {
            m.add(a, "run.xml");
        }
        m.finish()
    }

    #[test]
    fn fail_then_pass_is_passed_and_flaky_with_summed_duration() {
        // A rerun in one file: 1.5 s failing + 0.25 s passing = 1.75 s.
        let cases = rerun(vec![
            raw("t", TestOutcome::Failed, 1.5, false, Some("boom")),
            raw("t", TestOutcome::Passed, 0.25, false, None),
        ]);
        assert_eq!(cases.len(), 1);
        assert_eq!(cases[0].outcome, TestOutcome::Passed);
        assert!(cases[0].flaky);
        assert_eq!(cases[0].duration, 1.75);
        assert_eq!(cases[0].message, None);
        assert_eq!(cases[0].file, "run.xml");
    }

    #[test]
    fn pass_then_fail_in_one_file_is_failed_and_flaky() {
        // The last attempt decides within a file.
        let cases = rerun(vec![
            raw("t", TestOutcome::Passed, 0.0, false, None),
            raw("t", TestOutcome::Failed, 0.0, false, Some("late")),
        ]);
        assert_eq!(
            (cases[0].outcome, cases[0].flaky),
            (TestOutcome::Failed, true)
        );
        assert_eq!(cases[0].message.as_deref(), Some("late"));
    }

    #[test]
    fn a_failure_in_one_file_is_not_hidden_by_a_pass_in_another() {
        // A matrix: failed on one platform, passed on the other → failed (and flaky).
        let cases = merged(vec![
            raw("t", TestOutcome::Failed, 0.0, false, Some("linux only")),
            raw("t", TestOutcome::Passed, 0.0, false, None),
        ]);
        assert_eq!(
            (cases[0].outcome, cases[0].flaky),
            (TestOutcome::Failed, true)
        );
        assert_eq!(cases[0].message.as_deref(), Some("linux only"));
        // A file that failed then passed on retry, beside a file that passed: passed.
        let mut m = Merger::default();
        m.add(raw("t", TestOutcome::Failed, 0.0, false, None), "a.xml");
        m.add(raw("t", TestOutcome::Passed, 0.0, false, None), "a.xml");
        m.add(raw("t", TestOutcome::Passed, 0.0, false, None), "b.xml");
        let cases = m.finish();
        assert_eq!(
            (cases[0].outcome, cases[0].flaky),
            (TestOutcome::Passed, true)
        );
    }

    #[test]
    fn errored_then_passed_is_flaky_too() {
        let cases = rerun(vec![
            raw("t", TestOutcome::Errored, 0.0, false, Some("x")),
            raw("t", TestOutcome::Passed, 0.0, false, None),
        ]);
        assert_eq!(
            (cases[0].outcome, cases[0].flaky),
            (TestOutcome::Passed, true)
        );
    }

    #[test]
    fn all_failing_attempts() {
        // failed + errored → failed, message of the first failed attempt; not flaky.
        let cases = merged(vec![
            raw("t", TestOutcome::Errored, 1.0, false, Some("err")),
            raw("t", TestOutcome::Failed, 2.0, false, Some("first failure")),
            raw("t", TestOutcome::Failed, 3.0, false, Some("second failure")),
        ]);
        assert_eq!(cases[0].outcome, TestOutcome::Failed);
        assert!(!cases[0].flaky);
        assert_eq!(cases[0].message.as_deref(), Some("first failure"));
        assert_eq!(cases[0].duration, 6.0);
        // Only errors → errored.
        let cases = merged(vec![
            raw("t", TestOutcome::Errored, 0.0, false, None),
            raw("t", TestOutcome::Errored, 0.0, false, Some("later")),
        ]);
        assert_eq!(cases[0].outcome, TestOutcome::Errored);
        assert_eq!(cases[0].message.as_deref(), Some("later"));
    }

    #[test]
    fn skipped_only_when_all_skipped() {
        let cases = merged(vec![
            raw("t", TestOutcome::Skipped, 0.0, false, None),
            raw("t", TestOutcome::Skipped, 0.0, false, None),
        ]);
        assert_eq!(cases[0].outcome, TestOutcome::Skipped);
        let cases = merged(vec![
            raw("t", TestOutcome::Skipped, 0.0, false, None),
            raw("t", TestOutcome::Passed, 0.0, false, None),
        ]);
        assert_eq!(
            (cases[0].outcome, cases[0].flaky),
            (TestOutcome::Passed, false)
        );
        let cases = merged(vec![
            raw("t", TestOutcome::Failed, 0.0, false, None),
            raw("t", TestOutcome::Skipped, 0.0, false, None),
        ]);
        assert_eq!(
            (cases[0].outcome, cases[0].flaky),
            (TestOutcome::Failed, false)
        );
    }

    #[test]
    fn flaky_children_carry_over() {
        // flakyFailure beside a final failure: failed and flaky.
        let cases = merged(vec![raw("t", TestOutcome::Failed, 0.0, true, Some("m"))]);
        assert_eq!(
            (cases[0].outcome, cases[0].flaky),
            (TestOutcome::Failed, true)
        );
    }

    #[test]
    fn every_attempt_is_a_run_with_its_own_outcome() {
        // a.xml: fail, error, pass (rerun twice); b.xml: skipped; c.xml: another test.
        let mut m = Merger::default();
        m.add(raw("t", TestOutcome::Failed, 0.0, false, None), "a.xml");
        m.add(raw("t", TestOutcome::Errored, 0.0, false, None), "a.xml");
        m.add(raw("t", TestOutcome::Passed, 0.0, false, None), "a.xml");
        m.add(raw("t", TestOutcome::Skipped, 0.0, false, None), "b.xml");
        m.add(raw("u", TestOutcome::Passed, 0.0, false, None), "c.xml");
        let cases = m.finish();
        let runs: Vec<_> = cases.iter().map(|c| c.runs).collect();
        assert_eq!(
            runs,
            [
                Runs {
                    total: 4,
                    passed: 1,
                    failed: 1,
                    errored: 1,
                    skipped: 1
                },
                Runs {
                    total: 1,
                    passed: 1,
                    ..Runs::default()
                }
            ]
        );
    }

    #[test]
    fn identities_keep_first_seen_order() {
        let cases = merged(vec![
            raw("b", TestOutcome::Passed, 0.0, false, None),
            raw("a", TestOutcome::Passed, 0.0, false, None),
            raw("b", TestOutcome::Passed, 0.0, false, None),
        ]);
        let names: Vec<_> = cases.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["b", "a"]);
    }
}
