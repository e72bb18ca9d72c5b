//! The gate: rules → typed verdicts with evidence. Pure: takes the metrics engine, the
//! test figures and the event, and returns what it found as values (the measured value,
//! the limits, the baseline, a typed reason). It words nothing: `report::verdicts` does.

mod measure;

use crate::metrics::stats::{self, MannWhitney};
use crate::metrics::test_results::{FailingTest, SlowTest, TestMetrics, TestRef};
use crate::metrics::{DataGap, Engine};
use crate::model::TestOutcome;
use crate::policy::{Level, Metric, Rule, Scope, Threshold, Trigger};
use measure::Measurement;
use serde::Serialize;

/// A rule's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Not enough data to judge (below `min_samples`, no baseline, source missing). Never fails.
    NotEnoughData,
    Pass,
    /// Tripped, but the pull request carries the rule's waiver label.
    Waived,
    /// Tripped, but freeze mode exempts this fix pull request.
    Exempt,
    /// Tripped, `level: warn`.
    Warn,
    /// Tripped, `level: fail`.
    Fail,
}

impl Status {
    /// The overall verdict's rank: fail > warn > everything else (pass).
    fn severity(self) -> u8 {
        match self {
            Status::Fail => 2,
            Status::Warn => 1,
            _ => 0,
        }
    }
}

/// The overall verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Overall {
    Pass,
    Warn,
    Fail,
}

impl Overall {
    /// Its identifier (the `verdict` step output, as in JSON).
    pub fn name(self) -> &'static str {
        match self {
            Overall::Pass => "pass",
            Overall::Warn => "warn",
            Overall::Fail => "fail",
        }
    }
}

/// One item that drove a number: a change, an issue, a release, a test.
#[derive(Debug, Clone, PartialEq)]
pub enum Evidence {
    /// A change (commit) and its lead time.
    Change {
        sha: String,
        subject: String,
        lead_time: i64,
    },
    /// An issue or pull request and one of its times.
    Issue {
        number: u64,
        title: String,
        /// Its URL as read from GitHub (shown in JSON; the markdown links from trusted
        /// parts only).
        url: String,
        time: IssueTime,
        seconds: i64,
        severity: Option<String>,
    },
    /// A failed release (change failure rate) and why it failed.
    FailedRelease {
        tag: String,
        time: i64,
        failure: FailedRelease,
    },
    /// A failed or errored test of this run.
    FailingTest {
        test: TestRef,
        message: Option<String>,
        outcome: TestOutcome,
    },
    /// A test that both passed and failed in this run.
    FlakyTest { test: TestRef },
    /// One of the slowest tests of this run.
    SlowTest { test: TestRef, seconds: f64 },
    /// A SARIF finding (a vulnerability) of this run.
    Vulnerability(crate::model::Finding),
    /// Lines `start..=end` of `file` that the pull request adds or changes and no
    /// coverage report covers; `head` is the commit they were read at.
    UncoveredLines {
        file: String,
        start: u32,
        end: u32,
        head: String,
    },
}

impl Evidence {
    /// The issue or pull request number, when the item is one.
    pub fn issue(&self) -> Option<u64> {
        match self {
            Evidence::Issue { number, .. } => Some(*number),
            _ => None,
        }
    }
}

/// Which time of an issue an evidence item shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssueTime {
    /// A bug found in a release: open so far, or until closed.
    Age,
    FixedIn,
    /// A fixed bug that exceeded its fix objective.
    MissedObjective,
    RestoredIn,
    OpenFor,
    /// The time an issue waited for its first response.
    AnsweredIn,
    /// An issue without a response yet: how long it has waited.
    WaitingFor,
}

/// Why a release counts as failed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FailedRelease {
    pub hotfix: Option<String>,
    /// Issues with an incident label.
    pub incidents: Vec<u64>,
    /// Issues counted by a regression label alone.
    pub regressions: Vec<u64>,
}

