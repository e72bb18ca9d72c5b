//! A fake GitHub REST API on a local wiremock server, for tests and benchmarks.
//!
//! It keeps issues, pull requests and comments of one repository in memory and serves
//! them the way api.github.com does: `Link` pagination (`page`, `per_page` ≤ 100),
//! `state` / `sort` / `direction` / `since` / `labels` parameters, weak ETags with
//! `304 Not Modified` on `If-None-Match`, rate-limit headers, GitHub's error bodies, and
//! the issues list returning pull requests too (with a `pull_request` key). Every payload
//! is the official example response from `tests/fixtures/github/` with only the fields
//! that matter changed.
//!
//! Failures are injected ahead of the fake with [`MockHub::fail_next`] and the response
//! builders ([`primary_rate_limit`], [`secondary_rate_limit`], [`status`]).
//!
//! ```ignore
//! let hub = MockHub::start("octocat/hello").await;
//! hub.add_issue(HubIssue::new(1, T0).labels(&["Bug"]));
//! hub.add_pull(HubPull::new(2, T0).merged(T0 + 3600));
//! // point the code under test at hub.uri()
//! assert_eq!(hub.requests().await.len(), 2);
//! ```
#![allow(dead_code)]

use serde_json::{Value, json};
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, MutexGuard};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// 2024-06-01T00:00:00Z: the fake's clock starts here.
pub const HUB_EPOCH: i64 = 1_717_200_000;

const ISSUE_TEMPLATE: &str = include_str!("../fixtures/github/list-repo-issues.json");
const SINGLE_ISSUE_TEMPLATE: &str = include_str!("../fixtures/github/create-issue.json");
const PULL_TEMPLATE: &str = include_str!("../fixtures/github/list-pulls.json");
const COMMENT_TEMPLATE: &str = include_str!("../fixtures/github/list-issue-comments.json");
const SINGLE_COMMENT_TEMPLATE: &str = include_str!("../fixtures/github/create-issue-comment.json");

/// An issue as the fake keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct HubIssue {
    pub number: u64,
    pub title: String,
    pub body: String,
    pub labels: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub closed_at: Option<i64>,
    pub state_reason: Option<String>,
    /// Who opened it.
    pub author: HubAuthor,
}

impl HubIssue {
    /// An open issue created (and last updated) at `created_at`.
    pub fn new(number: u64, created_at: i64) -> Self {
        HubIssue {
            number,
            title: format!("Issue {number}"),
            body: format!("Body of issue {number}."),
            labels: Vec::new(),
            created_at,
            updated_at: created_at,
            closed_at: None,
            state_reason: None,
            author: HubAuthor::person("octocat"),
        }
    }

    pub fn labels(mut self, labels: &[&str]) -> Self {
        self.labels = labels.iter().map(|l| l.to_string()).collect();
        self
    }

    pub fn author(mut self, author: HubAuthor) -> Self {
        self.author = author;
        self
    }

    pub fn title(mut self, title: &str) -> Self {
        self.title = title.to_string();
        self
    }

    pub fn body(mut self, body: &str) -> Self {
        self.body = body.to_string();
        self
    }

    /// Closed at `at` with `reason` (`completed`, `not_planned`, `duplicate`, or none as
    /// older issues have); also updated then.
    pub fn closed(mut self, at: i64, reason: Option<&str>) -> Self {
        self.closed_at = Some(at);
        self.state_reason = reason.map(str::to_string);
        self.updated_at = self.updated_at.max(at);
        self
    }

    pub fn updated(mut self, at: i64) -> Self {
        self.updated_at = at;
        self
    }
}

/// A pull request as the fake keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct HubPull {
    pub number: u64,
    pub title: String,
    pub labels: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub closed_at: Option<i64>,
    pub merged_at: Option<i64>,
    pub merge_commit_sha: Option<String>,
    pub base: String,
}

impl HubPull {
    /// An open pull request into `main`, created (and last updated) at `created_at`.
    pub fn new(number: u64, created_at: i64) -> Self {
        HubPull {
            number,
            title: format!("Pull request {number}"),
            labels: Vec::new(),
            created_at,
            updated_at: created_at,
            closed_at: None,
            merged_at: None,
            merge_commit_sha: Some(format!("{number:040x}")),
            base: "main".to_string(),
        }
    }

    /// Merged (and closed, and updated) at `at`.
    pub fn merged(mut self, at: i64) -> Self {
        self.merged_at = Some(at);
        self.closed_at = Some(at);
        self.updated_at = self.updated_at.max(at);
        self
    }

    /// Closed without merging at `at`.
    pub fn closed(mut self, at: i64) -> Self {
        self.closed_at = Some(at);
        self.updated_at = self.updated_at.max(at);
        self
    }

    pub fn labels(mut self, labels: &[&str]) -> Self {
        self.labels = labels.iter().map(|l| l.to_string()).collect();
        self
    }

    pub fn base(mut self, base: &str) -> Self {
        self.base = base.to_string();
        self
    }
}

/// An issue or pull request comment.
#[derive(Debug, Clone, PartialEq)]
pub struct HubComment {
    pub id: u64,
    pub issue: u64,
    pub body: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub author: HubAuthor,
}

