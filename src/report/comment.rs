//! The markdown body of the pull request comment, the job summary and the trend issue:
//! headline, verdicts, the release metrics folded away, and the footer. The hidden
//! markers that find a comment again are added by `publish::markers`.

use super::{Report, markdown, verdicts};
use crate::gate::GateResult;

/// What the body says besides the verdicts.
#[derive(Debug, Clone, Copy, Default)]
pub struct Lead<'a> {
    /// A paragraph under the headline (release readiness).
    pub text: Option<&'a str>,
    /// The previous run of this gate failed and this one does not.
    pub recovered: bool,
}

/// The body for a gate run on `what` ("quality gate", "release readiness of v1.2.0").
pub fn body(report: &Report, gate: &GateResult, what: &str, lead: Lead<'_>) -> String {
    let mut s = format!("## {}\n\n", verdicts::markdown::headline(gate, what));
    if let Some(text) = lead.text {
        s.push_str(text);
        s.push_str("\n\n");
    }
    if lead.recovered {
        s.push_str("🎉 **Recovered:** the previous run of this gate failed; no fail rule is tripped now.\n\n");
    }
    s.push_str(&verdicts::markdown::render(gate, &report.links));
    s.push_str("\n<details><summary>Release metrics</summary>\n\n");
    s.push_str(&markdown::render(report));
    s.push_str("\n</details>\n\n");
    s.push_str(&markdown::footer(report));
    s
}
