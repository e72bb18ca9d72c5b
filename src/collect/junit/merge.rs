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
use std::hash::{BuildHasher, RandomState};

use super::RawCase;
#[cfg(test)]
use crate::model::Runs;
use crate::model::{NO_DETAIL, Place, TestCase, TestDetail, TestOutcome, TestRow, TestTable};

/// No row, no side entry.
const NONE: u32 = u32::MAX;

/// What a row needs while its reports are merged, dropped by [`Merger::table`].
#[derive(Debug, Clone, Copy)]
struct Pending {
    /// Hash of the identity (its low bits place it in the slots).
    hash: u32,
    /// The file being read when this identity was last reported, and the outcome of its
    /// last attempt there that ran (`Skipped` while every attempt there was skipped).
    /// The outcome of the files before it is folded into the row's `outcome` and `file`
    /// (the worst, and the first file that had it).
    cur_file: u32,
    cur_outcome: TestOutcome,
    /// A file before `cur_file` is folded into the row.
    folded: bool,
    any_passed: bool,
    any_failing: bool,
    flaky_child: bool,
    /// Index in `sides`, or [`NONE`].
    side: u32,
}

/// Messages and place of the identities that have one.
#[derive(Debug, Clone, Default)]
struct Side {
    failed: Option<String>,
    errored: Option<String>,
    at: Option<Place>,
}

/// The state before the file being read, to forget it if the file turns out malformed.
#[derive(Debug, Default)]
struct Mark {
    file: u32,
    rows: usize,
    names: usize,
    sides: usize,
    /// Rows of earlier files first touched by this file, as they were.
    journal: Vec<(usize, TestRow, Pending, Option<Side>)>,
}

/// Accumulates raw cases in reading order; [`Merger::finish`] gives one case per
/// identity, in the order identities were first seen.
///
/// Memory per identity is one [`TestRow`] and a few bytes of bookkeeping, plus its name:
/// classnames and file names are stored once, and an identity is found again through an
/// open-addressing table of row numbers, hashed with a per-process random key (a report
/// cannot be written to collide). The cases of one file are given together, one file
/// after another (as [`super::collect`] reads them).
#[derive(Debug, Default)]
pub struct Merger {
    hasher: RandomState,
    /// Row number + 1, 0 for an empty slot; the length is 0 or a power of two.
    slots: Vec<u32>,
    rows: Vec<TestRow>,
    pending: Vec<Pending>,
    sides: Vec<Side>,
    names: String,
    strings: Vec<String>,
    string_ids: HashMap<String, u32>,
    /// The classname of the last case (cases of one suite share it).
    last_class: Option<u32>,
    /// The file of the last case given to [`Merger::add`].
    last_file: Option<u32>,
    mark: Option<Mark>,
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

/// Index of an outcome in [`TestRow::runs`].
fn run_slot(o: TestOutcome) -> usize {
    match o {
        TestOutcome::Passed => 0,
        TestOutcome::Failed => 1,
        TestOutcome::Errored => 2,
        TestOutcome::Skipped => 3,
    }
}

/// Folds the file being read into the row: its outcome wins if it is worse than every
/// earlier file's (so the row names the first file with the worst outcome).
fn fold(row: &mut TestRow, p: &mut Pending) {
    if !p.folded || severity(p.cur_outcome) > severity(row.outcome) {
        row.outcome = p.cur_outcome;
        row.file = p.cur_file;
    }
    p.folded = true;
}

impl Merger {
    /// The index of `s` in the string table, adding it when new.
    fn intern(&mut self, s: String) -> u32 {
        if let Some(&id) = self.string_ids.get(s.as_str()) {
            return id;
        }
        let id = u32::try_from(self.strings.len()).unwrap_or(NONE);
        self.string_ids.insert(s.clone(), id);
        self.strings.push(s);
        id
    }

    fn intern_class(&mut self, s: String) -> u32 {
        if let Some(id) = self.last_class
            && self.strings.get(id as usize).is_some_and(|c| *c == s)
        {
            return id;
        }
        let id = self.intern(s);
        self.last_class = Some(id);
        id
    }

    fn name_of(&self, i: usize) -> &str {
        let start = self.rows.get(i).map_or(0, |r| r.name_start) as usize;
        let end = self
            .rows
            .get(i + 1)
            .map_or(self.names.len(), |r| r.name_start as usize);
        self.names.get(start..end).unwrap_or("")
    }

    fn find(&self, hash: u32, class: u32, name: &str) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut at = hash as usize & mask;
        loop {
            let slot = *self.slots.get(at)?;
            if slot == 0 {
                return None;
            }
            let i = slot as usize - 1;
            if self.pending.get(i).is_some_and(|p| p.hash == hash)
                && self.rows.get(i).is_some_and(|r| r.classname == class)
                && self.name_of(i) == name
            {
                return Some(i);
            }
            at = (at + 1) & mask;
        }
    }

