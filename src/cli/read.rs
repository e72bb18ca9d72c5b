//! The reads of one request: git, GitHub, the test files and the other inputs that the
//! flags (or the policy) name, read through `collect` into typed values for the core.

use super::TestArgs;
use super::request::{Externals, GithubSource, Session, TestSource};
use crate::collect::git;
use crate::collect::github::{self, GithubRead};
use crate::collect::junit::{self, MissingTests};
use crate::error::Result;
use crate::gate::Event;
use crate::metrics::coverage::CoverageFigures;
use crate::metrics::test_results::{self, TestMetrics};
use crate::metrics::trend::TrendSpec;
use crate::metrics::{Engine, Inputs};
use crate::model::{GitHistory, TestTable};
use crate::policy::{Needs, Trigger};
use crate::report::notes;
use crate::store::RunCache;

/// Why there is no GitHub data with `--offline`.
pub(crate) const OFFLINE: &str = "--offline";
/// Why there is no GitHub data when no repository is known.
pub(crate) const NO_REPO: &str = "no GitHub repository known: pass --github-repo OWNER/NAME (or set GITHUB_REPOSITORY), or add an `origin` remote on GitHub; --offline silences this";

impl Session {
    /// Reads git (one tag listing, one walk), loading the changes `plan` asks for.
    pub(crate) fn read_git(&self, plan: git::Plan) -> Result<(Box<dyn git::History>, GitHistory)> {
        let (history, git) = git::read(&self.repo, &self.policy.policy.releases, plan, self.now)?;
        self.debug(&format!(
            "git: {} releases, changes read for {}, {} unreleased changes",
            git.releases.len(),
            git.releases.iter().filter(|r| r.changes_loaded).count(),
            git.candidate.changes.len()
        ));
        Ok((history, git))
    }

    /// The metrics engine over `inputs`, as of `now`.
    pub(crate) fn engine<'a>(
        &'a self,
        inputs: Inputs<'a>,
        now: crate::model::Timestamp,
    ) -> Engine<'a> {
        Engine::new(inputs, &self.policy.policy, now)
    }

    /// The `--verbose` line of the run's cache: how often this run opened it, how many
    /// SQLite connections the process opened (one for a run that opens it once) and how
    /// many integrity checks it ran (none unless a read met damage).
    pub(crate) fn cache_opened(&self, cache: &RunCache) {
        let Some(path) = cache.path() else {
            return;
        };
        let times = match cache.opens() {
            0 => "not opened".to_string(),
            1 => "opened once".to_string(),
            n => format!("opened {n} times"),
        };
        let connections = crate::store::connections_opened();
        let plural = if connections == 1 { "" } else { "s" };
        let checks = match crate::store::integrity_checks_run() {
            0 => "no integrity check".to_string(),
            1 => "1 integrity check".to_string(),
            n => format!("{n} integrity checks"),
        };
        self.debug(&format!(
            "cache: `{}` {times} ({connections} SQLite connection{plural}, {checks})",
            path.display()
        ));
    }

    /// The commit this run is about: `GITHUB_SHA`, else the head of `git`.
    pub(crate) fn commit<'a>(&'a self, git: &'a GitHistory) -> Option<&'a str> {
        self.env.sha.as_deref().or(git.candidate.head.as_deref())
    }
}

impl GithubSource {
    /// Reads GitHub's issues (and pull requests when `pulls`, the comments on issues
    /// when `comments`) of the repository of `git`, through the run's `cache`; nothing,
    /// and why, when offline or when no repository is known.
    pub(crate) fn read(
        &self,
        s: &Session,
        git: &GitHistory,
        pulls: bool,
        comments: bool,
        cache: &mut RunCache,
    ) -> Result<GithubRead> {
        if self.offline {
            return Ok(GithubRead::skipped(OFFLINE));
        }
        let Some(repo) = self.repo_of(git) else {
            return Ok(GithubRead::skipped(NO_REPO));
        };
        let mut cfg = self.config(repo);
        cfg.pulls = pulls;
        cfg.comments = comments;
        let (read, stats) = github::read_blocking_in(&cfg, cache)?;
        if let Some(data) = &read.data {
            s.debug(&stats.describe(data));
        }
        Ok(read)
    }
}

impl GithubSource {
    /// GitHub as a gate run with `needs` reads it: when `always` or when a rule needs it,
    /// with the comments when a rule or `comments` asks. An outage is no error when no
    /// fail-level rule needs GitHub: nothing is read, and the warning returned says so.
    pub(crate) fn read_for(
        &self,
        s: &Session,
        git: &GitHistory,
        needs: &Needs,
        always: bool,
        comments: bool,
        cache: &mut RunCache,
    ) -> Result<(GithubRead, Option<String>)> {
        if !always && !needs.github {
            return Ok((GithubRead::skipped("no rule of this event needs it"), None));
        }
        match self.read(s, git, needs.pulls, needs.comments || comments, cache) {
            Ok(read) => Ok((read, None)),
            // An outage of GitHub must not fail a build for a wrong reason: when no
            // fail-level rule needs its data, the rules that use it do not judge.
            Err(err) if !needs.github_to_fail => {
                let warning = notes::github_unread(&err);
                Ok((
                    GithubRead::skipped("GitHub could not be read"),
                    Some(warning),
                ))
            }
            Err(err) => Err(err),
        }
    }
}

