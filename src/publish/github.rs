//! Writing to GitHub: one slipgate comment per pull request, one "quality trend" issue.
//!
//! Both are found again by a hidden marker, an HTML comment such as
//! `<!-- slipgate:report -->` inside the body, so every run updates the same comment or
//! issue instead of adding one. Only a comment or issue written by the account the token
//! posts as counts ([`Identity`]): a marker in anyone else's text is ignored, never
//! edited, and never read as the previous report. A 403 (a read-only token, as a workflow on a pull request
//! from a fork gets) is [`GithubError::Forbidden`], which callers turn into a warning.
//!
//! Finding the issue: slipgate lists the *open* issues carrying the first of the given
//! labels (`GET /repos/{o}/{r}/issues?state=open&labels=<label>`), usually one page,
//! and takes the oldest whose body holds the marker. The search API is not used: its
//! index lags behind, so a run right after another would not see the new issue and would
//! open a second one. Without labels every open issue is listed, which costs one request
//! per 100 open issues: give a label (e.g. `slipgate`).

use crate::github::payload::{AppRef, Author, CommentItem, IssueItem};
use crate::github::{
    GithubConfig, GithubError, Identity, PER_PAGE, Purpose, connect, decode, list_all, who_posts,
};
use crate::report::percent_encode;
use crate::report::sanitize::{self, Measure};

/// GitHub's limit for an issue or comment body, in characters. Counted here in UTF-16
/// code units, which is never fewer than characters.
pub const MAX_BODY_CHARS: usize = 65_536;

const TRUNCATION_NOTE: &str = "_… (cut to GitHub's 65,536-character limit)_";

/// What [`upsert_comment`] did: the comment id and its URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommentOutcome {
    Created(u64, String),
    /// Created, but GitHub shows it as written by `author`, not by the identity slipgate
    /// assumed (`assumed`): the next run will not recognise it as its own. Set
    /// `--comment-author <author>`.
    CreatedAsOther {
        id: u64,
        url: String,
        author: String,
        assumed: String,
    },
    Updated(u64, String),
    /// The comment already had this body; nothing was sent.
    Unchanged(u64, String),
}

/// What [`upsert_issue`] did: the issue number and its URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssueOutcome {
    Created(u64, String),
    /// Created, but GitHub shows it as written by `author`, not by the identity slipgate
    /// assumed (`assumed`): the next run will not find it. Set
    /// `--comment-author <author>`.
    CreatedAsOther {
        number: u64,
        url: String,
        author: String,
        assumed: String,
    },
    Updated(u64, String),
    /// The issue already had this title and body; nothing was sent.
    Unchanged(u64, String),
}

/// Creates or updates the one slipgate comment on pull request `pr_number`, found by
/// `marker` (added at the top of the body when the body does not contain it).
pub async fn upsert_comment(
    cfg: &GithubConfig,
    pr_number: u64,
    marker: &str,
    body: &str,
) -> Result<CommentOutcome, GithubError> {
    upsert_comment_with(cfg, pr_number, marker, |_| body.to_string()).await
}

/// [`upsert_comment`] with the body made from the existing comment's body (`None` when
/// there is none yet), so a run can say what changed since the last one, at no extra
/// request.
pub async fn upsert_comment_with(
    cfg: &GithubConfig,
    pr_number: u64,
    marker: &str,
    make_body: impl FnOnce(Option<&str>) -> String,
) -> Result<CommentOutcome, GithubError> {
    check_marker(marker)?;
    let (client, owner, name) = connect(cfg)?;
    let me = who_posts(&client, cfg).await?;
    let read_action = format!(
        "read the comments of pull request #{pr_number} of {}",
        cfg.repo
    );
    let comments: Vec<CommentItem> = list_all(
        &client,
        format!("/repos/{owner}/{name}/issues/{pr_number}/comments?per_page={PER_PAGE}"),
        Purpose {
            action: &read_action,
            permission: "pull-requests: read",
        },
    )
    .await?;
    let existing = comments.into_iter().find(|c| {
        c.body.as_deref().is_some_and(|b| b.contains(marker))
            && ours(
                me.as_ref(),
                c.user.as_ref(),
                c.performed_via_github_app.as_ref(),
            )
    });
    let body = prepare_body(
        marker,
        &make_body(existing.as_ref().and_then(|c| c.body.as_deref())),
    );
    let payload = serde_json::json!({ "body": body });
    match existing {
        Some(c) if same_text(c.body.as_deref().unwrap_or_default(), &body) => {
            Ok(CommentOutcome::Unchanged(c.id, c.html_url))
        }
        Some(c) => {
            let action = format!(
                "update comment {} on pull request #{pr_number} of {}",
                c.id, cfg.repo
            );
            let purpose = Purpose {
                action: &action,
                permission: "pull-requests: write",
            };
            let reply = client
                .patch(
                    &format!("/repos/{owner}/{name}/issues/comments/{}", c.id),
                    &payload,
                    purpose,
                )
                .await?;
            let updated: CommentItem = decode(&reply.body, &action).map_err(|e| client.scrub(e))?;
            Ok(CommentOutcome::Updated(updated.id, updated.html_url))
        }
        None => {
            let action = format!("comment on pull request #{pr_number} of {}", cfg.repo);
            let purpose = Purpose {
                action: &action,
                permission: "pull-requests: write",
            };
            let reply = client
                .post(
                    &format!("/repos/{owner}/{name}/issues/{pr_number}/comments"),
                    &payload,
                    purpose,
                )
                .await?;
            let created: CommentItem = decode(&reply.body, &action).map_err(|e| client.scrub(e))?;
            Ok(
                match stranger(
                    me.as_ref(),
                    created.user.as_ref(),
                    created.performed_via_github_app.as_ref(),
                ) {
                    Some((author, assumed)) => CommentOutcome::CreatedAsOther {
                        id: created.id,
                        url: created.html_url,
                        author,
                        assumed,
                    },
                    None => CommentOutcome::Created(created.id, created.html_url),
                },
            )
        }
    }
}

