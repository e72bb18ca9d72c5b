//! `check` and `release-check`: collect what the rules need, evaluate the gate, and
//! publish (stdout, job summary, step outputs, annotations, PR comment, trend issue).

use crate::cli::read::{GateRun, GithubReads, ISSUE_TREND, TestRead};
use crate::cli::request::{GithubSource, Session, export_target, read_coverage};
use crate::cli::{ActionsArgs, CheckArgs, ReleaseCheckArgs};
use crate::collect::{file, git};
use crate::error::{Error, Result, exit};
use crate::gate::{self, Event, GateResult, Overall, TestFigures};
use crate::metrics::Inputs;
use crate::metrics::trend::{self, Trend};
use crate::model::{GitHistory, TestRunRow};
use crate::policy::Trigger;
use crate::publish::actions::{self, EventContext};
use crate::publish::check::{self as publish, Local, Remote, RunKey};
use crate::publish::markers;
use crate::report::comment::Lead;
use crate::report::trend::history;
use crate::report::trend::markdown::{IssueInput, TrendUpdate};
use crate::report::{self, Format, Report, notes, verdicts};
use crate::store::runs::history_or_warn;

/// Releases shown in comments and summaries.
const SUMMARY_RELEASES: usize = 5;

/// Everything a gate run produced, ready to publish.
pub(super) struct Evaluation {
    pub(super) report: Report,
    pub(super) gate: GateResult,
    pub(super) git: GitHistory,
    /// The trend series (`--trend-issue`), and the test runs kept in the cache, newest
    /// first.
    pub(super) trend: Option<(Trend, Vec<TestRunRow>)>,
    /// The rows of `export`, when asked.
    pub(super) export: Option<crate::report::rows::ExportRows>,
}

/// Collects, evaluates and builds the report.
pub(super) fn evaluate(s: &Session, e: &GateRun<'_>) -> Result<Evaluation> {
    let needs = s.policy.needs_on(e.event.trigger);
    // Judging an existing tag reads them all (one walk over the history).
    let trend_reach = e.trend.map(|spec| (spec.releases, spec.span()));
    let all = e.tag.is_some() || e.export;
    let plan = git::Plan::of(&needs, SUMMARY_RELEASES, all, trend_reach);
    let (history, mut git) = s.read_git(plan)?;
    // With --tag, everything is measured as of the tag's release time.
    let mut now = s.now;
    if let Some(tag) = e.tag {
        let (releases, policy) = (&s.policy.policy.releases, s.policy.source.describe());
        now = git::as_candidate(&*history, &mut git, tag, releases, &policy)?;
    }
    drop(history);
    // One cache file for the whole run, opened when first needed: the GitHub lists, the
    // coverage base, the run recorded, the trend's runs.
    let mut cache = e.github.run_cache();
    // The trend shows time to first response: its comments are read for it too.
    let always = e.github_reads == GithubReads::Always;
    let (github, gh_warning) =
        e.github
            .read_for(s, &git, &needs, always, e.trend.is_some(), &mut cache)?;
    let read = TestRead::of(s, e.tests, e.missing_tests)?;
    let mut warnings = read.warnings.clone();
    warnings.extend(gh_warning);
    if github.data.is_none() && needs.change_failure_rate {
        warnings.push(notes::HOTFIX_SIGNAL_ONLY.to_string());
    }
    if let Some(tag) = e.tag {
        warnings.push(notes::judged_as_of(tag, now));
    }
    let figures = read.tests.as_ref().map(|t| TestFigures::of(&t.metrics));
    let (repo, mut coverage) = (e.github.history_key(&git, &s.repo), e.coverage.clone());
    let (sha, run_id) = (s.commit(&git), s.env.run_id.as_deref());
    let key = RunKey {
        repo: &repo,
        sha: sha.unwrap_or_default(),
        run_id,
        at: s.now,
        branch: &e.branch,
    };
    let record = e.record_tests && sha.is_some();
    warnings.extend(publish::record_run(
        &mut cache,
        &key,
        figures.as_ref(),
        coverage.as_mut(),
        record,
    ));
    let engine = s.engine(
        Inputs {
            github_skipped: github.skipped.as_deref(),
            candidate_tag: e.tag,
            ..read.ext.inputs(&git, &github, coverage.as_ref())
        },
        now,
    );
    let gate = gate::evaluate(&engine, &s.policy.rules, figures.as_ref(), &e.event);
    let (sources, metrics) = (
        s.sources(&github, read.test_files()),
        read.tests.map(|t| t.metrics),
    );
    let mut report = report::build(
        &engine,
        SUMMARY_RELEASES,
        sources,
        metrics,
        warnings,
        needs.incidents,
    );
    report.gate = Some(gate.clone());
    report.links = e.github.links(report.sources.github.as_deref());
    let trend = e.trend.map(|spec| {
        // The runs the trend issue shows; a cache that cannot be read leaves none, silently.
        let runs = history_or_warn(&mut cache, &repo, history::MAX_RUNS, &mut Vec::new());
        (trend::trend(&engine, spec, &runs), runs)
    });
    let who = report::rows::RunIdentity::new(&repo, run_id, sha);
    let export = e.export.then(|| report::rows::build(&engine, &report, who));
    drop(engine);
    s.cache_opened(&cache);
    Ok(Evaluation {
        report,
        gate,
        git,
        trend,
        export,
    })
}

