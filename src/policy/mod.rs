//! Policy files: what a team's stability targets are and how releases, fixes and bugs are
//! recognised. YAML, `version: 1`. Every problem names the file, line and column.

#![warn(unreachable_pub)]

pub mod metric;
mod needs;
mod pathspec;
mod rule;
mod spans;
pub mod tagname;
mod text;

use crate::duration::Dur;
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

pub use metric::{Metric, Scope, Unit};
pub use needs::Needs;
pub use pathspec::Pathspec;
pub use rule::{Baseline, Level, Rule, RuleProblem, RuleSpec, Threshold, Trigger};
use spans::{Spans, Step};

/// The built-in default policy (`policies/default.yml`), used when the repository has none.
pub const DEFAULT_POLICY: &str = include_str!("../../policies/default.yml");

/// The files looked for, in order, when `--policy` is not given.
pub const SEARCH_PATHS: &[&str] = &[".github/slipgate.yml", "slipgate.yml"];

/// A policy file, as written (defaults filled in). Serialising it prints the effective
/// policy.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
#[schemars(
    title = "slipgate policy",
    description = "A slipgate policy file (version 1)."
)]
pub struct Policy {
    /// The policy format version. Always 1.
    #[schemars(schema_with = "version_schema")]
    pub version: u32,
    /// The default window of window-scoped rules and of release frequency, e.g. `90d`.
    pub window: Dur,
    /// How releases are recognised: which tags are releases, and which commits count.
    pub releases: Releases,
    /// How commits are classified (which are fixes).
    pub commits: Commits,
    /// How GitHub issues are classified: bug, incident, regression and severity labels,
    /// and fix-time objectives.
    pub issues: Issues,
    /// Where JUnit test results come from and how bad input is treated.
    pub tests: Tests,
    /// External metric files (`--metrics`): where they are and how bad lines are treated.
    #[serde(skip_serializing_if = "ExternalMetrics::is_default")]
    pub metrics: ExternalMetrics,
    /// Coverage reports (LCOV, Cobertura XML); `--coverage` overrides `paths`.
    // Left out of the effective policy when it names no path.
    #[serde(skip_serializing_if = "Coverage::is_empty")]
    pub coverage: Coverage,
    /// Freeze mode: while a fail rule is tripped, fix pull requests still pass.
    pub freeze: Freeze,
    /// The rules the gate evaluates.
    pub rules: Vec<RuleSpec>,
}

/// How releases are recognised.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Releases {
    /// A regex matched against tag names, with a named group `version` holding a semver
    /// version. Monorepos: `^tokio-(?P<version>\d+\.\d+\.\d+)$`.
    pub tag_pattern: Pattern,
    /// Count pre-release versions (`1.0.0-rc.1`) as releases; the pattern must capture them.
    pub include_prereleases: bool,
    /// A release followed within this time by a patch release of the same major.minor
    /// counts as failed (change failure rate).
    pub hotfix_window: Dur,
    /// Monorepos: only commits that change a file under these paths (folder prefixes
    /// like `tokio/`, or git globs like `crates/*/src/*`) count as changes of a release
    /// and of the candidate (`git rev-list --no-merges --full-history PREV..R -- PATHS`).
    /// Empty: every commit counts.
    #[serde(skip_serializing_if = "Paths::is_empty")]
    pub paths: Paths,
}

/// `releases.paths`, compiled: git pathspecs (see [`Pathspec`]).
#[derive(Debug, Clone, Default)]
pub struct Paths(pub Pathspec);

impl Paths {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for Paths {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.sources().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Paths {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let specs = Vec::<String>::deserialize(d)?;
        Pathspec::new(&specs)
            .map(Paths)
            .map_err(|e| serde::de::Error::custom(format!("`releases.paths`: {e}")))
    }
}

impl JsonSchema for Paths {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Paths".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "array", "items": {"type": "string", "minLength": 1}})
    }
}

/// How commits are classified.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Commits {
    /// A regex matched against commit subjects to find fixes (Conventional Commits default).
    pub fix_pattern: Pattern,
}

