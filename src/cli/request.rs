//! The checked request: the flags (parsed into typed values by clap in [`crate::cli`])
//! and every environment variable slipgate reads (here, once, in [`Env::read`]), turned
//! into the settings of one invocation before any work starts.

use crate::cli::{ColorChoice, GithubArgs, Global, TestArgs};
use crate::collect::file;
use crate::error::{Error, Result};
use crate::github::{DEFAULT_API_URL, GithubConfig, repo_from_remote};
use crate::model::{ExportTarget, GitHistory, PgTarget, Timestamp};
use crate::policy::{self, LoadedPolicy, Source};
use crate::report::Links;
use std::path::{Path, PathBuf};

/// The environment variables read besides those clap reads for flags (`GITHUB_TOKEN`,
/// `GITHUB_REPOSITORY`, `GITHUB_API_URL`, `GITHUB_EVENT_*`, `GITHUB_STEP_SUMMARY`,
/// `GITHUB_OUTPUT`), and the current folder. Empty values mean not set.
#[derive(Debug, Clone, Default)]
pub(crate) struct Env {
    /// `NO_COLOR` is set (and not empty).
    pub no_color: bool,
    /// `GITHUB_ACTIONS=true`: annotations are written.
    pub in_actions: bool,
    /// `GITHUB_SHA`: the commit a test run is recorded under.
    pub sha: Option<String>,
    /// `GITHUB_RUN_ID`: the CI run a test run is recorded under.
    pub run_id: Option<String>,
    /// `GITHUB_REF`: the ref the run is for (its branch is recorded with the run).
    pub git_ref: Option<String>,
    /// `GITHUB_SERVER_URL`: the web server links point to.
    pub server_url: Option<String>,
    /// `RUNNER_TEMP`: where the JSON report goes by default.
    pub runner_temp: Option<PathBuf>,
    /// The current folder (`--junit` patterns are relative to it).
    pub cwd: PathBuf,
    /// `PGPASSWORD`: the password of `export --to postgres://…` when the URL has none.
    pub pgpassword: Option<String>,
    /// `SSL_CERT_FILE`: a PEM bundle of CA certificates that slipgate's own TLS
    /// connections (PostgreSQL, Pushgateway) trust beside Mozilla's roots.
    pub ssl_cert_file: Option<PathBuf>,
}

impl Env {
    pub(crate) fn read() -> Env {
        let var = |name| std::env::var(name).ok().filter(|s| !s.is_empty());
        Env {
            no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
            in_actions: std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true"),
            sha: var("GITHUB_SHA"),
            run_id: var("GITHUB_RUN_ID"),
            git_ref: var("GITHUB_REF"),
            server_url: var("GITHUB_SERVER_URL").filter(|s| !s.trim().is_empty()),
            runner_temp: std::env::var_os("RUNNER_TEMP").map(PathBuf::from),
            cwd: std::env::current_dir().unwrap_or_else(|_| ".".into()),
            pgpassword: std::env::var("PGPASSWORD").ok().filter(|s| !s.is_empty()),
            ssl_cert_file: std::env::var_os("SSL_CERT_FILE")
                .filter(|s| !s.is_empty())
                .map(PathBuf::from),
        }
    }
}

/// The environment variable whose words are appended to the command line: the action's
/// `args` input.
pub(crate) const EXTRA_ARGS_VAR: &str = "SLIPGATE_ARGS";

/// The command line, then the words of `SLIPGATE_ARGS` split as a POSIX shell splits words
/// (quotes and backslashes honoured, `#` starts a comment; no expansion, nothing is run).
/// An unset or blank variable adds nothing; one that cannot be split is a usage error.
pub(crate) fn argv() -> std::result::Result<Vec<std::ffi::OsString>, String> {
    let mut argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    match std::env::var(EXTRA_ARGS_VAR) {
        Ok(line) => argv.extend(split_extra_args(&line)?.into_iter().map(Into::into)),
        Err(std::env::VarError::NotPresent) => {}
        Err(std::env::VarError::NotUnicode(_)) => {
            return Err(format!("{EXTRA_ARGS_VAR} is not valid UTF-8"));
        }
    }
    Ok(argv)
}

