//! GitHub issues and pull requests through octocrab, kept in an incremental local cache.
//!
//! # What is fetched
//! - `GET /repos/{o}/{r}/issues?state=all&sort=updated&direction=desc&per_page=100`: every
//!   issue (items with a `pull_request` key are dropped: pull requests are never issues).
//! - `GET /repos/{o}/{r}/pulls?state=all&sort=updated&direction=desc&per_page=100`: every
//!   pull request (created/merged times, merge commit, base branch, labels).
//!
//! - `GET /repos/{o}/{r}/issues/comments?sort=updated&direction=asc&since=…&per_page=100`:
//!   the comments on every issue and pull request, read only when time to first response
//!   is wanted ([`GithubConfig::comments`]): id, issue number (from `issue_url`), author
//!   login and type, created time. Never one request per issue.
//!
//! Pages are followed through the `Link` header (`rel="next"`). A `rel="next"` naming a
//! page already read, more pages than the first page's `rel="last"` announced (plus a
//! margin), a list ending before the announced last page (less a page of tolerance),
//! more pages than the run's [`PageBudget`](crate::github::PageBudget) allows (every
//! list together), or a rate limit down to its reserve is an error: a list is used and
//! cached only when read to its end. Bodies
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
//! The comment list is read oldest-updated first (`sort=updated&direction=asc`), from
//! `since` = its watermark minus [`SAFETY_MARGIN_SECS`] (no `since` on a cold run), to
//! its end. The probe the next run sends with `If-None-Match` is the last page read when
//! it was not full: a new or edited comment moves to the end of the list, onto that
//! page, and changes its ETag, so a `304` proves nothing changed (one request). When the
//! last page was full, a new comment could land on a later page: the next run asks from
//! the watermark instead (one request, a `200`, whose page becomes the probe). A cold
//! read costs `ceil(C / 100)` requests for C comments; a run with nothing new one `304`.
//! Edited comments come again; deleted ones stay in the cache.
//!
//! A cold run (no cache, `--no-cache`, or a rebuilt cache) reads every page: for I issues
//! and P pull requests, `ceil((I + P) / 100) + ceil(P / 100)` requests (the issues list
//! includes pull requests).
//!
//! Deleted or transferred issues are not noticed by an incremental run (GitHub lists
//! only what exists); delete the cache file to start over.

use crate::collect::cache::{Cache, CacheError, CacheKey, Resource, SyncState};
use crate::github::payload::{self, IssueCommentItem, IssueItem, Label, PullItem};
use crate::github::{Ahead, Client, GithubConfig, GithubError, PER_PAGE, Pager, Purpose, connect};
use crate::model::{GithubData, Issue, IssueComment, PullRequest, Timestamp};
use crate::store::RunCache;
use std::collections::HashMap;
use std::sync::atomic::Ordering;

/// How far before the watermark an incremental run keeps reading, to catch items whose
/// `updated_at` reached the list late (replication lag, clock skew between GitHub's
/// hosts). Five minutes.
pub const SAFETY_MARGIN_SECS: i64 = 300;

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
    /// Comments received in this run (none when comments were not read).
    pub comments_received: usize,
    /// The issue list was read in full (no usable cache state).
    pub issues_full: bool,
    /// The pull request list was read in full.
    pub pulls_full: bool,
    /// The comment list was read in full.
    pub comments_full: bool,
    /// The cache was read and written.
    pub cache_used: bool,
    /// Last `x-ratelimit-remaining` GitHub reported.
    pub rate_remaining: Option<u64>,
}
/// The rows of the cache that `cfg` reads and writes: its API URL (without a trailing
/// `/`) and repository.
fn cache_key(cfg: &GithubConfig) -> CacheKey {
    CacheKey {
        api_url: cfg.api_url.trim_end_matches('/').to_string(),
        repo: cfg.repo.clone(),
    }
}

/// Changes read from one list.
struct Delta<T> {
    items: Vec<(T, Timestamp)>,
    state: SyncState,
    full: bool,
    /// The last page read (after a `200`): its path and query, ETag and item count.
    last_page: Option<(String, Option<String>, usize)>,
    /// Nothing to write: the list answered `304` (or was not read), and its sync
    /// state is the cache's as it is.
    unchanged: bool,
}

