//! The edge: turns the parsed arguments and the environment into a checked request
//! ([`crate::cli::request`]), runs collect → metrics → gate → report → publish, and returns the exit
//! code. Everything it calls is pure, or collect, or publish.

#![warn(unreachable_pub)]

mod check;
mod export;
mod org;
mod trend;

use crate::cli::read::TestRead;
use crate::cli::request::{self, Env, GithubSource, Session, policy_root};
use crate::cli::{self, Cli, Command, GithubArgs, InitArgs, PolicyCommand, ReportArgs, TestArgs};
use crate::collect::git;
use crate::collect::junit::MissingTests;
use crate::error::{Error, Result, exit};
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
    let span_back = s.policy.policy.window.secs();
    let (_, git) = s.read_git(git::Plan {
        last,
        span_back,
        extra: 0,
    })?;
    let mut cache = github_src.run_cache();
    let github = github_src.read(s, &git, true, true, &mut cache)?;
    s.cache_opened(&cache);
    let read = TestRead::of(s, args, MissingTests::WarnAtMost)?;
    let cov = request::read_coverage(s, args, None)?;
    let engine = s.engine(read.ext.inputs(&git, &github, cov.as_ref()), s.now);
    let incident_rules = Needs::of(&s.policy.rules, 0).incidents;
    let sources = s.sources(&github, read.test_files());
    let metrics = read.tests.map(|t| t.metrics);
    let mut r = report::build(
        &engine,
        last,
        sources,
        metrics,
        read.warnings,
        incident_rules,
    );
    r.links = github_src.links(github.repo.as_deref());
    Ok(r)
}