/// Something the author of a pull request can do about a failing verdict. Typed here,
/// worded by the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Unblock {
    /// Add the rule's `waive_label` to the pull request.
    Waive { label: String },
    /// Freeze mode: while this rule is tripped, a fix pull request passes. A pull request
    /// is a fix when it carries one of `labels` (`issues.bug_labels`) or its title
    /// matches `title_pattern` (`commits.fix_pattern`).
    FixPasses {
        labels: Vec<String>,
        title_pattern: String,
    },
    /// The rule measures the repository (open bugs, a window, the latest release), not
    /// this pull request's changes: it fails every pull request until that is handled.
    /// `freeze` tells whether freeze mode (`freeze.exempt_fixes`) lets fixes through.
    RepositoryWide { freeze: bool },
}

/// A fix objective of the policy (`issues.fix_slo`): a severity and its time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Objective {
    pub severity: String,
    pub seconds: i64,
}

/// A GitHub issue search that lists more than the evidence shows (the evidence is cut).
/// Built from the policy's labels; the report makes the URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssueSearch {
    /// Open issues (else closed ones).
    pub open: bool,
    /// Each inner list is one `label:` qualifier, met by any of its labels; all must hold.
    pub labels: Vec<Vec<String>>,
    /// Closed inside this span (`[start, end]`, seconds), for fixed issues.
    pub closed: Option<(i64, i64)>,
}

/// What a verdict measured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// The unreleased changes, or the release `tag` judged as the candidate
    /// (`release-check --tag`).
    Candidate { tag: Option<String> },
    /// A release.
    Release { tag: String },
    /// A span ending at the evaluation time.
    Last { seconds: i64 },
    /// A span ending before `end`.
    Before { seconds: i64, end: i64 },
    /// The latest release, when there is none.
    LatestRelease,
    /// The open bugs at the evaluation time.
    OpenBugs,
    /// This run's test results.
    TestRun,
    /// This run's SARIF files.
    ScanRun,
    /// This run's coverage reports.
    CoverageRun,
    /// The lines this pull request adds or changes.
    Patch,
}

/// The limits of a rule, as written and in the metric's unit.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Limits {
    pub max: Option<(Threshold, f64)>,
    pub min: Option<(Threshold, f64)>,
    /// Fractions (0.2 for 20%).
    pub max_increase: Option<f64>,
    pub max_decrease: Option<f64>,
    /// Percentage points (0.5).
    pub max_drop: Option<f64>,
    pub confidence: Option<f64>,
}

impl Limits {
    fn of(rule: &Rule) -> Limits {
        Limits {
            max: rule.max.clone(),
            min: rule.min.clone(),
            max_increase: rule.max_increase,
            max_decrease: rule.max_decrease,
            max_drop: rule.max_drop,
            confidence: rule.confidence,
        }
    }
}

/// A slip rule's baseline: its value and what it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Baseline {
    pub value: f64,
    pub of: BaselineOf,
}

/// What a baseline is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaselineOf {
    PreviousRelease {
        tag: String,
    },
    /// The median of the last `asked` releases, of which `found` had a value: from `first`
    /// to `last` (version order), the median one being `median`.
    MedianOfLast {
        asked: usize,
        found: usize,
        first: String,
        last: String,
        median: String,
    },
    /// The span of `seconds` before `end`.
    Trailing {
        seconds: i64,
        end: i64,
    },
    /// The previous recorded run on the default branch `branch`: commit `sha` at `at`.
    PreviousRun {
        sha: String,
        at: i64,
        branch: String,
    },
}

impl BaselineOf {
    /// A median of fewer releases than asked (some had no value).
    pub fn fewer_than_asked(&self) -> bool {
        matches!(self, BaselineOf::MedianOfLast { asked, found, .. } if found < asked)
    }
}

/// Why there is no measurement at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Missing {
    /// The scope is the latest release and there is none.
    NoRelease,
    /// The changes of `subject` were not read.
    ChangesNotRead(Subject),
    /// GitHub data is missing, or does not say (no issue carries the labels).
    Github(DataGap),
    /// GitHub was read, its pull requests were not.
    PullsNotRead,
    /// GitHub was read, the comments on its issues were not.
    CommentsNotRead,
    /// The metric is measured over a window only.
    WindowOnly,
    /// No test results were read.
    NoTestResults,
    /// No `--metrics` file has a sample of `name`; `files` were read.
    NoExternalMetric { name: String, files: Vec<String> },
    /// No SARIF file was read.
    NoSarif,
    /// No coverage report was read.
    NoCoverage,
    /// Patch coverage has no patch: not a pull request, or git could not say.
    NoPatch(crate::model::coverage::PatchGap),
}

