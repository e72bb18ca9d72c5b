//! `slipgate trend`: the metric series over periods, releases and recorded test runs.

use super::MissingTests;
use super::check;
use crate::cli::TrendArgs;
use crate::cli::read::{GateRun, TestRead};
use crate::cli::request::{GithubSource, Session};
use crate::collect::git;
use crate::error::{Result, exit};
use crate::gate::TestFigures;
use crate::metrics::trend::{self, TrendSpec};
use crate::publish::check::{self as publish, stdout, warn_all};
use crate::report::trend::markdown::TrendUpdate;
use crate::report::{self, Format};

/// How many recorded test runs the run series shows at most.
pub(crate) const RUNS: usize = 50;

pub(crate) fn trend_command(s: &Session, args: &TrendArgs) -> Result<i32> {
    let spec = TrendSpec {
        period: args.period.secs(),
        periods: usize::try_from(args.periods).unwrap_or(usize::MAX),
        releases: usize::try_from(args.releases).unwrap_or(usize::MAX),
    };
    let github_src = GithubSource::new(&args.github, s);
    if args.format == Format::Markdown || args.publish.is_some() {
        return trend_page(s, args, spec, &github_src);
    }
    let span_back = spec.span();
    let (_, git) = s.read_git(git::Plan {
        last: spec.releases,
        span_back,
        extra: 0,
    })?;
    let mut cache = github_src.run_cache();
    let github = github_src.read(s, &git, true, true, &mut cache)?;
    let read = TestRead::of(s, &args.tests, MissingTests::WarnAtMost)?;
    let mut warnings = read.warnings.clone();
    warnings.extend(git.warnings.iter().cloned());
    if let Some(gh) = &github.data {
        warnings.extend(gh.warnings.iter().cloned());
    }
    let repo = github_src.history_key(&git, &s.repo);
    let mut runs = crate::store::runs::history_or_warn(&mut cache, &repo, RUNS, &mut warnings);
    s.cache_opened(&cache);
    // This invocation's JUnit files, if any, are the newest run (not recorded here).
    if let Some(t) = &read.tests
        && let Some(sha) = s.commit(&git)
    {
        let figures = TestFigures::of(&t.metrics);
        runs.push(figures.unrecorded_run(sha, s.env.run_id.clone(), s.now));
    }
    let inputs = crate::metrics::Inputs {
        github_skipped: github.skipped.as_deref(),
        ..read.ext.inputs(&git, &github, None)
    };
    let engine = s.engine(inputs, s.now);
    let t = trend::trend(&engine, spec, &runs);
    // Markdown is the trend issue's page (`trend_page`, above).
    let out = report::trend::render(&t, args.format, report::text::Style { color: s.color });
    if !s.quiet || args.format == Format::Json {
        stdout(&out)?;
    }
    warn_all(s.quiet, &warnings);
    Ok(exit::PASSED)
}

/// `trend --format markdown` and `trend --publish`: the trend issue's page, built by the
/// same function as `check --trend-issue`'s (the rules judged as on a schedule), printed
/// and, with `--publish`, written to the one trend issue. Exits 0 whatever the verdict:
/// the trend is a report, not a gate.
fn trend_page(
    s: &Session,
    args: &TrendArgs,
    spec: TrendSpec,
    github: &GithubSource,
) -> Result<i32> {
    let coverage = crate::cli::request::read_coverage(s, &args.tests, None)?;
    let run = GateRun::scheduled(github, &args.tests, coverage);
    let o = check::evaluate(
        s,
        &GateRun {
            trend: Some(spec),
            ..run
        },
    )?;
    let mut warnings = o.report.warnings.clone();
    let body = match &args.publish {
        Some(title) => {
            let remote = check::remote(github, &o.git);
            let (msg, w, written) =
                check::trend_issue(s, &o, TrendUpdate::Snapshot, &remote, title, "--publish");
            s.done(msg.as_deref());
            warnings.extend(w);
            match written {
                Some(b) => b,
                None => page(s, &o, &mut warnings),
            }
        }
        None => page(s, &o, &mut warnings),
    };
    let out = match args.format {
        Format::Markdown => body,
        Format::Text | Format::Json | Format::OpenMetrics => {
            let Some((t, _)) = &o.trend else {
                return Ok(exit::PASSED);
            };
            report::trend::render(t, args.format, report::text::Style { color: s.color })
        }
    };
    if !s.quiet || args.format == Format::Json {
        stdout(&out)?;
    }
    warn_all(s.quiet, &warnings);
    Ok(exit::PASSED)
}

/// The trend issue's page without a previous body.
fn page(s: &Session, o: &check::Evaluation, warnings: &mut Vec<String>) -> String {
    check::issue_input(s, o)
        .map(|i| publish::trend_page(&i, TrendUpdate::Snapshot, None, warnings))
        .unwrap_or_default()
}
