//! The trend as JSON (docs/json.md, "The trend"): `schema_version` 1, times in RFC 3339,
//! durations and counts as integers, shares as fractions, null without a value.

use crate::metrics::trend::{Delta, Series, Trend};
use crate::model::rfc3339;
use crate::policy::metric::Unit;
use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value;

#[derive(Serialize)]
struct Doc<'a> {
    schema_version: u32,
    evaluated_at: String,
    period_seconds: i64,
    series: IndexMap<&'a str, SeriesDoc<'a>>,
    deltas: IndexMap<&'a str, DeltasDoc>,
}

#[derive(Serialize)]
struct SeriesDoc<'a> {
    per_period: Vec<PeriodDoc>,
    per_release: Vec<ReleaseDoc<'a>>,
    per_run: Vec<RunDoc<'a>>,
}

#[derive(Serialize)]
struct PeriodDoc {
    start: String,
    end: String,
    value: Value,
}

#[derive(Serialize)]
struct ReleaseDoc<'a> {
    tag: &'a str,
    version: &'a str,
    time: String,
    value: Value,
}

#[derive(Serialize)]
struct RunDoc<'a> {
    run: Option<&'a str>,
    commit: &'a str,
    time: String,
    value: Value,
}

#[derive(Serialize)]
struct DeltasDoc {
    per_period: Option<DeltaDoc>,
    per_release: Option<DeltaDoc>,
    per_run: Option<DeltaDoc>,
}

#[derive(Serialize)]
struct DeltaDoc {
    last: Value,
    previous: Value,
    change: Value,
    share: Option<f64>,
}

/// A value in base units: durations and counts are whole numbers.
fn number(unit: Unit, v: Option<f64>) -> Value {
    match v {
        None => Value::Null,
        Some(v) if matches!(unit, Unit::Duration | Unit::Count) && v.is_finite() => {
            Value::from(v.round() as i64)
        }
        Some(v) => serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number),
    }
}

fn delta(unit: Unit, d: Option<&Delta>) -> Option<DeltaDoc> {
    d.map(|d| DeltaDoc {
        last: number(unit, d.last),
        previous: number(unit, d.previous),
        change: number(unit, d.change),
        share: d.share,
    })
}

fn series(s: &Series) -> SeriesDoc<'_> {
    let n = |v| number(s.unit, v);
    SeriesDoc {
        per_period: s
            .per_period
            .iter()
            .map(|p| PeriodDoc {
                start: rfc3339(p.start),
                end: rfc3339(p.end),
                value: n(p.value),
            })
            .collect(),
        per_release: s
            .per_release
            .iter()
            .map(|p| ReleaseDoc {
                tag: &p.tag,
                version: &p.version,
                time: rfc3339(p.time),
                value: n(p.value),
            })
            .collect(),
        per_run: s
            .per_run
            .iter()
            .map(|p| RunDoc {
                run: p.run.as_deref(),
                commit: &p.commit,
                time: rfc3339(p.time),
                value: n(p.value),
            })
            .collect(),
    }
}

pub fn render(t: &Trend) -> String {
    let doc = Doc {
        schema_version: crate::report::SCHEMA_VERSION,
        evaluated_at: rfc3339(t.evaluated_at),
        period_seconds: t.period_seconds,
        series: t
            .series
            .iter()
            .map(|(k, s)| (k.as_str(), series(s)))
            .collect(),
        deltas: t
            .series
            .iter()
            .map(|(k, s)| {
                let d = t.deltas.get(k);
                (
                    k.as_str(),
                    DeltasDoc {
                        per_period: delta(s.unit, d.and_then(|d| d.per_period.as_ref())),
                        per_release: delta(s.unit, d.and_then(|d| d.per_release.as_ref())),
                        per_run: delta(s.unit, d.and_then(|d| d.per_run.as_ref())),
                    },
                )
            })
            .collect(),
    };
    let s =
        serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    let mut s = crate::report::json::log_safe(&s);
    s.push('\n');
    s
}
