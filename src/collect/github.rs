//! GitHub issues and pull requests through octocrab, kept in an incremental local cache.
//!
//! # What is fetched
//! - `GET /repos/{o}/{r}/issues?state=all&sort=updated&direction=desc&per_page=100`: every
//!   issue (items with a `pull_request` key are dropped: pull requests are never issues).
//! - `GET /repos/{o}/{r}/pulls?state=all&sort=updated&direction=desc&per_page=100`: every
//!   pull request (created/merged times, merge commit, base branch, labels).
//!
//! Pages are followed through the `Link` header (`rel="next"`). A `rel="next"` naming a
//! page already read, or more pages than the first page's `rel="last"` announced (plus
//! a margin), is an error: a list is used and cached only when read to its end. Bodies
//! are capped at [`GithubConfig::max_response_bytes`] while they are read; redirects
//! are followed only within the API host.
//!
//! # Incremental strategy
//! Both lists are read newest-updated first. The first page of each list (always the
//! same URL, the "probe") is sent with `If-None-Match: <ETag of the last run's probe>`:
//! any change to any issue moves it to the top of that page and changes its ETag, so a
//! `304 Not Modified` (which GitHub does not charge against the rate limit) proves that
//! nothing changed, and the run costs one request per list. Otherwise pages are read
//! until an item older than the stored watermark (largest `updated_at` seen) minus
//! [`SAFETY_MARGIN_SECS`] shows up; those items replace their cached versions.
//!
//! The same newest-first probe is used for issues rather than `since=` with ascending
//! order: its URL never changes, so the stored ETag always applies (with `since` the URL
//! moves with the watermark and the run after a change cannot be conditional), and an
//! item updated while pages are read moves to the already-read first page and is picked
//! up by the next run instead of shifting an unread item out of view.
//!
//! A cold run (no cache, `--no-cache`, or a rebuilt cache) reads every page: for I issues
//! and P pull requests, `ceil((I + P) / 100) + ceil(P / 100)` requests (the issues list
//! includes pull requests).
//!
//! Deleted or transferred issues are not noticed by an incremental run (GitHub lists
//! only what exists); delete the cache file to start over.

mod client;
mod identity;
mod pager;
mod payload;
mod redact;
mod remote;

pub use remote::repo_from_remote;

pub(crate) use client::{Client, Purpose};
pub(crate) use identity::who_posts;
pub use identity::{ACTIONS_BOT, Identity};
pub(crate) use pager::Pager;
pub(crate) use payload::{AppRef, Author, CommentItem, IssueItem};

use crate::collect::cache::{self, Cache, CacheError, CacheKey, Resource, SyncState};
use crate::model::{GithubData, Issue, PullRequest, Timestamp};
use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// The public GitHub API.
pub const DEFAULT_API_URL: &str = "https://api.github.com";

/// How far before the watermark an incremental run keeps reading, to catch items whose
/// `updated_at` reached the list late (replication lag, clock skew between GitHub's
/// hosts). Five minutes.
pub const SAFETY_MARGIN_SECS: i64 = 300;

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
    /// Largest response body read, in bytes; a larger one is
    /// [`GithubError::TooLarge`]. Default [`MAX_RESPONSE_BYTES`].
    pub max_response_bytes: u64,
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
            max_response_bytes: MAX_RESPONSE_BYTES,
        }
    }

    /// The token, trimmed; `None` when absent or empty.
    pub(crate) fn effective_token(&self) -> Option<&str> {
        self.token
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
    }

    pub(crate) fn cache_key(&self) -> CacheKey {
        CacheKey {
            api_url: self.api_url.trim_end_matches('/').to_string(),
            repo: self.repo.clone(),
        }
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
            .field("max_response_bytes", &self.max_response_bytes)
            .finish()
    }
}