/// The trend the trend issue of `check --trend-issue` shows: 12 weekly periods, the last
/// 12 releases (`trend --publish` takes its own `--period`, `--periods`, `--releases`).
pub(crate) const ISSUE_TREND: TrendSpec = TrendSpec {
    period: 7 * 86_400,
    periods: 12,
    releases: 12,
};

/// When GitHub is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GithubReads {
    /// When a rule of the event needs it.
    AsRulesNeed,
    /// Always (the trend issue shows the whole picture).
    Always,
}

/// What one gate run reads and judges.
pub(crate) struct GateRun<'a> {
    pub(crate) event: Event,
    pub(crate) github: &'a GithubSource,
    pub(crate) tests: &'a TestArgs,
    pub(crate) coverage: Option<CoverageFigures>,
    /// What JUnit patterns matching no file do.
    pub(crate) missing_tests: MissingTests,
    /// `release-check --tag`: judge this release instead of the unreleased changes.
    pub(crate) tag: Option<&'a str>,
    pub(crate) github_reads: GithubReads,
    /// Keep this run's test figures and coverage in the cache.
    pub(crate) record_tests: bool,
    /// The branch the run judged and the default branch (the coverage base).
    pub(crate) branch: crate::model::coverage::RunBranch,
    /// Compute the trend series over these periods and releases (the trend issue).
    pub(crate) trend: Option<TrendSpec>,
    /// Build the rows of `export` (every release, 52 weekly periods).
    pub(crate) export: bool,
}

impl<'a> GateRun<'a> {
    /// A run judging `event`'s unreleased changes with the rules' needs, nothing recorded
    /// or built besides the report; JUnit patterns matching nothing do as the policy says.
    pub(crate) fn new(
        event: Event,
        github: &'a GithubSource,
        tests: &'a TestArgs,
        coverage: Option<CoverageFigures>,
    ) -> GateRun<'a> {
        GateRun {
            event,
            github,
            tests,
            coverage,
            missing_tests: MissingTests::AsPolicy,
            tag: None,
            github_reads: GithubReads::AsRulesNeed,
            record_tests: false,
            branch: Default::default(),
            trend: None,
            export: false,
        }
    }

    /// A scheduled run (`export`, `trend`): GitHub is read whatever the rules need, JUnit
    /// patterns matching nothing are a warning at most.
    pub(crate) fn scheduled(
        github: &'a GithubSource,
        tests: &'a TestArgs,
        coverage: Option<CoverageFigures>,
    ) -> GateRun<'a> {
        let event = Event {
            trigger: Some(Trigger::Schedule),
            ..Event::default()
        };
        GateRun {
            missing_tests: MissingTests::WarnAtMost,
            github_reads: GithubReads::Always,
            ..GateRun::new(event, github, tests, coverage)
        }
    }
}

/// Test results of this invocation: every JUnit file given forms one run.
pub(crate) struct TestResults {
    pub metrics: TestMetrics,
    pub run: TestTable,
}

/// The JUnit, metrics and SARIF files of a run: the test run (none without files), the
/// other inputs and the warnings met (patterns matching nothing, input skipped).
pub(crate) struct TestRead {
    pub tests: Option<TestResults>,
    pub ext: Externals,
    pub warnings: Vec<String>,
}

impl TestRead {
    /// Reads the files `args` (or the policy) name; `missing`: what JUnit patterns that
    /// match no file do.
    pub(crate) fn of(s: &Session, args: &TestArgs, missing: MissingTests) -> Result<TestRead> {
        let ext = Externals::read(args, s)?;
        let Some(src) = TestSource::new(args, s) else {
            let warnings = ext.warnings().collect();
            return Ok(TestRead {
                tests: None,
                ext,
                warnings,
            });
        };
        let run = junit::read(&src.patterns, &src.base, &s.policy.policy.tests, missing)?;
        s.debug(&format!(
            "tests: {} files, {} cases",
            run.files.len(),
            run.len()
        ));
        let warnings = run.warnings.iter().cloned().chain(ext.warnings()).collect();
        let tests = (!run.files.is_empty()).then(|| TestResults {
            metrics: test_results::summarize_table(&run),
            run,
        });
        Ok(TestRead {
            tests,
            ext,
            warnings,
        })
    }

    /// The JUnit files read.
    pub(crate) fn test_files(&self) -> Vec<String> {
        self.tests
            .as_ref()
            .map(|t| t.run.files.clone())
            .unwrap_or_default()
    }
}

impl Externals {
    /// The metrics' inputs: `git`, `github`, these files and `coverage`; no candidate
    /// tag, no reason for missing GitHub data.
    pub(crate) fn inputs<'a>(
        &'a self,
        git: &'a GitHistory,
        github: &'a GithubRead,
        coverage: Option<&'a CoverageFigures>,
    ) -> Inputs<'a> {
        Inputs {
            git,
            github: github.data.as_ref(),
            github_skipped: None,
            candidate_tag: None,
            external: self.metrics.as_ref(),
            sarif: self.sarif.as_ref(),
            coverage,
        }
    }
}
