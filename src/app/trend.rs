//! `slipgate trend`: the metric series over periods, releases and recorded test runs.

use super::check::{self, GateRun, GithubReads};
use super::{MissingTests, engine, read_git, read_github, read_tests};
use crate::cli::TrendArgs;
use crate::cli::request::{GithubSource, Session};
use crate::collect::git;
use crate::error::{Result, exit};
use crate::escape::line as esc;
use crate::gate::{Event, TestFigures};
use crate::metrics::trend::{self, TrendSpec};
use crate::policy::Trigger;
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
    let plan = git::Plan {
        last: spec.releases,
        span_back: spec.span(),
        extra: 0,
    };
    let (_, git) = read_git(s, plan)?;
    let github = read_github(s, &github_src, &git, true, true)?;
    let (tests, ext, mut warnings) = read_tests(s, &args.tests, MissingTests::WarnAtMost)?;
    warnings.extend(git.warnings.iter().cloned());
    if let Some(gh) = &github.data {
        warnings.extend(gh.warnings.iter().cloned());
    }
    let repo = github_src.history_key(&git, &s.repo);
    let cache = github_src.cache.as_deref();
    let mut runs = crate::store::runs::test_history_or_warn(cache, &repo, RUNS, &mut warnings);
    // This invocation's JUnit files, if any, are the newest run (not recorded here).
    if let Some(t) = &tests
        && let Some(sha) = s.env.sha.as_deref().or(git.candidate.head.as_deref())
    {
        let figures = TestFigures::of(&t.metrics);
        runs.push(figures.unrecorded_run(sha, s.env.run_id.clone(), s.now));
    }
    let skipped = github.skipped.as_deref();
    let engine = engine(s, &git, &github, &ext, skipped, None, s.now, None);
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
    let o = check::evaluate(
        s,
        &GateRun {
            event: Event {
                trigger: Some(Trigger::Schedule),
                ..Event::default()
            },
            github,
            tests: &args.tests,
            coverage: crate::cli::request::read_coverage(s, &args.tests, None)?,
            missing_tests: MissingTests::WarnAtMost,
            tag: None,
            github_reads: GithubReads::Always,
            record_tests: false,
            branch: Default::default(),
            trend: Some(spec),
            export: false,
        },
    )?;
    let mut warnings = o.report.warnings.clone();
    let body = match &args.publish {
        Some(title) => {
            let remote = check::remote(github, &o.git);
            let (msg, w, written) =
                check::trend_issue(s, &o, TrendUpdate::Snapshot, &remote, title, "--publish");
            if let Some(msg) = msg {
                s.info(&format!("slipgate: {}", esc(&msg)));
            }
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
