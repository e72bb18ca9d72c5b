//! The catalogue of metrics a rule may name, with their units and scopes.

use std::fmt;

/// How a metric's values are measured, and so how thresholds are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Seconds; thresholds are durations (`14d`).
    Duration,
    /// A fraction 0..1 shown as a percentage; thresholds are percentages (`99.5%`).
    Ratio,
    /// A whole count; thresholds are numbers (`5`).
    Count,
    /// A plain number (defect rate per 100 changes, releases per week).
    Number,
}

/// The aggregate of a distribution metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Agg {
    Count,
    P50,
    P90,
    Max,
}

impl Agg {
    fn name(self) -> &'static str {
        match self {
            Agg::Count => "count",
            Agg::P50 => "p50",
            Agg::P90 => "p90",
            Agg::Max => "max",
        }
    }
}

/// What an `open_bugs.*` metric counts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum OpenAgg {
    Total,
    /// One severity of `issues.severity_labels`, or `none`.
    Severity(String),
    Overdue,
    OldestAge,
}

/// A test metric of the current run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TestAgg {
    PassRate,
    Passed,
    Failed,
    Errored,
    Skipped,
    Total,
    Flaky,
    Duration,
}

/// The aggregate of an external metric's samples in the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExtAgg {
    Latest,
    Mean,
    Min,
    Max,
    P50,
    P90,
}

impl ExtAgg {
    pub const ALL: [ExtAgg; 6] = [
        ExtAgg::Latest,
        ExtAgg::Mean,
        ExtAgg::Min,
        ExtAgg::Max,
        ExtAgg::P50,
        ExtAgg::P90,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ExtAgg::Latest => "latest",
            ExtAgg::Mean => "mean",
            ExtAgg::Min => "min",
            ExtAgg::Max => "max",
            ExtAgg::P50 => "p50",
            ExtAgg::P90 => "p90",
        }
    }

    fn parse(s: &str) -> Option<ExtAgg> {
        ExtAgg::ALL.into_iter().find(|a| a.name() == s)
    }
}

/// Whether `name` may name an external metric: `[A-Za-z0-9_.-]+`, at most 100 characters.
pub fn valid_external_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// A coverage metric of the current run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CoverageAgg {
    Lines,
    Branches,
    /// The pull request's added or changed lines.
    Patch,
}

/// Which of the spec's metrics a rule names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Metric {
    Changes,
    LeadTime(Agg),
    FixCommits,
    Reverts,
    FixRatio,
    ReleaseFrequency,
    BugsFound,
    DefectRate,
    BugFixTime(Agg),
    BugFixWithinSlo,
    OpenBugs(OpenAgg),
    TimeToRestore(Agg),
    ChangeFailureRate,
    PrCycleTime(Agg),
    /// `time_to_first_response.count|p50|p90|max`.
    FirstResponse(Agg),
    /// `time_to_first_response.unanswered`.
    FirstResponseUnanswered,
    /// `time_to_first_response.within_slo`.
    FirstResponseWithinSlo,
    Tests(TestAgg),
    /// `external.<name>.<agg>`: samples read from `--metrics` files.
    /// `percent`: the samples carry the unit `%` (a share); false as parsed, set by the
    /// gate from the data, so the verdict shows a percentage.
    External {
        name: String,
        agg: ExtAgg,
        percent: bool,
    },
    /// `vulnerabilities.total` (none) or one severity, from `--sarif` files.
    Vulnerabilities(Option<crate::model::Severity>),
    Coverage(CoverageAgg),
}

/// Where a metric is measured.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// The unreleased changes (HEAD since the highest release).
    Candidate,
    /// The newest release (its window is provisional).
    LatestRelease,
    /// The policy window (or the rule's own `window`), ending at the evaluation time.
    Window,
}

impl Scope {
    pub fn name(self) -> &'static str {
        match self {
            Scope::Candidate => "candidate",
            Scope::LatestRelease => "latest_release",
            Scope::Window => "window",
        }
    }
}

