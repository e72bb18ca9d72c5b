//! `slipgate export`: the repository's metrics written to a database.

use super::check::{self, Evaluation, GateRun};
use crate::cli::ExportArgs;
use crate::cli::request::{GithubSource, Session, TestSource, export_target};
use crate::error::{Error, Result, exit};
use crate::model::ExportTarget;

pub(super) fn export_command(s: &Session, args: &ExportArgs) -> Result<i32> {
    let target = export_target(Some(&args.to), &s.env)?;
    let github = GithubSource::new(&args.github, s);
    let tests = TestSource::new(&args.tests, s);
    let o = check::evaluate(
        s,
        &GateRun {
            export: true,
            ..GateRun::schedule(&github, tests)
        },
    )?;
    crate::publish::check::warn_all(s.quiet, &o.report.warnings);
    target.iter().try_for_each(|t| send(s, t, &o))?;
    Ok(exit::PASSED)
}

/// Writes the rows of `o` (built when the run asked for them) to `target`.
pub(super) fn send(s: &Session, target: &ExportTarget, o: &Evaluation) -> Result<()> {
    if let Some(rows) = &o.export {
        let msg =
            crate::publish::export::send(target, rows).map_err(|e| Error::Usage(e.to_string()))?;
        s.info(&format!("slipgate: {}", crate::escape::line(&msg)));
    }
    Ok(())
}
