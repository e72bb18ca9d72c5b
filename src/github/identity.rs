//! Who slipgate posts as, so that it adopts only its own comment or issue.
//!
//! A hidden marker alone proves nothing: anyone can write `<!-- slipgate:check -->` in a
//! comment. slipgate's comment and trend issue are the ones carrying the marker *and*
//! written by the account the token posts as:
//!
//! - a personal access token (or an OAuth / user-to-server token) posts as the account
//!   `GET /user` answers with (`200`, `login` and `type`);
//! - an installation token, such as a workflow's `GITHUB_TOKEN`, gets `403 Resource not
//!   accessible by integration` there, and posts as `github-actions[bot]` (type `Bot`,
//!   through the `github-actions` app).
//!
//! - any other installation token (a GitHub App's, from
//!   `actions/create-github-app-token`) also gets 403 at `GET /user` but posts as the
//!   app's bot (`my-app[bot]`), which no request can tell from `GITHUB_TOKEN`: slipgate
//!   assumes `github-actions[bot]`, and `--comment-author my-app[bot]`
//!   ([`GithubConfig::comment_author`]) names the right login. When slipgate creates a
//!   comment or issue that GitHub shows as someone else's, the outcome says so, so the
//!   user can be told to set it.
//!
//! The answer is asked once per process for each API URL and token (kept in memory
//! under a hash of both, never written anywhere), and only when a comment or issue must
//! be found; with `--comment-author` it is not asked.

use super::client::{Client, Purpose};
use super::payload::{AppRef, Author};
use super::{GithubConfig, GithubError};
use serde::Deserialize;
use std::collections::HashMap;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::{Mutex, OnceLock};

/// The account a workflow's `GITHUB_TOKEN` (an installation token) posts as.
pub const ACTIONS_BOT: &str = "github-actions[bot]";

/// The app `github-actions[bot]` writes through.
const ACTIONS_APP: &str = "github-actions";

/// The account slipgate's comments and issues are written by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// The account of a personal access token: `login` and `type` from `GET /user`.
    User { login: String, kind: String },
    /// `github-actions[bot]`, for an installation token.
    ActionsBot,
    /// The login given with `--comment-author` (e.g. `my-app[bot]`), of any type.
    Named { login: String },
}

impl Identity {
    /// The login this identity writes as.
    pub fn login(&self) -> &str {
        match self {
            Identity::User { login, .. } | Identity::Named { login } => login,
            Identity::ActionsBot => ACTIONS_BOT,
        }
    }

    /// Whether an item written by `author`, through `app`, is this identity's.
    pub(crate) fn wrote(&self, author: Option<&Author>, app: Option<&AppRef>) -> bool {
        let Some(author) = author else {
            return false;
        };
        match self {
            // Logins are case-insensitive on GitHub. The same account writing through
            // an app (a user-to-server token) is still that account.
            Identity::User { login, kind } => {
                author.login.eq_ignore_ascii_case(login) && author.kind.eq_ignore_ascii_case(kind)
            }
            Identity::ActionsBot => {
                author.login.eq_ignore_ascii_case(ACTIONS_BOT)
                    && author.kind.eq_ignore_ascii_case("Bot")
                    && app.is_none_or(|a| a.slug.as_deref().is_none_or(|s| s == ACTIONS_APP))
            }
            // Logins are unique across people and bots (only bots end in `[bot]`).
            Identity::Named { login } => author.login.eq_ignore_ascii_case(login),
        }
    }
}

/// `GET /user`'s answer.
#[derive(Debug, Deserialize)]
struct UserBody {
    login: String,
    #[serde(rename = "type", default)]
    kind: String,
}

fn memo() -> &'static Mutex<HashMap<u64, Identity>> {
    static MEMO: OnceLock<Mutex<HashMap<u64, Identity>>> = OnceLock::new();
    MEMO.get_or_init(|| Mutex::new(HashMap::new()))
}