/// Every name a rule may use, for error messages and the schema. `open_bugs.<severity>`
/// also accepts each severity of `issues.severity_labels`.
pub const NAMES: &[&str] = &[
    "changes",
    "lead_time.count",
    "lead_time.p50",
    "lead_time.p90",
    "lead_time.max",
    "fix_commits",
    "reverts",
    "fix_ratio",
    "release_frequency",
    "bugs_found",
    "defect_rate",
    "bug_fix_time.count",
    "bug_fix_time.p50",
    "bug_fix_time.p90",
    "bug_fix_time.max",
    "bug_fix_time.within_slo",
    "open_bugs.total",
    "open_bugs.<severity>",
    "open_bugs.none",
    "open_bugs.overdue",
    "open_bugs.oldest_age",
    "time_to_restore.count",
    "time_to_restore.p50",
    "time_to_restore.p90",
    "time_to_restore.max",
    "change_failure_rate",
    "pr_cycle_time.count",
    "pr_cycle_time.p50",
    "pr_cycle_time.p90",
    "pr_cycle_time.max",
    "time_to_first_response.count",
    "time_to_first_response.p50",
    "time_to_first_response.p90",
    "time_to_first_response.max",
    "time_to_first_response.unanswered",
    "time_to_first_response.within_slo",
    "tests.pass_rate",
    "tests.passed",
    "tests.failed",
    "tests.errored",
    "tests.skipped",
    "tests.total",
    "tests.flaky",
    "tests.duration",
    "external.<name>.latest",
    "external.<name>.mean",
    "external.<name>.min",
    "external.<name>.max",
    "external.<name>.p50",
    "external.<name>.p90",
    "vulnerabilities.total",
    "vulnerabilities.critical",
    "vulnerabilities.high",
    "vulnerabilities.medium",
    "vulnerabilities.low",
    "coverage.lines",
    "coverage.branches",
    "coverage.patch",
];

/// The JSON Schema of a rule's `metric`: every name of [`NAMES`] as an enum (so editors
/// complete them, and a metric added to the catalogue appears in the schema), or
/// `open_bugs.<severity>` for a severity the policy defines (checked by slipgate), or
/// `external.<name>.<aggregate>`.
pub(super) fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let fixed: Vec<&str> = NAMES.iter().copied().filter(|n| !n.contains('<')).collect();
    schemars::json_schema!({
        "anyOf": [
            {"type": "string", "enum": fixed},
            {
                "type": "string",
                "pattern": "^open_bugs\\.[^.\\s]+$",
                "description": "Open bugs of one severity of `issues.severity_labels`, e.g. `open_bugs.critical`."
            },
            {
                "type": "string",
                "pattern": "^external\\.[A-Za-z0-9_.-]{1,100}\\.(latest|mean|min|max|p50|p90)$",
                "description": "An aggregate of the samples of one external metric (`--metrics` files), e.g. `external.uptime.mean`."
            }
        ]
    })
}

