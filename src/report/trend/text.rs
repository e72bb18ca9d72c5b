//! The trend as text: one table per series kind (metric, the last values, the delta
//! coloured good or bad for that metric). Data (tags, run ids, severity names) goes
//! through [`crate::escape::line`].

use super::{Kind, SHOWN_PERIODS, delta_text, is_good, value};
use crate::duration::human;
use crate::escape::line as esc;
use crate::metrics::trend::Trend;
use crate::model::rfc3339;
use crate::report::text::{Style, table};
use std::fmt::Write;

/// Renders the trend for a terminal.
pub fn render(t: &Trend, style: Style) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}  {}",
        style.bold("slipgate trend"),
        style.dim(&format!(
            "evaluated at {} · periods of {}",
            rfc3339(t.evaluated_at),
            human(t.period_seconds)
        ))
    );
    for kind in Kind::ALL {
        let rows: Vec<_> = t
            .series
            .iter()
            .filter(|(_, s)| !kind.points(s).is_empty())
            .collect();
        let Some((_, first)) = rows.first() else {
            continue;
        };
        let points = kind.points(first);
        let shown = points.len().min(SHOWN_PERIODS);
        let labels: Vec<String> = points[points.len() - shown..]
            .iter()
            .map(|(l, _)| esc(l).into_owned())
            .collect();
        let mut header: Vec<&str> = vec!["metric"];
        header.extend(labels.iter().map(String::as_str));
        header.push("delta");
        let body: Vec<Vec<String>> = rows
            .iter()
            .map(|(name, s)| {
                let points = kind.points(s);
                let mut row = vec![esc(name).into_owned()];
                row.extend(
                    points[points.len().saturating_sub(shown)..]
                        .iter()
                        .map(|(_, v)| value(s, *v)),
                );
                let d = t.deltas.get(name.as_str()).and_then(|d| kind.delta(d));
                let text = delta_text(s, d);
                row.push(match d.and_then(|d| is_good(s, d)) {
                    Some(true) => style.green(&text),
                    Some(false) => style.red(&text),
                    None => text,
                });
                row
            })
            .collect();
        let _ = writeln!(out, "\n{}", style.bold(&format!("Trend {}", kind.title())));
        out.push_str(&table(&header, &body, &[0], style));
    }
    out
}
