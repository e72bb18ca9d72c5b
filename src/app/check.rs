//! `check` and `release-check`: collect what the rules need, evaluate the gate, and
//! publish (stdout, job summary, step outputs, annotations, PR comment, trend issue).

use super::{GithubRead, MissingTests, read_git, read_github, read_tests, sources};
use crate::cli::request::{GithubSource, Session, TestSource};
use crate::cli::{ActionsArgs, CheckArgs, ReleaseCheckArgs};
use crate::collect::{file, git};
use crate::error::{Error, Result, exit};
use crate::escape::line as esc;
use crate::gate::{self, Event, GateResult, Overall, TestFigures};
use crate::metrics::{Engine, Inputs};
use crate::model::GitHistory;
use crate::policy::{Needs, Rule, Trigger};
use crate::publish::actions::{self, EventContext};
use crate::publish::check::{self as publish, Local, Remote, RunKey};
use crate::publish::markers;
use crate::report::comment::{self, Lead};
use crate::report::{self, Format, Report, markdown, verdicts};

/// Releases shown in comments and summaries.
const SUMMARY_RELEASES: usize = 5;

/// Everything a gate run produced, ready to publish.
struct Evaluation {
    report: Report,
    gate: GateResult,
    git: GitHistory,
}

/// When GitHub is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GithubReads {
    /// When a rule of the event needs it.
    AsRulesNeed,
    /// Always (the trend issue shows the whole picture).
    Always,
}

/// What one gate run reads and judges.
struct GateRun<'a> {
    event: Event,
    github: &'a GithubSource,
    tests: Option<TestSource>,
    /// `release-check --tag`: judge this release instead of the unreleased changes.
    tag: Option<&'a str>,
    github_reads: GithubReads,
    /// Keep this run's test figures in the cache.
    record_tests: bool,
}

/// Collects, evaluates and builds the report.
fn evaluate(s: &Session, e: &GateRun<'_>) -> Result<Evaluation> {
    let rules: Vec<Rule> = s
        .policy
        .rules
        .iter()
        .filter(|r| e.event.trigger.is_none_or(|t| r.runs_on(t)))
        .cloned()
        .collect();
    let needs = Needs::of(&rules, s.policy.policy.window.secs());
    // Judging an existing tag needs the changes of the releases before it too, whichever
    // they are: read them all (one walk over the history).
    let last = if e.tag.is_some() {
        usize::MAX
    } else {
        needs.releases.max(SUMMARY_RELEASES)
    };
    let plan = git::Plan {
        last,
        span_back: needs.span_back,
        extra: 1,
    };
    let (history, mut git) = read_git(s, plan)?;
    // With --tag, everything is measured as of the tag's release time.
    let mut now = s.now;
    if let Some(tag) = e.tag {
        let (releases, policy) = (&s.policy.policy.releases, s.policy.source.describe());
        now = git::as_candidate(&*history, &mut git, tag, releases, &policy)?;
    }
    drop(history);
    let mut gh_warning = None;
    let github = if e.github_reads == GithubReads::Always || needs.github {
        match read_github(s, e.github, &git, needs.pulls) {
            Ok(read) => read,
            // An outage of GitHub must not fail a build for a wrong reason: when no
            // fail-level rule needs its data, the rules that use it do not judge.
            Err(err) if !needs.github_to_fail => {
                gh_warning = Some(format!(
                    "GitHub could not be read, so the rules that need it report not enough data: {err}"
                ));
                GithubRead::skipped("GitHub could not be read")
            }
            Err(err) => return Err(err),
        }
    } else {
        GithubRead::skipped("no rule of this event needs it")
    };
    let (tests, mut warnings) = read_tests(s, e.tests.as_ref(), MissingTests::AsPolicy)?;
    warnings.extend(gh_warning);
    if github.data.is_none() && needs.change_failure_rate {
        warnings.push(
            "change failure rate counts the hotfix signal only: without GitHub data, incidents and regressions are not counted".to_string(),
        );
    }
    if let Some(tag) = e.tag {
        warnings.push(format!(
            "judging {tag} as of its release time ({}), not --now",
            crate::model::rfc3339(now)
        ));
    }
    let figures = tests.as_ref().map(|t| TestFigures::of(&t.metrics));
    let mut record_warnings = Vec::new();
    if let (Some(f), Some(cache), true) = (&figures, &e.github.cache, e.record_tests)
        && let Some(sha) = s.env.sha.as_deref().or(git.candidate.head.as_deref())
    {
        let repo = e.github.history_key(&git, &s.repo);
        let key = RunKey {
            repo: &repo,
            sha,
            run_id: s.env.run_id.as_deref(),
            at: s.now,
        };
        record_warnings = publish::record_tests(cache, &key, f);
    }
    let engine = Engine::new(
        Inputs {
            git: &git,
            github: github.data.as_ref(),
            github_skipped: github.skipped.as_deref(),
            candidate_tag: e.tag,
        },
        &s.policy.policy,
        now,
    );
    let gate = gate::evaluate(&engine, &s.policy.rules, figures.as_ref(), &e.event);
    let sources = sources(s, &github, tests.as_ref());
    warnings.extend(record_warnings);
    let mut report = report::build(
        &engine,
        SUMMARY_RELEASES,
        sources,
        tests.map(|t| t.metrics),
        warnings,
        needs.incidents,
    );
    report.gate = Some(gate.clone());
    report.links = e.github.links(report.sources.github.as_deref());
    drop(engine);
    Ok(Evaluation { report, gate, git })
}