/// How issues are classified (GitHub).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Issues {
    /// Labels that make an issue a bug (compared case-insensitively).
    pub bug_labels: Vec<String>,
    /// Labels that make an issue an incident.
    pub incident_labels: Vec<String>,
    /// Labels that make an issue a regression.
    pub regression_labels: Vec<String>,
    /// Severity name → labels. The first severity listed that matches wins.
    pub severity_labels: IndexMap<String, Vec<String>>,
    /// Severity name → fix-time objective (e.g. `{critical: 2d, high: 7d}`).
    pub fix_slo: IndexMap<String, Dur>,
    /// Time to first response counts only issues carrying one of these labels (compared
    /// case-insensitively); empty = every issue.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub response_labels: Vec<String>,
    /// The first-response objective (e.g. `2d`), for `time_to_first_response.within_slo`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_slo: Option<Dur>,
}

impl Issues {
    /// When `sev` is neither `none` nor a severity of `severity_labels`: says so, with
    /// the severities that are.
    fn undefined(&self, sev: &str) -> Option<String> {
        if sev == "none" || self.severity_labels.contains_key(sev) {
            return None;
        }
        let known: Vec<&str> = self.severity_labels.keys().map(String::as_str).collect();
        Some(format!(
            "which `issues.severity_labels` does not define{}",
            list_hint(&known)
        ))
    }
}

/// Where test results come from and how bad input is treated.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Tests {
    /// Default JUnit XML globs, used when `--junit` is not given.
    pub paths: Vec<String>,
    /// A malformed JUnit file: `error` (exit 2) or `warn` (skip it).
    pub on_malformed: OnMalformed,
    /// A pattern that matches no file: `error`, `warn` or `ignore`.
    pub on_missing: OnMissing,
}

/// Where external metric samples come from (CSV or JSON lines, see docs/metrics.md).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ExternalMetrics {
    /// Default metric file globs, used when `--metrics` is not given.
    pub paths: Vec<String>,
    /// A malformed line: `error` (exit 2) or `warn` (skip the line).
    pub on_malformed: OnMalformed,
}

impl ExternalMetrics {
    fn is_default(&self) -> bool {
        *self == ExternalMetrics::default()
    }
}

/// Where coverage reports come from.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Coverage {
    /// Default LCOV or Cobertura XML globs, used when `--coverage` is not given; a
    /// pattern matching no file is a warning.
    pub paths: Vec<String>,
}

impl Coverage {
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }
}

/// What to do with a file that is not well-formed XML or not a JUnit report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OnMalformed {
    /// Stop with an error naming the file, line and column (exit 2).
    #[default]
    Error,
    /// Skip the file with a warning; the run is read from the other files.
    Warn,
}

/// What to do with a file pattern that matches no file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum OnMissing {
    /// Stop with an error (exit 2).
    Error,
    /// Add a warning to the run.
    #[default]
    Warn,
    /// Say nothing.
    Ignore,
}

/// Freeze mode settings.
#[derive(Default, Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Freeze {
    /// Pull requests that are fixes (a bug label, or a title matching
    /// `commits.fix_pattern`) pass while a fail rule is tripped.
    pub exempt_fixes: bool,
}

/// A compiled regex that serialises back to its source.
#[derive(Debug, Clone)]
pub struct Pattern(pub regex::Regex);

impl Pattern {
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl Serialize for Pattern {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.as_str())
    }
}

impl<'de> Deserialize<'de> for Pattern {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        regex::Regex::new(&s).map(Pattern).map_err(|e| {
            serde::de::Error::custom(format!(
                "`{s}` is not a valid regular expression: {}",
                first_line(&e.to_string())
            ))
        })
    }
}

impl JsonSchema for Pattern {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Regex".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        // Rust `regex` syntax (`(?P<name>…)`, `(?i)`), which JSON Schema validators'
        // `format: regex` (ECMA 262) would reject: a plain string, checked by slipgate.
        schemars::json_schema!({
            "type": "string",
            "minLength": 1,
            "description": "A regular expression in Rust `regex` syntax (https://docs.rs/regex), e.g. `^v?(?P<version>\\d+\\.\\d+\\.\\d+)$`; `slipgate policy check` validates it."
        })
    }
}

fn first_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty() && !l.starts_with('^') && !l.starts_with("regex parse error"))
        .unwrap_or(s)
        .to_string()
}

fn pattern(src: &str) -> Pattern {
    // Only called with the literal defaults below, which are valid.
    Pattern(regex::Regex::new(src).unwrap_or_else(|_| unreachable!("default pattern")))
}

