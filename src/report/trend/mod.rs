//! The trend (`slipgate trend`): its series worded as text tables, markdown and JSON.
//! `markdown` is the trend issue's body (also `trend --format markdown`); `text` and `json`
//! are the command's other formats.

pub mod history;
pub mod json;
pub mod markdown;
pub mod text;

use crate::metrics::trend::{Delta, Deltas, Series};
use crate::report::Format;
use crate::report::text::Style;
use crate::report::verdicts::render_value;

/// The trend as JSON, or else as text tables (markdown is the trend issue's page,
/// [`markdown::issue_body`]).
pub fn render(t: &crate::metrics::trend::Trend, format: Format, style: Style) -> String {
    match format {
        Format::Json => json::render(t),
        // `trend --format` does not offer openmetrics.
        Format::Text | Format::Markdown | Format::OpenMetrics => text::render(t, style),
    }
}

/// How many of the last periods a table shows.
pub const SHOWN_PERIODS: usize = 4;

/// The kinds of series, in the order the reports list them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Period,
    Release,
    Run,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Period, Kind::Release, Kind::Run];

    /// The series' values of this kind, in order, with each point's label.
    pub fn points(self, s: &Series) -> Vec<(String, Option<f64>)> {
        match self {
            Kind::Period => s
                .per_period
                .iter()
                .map(|p| (crate::model::rfc3339(p.end)[..10].to_string(), p.value))
                .collect(),
            Kind::Release => s
                .per_release
                .iter()
                .map(|p| (p.tag.clone(), p.value))
                .collect(),
            Kind::Run => s
                .per_run
                .iter()
                .map(|p| {
                    let id = p
                        .run
                        .clone()
                        .unwrap_or_else(|| p.commit.chars().take(7).collect());
                    (id, p.value)
                })
                .collect(),
        }
    }

    /// The delta of this kind among a metric's deltas.
    pub fn delta(self, d: &Deltas) -> Option<&Delta> {
        match self {
            Kind::Period => d.per_period.as_ref(),
            Kind::Release => d.per_release.as_ref(),
            Kind::Run => d.per_run.as_ref(),
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Kind::Period => "per period",
            Kind::Release => "per release",
            Kind::Run => "per test run",
        }
    }
}

/// A value in the metric's unit, `–` without one.
pub fn value(s: &Series, v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_string(), |v| render_value(&s.metric, v))
}

/// Whether a delta is an improvement (`Some(true)`), a worsening, or neither (no change).
pub fn is_good(s: &Series, d: &Delta) -> Option<bool> {
    let c = d.change?;
    (c != 0.0).then_some((c > 0.0) == s.up_is_good)
}

/// A delta as `▲ 2 (+25%)`, `▼ 3h (−10%)`, `= 0`, or `–` without one.
pub fn delta_text(s: &Series, d: Option<&Delta>) -> String {
    let Some(c) = d.and_then(|d| d.change) else {
        return "–".to_string();
    };
    let arrow = if c > 0.0 {
        "▲"
    } else if c < 0.0 {
        "▼"
    } else {
        "="
    };
    let amount = render_value(&s.metric, c.abs());
    match d.and_then(|d| d.share) {
        Some(share) => {
            let sign = if share >= 0.0 { "+" } else { "−" };
            format!("{arrow} {amount} ({sign}{:.0}%)", share.abs() * 100.0)
        }
        None => format!("{arrow} {amount}"),
    }
}
