//! `slipgate export --to URL` and `check --export URL`: sends one evaluation's rows to
//! the target the URL names ([`crate::model::ExportTarget`], checked by the CLI).

use crate::model::ExportTarget;
use crate::report::rows::ExportRows;

/// Why an export failed (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Postgres(#[from] super::postgres::PgError),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
}

/// Writes `rows` to `target`; returns what was done, in one line. The one dispatch on
/// the kind of target.
pub fn send(target: &ExportTarget, rows: &ExportRows) -> Result<String, ExportError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(ExportError::Runtime)?;
    match target {
        ExportTarget::Postgres(t) => {
            let w = rt.block_on(super::postgres::export(t, rows))?;
            let migrated = match w.migrated_from {
                v if v == super::postgres::SCHEMA_VERSION => String::new(),
                0 => format!(
                    "; created the schema slipgate (version {})",
                    super::postgres::SCHEMA_VERSION
                ),
                v => format!(
                    "; migrated the schema slipgate from version {v} to {}",
                    super::postgres::SCHEMA_VERSION
                ),
            };
            Ok(format!(
                "exported {} releases, {} period values and {} verdicts to {}{migrated}",
                w.releases,
                w.periods,
                w.verdicts,
                t.shown()
            ))
        }
    }
}