impl Metric {
    /// Parses a metric name. Severity names are checked later, against the policy.
    pub fn parse(name: &str) -> Option<Metric> {
        let agg = |a: &str| match a {
            "count" => Some(Agg::Count),
            "p50" => Some(Agg::P50),
            "p90" => Some(Agg::P90),
            "max" => Some(Agg::Max),
            _ => None,
        };
        if let Some(rest) = name.strip_prefix("external.") {
            let (n, a) = rest.rsplit_once('.')?;
            if !valid_external_name(n) {
                return None;
            }
            return Some(Metric::External {
                name: n.to_string(),
                agg: ExtAgg::parse(a)?,
                percent: false,
            });
        }
        let (head, tail) = match name.split_once('.') {
            Some((h, t)) => (h, Some(t)),
            None => (name, None),
        };
        Some(match (head, tail) {
            ("changes", None) => Metric::Changes,
            ("lead_time", Some(a)) => Metric::LeadTime(agg(a)?),
            ("fix_commits", None) => Metric::FixCommits,
            ("reverts", None) => Metric::Reverts,
            ("fix_ratio", None) => Metric::FixRatio,
            ("release_frequency", None) => Metric::ReleaseFrequency,
            ("bugs_found", None) => Metric::BugsFound,
            ("defect_rate", None) => Metric::DefectRate,
            ("bug_fix_time", Some("within_slo")) => Metric::BugFixWithinSlo,
            ("bug_fix_time", Some(a)) => Metric::BugFixTime(agg(a)?),
            ("open_bugs", Some("total")) => Metric::OpenBugs(OpenAgg::Total),
            ("open_bugs", Some("overdue")) => Metric::OpenBugs(OpenAgg::Overdue),
            ("open_bugs", Some("oldest_age")) => Metric::OpenBugs(OpenAgg::OldestAge),
            ("open_bugs", Some(sev)) if !sev.is_empty() && !sev.contains('.') => {
                Metric::OpenBugs(OpenAgg::Severity(sev.to_string()))
            }
            ("time_to_restore", Some(a)) => Metric::TimeToRestore(agg(a)?),
            ("change_failure_rate", None) => Metric::ChangeFailureRate,
            ("pr_cycle_time", Some(a)) => Metric::PrCycleTime(agg(a)?),
            ("time_to_first_response", Some("unanswered")) => Metric::FirstResponseUnanswered,
            ("time_to_first_response", Some("within_slo")) => Metric::FirstResponseWithinSlo,
            ("time_to_first_response", Some(a)) => Metric::FirstResponse(agg(a)?),
            ("tests", Some(t)) => Metric::Tests(match t {
                "pass_rate" => TestAgg::PassRate,
                "passed" => TestAgg::Passed,
                "failed" => TestAgg::Failed,
                "errored" => TestAgg::Errored,
                "skipped" => TestAgg::Skipped,
                "total" => TestAgg::Total,
                "flaky" => TestAgg::Flaky,
                "duration" => TestAgg::Duration,
                _ => return None,
            }),
            ("vulnerabilities", Some(v)) => Metric::Vulnerabilities(match v {
                "total" => None,
                other => Some(
                    crate::model::Severity::ALL
                        .into_iter()
                        .find(|s| s.name() == other)?,
                ),
            }),
            ("coverage", Some("lines")) => Metric::Coverage(CoverageAgg::Lines),
            ("coverage", Some("branches")) => Metric::Coverage(CoverageAgg::Branches),
            ("coverage", Some("patch")) => Metric::Coverage(CoverageAgg::Patch),
            _ => return None,
        })
    }

    pub fn unit(&self) -> Unit {
        match self {
            Metric::LeadTime(Agg::Count)
            | Metric::BugFixTime(Agg::Count)
            | Metric::TimeToRestore(Agg::Count)
            | Metric::PrCycleTime(Agg::Count)
            | Metric::FirstResponse(Agg::Count)
            | Metric::FirstResponseUnanswered => Unit::Count,
            Metric::LeadTime(_)
            | Metric::BugFixTime(_)
            | Metric::TimeToRestore(_)
            | Metric::PrCycleTime(_)
            | Metric::FirstResponse(_)
            | Metric::OpenBugs(OpenAgg::OldestAge)
            | Metric::Tests(TestAgg::Duration) => Unit::Duration,
            Metric::FixRatio
            | Metric::BugFixWithinSlo
            | Metric::FirstResponseWithinSlo
            | Metric::ChangeFailureRate
            | Metric::Tests(TestAgg::PassRate)
            | Metric::Coverage(_) => Unit::Ratio,
            Metric::External { percent: true, .. } => Unit::Ratio,
            Metric::DefectRate | Metric::ReleaseFrequency | Metric::External { .. } => Unit::Number,
            Metric::Vulnerabilities(_) => Unit::Count,
            Metric::Changes
            | Metric::FixCommits
            | Metric::Reverts
            | Metric::BugsFound
            | Metric::OpenBugs(_)
            | Metric::Tests(_) => Unit::Count,
        }
    }