/// GitHub data read for a report, or why there is none, and the repository read.
pub struct GithubRead {
    pub data: Option<GithubData>,
    pub skipped: Option<String>,
    pub repo: Option<String>,
}

impl GithubRead {
    /// No data, for the reason `why`.
    pub fn skipped(why: &str) -> GithubRead {
        GithubRead {
            data: None,
            skipped: Some(why.to_string()),
            repo: None,
        }
    }
}

/// Why [`read_blocking`] read nothing.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The async runtime the fetch runs on could not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error(transparent)]
    Github(#[from] GithubError),
}

/// [`fetch`] on a runtime of its own, for callers that do not run async code: the data
/// read of `cfg.repo`, and what the fetch cost.
pub fn read_blocking(cfg: &GithubConfig) -> Result<(GithubRead, FetchStats), FetchError> {
    read_blocking_in(cfg, &mut RunCache::new(cfg.cache_path.clone()))
}

/// [`read_blocking`] with the run's cache (`cfg.cache_path` is not looked at): the file
/// it opens stays open for the rest of the run.
pub fn read_blocking_in(
    cfg: &GithubConfig,
    cache: &mut RunCache,
) -> Result<(GithubRead, FetchStats), FetchError> {
    let (data, stats) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(FetchError::Runtime)?
        .block_on(fetch_in(cfg, cache))?;
    let read = GithubRead {
        data: Some(data),
        skipped: None,
        repo: Some(cfg.repo.clone()),
    };
    Ok((read, stats))
}

impl FetchStats {
    /// The `--verbose` line of a fetch that read `data`.
    pub fn describe(&self, data: &GithubData) -> String {
        let comments = if data.comments_read {
            format!(", {} comments", data.comments.len())
        } else {
            String::new()
        };
        format!(
            "github: {} issues, {} pull requests{comments}; {} requests ({} not modified, {} retries){}",
            data.issues.len(),
            data.pulls.len(),
            self.requests,
            self.not_modified,
            self.retries,
            self.rate_remaining
                .map(|r| format!("; rate limit remaining {r}"))
                .unwrap_or_default()
        )
    }
}

/// Fetches every issue and pull request of `cfg.repo`, incrementally when a cache is
/// configured. See the module documentation for the strategy.
///
/// A cache that cannot be opened, read or written only adds a warning to
/// [`GithubData::warnings`]; the fetch goes on without it.
pub async fn fetch(cfg: &GithubConfig) -> Result<(GithubData, FetchStats), GithubError> {
    fetch_in(cfg, &mut RunCache::new(cfg.cache_path.clone())).await
}