/// `releases.tag_pattern`'s default.
pub const DEFAULT_TAG_PATTERN: &str = r"^v?(?P<version>\d+\.\d+\.\d+)$";
/// `commits.fix_pattern`'s default.
pub const DEFAULT_FIX_PATTERN: &str = r"(?i)^fix(\([^)]*\))?!?:";

impl Default for Releases {
    fn default() -> Self {
        Releases {
            tag_pattern: pattern(DEFAULT_TAG_PATTERN),
            include_prereleases: false,
            hotfix_window: Dur::days(7),
            paths: Paths::default(),
        }
    }
}

impl Default for Commits {
    fn default() -> Self {
        Commits {
            fix_pattern: pattern(DEFAULT_FIX_PATTERN),
        }
    }
}

impl Default for Issues {
    fn default() -> Self {
        Issues {
            bug_labels: vec!["bug".into()],
            incident_labels: vec!["incident".into()],
            regression_labels: vec!["regression".into()],
            severity_labels: IndexMap::new(),
            fix_slo: IndexMap::new(),
            response_labels: Vec::new(),
            response_slo: None,
        }
    }
}

impl Default for Tests {
    fn default() -> Self {
        Tests {
            paths: Vec::new(),
            on_malformed: OnMalformed::Error,
            on_missing: OnMissing::Warn,
        }
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            version: 1,
            window: Dur::days(90),
            releases: Releases::default(),
            commits: Commits::default(),
            issues: Issues::default(),
            tests: Tests::default(),
            metrics: ExternalMetrics::default(),
            coverage: Coverage::default(),
            freeze: Freeze::default(),
            rules: Vec::new(),
        }
    }
}

/// A policy that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("{file}:{line}:{column}: {message}{snippet}")]
    Invalid {
        file: String,
        line: u64,
        column: u64,
        message: String,
        snippet: String,
    },
}

impl PolicyError {
    /// The file, line and column the error is about.
    pub fn location(&self) -> crate::model::Place {
        let PolicyError::Invalid {
            file, line, column, ..
        } = self;
        crate::model::Place {
            file: file.clone(),
            line: Some(*line),
            column: Some(*column),
        }
    }

    /// The message alone, without the location and the quoted line.
    pub fn message(&self) -> &str {
        let PolicyError::Invalid { message, .. } = self;
        message
    }
}

/// Where a policy came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    File(PathBuf),
    BuiltIn,
}

impl Source {
    pub fn describe(&self) -> String {
        match self {
            Source::File(p) => p.display().to_string(),
            Source::BuiltIn => "built-in default (policies/default.yml)".to_string(),
        }
    }
}

/// A loaded, validated policy.
#[derive(Debug, Clone)]
pub struct LoadedPolicy {
    pub policy: Policy,
    pub source: Source,
    /// The rules, validated against the whole policy.
    pub rules: Vec<Rule>,
}

impl LoadedPolicy {
    /// What the rules that run on `trigger` need (every rule without a trigger), over the
    /// policy's window.
    pub fn needs_on(&self, trigger: Option<Trigger>) -> Needs {
        let rules: Vec<Rule> = (self.rules.iter())
            .filter(|r| trigger.is_none_or(|t| r.runs_on(t)))
            .cloned()
            .collect();
        Needs::of(&rules, self.policy.window.secs())
    }
}

/// The built-in default policy, loaded.
pub fn builtin() -> Result<LoadedPolicy, PolicyError> {
    from_text(DEFAULT_POLICY, "policies/default.yml", Source::BuiltIn)
}

/// Loads policy text read from `source`, naming it `name` in errors. Reading the file
/// (found by [`SEARCH_PATHS`] or named by `--policy`) is the edge's work: this layer is
/// handed the text.
pub fn from_text(text: &str, name: &str, source: Source) -> Result<LoadedPolicy, PolicyError> {
    let (policy, rules) = parse(text, name)?;
    Ok(LoadedPolicy {
        policy,
        rules,
        source,
    })
}

