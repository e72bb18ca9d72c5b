//! Rules: one metric, one scope, thresholds, and how a verdict is reached.

use super::metric::{Metric, NAMES, OpenAgg, Scope, Unit};
use super::{Policy, nearest};
use crate::duration::{self, Dur};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How bad a tripped rule is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Reported, never fails the build.
    Warn,
    /// Fails the build (exit 1).
    Fail,
}

/// The events a rule is evaluated on (`on:`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    PullRequest,
    Push,
    Release,
    Schedule,
}

impl Trigger {
    pub const ALL: [Trigger; 4] = [
        Trigger::PullRequest,
        Trigger::Push,
        Trigger::Release,
        Trigger::Schedule,
    ];

    pub fn as_str(self) -> &'static str {
        self.name()
    }

    pub fn name(self) -> &'static str {
        match self {
            Trigger::PullRequest => "pull_request",
            Trigger::Push => "push",
            Trigger::Release => "release",
            Trigger::Schedule => "schedule",
        }
    }

    /// The trigger of a GitHub Actions event name (`GITHUB_EVENT_NAME`).
    pub fn from_event(event: &str) -> Option<Trigger> {
        match event {
            "pull_request" | "pull_request_target" => Some(Trigger::PullRequest),
            "push" | "merge_group" => Some(Trigger::Push),
            "release" => Some(Trigger::Release),
            "schedule" | "workflow_dispatch" => Some(Trigger::Schedule),
            _ => None,
        }
    }
}

impl fmt::Display for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A threshold as written: a number (`5`), a duration (`14d`) or a percentage (`99.5%`).
#[derive(Debug, Clone, PartialEq)]
pub enum Threshold {
    Number(f64),
    Duration(Dur),
    Percent(f64),
}

impl Threshold {
    fn parse(text: &str) -> Result<Threshold, String> {
        let t = text.trim();
        if let Some(p) = t.strip_suffix('%') {
            return p
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .map(Threshold::Percent)
                .ok_or_else(|| format!("`{text}` is not a percentage; write e.g. `99.5%`"));
        }
        if let Ok(n) = t.parse::<f64>() {
            return if n.is_finite() {
                Ok(Threshold::Number(n))
            } else {
                Err(format!("`{text}` is not a finite number"))
            };
        }
        duration::parse(t).map(Threshold::Duration).map_err(|_| {
            format!("`{text}` is not a threshold; write a number (`5`), a duration (`14d`) or a percentage (`99.5%`)")
        })
    }

    /// The threshold in the metric's own unit (seconds, fraction, count), or why it does
    /// not fit the metric.
    pub fn value_for(&self, metric: &Metric) -> Result<f64, String> {
        match (metric.unit(), self) {
            (Unit::Duration, Threshold::Duration(d)) => Ok(d.secs() as f64),
            (Unit::Duration, Threshold::Number(n)) if *n == 0.0 => Ok(0.0),
            (Unit::Duration, _) => Err(format!(
                "`{metric}` is a duration; write its thresholds as `45m`, `36h`, `7d` or `2w`"
            )),
            (Unit::Ratio, Threshold::Percent(p)) => Ok(p / 100.0),
            (Unit::Ratio, _) => Err(format!(
                "`{metric}` is a share; write its thresholds as a percentage, e.g. `95%`"
            )),
            (Unit::Count | Unit::Number, Threshold::Number(n)) => Ok(*n),
            // External samples may be percentages (`unit: %`, stored as shares).
            (Unit::Number, Threshold::Percent(p)) if matches!(metric, Metric::External { .. }) => {
                Ok(p / 100.0)
            }
            (Unit::Count, _) => Err(format!(
                "`{metric}` is a count; write its thresholds as a number, e.g. `5`"
            )),
            (Unit::Number, _) => Err(format!(
                "`{metric}` is a number; write its thresholds as a number, e.g. `2.5`"
            )),
        }
    }

    /// A slip threshold (`max_increase`, `max_decrease`) as a fraction.
    fn slip_fraction(&self, key: &str) -> Result<f64, String> {
        match self {
            Threshold::Percent(p) if *p >= 0.0 => Ok(p / 100.0),
            _ => Err(format!(
                "`{key}` is a relative change; write it as a percentage, e.g. `20%`"
            )),
        }
    }
}

impl fmt::Display for Threshold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Threshold::Number(n) => write!(f, "{n}"),
            Threshold::Duration(d) => f.write_str(&duration::compact(d.secs())),
            Threshold::Percent(p) => write!(f, "{p}%"),
        }
    }
}

