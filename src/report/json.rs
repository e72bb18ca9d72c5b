//! The JSON report (docs/json.md): `schema_version` 1, durations in seconds, times in
//! RFC 3339.

use super::Report;

pub fn render(r: &Report) -> String {
    let mut s =
        serde_json::to_string_pretty(r).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