/// [`fetch`] with the run's cache, `run_cache` (`cfg.cache_path` is not looked at):
/// opened here if nothing opened it before, and left open for the rest of the run (the
/// run history, the run recorded), so one run opens its cache file once.
pub async fn fetch_in(
    cfg: &GithubConfig,
    run_cache: &mut RunCache,
) -> Result<(GithubData, FetchStats), GithubError> {
    let (client, owner, name) = connect(cfg)?;
    let mut warnings = Vec::new();
    let key = cache_key(cfg);

    let mut cache = match run_cache.file(&mut warnings) {
        Some(Ok(file)) => Some(Cache::of(file)),
        Some(Err(err)) => {
            warnings.push(format!("{err}; going on without the cache"));
            None
        }
        None => None,
    };
    let mut states = (None, None);
    let mut cached_issues = HashMap::new();
    let mut cached_pulls = HashMap::new();
    let mut comment_state = None;
    let mut cached_comments = HashMap::new();
    let mut loaded = cache.as_ref().map(|c| load_cached(c, &key, cfg.comments));
    // A read that meets a damaged file opens it again with the integrity check, which
    // moves it aside: this run then fetches everything into a new cache.
    if let Some(Err(err)) = &loaded
        && err.is_corrupt()
    {
        drop(cache.take());
        cache = run_cache.reopen_checked(&mut warnings).map(Cache::of);
        loaded = cache.as_ref().map(|c| load_cached(c, &key, cfg.comments));
    }
    if let Some(loaded) = loaded {
        match loaded {
            Ok(loaded) => {
                states = (loaded.issue_state, loaded.pull_state);
                cached_issues = loaded.issues;
                cached_pulls = loaded.pulls;
                comment_state = loaded.comment_state;
                cached_comments = loaded.comments;
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
        false,
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
                false,
            ),
        )?
    } else {
        // Pull requests are not needed: their list is left as the cache has it.
        let kept = Delta {
            items: Vec::new(),
            state: states.1.clone().unwrap_or_default(),
            full: false,
            last_page: None,
            unchanged: true,
        };
        (issues_sync.await?, kept)
    };

    // The comments after both lists: still two requests in flight at most.
    let comments = if cfg.comments {
        let path = comments_probe(&owner, &name, comment_state.as_ref());
        let action = format!("list the issue comments of {}", cfg.repo);
        let purpose = Purpose {
            action: &action,
            permission: "issues: read",
        };
        let progress = progress.map(|repo| ("comments", repo));
        let read = sync_list(
            &client,
            path,
            comment_state.as_ref(),
            purpose,
            progress,
            parse_comment_page,
            true,
        );
        let mut read = read.await?;
        next_comments_probe(&owner, &name, &mut read);
        Some(read)
    } else {
        None
    };

    let mut stats = FetchStats {
        comments_received: comments.as_ref().map_or(0, |c| c.items.len()),
        comments_full: comments.as_ref().is_some_and(|c| c.full),
        issues_received: issues.items.len(),
        pulls_received: pulls.items.len(),
        issues_full: issues.full,
        pulls_full: pulls.full,
        ..FetchStats::default()
    };
    if let Some(c) = &mut cache {
        // A warm run whose lists all answered 304 writes nothing: the file stays
        // byte for byte as it was.
        let stored = if issues.unchanged && pulls.unchanged {
            Ok(())
        } else {
            c.store(
                &key,
                &issues.items,
                &issues.state,
                &pulls.items,
                &pulls.state,
            )
        };
        match stored {
            Ok(()) => stats.cache_used = true,
            Err(err) => warnings.push(format!(
                "cannot update the cache ({err}); the next run will fetch again"
            )),
        }
        if let Some(d) = &comments
            && stats.cache_used
            && !d.unchanged
            && let Err(err) = c.store_comments(&key, &d.items, &d.state)
        {
            warnings.push(format!(
                "cannot update the cache ({err}); the next run will fetch again"
            ));
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
    let comments_read = comments.is_some();
    for (comment, _) in comments.map(|d| d.items).unwrap_or_default() {
        cached_comments.insert(comment.id, comment);
    }
    let mut comments: Vec<IssueComment> = if comments_read {
        cached_comments.into_values().collect()
    } else {
        Vec::new()
    };
    comments.sort_by_key(|c| (c.created_at, c.id));

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
        comments,
        comments_read,
        warnings,
    };
    Ok((data, stats))
}

/// What the cache holds of one repository.
struct Loaded {
    issue_state: Option<SyncState>,
    pull_state: Option<SyncState>,
    comment_state: Option<SyncState>,
    issues: HashMap<u64, Issue>,
    pulls: HashMap<u64, PullRequest>,
    comments: HashMap<u64, IssueComment>,
}

/// The cached lists of `key`; the comments only when `comments` (they are read).
fn load_cached(cache: &Cache, key: &CacheKey, comments: bool) -> Result<Loaded, CacheError> {
    let (comment_state, comment_rows) = if comments {
        (
            cache.sync_state(key, Resource::Comments)?,
            cache.load_comments(key)?,
        )
    } else {
        (None, Vec::new())
    };
    Ok(Loaded {
        issue_state: cache.sync_state(key, Resource::Issues)?,
        pull_state: cache.sync_state(key, Resource::Pulls)?,
        comment_state,
        issues: cache
            .load_issues(key)?
            .into_iter()
            .map(|i| (i.number, i))
            .collect(),
        pulls: cache
            .load_pulls(key)?
            .into_iter()
            .map(|p| (p.number, p))
            .collect(),
        comments: comment_rows.into_iter().map(|c| (c.id, c)).collect(),
    })
}

/// The page of the comment list to ask first: the probe the last read left, else from
/// its watermark (less the margin), else from the start.
fn comments_probe(owner: &str, name: &str, prev: Option<&SyncState>) -> String {
    let list = format!("/repos/{owner}/{name}/issues/comments?");
    match prev {
        Some(p) if p.probe_url.starts_with(&list) => p.probe_url.clone(),
        _ => comments_path(owner, name, prev),
    }
}

/// The probe the next run asks with `If-None-Match`: the last page read when it was not
/// full (oldest-updated first, a new or edited comment lands on it and changes its ETag,
/// so a `304` proves nothing changed); after a full last page a new comment could land
/// on a page after it, so the next run asks from the watermark instead, without ETag.
fn next_comments_probe<T>(owner: &str, name: &str, read: &mut Delta<T>) {
    let Some((path, etag, count)) = read.last_page.take() else {
        return;
    };
    if count < PER_PAGE as usize {
        read.state.probe_url = path;
        read.state.etag = etag;
    } else {
        read.state.probe_url = comments_path(owner, name, Some(&read.state));
        read.state.etag = None;
    }
}

/// The first page of the comment list: from the stored watermark less the margin, or
/// from the start.
fn comments_path(owner: &str, name: &str, prev: Option<&SyncState>) -> String {
    let since = prev
        .and_then(|p| p.watermark)
        .map(|w| format!("&since={}", crate::model::rfc3339(w - SAFETY_MARGIN_SECS)))
        .unwrap_or_default();
    format!(
        "/repos/{owner}/{name}/issues/comments?sort=updated&direction=asc{since}&per_page={PER_PAGE}"
    )
}

/// A field that did not parse: (item number, field name, value).
type BadField = (u64, &'static str, String);

fn time(number: u64, field: &'static str, s: &str) -> Result<Timestamp, BadField> {
    payload::parse_time(s).ok_or_else(|| (number, field, s.to_string()))
}

fn opt_time(
    number: u64,
    field: &'static str,
    s: Option<&str>,
) -> Result<Option<Timestamp>, BadField> {
    s.map(|s| time(number, field, s)).transpose()
}

fn label_names(labels: Vec<Label>) -> Vec<String> {
    labels.into_iter().filter_map(Label::into_name).collect()
}

/// The model issue of `item` and its `updated_at`.
fn into_issue(item: IssueItem) -> Result<(Issue, Timestamp), BadField> {
    let n = item.number;
    let updated = time(n, "updated_at", &item.updated_at)?;
    let issue = Issue {
        number: n,
        created_at: time(n, "created_at", &item.created_at)?,
        closed_at: opt_time(n, "closed_at", item.closed_at.as_deref())?,
        open: item.state == "open",
        author: item.user.map(|u| u.login).unwrap_or_default(),
        title: item.title,
        url: item.html_url,
        labels: label_names(item.labels),
        state_reason: item.state_reason,
    };
    Ok((issue, updated))
}

/// The model pull request of `item` and its `updated_at`.
fn into_pull(item: PullItem) -> Result<(PullRequest, Timestamp), BadField> {
    let n = item.number;
    let updated = time(n, "updated_at", &item.updated_at)?;
    let pull = PullRequest {
        number: n,
        created_at: time(n, "created_at", &item.created_at)?,
        merged_at: opt_time(n, "merged_at", item.merged_at.as_deref())?,
        title: item.title,
        url: item.html_url,
        labels: label_names(item.labels),
        merge_commit_sha: item.merge_commit_sha,
        base: item.base.name,
    };
    Ok((pull, updated))
}

/// One page: each item (`None` for an item to drop) with its `updated_at`.
type Page<T> = Vec<(Option<T>, Timestamp)>;

fn bad_field(action: &str, (number, field, value): BadField) -> GithubError {
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
            let (issue, updated) = into_issue(item).map_err(|b| bad_field(action, b))?;
            Ok((Some(issue), updated))
        })
        .collect()
}