/// What a fetch cost, for tests, benchmarks and `--verbose` output.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct FetchStats {
    /// HTTP requests sent, retries included.
    pub requests: u32,
    /// Requests answered `304 Not Modified` (free of rate limit).
    pub not_modified: u32,
    /// Requests repeated after a 5xx, a timeout, a transport error or a rate limit.
    pub retries: u32,
    /// Time spent waiting before retries, in milliseconds.
    pub waited_ms: u64,
    /// Issues received in this run (new or changed, or all on a cold run).
    pub issues_received: usize,
    /// Pull requests received in this run.
    pub pulls_received: usize,
    /// The issue list was read in full (no usable cache state).
    pub issues_full: bool,
    /// The pull request list was read in full.
    pub pulls_full: bool,
    /// The cache was read and written.
    pub cache_used: bool,
    /// Last `x-ratelimit-remaining` GitHub reported.
    pub rate_remaining: Option<u64>,
}

/// Everything that can go wrong talking to GitHub. Messages name the action and say what
/// to do; none contains the token.
#[derive(Debug, thiserror::Error)]
pub enum GithubError {
    #[error(
        "`{repo}` is not a GitHub repository name; expected OWNER/NAME (e.g. `--github-repo tokio-rs/tokio`)"
    )]
    BadRepo { repo: String },
    #[error(
        "the GitHub API URL `{url}` cannot be used ({reason}); give `https://api.github.com`, or `https://HOST/api/v3` for GitHub Enterprise"
    )]
    BadApiUrl { url: String, reason: String },
    #[error(
        "the GitHub token contains whitespace or control characters and cannot be sent; check how GITHUB_TOKEN is set"
    )]
    BadToken,
    #[error(
        "the marker that finds slipgate's comment or issue again is empty; use a hidden HTML comment such as `<!-- slipgate:report -->`"
    )]
    BadMarker,
    #[error("cannot set up the GitHub client: {message}")]
    Client { message: String },
    #[error("{}", rate_limited_message(.action, .reset.as_deref(), *.limit, *.authenticated, *.max_wait_secs))]
    RateLimited {
        action: String,
        /// When the limit resets (RFC 3339), if GitHub said.
        reset: Option<String>,
        limit: Option<u64>,
        authenticated: bool,
        max_wait_secs: u64,
    },
    #[error(
        "GitHub's secondary rate limit stopped slipgate while trying to {action}: GitHub asks to wait {retry_after_secs}s, longer than the {max_wait_secs}s slipgate waits (or it kept refusing); run again later, and avoid running several jobs against the API at the same moment"
    )]
    SecondaryRateLimit {
        action: String,
        retry_after_secs: u64,
        max_wait_secs: u64,
    },
    #[error(
        "GitHub rejected the token (401) while trying to {action}: the token is invalid or expired; create a new token, or unset it to read a public repository without one"
    )]
    Unauthorized { action: String },
    #[error("{}", not_found_message(.action, .repo, *.authenticated))]
    NotFound {
        action: String,
        repo: String,
        authenticated: bool,
    },
    /// 403 that is not a rate limit: the token lacks a permission. A workflow run for a
    /// pull request from a fork always gets a read-only token, so callers publishing
    /// comments or issues downgrade this to a warning.
    #[error(
        "GitHub refused to {action} (403{}): the token needs the `{permission}` permission; a workflow run for a pull request from a fork only gets a read-only token",
        if message.is_empty() { String::new() } else { format!(": {message}") }
    )]
    Forbidden {
        action: String,
        permission: &'static str,
        message: String,
    },
    #[error(
        "GitHub failed to {action}: HTTP {status} after {attempts} attempt(s){}; GitHub may be having an incident (see githubstatus.com), try again later",
        if message.is_empty() { String::new() } else { format!(" ({message})") }
    )]
    Server {
        action: String,
        status: u16,
        attempts: u32,
        message: String,
    },
    #[error(
        "GitHub did not answer within {seconds}s while trying to {action} ({attempts} attempt(s)); check the network or the API URL, or try again later"
    )]
    Timeout {
        action: String,
        attempts: u32,
        seconds: f64,
    },
    #[error(
        "cannot reach GitHub to {action} ({attempts} attempt(s)): {message}; check the network, a proxy, or the API URL"
    )]
    Transport {
        action: String,
        attempts: u32,
        message: String,
    },
    #[error(
        "GitHub answered HTTP {status} to {action}{}",
        if message.is_empty() { String::new() } else { format!(": {message}") }
    )]
    Status {
        action: String,
        status: u16,
        message: String,
    },
    #[error(
        "GitHub's answer to {action} cannot be read: {message}; if the API URL points at a proxy or GitHub Enterprise, check that it serves the REST API v3"
    )]
    Decode { action: String, message: String },
    /// A redirect slipgate does not follow (to another host, too many, or changing the
    /// method): the answer behind it is never used.
    #[error(
        "GitHub answered {action} with a redirect (HTTP {status}) that slipgate does not follow: {problem}; nothing from it was used; check the API URL (`--github-api-url`), or whether the repository moved"
    )]
    Redirect {
        action: String,
        status: u16,
        problem: String,
    },
    #[error(
        "GitHub's answer to {action} is larger than {}, far more than any page GitHub sends, and was not read further; check that the API URL (`--github-api-url`) points at the GitHub REST API",
        size_text(*.limit_bytes)
    )]
    TooLarge { action: String, limit_bytes: u64 },
    /// The `Link` headers of a list loop or do not end: the list was not read to its
    /// end, and nothing of it is used or cached.
    #[error(
        "GitHub's pages do not add up while trying to {action}: {problem}; the list was not read to its end, so none of it is used or cached; try again later, and if it persists check the API URL (a proxy may rewrite `Link` headers)"
    )]
    Pagination { action: String, problem: String },
    #[error(transparent)]
    Cache(#[from] CacheError),
}

