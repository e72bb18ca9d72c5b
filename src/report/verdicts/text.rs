//! The verdicts for a terminal.

use super::{
    baseline_text, evidence_detail, evidence_id, evidence_text, fix_reason, reason, status_name,
    threshold, value_text,
};
use crate::escape::line as esc;
use crate::gate::{GateResult, Overall, Status};
use crate::report::Report;
use crate::report::text::{Style, table};

/// The verdicts for a terminal: `what` was judged (`quality gate`), under `policy` (its
/// source, described). Every field from data (rule names, reasons, evidence, notes) goes
/// through [`crate::escape::line`].
pub fn render(g: &GateResult, r: &Report, what: &str, policy: &str, style: Style) -> String {
    let mut s = String::new();
    let head = match g.overall {
        Overall::Fail => style.red(&format!("FAIL  {} failed", esc(what))),
        Overall::Warn => style.yellow(&format!("WARN  {} passed with warnings", esc(what))),
        Overall::Pass => style.green(&format!("PASS  {} passed", esc(what))),
    };
    s.push_str(&style.bold(&head));
    s.push_str(&format!(
        "  {}\n\n",
        style.dim(&format!(
            "{} rule{} on {} · as of {} · policy {}",
            g.verdicts.len(),
            if g.verdicts.len() == 1 { "" } else { "s" },
            g.trigger.map(|t| t.name()).unwrap_or("any event"),
            crate::model::rfc3339(r.evaluated_at),
            esc(policy)
        ))
    ));
    let rows: Vec<Vec<String>> = g
        .verdicts
        .iter()
        .map(|v| {
            let st = match v.status {
                Status::Fail => style.red("fail"),
                Status::Warn => style.yellow("warn"),
                Status::Pass => style.green("pass"),
                other => status_name(other).to_string(),
            };
            vec![
                st,
                esc(&v.rule).into_owned(),
                esc(&value_text(v)).into_owned(),
                esc(&threshold(v)).into_owned(),
                esc(&baseline_text(v).unwrap_or_default()).into_owned(),
            ]
        })
        .collect();
    if rows.is_empty() {
        s.push_str("no rule runs on this event\n");
    } else {
        s.push_str(&table(
            &["STATUS", "RULE", "VALUE", "THRESHOLD", "BASELINE"],
            &rows,
            &[0, 1, 3, 4],
            style,
        ));
    }
    for v in g
        .verdicts
        .iter()
        .filter(|v| v.status != Status::Pass || v.notable())
    {
        s.push_str(&format!(
            "\n{} {}\n  {}\n",
            style.bold(&esc(&v.rule)),
            style.dim(&format!("({})", status_name(v.status))),
            esc(&reason(v))
        ));
        for e in &v.evidence {
            let parts: Vec<String> = [evidence_id(e), evidence_text(e), evidence_detail(e)]
                .into_iter()
                .filter(|p| !p.is_empty())
                .map(|p| esc(&p).into_owned())
                .collect();
            s.push_str(&format!("    {}\n", parts.join(" — ")));
        }
    }
    if let Some(why) = &g.freeze_exemption {
        s.push_str(&format!(
            "\nfreeze mode: this pull request is a fix ({}), so tripped fail rules do not fail it\n",
            esc(&fix_reason(why))
        ));
    }
    if !g.not_on_this_event.is_empty() {
        let names: Vec<_> = g.not_on_this_event.iter().map(|n| esc(n)).collect();
        s.push_str(&style.dim(&format!("\nnot run on this event: {}\n", names.join(", "))));
    }
    for n in &r.notes {
        s.push_str(&format!("{} {}\n", style.yellow("note:"), esc(n)));
    }
    s
}
