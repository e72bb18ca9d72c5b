//! `check` and `release-check`: collect what the rules need, evaluate the gate, and
//! publish (stdout, job summary, step outputs, annotations, PR comment, trend issue).

use super::{Ctx, print_out, read_git, read_github, read_tests};
use crate::cli::{ActionsArgs, CheckArgs, GithubArgs, ReleaseCheckArgs, TestArgs};
use crate::console::Stream;
use crate::error::{Error, Result, exit};
use crate::escape::line as esc;
use crate::gate::{self, Event, GateResult, Overall, Status};
use crate::metrics::{Engine, Inputs};
use crate::model::{Candidate, GitHistory};
use crate::policy::{Baseline, Rule, Scope, Trigger};
use crate::publish::actions::{self, EventContext, Level};
use crate::report::sanitize;
use crate::report::{self, Format, Report, markdown, verdicts};
use std::path::PathBuf;

/// The hidden marker of slipgate's pull request comment.
pub const COMMENT_MARKER: &str = "<!-- slipgate:check -->";
/// The hidden marker of the scheduled trend issue.
pub const TREND_MARKER: &str = "<!-- slipgate:trend -->";
const STATE_FAIL: &str = "<!-- slipgate:state=fail -->";
const STATE_OK: &str = "<!-- slipgate:state=ok -->";
/// Releases shown in comments and summaries.
const SUMMARY_RELEASES: usize = 5;

/// What the rules need from git: how many newest releases' changes, how far back.
fn needs(rules: &[Rule], window: i64) -> (usize, i64) {
    let mut last = 1;
    let mut back = window;
    for r in rules {
        let own = match r.scope {
            Scope::Candidate => 0,
            Scope::LatestRelease => 1,
            Scope::Window => 0,
        };
        let base = match &r.baseline {
            Some(Baseline::PreviousRelease) => 1,
            Some(Baseline::MedianOfLast(k)) => *k as usize,
            _ => 0,
        };
        last = last.max(own + base);
        let w = if r.scope == Scope::Window {
            r.window.secs()
        } else {
            0
        };
        let t = match &r.baseline {
            Some(Baseline::Trailing(d)) => d.secs(),
            _ => 0,
        };
        back = back.max(w + t);
    }
    (last, back)
}

/// The event, from the payload and the flags.
fn read_event_context(a: &ActionsArgs) -> Result<EventContext> {
    let Some(name) = a.event_name.as_deref().filter(|s| !s.is_empty()) else {
        return Ok(EventContext::default());
    };
    let Some(path) = &a.event_path else {
        return Ok(EventContext {
            event_name: name.to_string(),
            ..EventContext::default()
        });
    };
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        action: "read the event payload (GITHUB_EVENT_PATH)",
        path: path.clone(),
        source,
    })?;
    actions::read_event(name, &text)
        .map_err(|e| Error::Usage(format!("{e} (payload {})", path.display())))
}

/// Everything a gate run produced, ready to publish.
struct Evaluation {
    report: Report,
    gate: GateResult,
    git: GitHistory,
}

