//! The few fields slipgate reads from GitHub's JSON, as its own small serde structs, so a
//! drift in octocrab's models never breaks a run. Unknown fields are ignored.

use crate::model::Timestamp;
use serde::Deserialize;
use serde::de::IgnoredAny;

/// An item of `GET /repos/{owner}/{repo}/issues` (issues and pull requests alike).
#[derive(Debug, Deserialize)]
pub(crate) struct IssueItem {
    pub number: u64,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub html_url: String,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub state_reason: Option<String>,
    #[serde(default)]
    pub labels: Vec<Label>,
    pub created_at: String,
    pub updated_at: String,
    #[serde(default)]
    pub closed_at: Option<String>,
    /// Present (an object) exactly when the item is a pull request.
    #[serde(default)]
    pub pull_request: Option<IgnoredAny>,
    #[serde(default)]
    pub body: Option<String>,
    /// Who opened it.
    #[serde(default)]
    pub user: Option<Author>,
    /// The GitHub App it was opened through, if any.
    #[serde(default)]
    pub performed_via_github_app: Option<AppRef>,
}

/// The author of an issue or comment.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Author {
    #[serde(default)]
    pub login: String,
    /// `User`, `Bot` or `Organization`.
    #[serde(rename = "type", default)]
    pub kind: String,
}

/// The GitHub App an issue or comment was written through.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct AppRef {
    #[serde(default)]
    pub slug: Option<String>,
}

/// An item of `GET /repos/{owner}/{repo}/pulls`.
#[derive(Debug, Deserialize)]
pub(crate) struct PullItem {
    pub number: u64,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub html_url: String,
    #[serde(default)]
    pub labels: Vec<Label>,
    pub created_at: String,
    pub updated_at: String,
    #[serde(default)]
    pub merged_at: Option<String>,
    #[serde(default)]
    pub merge_commit_sha: Option<String>,
    pub base: BaseRef,
}

#[derive(Debug, Deserialize)]
pub(crate) struct BaseRef {
    #[serde(rename = "ref")]
    pub name: String,
}

/// A label: the API documents both a bare name and an object.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum Label {
    Name(String),
    Object {
        #[serde(default)]
        name: Option<String>,
    },
}

impl Label {
    pub(crate) fn into_name(self) -> Option<String> {
        match self {
            Label::Name(name) => Some(name),
            Label::Object { name } => name,
        }
    }
}

/// An issue comment (`/repos/{owner}/{repo}/issues/{n}/comments`).
#[derive(Debug, Deserialize)]
pub(crate) struct CommentItem {
    pub id: u64,
    #[serde(default)]
    pub html_url: String,
    #[serde(default)]
    pub body: Option<String>,
    /// Who wrote it.
    #[serde(default)]
    pub user: Option<Author>,
    /// The GitHub App it was written through, if any.
    #[serde(default)]
    pub performed_via_github_app: Option<AppRef>,
}

/// An item of the repository-wide comment list `GET /repos/{owner}/{repo}/issues/comments`.
#[derive(Debug, Deserialize)]
pub(crate) struct IssueCommentItem {
    pub id: u64,
    /// `https://api.github.com/repos/{owner}/{repo}/issues/{number}`.
    #[serde(default)]
    pub issue_url: String,
    #[serde(default)]
    pub user: Option<Author>,
    pub created_at: String,
    pub updated_at: String,
}

/// GitHub's error body.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ErrorBody {
    #[serde(default)]
    pub message: String,
}

/// Parses an RFC 3339 time as GitHub writes it (`2011-04-22T13:33:48Z`).
pub(crate) fn parse_time(s: &str) -> Option<Timestamp> {
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.timestamp())
}

/// Formats a Unix time as GitHub writes it.
pub(crate) fn format_time(t: Timestamp) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_else(|| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip() {
        // 2011-04-22T13:33:48Z = 1303479228 (date -u -d 2011-04-22T13:33:48Z +%s).
        assert_eq!(parse_time("2011-04-22T13:33:48Z"), Some(1_303_479_228));
        assert_eq!(format_time(1_303_479_228), "2011-04-22T13:33:48Z");
        assert_eq!(parse_time("2011-04-22T15:33:48+02:00"), Some(1_303_479_228));
        assert_eq!(parse_time("yesterday"), None);
    }
}