/// The issue number at the end of a comment's `issue_url`.
fn issue_number(url: &str) -> Option<u64> {
    let (_, last) = url.rsplit_once("/issues/")?;
    last.parse().ok()
}

/// The model comment of `item` and its `updated_at`.
fn into_comment(item: IssueCommentItem) -> Result<(IssueComment, Timestamp), BadField> {
    let id = item.id;
    let issue = issue_number(&item.issue_url).ok_or((id, "issue_url", item.issue_url.clone()))?;
    let (author, author_type) = item.user.map(|u| (u.login, u.kind)).unwrap_or_default();
    let comment = IssueComment {
        id,
        issue,
        author,
        author_type,
        created_at: time(id, "created_at", &item.created_at)?,
    };
    Ok((comment, time(id, "updated_at", &item.updated_at)?))
}

fn parse_comment_page(body: &str, action: &str) -> Result<Page<IssueComment>, GithubError> {
    let items: Vec<IssueCommentItem> =
        serde_json::from_str(body).map_err(|e| bad_json(action, e))?;
    items
        .into_iter()
        .map(|item| {
            let (comment, updated) = into_comment(item).map_err(|b| {
                if b.1 == "issue_url" {
                    GithubError::Decode {
                        action: action.to_string(),
                        message: format!(
                            "comment {} has `issue_url` = `{}`, not an issue's API URL",
                            b.0, b.2
                        ),
                    }
                } else {
                    bad_field(action, b)
                }
            })?;
            Ok((Some(comment), updated))
        })
        .collect()
}