/// The markdown body of the comment and the summary, under `marker`.
fn body(o: &Evaluation, marker: &str, what: &str, lead: Lead<'_>) -> String {
    let failed = o.gate.overall == Overall::Fail;
    markers::stamp(
        marker,
        failed,
        &comment::body(&o.report, &o.gate, what, lead),
    )
}

/// The verdicts for a terminal.
fn text(s: &Session, o: &Evaluation, what: &str) -> String {
    let style = report::text::Style { color: s.color };
    verdicts::text::render(&o.gate, &o.report, what, &s.policy.source.describe(), style)
}

/// Writes the local outputs; `text` is the text output.
fn publish_local(
    local: &Local,
    o: &Evaluation,
    text: impl FnOnce() -> String,
    md: &str,
) -> Result<i32> {
    let out = match local.format {
        Format::Json => report::json::render(&o.report),
        Format::Markdown => md.to_string(),
        Format::Text => text(),
    };
    publish::local(local, &o.report, &o.gate, &out, md)?;
    Ok(if o.gate.overall == Overall::Fail {
        exit::GATE_FAILED
    } else {
        exit::PASSED
    })
}

/// The local outputs of `check` and `release-check`.
fn local(a: &ActionsArgs, s: &Session) -> Local {
    let report_json = a.report_json.clone().unwrap_or_else(|| {
        s.env
            .runner_temp
            .clone()
            .unwrap_or_else(std::env::temp_dir)
            .join("slipgate-report.json")
    });
    Local {
        format: a.format,
        quiet: s.quiet,
        annotate: s.env.in_actions,
        step_summary: a.step_summary.clone(),
        output_file: a.output_file.clone(),
        write_json: a.report_json.is_some() || a.output_file.is_some(),
        report_json,
    }
}

/// The event, from the payload and the flags.
fn event_context(a: &ActionsArgs) -> Result<EventContext> {
    let Some(name) = a.event_name.as_deref().filter(|s| !s.is_empty()) else {
        return Ok(EventContext::default());
    };
    let Some(path) = &a.event_path else {
        return Ok(EventContext {
            event_name: name.to_string(),
            ..EventContext::default()
        });
    };
    let text = file::read_regular(path, file::EVENT)?;
    actions::read_event(name, &text)
        .map_err(|e| Error::Usage(format!("{e} (payload {})", path.display())))
}

/// Where comments and issues are written.
fn remote(github: &GithubSource, git: &GitHistory) -> Remote {
    if github.offline {
        return Remote::Offline;
    }
    match github.repo_of(git) {
        Some(repo) => Remote::Repo(Box::new(github.config(repo))),
        None => Remote::Unknown,
    }
}

