//! The edge: turns parsed arguments into requests, runs collect → metrics → gate → report
//! → publish, and returns the exit code. Everything it calls below is pure or collect/publish.

mod check;

use crate::cli::{Cli, ColorChoice, Command, GithubArgs, PolicyCommand, ReportArgs, TestArgs};
use crate::collect::git::{self, GitOptions};
use crate::error::{Error, Result, exit};
use crate::metrics::{Engine, Inputs};
use crate::model::{GitHistory, GithubData, Timestamp};
use crate::policy::{self, Loaded};
use crate::report::{self, Format, Sources};
use std::path::Path;

/// Shared state of one invocation.
pub struct Ctx {
    pub repo: std::path::PathBuf,
    pub policy: Loaded,
    pub now: Timestamp,
    pub quiet: bool,
    pub verbose: bool,
    pub color: bool,
}

impl Ctx {
    /// A line on stderr unless `--quiet`.
    pub fn info(&self, msg: &str) {
        if !self.quiet {
            crate::console::eprint_line(msg);
        }
    }

    pub fn debug(&self, msg: &str) {
        if self.verbose && !self.quiet {
            crate::console::eprint_line(&format!("slipgate: {msg}"));
        }
    }
}

/// Runs the parsed command line; returns the exit code.
pub fn run(cli: Cli) -> Result<i32> {
    let cli = cli.without_empty_paths();
    let g = &cli.global;
    let now = g.now.unwrap_or_else(|| chrono::Utc::now().timestamp());
    // Colour only on a terminal (or when asked), and never with NO_COLOR.
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let color = !no_color
        && match g.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => crate::console::stdout_is_terminal(),
        };
    if let Command::Policy(cmd) = &cli.command {
        return policy_command(cmd, g.policy.as_deref(), &g.repo);
    }
    let policy = policy::load(g.policy.as_deref(), &policy_root(&g.repo))?;
    let ctx = Ctx {
        repo: g.repo.clone(),
        policy,
        now,
        quiet: g.quiet,
        verbose: g.verbose,
        color,
    };
    ctx.debug(&format!("policy: {}", ctx.policy.source.describe()));
    match &cli.command {
        Command::Report(args) => report_command(&ctx, args),
        Command::Check(args) => check::check(&ctx, args),
        Command::ReleaseCheck(args) => check::release_check(&ctx, args),
        Command::Policy(_) => Ok(exit::PASSED),
    }
}

/// Where policy files are looked for: the top of the work tree containing `repo` (or `repo`).
fn policy_root(repo: &Path) -> std::path::PathBuf {
    let mut dir = std::fs::canonicalize(repo).unwrap_or_else(|_| repo.to_path_buf());
    let start = dir.clone();
    loop {
        if dir.join(".git").exists() {
            return dir;
        }
        if !dir.pop() {
            return start;
        }
    }
}

fn policy_command(cmd: &PolicyCommand, global: Option<&Path>, repo: &Path) -> Result<i32> {
    match cmd {
        PolicyCommand::Schema => {
            let schema = serde_json::to_string_pretty(&policy::json_schema()).unwrap_or_default();
            print_out(&format!("{schema}\n"))?;
        }
        PolicyCommand::Check { file } => {
            if let (Some(file), Some(global)) = (file, global) {
                return Err(Error::Usage(format!(
                    "two policy files named: `{}` (--policy) and `{}`; name one, either with --policy or after `policy check`",
                    global.display(),
                    file.display()
                )));
            }
            let loaded = policy::load(file.as_deref().or(global), &policy_root(repo))?;
            crate::console::eprint_line(&format!(
                "policy OK: {} ({} rule{})",
                loaded.source.describe(),
                loaded.rules.len(),
                if loaded.rules.len() == 1 { "" } else { "s" }
            ));
            print_out(&format!(
                "# effective policy: {}\n{}",
                loaded.source.describe(),
                policy::to_yaml(&loaded.policy)
            ))?;
        }
    }
    Ok(exit::PASSED)
}

/// Writes to stdout (every line guarded, see [`crate::console`]); a closed pipe (`| head`)
/// is not an error, any other write failure (a full disk) is.
pub fn print_out(s: &str) -> Result<()> {
    crate::console::print(s).map_err(|e| Error::Io {
        action: "write to",
        path: "standard output".into(),
        source: e,
    })
}

