//! Rule evaluation, hand-computed. Days (D) from the epoch; now = day 50.
//!
//! v1.0.0 @10: authored 8, 9       → lead 2d, 1d
//! v1.0.1 @12: authored 11 "fix"   → lead 1d        (v1.0.0 hotfixed: same 1.0, 2d later)
//! v1.1.0 @20: authored 13, 15, 19 → lead 7d, 5d, 1d (p50 5d)
//! v1.2.0 @40: authored 39         → lead 1d
//! candidate:  authored 44         → lead 6d at now

//!
//! These tests judge the gate through the words `report` gives its verdicts, so they live
//! in report (which may import the gate), not in the gate.

use crate::gate::*;
use crate::metrics::fixture::{D, engine, release};
use crate::metrics::test_results::{FailingTest, TestRef};
use crate::model::TestOutcome;
use crate::model::{Candidate, Commit, GitHistory, Release};
use crate::policy::{self, Policy};
use crate::policy::{Metric, Trigger};
use crate::report::verdicts as words;

fn rel(tag: &str, day: i64, authored: &[i64]) -> Release {
    let subjects: Vec<String> = (0..authored.len())
        .map(|n| format!("feat: {tag} {n}"))
        .collect();
    let changes: Vec<(i64, &str)> = authored
        .iter()
        .zip(&subjects)
        .map(|(d, s)| (*d, s.as_str()))
        .collect();
    release(tag, day, &changes)
}

fn history() -> GitHistory {
    GitHistory {
        releases: vec![
            rel("v1.0.0", 10, &[8, 9]),
            rel("v1.0.1", 12, &[11]),
            rel("v1.1.0", 20, &[13, 15, 19]),
            rel("v1.2.0", 40, &[39]),
        ],
        candidate: Candidate {
            head: Some("head".into()),
            base_tag: Some("v1.2.0".into()),
            changes: vec![Commit {
                sha: "cafe0001".into(),
                author_time: 44 * D,
                subject: "feat: slow one".into(),
            }],
        },
        ..GitHistory::default()
    }
}

fn run(policy_yaml: &str, tests: Option<&TestFigures>, event: &Event) -> GateResult {
    let (policy, rules): (Policy, _) =
        policy::parse(policy_yaml, "test.yml").unwrap_or_else(|e| panic!("{e}"));
    let git = history();
    let engine = engine(&git, None, &policy);
    evaluate(&engine, &rules, tests, event)
}

fn pr(labels: &[&str], title: &str) -> Event {
    Event {
        trigger: Some(Trigger::PullRequest),
        pr_labels: labels.iter().map(|s| s.to_string()).collect(),
        pr_title: Some(title.into()),
    }
}

#[test]
fn absolute_max_fails_and_warns_by_level() {
    let g = run(
        "rules:\n  - {name: a, metric: lead_time.p90, max: 5d}\n  - {name: b, metric: lead_time.p90, max: 5d, level: warn}\n  - {name: c, metric: lead_time.p90, max: 7d}\n",
        None,
        &Event::default(),
    );
    assert_eq!(g.verdicts[0].status, Status::Fail);
    assert_eq!(g.verdicts[0].value, Some(6.0 * D as f64));
    assert_eq!(words::value_text(&g.verdicts[0]), "6d");
    assert_eq!(words::evidence_id(&g.verdicts[0].evidence[0]), "cafe000");
    assert_eq!(g.verdicts[1].status, Status::Warn);
    assert_eq!(g.verdicts[2].status, Status::Pass);
    assert_eq!(g.overall, Overall::Fail);
    assert_eq!(g.failed_rules(), ["a"]);
    assert!(
        words::reason(&g.verdicts[0]).contains("6d is above the maximum 5d"),
        "{}",
        words::reason(&g.verdicts[0])
    );
}