/// `slipgate check`.
pub(super) fn check(s: &Session, args: &CheckArgs) -> Result<i32> {
    let ev = event_context(&args.gate.actions)?;
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
    let github = GithubSource::new(&args.gate.github, s);
    // The trend issue shows the whole picture, so it reads GitHub data; a comment only
    // needs what the rules need.
    let o = evaluate(
        s,
        &GateRun {
            event,
            github: &github,
            tests: TestSource::new(&args.gate.tests, s),
            tag: None,
            github_reads: if args.trend_issue.is_some() {
                GithubReads::Always
            } else {
                GithubReads::AsRulesNeed
            },
            record_tests: true,
        },
    )?;
    let what = "quality gate";
    let mut previous = None;
    let mut warnings = Vec::new();
    if s.policy.rules.is_empty() {
        warnings.push(format!(
            "the policy ({}) has no rules, so the gate always passes; add `rules:` (see policies/default.yml)",
            s.policy.source.describe()
        ));
    }
    if args.trigger.is_none() && !ev.event_name.is_empty() && trigger.is_none() {
        warnings.push(format!(
            "event `{}` is none of pull_request, push, release, schedule (or their kin), so every rule runs; pass --trigger to choose",
            ev.event_name
        ));
    }
    let lead = |previous: Option<&str>| Lead {
        text: None,
        recovered: o.gate.overall != Overall::Fail && markers::failed_before(previous),
    };
    let remote = remote(&github, &o.git);
    if args.comment {
        match pr_number {
            Some(n) => match publish::comment(&remote, n, &mut |prev| {
                previous = prev.map(str::to_string);
                body(&o, markers::COMMENT, what, lead(prev))
            }) {
                Ok(msg) => s.info(&format!("slipgate: {}", esc(&msg))),
                Err(w) => warnings.push(w),
            },
            None => warnings.push("--comment: no pull request here (not a pull_request event and no --pr), so no comment was written".into()),
        }
    }
    if let Some(title) = &args.trend_issue {
        let mut b = body(&o, markers::TREND, "quality trend", Lead::default());
        if let Some(cache) = &github.cache {
            let repo = github.history_key(&o.git, &s.repo);
            if let Ok(rows) = crate::store::runs::test_history(cache, &repo, 20) {
                b.push('\n');
                b.push_str(&markdown::test_history(&rows));
            }
        }
        match publish::trend_issue(&remote, title, &b) {
            Ok(msg) => s.info(&format!("slipgate: {}", esc(&msg))),
            Err(w) => warnings.push(w),
        }
    }
    let md = body(&o, markers::COMMENT, what, lead(previous.as_deref()));
    let local = local(&args.gate.actions, s);
    publish::warn_run(&local, &warnings);
    publish_local(&local, &o, || text(s, &o, what), &md)
}

/// `slipgate release-check`.
pub(super) fn release_check(s: &Session, args: &ReleaseCheckArgs) -> Result<i32> {
    let github = GithubSource::new(&args.gate.github, s);
    let event = Event {
        trigger: Some(Trigger::Release),
        ..Event::default()
    };
    let o = evaluate(
        s,
        &GateRun {
            event,
            github: &github,
            tests: TestSource::new(&args.gate.tests, s),
            tag: args.tag.as_deref(),
            github_reads: GithubReads::AsRulesNeed,
            record_tests: false,
        },
    )?;
    let what = match &args.tag {
        Some(t) => format!("release readiness of {t}"),
        None => "release readiness".to_string(),
    };
    let readiness = o.gate.readiness();
    let lead = Lead {
        text: Some(verdicts::readiness_markdown(readiness)),
        recovered: false,
    };
    let md = body(&o, markers::COMMENT, &what, lead);
    let local = local(&args.gate.actions, s);
    let code = publish_local(&local, &o, || text(s, &o, &what), &md)?;
    if !s.quiet && args.gate.actions.format == Format::Text {
        publish::stdout(&format!("\n{}\n", verdicts::readiness_text(readiness)))?;
    }
    Ok(code)
}
