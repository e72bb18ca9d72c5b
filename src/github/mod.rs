//! The GitHub transport: the one way slipgate talks to the GitHub REST API, for the
//! collector (`collect::github` reads issues and pull requests) and the publisher
//! (`publish::github` writes the comment and the trend issue).
//!
//! - [`client`]: HTTP through octocrab with slipgate's own bounded retries, rate-limit
//!   waits, response size cap, same-host redirects only, and typed errors.
//! - [`pager`]: `Link: rel="next"` paging that never takes part of a list for all of it
//!   (loops, short and runaway lists are errors); one [`PageBudget`] per run bounds the
//!   pages of every list together, and the rate limit's last tenth is never spent.
//! - [`redact`]: the token blanked out of anything a server echoes back.
//! - [`identity`]: who the token posts as, so only slipgate's own comment is adopted.
//! - [`payload`]: the few JSON fields slipgate reads, as its own serde structs.
//! - [`error`]: [`GithubError`], whose messages say what to do.
//!
//! Nothing here knows the cache, the metrics or the report: `collect::github` turns the
//! payloads into model types.

pub(crate) mod client;
mod error;
pub(crate) mod identity;
pub(crate) mod pager;
pub(crate) mod payload;
pub(crate) mod redact;
mod remote;

pub use error::GithubError;
pub use identity::{ACTIONS_BOT, Identity};
pub use pager::{
    MAX_PAGES_PER_RUN, PageBudget, READ_AHEAD_FROM, SHORT_END_TOLERANCE, rate_reserve,
};
pub use remote::repo_from_remote;

pub(crate) use client::{Client, Purpose};
pub(crate) use identity::who_posts;
pub(crate) use pager::{Ahead, Pager, decode, list_all};

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// The public GitHub API.
pub const DEFAULT_API_URL: &str = "https://api.github.com";

/// Page size of every list request (GitHub's maximum).
pub const PER_PAGE: u32 = 100;

/// Largest response body read by default: 32 MiB. The largest page GitHub sends, 100
/// issues or comments with bodies at GitHub's 65,536-character limit, is about 7 MB;
/// anything much larger is not the GitHub API, and reading it would only fill memory.
pub const MAX_RESPONSE_BYTES: u64 = 32 << 20;

/// Bounded retries with exponential backoff, for 5xx answers, timeouts and transport
/// errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries in all (the first one included). 1 disables retries.
    pub attempts: u32,
    /// Delay before the first retry; doubled for each further retry.
    pub base_delay: Duration,
    /// Upper bound of one delay.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 3,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// The delay before retry number `failures` (1-based): base, 2 × base, 4 × base, …
    pub fn delay(&self, failures: u32) -> Duration {
        let factor = 1u32 << failures.saturating_sub(1).min(16);
        self.base_delay.saturating_mul(factor).min(self.max_delay)
    }
}

/// Where and how to talk to GitHub. `Debug` never shows the token.
#[derive(Clone)]
pub struct GithubConfig {
    /// API root: `https://api.github.com`, or `https://HOST/api/v3` for GitHub Enterprise.
    pub api_url: String,
    /// Personal access token or `GITHUB_TOKEN`; `None` (or empty) for unauthenticated
    /// requests, which work for public repositories (60 requests per hour).
    pub token: Option<String>,
    /// `OWNER/NAME`.
    pub repo: String,
    /// The SQLite cache; `None` = `--no-cache` (every run fetches everything).
    pub cache_path: Option<PathBuf>,
    /// Longest wait for a rate limit to reset before giving up. Default 60 s.
    pub max_wait: Duration,
    /// Print a progress line to stderr every few pages of a long fetch.
    pub progress: bool,
    /// TCP connect timeout. Default 10 s.
    pub connect_timeout: Duration,
    /// Timeout of one request, body included. Default 30 s.
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
    /// Also fetch pull requests (PR cycle time). Off when no rule needs them, to spend
    /// fewer requests.
    pub pulls: bool,
    /// Also fetch the comments on issues (time to first response). Off by default: only
    /// a rule, the report or the trend that shows it turns it on.
    pub comments: bool,
    /// Largest response body read, in bytes; a larger one is
    /// [`GithubError::TooLarge`]. Default [`MAX_RESPONSE_BYTES`].
    pub max_response_bytes: u64,
    /// The list pages this configuration (and its clones) may read, every list
    /// together. Default: a fresh budget of [`MAX_PAGES_PER_RUN`]; the CLI gives every
    /// configuration of a run [`PageBudget::for_this_run`].
    pub page_budget: PageBudget,
    /// The login slipgate's comments and issues are written by (`--comment-author`,
    /// e.g. `my-app[bot]` for a GitHub App installation token): when set, it is the
    /// identity, and `GET /user` is not asked.
    pub comment_author: Option<String>,
}