/// Who wrote a comment or issue: `user.login`, `user.type`, and the app it was
/// written through (`performed_via_github_app.slug`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubAuthor {
    pub login: String,
    pub kind: String,
    pub app: Option<String>,
}

impl HubAuthor {
    /// A person (`type: User`), writing directly.
    pub fn person(login: &str) -> Self {
        HubAuthor {
            login: login.to_string(),
            kind: "User".to_string(),
            app: None,
        }
    }

    /// `github-actions[bot]`, as a workflow's `GITHUB_TOKEN` writes.
    pub fn actions_bot() -> Self {
        HubAuthor {
            login: "github-actions[bot]".to_string(),
            kind: "Bot".to_string(),
            app: Some("github-actions".to_string()),
        }
    }
}

/// What kind of token the code under test holds, as `GET /user` tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HubToken {
    /// A personal access token of `login`: `GET /user` answers 200; writes are by
    /// that person.
    Personal(String),
    /// An installation token (`GITHUB_TOKEN`): `GET /user` answers 403 "Resource not
    /// accessible by integration"; writes are by `github-actions[bot]`.
    Installation,
    /// A GitHub App's installation token (actions/create-github-app-token) for the app
    /// `slug`: `GET /user` answers 403 as for `Installation`; writes are by
    /// `{slug}[bot]`.
    App(String),
}

impl HubToken {
    fn author(&self) -> HubAuthor {
        match self {
            HubToken::Personal(login) => HubAuthor::person(login),
            HubToken::Installation => HubAuthor::actions_bot(),
            HubToken::App(slug) => HubAuthor {
                login: format!("{slug}[bot]"),
                kind: "Bot".to_string(),
                app: Some(slug.clone()),
            },
        }
    }
}

/// The login the fake's personal tokens belong to by default.
pub const HUB_LOGIN: &str = "slipgate-user";

/// A broken `Link` header, as a misbehaving server or proxy sends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkTrick {
    /// Page `from` links to page `to` as the next one.
    NextTo { from: usize, to: usize },
    /// Every page links to a next one, past the announced last page (which stays as
    /// computed); the pages past it are empty.
    Endless,
    /// Every page links to a next one and announces `last` as the last page.
    EndlessAnnouncing { last: usize },
    /// Every page links to a next one and none announces a last page.
    EndlessUnannounced,
    /// Page `page` has no `Link` header at all: the list ends there, whatever the
    /// first page announced.
    EndsAt { page: usize },
}

/// A request the server received.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: String,
    pub if_none_match: Option<String>,
    pub authorization: Option<String>,
    pub body: String,
}

struct Templates {
    issue: Value,
    single_issue: Value,
    pull: Value,
    comment: Value,
    single_comment: Value,
}

fn first_of(text: &str) -> Value {
    let value: Value = serde_json::from_str(text).expect("fixture is JSON");
    match value {
        Value::Array(mut items) => items.remove(0),
        other => other,
    }
}

impl Templates {
    fn load() -> Self {
        Templates {
            issue: first_of(ISSUE_TEMPLATE),
            single_issue: first_of(SINGLE_ISSUE_TEMPLATE),
            pull: first_of(PULL_TEMPLATE),
            comment: first_of(COMMENT_TEMPLATE),
            single_comment: first_of(SINGLE_COMMENT_TEMPLATE),
        }
    }
}

struct Hub {
    owner: String,
    name: String,
    base: String,
    issues: Vec<HubIssue>,
    pulls: Vec<HubPull>,
    comments: Vec<HubComment>,
    next_comment_id: u64,
    clock: i64,
    token: Option<String>,
    prefix: String,
    private: bool,
    read_only: bool,
    rate_limit: u64,
    rate_used: u64,
    /// A broken `Link` header on lists whose path ends with `/{.0}`.
    link_trick: Option<(String, LinkTrick)>,
    /// How long every answer takes (a server far away).
    latency: std::time::Duration,
    /// Answers that take longer: (path ending, page, delay).
    page_delays: Vec<(String, usize, std::time::Duration)>,
    /// What the token is; writes are stamped with its author.
    token_kind: HubToken,
    templates: Templates,
}

/// The fake GitHub. Cheap to clone (shares the server and the state).
#[derive(Clone)]
pub struct MockHub {
    pub server: Arc<MockServer>,
    state: Arc<Mutex<Hub>>,
}

impl MockHub {
    /// A fake serving `OWNER/NAME` on a random local port.
    pub async fn start(repo: &str) -> MockHub {
        Self::start_with(MockServer::start().await, repo).await
    }

    /// A fake serving `OWNER/NAME` on the given listener (e.g. a fixed port).
    pub async fn start_on(listener: std::net::TcpListener, repo: &str) -> MockHub {
        Self::start_with(MockServer::builder().listener(listener).start().await, repo).await
    }

