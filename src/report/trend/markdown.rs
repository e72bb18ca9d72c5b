//! The trend as markdown: a minimal table per series kind until the trend issue's body
//! (headline, lead table, charts, team detail) lands here.

use super::{Kind, SHOWN_PERIODS, delta_text, value};
use crate::metrics::trend::Trend;
use crate::report::sanitize;

/// The trend as markdown.
pub fn markdown(t: &Trend) -> String {
    let mut out = String::from("## Quality trend\n");
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
        let shown = &points[points.len().saturating_sub(SHOWN_PERIODS)..];
        out.push_str(&format!("\n### {}\n\n| metric |", capital(kind.title())));
        for (label, _) in shown {
            out.push_str(&format!(" {} |", sanitize::code_cell(label)));
        }
        out.push_str(" delta |\n|---|");
        out.push_str(&"---:|".repeat(shown.len() + 1));
        out.push('\n');
        for (name, s) in rows {
            let points = kind.points(s);
            let shown = &points[points.len().saturating_sub(SHOWN_PERIODS)..];
            out.push_str(&format!("| {} |", sanitize::code_cell(name)));
            for (_, v) in shown {
                out.push_str(&format!(" {} |", value(s, *v)));
            }
            let d = t.deltas.get(name.as_str()).and_then(|d| kind.delta(d));
            out.push_str(&format!(" {} |\n", delta_text(s, d)));
        }
    }
    out
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
