//! Reports: the assembled numbers of one evaluation, rendered as text, markdown or JSON.
//! Pure: no I/O here.

pub mod comment;
pub mod coverage;
pub mod external;
pub mod failure;
pub mod json;
pub mod markdown;
pub mod notes;
pub mod openmetrics;
pub mod org;
pub mod rows;
pub mod sanitize;
pub mod sections;
pub mod text;
pub mod trend;
pub mod verdicts;

use crate::metrics::issues::OpenBugs;
use crate::metrics::{CandidateMetrics, Engine, ReleaseMetrics, WindowMetrics};
use crate::model::Timestamp;
use serde::Serialize;

/// The JSON report's shape version. Bumped on any incompatible change (docs/json.md).
pub const SCHEMA_VERSION: u32 = 1;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Json,
    /// The OpenMetrics text format, for Prometheus (docs/openmetrics.md).
    OpenMetrics,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [Format; 4] = [
        Format::Text,
        Format::Markdown,
        Format::Json,
        Format::OpenMetrics,
    ];

    /// The format's name on the command line: `text`, `markdown`, `json`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Markdown => "markdown",
            Format::Json => "json",
            Format::OpenMetrics => "openmetrics",
        }
    }

    /// Whether the format is read by programs (JSON, OpenMetrics): printed even with
    /// `--quiet`, and warnings go to stderr only.
    pub fn machine(self) -> bool {
        matches!(self, Format::Json | Format::OpenMetrics)
    }
}

/// Where the numbers came from.
#[derive(Debug, Clone, Serialize)]
pub struct Sources {
    /// The repository path as given.
    pub repository: String,
    /// `OWNER/NAME` when GitHub data was read.
    pub github: Option<String>,
    /// Why GitHub data was not read (`--offline`, no repository, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub github_skipped: Option<String>,
    pub issues: Option<usize>,
    pub pull_requests: Option<usize>,
    /// The policy: a path or `built-in default`.
    pub policy: String,
    /// The JUnit files read.
    pub junit_files: Vec<String>,
}

impl Sources {
    /// The sources of a report: GitHub's `data` read from `github` (or why not,
    /// `github_skipped`).
    pub fn new(
        repository: String,
        github: Option<String>,
        github_skipped: Option<String>,
        data: Option<&crate::model::GithubData>,
        policy: String,
        junit_files: Vec<String>,
    ) -> Sources {
        Sources {
            repository,
            github,
            github_skipped,
            issues: data.map(|g| g.issues.len()),
            pull_requests: data.filter(|g| g.pulls_read).map(|g| g.pulls.len()),
            policy,
            junit_files,
        }
    }
}

/// One evaluation's numbers.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    #[serde(with = "crate::model::ts")]
    pub evaluated_at: Timestamp,
    pub sources: Sources,
    /// The policy window in seconds.
    pub window_seconds: i64,
    /// The releases shown, newest version first.
    pub releases: Vec<ReleaseMetrics>,
    /// How many releases the repository has in all.
    pub releases_total: usize,
    pub candidate: CandidateMetrics,
    pub window: WindowMetrics,
    pub open_bugs: Option<OpenBugs>,
    pub tests: Option<crate::metrics::test_results::TestMetrics>,
    /// External metrics (`--metrics`), when files were given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external: Option<external::ExternalSection>,
    /// Vulnerabilities (`--sarif`), when files were given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vulnerabilities: Option<external::VulnerabilitySection>,
    /// This run's coverage; null without coverage reports.
    pub coverage: Option<coverage::CoverageSection>,
    /// Things a reader must know to read the numbers right (labels that match nothing, ...).
    pub notes: Vec<String>,
    /// Problems met while collecting (skipped tags, missing files, ...).
    pub warnings: Vec<String>,
    /// The gate's verdicts (`check`, `release-check`).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "verdicts::json::serialize"
    )]
    pub gate: Option<crate::gate::GateResult>,
    /// Where markdown links point.
    #[serde(skip)]
    pub links: Links,
}

/// Links to the repository on GitHub, made from trusted parts only: the server URL and
/// the `OWNER/NAME` the run was configured with, and numbers or the policy's labels
/// (percent-encoded). Never from text read from GitHub. Empty (no links) when the parts
/// are not plainly a URL and a repository name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Links {
    /// `https://github.com/OWNER/NAME`.
    repo: Option<String>,
}

