//! Command-line arguments (clap derive), and [`request`]: the arguments and the
//! environment turned into the checked settings of one invocation.
//!
//! Every flag is parsed into a typed value here, before any work: a bad value (from the
//! command line or from the environment variable that feeds the flag) is a usage error,
//! exit 2, naming the flag. Help never shows an environment variable's value.

#![warn(unreachable_pub)]

use crate::duration::Dur;
use crate::github::DEFAULT_API_URL;
use crate::model::Timestamp;
use crate::policy::Trigger;
use crate::report::Format;
use clap::builder::{
    NonEmptyStringValueParser, OsStringValueParser, PossibleValue, TypedValueParser,
};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

pub(crate) mod read;
pub(crate) mod request;

/// The version `--version` prints: the package version and, when built from a git
/// checkout, the commit and its date (`0.1.0 (abc1234 2026-12-01)`; see `build.rs`).
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), env!("SLIPGATE_COMMIT"));

#[derive(Debug, Parser)]
#[command(
    name = "slipgate",
    version = VERSION,
    about = "A quality gate for engineering teams: release metrics from git, GitHub and JUnit, checked against a policy.",
    long_about = "slipgate reads the repository's git history (tags are releases), GitHub issues and pull \
requests, and JUnit test results; computes per-release defect rates, lead time for changes, bug-fix \
times, change failure rate and test health; and checks them against the rules of a policy file kept \
in the repository (.github/slipgate.yml or slipgate.yml; a built-in default otherwise).\n\n\
Exit codes: 0 passed (or warnings only), 1 the gate failed, 2 usage, configuration or input error.",
    after_help = "Examples:\n  slipgate report --offline                 per-release table from git alone\n  slipgate report --last 20 --format json   the same as JSON\n  slipgate check --comment                  in a pull_request workflow: gate, summary and PR comment\n  slipgate release-check --tag v1.4.0       is this release ready?\n  slipgate policy check                     validate the policy and print it with defaults filled in"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// Parses the command line followed by the words of `SLIPGATE_ARGS` (the action's `args`
    /// input, split as a shell would; see [`request::argv`]). A bad line or flag exits 2.
    pub fn from_env() -> Cli {
        match request::argv() {
            Ok(argv) => Cli::parse_from(argv),
            Err(message) => {
                use clap::CommandFactory;
                Cli::command()
                    .error(clap::error::ErrorKind::ValueValidation, message)
                    .exit()
            }
        }
    }

    /// Empty paths (an environment variable set to nothing, as outside a workflow) mean
    /// not set, like the empty `GITHUB_REPOSITORY` and `GITHUB_API_URL`.
    pub fn without_empty_paths(mut self) -> Cli {
        let actions = match &mut self.command {
            Command::Check(a) => &mut a.gate.actions,
            Command::ReleaseCheck(a) => &mut a.gate.actions,
            Command::Report(_)
            | Command::Export(_)
            | Command::Org(_)
            | Command::Trend(_)
            | Command::Policy(_)
            | Command::Init(_)
            | Command::Completions { .. }
            | Command::Man => return self,
        };
        for path in [
            &mut actions.event_path,
            &mut actions.step_summary,
            &mut actions.output_file,
        ] {
            if path.as_ref().is_some_and(|p| p.as_os_str().is_empty()) {
                *path = None;
            }
        }
        self
    }
}

impl Cli {
    /// The stdout format, step outputs and job summary files of `check` and
    /// `release-check` (where a failed run reports in Actions).
    pub fn actions_outputs(&self) -> Option<(Format, Option<PathBuf>, Option<PathBuf>)> {
        let a = match &self.command {
            Command::Check(a) => &a.gate.actions,
            Command::ReleaseCheck(a) => &a.gate.actions,
            _ => return None,
        };
        Some((a.format, a.output_file.clone(), a.step_summary.clone()))
    }
}

