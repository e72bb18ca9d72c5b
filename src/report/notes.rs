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

/// GitHub could not be read (`err`) and no fail-level rule needs it.
pub fn github_unread(err: &dyn std::fmt::Display) -> String {
    format!("GitHub could not be read, so the rules that need it report not enough data: {err}")
}

/// What `release-check` judges: the release readiness of `tag`, or of the unreleased
/// changes.
pub fn release_readiness(tag: Option<&str>) -> String {
    match tag {
        Some(t) => format!("release readiness of {t}"),
        None => "release readiness".to_string(),
    }
}

/// Change failure rate without GitHub data.
pub const HOTFIX_SIGNAL_ONLY: &str = "change failure rate counts the hotfix signal only: without GitHub data, incidents and regressions are not counted";

/// `release-check --tag`: the release is judged as of its release time `at`.
pub fn judged_as_of(tag: &str, at: crate::model::Timestamp) -> String {
    format!(
        "judging {tag} as of its release time ({}), not --now",
        crate::model::rfc3339(at)
    )
}

/// A policy (`policy`: its description) without rules.
pub fn no_rules(policy: &str) -> String {
    format!(
        "the policy ({policy}) has no rules, so the gate always passes; add `rules:` (see policies/default.yml)"
    )
}

/// An event that maps to no trigger.
pub fn unknown_event(name: &str) -> String {
    format!(
        "event `{name}` is none of pull_request, push, release, schedule (or their kin), so every rule runs; pass --trigger to choose"
    )
}

/// `policy check`: the policy (`policy`: its description) is valid and has `rules` rules.
pub fn policy_ok(policy: &str, rules: usize) -> String {
    let s = if rules == 1 { "" } else { "s" };
    format!("policy OK: {policy} ({rules} rule{s})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_note_names_the_labels_most_used() {
        let note = label_note(&LabelNote::NoBugLabel {
            labels: vec!["bug".into()],
            most_used: vec![("type: bug".into(), 1)],
        });
        assert!(note.contains("(bug)"), "{note}");
        assert!(note.contains("`type: bug` (1)"), "{note}");
    }
}