    async fn start_with(server: MockServer, repo: &str) -> MockHub {
        let (owner, name) = repo.split_once('/').expect("OWNER/NAME");
        let state = Arc::new(Mutex::new(Hub {
            owner: owner.to_string(),
            name: name.to_string(),
            base: server.uri(),
            issues: Vec::new(),
            pulls: Vec::new(),
            comments: Vec::new(),
            next_comment_id: 1_000_001,
            clock: HUB_EPOCH,
            token: None,
            prefix: String::new(),
            private: false,
            read_only: false,
            rate_limit: 5000,
            rate_used: 0,
            link_trick: None,
            latency: std::time::Duration::ZERO,
            page_delays: Vec::new(),
            token_kind: HubToken::Personal(HUB_LOGIN.to_string()),
            templates: Templates::load(),
        }));
        Mock::given(wiremock::matchers::any())
            .respond_with(Responder(state.clone()))
            .with_priority(u8::MAX)
            .mount(&server)
            .await;
        MockHub {
            server: Arc::new(server),
            state,
        }
    }

    /// The API URL to give the code under test.
    pub fn uri(&self) -> String {
        self.server.uri()
    }

    fn hub(&self) -> MutexGuard<'_, Hub> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn add_issue(&self, issue: HubIssue) {
        self.hub().issues.push(issue);
    }

    pub fn add_pull(&self, pull: HubPull) {
        self.hub().pulls.push(pull);
    }

    /// Adds many at once (faster for large data sets).
    pub fn extend(&self, issues: Vec<HubIssue>, pulls: Vec<HubPull>) {
        let mut hub = self.hub();
        hub.issues.extend(issues);
        hub.pulls.extend(pulls);
    }

    /// Changes issue `number` (set `updated_at` yourself, as GitHub would).
    pub fn update_issue(&self, number: u64, change: impl FnOnce(&mut HubIssue)) {
        let mut hub = self.hub();
        let issue = hub
            .issues
            .iter_mut()
            .find(|i| i.number == number)
            .expect("no such issue");
        change(issue);
    }

    pub fn update_pull(&self, number: u64, change: impl FnOnce(&mut HubPull)) {
        let mut hub = self.hub();
        let pull = hub
            .pulls
            .iter_mut()
            .find(|p| p.number == number)
            .expect("no such pull request");
        change(pull);
    }

    pub fn issues(&self) -> Vec<HubIssue> {
        self.hub().issues.clone()
    }

    /// Comments on issue or pull request `number`, oldest first.
    pub fn comments(&self, number: u64) -> Vec<HubComment> {
        self.hub()
            .comments
            .iter()
            .filter(|c| c.issue == number)
            .cloned()
            .collect()
    }

    /// Adds a comment by a person, `octocat`.
    pub fn add_comment(&self, number: u64, body: &str) -> u64 {
        self.add_comment_by(number, HubAuthor::person("octocat"), body)
    }

    /// Adds a comment by `author`.
    pub fn add_comment_by(&self, number: u64, author: HubAuthor, body: &str) -> u64 {
        let mut hub = self.hub();
        let id = hub.next_comment_id;
        hub.next_comment_id += 1;
        let at = hub.tick();
        hub.comments.push(HubComment {
            id,
            issue: number,
            body: body.to_string(),
            created_at: at,
            updated_at: at,
            author,
        });
        id
    }

    /// Adds a comment by `author` written at `at` (the clock is not moved); returns its id.
    pub fn add_comment_at(&self, number: u64, author: HubAuthor, at: i64) -> u64 {
        let mut hub = self.hub();
        let id = hub.next_comment_id;
        hub.next_comment_id += 1;
        hub.comments.push(HubComment {
            id,
            issue: number,
            body: format!("Comment {id}."),
            created_at: at,
            updated_at: at,
            author,
        });
        id
    }

    /// What kind of token is used (default: a personal token of [`HUB_LOGIN`]).
    pub fn set_token_kind(&self, kind: HubToken) {
        self.hub().token_kind = kind;
    }

    /// Sets the time that writes (new comments, issues, edits) are stamped with.
    pub fn set_clock(&self, now: i64) {
        self.hub().clock = now;
    }

    /// The only valid token: another one gets 401 "Bad credentials"; no token is fine
    /// (a public repository) unless the repository is private.
    pub fn require_token(&self, token: &str) {
        self.hub().token = Some(token.to_string());
    }

    /// Serve the API under a path prefix, as GitHub Enterprise does (`/api/v3`).
    pub fn set_prefix(&self, prefix: &str) {
        self.hub().prefix = prefix.trim_end_matches('/').to_string();
    }

    /// Without a token the repository answers 404, as a private one does.
    pub fn set_private(&self, private: bool) {
        self.hub().private = private;
    }

    /// Writes (POST, PATCH) answer 403 "Resource not accessible by integration", as
    /// with the read-only token of a workflow on a pull request from a fork.
    pub fn set_read_only(&self, read_only: bool) {
        self.hub().read_only = read_only;
    }

    /// Sets the hourly rate limit of authenticated requests and how much of it is used
    /// (`x-ratelimit-limit`, `x-ratelimit-remaining = limit - used`).
    pub fn set_rate(&self, limit: u64, used: u64) {
        let mut hub = self.hub();
        hub.rate_limit = limit;
        hub.rate_used = used;
    }

    /// Breaks the `Link` header of one list (`issues`, `pulls` or `comments`: the last
    /// segment of its path; `*`: every list); `None` mends it.
    pub fn set_link_trick(&self, list: &str, trick: Option<LinkTrick>) {
        self.hub().link_trick = trick.map(|t| (list.to_string(), t));
    }

    /// Every answer takes `latency` (added by wiremock after the answer is made, so
    /// requests in flight at once wait at once).
    pub fn set_latency(&self, latency: std::time::Duration) {
        self.hub().latency = latency;
    }

    /// Page `page` of the list whose path ends with `/list` (`issues`, `pulls`,
    /// `comments`) takes `delay` instead of the latency.
    pub fn delay_page(&self, list: &str, page: usize, delay: std::time::Duration) {
        self.hub()
            .page_delays
            .push((format!("/{list}"), page, delay));
    }

    /// Answers the next `times` requests matching `verb` and `exact_path` with
    /// `response`, ahead of the fake.
    pub async fn fail_next(
        &self,
        verb: &str,
        exact_path: &str,
        times: u64,
        response: ResponseTemplate,
    ) {
        Mock::given(method(verb))
            .and(path(exact_path))
            .respond_with(response)
            .up_to_n_times(times)
            .with_priority(1)
            .mount(&self.server)
            .await;
    }

    /// Every request received so far, in order.
    pub async fn requests(&self) -> Vec<Seen> {
        let header = |r: &Request, name: &str| {
            r.headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .map(|r| Seen {
                method: r.method.to_string(),
                path: r.url.path().to_string(),
                query: r.url.query().unwrap_or_default().to_string(),
                if_none_match: header(r, "if-none-match"),
                authorization: header(r, "authorization"),
                body: String::from_utf8_lossy(&r.body).into_owned(),
            })
            .collect()
    }
}