fn parse_pull_page(body: &str, action: &str) -> Result<Page<PullRequest>, GithubError> {
    let items: Vec<PullItem> = serde_json::from_str(body).map_err(|e| bad_json(action, e))?;
    items
        .into_iter()
        .map(|item| {
            let (pull, updated) = into_pull(item).map_err(|b| bad_field(action, b))?;
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
/// older than the watermark minus the margin (or the end of the list). With `since`
/// the probe already starts at the watermark (oldest-updated first): every page is read
/// to the end. A list whose links loop or run on fails ([`Pager`]) rather than being
/// kept in part.
async fn sync_list<T>(
    client: &Client,
    probe_path: String,
    prev: Option<&SyncState>,
    purpose: Purpose<'_>,
    progress: Option<(&str, &str)>,
    parse: fn(&str, &str) -> Result<Page<T>, GithubError>,
    since: bool,
) -> Result<Delta<T>, GithubError> {
    let etag = prev
        .filter(|p| p.probe_url == probe_path)
        .and_then(|p| p.etag.as_deref());
    let full = prev.and_then(|p| p.watermark).is_none();
    let cutoff = prev
        .and_then(|p| p.watermark)
        .filter(|_| !since)
        .map(|w| w - SAFETY_MARGIN_SECS);
    let mut reply = client.get(&probe_path, etag, purpose).await?;
    if reply.status == http::StatusCode::NOT_MODIFIED {
        // Nothing changed: the sync state stays as stored (`synced_at` is the time of
        // the last read that brought something), and nothing is written.
        return Ok(Delta {
            items: Vec::new(),
            state: prev.cloned().unwrap_or_default(),
            full: false,
            last_page: None,
            unchanged: true,
        });
    }
    let new_etag = reply.header("etag").map(str::to_string);
    let mut watermark = prev.and_then(|p| p.watermark);
    let mut items = Vec::new();
    let mut pager = Pager::new(&probe_path, client.page_budget(), cutoff.is_none());
    let mut pages = 0u32;
    let mut last_page = (probe_path.clone(), None, 0);
    // Only a read to the end reads ahead: an incremental one stops at known items.
    let mut ahead = Ahead::after_first(&reply, cutoff.is_none());
    loop {
        pages += 1;
        let page = parse(&reply.body, purpose.action).map_err(|e| client.scrub(e))?;
        last_page.1 = reply.header("etag").map(str::to_string);
        last_page.2 = page.len();
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
            Some(next) => {
                reply = ahead.get(client, &next, purpose).await?;
                last_page.0 = next;
            }
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
        full,
        last_page: Some(last_page),
        unchanged: false,
    })
}

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
    fn labels_as_names_or_objects() {
        let item: IssueItem = serde_json::from_str(
            r#"{"number": 7, "created_at": "2011-04-22T13:33:48Z",
                "updated_at": "2011-04-22T13:33:48Z",
                "labels": ["Bug", {"name": "P1", "color": "f00"}, {"id": 3}]}"#,
        )
        .unwrap();
        let (issue, updated) = into_issue(item).unwrap();
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
            into_issue(item).unwrap_err(),
            (7, "created_at", "soon".to_string())
        );
    }
}
