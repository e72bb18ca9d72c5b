//! HTTP through octocrab, with slipgate's own retry, rate-limit and error handling.
//!
//! octocrab's retry layer is turned off (`RetryConfig::None`): its default retries 5xx
//! and 429 immediately, and its rate-limit mode sleeps until the reset without a bound
//! and hides the status code. Here every request goes through [`Client::send`], which
//! sees the real status and headers and decides: success, 304, a bounded wait on a rate
//! limit, a bounded retry with backoff on 5xx / timeouts / transport errors, or a typed
//! error that says what to do.

use super::redact::Redactor;
use super::{GithubConfig, GithubError, payload::ErrorBody};
use http::header::{HeaderMap, HeaderName, HeaderValue};
use http::{Method, StatusCode};
use octocrab::Octocrab;
use octocrab::service::middleware::retry::RetryConfig;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::time::Instant;

/// Requests one client has in flight at most: the pages of a list read ahead
/// ([`super::pager::Ahead`]) and the lists read at the same time all share these.
pub(crate) const MAX_IN_FLIGHT: usize = 4;

/// What a request is for, to name it in errors: the action ("list the issues of
/// octocat/hello") and the token permission it needs ("issues: read").
#[derive(Debug, Clone, Copy)]
pub(crate) struct Purpose<'a> {
    pub action: &'a str,
    pub permission: &'static str,
}

/// A response with status 2xx or 304, its body read.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `rel="next"` target of the `Link` header, as a path and query.
    pub(crate) fn next_page(&self) -> Option<String> {
        self.header("link")
            .and_then(|h| link_target(h, "next"))
            .map(path_and_query)
    }
}

/// Counters shared by concurrent requests of one client.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub requests: AtomicU32,
    pub not_modified: AtomicU32,
    pub retries: AtomicU32,
    pub waited_ms: AtomicU64,
    /// Last `x-ratelimit-remaining` seen; -1 when none.
    pub rate_remaining: AtomicI64,
}

pub(crate) struct Client {
    crab: Octocrab,
    /// Blanks the token, in any encoding, out of any text that reaches an error.
    redactor: Redactor,
    pub repo: String,
    authenticated: bool,
    max_wait: Duration,
    request_timeout: Duration,
    retry: super::RetryPolicy,
    /// Scheme and authority of the API URL: the only place redirects may lead.
    origin: http::Uri,
    max_response_bytes: u64,
    /// The pages every list read through this client may take, shared with every
    /// other client of the same run.
    page_budget: super::PageBudget,
    pub counters: Counters,
    /// At most [`MAX_IN_FLIGHT`] requests are on the wire at once.
    slots: Semaphore,
    /// No request is sent before this instant: a secondary rate limit's wait holds
    /// every request of the client back, not only the one that got it.
    paused_until: Mutex<Option<Instant>>,
    /// A secondary rate limit was met: lists are no longer read ahead.
    throttled: AtomicBool,
}

/// Rate-limit waits allowed per request before giving up.
const MAX_RATE_WAITS: u32 = 3;
/// GitHub asks to wait at least a minute after a secondary rate limit without
/// `retry-after`.
const SECONDARY_DEFAULT_WAIT: Duration = Duration::from_secs(60);

/// Redirects followed in a row before giving up.
const MAX_REDIRECTS: u32 = 5;

enum Next {
    Retry(Duration),
    Fail(GithubError),
}

/// Why one attempt brought no reply.
enum Failure {
    /// Network, TLS or protocol trouble: worth retrying.
    Transport(Box<dyn std::error::Error + Send + Sync>),
    /// The body is larger than [`GithubConfig::max_response_bytes`]: not retried.
    TooLarge,
}

impl From<octocrab::Error> for Failure {
    fn from(err: octocrab::Error) -> Self {
        Failure::Transport(Box::new(err))
    }
}