impl Serialize for Threshold {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Threshold::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => {
                s.serialize_i64(*n as i64)
            }
            Threshold::Number(n) => s.serialize_f64(*n),
            other => s.serialize_str(&other.to_string()),
        }
    }
}

impl<'de> Deserialize<'de> for Threshold {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Threshold;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number (`5`), a duration (`14d`) or a percentage (`99.5%`)")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Threshold, E> {
                Ok(Threshold::Number(v as f64))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Threshold, E> {
                Ok(Threshold::Number(v as f64))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Threshold, E> {
                if v.is_finite() {
                    Ok(Threshold::Number(v))
                } else {
                    Err(E::custom("a threshold must be a finite number"))
                }
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Threshold, E> {
                Threshold::parse(v).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for Threshold {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Threshold".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A number (`5`), a duration (`14d`) or a percentage (`99.5%`), matching the metric's unit.",
            "anyOf": [
                {"type": "number"},
                {"type": "string", "pattern": "^\\s*(-?[0-9.]+\\s*%|(\\d+\\s*[smhdw]\\s*)+|-?[0-9.]+)\\s*$"}
            ]
        })
    }
}

/// What a slip rule compares against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Baseline {
    /// The release before the one measured (for `candidate`: the latest release).
    PreviousRelease,
    /// The median of the metric over the N releases before the one measured.
    MedianOfLast(u32),
    /// The metric over the span of this length just before the measured scope starts.
    Trailing(Dur),
}

impl Serialize for Baseline {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            Baseline::PreviousRelease => s.serialize_str("previous_release"),
            Baseline::MedianOfLast(n) => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("median_of_last", n)?;
                m.end()
            }
            Baseline::Trailing(d) => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("trailing", d)?;
                m.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Baseline {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        const HELP: &str = "`previous_release`, `{median_of_last: 5}` or `{trailing: 90d}`";
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Baseline;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a baseline: {HELP}")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Baseline, E> {
                match v.trim() {
                    "previous_release" => Ok(Baseline::PreviousRelease),
                    other => Err(E::custom(format!(
                        "unknown baseline `{other}`; write {HELP}"
                    ))),
                }
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Baseline, A::Error> {
                use serde::de::Error;
                let Some(key) = map.next_key::<String>()? else {
                    return Err(A::Error::custom(format!("an empty baseline; write {HELP}")));
                };
                let out = match key.as_str() {
                    "median_of_last" => {
                        let n: u32 = map.next_value()?;
                        if n == 0 {
                            return Err(A::Error::custom(
                                "`median_of_last` needs at least 1 release",
                            ));
                        }
                        Baseline::MedianOfLast(n)
                    }
                    "trailing" => {
                        let d: Dur = map.next_value()?;
                        if d.secs() <= 0 {
                            return Err(A::Error::custom("`trailing` must be longer than 0"));
                        }
                        Baseline::Trailing(d)
                    }
                    other => {
                        let hint = nearest(other, &["median_of_last", "trailing"])
                            .map(|n| format!("did you mean `{n}`? "))
                            .unwrap_or_default();
                        return Err(A::Error::custom(format!(
                            "unknown baseline `{other}`; {hint}write {HELP}"
                        )));
                    }
                };
                if map.next_key::<String>()?.is_some() {
                    return Err(A::Error::custom(format!(
                        "a baseline has one key; write {HELP}"
                    )));
                }
                Ok(out)
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for Baseline {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Baseline".into()
    }
    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let mut trailing = g.subschema_for::<Dur>();
        trailing.insert(
            "description".into(),
            "The metric over a span of this length just before the measured scope starts, e.g. `90d`.".into(),
        );
        schemars::json_schema!({
            "description": "What a slip threshold compares against.",
            "oneOf": [
                {"const": "previous_release", "description": "The release before the one measured (for `candidate`: the latest release)."},
                {"type": "object", "properties": {"median_of_last": {"type": "integer", "minimum": 1, "description": "The median of the metric over this many releases before the one measured."}}, "required": ["median_of_last"], "additionalProperties": false},
                {"type": "object", "properties": {"trailing": trailing}, "required": ["trailing"], "additionalProperties": false}
            ]
        })
    }
}

