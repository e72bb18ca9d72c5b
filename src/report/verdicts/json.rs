//! The gate's part of the JSON report (docs/json.md): the typed verdicts with their
//! wording beside them (`value_text`, `threshold`, `baseline_text`, `reason`, evidence).

use super::{
    baseline_text, evidence_detail, evidence_id, evidence_text, fix_reason, reason, subject,
    threshold, value_text,
};
use crate::gate::{Evidence, GateResult, Objective, Overall, RuleVerdict, Status, Unblock};
use crate::metrics::stats::MannWhitney;
use crate::policy::{Level, Trigger};
use serde::Serialize;

/// The gate's part of the JSON report (docs/json.md), for `#[serde(serialize_with)]`.
pub fn serialize<S: serde::Serializer>(g: &Option<GateResult>, s: S) -> Result<S::Ok, S::Error> {
    match g {
        Some(g) => GateJson::of(g).serialize(s),
        None => s.serialize_none(),
    }
}

#[derive(Serialize)]
struct GateJson<'a> {
    overall: Overall,
    trigger: Option<Trigger>,
    verdicts: Vec<VerdictJson<'a>>,
    not_on_this_event: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    freeze_exemption: Option<String>,
}

#[derive(Serialize)]
struct VerdictJson<'a> {
    rule: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    metric: String,
    scope: &'static str,
    subject: String,
    level: Level,
    status: Status,
    #[serde(serialize_with = "whole")]
    value: Option<f64>,
    value_text: String,
    threshold: String,
    #[serde(serialize_with = "whole")]
    baseline: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_text: Option<String>,
    samples: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mann_whitney: Option<MannWhitney>,
    reason: String,
    evidence: Vec<EvidenceJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    evidence_total: Option<usize>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    objectives: &'a [Objective],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    unblock: &'a [Unblock],
}

#[derive(Serialize)]
struct EvidenceJson<'a> {
    id: String,
    text: String,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
}

impl<'a> GateJson<'a> {
    fn of(g: &'a GateResult) -> GateJson<'a> {
        GateJson {
            overall: g.overall,
            trigger: g.trigger,
            verdicts: g.verdicts.iter().map(VerdictJson::of).collect(),
            not_on_this_event: &g.not_on_this_event,
            freeze_exemption: g.freeze_exemption.as_ref().map(fix_reason),
        }
    }
}

impl<'a> VerdictJson<'a> {
    fn of(v: &'a RuleVerdict) -> VerdictJson<'a> {
        VerdictJson {
            rule: &v.rule,
            description: v.description.as_deref(),
            metric: v.metric.to_string(),
            scope: v.scope.name(),
            subject: subject(&v.subject),
            level: v.level,
            status: v.status,
            value: v.value,
            value_text: value_text(v),
            threshold: threshold(v),
            baseline: v.baseline.as_ref().map(|b| b.value),
            baseline_text: baseline_text(v),
            samples: v.samples,
            mann_whitney: v.mann_whitney,
            reason: reason(v),
            evidence: v
                .evidence
                .iter()
                .map(|e| EvidenceJson {
                    id: evidence_id(e),
                    text: evidence_text(e),
                    detail: evidence_detail(e),
                    url: match e {
                        Evidence::Issue { url, .. } if !url.is_empty() => Some(url),
                        _ => None,
                    },
                })
                .collect(),
            evidence_total: v.evidence_total,
            objectives: &v.objectives,
            unblock: &v.unblock,
        }
    }
}

/// Whole numbers (durations in seconds, counts) as JSON integers; shares stay decimal.
fn whole<S: serde::Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(x) if x.fract() == 0.0 && x.abs() < 9.0e15 => s.serialize_i64(*x as i64),
        Some(x) => s.serialize_f64(*x),
        None => s.serialize_none(),
    }
}
