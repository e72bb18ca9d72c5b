//! Merging the reports of one identity (classname, name) into one [`TestCase`].
//!
//! An identity can be reported more than once in a run: by several files, or by a
//! runner that reruns failures and reports every attempt (`gotestsum --rerun-fails`,
//! pytest-rerunfailures in some setups, CI retries that keep each report). The merged
//! case is:
//!
//! | attempts                                   | outcome          | flaky |
//! |--------------------------------------------|------------------|-------|
//! | at least one passed and one failed/errored | passed           | yes   |
//! | none passed, at least one failed           | failed           | *     |
//! | none passed or failed, one errored         | errored          | *     |
//! | passed (and maybe skipped), none failing   | passed           | *     |
//! | all skipped                                | skipped          | *     |
//!
//! `*`: flaky when any attempt had `flakyFailure` / `flakyError` children. The duration
//! is the sum of all attempts; the message is the first one (in reading order) of an
//! attempt with the merged outcome; the file is the first file that reported it.

use std::collections::HashMap;

use super::RawCase;
use crate::model::{Outcome, TestCase};

#[derive(Debug)]
struct Acc {
    case: TestCase,
    passed: bool,
    failed: bool,
    errored: bool,
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
                        outcome: Outcome::Skipped,
                        duration: 0.0,
                        flaky: false,
                        message: None,
                        file: file.to_string(),
                    },
                    passed: false,
                    failed: false,
                    errored: false,
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
        acc.flaky_child |= raw.flaky;
        match raw.outcome {
            Outcome::Passed => acc.passed = true,
            Outcome::Failed => {
                acc.failed = true;
                if acc.failed_message.is_none() {
                    acc.failed_message = raw.message;
                }
            }
            Outcome::Errored => {
                acc.errored = true;
                if acc.errored_message.is_none() {
                    acc.errored_message = raw.message;
                }
            }
            Outcome::Skipped => {}
        }
    }

    pub fn finish(self) -> Vec<TestCase> {
        self.cases
            .into_iter()
            .map(|acc| {
                let mut case = acc.case;
                let failing = acc.failed || acc.errored;
                let (outcome, message) = if acc.passed {
                    (Outcome::Passed, None)
                } else if acc.failed {
                    (Outcome::Failed, acc.failed_message)
                } else if acc.errored {
                    (Outcome::Errored, acc.errored_message)
                } else {
                    (Outcome::Skipped, None)
                };
                case.outcome = outcome;
                case.message = message;
                case.flaky = acc.flaky_child || (acc.passed && failing);
                case
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(name: &str, outcome: Outcome, duration: f64, flaky: bool, msg: Option<&str>) -> RawCase {
        RawCase {
            classname: "C".into(),
            name: name.into(),
            outcome,
            duration,
            flaky,
            message: msg.map(str::to_string),
        }
    }

    fn merged(attempts: Vec<RawCase>) -> Vec<TestCase> {
        let mut m = Merger::default();
        for (i, a) in attempts.into_iter().enumerate() {
            m.add(a, &format!("f{i}.xml"));
        }
        m.finish()
    }

    #[test]
    fn fail_then_pass_is_passed_and_flaky_with_summed_duration() {
        // 1.5 s failing + 0.25 s passing = 1.75 s.
        let cases = merged(vec![
            raw("t", Outcome::Failed, 1.5, false, Some("boom")),
            raw("t", Outcome::Passed, 0.25, false, None),
        ]);
        assert_eq!(cases.len(), 1);
        assert_eq!(cases[0].outcome, Outcome::Passed);
        assert!(cases[0].flaky);
        assert_eq!(cases[0].duration, 1.75);
        assert_eq!(cases[0].message, None);
        assert_eq!(cases[0].file, "f0.xml");
    }

    #[test]
    fn errored_then_passed_is_flaky_too() {
        let cases = merged(vec![
            raw("t", Outcome::Passed, 0.0, false, None),
            raw("t", Outcome::Errored, 0.0, false, Some("x")),
        ]);
        assert_eq!((cases[0].outcome, cases[0].flaky), (Outcome::Passed, true));
    }

    #[test]
    fn all_failing_attempts() {
        // failed + errored → failed, message of the first failed attempt; not flaky.
        let cases = merged(vec![
            raw("t", Outcome::Errored, 1.0, false, Some("err")),
            raw("t", Outcome::Failed, 2.0, false, Some("first failure")),
            raw("t", Outcome::Failed, 3.0, false, Some("second failure")),
        ]);
        assert_eq!(cases[0].outcome, Outcome::Failed);
        assert!(!cases[0].flaky);
        assert_eq!(cases[0].message.as_deref(), Some("first failure"));
        assert_eq!(cases[0].duration, 6.0);
        // Only errors → errored.
        let cases = merged(vec![
            raw("t", Outcome::Errored, 0.0, false, None),
            raw("t", Outcome::Errored, 0.0, false, Some("later")),
        ]);
        assert_eq!(cases[0].outcome, Outcome::Errored);
        assert_eq!(cases[0].message.as_deref(), Some("later"));
    }

    #[test]
    fn skipped_only_when_all_skipped() {
        let cases = merged(vec![
            raw("t", Outcome::Skipped, 0.0, false, None),
            raw("t", Outcome::Skipped, 0.0, false, None),
        ]);
        assert_eq!(cases[0].outcome, Outcome::Skipped);
        let cases = merged(vec![
            raw("t", Outcome::Skipped, 0.0, false, None),
            raw("t", Outcome::Passed, 0.0, false, None),
        ]);
        assert_eq!((cases[0].outcome, cases[0].flaky), (Outcome::Passed, false));
        let cases = merged(vec![
            raw("t", Outcome::Failed, 0.0, false, None),
            raw("t", Outcome::Skipped, 0.0, false, None),
        ]);
        assert_eq!((cases[0].outcome, cases[0].flaky), (Outcome::Failed, false));
    }

    #[test]
    fn flaky_children_carry_over() {
        // flakyFailure beside a final failure: failed and flaky.
        let cases = merged(vec![raw("t", Outcome::Failed, 0.0, true, Some("m"))]);
        assert_eq!((cases[0].outcome, cases[0].flaky), (Outcome::Failed, true));
    }

    #[test]
    fn identities_keep_first_seen_order() {
        let cases = merged(vec![
            raw("b", Outcome::Passed, 0.0, false, None),
            raw("a", Outcome::Passed, 0.0, false, None),
            raw("b", Outcome::Passed, 0.0, false, None),
        ]);
        let names: Vec<_> = cases.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["b", "a"]);
    }
}
