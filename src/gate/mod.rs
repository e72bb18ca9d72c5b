//! The gate: rules → verdicts with evidence. Pure: takes the metrics engine, the test
//! figures and the event, and explains every verdict.

mod measure;
#[cfg(test)]
mod tests;

use crate::duration::human;
use crate::metrics::Engine;
use crate::metrics::stats::{self, MannWhitney};
use crate::policy::{Level, Metric, Rule, Trigger, Unit};
use crate::report::{num, pct};
use measure::Measurement;
use serde::Serialize;

/// A rule's outcome.
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
    pub fn name(self) -> &'static str {
        match self {
            Status::NotEnoughData => "not enough data",
            Status::Pass => "pass",
            Status::Waived => "waived",
            Status::Exempt => "exempt",
            Status::Warn => "warn",
            Status::Fail => "fail",
        }
    }

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
    pub fn name(self) -> &'static str {
        match self {
            Overall::Pass => "pass",
            Overall::Warn => "warn",
            Overall::Fail => "fail",
        }
    }
}

/// One item that drove a number: a change, an issue, a test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// A short label: `abc1234`, `#42`, a test id, a tag.
    pub id: String,
    /// What it is: a commit subject, an issue title, a failure message.
    pub text: String,
    /// Its number for this metric, rendered (`12d 3h`, `failed`).
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The issue or pull request number, when the item is one: the report links it from
    /// trusted parts (server, repository, number), never from `url`.
    #[serde(skip)]
    pub issue: Option<u64>,
    /// For a failed release (change failure rate): why, typed, so the report can link
    /// the issues.
    #[serde(skip)]
    pub failure: Option<FailedRelease>,
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

/// A rule's verdict, with everything needed to explain it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleVerdict {
    pub rule: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub metric: String,
    pub scope: String,
    /// What was measured: `unreleased changes`, `v1.4.0`, `last 90d`.
    pub subject: String,
    pub level: Level,
    pub status: Status,
    /// The value in the metric's unit (seconds, fraction, count); none without data.
    #[serde(serialize_with = "whole")]
    pub value: Option<f64>,
    pub value_text: String,
    /// The thresholds, rendered: `≤ 14d`, `≥ 99.5%`, `≤ +20% vs baseline`.
    pub threshold: String,
    #[serde(serialize_with = "whole")]
    pub baseline: Option<f64>,
    /// The baseline, rendered with what it is: `3d 4h (median of the last 5 releases)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline_text: Option<String>,
    pub samples: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mann_whitney: Option<MannWhitney>,
    /// One sentence that explains the verdict.
    pub reason: String,
    pub evidence: Vec<Evidence>,
    /// How many items there are in all, when `evidence` shows only the first of them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence_total: Option<usize>,
    /// Where the whole list is, when `evidence` is cut and a search can list it.
    #[serde(skip)]
    pub evidence_search: Option<IssueSearch>,
    /// The fix objectives the evidence exceeded (`high: 7d`), for objective metrics.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub objectives: Vec<Objective>,
    /// What the pull request's author can do when the rule fails it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unblock: Vec<Unblock>,
    /// A passing verdict that still carries a note worth reading (an insignificant slip,
    /// a baseline with fewer releases than asked).
    #[serde(skip)]
    pub notable: bool,
}

/// Whole numbers (durations in seconds, counts) as JSON integers; shares stay decimal.
fn whole<S: serde::Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(x) if x.fract() == 0.0 && x.abs() < 9.0e15 => s.serialize_i64(*x as i64),
        Some(x) => s.serialize_f64(*x),
        None => s.serialize_none(),
    }
}

/// The event the gate runs for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Event {
    pub trigger: Option<Trigger>,
    pub pr_labels: Vec<String>,
    pub pr_title: Option<String>,
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
    /// Failing tests: (id, first line of the message, `failed` or `errored`).
    pub failing: Vec<(String, String, String)>,
    /// Flaky tests: ids.
    pub flaky_ids: Vec<String>,
    /// Slowest tests: (id, seconds).
    pub slowest: Vec<(String, f64)>,
}