#[derive(Debug, Args)]
pub struct Global {
    /// The repository: a work tree, any folder inside one, or a bare repository.
    #[arg(long, global = true, default_value = ".", value_name = "DIR")]
    pub repo: PathBuf,
    /// The policy file [default: .github/slipgate.yml, then slipgate.yml, else the built-in default].
    #[arg(long, global = true, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// The evaluation time, RFC 3339 (`2026-11-23T12:00:00Z`) or a date (`2026-11-23`) [default: now].
    #[arg(long, global = true, value_name = "TIME", value_parser = parse_time)]
    pub now: Option<Timestamp>,
    /// Print nothing but errors (outputs, summary and comment are still written).
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// More detail on stderr: sources read, requests made.
    #[arg(long, short, global = true)]
    pub verbose: bool,
    /// Colour in text output: auto (on a terminal), always, never. NO_COLOR always wins.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Per-release metrics: the last N releases and the unreleased changes, then the window.
    Report(ReportArgs),
    /// Evaluate the policy's rules for this CI event: verdicts, job summary, outputs, PR comment.
    Check(CheckArgs),
    /// Release readiness: the rules with `on: release` against the unreleased changes (or a tag).
    ReleaseCheck(ReleaseCheckArgs),
    /// Metric series over periods, releases and recorded test runs, with their deltas.
    Trend(TrendArgs),
    /// Send the metrics to PostgreSQL (postgres://…) or a Prometheus Pushgateway (http(s)://…).
    Export(ExportArgs),
    /// The organisation view: one row per repository exported to a PostgreSQL database.
    Org(OrgArgs),
    /// Validate a policy file or print its JSON Schema.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Write a policy and three workflows fitted to this repository (tags, test runner, labels).
    Init(InitArgs),
    /// Print a shell completion script: bash, zsh, fish or powershell.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Print the manual page (roff), e.g. `slipgate man > slipgate.1; man ./slipgate.1`.
    Man,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Replace files that exist (.github/slipgate.yml, .github/workflows/slipgate-*.yml).
    #[arg(long)]
    pub force: bool,
    /// Print the files instead of writing them (each under its path).
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub github: GithubArgs,
}

/// The shells `completions` writes scripts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

/// The completion script for `shell`.
pub fn completions(shell: Shell) -> String {
    use clap::CommandFactory;
    use clap_complete::Shell as S;
    let shell = match shell {
        Shell::Bash => S::Bash,
        Shell::Zsh => S::Zsh,
        Shell::Fish => S::Fish,
        Shell::Powershell => S::PowerShell,
    };
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "slipgate", &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// The manual page of `slipgate`, as roff.
pub fn man_page() -> String {
    use clap::CommandFactory;
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = clap_mangen::Man::new(Cli::command()).render(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Validate a policy and print the effective policy (defaults filled in).
    Check {
        /// The policy file [default: the one slipgate would use]. Give it here or with
        /// `--policy`, not both.
        #[arg(value_name = "FILE", conflicts_with = "policy")]
        file: Option<PathBuf>,
    },
    /// Print the policy's JSON Schema (for editor completion and checking).
    Schema,
}

/// Where GitHub data comes from.
#[derive(Debug, Clone, Args)]
pub struct GithubArgs {
    /// Use git only: no GitHub requests.
    #[arg(long)]
    pub offline: bool,
    /// GitHub token. Optional for public repositories (60 requests an hour).
    #[arg(long, env = "GITHUB_TOKEN", value_name = "TOKEN")]
    #[arg(hide_env_values = true)]
    pub token: Option<String>,
    /// The GitHub repository, OWNER/NAME [default: from the `origin` remote].
    #[arg(long, env = "GITHUB_REPOSITORY", value_name = "OWNER/NAME")]
    #[arg(value_parser = parse_github_repo, hide_env_values = true)]
    pub github_repo: Option<String>,
    /// The API base URL (GitHub Enterprise: https://HOST/api/v3).
    #[arg(long, env = "GITHUB_API_URL", default_value = DEFAULT_API_URL, value_name = "URL")]
    #[arg(value_parser = parse_api_url, hide_env_values = true)]
    pub api_url: String,
    /// The cache file of issues and pull requests (keep it between CI runs with actions/cache).
    #[arg(long, default_value = ".slipgate/cache.db", value_name = "PATH")]
    pub cache: PathBuf,
    /// Do not read or write the cache.
    #[arg(long)]
    pub no_cache: bool,
    /// The login slipgate posts as, e.g. `my-app[bot]` for a GitHub App token [default:
    /// the token's account, or `github-actions[bot]`].
    #[arg(
        long,
        env = "SLIPGATE_COMMENT_AUTHOR",
        hide_env_values = true,
        value_name = "LOGIN",
        value_parser = parse_login
    )]
    pub comment_author: Option<String>,
    /// The longest wait for a rate limit to reset before giving up, e.g. `60s`, `5m`.
    #[arg(long, default_value = "60s", value_name = "DURATION", value_parser = parse_duration)]
    pub max_wait: Dur,
}

