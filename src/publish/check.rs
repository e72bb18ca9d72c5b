//! What `check` and `release-check` write: stdout, the job summary, the JSON report and
//! the step outputs, annotations, the pull request comment, the trend issue, and the
//! test run in the cache.

use crate::console::Stream;
use crate::escape::line as esc;
use crate::gate::{GateResult, Overall, Status, TestFigures};
use crate::github::{GithubConfig, GithubError};
use crate::metrics::coverage::CoverageFigures;
use crate::model::Timestamp;
use crate::publish::actions::{self, Level};
use crate::publish::github::{
    CommentOutcome, IssueOutcome, upsert_comment_with, upsert_issue_with,
};
use crate::publish::markers;
use crate::report::comment::{self, Lead};
use crate::report::coverage::UNCOVERED_LISTED;
use crate::report::trend::markdown::{self as trend_md, IssueInput, TrendUpdate};
use crate::report::{self, Format, Report, sanitize, verdicts};
use crate::store::RunCache;
use std::path::PathBuf;

/// Where the local outputs go.
#[derive(Debug, Clone)]
pub struct Local {
    /// The format on stdout.
    pub format: Format,
    /// Print nothing but errors (JSON on stdout is still printed).
    pub quiet: bool,
    /// Running in GitHub Actions: warnings and tripped rules become annotations.
    pub annotate: bool,
    /// The job summary file.
    pub step_summary: Option<PathBuf>,
    /// The step outputs file.
    pub output_file: Option<PathBuf>,
    /// Where the JSON report goes, and whether it is written (asked for, or named by
    /// the `report-json` output).
    pub report_json: PathBuf,
    pub write_json: bool,
}

impl Local {
    /// The JSON report goes to `report_json` if given, else to `slipgate-report.json` in
    /// `temp` (and is written when asked for, or named by the step outputs).
    pub fn new(
        format: Format,
        quiet: bool,
        annotate: bool,
        step_summary: Option<PathBuf>,
        output_file: Option<PathBuf>,
        report_json: Option<PathBuf>,
        temp: impl FnOnce() -> PathBuf,
    ) -> Local {
        Local {
            format,
            quiet,
            annotate,
            step_summary,
            write_json: report_json.is_some() || output_file.is_some(),
            output_file,
            report_json: report_json.unwrap_or_else(|| temp().join("slipgate-report.json")),
        }
    }
}

/// Where GitHub writes go.
#[derive(Debug, Clone)]
pub enum Remote {
    /// `--offline`.
    Offline,
    /// No GitHub repository known.
    Unknown,
    /// Boxed: a configuration is far larger than the other variants.
    Repo(Box<GithubConfig>),
}

impl Remote {
    /// Where writes go: nowhere with `offline`, else to `repo` (`config` its client
    /// configuration), unknown without one.
    pub fn of(
        offline: bool,
        repo: Option<String>,
        config: impl FnOnce(String) -> GithubConfig,
    ) -> Remote {
        match repo {
            _ if offline => Remote::Offline,
            Some(repo) => Remote::Repo(Box::new(config(repo))),
            None => Remote::Unknown,
        }
    }

    /// The client configuration, or why `flag` wrote nothing (`offline`: what was not
    /// written).
    fn config(&self, flag: &str, offline: &str) -> std::result::Result<&GithubConfig, String> {
        match self {
            Remote::Offline => Err(format!("{flag} with --offline: {offline}")),
            Remote::Unknown => Err(format!(
                "{flag}: no GitHub repository known (set --github-repo or GITHUB_REPOSITORY)"
            )),
            Remote::Repo(cfg) => Ok(cfg),
        }
    }
}

/// A write that failed: what was being written, where, and why (the edge reports it as
/// an input/output error, exit 2).
#[derive(Debug)]
pub struct WriteFailed {
    pub action: &'static str,
    pub path: PathBuf,
    pub source: std::io::Error,
}

type Result<T> = std::result::Result<T, WriteFailed>;

/// Writes to stdout (every line guarded, see [`crate::console`]); a closed pipe (`| head`)
/// is not an error, any other write failure (a full disk) is.
pub fn stdout(s: &str) -> Result<()> {
    crate::console::print(s).map_err(|e| WriteFailed {
        action: "write to",
        path: "standard output".into(),
        source: e,
    })
}