#[test]
fn min_threshold_on_a_ratio() {
    // fix ratio of the candidate: 0 fixes of 1 change = 0% < 10%.
    let g = run(
        "rules:\n  - {metric: fix_ratio, min: 10%}\n",
        None,
        &Event::default(),
    );
    assert_eq!(g.verdicts[0].value, Some(0.0));
    assert_eq!(g.verdicts[0].status, Status::Fail);
}

#[test]
fn slip_against_previous_release_and_median_of_last() {
    let g = run(
        "rules:\n  - {name: prev, metric: lead_time.max, max_increase: 100%}\n  - {name: med, metric: lead_time.p50, max_increase: 500%, baseline: {median_of_last: 3}}\n  - {name: med2, metric: lead_time.p50, max_increase: 499%, baseline: {median_of_last: 3}}\n",
        None,
        &Event::default(),
    );
    // previous release v1.2.0: max 1d; 6d is +500% > +100%.
    assert_eq!(
        g.verdicts[0].baseline.as_ref().map(|b| b.value),
        Some(D as f64)
    );
    assert_eq!(g.verdicts[0].status, Status::Fail);
    // p50 of v1.0.1 (1d), v1.1.0 (5d), v1.2.0 (1d): sorted [1d, 1d, 5d], rank 2 → 1d.
    // 6d is exactly +500%: not above a 500% limit, above a 499% one.
    assert_eq!(
        g.verdicts[1].baseline.as_ref().map(|b| b.value),
        Some(D as f64)
    );
    assert_eq!(g.verdicts[1].status, Status::Pass);
    assert_eq!(g.verdicts[2].status, Status::Fail);
    assert!(
        words::baseline_text(&g.verdicts[2])
            .as_deref()
            .unwrap_or("")
            .contains("v1.0.1 … v1.2.0, from")
    );
}

#[test]
fn trailing_baseline_for_a_window_and_decrease() {
    // Window 10d = [40, 50]: v1.2.0 only, lead p90 1d.
    // Trailing 30d before day 40 = [10, 40): v1.0.0, v1.0.1, v1.1.0 pooled
    // [1d, 1d, 1d, 2d, 5d, 7d]: p90 rank ceil(5.4) = 6 → 7d. Change −85.7%.
    let g = run(
        "rules:\n  - {name: up, metric: lead_time.p90, scope: window, window: 10d, max_increase: 10%, baseline: {trailing: 30d}}\n  - {name: down, metric: lead_time.p90, scope: window, window: 10d, max_decrease: 50%, baseline: {trailing: 30d}}\n",
        None,
        &Event::default(),
    );
    assert_eq!(g.verdicts[0].value, Some(D as f64));
    assert_eq!(
        g.verdicts[0].baseline.as_ref().map(|b| b.value),
        Some(7.0 * D as f64)
    );
    assert_eq!(g.verdicts[0].status, Status::Pass);
    assert_eq!(g.verdicts[1].status, Status::Fail);
    assert!(
        words::reason(&g.verdicts[1]).contains("−85.7%"),
        "{}",
        words::reason(&g.verdicts[1])
    );
}

#[test]
fn min_samples_means_not_enough_data_never_fail() {
    let g = run(
        "rules:\n  - {metric: lead_time.p90, max: 1d, min_samples: 2}\n",
        None,
        &Event::default(),
    );
    assert_eq!(g.verdicts[0].status, Status::NotEnoughData);
    assert_eq!(g.overall, Overall::Pass);
    assert!(
        words::reason(&g.verdicts[0]).contains("1 sample"),
        "{}",
        words::reason(&g.verdicts[0])
    );
}

#[test]
fn confidence_keeps_an_insignificant_slip_from_failing() {
    // Candidate [6d] vs previous release [1d]: n1 = n2 = 1, U = 1, P(U ≥ 1) = 0.5 ≥ 0.05.
    let g = run(
        "rules:\n  - {metric: lead_time.p50, max_increase: 20%, confidence: 0.95}\n",
        None,
        &Event::default(),
    );
    let v = &g.verdicts[0];
    assert_eq!(v.status, Status::Pass);
    assert!((v.mann_whitney.map(|t| t.p_value).unwrap_or(0.0) - 0.5).abs() < 1e-9);
    assert!(
        words::reason(v).contains("not significant"),
        "{}",
        words::reason(v)
    );
    // The reason says what slipped, then why it does not trip.
    assert!(
        words::reason(v).starts_with("6d is +500% over the baseline 1d"),
        "{}",
        words::reason(v)
    );
    assert!(v.notable());
}

