//! The labels a repository really uses, for `slipgate init`: one request, the newest
//! 100 issues and pull requests (`GET /repos/{o}/{r}/issues?state=all`), their labels
//! counted. A label nobody put on a recent issue is not proposed.

use crate::github::{Client, GithubConfig, GithubError, Purpose};
use std::collections::HashMap;

/// Label names and how many of the newest issues carry them, most used first (ties by
/// name). Names with control characters are dropped: they could not be written into
/// the policy safely.
pub fn read(cfg: &GithubConfig) -> Result<Vec<(String, usize)>, GithubError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| GithubError::Client {
            message: format!("cannot start the async runtime: {e}"),
        })?;
    runtime.block_on(fetch(cfg))
}

async fn fetch(cfg: &GithubConfig) -> Result<Vec<(String, usize)>, GithubError> {
    let client = Client::new(cfg)?;
    let action = format!("list the recent issues of {}", cfg.repo);
    let purpose = Purpose {
        action: &action,
        permission: "issues: read",
    };
    let path = format!(
        "/repos/{}/issues?state=all&sort=updated&direction=desc&per_page=100",
        cfg.repo
    );
    let reply = client.get(&path, None, purpose).await?;
    Ok(count(&reply.body))
}

/// Counts the labels of an issue list's body; an unexpected shape counts nothing.
pub(crate) fn count(body: &str) -> Vec<(String, usize)> {
    let Ok(serde_json::Value::Array(items)) = serde_json::from_str::<serde_json::Value>(body)
    else {
        return Vec::new();
    };
    let mut counts: HashMap<String, usize> = HashMap::new();
    for item in &items {
        let Some(labels) = item.get("labels").and_then(|l| l.as_array()) else {
            continue;
        };
        for label in labels {
            let name = label
                .get("name")
                .and_then(|n| n.as_str())
                .or(label.as_str());
            if let Some(name) = name.filter(|n| !n.is_empty() && !n.chars().any(char::is_control)) {
                *counts.entry(name.to_string()).or_default() += 1;
            }
        }
    }
    let mut out: Vec<(String, usize)> = counts.into_iter().collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_counted_most_used_first() {
        let body = r#"[
            {"labels": [{"name": "C-bug"}, {"name": "A-tokio"}]},
            {"labels": [{"name": "C-bug"}, {"name": "bad\u0007name"}]},
            {"labels": [{"name": "A-tokio"}, {"name": "C-bug"}, {"name": "P-high"}]},
            {"nolabels": true}
        ]"#;
        assert_eq!(
            count(body),
            vec![
                ("C-bug".to_string(), 3),
                ("A-tokio".to_string(), 2),
                ("P-high".to_string(), 1)
            ]
        );
        assert!(count("{\"message\": \"x\"}").is_empty());
    }
}