/// `line` split into words as a shell would, without running or expanding anything.
pub(crate) fn split_extra_args(line: &str) -> std::result::Result<Vec<String>, String> {
    shlex::split(line).ok_or_else(|| {
        format!(
            "{EXTRA_ARGS_VAR} (the action's `args` input) has an unclosed quote or ends in a backslash: \
             quote words as in a shell, e.g. --label 'needs review'"
        )
    })
}

/// One invocation: the repository, its policy, the evaluation time, the terminal.
pub(crate) struct Session {
    pub repo: PathBuf,
    pub policy: LoadedPolicy,
    pub now: Timestamp,
    pub quiet: bool,
    pub verbose: bool,
    pub color: bool,
    pub env: Env,
}

impl Session {
    /// Loads the policy and settles the evaluation time and colour.
    /// The session of one invocation; `own_policy` false (`slipgate init`, which writes
    /// the policy) leaves the repository's policy unread and uses the built-in one.
    pub(crate) fn new(g: &Global, env: Env, own_policy: bool) -> Result<Session> {
        let policy = if own_policy {
            load_policy(g.policy.as_deref(), &policy_root(&g.repo))?
        } else {
            crate::policy::builtin()?
        };
        // Colour only on a terminal (or when asked), and never with NO_COLOR.
        let color = !env.no_color
            && match g.color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => crate::console::stdout_is_terminal(),
            };
        Ok(Session {
            repo: g.repo.clone(),
            policy,
            now: g.now.unwrap_or_else(|| chrono::Utc::now().timestamp()),
            quiet: g.quiet,
            verbose: g.verbose,
            color,
            env,
        })
    }

    /// Where a report's numbers came from: the test files read are `test_files`.
    pub(crate) fn sources(
        &self,
        github: &crate::collect::github::GithubRead,
        test_files: Vec<String>,
    ) -> crate::report::Sources {
        crate::report::Sources::new(
            self.repo.display().to_string(),
            github.repo.clone(),
            github.skipped.clone(),
            github.data.as_ref(),
            self.policy.source.describe(),
            test_files,
        )
    }

    /// A line on stderr unless `--quiet`.
    pub(crate) fn info(&self, msg: &str) {
        if !self.quiet {
            crate::console::eprint_line(msg);
        }
    }

    /// What was done (`msg`, data escaped for the terminal), on stderr unless `--quiet`.
    pub(crate) fn done(&self, msg: Option<&str>) {
        if let Some(msg) = msg {
            self.info(&format!("slipgate: {}", crate::escape::line(msg)));
        }
    }

    pub(crate) fn debug(&self, msg: &str) {
        if self.verbose && !self.quiet {
            crate::console::eprint_line(&format!("slipgate: {msg}"));
        }
    }
}

/// Finds and loads the policy: `explicit` if given (it must be a usable file), else the
/// first of [`policy::SEARCH_PATHS`] under `root` that exists, else the built-in default.
/// A file that is found must be usable: one that is not a regular file (a symbolic link
/// to `/dev/zero`, a named pipe, a directory), larger than
/// [`file::POLICY`]'s cap, or not UTF-8 is an error, never a silent fall back to the
/// default.
pub(crate) fn load_policy(explicit: Option<&Path>, root: &Path) -> Result<LoadedPolicy> {
    if let Some(path) = explicit {
        let text = file::read_regular(path, file::POLICY)?;
        let name = path.display().to_string();
        return Ok(policy::from_text(
            &text,
            &name,
            Source::File(path.to_path_buf()),
        )?);
    }
    for rel in policy::SEARCH_PATHS {
        let candidate = root.join(rel);
        if file::exists(&candidate) {
            let text = file::read_regular(&candidate, file::POLICY)?;
            return Ok(policy::from_text(
                &text,
                rel,
                Source::File(PathBuf::from(rel)),
            )?);
        }
    }
    Ok(policy::builtin()?)
}

/// The policy file of `policy check [FILE]`: FILE or `--policy`, not both.
pub(crate) fn policy_file<'a>(
    file: Option<&'a Path>,
    global: Option<&'a Path>,
) -> Result<Option<&'a Path>> {
    if let (Some(file), Some(global)) = (file, global) {
        return Err(Error::Usage(format!(
            "two policy files named: `{}` (--policy) and `{}`; name one, either with --policy or after `policy check`",
            global.display(),
            file.display()
        )));
    }
    Ok(file.or(global))
}