/// Why a slip is not judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotJudged {
    NoPreviousRelease,
    /// The previous release `tag` has no value for the metric.
    PreviousHasNoValue {
        tag: String,
    },
    /// None of the last `asked` releases has a value.
    NoneOfLastHasValue {
        asked: usize,
    },
    /// No release lies in the trailing span (`seconds` before `end`).
    NoReleaseInSpan {
        seconds: i64,
        end: i64,
    },
    /// The trailing span has no value.
    TrailingHasNoValue {
        seconds: i64,
        end: i64,
    },
    /// The baseline span could not be measured.
    Missing(Missing),
    /// The baseline stands on fewer than `min_samples` items.
    BaselineTooFewSamples {
        baseline: BaselineOf,
        samples: usize,
        min_samples: u32,
    },
    /// The significance test needs samples on both sides.
    NoSamplesToTest,
    /// No previous run on the default branch to compare coverage with.
    NoBaseRun(crate::metrics::coverage::BaseGap),
    /// The previous run `sha` on the default branch instrumented nothing of this kind.
    BaseRunHasNoValue {
        sha: String,
    },
}

/// A share that fell more percentage points below the previous run than `max_drop`.
#[derive(Debug, Clone, PartialEq)]
pub struct PointsDrop {
    /// The previous run's share.
    pub baseline: f64,
    /// How far it fell, in percentage points (0.6).
    pub points: f64,
    /// `max_drop`, in percentage points.
    pub limit: f64,
}

/// A change against the baseline beyond a slip limit.
#[derive(Debug, Clone, PartialEq)]
pub struct Slip {
    /// The relative change (`0.2` for +20%); infinite when the baseline is 0.
    pub change: f64,
    pub baseline: f64,
    /// The limit passed: `max_increase` (over) or `max_decrease` (below).
    pub over: bool,
    pub limit: f64,
    /// The significance test that confirmed it (`confidence`): (p, alpha).
    pub significant: Option<(f64, f64)>,
}

/// A slip the significance test did not confirm, so it does not trip.
#[derive(Debug, Clone, PartialEq)]
pub struct Insignificant {
    pub slip: Slip,
    pub confidence: f64,
    pub p_value: f64,
    pub alpha: f64,
}

/// A limit a value passed.
#[derive(Debug, Clone, PartialEq)]
pub enum Breach {
    AboveMax {
        limit: Threshold,
        value: f64,
    },
    BelowMin {
        limit: Threshold,
        value: f64,
    },
    Slip(Slip),
    /// Fell below the previous run by more than `max_drop`.
    Drop(PointsDrop),
}

/// What a slip comparison left to say beside the breaches.
#[derive(Debug, Clone, PartialEq)]
pub enum SlipNote {
    NotJudged(NotJudged),
    Insignificant(Insignificant),
}

/// Why a pull request counts as a fix (freeze mode).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FixReason {
    /// It carries this bug label.
    Label(String),
    /// Its title matches `commits.fix_pattern`.
    Title,
}

/// Why a verdict is what it is.
#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    /// No measurement (not enough data).
    Missing(Missing),
    /// Fewer samples than `min_samples` (not enough data).
    TooFewSamples { samples: usize, min_samples: u32 },
    /// A measurement without a value (not enough data).
    NoValue,
    /// A slip rule whose baseline could not be compared with (not enough data).
    SlipNotJudged(NotJudged),
    /// Every limit holds; a slip that the significance test did not confirm is noted.
    Passed {
        insignificant: Option<Insignificant>,
    },
    /// Limits passed; `waived` by a label, exempt by freeze mode (`freeze`), and a note
    /// of the slip comparison.
    Tripped {
        breaches: Vec<Breach>,
        waived: Option<String>,
        note: Option<SlipNote>,
        freeze: Option<FixReason>,
    },
}