/// A rule name as an item of the comma-separated `failed-rules` step output: as written
/// (step outputs are values, never executed: a leading `::` stays), except that a hidden
/// character (a line break would end the value) is shown as `<U+XXXX>`. The policy
/// refuses names with commas or hidden characters, so this only guards the one-line list.
fn output_item(name: &str) -> String {
    name.chars()
        .map(|c| {
            if crate::escape::is_hidden(c) {
                crate::escape::visible(c)
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// A line on stderr unless `quiet`.
pub fn info(quiet: bool, msg: &str) {
    if !quiet {
        crate::console::eprint_line(msg);
    }
}

/// Warnings go to stderr, one line each: a warning quotes data (file names, tags, server
/// messages), so it goes through [`crate::escape::line`].
pub fn warn_all(quiet: bool, warnings: &[String]) {
    for w in warnings {
        info(quiet, &format!("warning: {}", esc(w)));
    }
}

/// Warnings of the run itself (not of the report): an annotation each in GitHub
/// Actions, and a line on stderr.
pub fn warn_run(local: &Local, warnings: &[String]) {
    for w in warnings {
        if local.annotate {
            command(
                local.format,
                &actions::annotation(Level::Warning, "slipgate", w),
            );
        }
        info(local.quiet, &format!("warning: {}", esc(w)));
    }
}

/// Prints a workflow command: on stdout beside a text report; on stderr when stdout
/// carries JSON or markdown, which must stay parseable (the runner reads both).
fn command(format: Format, line: &str) {
    let to = if format == Format::Text {
        Stream::Stdout
    } else {
        Stream::Stderr
    };
    crate::console::command(to, line);
}

/// Writes stdout (`text`, the rendered output), the job summary (`markdown_body`),
/// outputs and annotations.
pub fn local(
    local: &Local,
    report: &Report,
    gate: &GateResult,
    text: impl FnOnce() -> String,
    markdown_body: &str,
) -> Result<()> {
    // stdout
    let out = match local.format {
        Format::Json => report::json::render(report),
        Format::OpenMetrics => report::openmetrics::render(report),
        Format::Markdown => markdown_body.to_string(),
        Format::Text => text(),
    };
    if !local.quiet || local.format.machine() {
        stdout(&out)?;
    }
    if local.format == Format::Text {
        warn_all(local.quiet, &report.warnings);
    }
    // job summary (1 MiB limit)
    if let Some(path) = &local.step_summary {
        let md = sanitize::truncate_body_bytes(
            markdown_body,
            sanitize::SUMMARY_MAX_BYTES - 1024,
            "_(cut: the job summary is limited to 1 MiB)_",
        );
        actions::append_summary(path, &md).map_err(|source| WriteFailed {
            action: "write the job summary (GITHUB_STEP_SUMMARY)",
            path: path.clone(),
            source,
        })?;
    }
    // the JSON report and the step outputs
    let json_path = &local.report_json;
    if local.write_json {
        std::fs::write(json_path, report::json::render(report)).map_err(|source| WriteFailed {
            action: "write the JSON report",
            path: json_path.clone(),
            source,
        })?;
    }
    if let Some(path) = &local.output_file {
        let failed: Vec<_> = gate.failed_rules().into_iter().map(output_item).collect();
        let failed = failed.join(",");
        let json = json_path.display().to_string();
        actions::write_outputs(
            path,
            &[
                ("verdict", gate.overall.name()),
                ("failed-rules", failed.as_str()),
                ("report-json", json.as_str()),
            ],
        )
        .map_err(|source| WriteFailed {
            action: "write the step outputs (GITHUB_OUTPUT)",
            path: path.clone(),
            source,
        })?;
    }
    // annotations, in GitHub Actions only
    if local.annotate {
        for w in &report.warnings {
            command(
                local.format,
                &actions::annotation(Level::Warning, "slipgate", w),
            );
        }
        for v in &gate.verdicts {
            let level = match v.status {
                Status::Fail => Level::Error,
                Status::Warn => Level::Warning,
                _ => continue,
            };
            command(
                local.format,
                &actions::annotation(
                    level,
                    &format!("slipgate: {}", v.rule),
                    &verdicts::reason(v),
                ),
            );
        }
        // The changed lines no coverage report covers, on the lines themselves.
        let patch = report.coverage.as_ref().and_then(|c| c.patch.as_ref());
        for r in patch
            .map_or(&[][..], |p| &p.uncovered[..])
            .iter()
            .take(UNCOVERED_LISTED)
        {
            command(
                local.format,
                &actions::file_annotation(
                    Level::Warning,
                    &r.file,
                    r.start,
                    r.end,
                    "slipgate: not covered",
                    "These changed lines are not covered by any coverage report.",
                ),
            );
        }
        for line in test_annotations(report) {
            command(local.format, &line);
        }
    }
    Ok(())
}

/// The most failing tests annotated at their source line in one run.
pub const TEST_ANNOTATIONS_MAX: usize = 50;

/// An `::error file=…,line=…::` annotation for each failed or errored test whose report
/// names its file (pytest, jest, PHPUnit, Surefire), so it shows in the diff; at most
/// [`TEST_ANNOTATIONS_MAX`], then one notice saying how many more.
pub fn test_annotations(report: &Report) -> Vec<String> {
    let Some(tests) = &report.tests else {
        return Vec::new();
    };
    let located: Vec<_> = tests
        .failing
        .iter()
        .filter_map(|t| t.at.as_ref().map(|at| (t, at)))
        .collect();
    let mut out: Vec<String> = located
        .iter()
        .take(TEST_ANNOTATIONS_MAX)
        .map(|(t, at)| {
            let what = report::failure::test_outcome(t.outcome);
            let message = match &t.message {
                Some(m) => format!("{} {what}: {m}", t.test.id()),
                None => format!("{} {what}", t.test.id()),
            };
            actions::annotation_at(Level::Error, at, "slipgate: failing test", &message)
        })
        .collect();
    if located.len() > TEST_ANNOTATIONS_MAX {
        out.push(actions::annotation(
            Level::Notice,
            "slipgate",
            &report::failure::more_failing(located.len() - TEST_ANNOTATIONS_MAX),
        ));
    }
    out
}

fn runtime() -> std::result::Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

/// Creates or updates the pull request comment; `body` gets the previous comment's body.
/// Returns what was done, or a warning (never fails the run: the summary still has it;
/// `pr` none: no pull request here).
pub fn comment(
    remote: &Remote,
    pr: Option<u64>,
    body: &mut dyn FnMut(Option<&str>) -> String,
) -> std::result::Result<String, String> {
    let Some(pr) = pr else {
        return Err("--comment: no pull request here (not a pull_request event and no --pr), so no comment was written".into());
    };
    let cfg = remote.config("--comment", "no comment was written")?;
    let rt = runtime()?;
    let explain = |e: GithubError| {
        if let GithubError::Forbidden {
            permission,
            message,
            ..
        } = &e
        {
            // The error's own text names the action and the fork case; say each once.
            let message = if message.is_empty() {
                String::new()
            } else {
                format!(": {message}")
            };
            format!(
                "could not comment on pull request #{pr}: GitHub refused (403{message}); the token needs the `{permission}` permission, and a workflow run for a pull request from a fork only gets a read-only token; the job summary carries the report"
            )
        } else if matches!(e, GithubError::NotFound { .. }) {
            format!(
                "could not comment on pull request #{pr}: GitHub answered 404; check that #{pr} is a pull request of {} and that the token can see it (--pr, GITHUB_REPOSITORY)",
                cfg.repo
            )
        } else {
            format!("could not comment on pull request #{pr}: {e}")
        }
    };
    match rt
        .block_on(upsert_comment_with(cfg, pr, markers::COMMENT, body))
        .map_err(explain)?
    {
        CommentOutcome::Created(_, url) => Ok(format!("commented: {url}")),
        CommentOutcome::CreatedAsOther {
            url,
            author,
            assumed,
            ..
        } => Err(not_recognised("comment", &url, &author, &assumed)),
        CommentOutcome::Updated(_, url) => Ok(format!("updated the comment: {url}")),
        CommentOutcome::Unchanged(_, url) => Ok(format!("the comment is up to date: {url}")),
    }
}

/// The warning when GitHub shows what slipgate just created as `author`'s, not as the
/// `assumed` login's (a GitHub App token posts as its own bot).
fn not_recognised(what: &str, url: &str, author: &str, assumed: &str) -> String {
    format!(
        "created the {what} {url}, but GitHub shows it as written by `{author}`, not `{assumed}` as slipgate assumed, so the next run will not recognise it and will create another; set `--comment-author {author}` (env SLIPGATE_COMMENT_AUTHOR, action input `comment-author`)"
    )
}

/// Creates or updates the trend issue; `body` gets the previous issue's body (slipgate's
/// own only: found by marker, label and author). Returns what was done, or a warning.
pub fn trend_issue(
    remote: &Remote,
    title: &str,
    flag: &str,
    body: &mut dyn FnMut(Option<&str>) -> String,
) -> std::result::Result<String, String> {
    let cfg = remote.config(flag, "the issue was not updated")?;
    let rt = runtime()?;
    match rt
        .block_on(upsert_issue_with(
            cfg,
            title,
            markers::TREND,
            &["slipgate".to_string()],
            body,
        ))
        .map_err(|e| format!("could not update the trend issue: {e}"))?
    {
        IssueOutcome::Created(_, url) => Ok(format!("opened the trend issue: {url}")),
        IssueOutcome::CreatedAsOther {
            url,
            author,
            assumed,
            ..
        } => Err(not_recognised("trend issue", &url, &author, &assumed)),
        IssueOutcome::Updated(_, url) => Ok(format!("updated the trend issue: {url}")),
        IssueOutcome::Unchanged(_, url) => Ok(format!("the trend issue is up to date: {url}")),
    }
}

/// The trend issue's body with its marker and state: [`trend_md::issue_body`].
pub fn trend_page(
    i: &IssueInput<'_>,
    update: TrendUpdate,
    previous_body: Option<&str>,
    warnings: &mut Vec<String>,
) -> String {
    let failed = i.gate.overall == Overall::Fail;
    markers::stamp(
        markers::TREND,
        failed,
        &trend_md::issue_body(i, update, previous_body, warnings),
    )
}

/// Creates or updates the trend issue (`flag`: the option that asked, for messages) with
/// [`trend_page`]. Returns what was done, the warnings and the body last written.
pub fn write_trend_issue(
    i: &IssueInput<'_>,
    update: TrendUpdate,
    remote: &Remote,
    title: &str,
    flag: &str,
) -> (Option<String>, Vec<String>, Option<String>) {
    let mut warnings = Vec::new();
    let mut written = None;
    let mut make = |previous_body: Option<&str>| {
        let body = trend_page(i, update, previous_body, &mut warnings);
        written = Some(body.clone());
        body
    };
    let done = trend_issue(remote, title, flag, &mut make);
    match done {
        Ok(msg) => (Some(msg), warnings, written),
        Err(w) => {
            warnings.push(w);
            (None, warnings, written)
        }
    }
}

/// The markdown body of the pull request comment and the job summary, marker and state
/// stamped.
pub fn comment_body(report: &Report, gate: &GateResult, what: &str, lead: Lead<'_>) -> String {
    let failed = gate.overall == Overall::Fail;
    markers::stamp(
        markers::COMMENT,
        failed,
        &comment::body(report, gate, what, lead),
    )
}

/// The run to keep: the commit (`GITHUB_SHA`, else HEAD), the CI run (`GITHUB_RUN_ID`)
/// it belongs to, and the branch it judged.
#[derive(Debug, Clone)]
pub struct RunKey<'a> {
    pub repo: &'a str,
    pub sha: &'a str,
    pub run_id: Option<&'a str>,
    pub at: Timestamp,
    pub branch: &'a crate::model::coverage::RunBranch,
}

/// Looks up the coverage base of this run (the previous run with coverage on the
/// default branch) into `coverage`, then, when `record` says so, stores this run's test
/// totals, flaky and failing test ids, branch and coverage counts in the cache, so later
/// runs can chart pass rate and coverage, spot tests that flip, and compare coverage. A
/// run with neither tests nor coverage is not stored. Both go through the run's cache
/// (`cache`), opened once for the run. A cache problem is a warning, never an error.
pub fn record_run(
    cache: &mut RunCache,
    key: &RunKey<'_>,
    tests: Option<&TestFigures>,
    coverage: Option<&mut CoverageFigures>,
    record: bool,
) -> Vec<String> {
    use crate::metrics::coverage::{BaseGap, CoverageBase};
    use crate::store::runs::{previous_coverage_run_in, record_run_in};
    let mut warnings = Vec::new();
    let counts = coverage.as_ref().map(|c| c.counts());
    let writes = cache.path().is_some() && record && (tests.is_some() || counts.is_some());
    if writes {
        // The base is read from the file this run writes to: open it read-write once.
        cache.will_write();
    }
    if let Some(c) = coverage {
        c.base = match (cache.path(), &key.branch.default_branch) {
            (None, _) => Err(BaseGap::NoHistory),
            (Some(_), None) => Err(BaseGap::NoDefaultBranch),
            (Some(_), Some(main)) => {
                let this = (key.sha, key.run_id);
                previous_coverage_run_in(cache, key.repo, main, this, &mut warnings)
                    .and_then(|r| Some(CoverageBase::of(&r.sha, r.at, main, r.coverage?)))
                    .ok_or_else(|| BaseGap::NoRun {
                        branch: main.clone(),
                    })
            }
        };
    }
    if !writes {
        return warnings;
    }
    let run = crate::model::TestRunRow {
        sha: key.sha.to_string(),
        run_id: key.run_id.map(str::to_string),
        at: key.at,
        totals: tests.map(TestFigures::totals),
        flaky_ids: tests
            .map(|t| t.flaky_tests.iter().map(|f| f.id()).collect())
            .unwrap_or_default(),
        failing_ids: tests
            .map(|t| t.failing.iter().map(|f| f.test.id()).collect())
            .unwrap_or_default(),
        branch: key.branch.branch.clone(),
        coverage: counts,
    };
    match record_run_in(cache, key.repo, &run) {
        Ok(w) => warnings.extend(w),
        Err(e) => warnings.push(format!("could not record the test run in the cache: {e}")),
    }
    warnings
}

#[cfg(test)]
mod output_tests {
    use super::output_item;

    #[test]
    fn output_items_keep_names_but_not_line_breaks() {
        assert_eq!(output_item("::error::RULE1 ##[x]"), "::error::RULE1 ##[x]");
        assert_eq!(output_item("a\nb\u{202E}"), "a<U+000A>b<U+202E>");
    }
}