/// 403 of an exhausted primary rate limit, resetting at `reset` (Unix seconds).
pub fn primary_rate_limit(reset: i64) -> ResponseTemplate {
    ResponseTemplate::new(403)
        .insert_header("x-ratelimit-limit", "60")
        .insert_header("x-ratelimit-remaining", "0")
        .insert_header("x-ratelimit-used", "60")
        .insert_header("x-ratelimit-reset", reset.to_string().as_str())
        .insert_header("x-ratelimit-resource", "core")
        .set_body_json(json!({
            "message": "API rate limit exceeded for 127.0.0.1. (But here's the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.)",
            "documentation_url": "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"
        }))
}

/// 403 of a secondary rate limit asking to wait `retry_after` seconds.
pub fn secondary_rate_limit(retry_after: u64) -> ResponseTemplate {
    ResponseTemplate::new(403)
        .insert_header("retry-after", retry_after.to_string().as_str())
        .insert_header("x-ratelimit-remaining", "4990")
        .set_body_json(json!({
            "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID ABCD:1234.",
            "documentation_url": "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
        }))
}

/// An error answer with GitHub's error body.
pub fn status(code: u16, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(code).set_body_json(json!({
        "message": message,
        "documentation_url": "https://docs.github.com/rest",
        "status": code.to_string()
    }))
}

fn rfc3339(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .expect("valid time")
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn opt_time(t: Option<i64>) -> Value {
    t.map_or(Value::Null, |t| Value::String(rfc3339(t)))
}

fn parse_time(s: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.timestamp())
}

struct Responder(Arc<Mutex<Hub>>);

impl Respond for Responder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut hub = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let page = request
            .url
            .query_pairs()
            .find(|(k, _)| k == "page")
            .and_then(|(_, v)| v.parse::<usize>().ok())
            .unwrap_or(1);
        let delay = hub
            .page_delays
            .iter()
            .find(|(list, p, _)| *p == page && request.url.path().ends_with(list.as_str()))
            .map_or(hub.latency, |(_, _, d)| *d);
        let answer = hub.respond(request);
        if delay.is_zero() {
            answer
        } else {
            answer.set_delay(delay)
        }
    }
}

/// One row of the issues list: an issue, or a pull request seen as an issue.
enum Row<'a> {
    Issue(&'a HubIssue),
    Pull(&'a HubPull),
}

impl Row<'_> {
    fn number(&self) -> u64 {
        match self {
            Row::Issue(i) => i.number,
            Row::Pull(p) => p.number,
        }
    }
    fn created(&self) -> i64 {
        match self {
            Row::Issue(i) => i.created_at,
            Row::Pull(p) => p.created_at,
        }
    }
    fn updated(&self) -> i64 {
        match self {
            Row::Issue(i) => i.updated_at,
            Row::Pull(p) => p.updated_at,
        }
    }
    fn open(&self) -> bool {
        match self {
            Row::Issue(i) => i.closed_at.is_none(),
            Row::Pull(p) => p.closed_at.is_none(),
        }
    }
    fn labels(&self) -> &[String] {
        match self {
            Row::Issue(i) => &i.labels,
            Row::Pull(p) => &p.labels,
        }
    }
}

struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    fn of(request: &Request) -> Self {
        Query {
            pairs: request
                .url
                .query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        }
    }
    fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

impl Hub {
    fn tick(&mut self) -> i64 {
        self.clock += 1;
        self.clock
    }

