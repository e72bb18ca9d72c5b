//! The data model every stage shares. Times are Unix seconds (UTC), durations seconds.
//!
//! Collectors (`collect::*`) produce these values; metrics, gate and report consume them
//! and never touch the outside world.

use serde::Serialize;

mod external;
pub mod org;
mod test_table;
pub use external::{ExternalData, ExternalSample, Finding, SarifData, Severity, SeveritySource};
pub use test_table::{NO_DETAIL, TestDetail, TestRow, TestTable, TestView};

/// Unix time in seconds, UTC.
pub type Timestamp = i64;

/// One non-merge commit counted as a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Commit {
    pub sha: String,
    /// Author time (Unix seconds).
    pub author_time: Timestamp,
    /// First paragraph of the message, lines joined by single spaces (git's `%s`).
    pub subject: String,
}

/// A release: a tag matching the policy's `tag_pattern`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    pub tag: String,
    pub version: semver::Version,
    /// Tagger time of an annotated tag, else committer time of the tagged commit.
    pub time: Timestamp,
    /// Sha of the commit the tag peels to.
    pub commit: String,
    pub annotated: bool,
    /// Changes (`git rev-list --no-merges PREV..R`, with `releases.paths`
    /// `--full-history PREV..R -- PATHS`). Only filled for the releases whose
    /// changes were asked for; `changes_loaded` says whether they were.
    pub changes: Vec<Commit>,
    pub changes_loaded: bool,
}

/// The unreleased changes: commits of HEAD not reachable from the highest release.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Candidate {
    /// Sha of HEAD, when the repository has one.
    pub head: Option<String>,
    /// The highest release the candidate is measured against (its tag), if any.
    pub base_tag: Option<String>,
    pub changes: Vec<Commit>,
}

/// Everything read from git.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GitHistory {
    /// Releases in ascending version order (semver precedence).
    pub releases: Vec<Release>,
    pub candidate: Candidate,
    /// Non-fatal problems (skipped tags, duplicate versions, ...), one sentence each.
    pub warnings: Vec<String>,
    /// When no tag matched the pattern: up to 10 tag names that were seen, for the message.
    pub unmatched_tags: Vec<String>,
    /// How many tags the repository has, whatever their names.
    pub tags_total: usize,
    /// URL of the `origin` remote, if any (used to derive OWNER/NAME).
    pub origin_url: Option<String>,
}

/// A GitHub issue (never a pull request).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    pub number: u64,
    pub title: String,
    pub url: String,
    pub labels: Vec<String>,
    pub created_at: Timestamp,
    pub closed_at: Option<Timestamp>,
    /// `completed`, `not_planned`, `duplicate`, `reopened`, or none.
    pub state_reason: Option<String>,
    pub open: bool,
    /// Login of whoever opened it (empty when GitHub did not say): their own comments
    /// are no response (time to first response).
    #[serde(skip)]
    pub author: String,
}

/// A comment on an issue or pull request, as the repository-wide comment list gives it:
/// only what time to first response needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueComment {
    pub id: u64,
    /// The number of the issue (or pull request) it was written on.
    pub issue: u64,
    /// Login of its author (empty for a deleted account).
    pub author: String,
    /// `User`, `Bot` or `Organization`, as GitHub says.
    pub author_type: String,
    pub created_at: Timestamp,
}

/// A GitHub pull request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PullRequest {
    pub number: u64,
    pub title: String,
    pub url: String,
    pub labels: Vec<String>,
    pub created_at: Timestamp,
    pub merged_at: Option<Timestamp>,
    pub merge_commit_sha: Option<String>,
    pub base: String,
}

/// Issues and pull requests of one repository.
#[derive(Debug, Clone, Default)]
pub struct GithubData {
    /// `OWNER/NAME`.
    pub repo: String,
    pub issues: Vec<Issue>,
    pub pulls: Vec<PullRequest>,
    /// True when the data was fetched without a token.
    pub unauthenticated: bool,
    /// False when pull requests were not read (no rule needed them): `pulls` is then
    /// not to be used.
    pub pulls_read: bool,
    /// Comments on issues and pull requests (time to first response), oldest first.
    pub comments: Vec<IssueComment>,
    /// False when comments were not read (nothing needed them): `comments` is then not
    /// to be used.
    pub comments_read: bool,
    pub warnings: Vec<String>,
}