    fn place(slots: &mut [u32], hash: u32, i: usize) {
        let mask = slots.len() - 1;
        let mut at = hash as usize & mask;
        while let Some(slot) = slots.get_mut(at) {
            if *slot == 0 {
                *slot = u32::try_from(i + 1).unwrap_or(0);
                return;
            }
            at = (at + 1) & mask;
        }
    }

    /// Rebuilds the slots for `size` of them (a power of two).
    fn reslot(&mut self, size: usize) {
        self.slots.clear();
        self.slots.resize(size, 0);
        for (i, p) in self.pending.iter().enumerate() {
            Self::place(&mut self.slots, p.hash, i);
        }
    }

    /// Starts reading file `name`: what it adds until [`Merger::commit`] can be
    /// forgotten with [`Merger::rollback`].
    pub(crate) fn begin(&mut self, name: &str) {
        let file = self.intern(name.to_string());
        self.last_file = Some(file);
        self.mark = Some(Mark {
            file,
            rows: self.rows.len(),
            names: self.names.len(),
            sides: self.sides.len(),
            journal: Vec::new(),
        });
    }

    /// The file begun is kept.
    pub(crate) fn commit(&mut self) {
        self.mark = None;
    }

    /// The file begun is forgotten: every row as it was before it.
    pub(crate) fn rollback(&mut self) {
        let Some(mark) = self.mark.take() else {
            return;
        };
        for (i, row, p, side) in mark.journal.into_iter().rev() {
            if let (Some(r), Some(q)) = (self.rows.get_mut(i), self.pending.get_mut(i)) {
                *r = row;
                *q = p;
            }
            if let (Some(side), Some(s)) = (side, self.sides.get_mut(p.side as usize)) {
                *s = side;
            }
        }
        self.sides.truncate(mark.sides);
        self.names.truncate(mark.names);
        if self.rows.len() > mark.rows {
            self.rows.truncate(mark.rows);
            self.pending.truncate(mark.rows);
            self.reslot(self.slots.len());
        }
    }

    pub fn add(&mut self, raw: RawCase, file: &str) {
        let id = match self.last_file {
            Some(id) if self.strings.get(id as usize).is_some_and(|f| f == file) => id,
            _ => {
                let id = self.intern(file.to_string());
                self.last_file = Some(id);
                id
            }
        };
        self.add_in(raw, id);
    }

    /// Adds a case of the file begun last.
    pub(crate) fn add_case(&mut self, raw: RawCase) {
        let file = self.mark.as_ref().map(|m| m.file).or(self.last_file);
        self.add_in(raw, file.unwrap_or(NONE));
    }

    fn add_in(&mut self, raw: RawCase, file: u32) {
        let RawCase {
            classname,
            name,
            outcome,
            duration,
            flaky,
            message,
            at,
        } = raw;
        let class = self.intern_class(classname);
        let hash = self.hasher.hash_one((class, name.as_str())) as u32;
        let i = match self.find(hash, class, &name) {
            Some(i) => {
                self.again(i, file, outcome);
                i
            }
            None => {
                let i = self.rows.len();
                if u32::try_from(i + 1).is_err() {
                    // Four billion identities: memory is long gone before this.
                    return;
                }
                if (i + 1) * 4 > self.slots.len() * 3 {
                    self.reslot((self.slots.len() * 2).max(1024));
                }
                self.rows.push(TestRow {
                    name_start: self.names.len() as u64,
                    duration: 0.0,
                    classname: class,
                    file,
                    detail: NO_DETAIL,
                    runs: [0; 4],
                    outcome: TestOutcome::Skipped,
                    flaky: false,
                });
                self.names.push_str(&name);
                self.pending.push(Pending {
                    hash,
                    cur_file: file,
                    cur_outcome: outcome,
                    folded: false,
                    any_passed: false,
                    any_failing: false,
                    flaky_child: false,
                    side: NONE,
                });
                Self::place(&mut self.slots, hash, i);
                i
            }
        };
        let (Some(row), Some(p)) = (self.rows.get_mut(i), self.pending.get_mut(i)) else {
            return;
        };
        row.duration += duration;
        let k = run_slot(outcome);
        if let Some(n) = row.runs.get_mut(k) {
            *n = n.saturating_add(1);
        }
        p.flaky_child |= flaky;
        match outcome {
            TestOutcome::Passed => p.any_passed = true,
            TestOutcome::Failed | TestOutcome::Errored => p.any_failing = true,
            TestOutcome::Skipped => {}
        }
        let message =
            message.filter(|_| matches!(outcome, TestOutcome::Failed | TestOutcome::Errored));
        if message.is_none() && at.is_none() {
            return;
        }
        if p.side == NONE {
            p.side = u32::try_from(self.sides.len()).unwrap_or(NONE);
            self.sides.push(Side::default());
        }
        let Some(side) = self.sides.get_mut(p.side as usize) else {
            return;
        };
        if side.at.is_none() {
            side.at = at;
        }
        let slot = match outcome {
            TestOutcome::Failed => &mut side.failed,
            _ => &mut side.errored,
        };
        if slot.is_none() {
            *slot = message;
        }
    }