#[test]
fn change_failure_rate_with_evidence() {
    // [5, 50]: 4 releases, v1.0.0 hotfixed by v1.0.1 → 25% > 20%.
    let g = run(
        "rules:\n  - {metric: change_failure_rate, window: 45d, max: 20%}\n",
        None,
        &Event::default(),
    );
    let v = &g.verdicts[0];
    assert_eq!(v.value, Some(0.25));
    assert_eq!(v.status, Status::Fail);
    assert_eq!(words::evidence_id(&v.evidence[0]), "v1.0.0");
    assert_eq!(words::evidence_detail(&v.evidence[0]), "hotfix v1.0.1");
}

#[test]
fn waiver_label_passes_the_rule_and_shows() {
    let g = run(
        "rules:\n  - {metric: lead_time.p90, max: 5d, waive_label: quality-waiver}\n",
        None,
        &pr(&["Quality-Waiver"], "feat: x"),
    );
    assert_eq!(g.verdicts[0].status, Status::Waived);
    assert_eq!(g.overall, Overall::Pass);
    assert!(words::reason(&g.verdicts[0]).contains("Waived"));
    // The label does nothing on a push.
    let g = run(
        "rules:\n  - {metric: lead_time.p90, max: 5d, waive_label: quality-waiver}\n",
        None,
        &Event {
            trigger: Some(Trigger::Push),
            ..Event::default()
        },
    );
    assert_eq!(g.verdicts[0].status, Status::Fail);
}

#[test]
fn freeze_mode_exempts_fix_pull_requests() {
    let yaml = "freeze: {exempt_fixes: true}\nrules:\n  - {metric: lead_time.p90, max: 5d}\n";
    let g = run(yaml, None, &pr(&[], "fix(api): handle nulls"));
    assert_eq!(g.verdicts[0].status, Status::Exempt);
    assert_eq!(g.overall, Overall::Pass);
    assert!(
        g.freeze_exemption
            .as_ref()
            .map(words::fix_reason)
            .as_deref()
            .unwrap_or("")
            .contains("title")
    );
    let g = run(yaml, None, &pr(&["BUG"], "Handle nulls"));
    assert_eq!(
        g.freeze_exemption
            .as_ref()
            .map(words::fix_reason)
            .as_deref(),
        Some("label 'BUG'")
    );
    let g = run(yaml, None, &pr(&[], "feat: more"));
    assert_eq!(g.overall, Overall::Fail);
}

#[test]
fn rules_run_only_on_their_events() {
    let g = run(
        "rules:\n  - {name: rel, metric: lead_time.p90, max: 5d, on: [release]}\n",
        None,
        &pr(&[], "feat: x"),
    );
    assert!(g.verdicts.is_empty());
    assert_eq!(g.not_on_this_event, ["rel"]);
    assert_eq!(g.overall, Overall::Pass);
}

#[test]
fn test_rules_with_and_without_results() {
    let yaml = "rules:\n  - {name: t, metric: tests.failed, max: 0}\n  - {name: r, metric: tests.pass_rate, min: 99%}\n";
    let g = run(yaml, None, &Event::default());
    assert_eq!(g.verdicts[0].status, Status::NotEnoughData);
    let figures = TestFigures {
        passed: 98,
        failed: 2,
        skipped: 5,
        failing: vec![FailingTest {
            test: TestRef {
                classname: "a".into(),
                name: "b".into(),
                file: "t.xml".into(),
            },
            outcome: TestOutcome::Failed,
            message: Some("assertion failed".into()),
            flaky: false,
            at: None,
        }],
        ..TestFigures::default()
    };
    let g = run(yaml, Some(&figures), &Event::default());
    assert_eq!(g.verdicts[0].status, Status::Fail);
    assert_eq!(words::evidence_id(&g.verdicts[0].evidence[0]), "a::b");
    // 98 / (98 + 2) = 98% < 99%.
    assert_eq!(g.verdicts[1].value, Some(0.98));
    assert_eq!(g.verdicts[1].status, Status::Fail);
}