/// Where policy files are looked for: the top of the work tree containing `repo` (or `repo`).
pub(crate) fn policy_root(repo: &Path) -> PathBuf {
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

/// Where GitHub data comes from and goes to.
#[derive(Debug, Clone)]
pub(crate) struct GithubSource {
    pub offline: bool,
    /// `--github-repo` or `GITHUB_REPOSITORY`.
    pub repo: Option<String>,
    pub api_url: String,
    pub token: Option<String>,
    /// The cache file; `None` with `--no-cache`.
    pub cache: Option<PathBuf>,
    pub max_wait: std::time::Duration,
    /// The web server of links: `GITHUB_SERVER_URL`, else the one of the API URL
    /// (`https://api.github.com` → `https://github.com`, `https://HOST/api/v3` →
    /// `https://HOST`).
    pub server: String,
    /// Progress lines of long fetches on stderr.
    pub progress: bool,
    /// `--comment-author` or `SLIPGATE_COMMENT_AUTHOR`: the login slipgate posts as.
    pub comment_author: Option<String>,
}

impl GithubSource {
    pub(crate) fn new(args: &GithubArgs, s: &Session) -> GithubSource {
        let api_url = args.api_url.trim_end_matches('/').to_string();
        let server = s.env.server_url.clone().unwrap_or_else(|| {
            if api_url == DEFAULT_API_URL.trim_end_matches('/') {
                "https://github.com".to_string()
            } else {
                api_url
                    .strip_suffix("/api/v3")
                    .unwrap_or_default()
                    .to_string()
            }
        });
        GithubSource {
            offline: args.offline,
            repo: args
                .github_repo
                .as_deref()
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_string),
            token: args.token.clone().filter(|t| !t.trim().is_empty()),
            cache: (!args.no_cache).then(|| args.cache.clone()),
            max_wait: std::time::Duration::from_secs(args.max_wait.secs().max(0) as u64),
            server,
            progress: !s.quiet,
            comment_author: args.comment_author.clone().filter(|l| !l.is_empty()),
            api_url,
        }
    }

    /// The key of this repository's test-run history in the cache: its GitHub name, or,
    /// for a repository slipgate cannot name on GitHub, `local:` and its folder
    /// (canonical), so that two repositories sharing a cache file never mix their runs.
    pub(crate) fn history_key(&self, git: &GitHistory, repo_dir: &Path) -> String {
        self.repo_of(git).unwrap_or_else(|| {
            let dir = std::fs::canonicalize(repo_dir).unwrap_or_else(|_| repo_dir.to_path_buf());
            format!("local:{}", dir.display())
        })
    }

    /// The GitHub repository to read: the flag or `GITHUB_REPOSITORY`, else the `origin`
    /// remote when it lives on the API's host (github.com for api.github.com).
    pub(crate) fn repo_of(&self, git: &GitHistory) -> Option<String> {
        self.repo_of_origin(git.origin_url.as_deref())
    }

    /// [`Self::repo_of`] from the `origin` remote's URL.
    fn repo_of_origin(&self, origin: Option<&str>) -> Option<String> {
        if let Some(r) = &self.repo {
            return Some(r.clone());
        }
        let origin = origin?;
        let api_host = host_of(&self.api_url)?;
        let expected = if api_host == "api.github.com" {
            "github.com".to_string()
        } else {
            api_host
        };
        if host_of(origin)? != expected {
            return None;
        }
        repo_from_remote(origin)
    }

    /// What `slipgate init` reads of `repo`, with the labels it proposes from: read in
    /// one request with a token,
    /// else skipped with the reason (offline, no token, no repository known, a failure).
    pub(crate) fn init_facts(
        &self,
        repo: &Path,
    ) -> Result<crate::model::RepoFacts, crate::collect::git::GitError> {
        let mut facts = crate::collect::git::read_facts(repo)?;
        let skip = if self.offline {
            Some("--offline".to_string())
        } else if self.token.is_none() {
            Some("no token: pass --token or set GITHUB_TOKEN".to_string())
        } else {
            None
        };
        let repo = self.repo_of_origin(facts.origin_url.as_deref());
        let result = match (skip, repo) {
            (Some(why), _) => Err(why),
            (None, None) => Err("no GitHub repository known: pass --github-repo OWNER/NAME".into()),
            (None, Some(repo)) => {
                crate::collect::labels::read(&self.config(repo)).map_err(|e| e.to_string())
            }
        };
        match result {
            Ok(labels) => facts.labels = Some(labels),
            Err(why) => facts.labels_skipped = Some(why),
        }
        Ok(facts)
    }

    /// The cache of one run: opened when first needed, once (`--no-cache`: none).
    pub(crate) fn run_cache(&self) -> crate::store::RunCache {
        crate::store::RunCache::new(self.cache.clone())
    }

    /// The client configuration for `repo`.
    pub(crate) fn config(&self, repo: String) -> GithubConfig {
        let mut cfg = GithubConfig::new(repo);
        cfg.api_url = self.api_url.clone();
        cfg.token = self.token.clone();
        cfg.cache_path = self.cache.clone();
        cfg.max_wait = self.max_wait;
        cfg.progress = self.progress;
        cfg.comment_author = self.comment_author.clone();
        // Every list read of this run (fetch, comment, trend issue) shares one budget.
        cfg.page_budget = crate::github::PageBudget::for_this_run();
        cfg
    }

    /// Where the report's links point: the repository read, on [`Self::server`]. No
    /// links without a repository, or when the server is not known.
    pub(crate) fn links(&self, repo: Option<&str>) -> Links {
        repo.map(|r| Links::new(&self.server, r))
            .unwrap_or_default()
    }
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

/// The JUnit files to read: `--junit` (relative to the current folder), else the
/// policy's `tests.paths` (relative to the repository); none when neither names any.
#[derive(Debug, Clone)]
pub(crate) struct TestSource {
    pub patterns: Vec<String>,
    pub base: PathBuf,
}

impl TestSource {
    pub(crate) fn new(args: &TestArgs, s: &Session) -> Option<TestSource> {
        if !args.junit.is_empty() {
            Some(TestSource {
                patterns: args.junit.clone(),
                base: s.env.cwd.clone(),
            })
        } else if !s.policy.policy.tests.paths.is_empty() {
            Some(TestSource {
                patterns: s.policy.policy.tests.paths.clone(),
                base: policy_root(&s.repo),
            })
        } else {
            None
        }
    }
}

/// `--to URL` / `--export URL`: where the export goes, by the URL's scheme. The one
/// place that dispatches on it; messages never repeat the URL's user info.
pub(crate) fn export_target(url: Option<&str>, env: &Env) -> Result<Option<ExportTarget>> {
    url.map(|u| target_of(u, env)).transpose()
}

fn target_of(url: &str, env: &Env) -> Result<ExportTarget> {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    match scheme.to_ascii_lowercase().as_str() {
        "postgres" | "postgresql" => pg_target("--to", rest, env).map(ExportTarget::Postgres),
        "http" | "https" => Ok(ExportTarget::Push(
            url.to_string(),
            env.ssl_cert_file.clone(),
        )),
        _ => Err(Error::Usage(
            "--to: not an export URL; write postgres://USER@HOST:PORT/DB, or a Pushgateway's http(s)://HOST:PORT/metrics/job/JOB".to_string(),
        )),
    }
}

/// `org --from URL`: the database to read, a postgres:// URL.
pub(crate) fn org_source(url: &str, env: &Env) -> Result<PgTarget> {
    match url.split_once("://") {
        Some((scheme, rest))
            if matches!(scheme.to_ascii_lowercase().as_str(), "postgres" | "postgresql") =>
        {
            pg_target("--from", rest, env)
        }
        _ => Err(Error::Usage(
            "--from: not a database URL; write postgres://USER@HOST:PORT/DB (the password in PGPASSWORD)".to_string(),
        )),
    }
}

/// `USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=MODE]`, percent-decoded.
fn pg_target(flag: &str, rest: &str, env: &Env) -> Result<PgTarget> {
    let bad = |what: &str| {
        Error::Usage(format!(
            "{flag}: {what}; write postgres://USER@HOST:PORT/DB (the password in PGPASSWORD)"
        ))
    };
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, db) = rest.split_once('/').ok_or_else(|| bad("no database"))?;
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    let (user, password) = match userinfo.map(|u| u.split_once(':').unwrap_or((u, ""))) {
        Some((u, p)) => (decode(u), (!p.is_empty()).then(|| decode(p))),
        None => (String::new(), None),
    };
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let (h, p) = v6.split_once(']').ok_or_else(|| bad("a bad host"))?;
        (h, p.strip_prefix(':'))
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    let port = match port {
        None => 5432,
        Some(p) => p.parse().map_err(|_| bad("a bad port"))?,
    };
    let db = decode(db);
    if user.is_empty() || host.is_empty() || db.is_empty() || db.contains('/') {
        return Err(bad("a user, a host and a database are needed"));
    }
    let mut sslmode = "prefer".to_string();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("sslmode", m @ ("disable" | "prefer" | "require"))) => sslmode = m.to_string(),
            _ => {
                return Err(bad(
                    "the only query parameter is sslmode=disable|prefer|require",
                ));
            }
        }
    }
    Ok(PgTarget {
        user,
        password: password.or_else(|| env.pgpassword.clone()),
        host: host.to_string(),
        port,
        dbname: db,
        sslmode,
        ca_file: env.ssl_cert_file.clone(),
    })
}