/// Reads git, loading changes only for what is needed: the newest `last` releases, the
/// releases inside `span_back` seconds before now, and `extra` more for baselines.
pub fn read_git(ctx: &Ctx, last: usize, span_back: i64, extra: usize) -> Result<GitHistory> {
    if !ctx.repo.exists() {
        return Err(Error::Usage(format!(
            "--repo `{}` does not exist; point --repo at a git work tree, a folder inside one, or a bare repository",
            ctx.repo.display()
        )));
    }
    let history = git::open(&ctx.repo)?;
    let pattern = &ctx.policy.policy.releases.tag_pattern.0;
    let include_prereleases = ctx.policy.policy.releases.include_prereleases;
    let paths = &ctx.policy.policy.releases.paths.0;
    let times = history.read(&GitOptions {
        tag_pattern: pattern,
        include_prereleases,
        changes_for_last: Some(0),
        paths,
        until: Some(ctx.now),
    })?;
    let n = times.releases.len();
    let latest = times.releases.last().map_or(ctx.now, |r| r.time);
    let from_span = times
        .releases
        .iter()
        // Spans end at `now` (window scopes) or at the latest release (its trailing
        // baselines): measure back from the earlier of the two, a superset of both.
        .position(|r| r.time >= latest.min(ctx.now) - span_back)
        .map(|i| n - i)
        .unwrap_or(0);
    let needed = last.max(from_span).saturating_add(extra);
    let full = history.read(&GitOptions {
        tag_pattern: pattern,
        include_prereleases,
        changes_for_last: if needed >= n { None } else { Some(needed) },
        paths,
        until: Some(ctx.now),
    })?;
    ctx.debug(&format!(
        "git: {} releases, changes read for {}, {} unreleased changes",
        full.releases.len(),
        needed.min(n),
        full.candidate.changes.len()
    ));
    let mut full = full;
    if let Some(w) = no_release_warning(&full, pattern.as_str()) {
        full.warnings.push(w);
    }
    Ok(full)
}