#[test]
fn github_rules_without_data_do_not_judge() {
    let g = run(
        "rules:\n  - {metric: open_bugs.total, max: 0}\n",
        None,
        &Event::default(),
    );
    assert_eq!(g.verdicts[0].status, Status::NotEnoughData);
    assert!(words::reason(&g.verdicts[0]).contains("no GitHub data"));
}

#[test]
fn freeze_mode_never_exempts_this_runs_failing_tests() {
    let yaml = "freeze: {exempt_fixes: true}\nrules:\n  - {name: lead, metric: lead_time.p90, max: 5d}\n  - {name: tests, metric: tests.failed, max: 0}\n";
    let figures = TestFigures {
        passed: 1,
        failed: 1,
        ..TestFigures::default()
    };
    let g = run(yaml, Some(&figures), &pr(&[], "fix: typo"));
    assert_eq!(g.verdicts[0].status, Status::Exempt);
    assert_eq!(g.verdicts[1].status, Status::Fail);
    assert_eq!(g.overall, Overall::Fail);
    // The gate failed, so freeze mode let nothing through and must not claim it did.
    assert_eq!(g.freeze_exemption, None);
}

#[test]
fn values_that_round_onto_the_threshold_are_shown_precisely() {
    let figures = TestFigures {
        passed: 9_999,
        failed: 1,
        ..TestFigures::default()
    };
    let g = run(
        "rules:\n  - {metric: tests.pass_rate, min: 100%}\n",
        Some(&figures),
        &Event::default(),
    );
    // 9999 / 10000 = 99.99%, shown as such, not as 100%.
    assert_eq!(words::value_text(&g.verdicts[0]), "99.99%");
    assert!(
        words::reason(&g.verdicts[0]).starts_with("99.99% is below the minimum 100%"),
        "{}",
        words::reason(&g.verdicts[0])
    );
    assert_eq!(
        words::render_against(
            &Metric::LeadTime(crate::policy::metric::Agg::P90),
            88_200.0,
            86_400.0
        ),
        "1d 30m"
    );
}

#[test]
fn an_empty_trailing_baseline_is_not_a_zero() {
    // Window 10d = [40, 50] holds v1.2.0 (1 change); the 5d before day 40 = [35, 40) holds
    // no release: not judged, rather than "up from 0".
    let g = run(
        "rules:\n  - {metric: changes, scope: window, window: 10d, max_increase: 50%, baseline: {trailing: 5d}}\n",
        None,
        &Event::default(),
    );
    assert_eq!(g.verdicts[0].status, Status::NotEnoughData);
    assert!(
        words::reason(&g.verdicts[0]).contains("no release lies in the baseline span"),
        "{}",
        words::reason(&g.verdicts[0])
    );
}

#[test]
fn an_exact_slip_limit_passes_despite_float_error() {
    // v1.0.0: 3 changes, 1 fix (33.3%); v1.1.0: 5 changes, 2 fixes (40%).
    // (0.4 − 1/3) / (1/3) is 0.2000000000000001 in floating point: exactly +20% must pass.
    let subjects = |n: usize, fixes: usize| -> Vec<Commit> {
        (0..n)
            .map(|k| Commit {
                sha: format!("s{n}{k}"),
                author_time: 0,
                subject: if k < fixes {
                    "fix: x".into()
                } else {
                    "feat: y".into()
                },
            })
            .collect()
    };
    let mut git = history();
    git.releases = vec![rel("v1.0.0", 10, &[]), rel("v1.1.0", 20, &[])];
    git.releases[0].changes = subjects(3, 1);
    git.releases[1].changes = subjects(5, 2);
    let (policy, rules) = policy::parse(
        "rules:\n  - {metric: fix_ratio, scope: latest_release, max_increase: 20%}\n",
        "t.yml",
    )
    .expect("policy");
    let engine = engine(&git, None, &policy);
    let g = evaluate(&engine, &rules, None, &Event::default());
    assert_eq!(g.verdicts[0].value, Some(0.4));
    assert_eq!(
        g.verdicts[0].status,
        Status::Pass,
        "{}",
        words::reason(&g.verdicts[0])
    );
}

