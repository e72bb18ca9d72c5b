//! One repository of the organisation view (`slipgate org`), as read from the database
//! `slipgate export` fills. Every text field comes from the database: hostile.

use super::Timestamp;

/// A repository's row: its last export's window, latest release, verdict and the values
/// of the last two periods of the trend metrics.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgRow {
    pub repo: String,
    /// The evaluation time of the last export.
    pub evaluated_at: Timestamp,
    /// The newest release (by release time), if any.
    pub latest_release: Option<LatestRelease>,
    pub lead_time_p50_seconds: Option<i64>,
    /// Releases per week in the window.
    pub release_frequency: Option<f64>,
    pub change_failure_rate: Option<f64>,
    /// Bugs found per 100 changes.
    pub defect_rate: Option<f64>,
    /// Open bugs of severity `critical` in the newest snapshot; none without a snapshot
    /// or without that severity.
    pub open_critical_bugs: Option<i64>,
    /// The gate's verdict of the newest run, as written (`pass`, `warn`, `fail`).
    pub last_verdict: Option<String>,
    /// The trend metrics' last period and the one before it, by metric name.
    pub recent: Vec<RecentValues>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LatestRelease {
    pub tag: String,
    pub released_at: Timestamp,
}

/// One metric's value in the last period (ending at the export's evaluation time) and in
/// the period before it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecentValues {
    /// The policy's metric name (`lead_time.p50`, ...).
    pub metric: String,
    pub previous: Option<f64>,
    pub last: Option<f64>,
}