/// A rule as written in the policy file.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// A unique name, shown in verdicts (default: the metric and scope).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Why the rule exists; shown beside a tripped rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The metric, e.g. `lead_time.p90`, `defect_rate`, `open_bugs.critical`, `tests.pass_rate`.
    #[schemars(schema_with = "super::metric::json_schema")]
    pub metric: String,
    /// `candidate`, `latest_release` or `window` (default depends on the metric).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
    /// The window for `scope: window` (default: the policy's `window`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<Dur>,
    /// Fails when the value is above this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<Threshold>,
    /// Fails when the value is below this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<Threshold>,
    /// Fails when the value rose more than this percentage over the baseline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_increase: Option<Threshold>,
    /// Fails when the value fell more than this percentage below the baseline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_decrease: Option<Threshold>,
    /// `coverage.lines`, `coverage.branches`: fails when the share fell more than this
    /// many percentage points (`0.5`) below the previous recorded run on the default branch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<f64>")]
    pub max_drop: Option<Threshold>,
    /// The baseline of a slip threshold (default `previous_release`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Baseline>,
    /// Below this many samples the rule reports "not enough data" and never fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_samples: Option<u32>,
    /// For distribution metrics with a slip threshold: fail only when a one-sided
    /// Mann-Whitney U test says the current sample is larger at this confidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
    /// `fail` (default) or `warn`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    /// The events the rule runs on (default: all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<Vec<Trigger>>,
    /// A pull request carrying this label passes this rule (the waiver is shown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waive_label: Option<String>,
}

/// A validated rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub name: String,
    pub description: Option<String>,
    pub metric: Metric,
    pub scope: Scope,
    /// The window of a window-scoped rule (the policy's when the rule sets none).
    pub window: Dur,
    /// `max` as written and in the metric's unit.
    pub max: Option<(Threshold, f64)>,
    pub min: Option<(Threshold, f64)>,
    /// Fractions (0.2 for 20%).
    pub max_increase: Option<f64>,
    pub max_decrease: Option<f64>,
    /// Percentage points (0.5): the largest drop below the previous run on the default
    /// branch (coverage shares only).
    pub max_drop: Option<f64>,
    pub baseline: Option<Baseline>,
    pub min_samples: u32,
    pub confidence: Option<f64>,
    pub level: Level,
    pub on: Vec<Trigger>,
    pub waive_label: Option<String>,
}

impl Rule {
    pub fn runs_on(&self, trigger: Trigger) -> bool {
        self.on.contains(&trigger)
    }

    pub fn is_slip(&self) -> bool {
        self.max_increase.is_some() || self.max_decrease.is_some()
    }
}

/// Why a rule is invalid: what to change, and the rule's key it is about (`None`: the
/// rule as a whole), so the error points at that key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleProblem {
    pub key: Option<&'static str>,
    pub message: String,
}

/// A problem with the rule's `key`.
fn at(key: &'static str) -> impl FnOnce(String) -> RuleProblem {
    move |message| RuleProblem {
        key: Some(key),
        message,
    }
}