/// Collects, evaluates and builds the report.
fn evaluate(
    ctx: &Ctx,
    event: &Event,
    github_args: &GithubArgs,
    test_args: &TestArgs,
    tag: Option<&str>,
    force_github: bool,
    record: bool,
) -> Result<Evaluation> {
    let rules: Vec<Rule> = ctx
        .policy
        .rules
        .iter()
        .filter(|r| event.trigger.is_none_or(|t| r.runs_on(t)))
        .cloned()
        .collect();
    let (last, back) = needs(&rules, ctx.policy.policy.window.secs());
    // Judging an existing tag needs the changes of the releases before it too, whichever
    // they are: read them all (one walk over the history).
    let last = if tag.is_some() {
        usize::MAX
    } else {
        last.max(SUMMARY_RELEASES)
    };
    let mut git = read_git(ctx, last, back, 1)?;
    // With --tag, everything is measured as of the tag's release time.
    let mut now = ctx.now;
    if let Some(tag) = tag {
        now = as_candidate(ctx, &mut git, tag)?;
    }
    let wants_github = force_github || rules.iter().any(|r| r.metric.wants_github());
    let mut gh_warning = None;
    let (github, skipped, repo) = if wants_github {
        let pulls = rules
            .iter()
            .any(|r| matches!(r.metric, crate::policy::Metric::PrCycleTime(_)));
        match read_github(ctx, github_args, &git, pulls) {
            Ok(read) => read,
            // An outage of GitHub must not fail a build for a wrong reason: when no
            // fail-level rule needs its data, the rules that use it do not judge.
            Err(e)
                if !rules
                    .iter()
                    .any(|r| r.metric.needs_github() && r.level == crate::policy::Level::Fail) =>
            {
                gh_warning = Some(format!(
                    "GitHub could not be read, so the rules that need it report not enough data: {e}"
                ));
                (None, Some("GitHub could not be read".to_string()), None)
            }
            Err(e) => return Err(e),
        }
    } else {
        (
            None,
            Some("no rule of this event needs it".to_string()),
            None,
        )
    };
    let (tests, mut warnings) = read_tests(ctx, test_args, false)?;
    warnings.extend(gh_warning);
    if github.is_none()
        && rules
            .iter()
            .any(|r| r.metric == crate::policy::Metric::ChangeFailureRate)
    {
        warnings.push(
            "change failure rate counts the hotfix signal only: without GitHub data, incidents and regressions are not counted".to_string(),
        );
    }
    if let Some(tag) = tag {
        warnings.push(format!(
            "judging {tag} as of its release time ({}), not --now",
            crate::model::rfc3339(now)
        ));
    }
    let mut record_warnings = Vec::new();
    if let Some(t) = &tests
        && record
    {
        record_warnings = super::record_tests(ctx, github_args, &git, t);
    }
    let engine = Engine::new(
        Inputs {
            git: &git,
            github: github.as_ref(),
            github_skipped: skipped.as_deref(),
            candidate_tag: tag,
        },
        &ctx.policy.policy,
        now,
    );
    let figures = tests.as_ref().map(|t| gate::TestFigures::of(&t.metrics));
    let gate = gate::evaluate(&engine, &ctx.policy.rules, figures.as_ref(), event);
    let incident_rules = super::uses_incidents(&rules);
    let sources = super::sources(ctx, github.as_ref(), skipped.clone(), repo, tests.as_ref());
    warnings.extend(record_warnings);
    let mut report = report::build(
        &engine,
        SUMMARY_RELEASES,
        sources,
        tests.map(|t| t.metrics),
        warnings,
        incident_rules,
    );
    report.gate = Some(gate.clone());
    report.links = super::links(github_args, report.sources.github.as_deref());
    drop(engine);
    Ok(Evaluation { report, gate, git })
}

/// Makes release `tag` the candidate: releases after it (in version order) are dropped,
/// and its changes are judged as released at its own time. Returns that time.
fn as_candidate(ctx: &Ctx, git: &mut GitHistory, tag: &str) -> Result<i64> {
    let Some(i) = git.releases.iter().position(|r| r.tag == tag) else {
        return Err(not_a_release(ctx, git, tag));
    };
    let r = git.releases[i].clone();
    if !r.changes_loaded {
        return Err(Error::Usage(format!("the changes of {tag} were not read")));
    }
    git.releases.truncate(i);
    git.candidate = Candidate {
        head: Some(r.commit.clone()),
        base_tag: git.releases.last().map(|p| p.tag.clone()),
        changes: r.changes,
    };
    Ok(r.time)
}

/// Why `--tag` names no release: no such tag, a tag the pattern does not match, or a
/// matching tag that was skipped (and why); with the newest releases.
fn not_a_release(ctx: &Ctx, git: &GitHistory, tag: &str) -> Error {
    use crate::escape::line;
    let releases = &ctx.policy.policy.releases;
    let pattern = releases.tag_pattern.as_str();
    let shown = line(tag);
    let exists = crate::collect::git::open(&ctx.repo).is_ok_and(|h| h.has_tag(tag));
    let why = if !exists {
        format!("there is no tag `{shown}` in the repository")
    } else if let Some(caps) = releases.tag_pattern.0.captures(tag) {
        let prerelease = caps
            .name("version")
            .and_then(|v| semver::Version::parse(v.as_str()).ok())
            .is_some_and(|v| !v.pre.is_empty());
        let quoted = format!("`{tag}`");
        if prerelease && !releases.include_prereleases {
            format!(
                "the tag `{shown}` is a pre-release, and `releases.include_prereleases` is false; set it to true in the policy to judge pre-releases"
            )
        } else if let Some(w) = git.warnings.iter().find(|w| w.contains(&quoted)) {
            format!(
                "the tag `{shown}` matches `releases.tag_pattern` but is not counted as a release: {}",
                line(w)
            )
        } else {
            format!(
                "the tag `{shown}` matches `releases.tag_pattern` but is not counted as a release"
            )
        }
    } else {
        format!(
            "the tag `{shown}` exists but does not match `releases.tag_pattern` `{}`, so it is not a release; name a release tag, or change `releases.tag_pattern` in the policy ({})",
            line(pattern),
            ctx.policy.source.describe()
        )
    };
    let known: Vec<String> = git
        .releases
        .iter()
        .rev()
        .take(5)
        .map(|r| line(&r.tag).into_owned())
        .collect();
    Error::Usage(format!(
        "--tag `{shown}` is not a release: {why}. Newest releases: {}",
        if known.is_empty() {
            "none".to_string()
        } else {
            known.join(", ")
        }
    ))
}