/// Why there is no release, when there is none: a repository without any tag has
/// nothing to fix in its policy; tags that match nothing call for another pattern. When
/// tags matched but none became a release (pre-releases, unparsable versions, all later
/// than --now), the git engine has already said why.
fn no_release_warning(git: &GitHistory, pattern: &str) -> Option<String> {
    if !git.releases.is_empty() {
        return None;
    }
    if git.tags_total == 0 {
        return Some(format!(
            "the repository has no tags, so it has no releases yet: every change is reported as unreleased. A release is a tag matching `releases.tag_pattern` `{pattern}`, e.g. `git tag v0.1.0`"
        ));
    }
    if git.unmatched_tags.is_empty() {
        return None;
    }
    Some(format!(
        "no tag matches `releases.tag_pattern` `{pattern}` (tags seen: {}); only the unreleased changes are reported. Set `releases.tag_pattern` in the policy (monorepos: `^name-(?P<version>\\d+\\.\\d+\\.\\d+)$`).",
        git.unmatched_tags
            .iter()
            .map(|t| crate::escape::line(t).into_owned())
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// The host part of a URL or scp-like remote (`github.com`), lowercased.
fn host_of(url: &str) -> Option<String> {
    let rest = match url.split_once("://") {
        Some((_, rest)) => rest,
        None => url.split_once(':').map(|(h, _)| h)?,
    };
    let authority = rest.split('/').next()?;
    let host = authority.rsplit('@').next()?.split(':').next()?;
    (!host.is_empty()).then(|| host.to_lowercase())
}

/// The GitHub repository to read: the flag or `GITHUB_REPOSITORY`, else the `origin`
/// remote when it lives on the API's host (github.com for api.github.com).
pub fn github_repo(args: &GithubArgs, git: &GitHistory) -> Option<String> {
    if let Some(r) = args
        .github_repo
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        return Some(r.to_string());
    }
    let origin = git.origin_url.as_deref()?;
    let api_host = host_of(&args.api_url)?;
    let expected = if api_host == "api.github.com" {
        "github.com".to_string()
    } else {
        api_host
    };
    if host_of(origin)? != expected {
        return None;
    }
    crate::github::repo_from_remote(origin)
}

/// The client configuration of the data-source flags.
pub fn github_config(
    ctx: &Ctx,
    args: &GithubArgs,
    repo: String,
) -> Result<crate::github::GithubConfig> {
    let mut cfg = crate::github::GithubConfig::new(repo);
    cfg.api_url = args.api_url.trim_end_matches('/').to_string();
    cfg.token = args.token.clone().filter(|t| !t.trim().is_empty());
    cfg.cache_path = (!args.no_cache).then(|| args.cache.clone());
    cfg.max_wait = std::time::Duration::from_secs(args.max_wait.secs().max(0) as u64);
    cfg.progress = !ctx.quiet;
    cfg.comment_author = args.comment_author.clone().filter(|l| !l.is_empty());
    cfg.page_budget = crate::github::PageBudget::for_this_run();
    Ok(cfg)
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Usage(format!("cannot start the async runtime: {e}")))
}

/// GitHub data (or why there is none) and the repository it came from.
pub fn read_github(
    ctx: &Ctx,
    args: &GithubArgs,
    git: &GitHistory,
    pulls: bool,
) -> Result<(Option<GithubData>, Option<String>, Option<String>)> {
    if args.offline {
        return Ok((None, Some("--offline".into()), None));
    }
    let Some(repo) = github_repo(args, git) else {
        return Ok((
            None,
            Some("no GitHub repository known: pass --github-repo OWNER/NAME (or set GITHUB_REPOSITORY), or add an `origin` remote on GitHub; --offline silences this".into()),
            None,
        ));
    };
    let mut cfg = github_config(ctx, args, repo.clone())?;
    cfg.pulls = pulls;
    let (data, stats) = runtime()?
        .block_on(crate::collect::github::fetch(&cfg))
        .map_err(|source| Error::GithubFetch { source })?;
    ctx.debug(&format!(
        "github: {} issues, {} pull requests; {} requests ({} not modified, {} retries){}",
        data.issues.len(),
        data.pulls.len(),
        stats.requests,
        stats.not_modified,
        stats.retries,
        stats
            .rate_remaining
            .map(|r| format!("; rate limit remaining {r}"))
            .unwrap_or_default()
    ));
    Ok((Some(data), None, Some(repo)))
}

/// Test results of this invocation: every JUnit file given forms one run.
pub struct Tests {
    pub metrics: crate::metrics::test_results::TestMetrics,
    pub run: crate::model::TestRun,
}

/// Reads the JUnit files of `--junit` (relative to the current directory), else of the
/// policy's `tests.paths` (relative to the repository); none when neither names any.
/// Returns the run (none without files) and the warnings met (patterns matching nothing,
/// malformed files skipped).
/// `lenient` (the report) turns `tests.on_missing: error` into a warning: a report is
/// still worth printing without test results.
pub fn read_tests(
    ctx: &Ctx,
    args: &TestArgs,
    lenient: bool,
) -> Result<(Option<Tests>, Vec<String>)> {
    let (patterns, base) = if !args.junit.is_empty() {
        (
            args.junit.clone(),
            std::env::current_dir().unwrap_or_else(|_| ".".into()),
        )
    } else if !ctx.policy.policy.tests.paths.is_empty() {
        (
            ctx.policy.policy.tests.paths.clone(),
            policy_root(&ctx.repo),
        )
    } else {
        return Ok((None, Vec::new()));
    };
    let t = &ctx.policy.policy.tests;
    let on_missing = match t.on_missing {
        crate::collect::junit::OnMissing::Error if lenient => {
            crate::collect::junit::OnMissing::Warn
        }
        other => other,
    };
    let run = crate::collect::junit::collect(&patterns, &base, t.on_malformed, on_missing)?;
    ctx.debug(&format!(
        "tests: {} files, {} cases",
        run.files.len(),
        run.cases.len()
    ));
    let warnings = run.warnings.clone();
    if run.files.is_empty() {
        return Ok((None, warnings));
    }
    Ok((
        Some(Tests {
            metrics: crate::metrics::test_results::summarize(&run),
            run,
        }),
        warnings,
    ))
}

fn report_command(ctx: &Ctx, args: &ReportArgs) -> Result<i32> {
    let window = ctx.policy.policy.window.secs();
    let git = read_git(ctx, args.last, window, 0)?;
    let (github, skipped, repo) = read_github(ctx, &args.github, &git, true)?;
    let (tests, warnings) = read_tests(ctx, &args.tests, true)?;
    let engine = Engine::new(
        Inputs {
            git: &git,
            github: github.as_ref(),
            github_skipped: None,
            candidate_tag: None,
        },
        &ctx.policy.policy,
        ctx.now,
    );
    let incident_rules = uses_incidents(&ctx.policy.rules);
    let sources = sources(ctx, github.as_ref(), skipped, repo, tests.as_ref());

    let links = links(&args.github, sources.github.as_deref());
    let mut r = report::build(
        &engine,
        args.last,
        sources,
        tests.map(|t| t.metrics),
        warnings,
        incident_rules,
    );
    r.links = links;
    let out = match args.format {
        Format::Text => report::text::render(&r, report::text::Style { color: ctx.color }),
        Format::Markdown => report::markdown::render(&r),
        Format::Json => report::json::render(&r),
    };
    if !ctx.quiet || args.format == Format::Json {
        print_out(&out)?;
    }
    if args.format == Format::Text {
        warn_all(ctx, &r.warnings);
    }
    Ok(exit::PASSED)
}

/// Creates or updates the pull request comment; `body` gets the previous comment's body.
/// Returns what was done, or a warning (never fails the run: the summary still has it).
pub fn publish_comment(
    ctx: &Ctx,
    args: &GithubArgs,
    git: &GitHistory,
    pr: u64,
    body: &mut dyn FnMut(Option<&str>) -> String,
) -> std::result::Result<String, String> {
    use crate::github::GithubError;
    use crate::publish::github::{CommentOutcome, upsert_comment_with};
    if args.offline {
        return Err("--comment with --offline: no comment was written".into());
    }
    let repo = github_repo(args, git)
        .ok_or("--comment: no GitHub repository known (set --github-repo or GITHUB_REPOSITORY)")?;
    let cfg = github_config(ctx, args, repo).map_err(|e| e.to_string())?;
    let rt = runtime().map_err(|e| e.to_string())?;
    let explain = |e: GithubError| {
        if let GithubError::Forbidden {
            permission,
            message,
            ..
        } = &e
        {
            // The error's own text names the action and the fork case; say each once.
            let message = if message.is_empty() {
                String::new()
            } else {
                format!(": {message}")
            };
            format!(
                "could not comment on pull request #{pr}: GitHub refused (403{message}); the token needs the `{permission}` permission, and a workflow run for a pull request from a fork only gets a read-only token; the job summary carries the report"
            )
        } else if matches!(e, GithubError::NotFound { .. }) {
            format!(
                "could not comment on pull request #{pr}: GitHub answered 404; check that #{pr} is a pull request of {} and that the token can see it (--pr, GITHUB_REPOSITORY)",
                cfg.repo
            )
        } else {
            format!("could not comment on pull request #{pr}: {e}")
        }
    };
    match rt
        .block_on(upsert_comment_with(
            &cfg,
            pr,
            crate::app::check::COMMENT_MARKER,
            body,
        ))
        .map_err(explain)?
    {
        CommentOutcome::Created(_, url) => Ok(format!("commented: {url}")),
        CommentOutcome::CreatedAsOther {
            url,
            author,
            assumed,
            ..
        } => Err(not_recognised("comment", &url, &author, &assumed)),
        CommentOutcome::Updated(_, url) => Ok(format!("updated the comment: {url}")),
        CommentOutcome::Unchanged(_, url) => Ok(format!("the comment is up to date: {url}")),
    }
}

/// The warning when GitHub shows what slipgate just created as `author`'s, not as the
/// `assumed` login's (a GitHub App token posts as its own bot).
fn not_recognised(what: &str, url: &str, author: &str, assumed: &str) -> String {
    format!(
        "created the {what} {url}, but GitHub shows it as written by `{author}`, not `{assumed}` as slipgate assumed, so the next run will not recognise it and will create another; set `--comment-author {author}` (env SLIPGATE_COMMENT_AUTHOR, action input `comment-author`)"
    )
}

/// Creates or updates the trend issue. Returns what was done, or a warning.
pub fn publish_trend_issue(
    ctx: &Ctx,
    args: &GithubArgs,
    git: &GitHistory,
    title: &str,
    body: &str,
) -> std::result::Result<String, String> {
    use crate::publish::github::{IssueOutcome, upsert_issue};
    if args.offline {
        return Err("--trend-issue with --offline: the issue was not updated".into());
    }
    let repo = github_repo(args, git).ok_or(
        "--trend-issue: no GitHub repository known (set --github-repo or GITHUB_REPOSITORY)",
    )?;
    let cfg = github_config(ctx, args, repo).map_err(|e| e.to_string())?;
    let rt = runtime().map_err(|e| e.to_string())?;
    match rt
        .block_on(upsert_issue(
            &cfg,
            title,
            crate::app::check::TREND_MARKER,
            body,
            &["slipgate".to_string()],
        ))
        .map_err(|e| format!("could not update the trend issue: {e}"))?
    {
        IssueOutcome::Created(_, url) => Ok(format!("opened the trend issue: {url}")),
        IssueOutcome::CreatedAsOther {
            url,
            author,
            assumed,
            ..
        } => Err(not_recognised("trend issue", &url, &author, &assumed)),
        IssueOutcome::Updated(_, url) => Ok(format!("updated the trend issue: {url}")),
        IssueOutcome::Unchanged(_, url) => Ok(format!("the trend issue is up to date: {url}")),
    }
}

/// Stores this run's test totals and its flaky and failing test ids in the cache, keyed by
/// commit (`GITHUB_SHA`, else HEAD) and CI run (`GITHUB_RUN_ID`), so later runs can chart
/// pass rate and spot tests that flip. A cache problem is a warning, never an error.
pub fn record_tests(ctx: &Ctx, args: &GithubArgs, git: &GitHistory, tests: &Tests) -> Vec<String> {
    use crate::model::TestTotalsRow;
    use crate::store::runs::record_test_run;
    if args.no_cache {
        return Vec::new();
    }
    let Some(sha) = std::env::var("GITHUB_SHA")
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| git.candidate.head.clone())
    else {
        return Vec::new();
    };
    let run_id = std::env::var("GITHUB_RUN_ID")
        .ok()
        .filter(|s| !s.is_empty());
    let repo = github_repo(args, git).unwrap_or_else(|| "local".to_string());
    let m = &tests.metrics;
    let totals = TestTotalsRow {
        passed: m.passed as u64,
        failed: m.failed as u64,
        errored: m.errored as u64,
        skipped: m.skipped as u64,
        flaky: m.flaky.len() as u64,
        duration: m.duration,
    };
    let failing: Vec<String> = m.failing.iter().map(|f| f.test.id()).collect();
    let flaky: Vec<String> = m.flaky.iter().map(|t| t.id()).collect();
    if let Some(dir) = args.cache.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = std::fs::create_dir_all(dir);
    }
    match record_test_run(
        &args.cache,
        &repo,
        &sha,
        run_id.as_deref(),
        ctx.now,
        &totals,
        &flaky,
        &failing,
    ) {
        Ok(w) => w,
        Err(e) => vec![format!("could not record the test run in the cache: {e}")],
    }
}