/// External samples (now = day 50): uptime 99.0% on day 15 (the window before the rule's
/// 20d window [30, 50]), 99.95% on day 35 and 99.85% on day 45; csat 4 on day 40.
#[test]
fn external_metrics_judge_their_window_and_slip_against_the_one_before() {
    use crate::model::{ExternalData, ExternalSample};
    let s = |name: &str, day: i64, value: f64, percent: bool| ExternalSample {
        name: name.into(),
        time: day * D,
        value,
        percent,
    };
    let data = ExternalData {
        files: vec!["ops.csv".into()],
        samples: vec![
            s("uptime", 15, 0.99, true),
            s("uptime", 35, 0.9995, true),
            s("uptime", 45, 0.9985, true),
            s("csat", 40, 4.0, false),
        ],
        warnings: vec![],
    };
    let yaml = "version: 1\nrules:\n\
        - {name: mean, metric: external.uptime.mean, window: 20d, min: 99.95%}\n\
        - {name: latest, metric: external.uptime.latest, window: 20d, min: 99.8%}\n\
        - {name: rise, metric: external.uptime.mean, window: 20d, max_increase: 0.5%}\n\
        - {name: csat, metric: external.csat.max, window: 20d, min: 4, min_samples: 2}\n\
        - {name: nps, metric: external.nps.latest, min: 0}\n";
    let (policy, rules): (Policy, _) = policy::parse(yaml, "test.yml").unwrap();
    let git = history();
    let mut engine = engine(&git, None, &policy);
    engine.inputs.external = Some(&data);
    let g = evaluate(&engine, &rules, None, &Event::default());
    let by = |n: &str| g.verdicts.iter().find(|v| v.rule == n).unwrap();
    // mean of 0.9995 and 0.9985 = 0.999 < 0.9995: fail; shown as a share.
    let mean = by("mean");
    assert_eq!(mean.status, Status::Fail);
    assert!((mean.value.unwrap() - 0.999).abs() < 1e-12);
    assert_eq!(mean.samples, Some(2));
    assert_eq!(mean.metric.unit(), policy::Unit::Ratio);
    // latest is day 45: 0.9985 ≥ 0.998.
    assert_eq!(by("latest").status, Status::Pass);
    // Baseline: the 20d before [10, 30): day 15, 0.99. 0.999 / 0.99 − 1 = +0.909% > 0.5%.
    let rise = by("rise");
    assert_eq!(rise.status, Status::Fail);
    assert_eq!(rise.baseline.as_ref().map(|b| b.value), Some(0.99));
    // One csat sample, min_samples 2: not enough data; a number, not a share.
    let csat = by("csat");
    assert_eq!(csat.status, Status::NotEnoughData);
    assert_eq!(csat.metric.unit(), policy::Unit::Number);
    // No file has `nps`: not enough data, and the note names it and the file.
    let nps = by("nps");
    assert_eq!(nps.status, Status::NotEnoughData);
    let Reason::Missing(m) = &nps.reason else {
        panic!("{:?}", nps.reason)
    };
    assert_eq!(
        words::missing(m),
        "no sample is named `nps` in the metrics files read (ops.csv), so this rule cannot judge; check the name."
    );
}