    /// Identity `i` reported again, in `file`, with `outcome`.
    fn again(&mut self, i: usize, file: u32, outcome: TestOutcome) {
        let (Some(row), Some(p)) = (self.rows.get_mut(i), self.pending.get_mut(i)) else {
            return;
        };
        if p.cur_file == file {
            if outcome != TestOutcome::Skipped {
                p.cur_outcome = outcome;
            }
            return;
        }
        if let Some(mark) = &mut self.mark
            && i < mark.rows
        {
            let side = self.sides.get(p.side as usize).cloned();
            mark.journal.push((i, *row, *p, side));
        }
        fold(row, p);
        p.cur_file = file;
        p.cur_outcome = outcome;
    }

    /// The merged run, compact.
    pub(crate) fn table(mut self, files: Vec<String>, warnings: Vec<String>) -> TestTable {
        self.slots = Vec::new();
        let mut sides = std::mem::take(&mut self.sides);
        let mut details = Vec::new();
        for (row, p) in self.rows.iter_mut().zip(self.pending.iter_mut()) {
            fold(row, p);
            row.flaky = p.flaky_child || (p.any_passed && p.any_failing);
            if let Some(side) = sides.get_mut(p.side as usize) {
                let message = match row.outcome {
                    TestOutcome::Failed => side.failed.take(),
                    TestOutcome::Errored => side.errored.take(),
                    _ => None,
                };
                let at = side.at.take();
                if message.is_some() || at.is_some() {
                    row.detail = u32::try_from(details.len()).unwrap_or(NO_DETAIL);
                    details.push(TestDetail { message, at });
                }
            }
        }
        TestTable {
            files,
            warnings,
            strings: self.strings,
            names: self.names,
            rows: self.rows,
            details,
        }
    }

    pub fn finish(self) -> Vec<TestCase> {
        self.table(Vec::new(), Vec::new()).cases()
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

#[cfg(test)]
mod compact {
    use super::*;

    fn raw(name: &str, outcome: TestOutcome, duration: f64, msg: Option<&str>) -> RawCase {
        RawCase {
            classname: "C".into(),
            name: name.into(),
            outcome,
            duration,
            flaky: false,
            message: msg.map(str::to_string),
            at: None,
        }
    }

    #[test]
    fn a_file_rolled_back_leaves_no_trace() {
        let mut m = Merger::default();
        m.begin("a.xml");
        m.add_case(raw("t", TestOutcome::Failed, 1.5, Some("in a")));
        m.add_case(raw("u", TestOutcome::Passed, 1.0, None));
        m.commit();
        // b.xml would make t flaky (a pass), add 2 s, a message, and a new test v.
        m.begin("b.xml");
        m.add_case(raw("t", TestOutcome::Passed, 2.0, None));
        m.add_case(raw("v", TestOutcome::Failed, 3.0, Some("in b")));
        m.add_case(raw("u", TestOutcome::Errored, 0.5, Some("u in b")));
        m.rollback();
        m.begin("c.xml");
        m.add_case(raw("t", TestOutcome::Errored, 0.25, Some("in c")));
        m.add_case(raw("w", TestOutcome::Passed, 0.0, None));
        m.commit();
        let cases = m.finish();
        let names: Vec<_> = cases.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["t", "u", "w"]);
        // t: failed in a, errored in c → failed (worst), named a.xml, 1.5 + 0.25 s.
        let t = &cases[0];
        assert_eq!((t.outcome, t.flaky), (TestOutcome::Failed, false));
        assert_eq!((t.file.as_str(), t.duration), ("a.xml", 1.75));
        assert_eq!(t.message.as_deref(), Some("in a"));
        assert_eq!((t.runs.total, t.runs.failed, t.runs.errored), (2, 1, 1));
        // u: passed once in a; b's error is gone.
        let u = &cases[1];
        assert_eq!(
            (u.outcome, u.flaky, u.duration),
            (TestOutcome::Passed, false, 1.0)
        );
        assert_eq!((u.runs.total, u.message.as_deref()), (1, None));
        assert_eq!(cases[2].file, "c.xml");
    }

    #[test]
    fn many_identities_grow_the_table_and_are_found_again() {
        // 5,000 names in two files: each found again in the second, 2 runs each.
        let mut m = Merger::default();
        for file in ["a.xml", "b.xml"] {
            m.begin(file);
            for i in 0..5000 {
                m.add_case(raw(&format!("t{i}"), TestOutcome::Passed, 0.5, None));
            }
            m.commit();
        }
        let t = m.table(vec![], vec![]);
        assert_eq!(t.len(), 5000);
        assert!(
            t.rows
                .iter()
                .all(|r| r.runs == [2, 0, 0, 0] && r.duration == 1.0)
        );
        assert_eq!(t.name(4999), "t4999");
        // One classname and two file names, stored once each.
        assert_eq!(t.strings, ["a.xml", "C", "b.xml"]);
        assert!(t.details.is_empty());
    }
}
