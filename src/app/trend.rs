//! `slipgate trend`: the metric series over periods, releases and recorded test runs.

use super::{MissingTests, read_git, read_github, read_tests};
use crate::cli::TrendArgs;
use crate::cli::request::{GithubSource, Session, TestSource};
use crate::collect::git;
use crate::error::{Result, exit};
use crate::metrics::trend::{self, TrendSpec};
use crate::metrics::{Engine, Inputs};
use crate::model::{TestRunRow, TestTotalsRow};
use crate::publish::check::{stdout, warn_all};
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
    let span_back = args.period.secs().saturating_mul(spec.periods as i64);
    let plan = git::Plan {
        last: spec.releases,
        span_back,
        extra: 0,
    };
    let (_, git) = read_git(s, plan)?;
    let github = read_github(s, &github_src, &git, true)?;
    let (tests, mut warnings) = read_tests(
        s,
        TestSource::new(&args.tests, s).as_ref(),
        MissingTests::WarnAtMost,
    )?;
    warnings.extend(git.warnings.iter().cloned());
    if let Some(gh) = &github.data {
        warnings.extend(gh.warnings.iter().cloned());
    }
    let mut runs = match &github_src.cache {
        Some(cache) => {
            let repo = github_src.history_key(&git, &s.repo);
            match crate::store::runs::test_history(cache, &repo, RUNS) {
                Ok(rows) => rows,
                Err(e) => {
                    warnings.push(format!("test-run history not read: {e}"));
                    Vec::new()
                }
            }
        }
        None => Vec::new(),
    };
    // This invocation's JUnit files, if any, are the newest run (not recorded here).
    if let Some(t) = &tests
        && let Some(sha) = s.env.sha.as_deref().or(git.candidate.head.as_deref())
    {
        let m = &t.metrics;
        runs.push(TestRunRow {
            sha: sha.to_string(),
            run_id: s.env.run_id.clone(),
            at: s.now,
            totals: TestTotalsRow {
                passed: m.passed as u64,
                failed: m.failed as u64,
                errored: m.errored as u64,
                skipped: m.skipped as u64,
                flaky: m.flaky.len() as u64,
                duration: m.duration,
            },
            flaky_ids: Vec::new(),
            failing_ids: Vec::new(),
        });
    }
    let engine = Engine::new(
        Inputs {
            git: &git,
            github: github.data.as_ref(),
            github_skipped: github.skipped.as_deref(),
            candidate_tag: None,
        },
        &s.policy.policy,
        s.now,
    );
    let t = trend::trend(&engine, spec, &runs);
    let out = match args.format {
        Format::Text => report::trend::text::render(&t, report::text::Style { color: s.color }),
        Format::Markdown => report::trend::markdown(&t),
        Format::Json => report::trend::json::render(&t),
    };
    if !s.quiet || args.format == Format::Json {
        stdout(&out)?;
    }
    warn_all(s.quiet, &warnings);
    Ok(exit::PASSED)
}