impl GithubError {
    /// True for a 403 that is a permission problem (not a rate limit), e.g. a read-only
    /// token on a pull request from a fork.
    pub fn is_forbidden(&self) -> bool {
        matches!(self, GithubError::Forbidden { .. })
    }

    /// True for errors worth retrying later without changing anything (rate limits,
    /// 5xx, timeouts, network).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            GithubError::RateLimited { .. }
                | GithubError::SecondaryRateLimit { .. }
                | GithubError::Server { .. }
                | GithubError::Timeout { .. }
                | GithubError::Transport { .. }
        )
    }
}

fn rate_limited_message(
    action: &str,
    reset: Option<&str>,
    limit: Option<u64>,
    authenticated: bool,
    max_wait_secs: u64,
) -> String {
    let limit = match limit {
        Some(limit) => format!("{limit} requests per hour"),
        None => "requests per hour".to_string(),
    };
    let reset = match reset {
        Some(reset) => format!("it resets at {reset}, more than {max_wait_secs}s away"),
        None => "GitHub did not say when it resets".to_string(),
    };
    let advice = if authenticated {
        "wait until then, or keep the cache (`--cache`, restored with actions/cache) so runs make only conditional requests, which GitHub does not count"
    } else {
        "set GITHUB_TOKEN (5000 requests per hour instead of 60), wait until then, or keep the cache (`--cache`) so runs make only conditional requests"
    };
    let who = if authenticated {
        "for this token"
    } else {
        "without a token"
    };
    format!(
        "GitHub's rate limit ({limit} {who}) is used up while trying to {action}; {reset}; {advice}"
    )
}

/// `32 MiB`, `64 KiB`, or `1000 bytes`.
fn size_text(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else if bytes >= 1 << 10 && bytes.is_multiple_of(1 << 10) {
        format!("{} KiB", bytes >> 10)
    } else {
        format!("{bytes} bytes")
    }
}

fn not_found_message(action: &str, repo: &str, authenticated: bool) -> String {
    let hint = if authenticated {
        "check `--github-repo` and the API URL, and that the token has access to the repository"
    } else {
        "check `--github-repo` and the API URL; a private repository needs a token (set GITHUB_TOKEN)"
    };
    format!(
        "GitHub answered 404 to {action}: {repo} does not exist or the token cannot see it; {hint}"
    )
}