/// Parses and validates policy text; `file` names it in errors.
pub fn parse(text: &str, file: &str) -> Result<(Policy, Vec<Rule>), PolicyError> {
    // An empty file (or one with only comments) is the default policy.
    let mut policy: Policy = if text.lines().all(|l| {
        let t = l.trim();
        t.is_empty() || t.starts_with('#') || t == "---"
    }) {
        Policy::default()
    } else {
        serde_saphyr::from_str(text).map_err(|e| yaml_error(&e, text, file))?
    };
    // Errors found after parsing point at the key they are about.
    let spans = Spans::read(text);
    let at = |path: &[Step<'_>], message: String| located(text, file, spans.find(path), message);
    if policy.version != 1 {
        return Err(at(
            &[Step::Key("version")],
            format!(
                "unsupported policy version {}; this slipgate reads `version: 1`",
                policy.version
            ),
        ));
    }
    if policy.window.secs() <= 0 {
        return Err(at(
            &[Step::Key("window")],
            "`window` must be longer than 0".into(),
        ));
    }
    if policy
        .releases
        .tag_pattern
        .0
        .capture_names()
        .all(|n| n != Some("version"))
    {
        return Err(at(
            &[Step::Key("releases"), Step::Key("tag_pattern")],
            format!(
                "`releases.tag_pattern` `{}` has no named group `version`; write it as e.g. `^v?(?P<version>\\d+\\.\\d+\\.\\d+)$`",
                policy.releases.tag_pattern.as_str()
            ),
        ));
    }
    if let Some((path, message)) = text::problem(&policy) {
        return Err(at(&path, message));
    }
    for sev in policy.issues.severity_labels.keys() {
        if matches!(sev.as_str(), "none" | "total" | "overdue" | "oldest_age")
            || sev.trim().is_empty()
            || sev.contains('.')
        {
            return Err(at(
                &[
                    Step::Key("issues"),
                    Step::Key("severity_labels"),
                    Step::Key(sev),
                ],
                format!(
                    "severity name `{sev}` is reserved or invalid: `none` means no severity label, and `total`, `overdue`, `oldest_age` are `open_bugs` metrics; choose another name"
                ),
            ));
        }
    }
    for sev in policy.issues.fix_slo.keys() {
        if let Some(undefined) = policy.issues.undefined(sev) {
            return Err(at(
                &[Step::Key("issues"), Step::Key("fix_slo"), Step::Key(sev)],
                format!("`issues.fix_slo` names severity `{sev}`, {undefined}"),
            ));
        }
    }
    // A rule's key, else the rule itself.
    let rule_at = |i: usize, key: Option<&str>| {
        let item = [Step::Key("rules"), Step::Item(i)];
        key.and_then(|k| spans.find(&[item[0], item[1], Step::Key(k)]))
            .or_else(|| spans.find(&item))
    };
    let mut rules: Vec<Rule> = Vec::new();
    for (i, spec) in policy.rules.iter().enumerate() {
        let rule = spec
            .validate(&policy)
            .map_err(|p| located(text, file, rule_at(i, p.key), p.message))?;
        if let Some(first) = rules.iter().position(|r| r.name == rule.name) {
            // A name left out is derived from the metric: point there.
            let name_key = |s: &RuleSpec| if s.name.is_some() { "name" } else { "metric" };
            let key = name_key(spec);
            let first_line = rule_at(first, Some(name_key(&policy.rules[first])))
                .map(|(line, _)| format!(" (the first on line {line})"))
                .unwrap_or_default();
            return Err(located(
                text,
                file,
                rule_at(i, Some(key)),
                format!(
                    "two rules are named `{}`{first_line}; rule names must be unique",
                    rule.name
                ),
            ));
        }
        rules.push(rule);
    }
    policy.rules = policy
        .rules
        .iter()
        .zip(&rules)
        .map(|(spec, rule)| spec.filled(rule))
        .collect();
    Ok((policy, rules))
}

fn list_hint(known: &[&str]) -> String {
    if known.is_empty() {
        " (no severities are defined)".to_string()
    } else {
        format!(" (defined: {})", known.join(", "))
    }
}

/// An error at `at` (line and column; line 1 when unknown).
fn located(text: &str, file: &str, at: Option<spans::At>, message: String) -> PolicyError {
    let (line, column) = at.unwrap_or((1, 1));
    PolicyError::Invalid {
        file: file.to_string(),
        line,
        column,
        snippet: snippet(text, line),
        // Messages quote the file's values, which may hold line breaks or controls.
        message: crate::escape::line(&message).into_owned(),
    }
}

fn snippet(text: &str, line: u64) -> String {
    match text.lines().nth(line.saturating_sub(1) as usize) {
        Some(l) if !l.trim().is_empty() => format!("\n  {line:>4} | {}", crate::escape::line(l)),
        _ => String::new(),
    }
}

fn yaml_error(e: &serde_saphyr::Error, text: &str, file: &str) -> PolicyError {
    let at = e.location().map(|l| (l.line(), l.column()));
    let message = improve_message(&bare_message(&e.to_string()));
    located(text, file, at, message)
}

/// serde-saphyr renders its own location and snippet; keep only the message.
fn bare_message(raw: &str) -> String {
    let first = raw.lines().next().unwrap_or(raw).trim();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    // "line 3 column 5: " prefixes are dropped: the location is printed up front.
    if first.starts_with("line ")
        && let Some((_, rest)) = first.split_once(": ")
    {
        return rest.to_string();
    }
    first.to_string()
}

/// Says the parser's messages in the user's terms, and adds "did you mean" to
/// unknown-key and unknown-value errors.
fn improve_message(msg: &str) -> String {
    let plain = [
        (
            "cannot deserialize null",
            "this key has no value; give it one or leave the key out".to_string(),
        ),
        (
            "duplicate mapping key",
            format!(
                "the key `{}` appears twice here; keep one",
                msg.split("duplicate mapping key: ")
                    .nth(1)
                    .and_then(|r| r.split(',').next())
                    .unwrap_or("?")
            ),
        ),
        ("invalid boolean", "expected `true` or `false`".to_string()),
        (
            "invalid u32",
            "expected a whole number of 0 or more".to_string(),
        ),
        (
            "invalid u64",
            "expected a whole number of 0 or more".to_string(),
        ),
        (
            "expected sequence start",
            "expected a list, e.g. `[bug, defect]` or one `- item` per line".to_string(),
        ),
        (
            "expected mapping start",
            "expected keys and values (`key: value`, one per line)".to_string(),
        ),
        ("non-finite float", "expected a finite number".to_string()),
    ];
    for (needle, better) in plain {
        if msg.contains(needle) {
            return better;
        }
    }
    // Unknown keys, and unknown values of a fixed set (`on: [pull_requests]`).
    let (rest, what) = match (
        msg.split("unknown field `").nth(1),
        msg.split("unknown variant `").nth(1),
    ) {
        (Some(rest), _) => (rest, "key"),
        (None, Some(rest)) => (rest, "value"),
        (None, None) => return msg.to_string(),
    };
    let Some((field, expected)) = rest.split_once('`') else {
        return msg.to_string();
    };
    let expected = expected
        .trim_start_matches(',')
        .trim()
        .trim_start_matches("expected one of")
        .trim_start_matches("expected")
        .trim();
    let options: Vec<&str> = expected
        .split([',', ' '])
        .map(|s| s.trim().trim_matches('`'))
        .filter(|s| !s.is_empty() && *s != "or")
        .collect();
    match nearest(field, &options) {
        Some(best) => format!(
            "unknown {what} `{field}`; did you mean `{best}`? (valid here: {})",
            options.join(", ")
        ),
        None if options.is_empty() => format!("unknown {what} `{field}`"),
        None => format!(
            "unknown {what} `{field}` (valid here: {})",
            options.join(", ")
        ),
    }
}

/// The candidate closest to `word` by edit distance, if close enough to be a likely typo.
pub fn nearest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (levenshtein(&word.to_lowercase(), &c.to_lowercase()), *c))
        .filter(|(d, c)| *d <= (c.len().max(word.len()) / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The schema's `$id`: where the committed `slipgate.schema.json` is served from, as
/// named by the `# yaml-language-server: $schema=…` modeline of shipped policies.
pub const SCHEMA_ID: &str =
    "https://raw.githubusercontent.com/slipgate/slipgate/main/slipgate.schema.json";

/// The policy's JSON Schema (draft 2020-12), for editors and validators: `$id`
/// [`SCHEMA_ID`], metric names as an enum from [`metric::NAMES`], no `format: regex`.
pub fn json_schema() -> serde_json::Value {
    let mut schema = schemars::schema_for!(Policy);
    schema.insert("$id".into(), SCHEMA_ID.into());
    serde_json::to_value(schema).unwrap_or(serde_json::Value::Null)
}

/// `version`: 1, the only format there is.
fn version_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": "integer", "const": 1})
}

/// The effective policy as YAML (defaults filled in).
pub fn to_yaml(policy: &Policy) -> String {
    serde_saphyr::to_string(policy).unwrap_or_else(|e| format!("# cannot render the policy: {e}\n"))
}

#[cfg(test)]
mod tests;
