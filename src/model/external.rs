//! Figures read from other tools: external metric samples and SARIF findings.

use super::Timestamp;

/// One sample of an external metric (a line of a `--metrics` file).
#[derive(Debug, Clone, PartialEq)]
pub struct ExternalSample {
    /// `[A-Za-z0-9_.-]+`, as in `external.<name>.mean`.
    pub name: String,
    pub time: Timestamp,
    /// The value, a percentage already divided by 100 (`99.5 %` → 0.995).
    pub value: f64,
    /// The sample's unit was `%`.
    pub percent: bool,
}

/// Every external sample of one run, with the files they came from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExternalData {
    /// The files read, as named in messages (relative to their base when under it).
    pub files: Vec<String>,
    pub samples: Vec<ExternalSample>,
    /// Lines skipped (`metrics.on_malformed: warn`), patterns matching nothing.
    pub warnings: Vec<String>,
}

/// The severity bands of a vulnerability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Critical,
    High,
    Medium,
    Low,
}

impl Severity {
    pub const ALL: [Severity; 4] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
        }
    }
}

/// Where a severity came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SeveritySource {
    /// `properties.security-severity` of the result itself.
    Result,
    /// `properties.security-severity` of the result's rule.
    Rule,
    /// The result's `level` (or its rule's default level).
    Level,
}

/// One SARIF result that counts as a vulnerability.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub source: SeveritySource,
    /// `ruleId` (or the rule's `id`); empty when the result names none.
    pub rule_id: String,
    /// The first location's file (`artifactLocation.uri`), if any.
    pub file: Option<String>,
    pub line: Option<u64>,
    /// `message.text`, first line, cut.
    pub message: String,
    /// The SARIF file it came from.
    pub report: String,
}

/// Every finding of one run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SarifData {
    pub files: Vec<String>,
    pub findings: Vec<Finding>,
    /// Results not counted (`level: none`, no severity at all).
    pub uncounted: usize,
    pub warnings: Vec<String>,
}

impl SarifData {
    pub fn count(&self, s: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == s).count()
    }
}