impl GithubConfig {
    /// Defaults for `repo` (`OWNER/NAME`): public API, no token, no cache.
    pub fn new(repo: impl Into<String>) -> Self {
        GithubConfig {
            api_url: DEFAULT_API_URL.to_string(),
            token: None,
            repo: repo.into(),
            cache_path: None,
            max_wait: Duration::from_secs(60),
            progress: false,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            pulls: true,
            comments: false,
            max_response_bytes: MAX_RESPONSE_BYTES,
            page_budget: PageBudget::default(),
            comment_author: None,
        }
    }

    /// The token, trimmed; `None` when absent or empty.
    pub(crate) fn effective_token(&self) -> Option<&str> {
        self.token
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
    }
}

impl fmt::Debug for GithubConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GithubConfig")
            .field("api_url", &self.api_url)
            .field("token", &self.token.as_ref().map(|_| "***"))
            .field("repo", &self.repo)
            .field("cache_path", &self.cache_path)
            .field("max_wait", &self.max_wait)
            .field("progress", &self.progress)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("retry", &self.retry)
            .field("pulls", &self.pulls)
            .field("comments", &self.comments)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("page_budget", &self.page_budget)
            .field("comment_author", &self.comment_author)
            .finish()
    }
}

/// Checks `repo` and builds the client.
pub(crate) fn connect(cfg: &GithubConfig) -> Result<(Client, String, String), GithubError> {
    let (owner, name) = remote::split_repo(&cfg.repo).ok_or_else(|| GithubError::BadRepo {
        repo: cfg.repo.clone(),
    })?;
    let client = Client::new(cfg)?;
    Ok((client, owner.to_string(), name.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_token() {
        let mut cfg = GithubConfig::new("octocat/hello");
        cfg.token = Some("ghp_supersecret123".into());
        let text = format!("{cfg:?}");
        assert!(!text.contains("supersecret"), "{text}");
        assert!(text.contains("token: Some(\"***\")"), "{text}");
        cfg.token = None;
        assert!(format!("{cfg:?}").contains("token: None"));
    }

    #[test]
    fn empty_token_counts_as_none() {
        let mut cfg = GithubConfig::new("o/r");
        cfg.token = Some("  \n".into());
        assert_eq!(cfg.effective_token(), None);
        cfg.token = Some(" abc\n".into());
        assert_eq!(cfg.effective_token(), Some("abc"));
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let policy = RetryPolicy {
            attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
        };
        // 100 ms, 200 ms, then 400 ms capped at 350 ms.
        assert_eq!(policy.delay(1), Duration::from_millis(100));
        assert_eq!(policy.delay(2), Duration::from_millis(200));
        assert_eq!(policy.delay(3), Duration::from_millis(350));
        assert_eq!(policy.delay(40), Duration::from_millis(350));
    }

    #[test]
    fn bad_repo_is_refused_before_any_request() {
        let cfg = GithubConfig::new("just-a-name");
        let err = connect(&cfg)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("expected OWNER/NAME"), "{err}");
    }

    #[test]
    fn a_token_with_a_newline_inside_is_refused_without_echo() {
        let mut cfg = GithubConfig::new("o/r");
        cfg.token = Some("ghp_abc\ndef".into());
        let err = connect(&cfg).err().expect("refused");
        assert!(matches!(err, GithubError::BadToken));
        assert!(!format!("{err} {err:?}").contains("ghp_abc"));
    }
}
