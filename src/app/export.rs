//! `slipgate export`: the repository's metrics written to a database or pushed to a
//! Pushgateway.

use super::check::{self, Evaluation};
use crate::cli::ExportArgs;
use crate::cli::read::GateRun;
use crate::cli::request::{GithubSource, Session, export_target, read_coverage};
use crate::error::{Error, Result, exit};
use crate::model::ExportTarget;

pub(super) fn export_command(s: &Session, args: &ExportArgs) -> Result<i32> {
    let target = export_target(Some(&args.to), &s.env)?;
    let github = GithubSource::new(&args.github, s);
    let coverage = read_coverage(s, &args.tests, None)?;
    let run = GateRun::scheduled(&github, &args.tests, coverage);
    let o = check::evaluate(
        s,
        &GateRun {
            export: true,
            ..run
        },
    )?;
    crate::publish::check::warn_all(s.quiet, &o.report.warnings);
    target.iter().try_for_each(|t| send(s, t, &o))?;
    Ok(exit::PASSED)
}

/// Writes the rows of `o` (built when the run asked for them) to `target`.
pub(super) fn send(s: &Session, target: &ExportTarget, o: &Evaluation) -> Result<()> {
    if let Some(rows) = &o.export {
        let msg = crate::publish::export::send(target, rows, &o.report)
            .map_err(|e| Error::Usage(e.to_string()))?;
        s.done(Some(&msg));
    }
    Ok(())
}