impl RuleSpec {
    /// Checks the rule against the whole policy; the message says what to change.
    pub fn validate(&self, policy: &Policy) -> Result<Rule, RuleProblem> {
        let metric = Metric::parse(self.metric.trim())
            .ok_or_else(|| at("metric")(unknown_metric(&self.metric)))?;
        if let Metric::OpenBugs(OpenAgg::Severity(sev)) = &metric
            && let Some(undefined) = policy.issues.undefined(sev)
        {
            return Err(at("metric")(format!(
                "`{metric}` names severity `{sev}`, {undefined}"
            )));
        }
        if matches!(
            metric,
            Metric::BugFixWithinSlo | Metric::OpenBugs(OpenAgg::Overdue)
        ) && policy.issues.fix_slo.is_empty()
        {
            return Err(at("metric")(format!(
                "`{metric}` needs fix objectives: set `issues.fix_slo`, e.g. `{{critical: 2d, high: 7d}}`"
            )));
        }
        if metric == Metric::FirstResponseWithinSlo && policy.issues.response_slo.is_none() {
            return Err(at("metric")(format!(
                "`{metric}` needs a first-response objective: set `issues.response_slo`, e.g. `2d`"
            )));
        }
        let scope = self.scope.unwrap_or_else(|| metric.default_scope());
        if !metric.scopes().contains(&scope) {
            let ok: Vec<&str> = metric.scopes().iter().map(|s| s.name()).collect();
            let key = if self.scope.is_some() {
                "scope"
            } else {
                "metric"
            };
            return Err(at(key)(format!(
                "`{metric}` cannot be measured with `scope: {}`; use {}",
                scope.name(),
                ok.join(" or ")
            )));
        }
        if let Some(w) = self.window {
            if scope != Scope::Window {
                return Err(at("window")(format!(
                    "`window` applies to `scope: window` only, and this rule's scope is `{}`",
                    scope.name()
                )));
            }
            if w.secs() <= 0 {
                return Err(at("window")("`window` must be longer than 0".into()));
            }
        }
        let checked = |t: &Threshold, key: &'static str| -> Result<f64, RuleProblem> {
            let v = t.value_for(&metric).map_err(at(key))?;
            if v < 0.0 && !matches!(metric, Metric::External { .. }) {
                return Err(at(key)(format!(
                    "`{key}: {t}` is negative; `{metric}` is never below 0"
                )));
            }
            if metric.unit() == Unit::Ratio && v > 1.0 {
                return Err(at(key)(format!(
                    "`{key}: {t}` is above 100%; `{metric}` is a share, at most 100%"
                )));
            }
            Ok(v)
        };
        let max = match &self.max {
            Some(t) => Some((t.clone(), checked(t, "max")?)),
            None => None,
        };
        let min = match &self.min {
            Some(t) => Some((t.clone(), checked(t, "min")?)),
            None => None,
        };
        if let (Some((_, hi)), Some((_, lo))) = (&max, &min)
            && lo > hi
        {
            return Err(at("min")(
                "`min` is above `max`; no value could pass".into(),
            ));
        }
        let max_increase = self
            .max_increase
            .as_ref()
            .map(|t| t.slip_fraction("max_increase"))
            .transpose()
            .map_err(at("max_increase"))?;
        let max_decrease = self
            .max_decrease
            .as_ref()
            .map(|t| t.slip_fraction("max_decrease"))
            .transpose()
            .map_err(at("max_decrease"))?;
        if max_decrease.is_some_and(|d| d > 1.0) {
            return Err(at("max_decrease")(
                "`max_decrease` above 100% could never trip: a value cannot fall by more than 100%"
                    .into(),
            ));
        }
        let slip = max_increase.is_some() || max_decrease.is_some();
        let slip_key = if max_increase.is_some() {
            "max_increase"
        } else {
            "max_decrease"
        };
        let max_drop = self
            .max_drop
            .as_ref()
            .map(|t| max_drop_points(t, &metric, slip, self.baseline.is_some()))
            .transpose()
            .map_err(at("max_drop"))?;
        if max.is_none() && min.is_none() && !slip && max_drop.is_none() {
            return Err(RuleProblem {
                key: None,
                message: format!(
                    "the rule on `{metric}` has no threshold; set `max`, `min`, `max_increase` or `max_decrease`"
                ),
            });
        }
        let baseline = match (&self.baseline, slip) {
            (Some(_), false) => {
                return Err(at("baseline")(
                    "`baseline` is used only with `max_increase` or `max_decrease`".into(),
                ));
            }
            // An external metric's slip compares with the same-length window just before.
            (None, true) if matches!(metric, Metric::External { .. }) => {
                Some(Baseline::Trailing(self.window.unwrap_or(policy.window)))
            }
            (b, true) => Some(b.clone().unwrap_or(Baseline::PreviousRelease)),
            (None, false) => None,
        };
        if slip && metric.is_point_in_time() {
            return Err(at(slip_key)(format!(
                "`{metric}` is measured only now, so it has no baseline; use `max` or `min`"
            )));
        }
        if slip && scope == Scope::Window && !matches!(baseline, Some(Baseline::Trailing(_))) {
            let key = if self.baseline.is_some() {
                "baseline"
            } else {
                slip_key
            };
            return Err(at(key)("a window-scoped slip rule compares with the span before it: set `baseline: {trailing: 90d}`".into()));
        }
        if let Some(c) = self.confidence {
            let bad = at("confidence");
            if !(c > 0.0 && c < 1.0) {
                return Err(bad(format!(
                    "`confidence` must lie between 0 and 1 (e.g. 0.95), not {c}"
                )));
            }
            if !metric.is_distribution() {
                return Err(bad(format!(
                    "`confidence` needs a distribution metric (lead_time, bug_fix_time, time_to_restore, pr_cycle_time p50/p90/max), not `{metric}`"
                )));
            }
            if max_decrease.is_some() {
                return Err(bad(
                    "`confidence` tests whether values rose, so it applies to `max_increase` alone; put `max_decrease` in a rule of its own".into(),
                ));
            }
            if max_increase.is_none() {
                let has = match (max.is_some(), min.is_some()) {
                    (true, true) => "`max` and `min`",
                    (false, true) => "`min`",
                    _ => "`max`",
                };
                return Err(bad(format!(
                    "`confidence` applies to `max_increase` only (it tests whether values rose over the baseline), and this rule has {has}, a fixed limit with no baseline to test; remove `confidence`, or gate on a rise with `max_increase` (e.g. `max_increase: 20%`) instead"
                )));
            }
        }
        if let Some(l) = &self.waive_label
            && l.trim().is_empty()
        {
            return Err(at("waive_label")("`waive_label` is empty".into()));
        }
        let on = match &self.on {
            Some(v) if v.is_empty() => {
                return Err(at("on")(
                    "`on` is empty, so the rule would never run; remove it to run on every event"
                        .into(),
                ));
            }
            Some(v) => v.clone(),
            None => Trigger::ALL.to_vec(),
        };
        if let Some(n) = &self.name {
            if n.trim().is_empty() {
                return Err(at("name")(
                    "`name` is empty; give the rule a name or leave `name` out".into(),
                ));
            }
            if n.contains([',', '\n', '\r']) {
                return Err(at("name")(format!(
                    "rule name `{}` contains a comma or a line break; names are listed comma-separated in the `failed-rules` output",
                    n.escape_debug()
                )));
            }
        }
        let name = self.name.clone().unwrap_or_else(|| {
            if metric.is_point_in_time() {
                metric.to_string()
            } else {
                format!("{metric} ({})", scope.name())
            }
        });
        Ok(Rule {
            name,
            description: self.description.clone(),
            metric,
            scope,
            window: self.window.unwrap_or(policy.window),
            max,
            min,
            max_increase,
            max_decrease,
            max_drop,
            baseline,
            min_samples: self.min_samples.unwrap_or(0),
            confidence: self.confidence,
            level: self.level.unwrap_or(Level::Fail),
            on,
            waive_label: self.waive_label.clone(),
        })
    }

    /// This spec with every default written out, for the effective policy.
    pub fn filled(&self, rule: &Rule) -> RuleSpec {
        RuleSpec {
            name: Some(rule.name.clone()),
            scope: (!rule.metric.is_point_in_time()).then_some(rule.scope),
            window: (rule.scope == Scope::Window && !rule.metric.is_point_in_time())
                .then_some(rule.window),
            baseline: rule.baseline.clone(),
            min_samples: Some(rule.min_samples),
            level: Some(rule.level),
            on: Some(rule.on.clone()),
            ..self.clone()
        }
    }
}