    /// Whether the metric summarises a sample of durations (and so supports the U test).
    pub fn is_distribution(&self) -> bool {
        matches!(
            self,
            Metric::LeadTime(a)
                | Metric::BugFixTime(a)
                | Metric::TimeToRestore(a)
                | Metric::PrCycleTime(a)
                | Metric::FirstResponse(a)
                if *a != Agg::Count
        )
    }

    /// Uses GitHub data when it can be had: the metrics that need it, and change failure
    /// rate, whose incident signal comes from issues (without them only the hotfix signal
    /// counts).
    pub fn wants_github(&self) -> bool {
        self.needs_github() || matches!(self, Metric::ChangeFailureRate)
    }

    /// Needs GitHub data (issues or pull requests).
    pub fn needs_github(&self) -> bool {
        matches!(
            self,
            Metric::BugsFound
                | Metric::DefectRate
                | Metric::BugFixTime(_)
                | Metric::BugFixWithinSlo
                | Metric::OpenBugs(_)
                | Metric::TimeToRestore(_)
                | Metric::PrCycleTime(_)
                | Metric::FirstResponse(_)
                | Metric::FirstResponseUnanswered
                | Metric::FirstResponseWithinSlo
        )
    }

    /// Needs the comments on issues (time to first response).
    pub fn needs_comments(&self) -> bool {
        matches!(
            self,
            Metric::FirstResponse(_)
                | Metric::FirstResponseUnanswered
                | Metric::FirstResponseWithinSlo
        )
    }

    /// Needs JUnit results.
    pub fn needs_tests(&self) -> bool {
        matches!(self, Metric::Tests(_))
    }

    /// Point-in-time metrics: measured at the evaluation time whatever the scope.
    pub fn is_point_in_time(&self) -> bool {
        matches!(
            self,
            Metric::OpenBugs(_)
                | Metric::Tests(_)
                | Metric::Vulnerabilities(_)
                | Metric::Coverage(_)
        )
    }