impl Links {
    /// Links into `repo` (`OWNER/NAME`) on `server` (`https://github.com`).
    pub fn new(server: &str, repo: &str) -> Links {
        let server = server.trim_end_matches('/');
        let host = server
            .strip_prefix("https://")
            .or_else(|| server.strip_prefix("http://"));
        let host_ok = host.is_some_and(|h| {
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':'))
        });
        let name_ok = |p: &str| {
            !p.is_empty()
                && p != "."
                && p != ".."
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        };
        let repo_ok = repo
            .split_once('/')
            .is_some_and(|(o, n)| name_ok(o) && name_ok(n));
        Links {
            repo: (host_ok && repo_ok).then(|| format!("{server}/{repo}")),
        }
    }

    /// The web page of issue or pull request `n`.
    pub fn issue(&self, n: u64) -> Option<String> {
        self.repo.as_ref().map(|r| format!("{r}/issues/{n}"))
    }

    /// The page of Actions run `id` (digits only, else none).
    pub fn run(&self, id: &str) -> Option<String> {
        let ok = (1..=20).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_digit());
        self.repo
            .as_ref()
            .filter(|_| ok)
            .map(|r| format!("{r}/actions/runs/{id}"))
    }

    /// The page of commit `sha` (hex only, else none).
    pub fn commit(&self, sha: &str) -> Option<String> {
        let ok = (7..=64).contains(&sha.len()) && sha.bytes().all(|b| b.is_ascii_hexdigit());
        self.repo
            .as_ref()
            .filter(|_| ok)
            .map(|r| format!("{r}/commit/{sha}"))
    }

    /// The page of lines `start..=end` of `path` at commit `sha` (hex only; a relative
    /// path without `.` or `..` parts, else none).
    pub fn blob(&self, sha: &str, path: &str, start: u32, end: u32) -> Option<String> {
        let ok = (7..=64).contains(&sha.len()) && sha.bytes().all(|b| b.is_ascii_hexdigit());
        let parts: Vec<&str> = path.split('/').collect();
        let path_ok = parts
            .iter()
            .all(|p| !p.is_empty() && *p != "." && *p != "..");
        let repo = self.repo.as_ref().filter(|_| ok && path_ok)?;
        let encoded: Vec<String> = parts.iter().map(|p| percent_encode(p)).collect();
        let lines = if start == end {
            format!("L{start}")
        } else {
            format!("L{start}-L{end}")
        };
        Some(format!("{repo}/blob/{sha}/{}#{lines}", encoded.join("/")))
    }

    /// The issue search page of `s`: `is:issue is:open label:"a","b" closed:A..B`.
    pub fn search(&self, s: &crate::gate::IssueSearch) -> Option<String> {
        let repo = self.repo.as_ref()?;
        let mut q = vec![
            "is:issue".to_string(),
            if s.open { "is:open" } else { "is:closed" }.to_string(),
        ];
        for any in &s.labels {
            if any.is_empty() || any.iter().any(|l| l.contains('"')) {
                return None;
            }
            let quoted: Vec<String> = any.iter().map(|l| format!("\"{l}\"")).collect();
            q.push(format!("label:{}", quoted.join(",")));
        }
        if let Some((a, b)) = s.closed {
            q.push(format!(
                "closed:{}..{}",
                crate::model::rfc3339(a),
                crate::model::rfc3339(b)
            ));
        }
        Some(format!("{repo}/issues?q={}", percent_encode(&q.join(" "))))
    }
}

/// Percent-encodes a URL query value: everything but RFC 3986 unreserved characters.
pub fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

pub const TOOL: Tool = Tool {
    name: "slipgate",
    version: env!("CARGO_PKG_VERSION"),
};

/// Assembles the report: the newest `last` releases, the candidate and the policy window.
pub fn build(
    engine: &Engine<'_>,
    last: usize,
    sources: Sources,
    tests: Option<crate::metrics::test_results::TestMetrics>,
    mut warnings: Vec<String>,
    incident_rules: bool,
) -> Report {
    let n = engine.release_count();
    let releases: Vec<ReleaseMetrics> = (n.saturating_sub(last)..n)
        .rev()
        .filter_map(|i| engine.release(i))
        .collect();
    warnings.extend(engine.inputs.git.warnings.iter().cloned());
    if let Some(gh) = engine.inputs.github {
        warnings.extend(gh.warnings.iter().cloned());
    }
    if let Some(c) = engine.inputs.coverage {
        warnings.extend(c.warnings.iter().cloned());
    }
    let candidate = engine.candidate();
    let mut notes: Vec<String> = engine
        .label_notes(incident_rules)
        .iter()
        .map(notes::label_note)
        .collect();
    notes.extend(fix_pattern_note(engine, &releases, &candidate));
    Report {
        schema_version: SCHEMA_VERSION,
        tool: TOOL,
        evaluated_at: engine.now,
        sources,
        window_seconds: engine.policy.window.secs(),
        releases,
        releases_total: n,
        candidate,
        window: engine.window(engine.policy_window()),
        open_bugs: engine.open_bugs(),
        tests,
        external: external::external(engine),
        vulnerabilities: external::vulnerabilities(engine),
        coverage: engine.inputs.coverage.map(coverage::CoverageSection::of),
        notes,
        warnings,
        gate: None,
        links: Links::default(),
    }
}

