//! The report in the OpenMetrics text format (docs/openmetrics.md), for Prometheus:
//! `report --format openmetrics`, `check --format openmetrics` and the Pushgateway push.
//!
//! Every family has `# TYPE`, `# HELP` and, when its name ends in a unit, `# UNIT`; the
//! text ends with `# EOF`. A value the report does not have is no sample (never `NaN`);
//! a family without samples is left out. Types are `gauge` and `summary` only, so the
//! Prometheus text parsers (promtool, the Pushgateway) read it as well.
//!
//! Label values come from data (tags, severities, rule names, the repository): they are
//! escaped as the format wants (`\\`, `\"`, `\n`), other control characters become
//! U+FFFD (the format has no escape for them), and the `[` of a `##[` is written
//! `<U+005B>` as the console guard would, so no value starts a workflow command and the
//! printed text is the pushed text.

use super::Report;
use crate::gate::Status;
use crate::metrics::stats::Distribution;
use std::fmt::Write as _;

/// The OpenMetrics exposition of `r`, ending in `# EOF\n`.
pub fn render(r: &Report) -> String {
    let repo = repo_label(r);
    let repo = [("repo", repo.as_str())];
    let mut out = String::new();

    let mut f = Family::new(
        "slipgate_evaluated_timestamp_seconds",
        Kind::Gauge,
        "When the metrics were evaluated, Unix time.",
    );
    f.sample("", &repo, r.evaluated_at as f64);
    f.write(&mut out);

    let mut lead = Family::new(
        "slipgate_lead_time_seconds",
        Kind::Summary,
        "Lead time for changes of each release shown: release time minus author time.",
    );
    let mut changes = Family::new(
        "slipgate_release_changes",
        Kind::Gauge,
        "Changes (non-merge commits) of each release shown.",
    );
    let mut defects = Family::new(
        "slipgate_defect_rate",
        Kind::Gauge,
        "Bugs found after each release shown per change it shipped.",
    );
    for rel in &r.releases {
        let labels = [("repo", repo[0].1), ("release", rel.tag.as_str())];
        if let Some(c) = &rel.changes {
            lead.summary(&labels, &c.lead_time, &c.lead_times);
            changes.sample("", &labels, c.changes as f64);
        }
        if let Some(v) = rel.defect_rate {
            defects.sample("", &labels, v);
        }
    }
    lead.write(&mut out);
    changes.write(&mut out);
    defects.write(&mut out);

    let w = &r.window;
    let mut f = Family::new(
        "slipgate_release_frequency_per_week",
        Kind::Gauge,
        "Releases per week in the policy window.",
    );
    f.sample("", &repo, w.release_frequency);
    f.write(&mut out);
    let mut f = Family::new(
        "slipgate_change_failure_rate",
        Kind::Gauge,
        "Share of the window's releases that failed (hotfixed, incident or regression).",
    );
    f.opt_sample(&repo, w.change_failure_rate);
    f.write(&mut out);
    let mut f = Family::new(
        "slipgate_window_defect_rate",
        Kind::Gauge,
        "Bugs found in the policy window per change released in it.",
    );
    f.opt_sample(&repo, w.defect_rate);
    f.write(&mut out);
    for (name, help, stats) in [
        (
            "slipgate_bug_fix_time_seconds",
            "Time to fix the bugs closed in the policy window: closed minus created.",
            &w.bug_fix,
        ),
        (
            "slipgate_time_to_restore_seconds",
            "Time to restore service after the incidents closed in the policy window.",
            &w.time_to_restore,
        ),
    ] {
        let mut f = Family::new(name, Kind::Summary, help);
        if let Some(s) = stats {
            f.summary(&repo, &s.fix_time, &s.fix_times);
        }
        f.write(&mut out);
    }

    if let Some(bugs) = &r.open_bugs {
        let mut f = Family::new(
            "slipgate_open_bugs",
            Kind::Gauge,
            "Bugs open at the evaluation time, by severity (`none`: no severity label).",
        );
        for (severity, n) in &bugs.by_severity {
            f.sample(
                "",
                &[("repo", repo[0].1), ("severity", severity)],
                *n as f64,
            );
        }
        f.write(&mut out);
    }

    if let Some(t) = &r.tests {
        let mut f = Family::new(
            "slipgate_tests",
            Kind::Gauge,
            "Test cases of this run's JUnit results, by outcome.",
        );
        for (outcome, n) in [
            ("passed", t.passed),
            ("failed", t.failed),
            ("errored", t.errored),
            ("skipped", t.skipped),
        ] {
            f.sample("", &[("repo", repo[0].1), ("outcome", outcome)], n as f64);
        }
        f.write(&mut out);
        let mut f = Family::new(
            "slipgate_test_pass_rate",
            Kind::Gauge,
            "Passed test cases per case that ran (passed, failed or errored).",
        );
        f.opt_sample(&repo, t.pass_rate);
        f.write(&mut out);
    }

    if let Some(gate) = &r.gate {
        let mut f = Family::new(
            "slipgate_gate_verdict",
            Kind::Gauge,
            "The gate's verdict on each rule: 1 for the rule's status, 0 for the others.",
        );
        for v in &gate.verdicts {
            for status in STATUSES {
                f.sample(
                    "",
                    &[
                        ("repo", repo[0].1),
                        ("rule", v.rule.as_str()),
                        ("status", status_label(status)),
                    ],
                    if v.status == status { 1.0 } else { 0.0 },
                );
            }
        }
        f.write(&mut out);
    }

    out.push_str("# EOF\n");
    out
}