    fn repo_path(&self) -> String {
        format!("/repos/{}/{}", self.owner, self.name)
    }

    fn respond(&mut self, request: &Request) -> ResponseTemplate {
        let auth = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        if let (Some(token), Some(auth)) = (&self.token, &auth)
            && *auth != format!("Bearer {token}")
        {
            return status(401, "Bad credentials");
        }
        if self.private && auth.is_none() {
            return status(404, "Not Found");
        }
        let verb = request.method.as_str().to_string();
        let full = request.url.path().to_string();
        if verb == "GET" && full == format!("{}/user", self.prefix) {
            let response = self.user(auth.is_some());
            return self.with_rate_headers(response, auth.is_some());
        }
        let Some(rest) = full
            .strip_prefix(self.prefix.as_str())
            .and_then(|p| p.strip_prefix(&self.repo_path()))
        else {
            return status(404, "Not Found");
        };
        let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
        if verb != "GET" && self.read_only {
            return status(403, "Resource not accessible by integration");
        }
        let response = match (verb.as_str(), segments.as_slice()) {
            ("GET", ["issues"]) => self.list_issues(request),
            ("GET", ["pulls"]) => self.list_pulls(request),
            ("GET", ["issues", "comments"]) => self.list_repo_comments(request),
            ("GET", ["issues", n, "comments"]) => match n.parse() {
                Ok(n) => self.list_comments(request, n),
                Err(_) => status(404, "Not Found"),
            },
            ("POST", ["issues", n, "comments"]) => match n.parse() {
                Ok(n) => self.create_comment(request, n),
                Err(_) => status(404, "Not Found"),
            },
            ("PATCH", ["issues", "comments", id]) => match id.parse() {
                Ok(id) => self.update_comment(request, id),
                Err(_) => status(404, "Not Found"),
            },
            ("POST", ["issues"]) => self.create_issue(request),
            ("PATCH", ["issues", n]) => match n.parse() {
                Ok(n) => self.edit_issue(request, n),
                Err(_) => status(404, "Not Found"),
            },
            _ => status(404, "Not Found"),
        };
        self.with_rate_headers(response, auth.is_some())
    }

    /// `GET /user`: the token's account, 403 for an installation token, 401 without
    /// a token.
    fn user(&mut self, authenticated: bool) -> ResponseTemplate {
        if !authenticated {
            return status(401, "Requires authentication");
        }
        self.rate_used += 1;
        match &self.token_kind {
            HubToken::Personal(login) => ResponseTemplate::new(200).set_body_json(json!({
                "login": login,
                "id": 583231,
                "node_id": "MDQ6VXNlcjU4MzIzMQ==",
                "url": format!("https://api.github.com/users/{login}"),
                "html_url": format!("https://github.com/{login}"),
                "type": "User",
                "site_admin": false,
                "name": "Slipgate User",
            })),
            HubToken::Installation | HubToken::App(_) => {
                status(403, "Resource not accessible by integration")
            }
        }
    }

    fn with_rate_headers(
        &mut self,
        response: ResponseTemplate,
        authenticated: bool,
    ) -> ResponseTemplate {
        let limit = if authenticated { self.rate_limit } else { 60 };
        let remaining = limit.saturating_sub(self.rate_used);
        response
            .insert_header("x-ratelimit-limit", limit.to_string().as_str())
            .insert_header("x-ratelimit-remaining", remaining.to_string().as_str())
            .insert_header("x-ratelimit-used", self.rate_used.to_string().as_str())
            .insert_header(
                "x-ratelimit-reset",
                (self.clock + 3600).to_string().as_str(),
            )
            .insert_header("x-ratelimit-resource", "core")
    }

    /// `(page, per_page)` of a list request (GitHub's defaults: 1 and 30, at most 100).
    fn paging(query: &Query) -> (usize, usize) {
        let per_page = query
            .get("per_page")
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(30)
            .clamp(1, 100);
        let page = query
            .get("page")
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(1)
            .max(1);
        (page, per_page)
    }