/// Reads a body, at most `limit` bytes: a `Content-Length` above it fails before
/// anything is read, and a body without one fails as soon as it passes the limit, so a
/// huge answer never sits in memory. Bytes that are not UTF-8 are replaced (the JSON
/// parser then says what is wrong).
async fn read_body<B>(mut body: B, headers: &HeaderMap, limit: u64) -> Result<String, Failure>
where
    B: http_body_util::BodyExt + Unpin,
    B::Data: AsRef<[u8]>,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let announced = headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if announced.is_some_and(|n| n > limit) {
        return Err(Failure::TooLarge);
    }
    let mut buf: Vec<u8> = Vec::with_capacity(announced.unwrap_or(0).min(1 << 20) as usize);
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| Failure::Transport(e.into()))?;
        if let Ok(data) = frame.into_data() {
            let data = data.as_ref();
            if (buf.len() + data.len()) as u64 > limit {
                return Err(Failure::TooLarge);
            }
            buf.extend_from_slice(data);
        }
    }
    Ok(String::from_utf8(buf)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

/// `scheme://host[:port]` of a URI.
fn origin_text(uri: &http::Uri) -> String {
    format!(
        "{}://{}",
        uri.scheme_str().unwrap_or("https"),
        uri.authority().map(|a| a.as_str()).unwrap_or_default()
    )
}

impl Client {
    pub(crate) fn new(cfg: &GithubConfig) -> Result<Self, GithubError> {
        let token = cfg.effective_token();
        if let Some(token) = token
            && !token.bytes().all(|b| b.is_ascii_graphic())
        {
            return Err(GithubError::BadToken);
        }
        let api_url = cfg.api_url.trim_end_matches('/');
        let bad_url = |reason: String| GithubError::BadApiUrl {
            url: api_url.to_string(),
            reason,
        };
        let uri: http::Uri = api_url.parse().map_err(|e| bad_url(format!("{e}")))?;
        if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.authority().is_none() {
            return Err(bad_url("expected http(s)://HOST[/PATH]".into()));
        }
        let origin = uri.clone();
        let mut builder = Octocrab::builder()
            .add_retry_config(RetryConfig::None)
            .set_connect_timeout(Some(cfg.connect_timeout))
            .set_read_timeout(Some(cfg.request_timeout))
            .set_write_timeout(Some(cfg.request_timeout))
            .add_header(
                http::header::ACCEPT,
                "application/vnd.github+json".to_string(),
            )
            .base_uri(uri)
            .map_err(|e| bad_url(e.to_string()))?;
        if let Some(token) = token {
            builder = builder.personal_token(token.to_string());
        }
        let crab = builder.build().map_err(|e| GithubError::Client {
            message: e.to_string(),
        })?;
        let counters = Counters::default();
        counters.rate_remaining.store(-1, Ordering::Relaxed);
        Ok(Client {
            crab,
            redactor: Redactor::new(token),
            repo: cfg.repo.clone(),
            authenticated: token.is_some(),
            max_wait: cfg.max_wait,
            request_timeout: cfg.request_timeout,
            retry: cfg.retry,
            origin,
            max_response_bytes: cfg.max_response_bytes,
            page_budget: cfg.page_budget.clone(),
            counters,
            slots: Semaphore::new(MAX_IN_FLIGHT),
            paused_until: Mutex::new(None),
            throttled: AtomicBool::new(false),
        })
    }

    pub(crate) fn authenticated(&self) -> bool {
        self.authenticated
    }

    /// Whether GitHub answered a secondary rate limit to this client: from then on its
    /// lists are read one page after another.
    pub(crate) fn throttled(&self) -> bool {
        self.throttled.load(Ordering::Relaxed)
    }

    /// Waits out a pause set by a secondary rate limit, if one is running.
    async fn wait_for_pause(&self) {
        loop {
            let until = *self.paused_until.lock().unwrap_or_else(|e| e.into_inner());
            match until {
                Some(until) if until > Instant::now() => tokio::time::sleep_until(until).await,
                _ => return,
            }
        }
    }

    /// Holds every request of this client back for `wait` (a secondary rate limit), and
    /// stops reading lists ahead.
    fn pause(&self, wait: Duration) {
        self.throttled.store(true, Ordering::Relaxed);
        let until = Instant::now() + wait;
        let mut paused = self.paused_until.lock().unwrap_or_else(|e| e.into_inner());
        if paused.is_none_or(|p| p < until) {
            *paused = Some(until);
        }
    }

    /// The run's page budget ([`super::PageBudget`]).
    pub(crate) fn page_budget(&self) -> &super::PageBudget {
        &self.page_budget
    }

    /// Blanks the token (as sent, percent-encoded, JSON-escaped or base64 as in a
    /// `Basic` header) out of text that came from outside (error bodies, transport
    /// errors, headers) before it goes into an error.
    pub(crate) fn redact(&self, text: &str) -> String {
        self.redactor.apply(text)
    }

    /// `err` with the token blanked out of the text it quotes from an answer (a JSON
    /// parser's message can quote a value).
    pub(crate) fn scrub(&self, err: GithubError) -> GithubError {
        match err {
            GithubError::Decode { action, message } => GithubError::Decode {
                action,
                message: self.redact(&message),
            },
            other => other,
        }
    }

    pub(crate) async fn get(
        &self,
        path_and_query: &str,
        etag: Option<&str>,
        purpose: Purpose<'_>,
    ) -> Result<Reply, GithubError> {
        self.send(Method::GET, path_and_query, None, etag, purpose)
            .await
    }

    pub(crate) async fn post(
        &self,
        path: &str,
        body: &serde_json::Value,
        purpose: Purpose<'_>,
    ) -> Result<Reply, GithubError> {
        self.send(Method::POST, path, Some(body), None, purpose)
            .await
    }

    pub(crate) async fn patch(
        &self,
        path: &str,
        body: &serde_json::Value,
        purpose: Purpose<'_>,
    ) -> Result<Reply, GithubError> {
        self.send(Method::PATCH, path, Some(body), None, purpose)
            .await
    }

    /// One logical request: retried on 5xx, timeouts and transport errors (GET and
    /// PATCH only: a POST that may have reached GitHub is never sent twice), waited
    /// out on rate limits within `max_wait`, and redirected only within the API host
    /// ([`Client::redirect`]).
    async fn send(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<&serde_json::Value>,
        etag: Option<&str>,
        purpose: Purpose<'_>,
    ) -> Result<Reply, GithubError> {
        let retry_transient = method != Method::POST;
        let mut target = path_and_query.to_string();
        let mut failures: u32 = 0;
        let mut rate_waits: u32 = 0;
        let mut redirects: u32 = 0;
        loop {
            self.wait_for_pause().await;
            // The semaphore is never closed; a closed one would only lift the cap.
            let slot = self.slots.acquire().await.ok();
            self.counters.requests.fetch_add(1, Ordering::Relaxed);
            let attempt = tokio::time::timeout(
                self.request_timeout,
                self.send_once(&method, &target, body, etag),
            )
            .await;
            drop(slot);
            let next = match attempt {
                Ok(Ok(reply)) => {
                    if let Some(left) = reply.header("x-ratelimit-remaining")
                        && let Ok(left) = left.trim().parse::<i64>()
                    {
                        self.counters.rate_remaining.store(left, Ordering::Relaxed);
                    }
                    if reply.status.is_success() {
                        return Ok(reply);
                    }
                    if reply.status == StatusCode::NOT_MODIFIED {
                        self.counters.not_modified.fetch_add(1, Ordering::Relaxed);
                        return Ok(reply);
                    }
                    if reply.status.is_redirection() {
                        redirects += 1;
                        match self.redirect(&reply, &method, redirects, purpose) {
                            Ok(location) => {
                                target = location;
                                continue;
                            }
                            Err(err) => return Err(err),
                        }
                    }
                    self.classify(
                        &reply,
                        &mut failures,
                        &mut rate_waits,
                        retry_transient,
                        purpose,
                    )
                }
                Ok(Err(Failure::TooLarge)) => Next::Fail(GithubError::TooLarge {
                    action: purpose.action.to_string(),
                    limit_bytes: self.max_response_bytes,
                }),
                Ok(Err(Failure::Transport(err))) => {
                    failures += 1;
                    if retry_transient && failures < self.retry.attempts {
                        Next::Retry(self.retry.delay(failures))
                    } else {
                        Next::Fail(GithubError::Transport {
                            action: purpose.action.to_string(),
                            attempts: failures,
                            message: self.redact(&error_chain(&*err)),
                        })
                    }
                }
                Err(_elapsed) => {
                    failures += 1;
                    if retry_transient && failures < self.retry.attempts {
                        Next::Retry(self.retry.delay(failures))
                    } else {
                        Next::Fail(GithubError::Timeout {
                            action: purpose.action.to_string(),
                            attempts: failures,
                            seconds: self.request_timeout.as_secs_f64(),
                        })
                    }
                }
            };
            match next {
                Next::Fail(err) => return Err(err),
                Next::Retry(delay) => {
                    self.counters.retries.fetch_add(1, Ordering::Relaxed);
                    self.counters
                        .waited_ms
                        .fetch_add(delay.as_millis() as u64, Ordering::Relaxed);
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }

    /// Where a redirect leads, as a path and query on the API host: followed only to
    /// the same scheme, host and port as the configured API URL (a renamed repository
    /// answers 301 to `/repositories/ID/...` there), at most [`MAX_REDIRECTS`] in a row,
    /// and for GET (or, with 307 / 308, which keep the method and body, any request).
    /// A redirect elsewhere is an error: an answer from another host is never the data.
    fn redirect(
        &self,
        reply: &Reply,
        method: &Method,
        redirects: u32,
        purpose: Purpose<'_>,
    ) -> Result<String, GithubError> {
        let fail = |problem: String| GithubError::Redirect {
            action: purpose.action.to_string(),
            status: reply.status.as_u16(),
            problem,
        };
        let keeps_method = matches!(
            reply.status,
            StatusCode::TEMPORARY_REDIRECT | StatusCode::PERMANENT_REDIRECT
        );
        if *method != Method::GET && !keeps_method {
            return Err(fail(format!(
                "a {method} request is not repeated as another method"
            )));
        }
        if redirects > MAX_REDIRECTS {
            return Err(fail(format!(
                "more than {MAX_REDIRECTS} redirects in a row"
            )));
        }
        let Some(location) = reply
            .header("location")
            .and_then(|l| l.trim().parse::<http::Uri>().ok())
        else {
            return Err(fail("it names no usable `Location`".to_string()));
        };
        if let Some(authority) = location.authority() {
            let same = location.scheme() == self.origin.scheme()
                && Some(authority.as_str().to_ascii_lowercase())
                    == self
                        .origin
                        .authority()
                        .map(|a| a.as_str().to_ascii_lowercase());
            if !same {
                // Host and port only: a `user:password@` part is never shown.
                let scheme = location.scheme_str().unwrap_or("?");
                let port = authority
                    .port_u16()
                    .map(|p| format!(":{p}"))
                    .unwrap_or_default();
                return Err(fail(self.redact(&format!(
                    "it leads to {scheme}://{}{port}, outside the API host {}",
                    authority.host(),
                    origin_text(&self.origin)
                ))));
            }
        } else if location.scheme().is_some() {
            return Err(fail("it names no usable `Location`".to_string()));
        }
        match location.path_and_query() {
            Some(pq) if pq.as_str().starts_with('/') => Ok(pq.as_str().to_string()),
            _ => Err(fail("it names no usable `Location`".to_string())),
        }
    }

    async fn send_once(
        &self,
        method: &Method,
        path_and_query: &str,
        body: Option<&serde_json::Value>,
        etag: Option<&str>,
    ) -> Result<Reply, Failure> {
        let uri = path_and_query.to_string();
        let response = match *method {
            Method::POST => self.crab._post(uri, body).await?,
            Method::PATCH => self.crab._patch(uri, body).await?,
            _ => {
                let headers = etag
                    .and_then(|etag| HeaderValue::from_str(etag).ok())
                    .map(|etag| {
                        let mut headers = HeaderMap::new();
                        headers.insert(HeaderName::from_static("if-none-match"), etag);
                        headers
                    });
                self.crab._get_with_headers(uri, headers).await?
            }
        };
        let status = response.status();
        let headers = response.headers().clone();
        let body = read_body(response.into_body(), &headers, self.max_response_bytes).await?;
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    /// Decides what a non-success status means.
    fn classify(
        &self,
        reply: &Reply,
        failures: &mut u32,
        rate_waits: &mut u32,
        retry_transient: bool,
        purpose: Purpose<'_>,
    ) -> Next {
        let status = reply.status;
        let message = serde_json::from_str::<ErrorBody>(&reply.body)
            .map(|b| b.message)
            .unwrap_or_default();
        let message = self.redact(message.trim());
        let action = purpose.action.to_string();
        let remaining = reply
            .header("x-ratelimit-remaining")
            .and_then(|v| v.trim().parse::<u64>().ok());
        let retry_after = reply
            .header("retry-after")
            .and_then(|v| v.trim().parse::<u64>().ok());
        let is_limit_status =
            status == StatusCode::FORBIDDEN || status == StatusCode::TOO_MANY_REQUESTS;

        if is_limit_status && remaining == Some(0) && retry_after.is_none() {
            // Primary rate limit: wait until the reset when that is soon enough.
            let now = chrono::Utc::now().timestamp();
            let reset = reply
                .header("x-ratelimit-reset")
                .and_then(|v| v.trim().parse::<i64>().ok());
            let wait = reset.map(|r| Duration::from_secs(r.saturating_sub(now).max(0) as u64));
            if let Some(wait) = wait
                && wait <= self.max_wait
                && *rate_waits < MAX_RATE_WAITS
            {
                *rate_waits += 1;
                // One extra second so the request lands after the reset, not on it.
                let slack = if wait.is_zero() {
                    Duration::ZERO
                } else {
                    Duration::from_secs(1)
                };
                return Next::Retry(wait + slack);
            }
            return Next::Fail(GithubError::RateLimited {
                action,
                reset: reset.map(super::payload::format_time),
                limit: reply
                    .header("x-ratelimit-limit")
                    .and_then(|v| v.trim().parse().ok()),
                authenticated: self.authenticated,
                max_wait_secs: self.max_wait.as_secs(),
            });
        }
        let secondary = is_limit_status
            && (retry_after.is_some()
                || status == StatusCode::TOO_MANY_REQUESTS
                || message
                    .to_ascii_lowercase()
                    .contains("secondary rate limit"));
        if secondary {
            let wait = retry_after
                .map(Duration::from_secs)
                .unwrap_or(SECONDARY_DEFAULT_WAIT);
            if wait <= self.max_wait && *rate_waits < MAX_RATE_WAITS {
                *rate_waits += 1;
                self.pause(wait);
                return Next::Retry(wait);
            }
            return Next::Fail(GithubError::SecondaryRateLimit {
                action,
                retry_after_secs: wait.as_secs(),
                max_wait_secs: self.max_wait.as_secs(),
            });
        }
        if status.is_server_error() {
            *failures += 1;
            if retry_transient && *failures < self.retry.attempts {
                return Next::Retry(self.retry.delay(*failures));
            }
            return Next::Fail(GithubError::Server {
                action,
                status: status.as_u16(),
                attempts: *failures,
                message,
            });
        }
        Next::Fail(match status {
            StatusCode::UNAUTHORIZED => GithubError::Unauthorized { action },
            StatusCode::NOT_FOUND => GithubError::NotFound {
                action,
                repo: self.repo.clone(),
                authenticated: self.authenticated,
            },
            StatusCode::FORBIDDEN => GithubError::Forbidden {
                action,
                permission: purpose.permission,
                message,
            },
            _ => GithubError::Status {
                action,
                status: status.as_u16(),
                message,
            },
        })
    }
}

/// The error and its sources on one line.
fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// The URL of a `Link` header with relation `rel` (`next`, `last`):
/// `<https://api.github.com/...&page=2>; rel="next", <...>; rel="last"`.
pub(crate) fn link_target<'h>(header: &'h str, rel: &str) -> Option<&'h str> {
    header.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        params
            .split(';')
            .any(|p| {
                let p = p.trim();
                p.strip_prefix("rel=")
                    .map(|v| v.trim_matches('"').split_whitespace().any(|r| r == rel))
                    .unwrap_or(false)
            })
            .then_some(target)
    })
}

/// Keeps only the path and query of a URL, so the request goes to the configured API
/// host with the token (octocrab adds the token only to relative URIs or the base
/// host) and never to another host a header might name.
pub(crate) fn path_and_query(url: &str) -> String {
    match url.parse::<http::Uri>() {
        Ok(uri) => uri
            .path_and_query()
            .map(|pq| pq.as_str().to_string())
            .unwrap_or_else(|| "/".to_string()),
        Err(_) => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_targets_among_others() {
        let header = "<https://api.github.com/repositories/1300192/issues?page=2>; rel=\"prev\", \
                      <https://api.github.com/repositories/1300192/issues?page=4>; rel=\"next\", \
                      <https://api.github.com/repositories/1300192/issues?page=515>; rel=\"last\"";
        assert_eq!(
            link_target(header, "next"),
            Some("https://api.github.com/repositories/1300192/issues?page=4")
        );
        assert_eq!(
            link_target(header, "last"),
            Some("https://api.github.com/repositories/1300192/issues?page=515")
        );
        assert_eq!(
            link_target(
                "<https://x/issues?page=1>; rel=\"first\", <https://x/i?page=3>; rel=\"last\"",
                "next"
            ),
            None
        );
        assert_eq!(link_target("", "next"), None);
        assert_eq!(link_target("garbage", "next"), None);
    }

    #[test]
    fn path_and_query_drops_host() {
        assert_eq!(
            path_and_query("https://ghe.example.com/api/v3/repos/o/r/issues?page=2&per_page=100"),
            "/api/v3/repos/o/r/issues?page=2&per_page=100"
        );
        assert_eq!(
            path_and_query("/repos/o/r/pulls?page=3"),
            "/repos/o/r/pulls?page=3"
        );
    }
}