/// Where test results come from.
#[derive(Debug, Clone, Args)]
pub struct TestArgs {
    /// JUnit XML files or globs (repeatable), e.g. 'target/nextest/**/*.xml' [default: policy `tests.paths`].
    #[arg(long, value_name = "PATTERN", value_parser = parse_glob)]
    pub junit: Vec<String>,
    /// External metric files (CSV or JSON lines) or globs (repeatable) [default: policy `metrics.paths`].
    #[arg(long, value_name = "PATTERN", value_parser = parse_glob)]
    pub metrics: Vec<String>,
    /// SARIF 2.1.0 files or globs (repeatable): vulnerabilities of this run.
    #[arg(long, value_name = "PATTERN", value_parser = parse_glob)]
    pub sarif: Vec<String>,
    /// LCOV or Cobertura XML coverage reports or globs (repeatable), e.g. 'lcov.info' [default: policy `coverage.paths`].
    #[arg(long, value_name = "PATTERN", value_parser = parse_glob)]
    pub coverage: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// How many of the newest releases to show.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub last: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    pub github: GithubArgs,
    #[command(flatten)]
    pub tests: TestArgs,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Where to: postgres://USER@HOST:PORT/DB (password from PGPASSWORD or the URL; TLS when
    /// the server offers it, `?sslmode=require` to insist, `disable` to refuse), or a
    /// Pushgateway group, http(s)://[USER:PASSWORD@]HOST:PORT/metrics/job/JOB (the
    /// repository is added as the `repo` grouping label; the group is replaced).
    #[arg(long, value_name = "URL", value_parser = NonEmptyStringValueParser::new())]
    pub to: String,
    #[command(flatten)]
    pub github: GithubArgs,
    #[command(flatten)]
    pub tests: TestArgs,
}

#[derive(Debug, Args)]
pub struct OrgArgs {
    /// The database `slipgate export` writes to: postgres://USER@HOST:PORT/DB (password
    /// from PGPASSWORD or the URL; TLS as for `export`). Read only.
    #[arg(long, value_name = "URL", value_parser = NonEmptyStringValueParser::new())]
    pub from: String,
    /// Output format.
    #[arg(long, default_value = "text", value_parser = trend_format())]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct TrendArgs {
    /// The length of a period, e.g. `7d`, `1w`, `24h`.
    #[arg(long, default_value = "7d", value_name = "DURATION", value_parser = parse_period)]
    pub period: Dur,
    /// How many periods, ending at the evaluation time.
    #[arg(long, default_value_t = 12, value_name = "N")]
    #[arg(value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub periods: u64,
    /// How many of the newest releases the release series covers.
    #[arg(long, default_value_t = 12, value_name = "N")]
    #[arg(value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub releases: u64,
    /// Output format (markdown: the trend issue's body).
    #[arg(long, default_value = "text", value_parser = trend_format())]
    pub format: Format,
    /// Create or update the "quality trend" issue with this title, as `check --trend-issue` does.
    #[arg(long, value_name = "TITLE", value_parser = NonEmptyStringValueParser::new())]
    pub publish: Option<String>,
    #[command(flatten)]
    pub github: GithubArgs,
    #[command(flatten)]
    pub tests: TestArgs,
}