/// Creates or updates the open issue carrying `marker` (e.g. the scheduled "quality
/// trend" issue). A new issue gets `title`, `body` and `labels`; an existing one gets the
/// new title and body (its labels are left as people set them).
pub async fn upsert_issue(
    cfg: &GithubConfig,
    title: &str,
    marker: &str,
    body: &str,
    labels: &[String],
) -> Result<IssueOutcome, GithubError> {
    check_marker(marker)?;
    let (client, owner, name) = connect(cfg)?;
    let me = who_posts(&client, cfg).await?;
    let body = prepare_body(marker, body);
    let mut path = format!(
        "/repos/{owner}/{name}/issues?state=open&sort=created&direction=asc&per_page={PER_PAGE}"
    );
    if let Some(label) = labels.first() {
        path.push_str("&labels=");
        path.push_str(&percent_encode(label));
    }
    let read_action = format!("list the open issues of {}", cfg.repo);
    let issues: Vec<IssueItem> = list_all(
        &client,
        path,
        Purpose {
            action: &read_action,
            permission: "issues: read",
        },
    )
    .await?;
    let existing = issues.into_iter().find(|i| {
        i.pull_request.is_none()
            && i.body.as_deref().is_some_and(|b| b.contains(marker))
            && ours(
                me.as_ref(),
                i.user.as_ref(),
                i.performed_via_github_app.as_ref(),
            )
    });
    match existing {
        Some(i) if i.title == title && same_text(i.body.as_deref().unwrap_or_default(), &body) => {
            Ok(IssueOutcome::Unchanged(i.number, i.html_url))
        }
        Some(i) => {
            let action = format!("update issue #{} of {}", i.number, cfg.repo);
            let purpose = Purpose {
                action: &action,
                permission: "issues: write",
            };
            let payload = serde_json::json!({ "title": title, "body": body });
            let reply = client
                .patch(
                    &format!("/repos/{owner}/{name}/issues/{}", i.number),
                    &payload,
                    purpose,
                )
                .await?;
            let updated: IssueItem = decode(&reply.body, &action).map_err(|e| client.scrub(e))?;
            Ok(IssueOutcome::Updated(updated.number, updated.html_url))
        }
        None => {
            let action = format!("open an issue in {}", cfg.repo);
            let purpose = Purpose {
                action: &action,
                permission: "issues: write",
            };
            let payload = serde_json::json!({ "title": title, "body": body, "labels": labels });
            let reply = client
                .post(&format!("/repos/{owner}/{name}/issues"), &payload, purpose)
                .await?;
            let created: IssueItem = decode(&reply.body, &action).map_err(|e| client.scrub(e))?;
            Ok(
                match stranger(
                    me.as_ref(),
                    created.user.as_ref(),
                    created.performed_via_github_app.as_ref(),
                ) {
                    Some((author, assumed)) => IssueOutcome::CreatedAsOther {
                        number: created.number,
                        url: created.html_url,
                        author,
                        assumed,
                    },
                    None => IssueOutcome::Created(created.number, created.html_url),
                },
            )
        }
    }
}

/// Whether an item by `author` (through `app`) is slipgate's own; without a token
/// (`me` is `None`) nothing is.
fn ours(me: Option<&Identity>, author: Option<&Author>, app: Option<&AppRef>) -> bool {
    me.is_some_and(|me| me.wrote(author, app))
}

/// When what slipgate just wrote is shown as `author`'s, not as `me`'s: the author's
/// login and the login slipgate assumed. `None` when it matches, or when GitHub names
/// no author.
fn stranger(
    me: Option<&Identity>,
    author: Option<&Author>,
    app: Option<&AppRef>,
) -> Option<(String, String)> {
    let (me, author) = (me?, author?);
    (!me.wrote(Some(author), app)).then(|| (author.login.clone(), me.login().to_string()))
}

