//! The hidden markers in slipgate's bodies: which comment or issue is slipgate's, and
//! whether the run that wrote it failed.

/// The hidden marker of slipgate's pull request comment (and of the job summary).
pub const COMMENT: &str = "<!-- slipgate:check -->";
/// The hidden marker of the scheduled trend issue.
pub const TREND: &str = "<!-- slipgate:trend -->";
const STATE_FAIL: &str = "<!-- slipgate:state=fail -->";
const STATE_OK: &str = "<!-- slipgate:state=ok -->";

/// `body` under `marker` and the state of the run. The state sits at the top, so a
/// comment cut to GitHub's limit keeps it.
pub fn stamp(marker: &str, failed: bool, body: &str) -> String {
    let state = if failed { STATE_FAIL } else { STATE_OK };
    format!("{marker}\n{state}\n{body}")
}

/// Whether a previous body says its run failed.
pub fn failed_before(previous: Option<&str>) -> bool {
    previous.is_some_and(|p| p.contains(STATE_FAIL))
}