/// Checks `repo` and builds the client.
pub(crate) fn connect(cfg: &GithubConfig) -> Result<(Client, String, String), GithubError> {
    let (owner, name) = remote::split_repo(&cfg.repo).ok_or_else(|| GithubError::BadRepo {
        repo: cfg.repo.clone(),
    })?;
    let client = Client::new(cfg)?;
    Ok((client, owner.to_string(), name.to_string()))
}

/// Changes read from one list.
struct Delta<T> {
    items: Vec<(T, Timestamp)>,
    state: SyncState,
    full: bool,
}

/// Fetches every issue and pull request of `cfg.repo`, incrementally when a cache is
/// configured. See the module documentation for the strategy.
///
/// A cache that cannot be opened, read or written only adds a warning to
/// [`GithubData::warnings`]; the fetch goes on without it.
pub async fn fetch(cfg: &GithubConfig) -> Result<(GithubData, FetchStats), GithubError> {
    let (client, owner, name) = connect(cfg)?;
    let mut warnings = Vec::new();
    let key = cfg.cache_key();

    let mut cache = match &cfg.cache_path {
        Some(path) => {
            let (cache, opened_warnings) = Cache::open(path);
            warnings.extend(opened_warnings);
            cache
        }
        None => None,
    };
    let mut states = (None, None);
    let mut cached_issues = HashMap::new();
    let mut cached_pulls = HashMap::new();
    if let Some(c) = &cache {
        match load_cached(c, &key) {
            Ok((issue_state, pull_state, issues, pulls)) => {
                states = (issue_state, pull_state);
                cached_issues = issues;
                cached_pulls = pulls;
            }
            Err(err) => {
                warnings.push(format!(
                    "cannot read the cache ({err}); fetching everything without it"
                ));
                cache = None;
            }
        }
    }

    let progress = cfg.progress.then_some(cfg.repo.as_str());
    let issues_path = format!(
        "/repos/{owner}/{name}/issues?state=all&sort=updated&direction=desc&per_page={PER_PAGE}"
    );
    let pulls_path = format!(
        "/repos/{owner}/{name}/pulls?state=all&sort=updated&direction=desc&per_page={PER_PAGE}"
    );
    let issues_action = format!("list the issues of {}", cfg.repo);
    let pulls_action = format!("list the pull requests of {}", cfg.repo);
    let issues_purpose = Purpose {
        action: &issues_action,
        permission: "issues: read",
    };
    let pulls_purpose = Purpose {
        action: &pulls_action,
        permission: "pull-requests: read",
    };
    // Both lists at once (two requests in flight at most, as GitHub's guidance on
    // concurrency allows); the first error stops both.
    let issues_sync = sync_list(
        &client,
        issues_path,
        states.0.as_ref(),
        issues_purpose,
        progress.map(|repo| ("issues", repo)),
        parse_issue_page,
    );
    let (issues, pulls) = if cfg.pulls {
        tokio::try_join!(
            issues_sync,
            sync_list(
                &client,
                pulls_path,
                states.1.as_ref(),
                pulls_purpose,
                progress.map(|repo| ("pull requests", repo)),
                parse_pull_page,
            ),
        )?
    } else {
        // Pull requests are not needed: their list is left as the cache has it.
        let kept = Delta {
            items: Vec::new(),
            state: states.1.clone().unwrap_or_default(),
            full: false,
        };
        (issues_sync.await?, kept)
    };

    let mut stats = FetchStats {
        issues_received: issues.items.len(),
        pulls_received: pulls.items.len(),
        issues_full: issues.full,
        pulls_full: pulls.full,
        ..FetchStats::default()
    };
    if let Some(c) = &mut cache {
        match c.store(
            &key,
            &issues.items,
            &issues.state,
            &pulls.items,
            &pulls.state,
        ) {
            Ok(()) => stats.cache_used = true,
            Err(err) => warnings.push(format!(
                "cannot update the cache ({err}); the next run will fetch again"
            )),
        }
    }

    for (issue, _) in issues.items {
        cached_issues.insert(issue.number, issue);
    }
    for (pull, _) in pulls.items {
        cached_pulls.insert(pull.number, pull);
    }
    let mut issues: Vec<Issue> = cached_issues.into_values().collect();
    issues.sort_by_key(|i| i.number);
    let mut pulls: Vec<PullRequest> = cached_pulls.into_values().collect();
    pulls.sort_by_key(|p| p.number);

    if !client.authenticated() {
        warnings.push(
            "no GitHub token: unauthenticated requests are limited to 60 per hour; set GITHUB_TOKEN"
                .to_string(),
        );
    }
    let counters = &client.counters;
    stats.requests = counters.requests.load(Ordering::Relaxed);
    stats.not_modified = counters.not_modified.load(Ordering::Relaxed);
    stats.retries = counters.retries.load(Ordering::Relaxed);
    stats.waited_ms = counters.waited_ms.load(Ordering::Relaxed);
    stats.rate_remaining = u64::try_from(counters.rate_remaining.load(Ordering::Relaxed)).ok();

    let data = GithubData {
        repo: cfg.repo.clone(),
        issues,
        pulls,
        unauthenticated: !client.authenticated(),
        pulls_read: cfg.pulls,
        warnings,
    };
    Ok((data, stats))
}