/// The GitHub Actions environment and what to write back.
#[derive(Debug, Clone, Args)]
pub struct ActionsArgs {
    /// The event that triggered the run.
    #[arg(long, env = "GITHUB_EVENT_NAME", value_name = "NAME")]
    #[arg(hide_env_values = true)]
    pub event_name: Option<String>,
    /// The event payload (JSON).
    #[arg(long, env = "GITHUB_EVENT_PATH", value_name = "FILE", value_parser = env_path())]
    #[arg(hide_env_values = true)]
    pub event_path: Option<PathBuf>,
    /// Append the markdown report here (the job summary).
    #[arg(long, env = "GITHUB_STEP_SUMMARY", value_name = "FILE", value_parser = env_path())]
    #[arg(hide_env_values = true)]
    pub step_summary: Option<PathBuf>,
    /// Write the step outputs `verdict`, `failed-rules` and `report-json` here.
    #[arg(long, env = "GITHUB_OUTPUT", value_name = "FILE", value_parser = env_path())]
    #[arg(hide_env_values = true)]
    pub output_file: Option<PathBuf>,
    /// Where to write the JSON report whose path `report-json` names [default: a file in RUNNER_TEMP or the temp dir].
    #[arg(long, value_name = "FILE")]
    pub report_json: Option<PathBuf>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// What a gate run reads and writes (`check`, `release-check`).
#[derive(Debug, Args)]
pub struct GateArgs {
    #[command(flatten)]
    pub actions: ActionsArgs,
    #[command(flatten)]
    pub github: GithubArgs,
    #[command(flatten)]
    pub tests: TestArgs,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Keep one slipgate comment on the pull request up to date.
    #[arg(long)]
    pub comment: bool,
    /// Keep a "quality trend" issue up to date with this title (scheduled runs).
    #[arg(long, value_name = "TITLE", value_parser = NonEmptyStringValueParser::new())]
    pub trend_issue: Option<String>,
    /// The pull request number (default: from the event payload).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub pr: Option<u64>,
    /// Pull request labels (default: from the event payload); repeatable.
    #[arg(long = "label", value_name = "LABEL", value_parser = NonEmptyStringValueParser::new())]
    pub labels: Vec<String>,
    /// Pull request title (default: from the event payload).
    #[arg(long, value_name = "TITLE")]
    pub title: Option<String>,
    /// Evaluate as this trigger instead of the event's.
    #[arg(long, value_name = "TRIGGER", value_enum)]
    pub trigger: Option<Trigger>,
    /// Exit 0 when fail rules trip (verdicts, outputs, comment and issue are still written):
    /// for scheduled runs, which report rather than gate. Errors still exit 2.
    #[arg(long)]
    pub no_fail: bool,
    /// Also export this run as `slipgate export --to URL` does (after the other outputs).
    #[arg(long, value_name = "URL", value_parser = NonEmptyStringValueParser::new())]
    pub export: Option<String>,
    #[command(flatten)]
    pub gate: GateArgs,
}

#[derive(Debug, Args)]
pub struct ReleaseCheckArgs {
    /// Check an existing release tag instead of the unreleased changes.
    #[arg(long, value_name = "TAG", value_parser = NonEmptyStringValueParser::new())]
    pub tag: Option<String>,
    #[command(flatten)]
    pub gate: GateArgs,
}

/// `--trigger` takes the policy's `on:` names.
impl ValueEnum for Trigger {
    fn value_variants<'a>() -> &'a [Self] {
        &Trigger::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name()))
    }
}

impl ValueEnum for Format {
    fn value_variants<'a>() -> &'a [Self] {
        &Format::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name()))
    }
}

/// `trend --format`: the formats a trend has (no openmetrics).
fn trend_format() -> impl TypedValueParser<Value = Format> {
    clap::builder::PossibleValuesParser::new(["text", "markdown", "json"]).map(|s| {
        match s.as_str() {
            "markdown" => Format::Markdown,
            "json" => Format::Json,
            _ => Format::Text,
        }
    })
}

/// `--now`: RFC 3339 (`2026-11-23T12:00:00Z`) or a date (`2026-11-23`, midnight UTC).
pub fn parse_time(text: &str) -> Result<Timestamp, String> {
    let t = text.trim();
    if let Ok(d) = chrono::DateTime::parse_from_rfc3339(t) {
        return Ok(d.timestamp());
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
        && let Some(midnight) = d.and_hms_opt(0, 0, 0)
    {
        return Ok(midnight.and_utc().timestamp());
    }
    Err("not a time; write RFC 3339 (`2026-11-23T12:00:00Z`) or a date (`2026-11-23`)".into())
}

/// `--max-wait`: a duration such as `60s`, `5m`.
pub fn parse_duration(text: &str) -> Result<Dur, String> {
    crate::duration::parse(text).map_err(|_| {
        "not a duration; write a whole number followed by a unit: s, m, h, d or w (e.g. `60s`, `5m`)".into()
    })
}

/// `--period`: a duration longer than zero and at most a year (`7d`, `1w`, `24h`).
pub fn parse_period(text: &str) -> Result<Dur, String> {
    let d = parse_duration(text)?;
    if d.secs() <= 0 || d.secs() > 366 * 86_400 {
        return Err("a period must be longer than 0s and at most 366d (e.g. `7d`)".into());
    }
    Ok(d)
}

/// `--github-repo` (and `GITHUB_REPOSITORY`): `OWNER/NAME`. Empty means not set (the
/// repository then comes from the `origin` remote). Checked here, before any work, by the
/// GitHub client's own rule ([`crate::github::repo_from_remote`]: ASCII letters, digits,
/// `-`, `_`, `.` in each half, neither `.` nor `..`), so what passes here is what the
/// client accepts online.
pub fn parse_github_repo(text: &str) -> Result<String, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(String::new());
    }
    let same = crate::github::repo_from_remote(&format!("https://github.com/{t}"));
    if same.as_deref() == Some(t) {
        Ok(t.to_string())
    } else {
        Err(
            "not a GitHub repository (check --github-repo or GITHUB_REPOSITORY); write OWNER/NAME, e.g. `rust-lang/cargo`"
                .into(),
        )
    }
}