/// The `repo` label: `OWNER/NAME` when GitHub data was read for it, else the repository
/// path as given.
pub fn repo_label(r: &Report) -> String {
    r.sources
        .github
        .clone()
        .unwrap_or_else(|| r.sources.repository.clone())
}

const STATUSES: [Status; 6] = [
    Status::Pass,
    Status::Warn,
    Status::Fail,
    Status::Waived,
    Status::Exempt,
    Status::NotEnoughData,
];

/// A status as the `status` label value.
pub fn status_label(s: Status) -> &'static str {
    match s {
        Status::NotEnoughData => "not_enough_data",
        Status::Pass => "pass",
        Status::Waived => "waived",
        Status::Exempt => "exempt",
        Status::Warn => "warn",
        Status::Fail => "fail",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Gauge,
    Summary,
}

/// One metric family: its descriptor and the sample lines gathered for it.
struct Family {
    name: &'static str,
    kind: Kind,
    help: &'static str,
    samples: String,
}

impl Family {
    fn new(name: &'static str, kind: Kind, help: &'static str) -> Family {
        Family {
            name,
            kind,
            help,
            samples: String::new(),
        }
    }

    /// A sample line `<name><suffix>{labels} value`; a value that is not finite is none.
    fn sample(&mut self, suffix: &str, labels: &[(&str, &str)], value: f64) {
        if !value.is_finite() {
            return;
        }
        let s = &mut self.samples;
        s.push_str(self.name);
        s.push_str(suffix);
        if !labels.is_empty() {
            s.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                s.push_str(k);
                s.push_str("=\"");
                s.push_str(&label_value(v));
                s.push('"');
            }
            s.push('}');
        }
        let _ = writeln!(s, " {}", number(value));
    }

    fn opt_sample(&mut self, labels: &[(&str, &str)], value: Option<f64>) {
        if let Some(v) = value {
            self.sample("", labels, v);
        }
    }

    /// A summary: the quantiles 0.5, 0.9 and 1 (the maximum) that `d` has, the sum of
    /// `values` and their count.
    fn summary(&mut self, labels: &[(&str, &str)], d: &Distribution, values: &[i64]) {
        for (q, v) in [("0.5", d.p50), ("0.9", d.p90), ("1", d.max)] {
            if let Some(v) = v {
                let mut l = labels.to_vec();
                l.push(("quantile", q));
                self.sample("", &l, v as f64);
            }
        }
        let sum: i64 = values.iter().sum();
        self.sample("_sum", labels, sum as f64);
        self.sample("_count", labels, d.count as f64);
    }

    /// Writes the family to `out`, when it has samples.
    fn write(self, out: &mut String) {
        if self.samples.is_empty() {
            return;
        }
        let kind = match self.kind {
            Kind::Gauge => "gauge",
            Kind::Summary => "summary",
        };
        let _ = writeln!(out, "# TYPE {} {kind}", self.name);
        if let Some(unit) = unit_of(self.name) {
            let _ = writeln!(out, "# UNIT {} {unit}", self.name);
        }
        let _ = writeln!(out, "# HELP {} {}", self.name, self.help);
        out.push_str(&self.samples);
    }
}

/// The unit a family's name ends in (the format wants the name to end in `_<unit>`).
fn unit_of(name: &str) -> Option<&'static str> {
    name.ends_with("_seconds").then_some("seconds")
}

/// A label value, escaped: `\` `"` and line breaks as the format wants, other control
/// characters as U+FFFD, `##[` as `##<U+005B>`.
pub fn label_value(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '[' if out.ends_with("##") => out.push_str("<U+005B>"),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A sample value: integers without a fraction, other values as Rust's shortest form
/// that reads back the same.
fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests;
