//! `slipgate export --to URL`: where the report goes, by the URL's scheme.

use crate::report::{Report, openmetrics};

/// Exports `report` to `to`: a Pushgateway for `http(s)://` (the OpenMetrics text,
/// grouped by the repository). Errors carry the URL with its credentials redacted.
pub fn export(to: &str, report: &Report) -> Result<(), String> {
    let scheme = to.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
    match scheme.as_deref() {
        Some("http" | "https") => {
            let target = super::pushgateway::Target::new(to, &openmetrics::repo_label(report))
                .map_err(|e| e.to_string())?;
            super::pushgateway::push(&openmetrics::render(report), &target)
                .map_err(|e| e.to_string())
        }
        _ => Err(format!(
            "cannot export to `{}`: write a Pushgateway URL, http(s)://HOST:PORT/metrics/job/JOB",
            crate::escape::line(&super::pushgateway::redact(to))
        )),
    }
}