/// Percent-decoding (`%40` is `@`); a bad escape stays as it is.
fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod export_url_tests {
    use super::*;

    fn env(pw: Option<&str>) -> Env {
        Env {
            pgpassword: pw.map(str::to_string),
            ..Env::default()
        }
    }

    fn pg(url: &str, pw: Option<&str>) -> PgTarget {
        match export_target(Some(url), &env(pw)) {
            Ok(Some(ExportTarget::Postgres(t))) => t,
            other => panic!("{url}: {other:?}"),
        }
    }

    #[test]
    fn a_postgres_url_is_parsed_and_decoded() {
        let t = pg(
            "postgres://al%40ice:p%3Ass@db.example:6543/metrics?sslmode=require",
            None,
        );
        assert_eq!(
            (
                t.user.as_str(),
                t.password.as_deref(),
                t.host.as_str(),
                t.port
            ),
            ("al@ice", Some("p:ss"), "db.example", 6543)
        );
        assert_eq!(
            (t.dbname.as_str(), t.sslmode.as_str()),
            ("metrics", "require")
        );
        assert_eq!(t.shown(), "postgres://db.example:6543/metrics");
        // The port defaults to 5432, the password to PGPASSWORD, sslmode to prefer.
        let t = pg("postgresql://bob@[::1]/m", Some("from-env"));
        assert_eq!((t.host.as_str(), t.port), ("::1", 5432));
        assert_eq!(
            (t.password.as_deref(), t.sslmode.as_str()),
            (Some("from-env"), "prefer")
        );
        assert_eq!(t.shown(), "postgres://[::1]:5432/m");
        // A password in the URL wins over PGPASSWORD.
        assert_eq!(
            pg("postgres://bob:url@h/m", Some("env"))
                .password
                .as_deref(),
            Some("url")
        );
    }

    #[test]
    fn a_bad_url_is_a_usage_error_that_never_repeats_it() {
        for url in [
            "mysql://bob:S3cret@h/db",
            "postgres://bob:S3cret@h",
            "postgres://bob:S3cret@h:port/db",
            "postgres://:S3cret@h/db",
            "postgres://bob:S3cret@h/db?sslmode=verify-full",
            "postgres://bob:S3cret@h/db?password=x",
        ] {
            let e = export_target(Some(url), &env(None))
                .expect_err(url)
                .to_string();
            assert!(e.starts_with("--to: "), "{url}: {e}");
            assert!(!e.contains("S3cret") && !e.contains("bob"), "{url}: {e}");
        }
        assert_eq!(export_target(None, &env(None)).ok(), Some(None));
    }
}

