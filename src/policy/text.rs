//! The policy's own words: rule and severity names, descriptions and labels are shown to
//! readers (verdicts, comments, step outputs) as written, so none may hold a character
//! a reader cannot see (controls, line breaks, bidi controls, zero-width and other
//! default-ignorable characters: [`crate::escape::is_hidden`]); a label must also be
//! one GitHub can hold: not empty, at most [`LABEL_MAX_CHARS`] characters.

use super::Policy;
use super::spans::Step;

/// The longest label GitHub accepts, in characters.
pub(super) const LABEL_MAX_CHARS: usize = 50;

/// What a checked string is.
#[derive(Clone, Copy)]
enum Kind {
    Name,
    Description,
    Label,
}

/// The first string of `policy` that cannot be shown or used as written: where it is
/// and what is wrong.
pub(super) fn problem(policy: &Policy) -> Option<(Vec<Step<'_>>, String)> {
    let issues = &policy.issues;
    let lists = [
        ("bug_labels", &issues.bug_labels),
        ("incident_labels", &issues.incident_labels),
        ("regression_labels", &issues.regression_labels),
        ("response_labels", &issues.response_labels),
    ];
    for (key, labels) in lists {
        for (i, label) in labels.iter().enumerate() {
            if let Some(p) = check(Kind::Label, &format!("`issues.{key}` label"), label) {
                return Some((vec![Step::Key("issues"), Step::Key(key), Step::Item(i)], p));
            }
        }
    }
    for (sev, labels) in &issues.severity_labels {
        let at = |rest: Option<Step<'static>>| {
            let mut path = vec![
                Step::Key("issues"),
                Step::Key("severity_labels"),
                Step::Key(sev),
            ];
            path.extend(rest);
            path
        };
        if let Some(p) = check(Kind::Name, "severity name", sev) {
            return Some((at(None), p));
        }
        for (i, label) in labels.iter().enumerate() {
            let what = "`issues.severity_labels` label";
            if let Some(p) = check(Kind::Label, what, label) {
                return Some((at(Some(Step::Item(i))), p));
            }
        }
    }
    for (i, rule) in policy.rules.iter().enumerate() {
        let fields = [
            ("name", Kind::Name, "rule name", &rule.name),
            (
                "description",
                Kind::Description,
                "rule description",
                &rule.description,
            ),
            (
                "waive_label",
                Kind::Label,
                "`waive_label`",
                &rule.waive_label,
            ),
        ];
        for (key, kind, what, value) in fields {
            if let Some(p) = value.as_deref().and_then(|v| check(kind, what, v)) {
                return Some((vec![Step::Key("rules"), Step::Item(i), Step::Key(key)], p));
            }
        }
    }
    None
}

/// What is wrong with `value`, a `kind` described as `what`.
fn check(kind: Kind, what: &str, value: &str) -> Option<String> {
    if let Some(c) = value.chars().find(|&c| crate::escape::is_hidden(c)) {
        let fix = match kind {
            Kind::Label => "GitHub labels are one line of visible characters",
            Kind::Name | Kind::Description => {
                "it is shown to readers as written, so use visible characters on one line"
            }
        };
        return Some(format!(
            "{what} `{value}` holds the hidden character {}; {fix}",
            crate::escape::visible(c)
        ));
    }
    if let Kind::Label = kind {
        let chars = value.chars().count();
        if value.trim().is_empty() {
            return Some(format!(
                "{what} is empty; give the label's name or leave it out"
            ));
        }
        if chars > LABEL_MAX_CHARS {
            return Some(format!(
                "{what} `{value}` is {chars} characters long; GitHub labels have at most {LABEL_MAX_CHARS}"
            ));
        }
    }
    None
}