/// A rule's verdict, with everything needed to explain it.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleVerdict {
    pub rule: String,
    pub description: Option<String>,
    pub metric: Metric,
    pub scope: Scope,
    pub subject: Subject,
    pub level: Level,
    pub status: Status,
    /// The value in the metric's unit (seconds, fraction, count); none without data.
    pub value: Option<f64>,
    pub limits: Limits,
    pub baseline: Option<Baseline>,
    pub samples: Option<usize>,
    pub mann_whitney: Option<MannWhitney>,
    pub reason: Reason,
    pub evidence: Vec<Evidence>,
    /// How many items there are in all, when `evidence` shows only the first of them.
    pub evidence_total: Option<usize>,
    /// Where the whole list is, when `evidence` is cut and a search can list it.
    pub evidence_search: Option<IssueSearch>,
    /// The fix objectives the evidence exceeded (`high: 7d`), for objective metrics.
    pub objectives: Vec<Objective>,
    /// What the pull request's author can do when the rule fails it.
    pub unblock: Vec<Unblock>,
}

impl RuleVerdict {
    /// A passing verdict that still carries a note worth reading (an insignificant slip,
    /// a baseline with fewer releases than asked).
    pub fn notable(&self) -> bool {
        match &self.reason {
            Reason::Passed { insignificant } => {
                insignificant.is_some()
                    || self
                        .baseline
                        .as_ref()
                        .is_some_and(|b| b.of.fewer_than_asked())
            }
            _ => false,
        }
    }

    /// The limit the value is shown against: the last of `max` and `min` it passed (the
    /// value is then shown precisely enough to tell it from that limit).
    pub fn shown_against(&self) -> Option<f64> {
        let Reason::Tripped { breaches, .. } = &self.reason else {
            return None;
        };
        breaches.iter().rev().find_map(|b| match b {
            Breach::AboveMax { value, .. } | Breach::BelowMin { value, .. } => Some(*value),
            Breach::Slip(_) | Breach::Drop(_) => None,
        })
    }

    /// This run's own test results (never exempt by freeze mode).
    fn is_test_rule(&self) -> bool {
        matches!(self.metric, Metric::Tests(_))
    }
}

/// The event the gate runs for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Event {
    pub trigger: Option<Trigger>,
    pub pr_labels: Vec<String>,
    pub pr_title: Option<String>,
}

impl Event {
    /// An event of `trigger` without a pull request.
    pub fn on(trigger: Trigger) -> Event {
        Event {
            trigger: Some(trigger),
            ..Event::default()
        }
    }
}

/// Test figures of the current run, as the gate needs them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TestFigures {
    pub passed: usize,
    pub failed: usize,
    pub errored: usize,
    pub skipped: usize,
    pub flaky: usize,
    pub duration: f64,
    /// Failing tests.
    pub failing: Vec<FailingTest>,
    /// Flaky tests.
    pub flaky_tests: Vec<TestRef>,
    /// Slowest tests.
    pub slowest: Vec<SlowTest>,
}

impl TestFigures {
    /// The gate's view of the test metrics.
    pub fn of(t: &TestMetrics) -> TestFigures {
        TestFigures {
            passed: t.passed,
            failed: t.failed,
            errored: t.errored,
            skipped: t.skipped,
            flaky: t.flaky.len(),
            duration: t.duration,
            failing: t.failing.clone(),
            flaky_tests: t.flaky.clone(),
            slowest: t.slowest.clone(),
        }
    }

    /// The totals kept in the test-run history.
    pub fn totals(&self) -> crate::model::TestTotalsRow {
        crate::model::TestTotalsRow {
            passed: self.passed as u64,
            failed: self.failed as u64,
            errored: self.errored as u64,
            skipped: self.skipped as u64,
            flaky: self.flaky as u64,
            duration: self.duration,
        }
    }

    /// This run as a run of the test-run history, not recorded (no test ids).
    pub fn unrecorded_run(
        &self,
        sha: &str,
        run_id: Option<String>,
        at: crate::model::Timestamp,
    ) -> crate::model::TestRunRow {
        crate::model::TestRunRow {
            sha: sha.to_string(),
            run_id,
            at,
            totals: Some(self.totals()),
            ..crate::model::TestRunRow::default()
        }
    }

    pub fn total(&self) -> usize {
        self.passed + self.failed + self.errored + self.skipped
    }

    pub fn pass_rate(&self) -> Option<f64> {
        let d = self.passed + self.failed + self.errored;
        (d > 0).then(|| self.passed as f64 / d as f64)
    }
}