    /// The scopes the metric is defined for, the first being its default.
    pub fn scopes(&self) -> &'static [Scope] {
        use Scope::*;
        match self {
            Metric::Changes
            | Metric::LeadTime(_)
            | Metric::FixCommits
            | Metric::Reverts
            | Metric::FixRatio => &[Candidate, LatestRelease, Window],
            Metric::BugsFound | Metric::DefectRate => &[LatestRelease, Window],
            Metric::BugFixTime(_) | Metric::BugFixWithinSlo => &[Window, LatestRelease],
            Metric::ReleaseFrequency
            | Metric::TimeToRestore(_)
            | Metric::ChangeFailureRate
            | Metric::PrCycleTime(_)
            | Metric::FirstResponse(_)
            | Metric::FirstResponseUnanswered
            | Metric::FirstResponseWithinSlo => &[Window],
            Metric::OpenBugs(_)
            | Metric::Tests(_)
            | Metric::Vulnerabilities(_)
            | Metric::Coverage(_) => &[Candidate, LatestRelease, Window],
            Metric::External { .. } => &[Window],
        }
    }

    pub fn default_scope(&self) -> Scope {
        self.scopes()[0]
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Metric::Changes => f.write_str("changes"),
            Metric::LeadTime(a) => write!(f, "lead_time.{}", a.name()),
            Metric::FixCommits => f.write_str("fix_commits"),
            Metric::Reverts => f.write_str("reverts"),
            Metric::FixRatio => f.write_str("fix_ratio"),
            Metric::ReleaseFrequency => f.write_str("release_frequency"),
            Metric::BugsFound => f.write_str("bugs_found"),
            Metric::DefectRate => f.write_str("defect_rate"),
            Metric::BugFixTime(a) => write!(f, "bug_fix_time.{}", a.name()),
            Metric::BugFixWithinSlo => f.write_str("bug_fix_time.within_slo"),
            Metric::OpenBugs(OpenAgg::Total) => f.write_str("open_bugs.total"),
            Metric::OpenBugs(OpenAgg::Overdue) => f.write_str("open_bugs.overdue"),
            Metric::OpenBugs(OpenAgg::OldestAge) => f.write_str("open_bugs.oldest_age"),
            Metric::OpenBugs(OpenAgg::Severity(s)) => write!(f, "open_bugs.{s}"),
            Metric::TimeToRestore(a) => write!(f, "time_to_restore.{}", a.name()),
            Metric::ChangeFailureRate => f.write_str("change_failure_rate"),
            Metric::PrCycleTime(a) => write!(f, "pr_cycle_time.{}", a.name()),
            Metric::FirstResponse(a) => write!(f, "time_to_first_response.{}", a.name()),
            Metric::FirstResponseUnanswered => f.write_str("time_to_first_response.unanswered"),
            Metric::FirstResponseWithinSlo => f.write_str("time_to_first_response.within_slo"),
            Metric::Tests(t) => f.write_str(match t {
                TestAgg::PassRate => "tests.pass_rate",
                TestAgg::Passed => "tests.passed",
                TestAgg::Failed => "tests.failed",
                TestAgg::Errored => "tests.errored",
                TestAgg::Skipped => "tests.skipped",
                TestAgg::Total => "tests.total",
                TestAgg::Flaky => "tests.flaky",
                TestAgg::Duration => "tests.duration",
            }),
            Metric::External { name, agg, .. } => write!(f, "external.{name}.{}", agg.name()),
            Metric::Vulnerabilities(None) => f.write_str("vulnerabilities.total"),
            Metric::Vulnerabilities(Some(s)) => write!(f, "vulnerabilities.{}", s.name()),
            Metric::Coverage(c) => f.write_str(match c {
                CoverageAgg::Lines => "coverage.lines",
                CoverageAgg::Branches => "coverage.branches",
                CoverageAgg::Patch => "coverage.patch",
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_name_parses_and_round_trips() {
        for name in NAMES {
            let name = name
                .replace("<severity>", "critical")
                .replace("<name>", "uptime.api-v2");
            let m = Metric::parse(&name).unwrap_or_else(|| panic!("{name}"));
            assert_eq!(m.to_string(), name);
        }
    }

    #[test]
    fn units_and_kinds() {
        assert_eq!(
            Metric::parse("lead_time.p90").map(|m| m.unit()),
            Some(Unit::Duration)
        );
        assert_eq!(
            Metric::parse("lead_time.count").map(|m| m.unit()),
            Some(Unit::Count)
        );
        assert_eq!(
            Metric::parse("tests.pass_rate").map(|m| m.unit()),
            Some(Unit::Ratio)
        );
        assert_eq!(
            Metric::parse("defect_rate").map(|m| m.unit()),
            Some(Unit::Number)
        );
        assert!(Metric::parse("pr_cycle_time.p50").is_some_and(|m| m.is_distribution()));
        assert_eq!(
            Metric::parse("time_to_first_response.p90"),
            Some(Metric::FirstResponse(Agg::P90))
        );
        assert!(Metric::parse("time_to_first_response.max").is_some_and(|m| m.is_distribution()));
        assert_eq!(
            Metric::parse("time_to_first_response.unanswered").map(|m| m.unit()),
            Some(Unit::Count)
        );
        assert_eq!(
            Metric::parse("time_to_first_response.within_slo").map(|m| m.unit()),
            Some(Unit::Ratio)
        );
        assert_eq!(
            Metric::parse("time_to_first_response.count").map(|m| m.scopes()),
            Some(&[Scope::Window][..])
        );
        assert!(!Metric::parse("pr_cycle_time.count").is_some_and(|m| m.is_distribution()));
        for bad in [
            "lead_time",
            "lead_time.p99",
            "tests.flakey",
            "time_to_first_response",
            "time_to_first_response.p99",
            "open_bugs.",
            "x.y",
            "",
            "external.uptime",
            "external.up time.mean",
            "external..mean",
            "external.uptime.p99",
            "vulnerabilities.severe",
        ] {
            assert_eq!(Metric::parse(bad), None, "{bad}");
        }
    }
}