/// The markdown body of the comment and the summary.
fn body(o: &Evaluation, what: &str, lead: Lead<'_>) -> String {
    publish::comment_body(&o.report, &o.gate, what, lead)
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
    publish::local(local, &o.report, &o.gate, text, md)?;
    Ok(if o.gate.overall == Overall::Fail {
        exit::GATE_FAILED
    } else {
        exit::PASSED
    })
}

/// The local outputs of `check` and `release-check`.
fn local(a: &ActionsArgs, s: &Session) -> Local {
    Local::new(
        a.format,
        s.quiet,
        s.env.in_actions,
        a.step_summary.clone(),
        a.output_file.clone(),
        a.report_json.clone(),
        || s.env.runner_temp.clone().unwrap_or_else(std::env::temp_dir),
    )
}

/// The event, from the payload and the flags.
fn event_context(a: &ActionsArgs) -> Result<EventContext> {
    let Some(name) = a.event_name.as_deref().filter(|s| !s.is_empty()) else {
        return Ok(EventContext::default());
    };
    let Some(path) = &a.event_path else {
        return Ok(EventContext::named(name));
    };
    let text = file::read_regular(path, file::EVENT)?;
    actions::read_event(name, &text)
        .map_err(|e| Error::Usage(format!("{e} (payload {})", path.display())))
}

/// Where comments and issues are written.
pub(super) fn remote(github: &GithubSource, git: &GitHistory) -> Remote {
    Remote::of(github.offline, github.repo_of(git), |r| github.config(r))
}