/// The gate's result.
#[derive(Debug, Clone, PartialEq)]
pub struct GateResult {
    pub overall: Overall,
    pub trigger: Option<Trigger>,
    pub verdicts: Vec<RuleVerdict>,
    /// Rules not evaluated because of their `on:` list.
    pub not_on_this_event: Vec<String>,
    /// Set when freeze mode exempted this pull request: why.
    pub freeze_exemption: Option<FixReason>,
}

/// Whether a release may go out (`release-check`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readiness {
    /// A release rule is tripped.
    NotReady,
    /// Ready, but no rule runs on release.
    NoRules,
    /// Ready, but no rule had enough data to judge.
    NothingJudged,
    Ready,
}

impl GateResult {
    /// Whether a release may go out, by these verdicts.
    pub fn readiness(&self) -> Readiness {
        if self.overall == Overall::Fail {
            Readiness::NotReady
        } else if self.verdicts.is_empty() {
            Readiness::NoRules
        } else if self
            .verdicts
            .iter()
            .all(|v| v.status == Status::NotEnoughData)
        {
            Readiness::NothingJudged
        } else {
            Readiness::Ready
        }
    }

    pub fn failed_rules(&self) -> Vec<&str> {
        self.verdicts
            .iter()
            .filter(|v| v.status == Status::Fail)
            .map(|v| v.rule.as_str())
            .collect()
    }
}

/// Evaluates every rule that runs on the event.
pub fn evaluate(
    engine: &Engine<'_>,
    rules: &[Rule],
    tests: Option<&TestFigures>,
    event: &Event,
) -> GateResult {
    let mut verdicts = Vec::new();
    let mut skipped = Vec::new();
    for rule in rules {
        if let Some(t) = event.trigger
            && !rule.runs_on(t)
        {
            skipped.push(rule.name.clone());
            continue;
        }
        verdicts.push(evaluate_rule(engine, rule, tests, event));
    }
    let slipped = |v: &RuleVerdict| v.status == Status::Fail && !v.is_test_rule();
    // Freeze mode: fix pull requests pass while a fail rule is tripped.
    let mut freeze_exemption = None;
    if event.trigger == Some(Trigger::PullRequest)
        && engine.policy.freeze.exempt_fixes
        && verdicts.iter().any(slipped)
        && let Some(why) = fix_reason(engine, event)
    {
        // Only slipped targets are exempt: this run's own test results never are.
        for v in verdicts.iter_mut().filter(|v| slipped(v)) {
            v.status = Status::Exempt;
            if let Reason::Tripped { freeze, .. } = &mut v.reason {
                *freeze = Some(why.clone());
            }
        }
        freeze_exemption = Some(why);
    }
    // Rules that still fail a pull request: say what they measure and how fix pull
    // requests get through.
    if event.trigger == Some(Trigger::PullRequest) {
        let freeze = engine.policy.freeze.exempt_fixes;
        for v in verdicts.iter_mut().filter(|v| slipped(v)) {
            if matches!(v.metric, Metric::OpenBugs(_)) || v.scope != Scope::Candidate {
                v.unblock.push(Unblock::RepositoryWide { freeze });
            }
            if freeze {
                v.unblock.push(Unblock::FixPasses {
                    labels: engine.policy.issues.bug_labels.clone(),
                    title_pattern: engine.policy.commits.fix_pattern.0.as_str().to_string(),
                });
            }
        }
    }
    let worst = verdicts
        .iter()
        .map(|v| v.status.severity())
        .max()
        .unwrap_or(0);
    if worst == 2 {
        // Tests still fail: freeze mode let nothing through, whatever it exempted.
        freeze_exemption = None;
    }
    GateResult {
        overall: match worst {
            2 => Overall::Fail,
            1 => Overall::Warn,
            _ => Overall::Pass,
        },
        trigger: event.trigger,
        verdicts,
        not_on_this_event: skipped,
        freeze_exemption,
    }
}