fn in_actions() -> bool {
    std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true")
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

/// The markdown body for the comment, the summary and the trend issue.
fn body(o: &Evaluation, what: &str, previous: Option<&str>, lead: Option<&str>) -> String {
    let mut s = String::new();
    s.push_str(COMMENT_MARKER);
    s.push('\n');
    // The state sits at the top, so a comment cut to GitHub's limit keeps it.
    s.push_str(if o.gate.overall == Overall::Fail {
        STATE_FAIL
    } else {
        STATE_OK
    });
    s.push('\n');
    s.push_str(&format!(
        "## {}\n\n",
        verdicts::markdown::headline(&o.gate, what)
    ));
    if let Some(lead) = lead {
        s.push_str(lead);
        s.push_str("\n\n");
    }
    if o.gate.overall != Overall::Fail && previous.is_some_and(|p| p.contains(STATE_FAIL)) {
        s.push_str("🎉 **Recovered:** the previous run of this gate failed; no fail rule is tripped now.\n\n");
    }
    s.push_str(&verdicts::markdown::render(&o.gate, &o.report.links));
    s.push_str("\n<details><summary>Release metrics</summary>\n\n");
    s.push_str(&markdown::render(&o.report));
    s.push_str("\n</details>\n\n");
    s.push_str(&markdown::footer(&o.report));
    s
}

/// Writes stdout, the job summary, outputs and annotations. Returns the exit code.
fn publish_local(
    ctx: &Ctx,
    a: &ActionsArgs,
    o: &Evaluation,
    what: &str,
    markdown_body: &str,
) -> Result<i32> {
    // stdout
    let out = match a.format {
        Format::Json => report::json::render(&o.report),
        Format::Markdown => markdown_body.to_string(),
        Format::Text => verdicts::text::render(
            &o.gate,
            &o.report,
            what,
            &ctx.policy.source.describe(),
            report::text::Style { color: ctx.color },
        ),
    };
    if !ctx.quiet || a.format == Format::Json {
        print_out(&out)?;
    }
    if a.format == Format::Text {
        super::warn_all(ctx, &o.report.warnings);
    }
    // job summary (1 MiB limit)
    if let Some(path) = &a.step_summary {
        let md = sanitize::truncate_body_bytes(
            markdown_body,
            sanitize::SUMMARY_MAX_BYTES - 1024,
            "_(cut: the job summary is limited to 1 MiB)_",
        );
        actions::append_summary(path, &md).map_err(|source| Error::Io {
            action: "write the job summary (GITHUB_STEP_SUMMARY)",
            path: path.clone(),
            source,
        })?;
    }
    // the JSON report and the step outputs
    let json_path = a.report_json.clone().unwrap_or_else(|| {
        std::env::var_os("RUNNER_TEMP")
            .map(PathBuf::from)
            .unwrap_or_else(std::env::temp_dir)
            .join("slipgate-report.json")
    });
    if a.report_json.is_some() || a.output_file.is_some() {
        std::fs::write(&json_path, report::json::render(&o.report)).map_err(|source| {
            Error::Io {
                action: "write the JSON report",
                path: json_path.clone(),
                source,
            }
        })?;
    }
    if let Some(path) = &a.output_file {
        // Rule names come from the policy file, which a pull request can change: one line
        // each, whatever they hold.
        let failed: Vec<_> = o.gate.failed_rules().into_iter().map(esc).collect();
        let failed = failed.join(",");
        let json = json_path.display().to_string();
        actions::write_outputs(
            path,
            &[
                ("verdict", o.gate.overall.name()),
                ("failed-rules", failed.as_str()),
                ("report-json", json.as_str()),
            ],
        )
        .map_err(|source| Error::Io {
            action: "write the step outputs (GITHUB_OUTPUT)",
            path: path.clone(),
            source,
        })?;
    }
    // annotations, in GitHub Actions only
    if in_actions() {
        for w in &o.report.warnings {
            command(
                a.format,
                &actions::annotation(Level::Warning, "slipgate", w),
            );
        }
        for v in &o.gate.verdicts {
            let level = match v.status {
                Status::Fail => Level::Error,
                Status::Warn => Level::Warning,
                _ => continue,
            };
            command(
                a.format,
                &actions::annotation(
                    level,
                    &format!("slipgate: {}", v.rule),
                    &verdicts::reason(v),
                ),
            );
        }
    }
    Ok(if o.gate.overall == Overall::Fail {
        exit::GATE_FAILED
    } else {
        exit::PASSED
    })
}

/// `slipgate check`.
pub fn check(ctx: &Ctx, args: &CheckArgs) -> Result<i32> {
    let ev = read_event_context(&args.actions)?;
    let trigger = match args.trigger {
        Some(t) => Some(t),
        None if ev.event_name == "push" && ev.release_tag.is_some() => Some(Trigger::Release),
        None => Trigger::from_event(&ev.event_name),
    };
    let pr = ev.pr.as_ref();
    let event = Event {
        trigger,
        pr_labels: if args.labels.is_empty() {
            pr.map(|p| p.labels.clone()).unwrap_or_default()
        } else {
            args.labels.clone()
        },
        pr_title: args.title.clone().or_else(|| pr.map(|p| p.title.clone())),
    };
    let pr_number = args.pr.or(pr.map(|p| p.number));
    // The trend issue shows the whole picture, so it reads GitHub data; a comment only
    // needs what the rules need.
    let publishing = args.trend_issue.is_some();
    let o = evaluate(
        ctx,
        &event,
        &args.github,
        &args.tests,
        None,
        publishing,
        true,
    )?;
    let what = "quality gate";
    let mut previous = None;
    let mut warnings = Vec::new();
    if ctx.policy.rules.is_empty() {
        warnings.push(format!(
            "the policy ({}) has no rules, so the gate always passes; add `rules:` (see policies/default.yml)",
            ctx.policy.source.describe()
        ));
    }
    if args.trigger.is_none() && !ev.event_name.is_empty() && trigger.is_none() {
        warnings.push(format!(
            "event `{}` is none of pull_request, push, release, schedule (or their kin), so every rule runs; pass --trigger to choose",
            ev.event_name
        ));
    }
    if args.comment {
        match pr_number {
            Some(n) => match super::publish_comment(ctx, &args.github, &o.git, n, &mut |prev| {
                previous = prev.map(str::to_string);
                body(&o, what, prev, None)
            }) {
                Ok(msg) => ctx.info(&format!("slipgate: {}", esc(&msg))),
                Err(w) => warnings.push(w),
            },
            None => warnings.push("--comment: no pull request here (not a pull_request event and no --pr), so no comment was written".into()),
        }
    }
    if let Some(title) = &args.trend_issue {
        let mut b = body(&o, "quality trend", None, None).replacen(COMMENT_MARKER, TREND_MARKER, 1);
        if !args.github.no_cache {
            let repo = super::github_repo(&args.github, &o.git).unwrap_or_else(|| "local".into());
            if let Ok(rows) = crate::store::runs::test_history(&args.github.cache, &repo, 20) {
                b.push('\n');
                b.push_str(&markdown::test_history(&rows));
            }
        }
        match super::publish_trend_issue(ctx, &args.github, &o.git, title, &b) {
            Ok(msg) => ctx.info(&format!("slipgate: {}", esc(&msg))),
            Err(w) => warnings.push(w),
        }
    }
    let md = body(&o, what, previous.as_deref(), None);
    for w in &warnings {
        if in_actions() {
            command(
                args.actions.format,
                &actions::annotation(Level::Warning, "slipgate", w),
            );
        }
        ctx.info(&format!("warning: {}", esc(w)));
    }
    publish_local(ctx, &args.actions, &o, what, &md)
}

/// `slipgate release-check`.
pub fn release_check(ctx: &Ctx, args: &ReleaseCheckArgs) -> Result<i32> {
    let event = Event {
        trigger: Some(Trigger::Release),
        ..Event::default()
    };
    let o = evaluate(
        ctx,
        &event,
        &args.github,
        &args.tests,
        args.tag.as_deref(),
        false,
        false,
    )?;
    let what = match &args.tag {
        Some(t) => format!("release readiness of {t}"),
        None => "release readiness".to_string(),
    };
    let readiness = o.gate.readiness();
    let md = body(
        &o,
        &what,
        None,
        Some(verdicts::readiness_markdown(readiness)),
    );
    let code = publish_local(ctx, &args.actions, &o, &what, &md)?;
    if !ctx.quiet && args.actions.format == Format::Text {
        print_out(&format!("\n{}\n", verdicts::readiness_text(readiness)))?;
    }
    Ok(code)
}