/// The outcome of one test case, from its child elements only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TestOutcome {
    Passed,
    Skipped,
    Errored,
    Failed,
}

/// One test identity of a run, after merging repeated reports of the same identity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestCase {
    /// Classname, or the enclosing testsuite's name when classname is missing or empty.
    pub classname: String,
    pub name: String,
    pub outcome: TestOutcome,
    /// Seconds (sum over the reports of this identity).
    pub duration: f64,
    pub flaky: bool,
    /// First line of the failure / error message, for failed and errored cases.
    pub message: Option<String>,
    /// The file it was read from.
    pub file: String,
    /// Where the test is written (`file`/`line` attributes of a failing report).
    #[serde(skip)]
    pub at: Option<Place>,
    /// Every `<testcase>` element of this identity, each with its own outcome (one run
    /// unless it was rerun or reported by several files).
    pub runs: Runs,
}

/// How many times tests ran: every `<testcase>` element counted with its own outcome,
/// before repeated reports of one identity are merged into one test.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Runs {
    pub total: usize,
    pub passed: usize,
    pub failed: usize,
    pub errored: usize,
    pub skipped: usize,
}

impl Runs {
    /// Counts one run with `outcome`.
    pub fn add(&mut self, outcome: TestOutcome) {
        self.total += 1;
        match outcome {
            TestOutcome::Passed => self.passed += 1,
            TestOutcome::Failed => self.failed += 1,
            TestOutcome::Errored => self.errored += 1,
            TestOutcome::Skipped => self.skipped += 1,
        }
    }

    /// The runs of `self` and `other` together.
    pub fn plus(self, other: Runs) -> Runs {
        Runs {
            total: self.total + other.total,
            passed: self.passed + other.passed,
            failed: self.failed + other.failed,
            errored: self.errored + other.errored,
            skipped: self.skipped + other.skipped,
        }
    }
}

/// One test run: every JUnit file given to one invocation.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TestRun {
    pub files: Vec<String>,
    pub cases: Vec<TestCase>,
    pub warnings: Vec<String>,
}

/// Renders a timestamp as RFC 3339 (`2026-11-23T15:00:00Z`).
pub fn rfc3339(t: Timestamp) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_else(|| t.to_string())
}

/// Renders a timestamp as a date (`2026-11-23`).
pub fn date(t: Timestamp) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| t.to_string())
}

/// Serde helpers: timestamps as RFC 3339 strings in JSON.
pub mod ts {
    use super::Timestamp;

    pub fn serialize<S: serde::Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::rfc3339(*t))
    }

    pub mod option {
        use super::Timestamp;
        pub fn serialize<S: serde::Serializer>(
            t: &Option<Timestamp>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => s.serialize_str(&super::super::rfc3339(*t)),
                None => s.serialize_none(),
            }
        }
    }
}

/// Totals of one recorded test run (the test-run history).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TestTotalsRow {
    pub passed: u64,
    pub failed: u64,
    pub errored: u64,
    pub skipped: u64,
    pub flaky: u64,
    /// Seconds.
    pub duration: f64,
}

/// One recorded run of the run history: commit, CI run, time, the branch it judged, its
/// test totals and flaky and failing test ids (none for a run with coverage only), and
/// its coverage counts.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TestRunRow {
    pub sha: String,
    pub run_id: Option<String>,
    pub at: Timestamp,
    /// None: the run read no JUnit results (it is recorded for its coverage).
    pub totals: Option<TestTotalsRow>,
    pub flaky_ids: Vec<String>,
    pub failing_ids: Vec<String>,
    /// The branch the run judged (`main` on a push or a schedule, the head branch of a
    /// pull request); none when not known (runs recorded before slipgate kept it).
    pub branch: Option<String>,
    /// The run's coverage counts, when it read coverage reports.
    pub coverage: Option<coverage::CoverageCounts>,
}

/// Where `slipgate export` writes (`--to URL`), checked by `cli::request::export_target`.
#[derive(Clone, PartialEq, Eq)]
pub enum ExportTarget {
    /// `postgres://USER[:PASSWORD]@HOST[:PORT]/DB`.
    Postgres(PgTarget),
    /// `http(s)://[USER:PASSWORD@]HOST:PORT/metrics/job/JOB`: a Prometheus Pushgateway,
    /// and the PEM bundle of CA certificates trusted beside Mozilla's (`SSL_CERT_FILE`).
    Push(String, Option<std::path::PathBuf>),
}