/// Why this pull request counts as a fix, if it does.
fn fix_reason(engine: &Engine<'_>, event: &Event) -> Option<FixReason> {
    let bug_labels = &engine.policy.issues.bug_labels;
    if let Some(l) = event
        .pr_labels
        .iter()
        .find(|l| bug_labels.iter().any(|b| b.eq_ignore_ascii_case(l)))
    {
        return Some(FixReason::Label(l.clone()));
    }
    let title = event.pr_title.as_deref()?;
    engine
        .policy
        .commits
        .fix_pattern
        .0
        .is_match(title)
        .then_some(FixReason::Title)
}

fn tripped_status(level: Level) -> Status {
    match level {
        Level::Fail => Status::Fail,
        Level::Warn => Status::Warn,
    }
}

fn evaluate_rule(
    engine: &Engine<'_>,
    rule: &Rule,
    tests: Option<&TestFigures>,
    event: &Event,
) -> RuleVerdict {
    let m = measure::measure(engine, &rule.metric, rule.scope, rule.window.secs(), tests);
    let evidence_total = m.evidence_total.filter(|n| *n > m.evidence.len());
    let mut v = RuleVerdict {
        rule: rule.name.clone(),
        description: rule.description.clone(),
        metric: match &rule.metric {
            // The unit of an external metric comes from its samples.
            Metric::External { name, agg, .. } => Metric::External {
                name: name.clone(),
                agg: *agg,
                percent: m.percent,
            },
            other => other.clone(),
        },
        scope: rule.scope,
        subject: m.subject.clone(),
        level: rule.level,
        status: Status::NotEnoughData,
        value: m.value,
        limits: Limits::of(rule),
        baseline: None,
        samples: m.samples,
        mann_whitney: None,
        reason: Reason::NoValue,
        evidence: m.evidence.clone(),
        evidence_search: evidence_total.and(m.search.clone()),
        evidence_total,
        objectives: m.objectives.clone(),
        unblock: Vec::new(),
    };
    if let Some(why) = &m.missing {
        v.reason = Reason::Missing(why.clone());
        return v;
    }
    if let Some(n) = m.samples
        && (n as u64) < u64::from(rule.min_samples)
    {
        // Still show the baseline, so a reader sees what the rule will compare with.
        if let Some(b) = rule.baseline.as_ref()
            && let Ok(bv) =
                measure::baseline(engine, &rule.metric, rule.scope, rule.window.secs(), b)
        {
            v.baseline = Some(Baseline {
                value: bv.value,
                of: bv.of,
            });
        }
        v.reason = Reason::TooFewSamples {
            samples: n,
            min_samples: rule.min_samples,
        };
        return v;
    }
    let Some(value) = m.value else {
        return v;
    };
    let mut breaches = Vec::new();
    if let Some((t, hi)) = &rule.max
        && value > *hi
    {
        breaches.push(Breach::AboveMax {
            limit: t.clone(),
            value: *hi,
        });
    }
    if let Some((t, lo)) = &rule.min
        && value < *lo
    {
        breaches.push(Breach::BelowMin {
            limit: t.clone(),
            value: *lo,
        });
    }
    let mut note = None;
    if rule.is_slip() {
        match slip(engine, rule, &m, value, &mut v) {
            Ok(Compared::Slipped(s)) => breaches.push(Breach::Slip(s)),
            Ok(Compared::Held) => {}
            Ok(Compared::Insignificant(i)) => note = Some(SlipNote::Insignificant(i)),
            Err(why) => {
                if breaches.is_empty() {
                    v.reason = Reason::SlipNotJudged(why);
                    return v;
                }
                note = Some(SlipNote::NotJudged(why));
            }
        }
    }
    if let Some(limit) = rule.max_drop {
        match points_drop(engine, rule, value, limit, &mut v) {
            Ok(Some(d)) => breaches.push(Breach::Drop(d)),
            Ok(None) => {}
            Err(why) if breaches.is_empty() => {
                v.reason = Reason::SlipNotJudged(why);
                return v;
            }
            Err(why) => note = Some(SlipNote::NotJudged(why)),
        }
    }
    if breaches.is_empty() {
        v.status = Status::Pass;
        v.reason = Reason::Passed {
            insignificant: match note {
                Some(SlipNote::Insignificant(i)) => Some(i),
                _ => None,
            },
        };
        return v;
    }
    v.status = tripped_status(rule.level);
    let mut waived = None;
    if let Some(label) = &rule.waive_label
        && event.trigger == Some(Trigger::PullRequest)
    {
        if event
            .pr_labels
            .iter()
            .any(|l| l.eq_ignore_ascii_case(label))
        {
            v.status = Status::Waived;
            waived = Some(label.clone());
        } else if v.status == Status::Fail {
            v.unblock.push(Unblock::Waive {
                label: label.clone(),
            });
        }
    }
    v.reason = Reason::Tripped {
        breaches,
        waived,
        note,
        freeze: None,
    };
    v
}