    /// One page (`items`, out of `total`) with `Link`, `ETag`, and 304 on a matching
    /// `If-None-Match`.
    fn page(&mut self, request: &Request, items: Vec<Value>, total: usize) -> ResponseTemplate {
        let query = Query::of(request);
        let (page, per_page) = Self::paging(&query);
        let last = total.div_ceil(per_page).max(1);
        let body = serde_json::to_string(&Value::Array(items)).expect("JSON");
        let mut hasher = DefaultHasher::new();
        body.hash(&mut hasher);
        let etag = format!("W/\"{:016x}\"", hasher.finish());
        let if_none_match = request
            .headers
            .get("if-none-match")
            .and_then(|v| v.to_str().ok());
        if if_none_match == Some(etag.as_str()) {
            // Not charged against the rate limit.
            return ResponseTemplate::new(304).insert_header("etag", etag.as_str());
        }
        self.rate_used += 1;
        let link_to = |p: usize| {
            let mut url = request.url.clone();
            let others: Vec<(String, String)> = query
                .pairs
                .iter()
                .filter(|(k, _)| k != "page")
                .cloned()
                .collect();
            {
                let mut q = url.query_pairs_mut();
                q.clear();
                for (k, v) in &others {
                    q.append_pair(k, v);
                }
                q.append_pair("page", &p.to_string());
            }
            format!("<{url}>")
        };
        let trick = self
            .link_trick
            .as_ref()
            .filter(|(list, _)| list == "*" || request.url.path().ends_with(&format!("/{list}")))
            .map(|(_, trick)| *trick);
        let next = match trick {
            Some(LinkTrick::NextTo { from, to }) if from == page => Some(to),
            Some(
                LinkTrick::Endless
                | LinkTrick::EndlessAnnouncing { .. }
                | LinkTrick::EndlessUnannounced,
            ) => Some(page + 1),
            _ => (page < last).then_some(page + 1),
        };
        let last = match trick {
            Some(LinkTrick::EndlessAnnouncing { last }) => Some(last),
            Some(LinkTrick::EndlessUnannounced) => None,
            _ => Some(last),
        };
        let cut = matches!(trick, Some(LinkTrick::EndsAt { page: p }) if p == page);
        let mut links = Vec::new();
        if page > 1 {
            links.push(format!("{}; rel=\"prev\"", link_to(page - 1)));
        }
        if let Some(next) = next {
            links.push(format!("{}; rel=\"next\"", link_to(next)));
            if let Some(last) = last {
                links.push(format!("{}; rel=\"last\"", link_to(last)));
            }
        }
        if page > 1 {
            links.push(format!("{}; rel=\"first\"", link_to(1)));
        }
        if cut {
            links.clear();
        }
        let mut response = ResponseTemplate::new(200)
            .insert_header("etag", etag.as_str())
            .set_body_raw(body, "application/json; charset=utf-8");
        if !links.is_empty() {
            response = response.insert_header("link", links.join(", ").as_str());
        }
        response
    }