/// `slipgate check`.
pub(super) fn check(s: &Session, args: &CheckArgs) -> Result<i32> {
    let ev = event_context(&args.gate.actions)?;
    let trigger = ev.trigger(args.trigger);
    let event = ev.gate_event(trigger, &args.labels, args.title.as_deref());
    let pr_number = args.pr.or(ev.pr.as_ref().map(|p| p.number));
    let github = GithubSource::new(&args.gate.github, s);
    let export = export_target(args.export.as_deref(), &s.env)?;
    let refs = ev.pr.as_ref().map(|p| p.refs());
    let coverage = read_coverage(s, &args.gate.tests, refs.as_ref())?;
    // The trend issue shows the whole picture, so it reads GitHub data; a comment only
    // needs what the rules need.
    let trend = args.trend_issue.is_some();
    let o = evaluate(
        s,
        &GateRun {
            github_reads: if trend {
                GithubReads::Always
            } else {
                GithubReads::AsRulesNeed
            },
            record_tests: true,
            branch: ev.run_branch(s.env.git_ref.as_deref()),
            trend: trend.then_some(ISSUE_TREND),
            export: export.is_some(),
            ..GateRun::new(event, &github, &args.gate.tests, coverage)
        },
    )?;
    let what = "quality gate";
    let mut previous = None;
    let mut warnings = Vec::new();
    if s.policy.rules.is_empty() {
        warnings.push(notes::no_rules(&s.policy.source.describe()));
    }
    if args.trigger.is_none() && !ev.event_name.is_empty() && trigger.is_none() {
        warnings.push(notes::unknown_event(&ev.event_name));
    }
    let lead = |previous: Option<&str>| Lead {
        text: None,
        recovered: o.gate.overall != Overall::Fail && markers::failed_before(previous),
    };
    let remote = remote(&github, &o.git);
    if args.comment {
        match publish::comment(&remote, pr_number, &mut |prev| {
            previous = prev.map(str::to_string);
            body(&o, what, lead(prev))
        }) {
            Ok(msg) => s.done(Some(&msg)),
            Err(w) => warnings.push(w),
        }
    }
    if let Some(title) = &args.trend_issue {
        let update = TrendUpdate::of(trigger);
        let (msg, w, _) = trend_issue(s, &o, update, &remote, title, "--trend-issue");
        s.done(msg.as_deref());
        warnings.extend(w);
    }
    let md = body(&o, what, lead(previous.as_deref()));
    let local = local(&args.gate.actions, s);
    publish::warn_run(&local, &warnings);
    let code = publish_local(&local, &o, || text(s, &o, what), &md)?;
    if let Some(target) = &export {
        super::export::send(s, target, &o)?;
    }
    if args.no_fail && code == exit::GATE_FAILED {
        s.info("slipgate: the gate failed; exit 0 as --no-fail asks");
        return Ok(exit::PASSED);
    }
    Ok(code)
}

/// What the trend issue is built from, `None` without a trend.
pub(super) fn issue_input<'a>(s: &'a Session, o: &'a Evaluation) -> Option<IssueInput<'a>> {
    let (trend, cached_runs) = o.trend.as_ref()?;
    Some(IssueInput {
        trend,
        cached_runs,
        report: &o.report,
        gate: &o.gate,
        rules: &s.policy.rules,
        commit: s.env.sha.as_deref().or(o.git.candidate.head.as_deref()),
        run_id: s.env.run_id.as_deref(),
    })
}

/// Creates or updates the trend issue (`flag`: the option that asked, for messages).
/// Returns what was done, the warnings and the body last written.
pub(super) fn trend_issue(
    s: &Session,
    o: &Evaluation,
    update: TrendUpdate,
    remote: &Remote,
    title: &str,
    flag: &str,
) -> (Option<String>, Vec<String>, Option<String>) {
    match issue_input(s, o) {
        Some(i) => publish::write_trend_issue(&i, update, remote, title, flag),
        None => (None, Vec::new(), None),
    }
}

/// `slipgate release-check`.
pub(super) fn release_check(s: &Session, args: &ReleaseCheckArgs) -> Result<i32> {
    let github = GithubSource::new(&args.gate.github, s);
    let event = Event {
        trigger: Some(Trigger::Release),
        ..Event::default()
    };
    let coverage = read_coverage(s, &args.gate.tests, None)?;
    let branch = event_context(&args.gate.actions)?.run_branch(s.env.git_ref.as_deref());
    let o = evaluate(
        s,
        &GateRun {
            tag: args.tag.as_deref(),
            branch,
            ..GateRun::new(event, &github, &args.gate.tests, coverage)
        },
    )?;
    let what = notes::release_readiness(args.tag.as_deref());
    let readiness = o.gate.readiness();
    let lead = Lead {
        text: Some(verdicts::readiness_markdown(readiness)),
        recovered: false,
    };
    let md = body(&o, &what, lead);
    let local = local(&args.gate.actions, s);
    let code = publish_local(&local, &o, || text(s, &o, &what), &md)?;
    if !s.quiet && args.gate.actions.format == Format::Text {
        publish::stdout(&format!("\n{}\n", verdicts::readiness_text(readiness)))?;
    }
    Ok(code)
}
