//! The edge: turns the parsed arguments and the environment into a checked request
//! ([`crate::cli::request`]), runs collect → metrics → gate → report → publish, and returns the exit
//! code. Everything it calls is pure, or collect, or publish.

#![warn(unreachable_pub)]

mod check;
mod export;
mod org;
mod trend;

use crate::cli::request::{self, Env, Externals, GithubSource, Session, TestSource, policy_root};
use crate::cli::{self, Cli, Command, GithubArgs, InitArgs, PolicyCommand, ReportArgs, TestArgs};
use crate::collect::git;
use crate::collect::github::GithubRead;
use crate::collect::junit::{self, MissingTests};
use crate::error::{Error, Result, exit};
use crate::metrics::test_results::TestMetrics;
use crate::metrics::{Engine, Inputs};
use crate::model::{GitHistory, TestTable};
use crate::policy::{self, Needs};
use crate::publish::failure::Sink;
use crate::publish::{self, check::WriteFailed, check::stdout, check::warn_all};
use crate::report::{self, Format, Report, notes};
use std::path::Path;

impl From<WriteFailed> for Error {
    fn from(e: WriteFailed) -> Error {
        Error::Io {
            action: e.action,
            path: e.path,
            source: e.source,
        }
    }
}

/// Runs the parsed command line; returns the exit code. Errors are published in Actions.
pub fn run(cli: Cli) -> Result<i32> {
    let cli = cli.without_empty_paths();
    let env = Env::read();
    let sink = Sink::new(env.in_actions, cli.actions_outputs());
    command(&cli, env).inspect_err(|e| crate::publish::failure::publish(&sink, &e.failure()))
}

fn command(cli: &Cli, env: Env) -> Result<i32> {
    let g = &cli.global;
    match &cli.command {
        Command::Policy(cmd) => return policy_command(cmd, g.policy.as_deref(), &g.repo),
        Command::Completions { shell } => return Ok(stdout(&cli::completions(*shell)).map(|_| 0)?),
        Command::Man => return Ok(stdout(&cli::man_page()).map(|_| 0)?),
        _ => {}
    }
    let own_policy = !matches!(cli.command, Command::Init(_) | Command::Org(_));
    let session = Session::new(g, env, own_policy)?;
    session.debug(&format!("policy: {}", session.policy.source.describe()));
    match &cli.command {
        Command::Report(args) => report_command(&session, args),
        Command::Export(args) => export::export_command(&session, args),
        Command::Org(args) => org::org_command(&session, args),
        Command::Check(args) => check::check(&session, args),
        Command::ReleaseCheck(args) => check::release_check(&session, args),
        Command::Trend(args) => trend::trend_command(&session, args),
        Command::Init(args) => init(&session, args),
        Command::Policy(_) | Command::Completions { .. } | Command::Man => Ok(exit::PASSED),
    }
}

fn policy_command(cmd: &PolicyCommand, global: Option<&Path>, repo: &Path) -> Result<i32> {
    match cmd {
        PolicyCommand::Schema => {
            let schema = serde_json::to_string_pretty(&policy::json_schema()).unwrap_or_default();
            stdout(&format!("{schema}\n"))?;
        }
        PolicyCommand::Check { file } => {
            let file = request::policy_file(file.as_deref(), global)?;
            let loaded = request::load_policy(file, &policy_root(repo))?;
            let n = loaded.rules.len();
            crate::console::eprint_line(&notes::policy_ok(&loaded.source.describe(), n));
            stdout(&format!(
                "# effective policy: {}\n{}",
                loaded.source.describe(),
                policy::to_yaml(&loaded.policy)
            ))?;
        }
    }
    Ok(exit::PASSED)
}

/// `slipgate init`: reads the repository, fits a policy and workflows to it, writes them.
fn init(s: &Session, a: &InitArgs) -> Result<i32> {
    let facts = GithubSource::new(&a.github, s).init_facts(&s.repo)?;
    let plan = crate::init::plan(&facts, crate::init::ACTION);
    Ok(publish::init::write(&plan, a.force, a.dry_run, s.quiet)?)
}

/// Reads git (one tag listing, one walk), loading the changes `plan` asks for.
fn read_git(s: &Session, plan: git::Plan) -> Result<(Box<dyn git::History>, GitHistory)> {
    let (history, git) = git::read(&s.repo, &s.policy.policy.releases, plan, s.now)?;
    s.debug(&format!(
        "git: {} releases, changes read for {}, {} unreleased changes",
        git.releases.len(),
        git.releases.iter().filter(|r| r.changes_loaded).count(),
        git.candidate.changes.len()
    ));
    Ok((history, git))
}