type Loaded = (
    Option<SyncState>,
    Option<SyncState>,
    HashMap<u64, Issue>,
    HashMap<u64, PullRequest>,
);

fn load_cached(cache: &Cache, key: &CacheKey) -> Result<Loaded, CacheError> {
    let issue_state = cache.sync_state(key, Resource::Issues)?;
    let pull_state = cache.sync_state(key, Resource::Pulls)?;
    let issues = cache
        .load_issues(key)?
        .into_iter()
        .map(|i| (i.number, i))
        .collect();
    let pulls = cache
        .load_pulls(key)?
        .into_iter()
        .map(|p| (p.number, p))
        .collect();
    Ok((issue_state, pull_state, issues, pulls))
}

/// One page: each item (`None` for an item to drop) with its `updated_at`.
type Page<T> = Vec<(Option<T>, Timestamp)>;

fn bad_field(action: &str, (number, field, value): payload::BadField) -> GithubError {
    GithubError::Decode {
        action: action.to_string(),
        message: format!("item #{number} has `{field}` = `{value}`, not an RFC 3339 time"),
    }
}

fn bad_json(action: &str, err: serde_json::Error) -> GithubError {
    GithubError::Decode {
        action: action.to_string(),
        message: format!("not the expected JSON list ({err})"),
    }
}

fn parse_issue_page(body: &str, action: &str) -> Result<Page<Issue>, GithubError> {
    let items: Vec<IssueItem> = serde_json::from_str(body).map_err(|e| bad_json(action, e))?;
    items
        .into_iter()
        .map(|item| {
            if item.pull_request.is_some() {
                let updated = payload::parse_time(&item.updated_at).ok_or_else(|| {
                    bad_field(action, (item.number, "updated_at", item.updated_at.clone()))
                })?;
                return Ok((None, updated));
            }
            let (issue, updated) = item.into_issue().map_err(|b| bad_field(action, b))?;
            Ok((Some(issue), updated))
        })
        .collect()
}

fn parse_pull_page(body: &str, action: &str) -> Result<Page<PullRequest>, GithubError> {
    let items: Vec<payload::PullItem> =
        serde_json::from_str(body).map_err(|e| bad_json(action, e))?;
    items
        .into_iter()
        .map(|item| {
            let (pull, updated) = item.into_pull().map_err(|b| bad_field(action, b))?;
            Ok((Some(pull), updated))
        })
        .collect()
}