impl TestFigures {
    pub fn total(&self) -> usize {
        self.passed + self.failed + self.errored + self.skipped
    }

    pub fn pass_rate(&self) -> Option<f64> {
        let d = self.passed + self.failed + self.errored;
        (d > 0).then(|| self.passed as f64 / d as f64)
    }
}

/// The gate's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateResult {
    pub overall: Overall,
    pub trigger: Option<Trigger>,
    pub verdicts: Vec<RuleVerdict>,
    /// Rules not evaluated because of their `on:` list.
    pub not_on_this_event: Vec<String>,
    /// Set when freeze mode exempted this pull request: why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub freeze_exemption: Option<String>,
}

impl GateResult {
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
    // Freeze mode: fix pull requests pass while a fail rule is tripped.
    let mut freeze_exemption = None;
    if event.trigger == Some(Trigger::PullRequest)
        && engine.policy.freeze.exempt_fixes
        && verdicts
            .iter()
            .any(|v| v.status == Status::Fail && !v.metric.starts_with("tests."))
        && let Some(why) = fix_reason(engine, event)
    {
        // Only slipped targets are exempt: this run's own test results never are.
        for v in verdicts
            .iter_mut()
            .filter(|v| v.status == Status::Fail && !v.metric.starts_with("tests."))
        {
            v.status = Status::Exempt;
            v.reason = format!(
                "{} Freeze mode: this pull request is a fix ({why}), so it may pass.",
                v.reason
            );
        }
        freeze_exemption = Some(why);
    }
    // Rules that still fail a pull request: say what they measure and how fix pull
    // requests get through.
    if event.trigger == Some(Trigger::PullRequest) {
        let freeze = engine.policy.freeze.exempt_fixes;
        for v in verdicts
            .iter_mut()
            .filter(|v| v.status == Status::Fail && !v.metric.starts_with("tests."))
        {
            if v.metric.starts_with("open_bugs.") || v.scope != "candidate" {
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
fn fix_reason(engine: &Engine<'_>, event: &Event) -> Option<String> {
    let bug_labels = &engine.policy.issues.bug_labels;
    if let Some(l) = event
        .pr_labels
        .iter()
        .find(|l| bug_labels.iter().any(|b| b.eq_ignore_ascii_case(l)))
    {
        return Some(format!("label '{l}'"));
    }
    let title = event.pr_title.as_deref()?;
    engine
        .policy
        .commits
        .fix_pattern
        .0
        .is_match(title)
        .then(|| "its title matches commits.fix_pattern".to_string())
}

/// Renders a value of the metric's unit.
pub fn render_value(metric: &Metric, v: f64) -> String {
    match metric.unit() {
        Unit::Duration => human(v.round() as i64),
        Unit::Ratio => pct(v),
        Unit::Count => num(v),
        Unit::Number => num(v),
    }
}

/// Renders a value precisely enough to tell it from `limit` when the two differ: a rule
/// must never say "100% is below the minimum 100%".
pub fn render_against(metric: &Metric, v: f64, limit: f64) -> String {
    let plain = render_value(metric, v);
    if v == limit || plain != render_value(metric, limit) {
        return plain;
    }
    match metric.unit() {
        Unit::Duration if v.fract() != 0.0 && v < 60.0 => crate::duration::human_f64(v),
        Unit::Duration => crate::duration::human_exact(v.round() as i64),
        Unit::Ratio => {
            // as many decimals as it takes, up to 6
            let mut digits = 2;
            loop {
                let s = format!("{:.*}%", digits, v * 100.0);
                if digits >= 6 || s != format!("{:.*}%", digits, limit * 100.0) {
                    return s;
                }
                digits += 1;
            }
        }
        Unit::Count | Unit::Number => format!("{v}"),
    }
}

fn threshold_text(rule: &Rule) -> String {
    let mut parts = Vec::new();
    if let Some((t, _)) = &rule.max {
        parts.push(format!("≤ {t}"));
    }
    if let Some((t, _)) = &rule.min {
        parts.push(format!("≥ {t}"));
    }
    if let Some(f) = rule.max_increase {
        parts.push(format!("≤ +{} vs baseline", pct(f)));
    }
    if let Some(f) = rule.max_decrease {
        parts.push(format!("≥ −{} vs baseline", pct(f)));
    }
    let mut s = parts.join(", ");
    if let Some(c) = rule.confidence {
        s.push_str(&format!(" (at {} confidence)", pct(c)));
    }
    s
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
    let mut v = RuleVerdict {
        rule: rule.name.clone(),
        description: rule.description.clone(),
        metric: rule.metric.to_string(),
        scope: rule.scope.name().to_string(),
        subject: m.subject.clone(),
        level: rule.level,
        status: Status::Pass,
        value: m.value,
        value_text: m
            .value
            .map(|x| render_value(&rule.metric, x))
            .unwrap_or_else(|| "–".into()),
        threshold: threshold_text(rule),
        baseline: None,
        baseline_text: None,
        samples: m.samples,
        mann_whitney: None,
        reason: String::new(),
        evidence: m.evidence.clone(),
        evidence_total: m.evidence_total.filter(|n| *n > m.evidence.len()),
        evidence_search: None,
        objectives: m.objectives.clone(),
        unblock: Vec::new(),
        notable: false,
    };
    if v.evidence_total.is_some() {
        v.evidence_search = m.search.clone();
    }
    if let Some(why) = &m.missing {
        v.status = Status::NotEnoughData;
        v.reason = why.clone();
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
            v.baseline = Some(bv.value);
            v.baseline_text = Some(format!(
                "{} ({})",
                render_value(&rule.metric, bv.value),
                bv.describe
            ));
        }
        v.status = Status::NotEnoughData;
        v.reason = format!(
            "{n} sample{} in {}, fewer than min_samples {}; the rule does not judge yet.",
            if n == 1 { "" } else { "s" },
            m.subject,
            rule.min_samples
        );
        return v;
    }
    let Some(value) = m.value else {
        v.status = Status::NotEnoughData;
        v.reason = format!("no value for {} in {}.", rule.metric, m.subject);
        return v;
    };
    let mut breaches = Vec::new();
    if let Some((t, hi)) = &rule.max
        && value > *hi
    {
        v.value_text = render_against(&rule.metric, value, *hi);
        breaches.push(format!("{} is above the maximum {t}", v.value_text));
    }
    if let Some((t, lo)) = &rule.min
        && value < *lo
    {
        v.value_text = render_against(&rule.metric, value, *lo);
        breaches.push(format!("{} is below the minimum {t}", v.value_text));
    }
    let mut notes = Vec::new();
    if rule.is_slip() {
        match slip(engine, rule, &m, value, &mut v) {
            Ok(Some(b)) => breaches.push(b),
            Ok(None) => {}
            Err(NotJudged(why)) => {
                if breaches.is_empty() {
                    v.status = Status::NotEnoughData;
                    v.reason = why;
                    return v;
                }
                notes.push(why);
            }
        }
        if let Some(note) = v.reason.strip_prefix("note: ") {
            notes.push(note.to_string());
            v.reason.clear();
        }
    }
    if breaches.is_empty() && !notes.is_empty() {
        // passed only thanks to a note (an insignificant slip): the note is the reason
        v.status = Status::Pass;
        v.notable = true;
        v.reason = format!(
            "{} for {}.",
            notes.join(" ").trim_end_matches('.'),
            m.subject
        );
        notes.clear();
    } else if breaches.is_empty() {
        v.status = Status::Pass;
        v.reason = format!("{} for {} meets {}.", v.value_text, m.subject, v.threshold);
    } else {
        v.status = tripped_status(rule.level);
        v.reason = format!("{} for {}.", breaches.join("; "), m.subject);
        if let Some(label) = &rule.waive_label
            && event.trigger == Some(Trigger::PullRequest)
            && event
                .pr_labels
                .iter()
                .any(|l| l.eq_ignore_ascii_case(label))
        {
            v.status = Status::Waived;
            v.reason = format!(
                "{} Waived: the pull request carries the label '{label}'.",
                v.reason
            );
        } else if let Some(label) = &rule.waive_label
            && v.status == Status::Fail
            && event.trigger == Some(Trigger::PullRequest)
        {
            v.unblock.push(Unblock::Waive {
                label: label.clone(),
            });
        }
    }
    v.notable = v.notable
        || !notes.is_empty()
        || v.baseline_text
            .as_deref()
            .is_some_and(|b| b.contains("fewer had data"));
    for n in notes {
        v.reason = format!("{} {n}", v.reason);
    }
    v
}

struct NotJudged(String);

/// Compares with the baseline; returns the breach, if any.
fn slip(
    engine: &Engine<'_>,
    rule: &Rule,
    m: &Measurement,
    value: f64,
    v: &mut RuleVerdict,
) -> Result<Option<String>, NotJudged> {
    let Some(baseline) = rule.baseline.as_ref() else {
        return Ok(None);
    };
    let b = measure::baseline(
        engine,
        &rule.metric,
        rule.scope,
        rule.window.secs(),
        baseline,
    )
    .map_err(NotJudged)?;
    let b_text = render_value(&rule.metric, b.value);
    v.baseline = Some(b.value);
    v.baseline_text = Some(format!("{b_text} ({})", b.describe));
    if let Some(n) = b.samples
        && (n as u64) < u64::from(rule.min_samples)
    {
        return Err(NotJudged(format!(
            "the baseline ({}) has {n} samples, fewer than min_samples {}; the slip is not judged.",
            b.describe, rule.min_samples
        )));
    }
    let change = if b.value == 0.0 {
        if value > 0.0 { f64::INFINITY } else { 0.0 }
    } else {
        (value - b.value) / b.value
    };
    let change_text = if change.is_infinite() {
        "up from 0".to_string()
    } else if change >= 0.0 {
        format!("+{}", pct(change))
    } else {
        format!("−{}", pct(-change))
    };
    let mut breach = None;
    if let Some(limit) = rule.max_increase
        && change > limit + 1e-9
    {
        breach = Some(format!(
            "{} is {change_text} over the baseline {b_text} (limit +{})",
            v.value_text,
            pct(limit)
        ));
    }
    if let Some(limit) = rule.max_decrease
        && change < -limit - 1e-9
    {
        breach = Some(format!(
            "{} is {change_text} below the baseline {b_text} (limit −{})",
            v.value_text,
            pct(limit)
        ));
    }
    if let (Some(conf), Some(_)) = (rule.confidence, &breach) {
        let test = stats::mann_whitney_greater(&m.sample, &b.sample);
        v.mann_whitney = test;
        let alpha = 1.0 - conf;
        match test {
            Some(t) if t.p_value < alpha => {
                breach = breach.map(|s| {
                    format!(
                        "{s}; Mann-Whitney U p = {} < {}",
                        fmt_p(t.p_value),
                        fmt_p(alpha)
                    )
                });
            }
            Some(t) => {
                v.reason = format!(
                    "note: {}, but the slip is not significant at {} confidence (Mann-Whitney U p = {} ≥ {}), so it does not trip.",
                    breach.as_deref().unwrap_or_default(),
                    pct(conf),
                    fmt_p(t.p_value),
                    fmt_p(alpha)
                );
                breach = None;
            }
            None => {
                return Err(NotJudged(
                    "the significance test needs samples on both sides; the slip is not judged."
                        .into(),
                ));
            }
        }
    }
    Ok(breach)
}

fn fmt_p(p: f64) -> String {
    if p < 0.0001 {
        format!("{p:.1e}")
    } else {
        format!("{}", (p * 10_000.0).round() / 10_000.0)
    }
}
