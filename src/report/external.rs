//! The "External metrics" and "Vulnerabilities" sections of a report: what `--metrics`
//! and `--sarif` files said, in text, markdown and JSON (docs/json.md).

use super::sanitize::{code_cell, inline};
use super::text::Style;
use crate::escape::line as esc;
use crate::metrics::Engine;
use crate::metrics::external::{ExternalStats, VulnerabilityCounts, summary};
use crate::model::Finding;
use serde::Serialize;
use std::fmt::Write;

/// The most findings listed.
pub const FINDINGS_SHOWN: usize = 20;

/// External metrics over the policy window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExternalSection {
    pub files: Vec<String>,
    pub window_seconds: i64,
    /// One row per metric name (sorted), with its samples in the window.
    pub metrics: Vec<ExternalStats>,
}

/// The vulnerabilities of this run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VulnerabilitySection {
    pub files: Vec<String>,
    #[serde(flatten)]
    pub counts: VulnerabilityCounts,
    /// Results not counted (`level: none`).
    pub uncounted: usize,
    /// The most severe first, at most [`FINDINGS_SHOWN`].
    pub findings: Vec<Finding>,
}

pub fn external(engine: &Engine<'_>) -> Option<ExternalSection> {
    let d = engine.inputs.external?;
    Some(ExternalSection {
        files: d.files.clone(),
        window_seconds: engine.policy.window.secs(),
        metrics: summary(d, engine.policy_window()),
    })
}

pub fn vulnerabilities(engine: &Engine<'_>) -> Option<VulnerabilitySection> {
    let d = engine.inputs.sarif?;
    let mut findings = d.findings.clone();
    findings.sort_by_key(|f| f.severity);
    findings.truncate(FINDINGS_SHOWN);
    Some(VulnerabilitySection {
        files: d.files.clone(),
        counts: VulnerabilityCounts::of(d),
        uncounted: d.uncounted,
        findings,
    })
}

/// A value as its unit says: `99.913%` for shares (up to 3 decimals), else a number.
fn value(v: Option<f64>, percent: bool) -> String {
    let Some(v) = v else {
        return "–".to_string();
    };
    let (v, unit) = if percent { (v * 100.0, "%") } else { (v, "") };
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}{unit}")
}

fn rows(s: &ExternalSection) -> Vec<[String; 4]> {
    s.metrics
        .iter()
        .map(|m| {
            [
                m.name.clone(),
                value(m.latest, m.percent),
                value(m.mean, m.percent),
                m.count.to_string(),
            ]
        })
        .collect()
}

fn location(f: &Finding) -> String {
    match (&f.file, f.line) {
        (Some(file), Some(line)) => format!("{file}:{line}"),
        (Some(file), None) => file.clone(),
        _ => String::new(),
    }
}

fn counts_line(c: &VulnerabilityCounts) -> String {
    format!(
        "{} · critical {} · high {} · medium {} · low {}",
        c.total, c.critical, c.high, c.medium, c.low
    )
}

pub fn text(e: Option<&ExternalSection>, v: Option<&VulnerabilitySection>, style: Style) -> String {
    let mut out = String::new();
    if let Some(e) = e {
        let _ = writeln!(
            out,
            "\n{} (the last {}; latest, mean, samples)",
            style.bold("External metrics"),
            crate::duration::human(e.window_seconds)
        );
        if e.metrics.is_empty() {
            out.push_str("  no samples\n");
        }
        for [name, latest, mean, count] in rows(e) {
            let _ = writeln!(
                out,
                "  {:<21}{latest:>10}  {mean:>10}  {count:>4}",
                esc(&name)
            );
        }
    }
    if let Some(v) = v {
        let _ = writeln!(
            out,
            "\n{} {}",
            style.bold("Vulnerabilities"),
            counts_line(&v.counts)
        );
        for f in &v.findings {
            let _ = writeln!(
                out,
                "  {:<8} {} {} — {}",
                f.severity.name(),
                esc(&f.rule_id),
                esc(&location(f)),
                esc(&f.message)
            );
        }
    }
    out
}

pub fn markdown(e: Option<&ExternalSection>, v: Option<&VulnerabilitySection>) -> String {
    let mut out = String::new();
    if let Some(e) = e {
        let _ = writeln!(
            out,
            "\n**External metrics** (the last {})\n",
            crate::duration::human(e.window_seconds)
        );
        if e.metrics.is_empty() {
            out.push_str("No samples.\n");
        } else {
            out.push_str("| Metric | Latest | Mean | Samples |\n|---|--:|--:|--:|\n");
            for [name, latest, mean, count] in rows(e) {
                let _ = writeln!(
                    out,
                    "| {} | {latest} | {mean} | {count} |",
                    code_cell(&name)
                );
            }
        }
    }
    if let Some(v) = v {
        let _ = writeln!(out, "\n**Vulnerabilities** {}\n", counts_line(&v.counts));
        if !v.findings.is_empty() {
            out.push_str("| Severity | Rule | Location | Message |\n|---|---|---|---|\n");
            for f in &v.findings {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} |",
                    f.severity.name(),
                    code_cell(&f.rule_id),
                    match location(f) {
                        l if l.is_empty() => "–".to_string(),
                        l => code_cell(&l),
                    },
                    inline(&f.message)
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Severity, SeveritySource};

    #[test]
    fn values_and_hostile_findings() {
        assert_eq!(value(Some(0.999133), true), "99.913%");
        assert_eq!(value(Some(4.25), false), "4.25");
        assert_eq!(value(None, false), "–");
        let v = VulnerabilitySection {
            files: vec!["s.sarif".into()],
            counts: VulnerabilityCounts {
                total: 1,
                critical: 1,
                ..VulnerabilityCounts::default()
            },
            uncounted: 0,
            findings: vec![Finding {
                severity: Severity::Critical,
                source: SeveritySource::Rule,
                rule_id: "R|1".into(),
                file: Some("a.rs".into()),
                line: Some(3),
                message: "@team <b>x</b> | y".into(),
                report: "s.sarif".into(),
            }],
        };
        let md = markdown(None, Some(&v));
        assert!(
            md.contains("**Vulnerabilities** 1 · critical 1 · high 0 · medium 0 · low 0"),
            "{md}"
        );
        let row = md.lines().last().unwrap();
        assert!(!row.contains("<b>") && !row.contains(" @team"), "{row}");
        assert!(
            row.starts_with("| critical | `R\\|1` | `a.rs:3` | "),
            "{row}"
        );
    }
}
