//! The words of a run that stopped with an error (exit 2): the job summary that says what
//! went wrong and how to fix it.

use crate::model::{Failure, FailureKind, Place};
use crate::report::sanitize;

/// What to do about a failure of this kind (markdown: code in backticks).
pub fn advice(kind: FailureKind) -> &'static str {
    match kind {
        FailureKind::Policy => {
            "Correct the policy at that place; `slipgate policy check` checks it locally, and the modeline `# yaml-language-server: $schema=…` (see `slipgate.schema.json`) gives editors completion and checking."
        }
        FailureKind::File => {
            "Make the named file a regular UTF-8 file within the size limit, or name another one (`--policy`)."
        }
        FailureKind::Git => {
            "Run slipgate in a checkout of the repository; the message says what the repository needs."
        }
        FailureKind::Shallow => {
            "Fetch the whole history: set `fetch-depth: 0` on `actions/checkout` (locally: `git fetch --unshallow --tags`)."
        }
        FailureKind::Github => {
            "Check the token and its permissions (`issues: read`, `pull-requests: read`), or pass `--offline` to gate on git alone."
        }
        FailureKind::Tests => {
            "Check that the test step wrote its JUnit reports where `tests.paths` (or `--junit`) points, or set `tests.on_malformed: warn` to skip a broken report."
        }
        FailureKind::Input => {
            "Check the metrics, SARIF or coverage file named in the error (`--metrics`, `--sarif`, `--coverage` or the policy's `metrics.paths` / `coverage.paths`); `metrics.on_malformed: warn` skips a bad metrics line."
        }
        FailureKind::Usage => {
            "Check the flags (the action's `args` input) and the environment; `slipgate --help` lists them."
        }
        FailureKind::Io => "Check that the runner can write the named file.",
    }
}

/// `failed` or `errored`, for a failing test's annotation.
pub fn test_outcome(outcome: crate::model::TestOutcome) -> &'static str {
    match outcome {
        crate::model::TestOutcome::Errored => "errored",
        _ => "failed",
    }
}

/// The notice after the last failing-test annotation.
pub fn more_failing(n: usize) -> String {
    format!(
        "{n} more failing tests with a source location are not annotated; the job summary lists the failing tests"
    )
}

/// What stopped the run, as a heading.
fn headline(kind: FailureKind) -> &'static str {
    match kind {
        FailureKind::Policy => "the policy is invalid",
        FailureKind::File => "an input file cannot be read",
        FailureKind::Git => "the git repository cannot be read",
        FailureKind::Shallow => "the repository is a shallow clone",
        FailureKind::Github => "reading from GitHub failed",
        FailureKind::Tests => "the test results cannot be read",
        FailureKind::Input => "an input file cannot be read",
        FailureKind::Usage => "a flag or setting is wrong",
        FailureKind::Io => "an output cannot be written",
    }
}

/// `file:line:column`, as far as known.
pub fn place(p: &Place) -> String {
    let mut s = p.file.clone();
    for n in [p.line, p.column].into_iter().flatten() {
        s.push_str(&format!(":{n}"));
    }
    s
}

/// The job summary of a failed run: the kind, where, the message (data escaped), the fix.
pub fn summary(f: &Failure) -> String {
    let mut out = format!(
        "### ❌ slipgate: {}\n\nThe gate did not run (exit 2, step output `verdict=error`).\n\n",
        headline(f.kind)
    );
    match &f.place {
        Some(p) => out.push_str(&format!(
            "{}: {}\n\n",
            sanitize::code(&place(p)),
            sanitize::worded(&f.brief)
        )),
        None => out.push_str(&format!("{}\n\n", sanitize::worded(&f.message))),
    }
    out.push_str(&format!(
        "**How to fix:** {}\n",
        sanitize::worded(advice(f.kind))
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_policy_failure_names_its_place_and_the_fix() {
        let f = Failure {
            kind: FailureKind::Policy,
            message: "p.yml:3:5: unknown key `x`\n     3 | x: 1".into(),
            brief: "unknown key `x` @octocat".into(),
            place: Some(Place {
                file: "p.yml".into(),
                line: Some(3),
                column: Some(5),
            }),
        };
        let s = summary(&f);
        assert!(
            s.starts_with("### ❌ slipgate: the policy is invalid\n"),
            "{s}"
        );
        assert!(
            s.contains("`p.yml:3:5`: unknown key `x` @\u{2060}octocat"),
            "{s}"
        );
        assert!(s.contains("**How to fix:** Correct the policy"), "{s}");
        let shallow = Failure {
            kind: FailureKind::Shallow,
            message: "shallow\n::error::x".into(),
            brief: String::new(),
            place: None,
        };
        let s = summary(&shallow);
        assert!(
            s.contains("shallow \\:\\:error\\:\\:x") || !s.contains("\n::error"),
            "{s}"
        );
        assert!(s.contains("`fetch-depth: 0`"), "{s}");
    }
}