/// Coverage of this run (`lines` covered of 1000, 40 of 50 branches) and its base: the
/// previous run on `main`, commit `abc1234…` at day 49, `base_lines` of 1000.
fn coverage(lines: u64, base_lines: Option<u64>) -> crate::metrics::coverage::CoverageFigures {
    use crate::metrics::coverage::{BaseGap, CoverageBase, CoverageFigures, Share};
    use crate::model::coverage::{CoverageCounts, PatchGap};
    let counts = |covered| CoverageCounts {
        lines_covered: covered,
        lines_total: 1000,
        branches_covered: 40,
        branches_total: 50,
    };
    CoverageFigures {
        lines: Share {
            covered: lines,
            total: 1000,
        },
        branches: Share {
            covered: 40,
            total: 50,
        },
        sources: 1,
        files: vec!["lcov.info".into()],
        patch: Err(PatchGap::NotPullRequest),
        warnings: Vec::new(),
        base: match base_lines {
            Some(b) => Ok(CoverageBase::of("abc1234def", 49 * D, "main", counts(b))),
            None => Err(BaseGap::NoRun {
                branch: "main".into(),
            }),
        },
    }
}

fn run_cov(policy_yaml: &str, cov: &crate::metrics::coverage::CoverageFigures) -> GateResult {
    let (policy, rules): (Policy, _) =
        policy::parse(policy_yaml, "test.yml").unwrap_or_else(|e| panic!("{e}"));
    let git = history();
    let mut engine = engine(&git, None, &policy);
    engine.inputs.coverage = Some(cov);
    evaluate(&engine, &rules, None, &Event::on(Trigger::Push))
}

#[test]
fn coverage_max_drop_compares_with_the_previous_run_in_points() {
    let yaml = "rules:\n  - {name: cov, metric: coverage.lines, max_drop: 0.5, min: 50%}\n";
    // Base 812/1000 = 81.2%; now 807/1000 = 80.7%: a drop of exactly 0.5 points passes.
    let g = run_cov(yaml, &coverage(807, Some(812)));
    let v = &g.verdicts[0];
    assert_eq!(v.status, Status::Pass, "{}", words::reason(v));
    assert_eq!(
        words::baseline_text(v).as_deref(),
        Some("81.2% (previous run on main: abc1234 on 1970-02-19)")
    );
    // Now 806/1000 = 80.6%: 0.6 points below, over the limit.
    let g = run_cov(yaml, &coverage(806, Some(812)));
    let v = &g.verdicts[0];
    assert_eq!(v.status, Status::Fail);
    assert_eq!(v.value, Some(0.806));
    assert_eq!(
        words::reason(v),
        "80.6% is 0.6 pts below the previous run's 81.2% (limit −0.5 pts) for this run's coverage."
    );
    assert_eq!(words::threshold(v), "≥ 50%, ≥ −0.5 pts vs the previous run");
    // A rise passes.
    assert_eq!(
        run_cov(yaml, &coverage(900, Some(812))).verdicts[0].status,
        Status::Pass
    );
}

#[test]
fn coverage_max_drop_without_a_previous_run_is_not_enough_data() {
    let yaml = "rules:\n  - {name: cov, metric: coverage.lines, max_drop: 0.5}\n";
    let g = run_cov(yaml, &coverage(100, None));
    let v = &g.verdicts[0];
    assert_eq!(v.status, Status::NotEnoughData);
    assert_eq!(
        words::reason(v),
        "no run with coverage was recorded on main before this one, so there is nothing to compare with yet; the drop is not judged."
    );
    // `min` still judges: 10% is below 50%, the missing base is a note.
    let yaml = "rules:\n  - {name: cov, metric: coverage.lines, max_drop: 0.5, min: 50%}\n";
    let g = run_cov(yaml, &coverage(100, None));
    assert_eq!(g.verdicts[0].status, Status::Fail);
    // Branches compare with the base's branches: 40/50 both, no drop.
    let yaml = "rules:\n  - {name: br, metric: coverage.branches, max_drop: 0}\n";
    assert_eq!(
        run_cov(yaml, &coverage(100, Some(900))).verdicts[0].status,
        Status::Pass
    );
}
