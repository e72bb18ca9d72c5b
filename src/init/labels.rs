//! Labels proposed for the policy from the ones a repository really uses (most used
//! first), by what their names say: `bug`, `C-bug`, `type: bug` are bug labels;
//! `critical`, `P0`, `sev1` a critical severity; and so on.

use regex::Regex;

/// The labels proposed for `issues`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LabelChoice {
    pub bug: Vec<String>,
    pub incident: Vec<String>,
    pub regression: Vec<String>,
    pub critical: Vec<String>,
    pub high: Vec<String>,
}

/// The longest label name proposed (GitHub's limit).
const MAX_CHARS: usize = 50;

/// Sorts the labels in use (`(name, uses)`, most used first) into the policy's kinds;
/// a label goes to the first kind whose words its name holds.
pub fn choose(used: &[(String, usize)]) -> LabelChoice {
    let kinds = [
        r"(?i)\bregress",
        r"(?i)\b(incident|outage)",
        r"(?i)(\bcritical\b|\bp0\b|\bsev(erity)?[-: ]?(0|1)\b|\bblocker\b|\burgent\b)",
        r"(?i)(\bhigh\b|\bp1\b|\bsev(erity)?[-: ]?2\b|\bmajor\b)",
        r"(?i)(\bbugs?\b|\bdefect|\bbug$|-bug\b|/bug\b)",
    ];
    let res: Vec<Regex> = kinds.iter().filter_map(|k| Regex::new(k).ok()).collect();
    let mut c = LabelChoice::default();
    for (name, _) in used {
        if name.chars().count() > MAX_CHARS || name.chars().any(crate::escape::is_hidden) {
            continue;
        }
        let Some(kind) = res.iter().position(|r| r.is_match(name)) else {
            continue;
        };
        let list = match kind {
            0 => &mut c.regression,
            1 => &mut c.incident,
            2 => &mut c.critical,
            3 => &mut c.high,
            _ => &mut c.bug,
        };
        list.push(name.clone());
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn used(names: &[&str]) -> Vec<(String, usize)> {
        names.iter().map(|n| (n.to_string(), 1)).collect()
    }

    #[test]
    fn labels_sort_into_kinds_keeping_their_order() {
        let c = choose(&used(&[
            "C-bug",
            "A-tokio",
            "type: bug",
            "regression-from-stable",
            "P-critical",
            "priority: high",
            "incident",
            "debugger",
            "bug",
        ]));
        assert_eq!(c.bug, vec!["C-bug", "type: bug", "bug"]);
        assert_eq!(c.regression, vec!["regression-from-stable"]);
        assert_eq!(c.critical, vec!["P-critical"]);
        assert_eq!(c.high, vec!["priority: high"]);
        assert_eq!(c.incident, vec!["incident"]);
    }

    #[test]
    fn hidden_characters_and_long_names_are_not_proposed() {
        let long = "bug".repeat(20);
        let c = choose(&used(&["bug\u{200b}", &long]));
        assert!(c.bug.is_empty());
    }
}