/// Compares a coverage share with the previous run on the default branch (and records
/// that run as the baseline on `v`); the drop when it is beyond `limit` points.
fn points_drop(
    engine: &Engine<'_>,
    rule: &Rule,
    value: f64,
    limit: f64,
    v: &mut RuleVerdict,
) -> Result<Option<PointsDrop>, NotJudged> {
    use crate::policy::metric::CoverageAgg;
    let Some(cov) = engine.inputs.coverage else {
        return Err(NotJudged::Missing(Missing::NoCoverage));
    };
    let base = cov
        .base
        .as_ref()
        .map_err(|g| NotJudged::NoBaseRun(g.clone()))?;
    let share = match rule.metric {
        Metric::Coverage(CoverageAgg::Branches) => base.branches,
        _ => base.lines,
    };
    let Some(before) = share.ratio() else {
        return Err(NotJudged::BaseRunHasNoValue {
            sha: base.sha.clone(),
        });
    };
    v.baseline = Some(Baseline {
        value: before,
        of: BaselineOf::PreviousRun {
            sha: base.sha.clone(),
            at: base.at,
            branch: base.branch.clone(),
        },
    });
    let points = (before - value) * 100.0;
    Ok((points > limit + 1e-9).then_some(PointsDrop {
        baseline: before,
        points,
        limit,
    }))
}

/// How a value compares with its baseline.
enum Compared {
    Held,
    Slipped(Slip),
    /// Slipped, but the significance test does not confirm it.
    Insignificant(Insignificant),
}

/// Compares with the baseline (and records it on `v`).
fn slip(
    engine: &Engine<'_>,
    rule: &Rule,
    m: &Measurement,
    value: f64,
    v: &mut RuleVerdict,
) -> Result<Compared, NotJudged> {
    let Some(baseline) = rule.baseline.as_ref() else {
        return Ok(Compared::Held);
    };
    let b = measure::baseline(
        engine,
        &rule.metric,
        rule.scope,
        rule.window.secs(),
        baseline,
    )?;
    v.baseline = Some(Baseline {
        value: b.value,
        of: b.of.clone(),
    });
    if let Some(n) = b.samples
        && (n as u64) < u64::from(rule.min_samples)
    {
        return Err(NotJudged::BaselineTooFewSamples {
            baseline: b.of,
            samples: n,
            min_samples: rule.min_samples,
        });
    }
    let change = if b.value == 0.0 {
        if value > 0.0 { f64::INFINITY } else { 0.0 }
    } else {
        (value - b.value) / b.value
    };
    let mut slipped = None;
    if let Some(limit) = rule.max_increase
        && change > limit + 1e-9
    {
        slipped = Some((true, limit));
    }
    if let Some(limit) = rule.max_decrease
        && change < -limit - 1e-9
    {
        slipped = Some((false, limit));
    }
    let Some((over, limit)) = slipped else {
        return Ok(Compared::Held);
    };
    let mut s = Slip {
        change,
        baseline: b.value,
        over,
        limit,
        significant: None,
    };
    let Some(confidence) = rule.confidence else {
        return Ok(Compared::Slipped(s));
    };
    let test = stats::mann_whitney_greater(&m.sample, &b.sample);
    v.mann_whitney = test;
    let alpha = 1.0 - confidence;
    match test {
        Some(t) if t.p_value < alpha => {
            s.significant = Some((t.p_value, alpha));
            Ok(Compared::Slipped(s))
        }
        Some(t) => Ok(Compared::Insignificant(Insignificant {
            slip: s,
            confidence,
            p_value: t.p_value,
            alpha,
        })),
        None => Err(NotJudged::NoSamplesToTest),
    }
}