/// Pages between two progress lines of a long fetch.
const PROGRESS_EVERY: u32 = 10;

/// The progress line after `pages` pages holding `count` items (`done`: the list is
/// read): one every [`PROGRESS_EVERY`] pages, and a last one with the final count when
/// any was printed.
fn progress_line(pages: u32, count: usize, done: bool, what: &str, repo: &str) -> Option<String> {
    if done {
        (pages >= PROGRESS_EVERY).then(|| format!("slipgate: fetched {count} {what} of {repo}."))
    } else {
        pages
            .is_multiple_of(PROGRESS_EVERY)
            .then(|| format!("slipgate: fetched {count} {what} of {repo}…"))
    }
}

/// Reads one list newest-updated first: a conditional probe, then pages until an item
/// older than the watermark minus the margin (or the end of the list). A list whose
/// links loop or run on fails ([`Pager`]) rather than being kept in part.
async fn sync_list<T>(
    client: &Client,
    probe_path: String,
    prev: Option<&SyncState>,
    purpose: Purpose<'_>,
    progress: Option<(&str, &str)>,
    parse: fn(&str, &str) -> Result<Page<T>, GithubError>,
) -> Result<Delta<T>, GithubError> {
    let etag = prev
        .filter(|p| p.probe_url == probe_path)
        .and_then(|p| p.etag.as_deref());
    let cutoff = prev
        .and_then(|p| p.watermark)
        .map(|w| w - SAFETY_MARGIN_SECS);
    let mut reply = client.get(&probe_path, etag, purpose).await?;
    if reply.status == http::StatusCode::NOT_MODIFIED {
        let mut state = prev.cloned().unwrap_or_default();
        state.synced_at = chrono::Utc::now().timestamp();
        return Ok(Delta {
            items: Vec::new(),
            state,
            full: false,
        });
    }
    let new_etag = reply.header("etag").map(str::to_string);
    let mut watermark = prev.and_then(|p| p.watermark);
    let mut items = Vec::new();
    let mut pager = Pager::new(&probe_path);
    let mut pages = 0u32;
    loop {
        pages += 1;
        let page = parse(&reply.body, purpose.action).map_err(|e| client.scrub(e))?;
        let mut reached_known = false;
        for (item, updated) in page {
            watermark = Some(watermark.map_or(updated, |w| w.max(updated)));
            if cutoff.is_some_and(|c| updated < c) {
                reached_known = true;
            }
            if let Some(item) = item {
                items.push((item, updated));
            }
        }
        let next = if reached_known {
            None
        } else {
            pager.next(&reply, purpose.action)?
        };
        if let Some((what, repo)) = progress
            && let Some(line) = progress_line(pages, items.len(), next.is_none(), what, repo)
        {
            crate::console::eprint_line(&line);
        }
        match next {
            Some(next) => reply = client.get(&next, None, purpose).await?,
            None => break,
        }
    }
    Ok(Delta {
        items,
        state: SyncState {
            probe_url: probe_path,
            etag: new_etag,
            watermark,
            synced_at: chrono::Utc::now().timestamp(),
        },
        full: cutoff.is_none(),
    })
}

// Re-exported so callers need one path for the cache API.
pub use cache::{TestRunRow, TestTotalsRow, record_test_run, test_history};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_lines_every_ten_pages_end_with_the_final_count() {
        let line = |pages, count, done| progress_line(pages, count, done, "issues", "o/r");
        assert_eq!(line(9, 900, false), None);
        assert_eq!(
            line(10, 1000, false).as_deref(),
            Some("slipgate: fetched 1000 issues of o/r…")
        );
        assert_eq!(line(11, 1000, false), None);
        // The list ends on page 12: a last line with the final count.
        assert_eq!(
            line(12, 1169, true).as_deref(),
            Some("slipgate: fetched 1169 issues of o/r.")
        );
        // Short lists print nothing, not even at the end.
        assert_eq!(line(3, 250, true), None);
    }

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