/// What this run read besides git, GitHub and JUnit: external metric samples (`--metrics`,
/// else policy `metrics.paths`) and SARIF findings (`--sarif`); none of a kind when no
/// pattern names it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Externals {
    pub metrics: Option<crate::model::ExternalData>,
    pub sarif: Option<crate::model::SarifData>,
}

impl Externals {
    /// Reads the files `args` (or the policy) name: command-line patterns are relative to
    /// the current folder, the policy's to the repository.
    pub(crate) fn read(
        args: &TestArgs,
        s: &Session,
    ) -> Result<Externals, crate::collect::external::ExternalError> {
        let policy = &s.policy.policy.metrics;
        let metrics = if !args.metrics.is_empty() {
            Some((&args.metrics, s.env.cwd.clone()))
        } else if !policy.paths.is_empty() {
            Some((&policy.paths, policy_root(&s.repo)))
        } else {
            None
        };
        let metrics = metrics
            .map(|(p, base)| crate::collect::external::read(p, &base, policy.on_malformed))
            .transpose()?;
        let sarif = (!args.sarif.is_empty())
            .then(|| crate::collect::sarif::read(&args.sarif, &s.env.cwd))
            .transpose()?;
        Ok(Externals { metrics, sarif })
    }

    /// The warnings met while reading.
    pub(crate) fn warnings(&self) -> impl Iterator<Item = String> + '_ {
        let m = self.metrics.iter().flat_map(|d| d.warnings.iter());
        m.chain(self.sarif.iter().flat_map(|d| d.warnings.iter()))
            .cloned()
    }
}
/// The coverage reports to read: `--coverage` (relative to the current folder; matching
/// nothing is an error), else the policy's `coverage.paths` (relative to the repository;
/// matching nothing is a warning); none when neither names any.
#[derive(Debug, Clone)]
pub(crate) struct CoverageSource {
    pub patterns: Vec<String>,
    pub base: PathBuf,
    pub missing: crate::collect::coverage::Missing,
}

