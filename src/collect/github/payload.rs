//! The few fields slipgate reads from GitHub's JSON, as its own small serde structs, so a
//! drift in octocrab's models never breaks a run. Unknown fields are ignored.

use crate::model::{Issue, PullRequest, Timestamp};
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
    fn into_name(self) -> Option<String> {
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

fn label_names(labels: Vec<Label>) -> Vec<String> {
    labels.into_iter().filter_map(Label::into_name).collect()
}

/// A field that did not parse: (item number, field name, value).
pub(crate) type BadField = (u64, &'static str, String);

fn time(number: u64, field: &'static str, s: &str) -> Result<Timestamp, BadField> {
    parse_time(s).ok_or_else(|| (number, field, s.to_string()))
}

fn opt_time(
    number: u64,
    field: &'static str,
    s: Option<&str>,
) -> Result<Option<Timestamp>, BadField> {
    s.map(|s| time(number, field, s)).transpose()
}

impl IssueItem {
    /// The model issue and its `updated_at`.
    pub fn into_issue(self) -> Result<(Issue, Timestamp), BadField> {
        let n = self.number;
        let updated = time(n, "updated_at", &self.updated_at)?;
        let issue = Issue {
            number: n,
            created_at: time(n, "created_at", &self.created_at)?,
            closed_at: opt_time(n, "closed_at", self.closed_at.as_deref())?,
            open: self.state == "open",
            title: self.title,
            url: self.html_url,
            labels: label_names(self.labels),
            state_reason: self.state_reason,
        };
        Ok((issue, updated))
    }
}

impl PullItem {
    /// The model pull request and its `updated_at`.
    pub fn into_pull(self) -> Result<(PullRequest, Timestamp), BadField> {
        let n = self.number;
        let updated = time(n, "updated_at", &self.updated_at)?;
        let pull = PullRequest {
            number: n,
            created_at: time(n, "created_at", &self.created_at)?,
            merged_at: opt_time(n, "merged_at", self.merged_at.as_deref())?,
            title: self.title,
            url: self.html_url,
            labels: label_names(self.labels),
            merge_commit_sha: self.merge_commit_sha,
            base: self.base.name,
        };
        Ok((pull, updated))
    }
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

    #[test]
    fn labels_as_names_or_objects() {
        let item: IssueItem = serde_json::from_str(
            r#"{"number": 7, "created_at": "2011-04-22T13:33:48Z",
                "updated_at": "2011-04-22T13:33:48Z",
                "labels": ["Bug", {"name": "P1", "color": "f00"}, {"id": 3}]}"#,
        )
        .unwrap();
        let (issue, updated) = item.into_issue().unwrap();
        assert_eq!(issue.labels, vec!["Bug".to_string(), "P1".to_string()]);
        assert_eq!(updated, 1_303_479_228);
        assert!(!issue.open);
    }

    #[test]
    fn a_bad_time_names_the_field() {
        let item: IssueItem = serde_json::from_str(
            r#"{"number": 7, "created_at": "soon", "updated_at": "2011-04-22T13:33:48Z"}"#,
        )
        .unwrap();
        assert_eq!(
            item.into_issue().unwrap_err(),
            (7, "created_at", "soon".to_string())
        );
    }
}
