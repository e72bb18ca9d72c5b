//! The gate's verdicts, worded: the only place that turns typed verdicts (values,
//! limits, baselines, reasons, evidence) into words. This module words each piece once;
//! [`text`] (terminal), [`markdown`] (PR comment, job summary, trend issue) and [`json`]
//! (docs/json.md) lay them out.

pub mod json;
pub mod markdown;
pub mod text;

#[cfg(test)]
mod gate_tests;

use super::{num, pct, short};
use crate::duration::human;
use crate::gate::{
    BaselineOf, Breach, Evidence, FixReason, Insignificant, IssueTime, Missing, NotJudged,
    Readiness, Reason, RuleVerdict, Slip, SlipNote, Status, Subject,
};
use crate::metrics::DataGap;
use crate::model::{TestOutcome, date};
use crate::policy::{Metric, Unit};
use std::fmt::Write;

/// A status in words.
pub fn status_name(s: Status) -> &'static str {
    match s {
        Status::NotEnoughData => "not enough data",
        Status::Pass => "pass",
        Status::Waived => "waived",
        Status::Exempt => "exempt",
        Status::Warn => "warn",
        Status::Fail => "fail",
    }
}

/// What was measured, for sentences: `the unreleased changes`, `v1.4.0`, `the last 90d`.
pub fn subject(s: &Subject) -> String {
    match s {
        Subject::Candidate { tag: None } => "the unreleased changes".to_string(),
        Subject::Candidate { tag: Some(tag) } | Subject::Release { tag } => tag.clone(),
        Subject::Last { seconds } => format!("the last {}", human(*seconds)),
        Subject::Before { seconds, end } => {
            format!("the {} before {}", human(*seconds), date(*end))
        }
        Subject::LatestRelease => "the latest release".to_string(),
        Subject::OpenBugs => "the open bugs now".to_string(),
        Subject::TestRun => "this test run".to_string(),
        Subject::ScanRun => "this run's SARIF files".to_string(),
        Subject::CoverageRun => "this run's coverage".to_string(),
        Subject::Patch => "the lines this pull request changes".to_string(),
    }
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

/// The measured value: `6d`, `99.99%`, `–` without one.
pub fn value_text(v: &RuleVerdict) -> String {
    match (v.value, v.shown_against()) {
        (Some(x), Some(limit)) => render_against(&v.metric, x, limit),
        (Some(x), None) => render_value(&v.metric, x),
        (None, _) => "–".into(),
    }
}

/// The thresholds: `≤ 14d`, `≥ 99.5%`, `≤ +20% vs baseline`.
pub fn threshold(v: &RuleVerdict) -> String {
    let l = &v.limits;
    let mut parts = Vec::new();
    if let Some((t, _)) = &l.max {
        parts.push(format!("≤ {t}"));
    }
    if let Some((t, _)) = &l.min {
        parts.push(format!("≥ {t}"));
    }
    if let Some(f) = l.max_increase {
        parts.push(format!("≤ +{} vs baseline", pct(f)));
    }
    if let Some(f) = l.max_decrease {
        parts.push(format!("≥ −{} vs baseline", pct(f)));
    }
    if let Some(p) = l.max_drop {
        parts.push(format!("≥ −{} pts vs the previous run", points(p)));
    }
    let mut s = parts.join(", ");
    if let Some(c) = l.confidence {
        s.push_str(&format!(" (at {} confidence)", pct(c)));
    }
    s
}

/// What a baseline is: `median of the last 5 releases v1.0 … v1.4, from v1.2`.
pub fn baseline_of(b: &BaselineOf) -> String {
    match b {
        BaselineOf::PreviousRelease { tag } => format!("previous release {tag}"),
        BaselineOf::MedianOfLast {
            asked,
            found,
            first,
            last,
            median,
        } => {
            let span = if first != last {
                format!("{first} … {last}")
            } else {
                first.clone()
            };
            if found < asked {
                format!(
                    "median of the last {found} releases {span}, from {median}; {asked} asked, fewer had data"
                )
            } else {
                format!("median of the last {asked} releases {span}, from {median}")
            }
        }
        BaselineOf::Trailing { seconds, end } => {
            format!("the {} before {}", human(*seconds), date(*end))
        }
        BaselineOf::PreviousRun { sha, at, branch } => {
            format!("previous run on {branch}: {} on {}", short(sha), date(*at))
        }
    }
}

/// Percentage points, at most two decimals: `0.5`, `0.67`.
pub fn points(p: f64) -> String {
    let r = (p * 100.0).round() / 100.0;
    // −0 reads as 0.
    format!("{}", if r == 0.0 { 0.0 } else { r })
}

/// The baseline with what it is: `3d 4h (median of the last 5 releases …)`.
pub fn baseline_text(v: &RuleVerdict) -> Option<String> {
    v.baseline.as_ref().map(|b| {
        format!(
            "{} ({})",
            render_value(&v.metric, b.value),
            baseline_of(&b.of)
        )
    })
}

/// Why GitHub data cannot answer.
pub fn data_gap(g: &DataGap) -> String {
    match g {
        DataGap::NoGithub { why } => format!(
            "no GitHub data ({})",
            why.as_deref().unwrap_or("offline, or no repository known")
        ),
        DataGap::NoBugLabel { labels } => format!(
            "no issue carries a bug label ({}), so bug metrics are unknown, not zero; set `issues.bug_labels`",
            labels.join(", ")
        ),
        DataGap::NoIncidentLabel { labels } => format!(
            "no issue carries an incident label ({}), so time to restore is unknown, not zero; set `issues.incident_labels`",
            labels.join(", ")
        ),
    }
}

/// Why there is no measurement, as a sentence.
pub fn missing(m: &Missing) -> String {
    match m {
        Missing::NoRelease => {
            "the repository has no release yet, so this rule cannot judge.".to_string()
        }
        Missing::ChangesNotRead(s) => format!(
            "the changes of {} were not read, so this rule cannot judge.",
            subject(s)
        ),
        Missing::Github(g) => format!("{}, so this rule cannot judge.", data_gap(g)),
        Missing::PullsNotRead => {
            "pull requests were not read, so this rule cannot judge.".to_string()
        }
        Missing::CommentsNotRead => {
            "the comments on issues were not read, so this rule cannot judge.".to_string()
        }
        Missing::WindowOnly => "measured over a window only.".to_string(),
        Missing::NoExternalMetric { name, files } if files.is_empty() => format!(
            "no metrics file was read (no --metrics or `metrics.paths`, or the patterns matched nothing), so `{name}` has no samples and this rule cannot judge."
        ),
        Missing::NoExternalMetric { name, files } => format!(
            "no sample is named `{name}` in the metrics files read ({}), so this rule cannot judge; check the name.",
            files.join(", ")
        ),
        Missing::NoSarif => "no SARIF file was read (no --sarif, or the patterns matched nothing), so this rule cannot judge.".to_string(),
        Missing::NoCoverage => "no coverage report was read (no --coverage or `coverage.paths`), so this rule cannot judge.".to_string(),
        Missing::NoPatch(crate::model::coverage::PatchGap::NotPullRequest) => "patch coverage is measured on pull requests only, so this rule cannot judge here.".to_string(),
        Missing::NoPatch(crate::model::coverage::PatchGap::Unreadable { base, head, detail }) => format!(
            "the pull request's changes could not be read from git (base `{}`, head `{}`: {}); check out the full history (`fetch-depth: 0`), so this rule cannot judge.",
            base, head, detail
        ),
        Missing::NoTestResults => "no test results were read (no --junit or `tests.paths`, or every file was missing or skipped: see the warnings), so this rule cannot judge.".to_string(),
    }
}

/// Why the slip of `metric` is not judged, as a sentence.
pub fn not_judged(n: &NotJudged, metric: &Metric) -> String {
    match n {
        NotJudged::NoPreviousRelease => {
            "there is no previous release to compare with; the slip is not judged.".to_string()
        }
        NotJudged::PreviousHasNoValue { tag } => {
            format!("the previous release {tag} has no value for {metric}; the slip is not judged.")
        }
        NotJudged::NoneOfLastHasValue { asked } => format!(
            "none of the last {asked} releases has a value for {metric}; the slip is not judged."
        ),
        NotJudged::NoReleaseInSpan { seconds, end } => format!(
            "no release lies in the baseline span (the {} before {}), so the slip is not judged.",
            human(*seconds),
            date(*end)
        ),
        NotJudged::TrailingHasNoValue { seconds, end } => format!(
            "the trailing {} before {} has no value for {metric}; the slip is not judged.",
            human(*seconds),
            date(*end)
        ),
        NotJudged::Missing(m) => missing(m),
        NotJudged::BaselineTooFewSamples {
            baseline,
            samples,
            min_samples,
        } => format!(
            "the baseline ({}) has {samples} samples, fewer than min_samples {min_samples}; the slip is not judged.",
            baseline_of(baseline)
        ),
        NotJudged::NoSamplesToTest => {
            "the significance test needs samples on both sides; the slip is not judged.".to_string()
        }
        NotJudged::NoBaseRun(g) => format!("{}; the drop is not judged.", base_gap(g)),
        NotJudged::BaseRunHasNoValue { sha } => format!(
            "the previous run on the default branch ({}) has no value for {metric}; the drop is not judged.",
            short(sha)
        ),
    }
}

/// Why there is no previous run to compare coverage with.
pub fn base_gap(g: &crate::metrics::coverage::BaseGap) -> String {
    use crate::metrics::coverage::BaseGap;
    match g {
        BaseGap::NoHistory => "there is no run history to compare coverage with (`--no-cache`, or the cache could not be opened)".to_string(),
        BaseGap::NoDefaultBranch => "the default branch is not known (no event payload names it), so there is no previous run to compare coverage with".to_string(),
        BaseGap::NoRun { branch } => format!(
            "no run with coverage was recorded on {branch} before this one, so there is nothing to compare with yet"
        ),
    }
}

fn fmt_p(p: f64) -> String {
    if p < 0.0001 {
        format!("{p:.1e}")
    } else {
        format!("{}", (p * 10_000.0).round() / 10_000.0)
    }
}

/// A slip: `6d is +500% over the baseline 1d (limit +20%)`.
fn slip(s: &Slip, v: &RuleVerdict) -> String {
    let change = if s.change.is_infinite() {
        "up from 0".to_string()
    } else if s.change >= 0.0 {
        format!("+{}", pct(s.change))
    } else {
        format!("−{}", pct(-s.change))
    };
    let mut out = format!(
        "{} is {change} {} the baseline {} (limit {}{})",
        value_text(v),
        if s.over { "over" } else { "below" },
        render_value(&v.metric, s.baseline),
        if s.over { "+" } else { "−" },
        pct(s.limit)
    );
    if let Some((p, alpha)) = s.significant {
        let _ = write!(out, "; Mann-Whitney U p = {} < {}", fmt_p(p), fmt_p(alpha));
    }
    out
}

fn insignificant(i: &Insignificant, v: &RuleVerdict) -> String {
    format!(
        "{}, but the slip is not significant at {} confidence (Mann-Whitney U p = {} ≥ {}), so it does not trip.",
        slip(&i.slip, v),
        pct(i.confidence),
        fmt_p(i.p_value),
        fmt_p(i.alpha)
    )
}

/// A limit the value passed: `6d is above the maximum 5d`.
pub fn breach(b: &Breach, v: &RuleVerdict) -> String {
    match b {
        Breach::AboveMax { limit, value } => format!(
            "{} is above the maximum {limit}",
            v.value
                .map(|x| render_against(&v.metric, x, *value))
                .unwrap_or_default()
        ),
        Breach::BelowMin { limit, value } => format!(
            "{} is below the minimum {limit}",
            v.value
                .map(|x| render_against(&v.metric, x, *value))
                .unwrap_or_default()
        ),
        Breach::Slip(s) => slip(s, v),
        Breach::Drop(d) => format!(
            "{} is {} pts below the previous run's {} (limit −{} pts)",
            value_text(v),
            points(d.points),
            render_value(&v.metric, d.baseline),
            points(d.limit)
        ),
    }
}

/// Why a pull request counts as a fix: `label 'bug'`.
pub fn fix_reason(f: &FixReason) -> String {
    match f {
        FixReason::Label(l) => format!("label '{l}'"),
        FixReason::Title => "its title matches commits.fix_pattern".to_string(),
    }
}

/// The sentences that explain a verdict.
pub fn reason(v: &RuleVerdict) -> String {
    let subject = subject(&v.subject);
    match &v.reason {
        Reason::Missing(m) => missing(m),
        Reason::TooFewSamples {
            samples,
            min_samples,
        } => format!(
            "{samples} sample{} in {subject}, fewer than min_samples {min_samples}; the rule does not judge yet.",
            if *samples == 1 { "" } else { "s" },
        ),
        Reason::NoValue => format!("no value for {} in {subject}.", v.metric),
        Reason::SlipNotJudged(n) => not_judged(n, &v.metric),
        Reason::Passed {
            insignificant: None,
        } => format!("{} for {subject} meets {}.", value_text(v), threshold(v)),
        Reason::Passed {
            insignificant: Some(i),
        } => format!(
            "{} for {subject}.",
            insignificant(i, v).trim_end_matches('.')
        ),
        Reason::Tripped {
            breaches,
            waived,
            note,
            freeze,
        } => {
            let list: Vec<String> = breaches.iter().map(|b| breach(b, v)).collect();
            let mut s = format!("{} for {subject}.", list.join("; "));
            if let Some(label) = waived {
                let _ = write!(s, " Waived: the pull request carries the label '{label}'.");
            }
            match note {
                Some(SlipNote::NotJudged(n)) => {
                    let _ = write!(s, " {}", not_judged(n, &v.metric));
                }
                Some(SlipNote::Insignificant(i)) => {
                    let _ = write!(s, " {}", insignificant(i, v));
                }
                None => {}
            }
            if let Some(why) = freeze {
                let _ = write!(
                    s,
                    " Freeze mode: this pull request is a fix ({}), so it may pass.",
                    fix_reason(why)
                );
            }
            s
        }
    }
}

/// An evidence item's short label: `abc1234`, `#42`, a test id, a tag.
pub fn evidence_id(e: &Evidence) -> String {
    match e {
        Evidence::Change { sha, .. } => short(sha).to_string(),
        Evidence::Issue { number, .. } => format!("#{number}"),
        Evidence::FailedRelease { tag, .. } => tag.clone(),
        Evidence::FailingTest { test, .. }
        | Evidence::FlakyTest { test }
        | Evidence::SlowTest { test, .. } => test.id(),
        Evidence::Vulnerability(f) if f.rule_id.is_empty() => "(no rule id)".to_string(),
        Evidence::Vulnerability(f) => f.rule_id.clone(),
        Evidence::UncoveredLines {
            file, start, end, ..
        } => lines_id(file, *start, *end),
    }
}

/// What an evidence item is: a commit subject, an issue title, a failure message.
pub fn evidence_text(e: &Evidence) -> String {
    match e {
        Evidence::Change { subject, .. } => subject.clone(),
        Evidence::Issue { title, .. } => title.clone(),
        Evidence::FailedRelease { time, .. } => format!("released {}", date(*time)),
        Evidence::FailingTest { message, .. } => message.clone().unwrap_or_default(),
        Evidence::FlakyTest { .. } => "both passed and failed in this run".to_string(),
        Evidence::SlowTest { .. } | Evidence::UncoveredLines { .. } => String::new(),
        Evidence::Vulnerability(f) => f.message.clone(),
    }
}

/// An evidence item's number for its metric: `lead time 12d 3h`, `failed`.
pub fn evidence_detail(e: &Evidence) -> String {
    match e {
        Evidence::Change { lead_time, .. } => format!("lead time {}", human(*lead_time)),
        Evidence::Vulnerability(f) => {
            let at = match (&f.file, f.line) {
                (Some(file), Some(line)) => format!(" at {file}:{line}"),
                (Some(file), None) => format!(" at {file}"),
                _ => String::new(),
            };
            format!("{}{at}", f.severity.name())
        }
        Evidence::Issue {
            time,
            seconds,
            severity,
            ..
        } => {
            let what = match time {
                IssueTime::Age => "age",
                IssueTime::FixedIn => "fixed in",
                IssueTime::MissedObjective => "missed objective, fixed in",
                IssueTime::RestoredIn => "restored in",
                IssueTime::OpenFor => "open for",
                IssueTime::AnsweredIn => "first response after",
                IssueTime::WaitingFor => "no response yet, waiting for",
            };
            match severity {
                Some(s) => format!("{what} {} ({s})", human(*seconds)),
                None => format!("{what} {}", human(*seconds)),
            }
        }
        Evidence::FailedRelease { failure, .. } => {
            let mut why = Vec::new();
            if let Some(h) = &failure.hotfix {
                why.push(format!("hotfix {h}"));
            }
            for (what, list) in [
                ("incident", &failure.incidents),
                ("regression", &failure.regressions),
            ] {
                if !list.is_empty() {
                    let l: Vec<String> = list.iter().map(|n| format!("#{n}")).collect();
                    why.push(format!("{what} {}", l.join(", ")));
                }
            }
            why.join("; ")
        }
        Evidence::FailingTest { outcome, .. } => match outcome {
            TestOutcome::Errored => "errored",
            _ => "failed",
        }
        .to_string(),
        Evidence::FlakyTest { .. } => "flaky".to_string(),
        Evidence::SlowTest { seconds, .. } => crate::duration::human_f64(*seconds),
        Evidence::UncoveredLines { .. } => "not covered".to_string(),
    }
}

/// `src/a.rs:12` or `src/a.rs:12-15`.
pub fn lines_id(file: &str, start: u32, end: u32) -> String {
    if start == end {
        format!("{file}:{start}")
    } else {
        format!("{file}:{start}-{end}")
    }
}

/// The lead line of `release-check`'s markdown.
pub fn readiness_markdown(r: Readiness) -> &'static str {
    match r {
        Readiness::NotReady => "**NOT READY** — a release rule is tripped.",
        Readiness::NoRules => {
            "**READY** — but no rule runs on release: add rules with `on: [release]` to the policy."
        }
        Readiness::NothingJudged => {
            "**READY** — but no release rule had enough data to judge, so nothing vouches for this release either."
        }
        Readiness::Ready => "**READY** — no release rule is tripped.",
    }
}

/// The last line of `release-check`'s text output.
pub fn readiness_text(r: Readiness) -> &'static str {
    match r {
        Readiness::NotReady => "NOT READY",
        Readiness::NoRules => "READY (no rule runs on release)",
        Readiness::NothingJudged => "READY (no rule had enough data to judge)",
        Readiness::Ready => "READY",
    }
}