/// `max_drop` in percentage points, or why it does not fit the rule.
fn max_drop_points(
    t: &Threshold,
    metric: &Metric,
    slip: bool,
    baseline: bool,
) -> Result<f64, String> {
    use super::metric::CoverageAgg;
    if metric.unit() != Unit::Ratio {
        return Err(format!(
            "`max_drop` is in percentage points of a share, and `{metric}` is not a share; use `max_decrease` (a relative change, e.g. `20%`)"
        ));
    }
    if !matches!(
        metric,
        Metric::Coverage(CoverageAgg::Lines | CoverageAgg::Branches)
    ) {
        return Err(format!(
            "`max_drop` compares with the previous run on the default branch, which the run history keeps for `coverage.lines` and `coverage.branches` only; for `{metric}` use `min` or `max_decrease`"
        ));
    }
    if slip || baseline {
        return Err(
            "`max_drop` compares with the previous run on the default branch; remove `baseline`, `max_increase` and `max_decrease` from this rule".into(),
        );
    }
    match t {
        Threshold::Number(n) if (0.0..=100.0).contains(n) => Ok(*n),
        Threshold::Number(n) => Err(format!(
            "`max_drop: {n}` must lie between 0 and 100 percentage points, e.g. `0.5`"
        )),
        _ => Err(format!(
            "`max_drop` is a number of percentage points, e.g. `max_drop: 0.5`, not `{t}`"
        )),
    }
}

fn unknown_metric(name: &str) -> String {
    if let Some(rest) = name.trim().strip_prefix("external.") {
        let (n, _) = rest.rsplit_once('.').unwrap_or((rest, ""));
        if !crate::policy::metric::valid_external_name(n) {
            return format!(
                "`{}` is not an external metric name: write `external.<name>.<aggregate>`, the name made of letters, digits, `_`, `.` and `-` (at most 100), as in the `--metrics` files",
                n.escape_debug()
            );
        }
        return format!(
            "`{}` has no aggregate; write `external.{n}.latest`, `.mean`, `.min`, `.max`, `.p50` or `.p90`",
            name.trim().escape_debug()
        );
    }
    let hint = nearest(name.trim(), NAMES)
        .map(|n| format!("did you mean `{n}`? "))
        .unwrap_or_default();
    format!(
        "unknown metric `{}`; {hint}valid metrics: {}",
        name.trim(),
        NAMES.join(", ")
    )
}
