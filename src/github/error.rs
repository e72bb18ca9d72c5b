//! [`GithubError`]: everything that can go wrong talking to GitHub.

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
        "GitHub answered {action} with a redirect (HTTP {status}) that slipgate does not follow: {problem}; nothing from it was used; check the API URL (`--api-url`), or whether the repository moved"
    )]
    Redirect {
        action: String,
        status: u16,
        problem: String,
    },
    #[error(
        "GitHub's answer to {action} is larger than {}, far more than any page GitHub sends, and was not read further; check that the API URL (`--api-url`) points at the GitHub REST API",
        size_text(*.limit_bytes)
    )]
    TooLarge { action: String, limit_bytes: u64 },
    /// The `Link` headers of a list loop or do not end: the list was not read to its
    /// end, and nothing of it is used or cached.
    #[error(
        "GitHub's pages do not add up while trying to {action}: {problem}; the list was not read to its end, so none of it is used or cached; try again later, and if it persists check the API URL (a proxy may rewrite `Link` headers)"
    )]
    Pagination { action: String, problem: String },
    /// The run's page budget ([`super::PageBudget`]) is spent: the list was not read to
    /// its end, and nothing of it is used or cached.
    #[error(
        "slipgate stopped reading while trying to {action}: {problem}; one run reads at most {max} pages of 100 items, every list together, so that a server sending page after page cannot spend the token's hourly rate limit; the list was not read to its end, so none of it is used or cached; if the API URL points at a proxy, check that it passes GitHub's `Link` headers on unchanged"
    )]
    PageBudget {
        action: String,
        problem: String,
        max: u32,
    },
    /// `X-RateLimit-Remaining` is down to the reserve slipgate never spends on list
    /// pages ([`super::rate_reserve`]).
    #[error("{}", reserve_message(.action, *.remaining, *.limit, *.reserve, .reset.as_deref()))]
    RateReserve {
        action: String,
        remaining: u64,
        limit: Option<u64>,
        reserve: u64,
        /// When the limit resets (RFC 3339), if GitHub said.
        reset: Option<String>,
    },
}

impl GithubError {
    /// True for a 403 that is a permission problem (not a rate limit), e.g. a read-only
    /// token on a pull request from a fork.
    pub fn is_forbidden(&self) -> bool {
        matches!(self, GithubError::Forbidden { .. })
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

fn reserve_message(
    action: &str,
    remaining: u64,
    limit: Option<u64>,
    reserve: u64,
    reset: Option<&str>,
) -> String {
    let of = limit.map(|l| format!(" of {l}")).unwrap_or_default();
    let share = if limit.is_some() {
        " (a tenth of the hourly limit)"
    } else {
        ""
    };
    let reset = reset
        .map(|r| format!(" (it resets at {r})"))
        .unwrap_or_default();
    format!(
        "slipgate stopped reading while trying to {action}: GitHub's rate limit has {remaining}{of} requests left this hour, and slipgate never spends the last {reserve}{share} on reading lists, so that the next runs still work; the list was not read to its end, so none of it is used or cached; run again after the limit resets{reset}, or keep the cache (`--cache`) so runs make only conditional requests"
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
