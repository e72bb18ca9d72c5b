//! The metrics' notes, worded: things a reader must know to read the numbers right.

use crate::metrics::LabelNote;

/// A note on labels that match no issue, with the labels most used instead.
pub fn label_note(n: &LabelNote) -> String {
    let top = |most_used: &[(String, usize)]| {
        if most_used.is_empty() {
            "no issue has any label".to_string()
        } else {
            let list: Vec<String> = most_used
                .iter()
                .map(|(l, n)| format!("`{l}` ({n})"))
                .collect();
            format!("labels most used: {}", list.join(", "))
        }
    };
    match n {
        LabelNote::NoBugLabel { labels, most_used } => format!(
            "no issue carries a bug label ({}), so bug metrics are empty, not zero; set `issues.bug_labels` — {}",
            labels.join(", "),
            top(most_used)
        ),
        LabelNote::NoIncidentLabel { labels, most_used } => format!(
            "no issue carries an incident label ({}), so time to restore has no data; set `issues.incident_labels` — {}",
            labels.join(", "),
            top(most_used)
        ),
    }
}
