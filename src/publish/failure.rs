//! The error path in GitHub Actions: a run that stops with exit 2 (a bad policy, a shallow
//! clone, a GitHub failure, bad input) still says so where a workflow looks: the step
//! output `verdict=error`, a job summary saying what went wrong and how to fix it, and an
//! `::error::` annotation, at the file, line and column when the error has them.

use crate::console::Stream;
use crate::model::Failure;
use crate::publish::actions::{self, Level};
use crate::report::{Format, failure};
use std::path::PathBuf;

/// Where a failed run reports in Actions.
#[derive(Debug, Clone, Default)]
pub struct Sink {
    /// Print the annotation (running in GitHub Actions).
    pub annotate: bool,
    /// The annotation goes to stderr (stdout carries JSON or markdown).
    pub to_stderr: bool,
    /// `GITHUB_OUTPUT`: `verdict=error` is appended.
    pub output_file: Option<PathBuf>,
    /// `GITHUB_STEP_SUMMARY`: the summary is appended.
    pub step_summary: Option<PathBuf>,
}

impl Sink {
    /// The sink of a run: the annotation when in GitHub Actions (`in_actions`, or an
    /// output or summary file given); `gate`: the stdout format, step outputs and summary
    /// files of `check` and `release-check`.
    pub fn new(in_actions: bool, gate: Option<(Format, Option<PathBuf>, Option<PathBuf>)>) -> Sink {
        let (format, output_file, step_summary) = gate.unwrap_or((Format::Text, None, None));
        Sink {
            annotate: in_actions || output_file.is_some() || step_summary.is_some(),
            to_stderr: format != Format::Text,
            output_file,
            step_summary,
        }
    }

    /// True when there is anything to write.
    pub fn is_active(&self) -> bool {
        self.annotate || self.output_file.is_some() || self.step_summary.is_some()
    }
}

/// The annotation line of `f`: at its place when it has one, else a plain `::error::`.
pub fn annotation(f: &Failure) -> String {
    match &f.place {
        Some(p) => actions::annotation_at(Level::Error, p, "slipgate", &f.brief),
        None => actions::annotation(Level::Error, "slipgate", &f.message),
    }
}

/// Writes the outputs, the summary and the annotation of `f`. A write that fails is a
/// warning on stderr: the run already fails with the error itself.
pub fn publish(sink: &Sink, f: &Failure) {
    let warn = |what: &str, path: &PathBuf, e: std::io::Error| {
        crate::console::eprint_line(&crate::escape::line(&format!(
            "warning: cannot write {what} `{}`: {e}",
            path.display()
        )));
    };
    if let Some(path) = &sink.output_file
        && let Err(e) = actions::write_outputs(path, &[("verdict", "error")])
    {
        warn("the step outputs (GITHUB_OUTPUT)", path, e);
    }
    if let Some(path) = &sink.step_summary
        && let Err(e) = actions::append_summary(path, &failure::summary(f))
    {
        warn("the job summary (GITHUB_STEP_SUMMARY)", path, e);
    }
    if sink.annotate {
        let to = if sink.to_stderr {
            Stream::Stderr
        } else {
            Stream::Stdout
        };
        crate::console::command(to, &annotation(f));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FailureKind, Place};

    #[test]
    fn located_failures_annotate_their_place_and_escape_everything() {
        let f = Failure {
            kind: FailureKind::Policy,
            message: "a,b:c.yml:2:3: bad\n  2 | x".into(),
            brief: "bad 100%\n::warning::x".into(),
            place: Some(Place {
                file: "a,b:c.yml".into(),
                line: Some(2),
                column: Some(3),
            }),
        };
        assert_eq!(
            annotation(&f),
            "::error file=a%2Cb%3Ac.yml,line=2,col=3,title=slipgate::bad 100%25%0A::warning::x"
        );
        let plain = Failure {
            place: None,
            message: "shallow\r\nclone".into(),
            ..f
        };
        assert_eq!(
            annotation(&plain),
            "::error title=slipgate::shallow%0D%0Aclone"
        );
    }
}
