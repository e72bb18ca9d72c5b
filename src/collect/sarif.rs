//! SARIF 2.1.0 logs (`--sarif`): every result of every run, classified by severity.
//!
//! The severity of a result (docs/metrics.md, "Vulnerabilities"): its own
//! `properties.security-severity`, else that of its rule (found by `ruleIndex`, else by
//! `ruleId`, in `tool.driver.rules` then the extensions' rules), as a CVSS score: ≥ 9
//! critical, ≥ 7 high, ≥ 4 medium, > 0 low (0 or unreadable: the next source). Else its
//! `level`, else its rule's `defaultConfiguration.level`, else `warning` (SARIF's
//! default): `error` → high, `warning` → medium, `note` → low, `none` → not counted.
//!
//! The file is read whole with a size cap ([`SARIF_FILE`]); JSON that does not parse, or
//! a shape that is not SARIF's, is an error naming file:line:column.

use std::path::Path;

use serde::Deserialize;

use super::external::{ExternalError, expand};
use crate::collect::file::{self, Input};
use crate::model::{Finding, SarifData, Severity, SeveritySource};

/// A SARIF file: at most 256 MiB.
pub const SARIF_FILE: Input = Input {
    what: "the SARIF file",
    max_bytes: 256 << 20,
    when_missing: "check the `--sarif` pattern",
};

/// The longest message kept (characters), then `…`.
pub const MESSAGE_MAX: usize = 200;

#[derive(Deserialize, Default)]
#[serde(default)]
struct Log {
    runs: Vec<Run>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Run {
    tool: Tool,
    results: Option<Vec<SarifResult>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Tool {
    driver: Component,
    extensions: Vec<Component>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Component {
    rules: Vec<Rule>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Rule {
    id: Option<String>,
    properties: Option<Properties>,
    #[serde(rename = "defaultConfiguration")]
    default_configuration: Option<Configuration>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Configuration {
    level: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Properties {
    #[serde(rename = "security-severity")]
    security_severity: Option<serde_json::Value>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SarifResult {
    #[serde(rename = "ruleId")]
    rule_id: Option<String>,
    #[serde(rename = "ruleIndex")]
    rule_index: Option<i64>,
    rule: Option<RuleRef>,
    level: Option<String>,
    message: Message,
    locations: Vec<Location>,
    properties: Option<Properties>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RuleRef {
    id: Option<String>,
    index: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Message {
    text: Option<String>,
    markdown: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Location {
    #[serde(rename = "physicalLocation")]
    physical_location: Option<PhysicalLocation>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PhysicalLocation {
    #[serde(rename = "artifactLocation")]
    artifact_location: Option<ArtifactLocation>,
    region: Option<Region>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ArtifactLocation {
    uri: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Region {
    #[serde(rename = "startLine")]
    start_line: Option<u64>,
}

/// A CVSS score's band; none for 0, a negative or unreadable score.
pub fn band(score: f64) -> Option<Severity> {
    if !score.is_finite() {
        None
    } else if score >= 9.0 {
        Some(Severity::Critical)
    } else if score >= 7.0 {
        Some(Severity::High)
    } else if score >= 4.0 {
        Some(Severity::Medium)
    } else if score > 0.0 {
        Some(Severity::Low)
    } else {
        None
    }
}

fn score_band(p: Option<&Properties>) -> Option<Severity> {
    let v = p?.security_severity.as_ref()?;
    let score = match v {
        serde_json::Value::Number(n) => n.as_f64()?,
        serde_json::Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    band(score)
}

/// A `level`'s severity: `Some(None)` for `none` (not counted), `None` when unknown.
fn level_band(level: &str) -> Option<Option<Severity>> {
    match level {
        "error" => Some(Some(Severity::High)),
        "warning" => Some(Some(Severity::Medium)),
        "note" => Some(Some(Severity::Low)),
        "none" => Some(None),
        _ => None,
    }
}

fn first_line_cut(s: &str) -> String {
    // Any line break counts, a lone `\r` and Unicode's separators included: the message
    // must stay one line wherever it is shown.
    let line = s
        .split(['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}'])
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let mut out: String = line.chars().take(MESSAGE_MAX).collect();
    if line.chars().count() > MESSAGE_MAX {
        out.push('…');
    }
    out
}

/// Parses one SARIF log's text (named `name` in messages), adding its findings to `data`.
pub fn parse(name: &str, text: &str, data: &mut SarifData) -> Result<(), ExternalError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let log: Log = serde_json::from_str(text).map_err(|e| ExternalError::Sarif {
        file: name.to_string(),
        line: e.line() as u64,
        column: e.column() as u64,
        reason: e.to_string(),
    })?;
    for run in &log.runs {
        let rules = || {
            std::iter::once(&run.tool.driver)
                .chain(&run.tool.extensions)
                .flat_map(|c| &c.rules)
        };
        for r in run.results.iter().flatten() {
            let id = r
                .rule_id
                .clone()
                .or_else(|| r.rule.as_ref().and_then(|x| x.id.clone()));
            let index = r
                .rule_index
                .or_else(|| r.rule.as_ref().and_then(|x| x.index));
            let rule = index
                .and_then(|i| usize::try_from(i).ok())
                .and_then(|i| run.tool.driver.rules.get(i))
                .or_else(|| {
                    let id = id.as_deref()?;
                    rules().find(|x| x.id.as_deref() == Some(id))
                });
            let classified = if let Some(s) = score_band(r.properties.as_ref()) {
                Some((Some(s), SeveritySource::Result))
            } else if let Some(s) = score_band(rule.and_then(|x| x.properties.as_ref())) {
                Some((Some(s), SeveritySource::Rule))
            } else {
                let level = r.level.clone().or_else(|| {
                    rule.and_then(|x| x.default_configuration.as_ref())
                        .and_then(|c| c.level.clone())
                });
                level_band(level.as_deref().unwrap_or("warning"))
                    .map(|s| (s, SeveritySource::Level))
            };
            let Some((Some(severity), source)) = classified else {
                data.uncounted += 1;
                continue;
            };
            let physical = r
                .locations
                .iter()
                .find_map(|l| l.physical_location.as_ref());
            let message = r
                .message
                .text
                .as_deref()
                .or(r.message.markdown.as_deref())
                .unwrap_or("");
            data.findings.push(Finding {
                severity,
                source,
                rule_id: id
                    .or_else(|| rule.and_then(|x| x.id.clone()))
                    .unwrap_or_default(),
                file: physical
                    .and_then(|p| p.artifact_location.as_ref())
                    .and_then(|a| a.uri.clone()),
                line: physical
                    .and_then(|p| p.region.as_ref())
                    .and_then(|r| r.start_line),
                message: first_line_cut(message),
                report: name.to_string(),
            });
        }
    }
    Ok(())
}

/// Reads every SARIF file matched by `patterns` into one [`SarifData`].
pub fn read(patterns: &[String], base: &Path) -> Result<SarifData, ExternalError> {
    let mut data = SarifData::default();
    let files = expand(patterns, base, "SARIF file", &mut data.warnings)?;
    for (path, name) in files {
        let text = file::read_regular(&path, SARIF_FILE)?;
        parse(&name, &text, &mut data)?;
        data.files.push(name);
    }
    Ok(data)
}

#[cfg(test)]
mod tests;
