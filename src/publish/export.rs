//! `slipgate export --to URL` and `check --export URL`: sends one evaluation to the target
//! the URL names ([`crate::model::ExportTarget`], checked by the CLI): its rows to
//! PostgreSQL, its OpenMetrics text to a Prometheus Pushgateway.

use crate::model::ExportTarget;
use crate::report::rows::ExportRows;
use crate::report::{Report, openmetrics};

/// Why an export failed (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Postgres(#[from] super::postgres::PgError),
    #[error(transparent)]
    Push(#[from] super::pushgateway::PushError),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
}

/// Writes `rows` (PostgreSQL) or `report` (Pushgateway) to `target`; returns what was
/// done, in one line. The one dispatch on the kind of target.
pub fn send(
    target: &ExportTarget,
    rows: &ExportRows,
    report: &Report,
) -> Result<String, ExportError> {
    match target {
        ExportTarget::Push(url, ca_file) => {
            let mut t = super::pushgateway::Target::new(url, &openmetrics::repo_label(report))?;
            t.ca_file.clone_from(ca_file);
            super::pushgateway::push(&openmetrics::render(report), &t)?;
            Ok(format!(
                "pushed the metrics to {}",
                super::pushgateway::redact(url)
            ))
        }
        ExportTarget::Postgres(t) => {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(ExportError::Runtime)?;
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
