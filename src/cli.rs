//! Command-line arguments (clap derive). Parsed here, turned into requests in `app`.

use crate::report::Format;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "slipgate",
    version,
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

#[derive(Debug, Args)]
pub struct Global {
    /// The repository: a work tree, any folder inside one, or a bare repository.
    #[arg(long, global = true, default_value = ".", value_name = "DIR")]
    pub repo: PathBuf,
    /// The policy file [default: .github/slipgate.yml, then slipgate.yml, else the built-in default].
    #[arg(long, global = true, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// The evaluation time, RFC 3339 (`2026-11-23T12:00:00Z`) or a date (`2026-11-23`) [default: now].
    #[arg(long, global = true, value_name = "TIME")]
    pub now: Option<String>,
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
    /// Validate a policy file or print its JSON Schema.
    #[command(subcommand)]
    Policy(PolicyCommand),
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Validate a policy and print the effective policy (defaults filled in).
    Check {
        /// The policy file [default: the one slipgate would use].
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
    #[arg(
        long,
        env = "GITHUB_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub token: Option<String>,
    /// The GitHub repository, OWNER/NAME [default: from the `origin` remote].
    #[arg(long, env = "GITHUB_REPOSITORY", value_name = "OWNER/NAME")]
    pub github_repo: Option<String>,
    /// The API base URL (GitHub Enterprise: https://HOST/api/v3).
    #[arg(
        long,
        env = "GITHUB_API_URL",
        default_value = "https://api.github.com",
        value_name = "URL"
    )]
    pub api_url: String,
    /// The cache file of issues and pull requests (keep it between CI runs with actions/cache).
    #[arg(long, default_value = ".slipgate/cache.db", value_name = "PATH")]
    pub cache: PathBuf,
    /// Do not read or write the cache.
    #[arg(long)]
    pub no_cache: bool,
    /// The longest wait for a rate limit to reset before giving up, e.g. `60s`, `5m`.
    #[arg(long, default_value = "60s", value_name = "DURATION")]
    pub max_wait: String,
}

/// Where test results come from.
#[derive(Debug, Clone, Args)]
pub struct TestArgs {
    /// JUnit XML files or globs (repeatable), e.g. 'target/nextest/**/*.xml' [default: policy `tests.paths`].
    #[arg(long, value_name = "PATTERN")]
    pub junit: Vec<String>,
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

/// The GitHub Actions environment and what to write back.
#[derive(Debug, Clone, Args)]
pub struct ActionsArgs {
    /// The event that triggered the run.
    #[arg(long, env = "GITHUB_EVENT_NAME", value_name = "NAME")]
    pub event_name: Option<String>,
    /// The event payload (JSON).
    #[arg(long, env = "GITHUB_EVENT_PATH", value_name = "FILE")]
    pub event_path: Option<PathBuf>,
    /// Append the markdown report here (the job summary).
    #[arg(long, env = "GITHUB_STEP_SUMMARY", value_name = "FILE")]
    pub step_summary: Option<PathBuf>,
    /// Write the step outputs `verdict`, `failed-rules` and `report-json` here.
    #[arg(long, env = "GITHUB_OUTPUT", value_name = "FILE")]
    pub output_file: Option<PathBuf>,
    /// Where to write the JSON report whose path `report-json` names [default: a file in RUNNER_TEMP or the temp dir].
    #[arg(long, value_name = "FILE")]
    pub report_json: Option<PathBuf>,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Keep one slipgate comment on the pull request up to date.
    #[arg(long)]
    pub comment: bool,
    /// Keep a "quality trend" issue up to date with this title (scheduled runs).
    #[arg(long, value_name = "TITLE")]
    pub trend_issue: Option<String>,
    /// The pull request number (default: from the event payload).
    #[arg(long, value_name = "N")]
    pub pr: Option<u64>,
    /// Pull request labels (default: from the event payload); repeatable.
    #[arg(long = "label", value_name = "LABEL")]
    pub labels: Vec<String>,
    /// Pull request title (default: from the event payload).
    #[arg(long, value_name = "TITLE")]
    pub title: Option<String>,
    /// Evaluate as this trigger instead of the event's: pull_request, push, release, schedule.
    #[arg(long, value_name = "TRIGGER")]
    pub trigger: Option<String>,
    #[command(flatten)]
    pub actions: ActionsArgs,
    #[command(flatten)]
    pub github: GithubArgs,
    #[command(flatten)]
    pub tests: TestArgs,
}

#[derive(Debug, Args)]
pub struct ReleaseCheckArgs {
    /// Check an existing release tag instead of the unreleased changes.
    #[arg(long, value_name = "TAG")]
    pub tag: Option<String>,
    #[command(flatten)]
    pub actions: ActionsArgs,
    #[command(flatten)]
    pub github: GithubArgs,
    #[command(flatten)]
    pub tests: TestArgs,
}