/// Whether a rule reads incidents (time to restore, change failure rate), so a missing
/// incident label deserves a note.
pub fn uses_incidents(rules: &[crate::policy::Rule]) -> bool {
    rules.iter().any(|r| {
        matches!(
            r.metric,
            crate::policy::Metric::TimeToRestore(_) | crate::policy::Metric::ChangeFailureRate
        )
    })
}

/// Where a report's numbers came from.
pub fn sources(
    ctx: &Ctx,
    github: Option<&GithubData>,
    github_skipped: Option<String>,
    repo: Option<String>,
    tests: Option<&Tests>,
) -> Sources {
    Sources {
        repository: ctx.repo.display().to_string(),
        github: repo,
        github_skipped,
        issues: github.map(|g| g.issues.len()),
        pull_requests: github.filter(|g| g.pulls_read).map(|g| g.pulls.len()),
        policy: ctx.policy.source.describe(),
        junit_files: tests.map(|t| t.run.files.clone()).unwrap_or_default(),
    }
}

/// Where the report's links point: the repository read, on `GITHUB_SERVER_URL` (set by
/// GitHub Actions) or else the web server of `--api-url` (`https://api.github.com` →
/// `https://github.com`, `https://HOST/api/v3` → `https://HOST`). No links without a
/// repository, or when the server is not known.
pub fn links(args: &GithubArgs, repo: Option<&str>) -> crate::report::Links {
    let Some(repo) = repo else {
        return crate::report::Links::default();
    };
    let server = std::env::var("GITHUB_SERVER_URL")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| {
            let api = args.api_url.trim_end_matches('/');
            if api == crate::github::DEFAULT_API_URL.trim_end_matches('/') {
                "https://github.com".to_string()
            } else {
                api.strip_suffix("/api/v3").unwrap_or_default().to_string()
            }
        });
    crate::report::Links::new(&server, repo)
}

/// Warnings of a text report go to stderr, after the report, one line each: a warning
/// quotes data (file names, tags, server messages), so it goes through
/// [`crate::escape::line`].
pub fn warn_all(ctx: &Ctx, warnings: &[String]) {
    for w in warnings {
        ctx.info(&format!("warning: {}", crate::escape::line(w)));
    }
}