impl CoverageSource {
    pub(crate) fn new(args: &TestArgs, s: &Session) -> Option<CoverageSource> {
        use crate::collect::coverage::Missing;
        let (patterns, base, missing) = if !args.coverage.is_empty() {
            (args.coverage.clone(), s.env.cwd.clone(), Missing::Error)
        } else if !s.policy.policy.coverage.paths.is_empty() {
            let p = s.policy.policy.coverage.paths.clone();
            (p, policy_root(&s.repo), Missing::Warn)
        } else {
            return None;
        };
        Some(CoverageSource {
            patterns,
            base,
            missing,
        })
    }
}

/// This run's coverage; with the pull request `pr`, its patch coverage too.
pub(crate) fn read_coverage(
    s: &Session,
    a: &TestArgs,
    pr: Option<&crate::model::coverage::PullRefs>,
) -> Result<Option<crate::metrics::coverage::CoverageFigures>> {
    use crate::collect::coverage;
    let Some(src) = CoverageSource::new(a, s) else {
        return Ok(None);
    };
    let roots = coverage::Roots::of(&policy_root(&s.repo));
    let mut run = coverage::collect(&src.patterns, &src.base, &roots, src.missing)?;
    if let Some(pr) = pr {
        run.patch = coverage::patch::read(&s.repo, &pr.bases(), &pr.head);
    }
    Ok(Some(crate::metrics::coverage::summarize(&run)))
}
#[cfg(test)]
mod tests {
    use super::split_extra_args;

    #[test]
    fn extra_args_split_as_a_shell_would() {
        let words =
            split_extra_args(r#"--verbose --label 'needs review' --title "a \"b\" c" x\ y"#);
        assert_eq!(
            words.unwrap(),
            [
                "--verbose",
                "--label",
                "needs review",
                "--title",
                r#"a "b" c"#,
                "x y"
            ]
        );
        // Nothing is expanded or run: `$(…)` and `;` stay words.
        assert_eq!(
            split_extra_args("$(touch x); `id` $HOME").unwrap(),
            ["$(touch", "x);", "`id`", "$HOME"]
        );
        assert!(split_extra_args("  \n ").unwrap().is_empty());
    }

    #[test]
    fn an_unclosed_quote_is_a_usage_error_that_says_how_to_quote() {
        let err = split_extra_args("--label 'needs review").unwrap_err();
        assert!(err.contains("unclosed quote"), "{err}");
        assert!(err.contains("SLIPGATE_ARGS"), "{err}");
        assert!(split_extra_args(r"--verbose \").is_err());
    }
}
