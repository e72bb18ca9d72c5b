//! The edge: turns the parsed arguments and the environment into a checked request
//! ([`crate::cli::request`]), runs collect → metrics → gate → report → publish, and returns the exit
//! code. Everything it calls is pure, or collect, or publish.

#![warn(unreachable_pub)]

mod check;
mod trend;

use crate::cli::request::{self, Env, GithubSource, Session, TestSource, policy_root};
use crate::cli::{Cli, Command, InitArgs, PolicyCommand, ReportArgs};
use crate::collect::git;
use crate::collect::github::GithubRead;
use crate::collect::junit::{self, MissingTests};
use crate::error::{Error, Result, exit};
use crate::metrics::test_results::TestMetrics;
use crate::metrics::{Engine, Inputs};
use crate::model::{GitHistory, TestRun};
use crate::policy::{self, Needs};
use crate::publish::{self, check::WriteFailed, check::stdout, check::warn_all};
use crate::report::{self, Format, Sources, notes};
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

/// Runs the parsed command line; returns the exit code.
pub fn run(cli: Cli) -> Result<i32> {
    let cli = cli.without_empty_paths();
    let g = &cli.global;
    if let Command::Policy(cmd) = &cli.command {
        return policy_command(cmd, g.policy.as_deref(), &g.repo);
    }
    let session = Session::new(g, Env::read(), !matches!(cli.command, Command::Init(_)))?;
    session.debug(&format!("policy: {}", session.policy.source.describe()));
    match &cli.command {
        Command::Report(args) => report_command(&session, args),
        Command::Check(args) => check::check(&session, args),
        Command::ReleaseCheck(args) => check::release_check(&session, args),
        Command::Trend(args) => trend::trend_command(&session, args),
        Command::Init(args) => init(&session, args),
        Command::Policy(_) => Ok(exit::PASSED),
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
    run: TestRun,
}

/// Reads the JUnit files of `src`. Returns the run (none without files) and the
/// warnings met (patterns matching nothing, malformed files skipped).
fn read_tests(
    s: &Session,
    src: Option<&TestSource>,
    missing: MissingTests,
) -> Result<(Option<TestResults>, Vec<String>)> {
    let Some(src) = src else {
        return Ok((None, Vec::new()));
    };
    let run = junit::read(&src.patterns, &src.base, &s.policy.policy.tests, missing)?;
    s.debug(&format!(
        "tests: {} files, {} cases",
        run.files.len(),
        run.cases.len()
    ));
    let warnings = run.warnings.clone();
    if run.files.is_empty() {
        return Ok((None, warnings));
    }
    let metrics = crate::metrics::test_results::summarize(&run);
    Ok((Some(TestResults { metrics, run }), warnings))
}

fn report_command(s: &Session, args: &ReportArgs) -> Result<i32> {
    let github_src = GithubSource::new(&args.github, s);
    let plan = git::Plan {
        last: args.last,
        span_back: s.policy.policy.window.secs(),
        extra: 0,
    };
    let (_, git) = read_git(s, plan)?;
    let github = read_github(s, &github_src, &git, true, true)?;
    let src = TestSource::new(&args.tests, s);
    let (tests, warnings) = read_tests(s, src.as_ref(), MissingTests::WarnAtMost)?;
    let engine = engine(s, &git, &github, None, None, s.now);
    let incident_rules = Needs::of(&s.policy.rules, 0).incidents;
    let links = github_src.links(github.repo.as_deref());
    let sources = sources(s, &github, tests.as_ref());
    let mut r = report::build(
        &engine,
        args.last,
        sources,
        tests.map(|t| t.metrics),
        warnings,
        incident_rules,
    );
    r.links = links;
    let out = report::render(&r, args.format, report::text::Style { color: s.color });
    if !s.quiet || args.format == Format::Json {
        stdout(&out)?;
    }
    if args.format == Format::Text {
        warn_all(s.quiet, &r.warnings);
    }
    Ok(exit::PASSED)
}

/// The metrics engine over what was read, as of `now`.
fn engine<'a>(
    s: &'a Session,
    git: &'a GitHistory,
    github: &'a GithubRead,
    github_skipped: Option<&'a str>,
    candidate_tag: Option<&'a str>,
    now: crate::model::Timestamp,
) -> Engine<'a> {
    let inputs = Inputs {
        git,
        github: github.data.as_ref(),
        github_skipped,
        candidate_tag,
    };
    Engine::new(inputs, &s.policy.policy, now)
}

/// Where a report's numbers came from.
fn sources(s: &Session, github: &GithubRead, tests: Option<&TestResults>) -> Sources {
    Sources::new(
        s.repo.display().to_string(),
        github.repo.clone(),
        github.skipped.clone(),
        github.data.as_ref(),
        s.policy.source.describe(),
        tests.map(|t| t.run.files.clone()).unwrap_or_default(),
    )
}