/// `--comment-author` (and `SLIPGATE_COMMENT_AUTHOR`): a GitHub login, `[bot]` allowed
/// at the end. Empty means not set (the action passes an empty input through).
pub fn parse_login(text: &str) -> Result<String, String> {
    let t = text.trim();
    let name = t.strip_suffix("[bot]").unwrap_or(t);
    let ok = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if ok && (t.is_empty() || !name.is_empty()) {
        Ok(t.to_string())
    } else {
        Err("not a GitHub login (check --comment-author or SLIPGATE_COMMENT_AUTHOR); write the account slipgate posts as, e.g. `my-app[bot]`".into())
    }
}

/// `--api-url` (and `GITHUB_API_URL`): an http(s) URL with a host; a trailing `/` is
/// dropped. Empty means not set: GitHub's own API.
pub fn parse_api_url(text: &str) -> Result<String, String> {
    let t = text.trim().trim_end_matches('/');
    if t.is_empty() {
        return Ok(DEFAULT_API_URL.to_string());
    }
    let err = || {
        "not an API URL (check --api-url or GITHUB_API_URL); write `https://api.github.com` or, for GitHub Enterprise, `https://HOST/api/v3`".to_string()
    };
    let uri: http::Uri = t.parse().map_err(|_| err())?;
    let scheme_ok = matches!(uri.scheme_str(), Some("https" | "http"));
    let host_ok = uri.host().is_some_and(|h| !h.is_empty());
    if !scheme_ok || !host_ok || uri.query().is_some() {
        return Err(err());
    }
    Ok(t.to_string())
}

/// A path fed by an environment variable: any bytes, empty kept (and then dropped by
/// [`Cli::without_empty_paths`]).
fn env_path() -> impl TypedValueParser<Value = PathBuf> {
    OsStringValueParser::new().map(PathBuf::from)
}

/// `--junit`: a valid glob pattern.
pub fn parse_glob(text: &str) -> Result<String, String> {
    if text.trim().is_empty() {
        return Err("an empty pattern; write a file or a glob such as `target/**/*.xml`".into());
    }
    glob::Pattern::new(text)
        .map(|_| text.to_string())
        .map_err(|e| {
            format!("not a valid file pattern ({e}); see https://docs.rs/glob for the syntax")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_authors_are_logins() {
        assert_eq!(parse_login(" my-app[bot] "), Ok("my-app[bot]".to_string()));
        assert_eq!(parse_login("octocat"), Ok("octocat".to_string()));
        assert_eq!(parse_login(""), Ok(String::new()));
        for bad in ["[bot]", "a b", "x/y", "@octocat", "a[bot]x"] {
            assert!(parse_login(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn times_are_rfc3339_or_dates() {
        assert_eq!(parse_time("2026-11-23T12:00:00Z"), Ok(1_795_435_200));
        assert_eq!(parse_time("2026-11-23T13:00:00+01:00"), Ok(1_795_435_200));
        assert_eq!(parse_time("2026-11-23"), Ok(1_795_392_000));
        assert!(parse_time("yesterday").is_err());
        assert!(parse_time("2026-13-01").is_err());
    }

    #[test]
    fn repositories_urls_and_globs() {
        assert_eq!(parse_github_repo(" o/n "), Ok("o/n".to_string()));
        assert_eq!(
            parse_github_repo("a.b/.c_d-1"),
            Ok("a.b/.c_d-1".to_string())
        );
        assert_eq!(parse_github_repo(" "), Ok(String::new()));
        assert_eq!(parse_api_url(""), Ok(DEFAULT_API_URL.to_string()));
        for bad in [
            "o", "o/", "/n", "o/n/x", "o n/x", "../x", "o/..", "./r", "o/.", "o/n.git", "o/n?x",
            "o/n#x", "o/n/", "o//n",
        ] {
            assert!(parse_github_repo(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_api_url("https://ghe.example/api/v3/"),
            Ok("https://ghe.example/api/v3".to_string())
        );
        assert_eq!(
            parse_api_url("http://127.0.0.1:8080"),
            Ok("http://127.0.0.1:8080".to_string())
        );
        for bad in ["banana", "ftp://x", "https://", "api.github.com"] {
            assert!(parse_api_url(bad).is_err(), "{bad}");
        }
        assert!(parse_glob("target/**/*.xml").is_ok());
        assert!(parse_glob("a/***/b").is_err());
        assert!(parse_glob("").is_err());
        assert_eq!(parse_duration("5m"), Ok(Dur(300)));
        assert!(parse_duration("banana").is_err());
        assert_eq!(parse_period("1w"), Ok(Dur(604_800)));
        for bad in ["0d", "0s", "400d", "7", "-1d"] {
            assert!(parse_period(bad).is_err(), "{bad}");
        }
    }
}