/// A PostgreSQL database to export to. `Debug` and [`PgTarget::shown`] never show the
/// user or password.
#[derive(Clone, PartialEq, Eq)]
pub struct PgTarget {
    pub user: String,
    /// From the URL, else `PGPASSWORD`.
    pub password: Option<String>,
    pub host: String,
    pub port: u16,
    pub dbname: String,
    /// `sslmode`: `disable`, `prefer` (the default: TLS when the server offers it) or `require`.
    pub sslmode: String,
    /// A PEM bundle of CA certificates trusted beside Mozilla's (`SSL_CERT_FILE`).
    pub ca_file: Option<std::path::PathBuf>,
}

impl PgTarget {
    /// The URL without its user info: `postgres://HOST:PORT/DB`.
    pub fn shown(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        format!("postgres://{host}:{}/{}", self.port, self.dbname)
    }
}

impl std::fmt::Debug for PgTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown())
    }
}

/// `url` without the user info before its host (`https://***@host/…`).
fn redact_userinfo(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let end = rest.find('/').unwrap_or(rest.len());
            match rest[..end].rfind('@') {
                Some(at) => format!("{scheme}://***@{}", &rest[at + 1..]),
                None => url.to_string(),
            }
        }
        None => url.to_string(),
    }
}

impl std::fmt::Debug for ExportTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExportTarget::Postgres(t) => t.fmt(f),
            ExportTarget::Push(url, _) => f.write_str(&redact_userinfo(url)),
        }
    }
}

/// Where in a file something is: a policy key, a JUnit element, a failing test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub file: String,
    /// From 1.
    pub line: Option<u64>,
    /// From 1.
    pub column: Option<u64>,
}

/// What kind of thing stopped a run with exit 2, for the job summary's advice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The policy file is invalid.
    Policy,
    /// An input file (the policy, the event payload) cannot be read.
    File,
    /// The git repository cannot be read as needed.
    Git,
    /// A shallow clone: the history is cut off.
    Shallow,
    /// Reading from GitHub failed.
    Github,
    /// A JUnit report is missing or malformed.
    Tests,
    /// A metrics, SARIF or coverage file is missing or malformed.
    Input,
    /// A flag, an input or an environment variable is wrong.
    Usage,
    /// Writing an output failed.
    Io,
}

/// A run that stopped with an error (exit 2): its kind, its whole message (the error
/// and its causes), and where it is when it has a place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub kind: FailureKind,
    pub message: String,
    /// The message for an annotation at `place`: without the location it repeats.
    pub brief: String,
    pub place: Option<Place>,
}

/// What `slipgate init` reads of a repository (collect fills it, `init` fits a policy
/// to it). Every string is data: tag names, file names, subjects and labels come from
/// strangers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RepoFacts {
    /// Every tag, with its family (the name without a trailing semver version, see
    /// `collect::git`): `tokio-` for `tokio-1.2.3`, `` for `1.2.3`; `None` when the name
    /// does not end in a version.
    pub tags: Vec<TagFact>,
    /// Names at the top of HEAD's tree (`Cargo.toml`) and folders one level down, each
    /// folder with a trailing `/` (`tokio/`, `crates/cli/`).
    pub entries: Vec<String>,
    /// The subjects of the newest commits reachable from HEAD (at most 500), newest first.
    pub subjects: Vec<String>,
    /// The branch HEAD names (`main`), if any.
    pub default_branch: Option<String>,
    /// The `origin` remote's URL, if any.
    pub origin_url: Option<String>,
    /// Label names and how many of the newest issues and pull requests carry them, most
    /// used first; `None` when they were not read.
    pub labels: Option<Vec<(String, usize)>>,
    /// Why the labels were not read (offline, no repository known, a failed request).
    pub labels_skipped: Option<String>,
    /// Whether the repository has a work tree (a bare one has none to write into).
    pub work_tree: Option<std::path::PathBuf>,
}

/// One tag as `slipgate init` sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagFact {
    pub name: String,
    pub family: Option<String>,
    /// The time of the commit it points to.
    pub time: Timestamp,
}

pub mod coverage;