/// Reads GitHub's issues (and pull requests when `pulls`, the comments on issues when
/// `comments`).
fn read_github(
    s: &Session,
    src: &GithubSource,
    git: &GitHistory,
    pulls: bool,
    comments: bool,
) -> Result<GithubRead> {
    if src.offline {
        return Ok(GithubRead::skipped("--offline"));
    }
    let Some(repo) = src.repo_of(git) else {
        return Ok(GithubRead::skipped(
            "no GitHub repository known: pass --github-repo OWNER/NAME (or set GITHUB_REPOSITORY), or add an `origin` remote on GitHub; --offline silences this",
        ));
    };
    let mut cfg = src.config(repo.clone());
    cfg.pulls = pulls;
    cfg.comments = comments;
    let (data, stats) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Usage(format!("cannot start the async runtime: {e}")))?
        .block_on(crate::collect::github::fetch(&cfg))
        .map_err(|source| Error::GithubFetch { source })?;
    s.debug(&stats.describe(&data));
    Ok(GithubRead {
        data: Some(data),
        skipped: None,
        repo: Some(repo),
    })
}

/// Test results of this invocation: every JUnit file given forms one run.
struct TestResults {
    metrics: TestMetrics,
    run: TestTable,
}

/// Reads the JUnit, metrics and SARIF files of `args`: the test run (none without files),
/// the other inputs and the warnings met (patterns matching nothing, input skipped).
fn read_tests(
    s: &Session,
    args: &TestArgs,
    missing: MissingTests,
) -> Result<(Option<TestResults>, Externals, Vec<String>)> {
    let ext = Externals::read(args, s)?;
    let Some(src) = TestSource::new(args, s) else {
        return Ok((None, ext.clone(), ext.warnings().collect()));
    };
    let run = junit::read(&src.patterns, &src.base, &s.policy.policy.tests, missing)?;
    s.debug(&format!(
        "tests: {} files, {} cases",
        run.files.len(),
        run.len()
    ));
    let warnings: Vec<String> = run.warnings.iter().cloned().chain(ext.warnings()).collect();
    if run.files.is_empty() {
        return Ok((None, ext, warnings));
    }
    let metrics = crate::metrics::test_results::summarize_table(&run);
    Ok((Some(TestResults { metrics, run }), ext, warnings))
}

fn report_command(s: &Session, args: &ReportArgs) -> Result<i32> {
    let r = build_report(s, args.last, &args.github, &args.tests)?;
    let out = report::render(&r, args.format, report::text::Style { color: s.color });
    if !s.quiet || args.format.machine() {
        stdout(&out)?;
    }
    if args.format == Format::Text {
        warn_all(s.quiet, &r.warnings);
    }
    Ok(exit::PASSED)
}

fn build_report(s: &Session, last: usize, gh: &GithubArgs, args: &TestArgs) -> Result<Report> {
    let github_src = GithubSource::new(gh, s);
    let plan = git::Plan {
        last,
        span_back: s.policy.policy.window.secs(),
        extra: 0,
    };
    let (_, git) = read_git(s, plan)?;
    let github = read_github(s, &github_src, &git, true, true)?;
    let (tests, ext, warnings) = read_tests(s, args, MissingTests::WarnAtMost)?;
    let cov = request::read_coverage(s, args, None)?;
    let engine = engine(s, &git, &github, &ext, None, None, s.now, cov.as_ref());
    let incident_rules = Needs::of(&s.policy.rules, 0).incidents;
    let sources = s.sources(&github, test_files(tests.as_ref()));
    let metrics = tests.map(|t| t.metrics);
    let mut r = report::build(&engine, last, sources, metrics, warnings, incident_rules);
    r.links = github_src.links(github.repo.as_deref());
    Ok(r)
}

/// The metrics engine over what was read, as of `now`.
#[allow(clippy::too_many_arguments)] // wiring: each input is one source read by the edge
fn engine<'a>(
    s: &'a Session,
    git: &'a GitHistory,
    github: &'a GithubRead,
    ext: &'a Externals,
    github_skipped: Option<&'a str>,
    candidate_tag: Option<&'a str>,
    now: crate::model::Timestamp,
    coverage: Option<&'a crate::metrics::coverage::CoverageFigures>,
) -> Engine<'a> {
    let inputs = Inputs {
        git,
        github: github.data.as_ref(),
        github_skipped,
        candidate_tag,
        external: ext.metrics.as_ref(),
        sarif: ext.sarif.as_ref(),
        coverage,
    };
    Engine::new(inputs, &s.policy.policy, now)
}

fn test_files(tests: Option<&TestResults>) -> Vec<String> {
    tests.map(|t| t.run.files.clone()).unwrap_or_default()
}