    fn sorted<'a>(query: &Query, mut rows: Vec<Row<'a>>) -> Vec<Row<'a>> {
        let by_updated = query.get("sort") == Some("updated");
        let asc = query.get("direction") == Some("asc");
        rows.sort_by_key(|r| {
            let key = if by_updated { r.updated() } else { r.created() };
            (key, r.number())
        });
        if !asc {
            rows.reverse();
        }
        rows
    }

    fn state_matches(query: &Query, open: bool) -> bool {
        match query.get("state").unwrap_or("open") {
            "all" => true,
            "closed" => !open,
            _ => open,
        }
    }

    fn list_issues(&mut self, request: &Request) -> ResponseTemplate {
        let query = Query::of(request);
        let since = query.get("since").and_then(parse_time);
        let wanted: Vec<String> = query
            .get("labels")
            .map(|l| l.split(',').map(|s| s.trim().to_lowercase()).collect())
            .unwrap_or_default();
        let rows: Vec<Row> = self
            .issues
            .iter()
            .map(Row::Issue)
            .chain(self.pulls.iter().map(Row::Pull))
            .filter(|r| Self::state_matches(&query, r.open()))
            .filter(|r| since.is_none_or(|s| r.updated() >= s))
            .filter(|r| {
                wanted
                    .iter()
                    .all(|w| r.labels().iter().any(|l| l.to_lowercase() == *w))
            })
            .collect();
        let rows = Self::sorted(&query, rows);
        let (page, per_page) = Self::paging(&query);
        let total = rows.len();
        let values = rows
            .iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .map(|r| self.issue_json(r))
            .collect();
        self.page(request, values, total)
    }

    fn list_pulls(&mut self, request: &Request) -> ResponseTemplate {
        let query = Query::of(request);
        let rows: Vec<Row> = self
            .pulls
            .iter()
            .map(Row::Pull)
            .filter(|r| Self::state_matches(&query, r.open()))
            .collect();
        let rows = Self::sorted(&query, rows);
        let (page, per_page) = Self::paging(&query);
        let total = rows.len();
        let values = rows
            .iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .filter_map(|r| match r {
                Row::Pull(p) => Some(self.pull_json(p)),
                Row::Issue(_) => None,
            })
            .collect();
        self.page(request, values, total)
    }

    fn labels_json(&self, names: &[String]) -> Value {
        let template = self.templates.issue["labels"][0].clone();
        Value::Array(
            names
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    let mut label = template.clone();
                    label["id"] = json!(208_045_946 + i as u64);
                    label["name"] = json!(name);
                    label["url"] = json!(format!(
                        "{}{}/labels/{}",
                        self.base,
                        self.repo_path(),
                        name.replace(' ', "%20")
                    ));
                    label["default"] = json!(false);
                    label
                })
                .collect(),
        )
    }

    fn issue_json(&self, row: &Row) -> Value {
        self.issue_json_from(&self.templates.issue, row)
    }

    fn issue_json_from(&self, template: &Value, row: &Row) -> Value {
        let mut v = template.clone();
        let n = row.number();
        let api = format!("{}{}", self.base, self.repo_path());
        let web = format!("https://github.com/{}/{}", self.owner, self.name);
        v["id"] = json!(n + 1_000_000);
        v["url"] = json!(format!("{api}/issues/{n}"));
        v["repository_url"] = json!(api.clone());
        v["labels_url"] = json!(format!("{api}/issues/{n}/labels{{/name}}"));
        v["comments_url"] = json!(format!("{api}/issues/{n}/comments"));
        v["events_url"] = json!(format!("{api}/issues/{n}/events"));
        v["number"] = json!(n);
        v["locked"] = json!(false);
        v["active_lock_reason"] = Value::Null;
        v["comments"] = json!(self.comments.iter().filter(|c| c.issue == n).count());
        v["labels"] = self.labels_json(row.labels());
        v["created_at"] = json!(rfc3339(row.created()));
        v["updated_at"] = json!(rfc3339(row.updated()));
        v["state"] = json!(if row.open() { "open" } else { "closed" });
        if row.open() {
            v["closed_by"] = Value::Null;
        }
        if let Row::Issue(i) = row {
            Self::set_author(&mut v, &i.author);
        }
        let obj = v.as_object_mut().expect("object");
        match row {
            Row::Issue(i) => {
                obj.insert("html_url".into(), json!(format!("{web}/issues/{n}")));
                obj.insert("title".into(), json!(i.title));
                obj.insert("body".into(), json!(i.body));
                obj.insert("closed_at".into(), opt_time(i.closed_at));
                obj.insert("state_reason".into(), json!(i.state_reason));
                obj.remove("pull_request");
            }
            Row::Pull(p) => {
                obj.insert("html_url".into(), json!(format!("{web}/pull/{n}")));
                obj.insert("title".into(), json!(p.title));
                obj.insert("body".into(), json!(format!("Pull request {n}.")));
                obj.insert("closed_at".into(), opt_time(p.closed_at));
                obj.insert("state_reason".into(), Value::Null);
                obj.insert(
                    "pull_request".into(),
                    json!({
                        "url": format!("{api}/pulls/{n}"),
                        "html_url": format!("{web}/pull/{n}"),
                        "diff_url": format!("{web}/pull/{n}.diff"),
                        "patch_url": format!("{web}/pull/{n}.patch"),
                        "merged_at": opt_time(p.merged_at),
                    }),
                );
            }
        }
        v
    }

    fn pull_json(&self, p: &HubPull) -> Value {
        let mut v = self.templates.pull.clone();
        let n = p.number;
        let api = format!("{}{}", self.base, self.repo_path());
        let web = format!("https://github.com/{}/{}", self.owner, self.name);
        v["url"] = json!(format!("{api}/pulls/{n}"));
        v["id"] = json!(n + 2_000_000);
        v["html_url"] = json!(format!("{web}/pull/{n}"));
        v["diff_url"] = json!(format!("{web}/pull/{n}.diff"));
        v["patch_url"] = json!(format!("{web}/pull/{n}.patch"));
        v["issue_url"] = json!(format!("{api}/issues/{n}"));
        v["number"] = json!(n);
        v["state"] = json!(if p.closed_at.is_none() {
            "open"
        } else {
            "closed"
        });
        v["locked"] = json!(false);
        v["title"] = json!(p.title);
        v["body"] = json!(format!("Pull request {n}."));
        v["labels"] = self.labels_json(&p.labels);
        v["created_at"] = json!(rfc3339(p.created_at));
        v["updated_at"] = json!(rfc3339(p.updated_at));
        v["closed_at"] = opt_time(p.closed_at);
        v["merged_at"] = opt_time(p.merged_at);
        v["merge_commit_sha"] = json!(p.merge_commit_sha);
        v["base"]["ref"] = json!(p.base);
        v["base"]["label"] = json!(format!("{}:{}", self.owner, p.base));
        v
    }

    /// `user.login`, `user.type` and `performed_via_github_app` of an item.
    fn set_author(v: &mut Value, author: &HubAuthor) {
        v["user"]["login"] = json!(author.login);
        v["user"]["type"] = json!(author.kind);
        v["user"]["url"] = json!(format!("https://api.github.com/users/{}", author.login));
        v["performed_via_github_app"] = match &author.app {
            Some(slug) => json!({
                "id": 15368,
                "slug": slug,
                "node_id": "MDM6QXBwMTUzNjg=",
                "name": "GitHub Actions",
            }),
            None => Value::Null,
        };
    }

    fn comment_json(&self, template: &Value, c: &HubComment) -> Value {
        let mut v = template.clone();
        Self::set_author(&mut v, &c.author);
        let api = format!("{}{}", self.base, self.repo_path());
        let web = format!("https://github.com/{}/{}", self.owner, self.name);
        v["id"] = json!(c.id);
        v["url"] = json!(format!("{api}/issues/comments/{}", c.id));
        v["html_url"] = json!(format!("{web}/pull/{}#issuecomment-{}", c.issue, c.id));
        v["body"] = json!(c.body);
        v["created_at"] = json!(rfc3339(c.created_at));
        v["updated_at"] = json!(rfc3339(c.updated_at));
        v["issue_url"] = json!(format!("{api}/issues/{}", c.issue));
        v
    }

    fn exists(&self, number: u64) -> bool {
        self.issues.iter().any(|i| i.number == number)
            || self.pulls.iter().any(|p| p.number == number)
    }

    fn list_comments(&mut self, request: &Request, number: u64) -> ResponseTemplate {
        if !self.exists(number) {
            return status(404, "Not Found");
        }
        let (page, per_page) = Self::paging(&Query::of(request));
        let ours: Vec<&HubComment> = self.comments.iter().filter(|c| c.issue == number).collect();
        let total = ours.len();
        let values = ours
            .into_iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .map(|c| self.comment_json(&self.templates.comment, c))
            .collect();
        self.page(request, values, total)
    }

    /// `GET /repos/{o}/{r}/issues/comments`: every comment of the repository, `since`
    /// (updated at or after), sorted by `created` (default) or `updated`, ascending unless
    /// `direction=desc`.
    fn list_repo_comments(&mut self, request: &Request) -> ResponseTemplate {
        let query = Query::of(request);
        let since = query.get("since").and_then(parse_time);
        let by_updated = query.get("sort") == Some("updated");
        let mut rows: Vec<&HubComment> = self
            .comments
            .iter()
            .filter(|c| since.is_none_or(|s| c.updated_at >= s))
            .collect();
        rows.sort_by_key(|c| {
            let key = if by_updated {
                c.updated_at
            } else {
                c.created_at
            };
            (key, c.id)
        });
        if query.get("direction") == Some("desc") {
            rows.reverse();
        }
        let (page, per_page) = Self::paging(&query);
        let total = rows.len();
        let values = rows
            .into_iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .map(|c| self.comment_json(&self.templates.comment, c))
            .collect();
        self.page(request, values, total)
    }

    fn body_of(request: &Request) -> Option<Value> {
        serde_json::from_slice(&request.body).ok()
    }

    fn create_comment(&mut self, request: &Request, number: u64) -> ResponseTemplate {
        if !self.exists(number) {
            return status(404, "Not Found");
        }
        let Some(body) =
            Self::body_of(request).and_then(|b| b["body"].as_str().map(str::to_string))
        else {
            return status(422, "Invalid request.\n\n\"body\" wasn't supplied.");
        };
        let id = self.next_comment_id;
        self.next_comment_id += 1;
        let at = self.tick();
        let comment = HubComment {
            id,
            issue: number,
            body,
            created_at: at,
            updated_at: at,
            author: self.token_kind.author(),
        };
        let value = self.comment_json(&self.templates.single_comment, &comment);
        self.comments.push(comment);
        self.rate_used += 1;
        ResponseTemplate::new(201).set_body_json(value)
    }

    fn update_comment(&mut self, request: &Request, id: u64) -> ResponseTemplate {
        let Some(body) =
            Self::body_of(request).and_then(|b| b["body"].as_str().map(str::to_string))
        else {
            return status(422, "Invalid request.\n\n\"body\" wasn't supplied.");
        };
        let at = self.tick();
        let Some(comment) = self.comments.iter_mut().find(|c| c.id == id) else {
            return status(404, "Not Found");
        };
        comment.body = body;
        comment.updated_at = at;
        let comment = comment.clone();
        self.rate_used += 1;
        ResponseTemplate::new(200)
            .set_body_json(self.comment_json(&self.templates.single_comment, &comment))
    }

    fn create_issue(&mut self, request: &Request) -> ResponseTemplate {
        let Some(payload) = Self::body_of(request) else {
            return status(400, "Problems parsing JSON");
        };
        let Some(title) = payload["title"].as_str() else {
            return status(422, "Invalid request.\n\n\"title\" wasn't supplied.");
        };
        let number = self
            .issues
            .iter()
            .map(|i| i.number)
            .chain(self.pulls.iter().map(|p| p.number))
            .max()
            .unwrap_or(0)
            + 1;
        let at = self.tick();
        let labels: Vec<String> = payload["labels"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|l| l.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let issue = HubIssue {
            number,
            title: title.to_string(),
            body: payload["body"].as_str().unwrap_or_default().to_string(),
            labels,
            created_at: at,
            updated_at: at,
            closed_at: None,
            state_reason: None,
            author: self.token_kind.author(),
        };
        let value = self.issue_json_from(&self.templates.single_issue, &Row::Issue(&issue));
        self.issues.push(issue);
        self.rate_used += 1;
        ResponseTemplate::new(201).set_body_json(value)
    }

    fn edit_issue(&mut self, request: &Request, number: u64) -> ResponseTemplate {
        let Some(payload) = Self::body_of(request) else {
            return status(400, "Problems parsing JSON");
        };
        let at = self.tick();
        let Some(issue) = self.issues.iter_mut().find(|i| i.number == number) else {
            return status(404, "Not Found");
        };
        if let Some(title) = payload["title"].as_str() {
            issue.title = title.to_string();
        }
        if let Some(body) = payload["body"].as_str() {
            issue.body = body.to_string();
        }
        if let Some(state) = payload["state"].as_str() {
            issue.closed_at = (state == "closed").then_some(at);
        }
        issue.updated_at = at;
        let issue = issue.clone();
        self.rate_used += 1;
        ResponseTemplate::new(200)
            .set_body_json(self.issue_json_from(&self.templates.single_issue, &Row::Issue(&issue)))
    }
}