fn check_marker(marker: &str) -> Result<(), GithubError> {
    if marker.trim().is_empty() {
        return Err(GithubError::BadMarker);
    }
    Ok(())
}

/// GitHub may store `\r\n` for `\n`; compare without that difference.
fn same_text(a: &str, b: &str) -> bool {
    a.replace("\r\n", "\n") == b.replace("\r\n", "\n")
}

fn utf16_len(s: &str) -> usize {
    Measure::Utf16.of(s)
}

/// The body as sent: the marker at the top when the body lacks it, and cut to
/// [`MAX_BODY_CHARS`] (keeping the marker) with a note when too long. The cut is
/// [`sanitize::fit_body`]'s, the same as the job summary's: at a safe line end, with
/// open `<details>` and fences closed.
pub fn prepare_body(marker: &str, body: &str) -> String {
    let text = if body.contains(marker) {
        body.to_string()
    } else {
        format!("{marker}\n{body}")
    };
    if utf16_len(&text) <= MAX_BODY_CHARS {
        return text;
    }
    // The marker must survive the cut: when it is not the first line, it goes on top.
    let (head, rest) = if text.starts_with(&format!("{marker}\n")) {
        (String::new(), text.as_str())
    } else {
        (format!("{marker}\n"), text.as_str())
    };
    let budget = MAX_BODY_CHARS.saturating_sub(utf16_len(&head));
    let cut = sanitize::fit_body(rest, budget, TRUNCATION_NOTE, Measure::Utf16);
    format!("{head}{cut}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const MARKER: &str = "<!-- slipgate:report -->";

    #[test]
    fn marker_is_added_once() {
        assert_eq!(prepare_body(MARKER, "hello"), format!("{MARKER}\nhello"));
        let with = format!("hi\n{MARKER}");
        assert_eq!(prepare_body(MARKER, &with), with);
    }

    #[test]
    fn long_bodies_are_cut_to_the_limit_keeping_the_marker() {
        // 7,000 lines of "éééééééé\n" (9 UTF-16 units each, 63,000) with the marker at
        // the end: the cut loses the end, so the marker goes on top (25 units with its
        // newline). Budget 65,511: the note (44 units) and its blank line leave 65,466,
        // room for 7,274 lines: all 7,000 fit, the marker line does not come along.
        let line = "é".repeat(8) + "\n";
        let body = format!("{}{}{MARKER}", line.repeat(7_000), line.repeat(300));
        let out = prepare_body(MARKER, &body);
        assert!(out.starts_with(&format!("{MARKER}\n")));
        assert!(out.ends_with(&format!("\n\n{TRUNCATION_NOTE}")));
        assert!(utf16_len(&out) <= MAX_BODY_CHARS);
        // Whole lines only, and as many as fit: 65,511 − 45 (note and blank) = 65,466,
        // 65,466 / 9 = 7,274 lines.
        let kept = out
            .strip_prefix(&format!("{MARKER}\n"))
            .and_then(|o| o.strip_suffix(&format!("\n{TRUNCATION_NOTE}")))
            .expect("marker and note");
        assert_eq!(kept, line.repeat(7_274));
        // Emoji take 2 UTF-16 units: 40,000 of them are 80,000 units, cut to fit.
        let out = prepare_body(MARKER, &"🦀\n".repeat(40_000));
        assert!(utf16_len(&out) <= MAX_BODY_CHARS);
        assert!(out.starts_with(MARKER));
    }

    #[test]
    fn a_long_comment_is_cut_at_a_safe_line() {
        // A table whose rows hold escapes: the old raw character cut could stop inside
        // `&lt;` or `\|`, or inside a row. Every cut now keeps whole rows and closes the
        // `<details>` it opened.
        let row = "| `a\\|b` | x &lt;img src=y&gt; \\| @\u{2060}team |\n";
        let body = format!(
            "{MARKER}\n<details><summary>T</summary>\n\n| A | B |\n|---|---|\n{}</details>\n",
            row.repeat(2_000)
        );
        let out = prepare_body(MARKER, &body);
        assert!(utf16_len(&out) <= MAX_BODY_CHARS);
        let kept = out
            .strip_suffix(&format!("\n</details>\n\n{TRUNCATION_NOTE}"))
            .expect("details closed, then the note");
        assert!(kept.ends_with(row), "{}", &kept[kept.len() - 200..]);
        assert!(body.starts_with(kept));
    }

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(percent_encode("slipgate"), "slipgate");
        assert_eq!(
            percent_encode("quality trend:é"),
            "quality%20trend%3A%C3%A9"
        );
    }

    #[test]
    fn crlf_does_not_count_as_a_change() {
        assert!(same_text("a\r\nb", "a\nb"));
        assert!(!same_text("a\nb", "a\nc"));
    }
}