/// The note for a `commits.fix_pattern` that matches none of the changes shown (the
/// releases and the candidate), as there is one for bug labels that match no issue.
fn fix_pattern_note(
    engine: &Engine<'_>,
    releases: &[ReleaseMetrics],
    candidate: &CandidateMetrics,
) -> Option<String> {
    let shown = releases
        .iter()
        .filter_map(|r| r.changes.as_ref())
        .chain(std::iter::once(&candidate.changes));
    let changes = crate::metrics::changes::fix_pattern_unmatched(shown)?;
    Some(format!(
        "`commits.fix_pattern` `{}` matches none of the {changes} changes shown, so their 0 fix commits may only mean that fixes are written another way; if this repository does not use Conventional Commits (`fix: …`), set `commits.fix_pattern` to match its fix commits, e.g. `(?i)\\bfix(es|ed)?\\b`",
        engine.policy.commits.fix_pattern.as_str()
    ))
}

/// Why the window's change count leaves out the unreleased changes, when there are some:
/// it counts the changes of the releases in the window only.
/// A report in `format`.
pub fn render(r: &Report, format: Format, style: text::Style) -> String {
    match format {
        Format::Text => text::render(r, style),
        Format::Markdown => markdown::render(r),
        Format::Json => json::render(r),
        Format::OpenMetrics => openmetrics::render(r),
    }
}

pub fn unreleased_note(r: &Report) -> String {
    match r.candidate.changes.changes {
        0 => String::new(),
        n => format!(
            "; released changes only: the {n} unreleased change{} count once released",
            if n == 1 { "" } else { "s" }
        ),
    }
}

/// A percentage with at most one decimal: `25%`, `66.7%`.
pub fn pct(ratio: f64) -> String {
    let v = (ratio * 1000.0).round() / 10.0;
    if v.fract() == 0.0 {
        format!("{v:.0}%")
    } else {
        format!("{v:.1}%")
    }
}

/// A number with at most two decimals, trailing zeros dropped: `0.47`, `25`, `66.67`.
pub fn num(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// An optional duration, `–` when absent.
pub fn opt_dur(v: Option<i64>) -> String {
    v.map(crate::duration::human)
        .unwrap_or_else(|| "–".to_string())
}

/// Issue numbers for a table cell: the first three, then how many more (plain text, for
/// terminals).
pub fn issue_list(numbers: &[u64]) -> String {
    let mut s: Vec<String> = numbers.iter().take(3).map(|n| format!("#{n}")).collect();
    if numbers.len() > 3 {
        s.push(format!("+{} more", numbers.len() - 3));
    }
    s.join(" ")
}

/// The first 7 characters of a sha.
pub fn short(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_formats() {
        assert_eq!(pct(0.25), "25%");
        assert_eq!(pct(2.0 / 3.0), "66.7%");
        assert_eq!(pct(0.995), "99.5%");
        assert_eq!(num(200.0 / 3.0), "66.67");
        assert_eq!(num(25.0), "25");
        assert_eq!(num(0.4666), "0.47");
        assert_eq!(opt_dur(None), "–");
        assert_eq!(short("0123456789"), "0123456");
        assert_eq!(issue_list(&[1, 2]), "#1 #2");
        assert_eq!(issue_list(&[1, 2, 3, 4, 5]), "#1 #2 #3 +2 more");
    }

    #[test]
    fn links_are_made_from_trusted_parts_only() {
        let l = Links::new("https://github.com/", "octo/repo");
        assert_eq!(
            l.issue(12).as_deref(),
            Some("https://github.com/octo/repo/issues/12")
        );
        // A label with spaces, quotes are refused, `&` and `#` are encoded.
        let s = crate::gate::IssueSearch {
            open: true,
            labels: vec![vec!["bug".into(), "a b&c#d".into()]],
            closed: None,
        };
        assert_eq!(
            l.search(&s).as_deref(),
            Some(
                "https://github.com/octo/repo/issues?q=is%3Aissue%20is%3Aopen%20label%3A%22bug%22%2C%22a%20b%26c%23d%22"
            )
        );
        let quoted = crate::gate::IssueSearch {
            labels: vec![vec!["say \"hi\"".into()]],
            ..s
        };
        assert_eq!(l.search(&quoted), None);
        assert_eq!(
            l.run("123").as_deref(),
            Some("https://github.com/octo/repo/actions/runs/123")
        );
        assert_eq!(l.run("1)[x](y"), None);
        assert_eq!(
            l.commit("abcdef0").as_deref(),
            Some("https://github.com/octo/repo/commit/abcdef0")
        );
        assert_eq!(l.commit("main"), None);
        // Not a plain server URL or repository name: no links at all.
        for (server, repo) in [
            ("javascript:alert(1)", "o/r"),
            ("https://github.com", "o/r)[x](y"),
            ("https://evil.example/a b", "o/r"),
            ("https://github.com", "../x"),
            ("https://github.com", "o"),
        ] {
            assert_eq!(Links::new(server, repo).issue(1), None, "{server} {repo}");
        }
    }
}