fn memo_key(api_url: &str, token: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    api_url.trim_end_matches('/').hash(&mut hasher);
    token.hash(&mut hasher);
    hasher.finish()
}

/// Who `cfg`'s token posts as; `None` without a token (nothing is adopted then):
/// [`GithubConfig::comment_author`] when given, else one `GET /user` per process and
/// token at most.
pub(crate) async fn who_posts(
    client: &Client,
    cfg: &GithubConfig,
) -> Result<Option<Identity>, GithubError> {
    let Some(token) = cfg.effective_token() else {
        return Ok(None);
    };
    if let Some(login) = cfg
        .comment_author
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        return Ok(Some(Identity::Named {
            login: login.to_string(),
        }));
    }
    let key = memo_key(&cfg.api_url, token);
    if let Some(known) = memo().lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return Ok(Some(known.clone()));
    }
    let purpose = Purpose {
        action: "find out which account the token posts as (GET /user)",
        permission: "read:user",
    };
    let identity = match client.get("/user", None, purpose).await {
        Ok(reply) => {
            let user: UserBody = serde_json::from_str(&reply.body).map_err(|e| {
                client.scrub(GithubError::Decode {
                    action: purpose.action.to_string(),
                    message: e.to_string(),
                })
            })?;
            Identity::User {
                login: user.login,
                kind: user.kind,
            }
        }
        // An installation token cannot read `/user`.
        Err(err) if err.is_forbidden() => Identity::ActionsBot,
        Err(err) => return Err(err),
    };
    memo()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(key, identity.clone());
    Ok(Some(identity))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn author(login: &str, kind: &str) -> Author {
        Author {
            login: login.into(),
            kind: kind.into(),
        }
    }

    fn app(slug: &str) -> AppRef {
        AppRef {
            slug: Some(slug.into()),
        }
    }

    #[test]
    fn a_user_identity_adopts_only_that_account() {
        let me = Identity::User {
            login: "Octo-Bot".into(),
            kind: "User".into(),
        };
        assert!(me.wrote(Some(&author("octo-bot", "User")), None));
        assert!(me.wrote(Some(&author("Octo-Bot", "User")), Some(&app("some-app"))));
        assert!(!me.wrote(Some(&author("mallory", "User")), None));
        assert!(!me.wrote(Some(&author("octo-bot", "Bot")), None));
        assert!(!me.wrote(None, None));
    }

    #[test]
    fn the_actions_bot_adopts_only_github_actions() {
        let me = Identity::ActionsBot;
        assert!(me.wrote(Some(&author(ACTIONS_BOT, "Bot")), None));
        assert!(me.wrote(Some(&author(ACTIONS_BOT, "Bot")), Some(&app(ACTIONS_APP))));
        // Another app's bot, or a user who named themselves alike.
        assert!(!me.wrote(Some(&author("renovate[bot]", "Bot")), None));
        assert!(!me.wrote(Some(&author(ACTIONS_BOT, "User")), None));
        assert!(!me.wrote(Some(&author(ACTIONS_BOT, "Bot")), Some(&app("evil-app"))));
    }

    #[test]
    fn a_named_identity_adopts_that_login_of_any_type() {
        let me = Identity::Named {
            login: "my-app[bot]".into(),
        };
        assert_eq!(me.login(), "my-app[bot]");
        assert!(me.wrote(Some(&author("My-App[bot]", "Bot")), Some(&app("my-app"))));
        assert!(!me.wrote(Some(&author(ACTIONS_BOT, "Bot")), None));
        assert!(!me.wrote(Some(&author("my-app", "User")), None));
        assert!(!me.wrote(None, None));
        assert_eq!(Identity::ActionsBot.login(), ACTIONS_BOT);
    }

    #[test]
    fn the_memo_key_depends_on_url_and_token() {
        assert_eq!(memo_key("https://x/", "t"), memo_key("https://x", "t"));
        assert_ne!(memo_key("https://x", "t"), memo_key("https://x", "u"));
        assert_ne!(memo_key("https://x", "t"), memo_key("https://y", "t"));
    }
}
