//! `check` and `release-check`: collect what the rules need, evaluate the gate, and
//! publish (stdout, job summary, step outputs, annotations, PR comment, trend issue).

use super::{GithubRead, MissingTests, read_git, read_github, read_tests, sources};
use crate::cli::request::{GithubSource, Session, TestSource};
use crate::cli::{ActionsArgs, CheckArgs, ReleaseCheckArgs};
use crate::collect::git;
use crate::error::{Error, Result, exit};
use crate::escape::line as esc;
use crate::gate::{self, Event, GateResult, Overall, Status, TestFigures};
use crate::metrics::{Engine, Inputs};
use crate::model::GitHistory;
use crate::policy::{Needs, Rule, Trigger};
use crate::publish::actions::{self, EventContext};
use crate::publish::check::{self as publish, Local, Remote, RunKey};
use crate::publish::markers;
use crate::report::comment::{self, Lead};
use crate::report::{self, Format, Report, markdown};

/// Releases shown in comments and summaries.
const SUMMARY_RELEASES: usize = 5;

/// Everything a gate run produced, ready to publish.
struct Outcome {
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
struct Evaluation<'a> {
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
fn evaluate(s: &Session, e: &Evaluation<'_>) -> Result<Outcome> {
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
    let figures = tests.as_ref().map(|t| TestFigures::from(&t.metrics));
    let mut record_warnings = Vec::new();
    if let (Some(f), Some(cache), true) = (&figures, &e.github.cache, e.record_tests)
        && let Some(sha) = s.env.sha.as_deref().or(git.candidate.head.as_deref())
    {
        let repo = e
            .github
            .repo_of(&git)
            .unwrap_or_else(|| "local".to_string());
        let key = RunKey {
            repo: &repo,
            sha,
            run_id: s.env.run_id.as_deref(),
            at: s.now,
        };
        record_warnings = publish::record_tests(cache, &key, f);
    }
    let mut engine = Engine::new(
        Inputs {
            git: &git,
            github: github.data.as_ref(),
        },
        &s.policy.policy,
        now,
    );
    if let Some(tag) = e.tag {
        engine.candidate_label = tag.to_string();
    }
    engine.github_note = github.skipped.clone();
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
    Ok(Outcome { report, gate, git })
}

/// The markdown body of the comment and the summary, under `marker`.
fn body(o: &Outcome, marker: &str, what: &str, lead: Lead<'_>) -> String {
    let failed = o.gate.overall == Overall::Fail;
    markers::stamp(
        marker,
        failed,
        &comment::body(&o.report, &o.gate, what, lead),
    )
}

/// Writes the local outputs; `text` is the text output.
fn publish_local(
    local: &Local,
    o: &Outcome,
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

/// The verdicts for a terminal. Every field from data (rule names, reasons, evidence,
/// notes) goes through [`crate::escape::line`].
fn text_verdicts(ctx: &Session, o: &Outcome, what: &str) -> String {
    use crate::report::text::{Style, table};
    let style = Style { color: ctx.color };
    let mut s = String::new();
    let head = match o.gate.overall {
        Overall::Fail => style.red(&format!("FAIL  {} failed", esc(what))),
        Overall::Warn => style.yellow(&format!("WARN  {} passed with warnings", esc(what))),
        Overall::Pass => style.green(&format!("PASS  {} passed", esc(what))),
    };
    s.push_str(&style.bold(&head));
    s.push_str(&format!(
        "  {}\n\n",
        style.dim(&format!(
            "{} rule{} on {} · as of {} · policy {}",
            o.gate.verdicts.len(),
            if o.gate.verdicts.len() == 1 { "" } else { "s" },
            o.gate.trigger.map(|t| t.name()).unwrap_or("any event"),
            crate::model::rfc3339(o.report.evaluated_at),
            esc(&ctx.policy.source.describe())
        ))
    ));
    let rows: Vec<Vec<String>> = o
        .gate
        .verdicts
        .iter()
        .map(|v| {
            let st = match v.status {
                Status::Fail => style.red("fail"),
                Status::Warn => style.yellow("warn"),
                Status::Pass => style.green("pass"),
                other => other.name().to_string(),
            };
            vec![
                st,
                esc(&v.rule).into_owned(),
                esc(&v.value_text).into_owned(),
                esc(&v.threshold).into_owned(),
                esc(v.baseline_text.as_deref().unwrap_or_default()).into_owned(),
            ]
        })
        .collect();
    if rows.is_empty() {
        s.push_str("no rule runs on this event\n");
    } else {
        s.push_str(&table(
            &["STATUS", "RULE", "VALUE", "THRESHOLD", "BASELINE"],
            &rows,
            &[0, 1, 3, 4],
            style,
        ));
    }
    for v in o
        .gate
        .verdicts
        .iter()
        .filter(|v| v.status != Status::Pass || v.notable)
    {
        s.push_str(&format!(
            "\n{} {}\n  {}\n",
            style.bold(&esc(&v.rule)),
            style.dim(&format!("({})", v.status.name())),
            esc(&v.reason)
        ));
        for e in &v.evidence {
            let parts: Vec<_> = [e.id.as_str(), e.text.as_str(), e.detail.as_str()]
                .into_iter()
                .filter(|p| !p.is_empty())
                .map(esc)
                .collect();
            s.push_str(&format!("    {}\n", parts.join(" — ")));
        }
    }
    if let Some(why) = &o.gate.freeze_exemption {
        s.push_str(&format!(
            "\nfreeze mode: this pull request is a fix ({}), so tripped fail rules do not fail it\n",
            esc(why)
        ));
    }
    if !o.gate.not_on_this_event.is_empty() {
        let names: Vec<_> = o.gate.not_on_this_event.iter().map(|n| esc(n)).collect();
        s.push_str(&style.dim(&format!("\nnot run on this event: {}\n", names.join(", "))));
    }
    for n in &o.report.notes {
        s.push_str(&format!("{} {}\n", style.yellow("note:"), esc(n)));
    }
    s
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
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        action: "read the event payload (GITHUB_EVENT_PATH)",
        path: path.clone(),
        source,
    })?;
    actions::read_event(name, &text)
        .map_err(|e| Error::Usage(format!("{e} (payload {})", path.display())))
}

/// Where comments and issues are written.
fn remote(github: &GithubSource, git: &GitHistory) -> Remote {
    if github.offline {
        return Remote::Offline;
    }
    match github.repo_of(git) {
        Some(repo) => Remote::Repo(github.config(repo)),
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
        &Evaluation {
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
            let repo = github.repo_of(&o.git).unwrap_or_else(|| "local".into());
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
    publish_local(&local, &o, || text_verdicts(s, &o, what), &md)
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
        &Evaluation {
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
    let (lead, line) = comment::readiness(&o.gate);
    let lead = Lead {
        text: Some(lead),
        recovered: false,
    };
    let md = body(&o, markers::COMMENT, &what, lead);
    let local = local(&args.gate.actions, s);
    let code = publish_local(&local, &o, || text_verdicts(s, &o, &what), &md)?;
    if !s.quiet && args.gate.actions.format == Format::Text {
        publish::stdout(&format!("\n{line}\n"))?;
    }
    Ok(code)
}
