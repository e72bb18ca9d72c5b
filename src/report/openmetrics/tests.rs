//! The OpenMetrics text, hand-computed. Days (D) from the epoch; now = day 50, window 90d.
//!
//! v1.0.0 @10: authored 8, 9        → lead 2d, 1d: p50 1d, p90 2d, max 2d, sum 3d
//! v1.0.1 @12: authored 11 "fix: …" → lead 1d (v1.0.0 hotfixed: 1 of 3 releases failed)
//! v1.1.0 @20: authored 13, 15, 19  → lead 7d, 5d, 1d: p50 5d, p90 7d, max 7d, sum 13d

use super::*;
use crate::gate::{self, Event};
use crate::metrics::fixture::{D, engine, release};
use crate::metrics::issues::OpenBugs;
use crate::metrics::test_results::TestMetrics;
use crate::model::{GitHistory, Runs};
use crate::policy;
use crate::report::{Sources, build};

fn report(policy_yaml: &str) -> Report {
    let (policy, rules) = policy::parse(policy_yaml, "test.yml").unwrap_or_else(|e| panic!("{e}"));
    let git = GitHistory {
        releases: vec![
            release("v1.0.0", 10, &[(8, "feat: a"), (9, "feat: b")]),
            release("v1.0.1", 12, &[(11, "fix: c")]),
            release(
                "v1.1.0",
                20,
                &[(13, "feat: d"), (15, "feat: e"), (19, "feat: f")],
            ),
        ],
        ..GitHistory::default()
    };
    let engine = engine(&git, None, &policy);
    let sources = Sources::new(
        "/src/app".into(),
        Some("octo/app".into()),
        None,
        None,
        "built-in default".into(),
        vec![],
    );
    let mut r = build(&engine, 10, sources, None, vec![], false);
    r.gate = Some(gate::evaluate(&engine, &rules, None, &Event::default()));
    r
}

fn lines_of<'a>(text: &'a str, family: &str) -> Vec<&'a str> {
    text.lines()
        .filter(|l| {
            l.strip_prefix("# TYPE ")
                .or_else(|| l.strip_prefix("# UNIT "))
                .or_else(|| l.strip_prefix("# HELP "))
                .unwrap_or(l)
                .split([' ', '{'])
                .next()
                .is_some_and(|n| {
                    n == family
                        || n.strip_prefix(family)
                            .is_some_and(|s| s == "_sum" || s == "_count")
                })
        })
        .collect()
}

#[test]
fn lead_time_is_a_summary_per_release_with_its_unit() {
    let text = render(&report("rules: []\n"));
    assert_eq!(
        lines_of(&text, "slipgate_lead_time_seconds"),
        [
            "# TYPE slipgate_lead_time_seconds summary",
            "# UNIT slipgate_lead_time_seconds seconds",
            "# HELP slipgate_lead_time_seconds Lead time for changes of each release shown: release time minus author time.",
            "slipgate_lead_time_seconds{repo=\"octo/app\",release=\"v1.1.0\",quantile=\"0.5\"} 432000",
            "slipgate_lead_time_seconds{repo=\"octo/app\",release=\"v1.1.0\",quantile=\"0.9\"} 604800",
            "slipgate_lead_time_seconds{repo=\"octo/app\",release=\"v1.1.0\",quantile=\"1\"} 604800",
            "slipgate_lead_time_seconds_sum{repo=\"octo/app\",release=\"v1.1.0\"} 1123200",
            "slipgate_lead_time_seconds_count{repo=\"octo/app\",release=\"v1.1.0\"} 3",
            "slipgate_lead_time_seconds{repo=\"octo/app\",release=\"v1.0.1\",quantile=\"0.5\"} 86400",
            "slipgate_lead_time_seconds{repo=\"octo/app\",release=\"v1.0.1\",quantile=\"0.9\"} 86400",
            "slipgate_lead_time_seconds{repo=\"octo/app\",release=\"v1.0.1\",quantile=\"1\"} 86400",
            "slipgate_lead_time_seconds_sum{repo=\"octo/app\",release=\"v1.0.1\"} 86400",
            "slipgate_lead_time_seconds_count{repo=\"octo/app\",release=\"v1.0.1\"} 1",
            "slipgate_lead_time_seconds{repo=\"octo/app\",release=\"v1.0.0\",quantile=\"0.5\"} 86400",
            "slipgate_lead_time_seconds{repo=\"octo/app\",release=\"v1.0.0\",quantile=\"0.9\"} 172800",
            "slipgate_lead_time_seconds{repo=\"octo/app\",release=\"v1.0.0\",quantile=\"1\"} 172800",
            "slipgate_lead_time_seconds_sum{repo=\"octo/app\",release=\"v1.0.0\"} 259200",
            "slipgate_lead_time_seconds_count{repo=\"octo/app\",release=\"v1.0.0\"} 2",
        ]
    );
    assert_eq!(
        lines_of(&text, "slipgate_release_changes")[2..],
        [
            "slipgate_release_changes{repo=\"octo/app\",release=\"v1.1.0\"} 3",
            "slipgate_release_changes{repo=\"octo/app\",release=\"v1.0.1\"} 1",
            "slipgate_release_changes{repo=\"octo/app\",release=\"v1.0.0\"} 2",
        ]
    );
    assert!(text.ends_with("\n# EOF\n") || text == "# EOF\n");
    assert_eq!(text.matches("# EOF").count(), 1);
}

#[test]
fn window_figures_and_missing_values() {
    let text = render(&report("rules: []\n"));
    // 3 releases in 90d = 3 / (90 / 7) per week; 1 of 3 failed (v1.0.0, hotfixed).
    assert_eq!(
        lines_of(&text, "slipgate_release_frequency_per_week")[2..],
        ["slipgate_release_frequency_per_week{repo=\"octo/app\"} 0.23333333333333334"]
    );
    assert_eq!(
        lines_of(&text, "slipgate_change_failure_rate")[2..],
        ["slipgate_change_failure_rate{repo=\"octo/app\"} 0.3333333333333333"]
    );
    assert_eq!(
        lines_of(&text, "slipgate_evaluated_timestamp_seconds")[1],
        "# UNIT slipgate_evaluated_timestamp_seconds seconds"
    );
    assert!(text.contains(&format!(
        "slipgate_evaluated_timestamp_seconds{{repo=\"octo/app\"}} {}\n",
        50 * D
    )));
    // Offline: no defect rate, bug-fix time, open bugs or tests: no sample, no family, no NaN.
    for absent in [
        "slipgate_defect_rate",
        "slipgate_window_defect_rate",
        "slipgate_bug_fix_time_seconds",
        "slipgate_time_to_restore_seconds",
        "slipgate_open_bugs",
        "slipgate_tests",
        "slipgate_test_pass_rate",
    ] {
        assert!(lines_of(&text, absent).is_empty(), "{absent}");
    }
    assert!(!text.contains("NaN"));
}

#[test]
fn open_bugs_tests_and_verdicts() {
    let mut r =
        report("rules:\n  - {name: slow, metric: lead_time.p90, scope: latest_release, max: 5d}\n");
    r.open_bugs = Some(OpenBugs {
        total: 3,
        by_severity: [("critical".to_string(), 1), ("none".to_string(), 2)]
            .into_iter()
            .collect(),
        overdue: 0,
        oldest_age: None,
        oldest: vec![],
        overdue_bugs: vec![],
        oldest_by_severity: Default::default(),
    });
    r.tests = Some(TestMetrics {
        total: 4,
        passed: 2,
        failed: 1,
        errored: 0,
        skipped: 1,
        runs: Runs::default(),
        pass_rate: Some(2.0 / 3.0),
        duration: 1.5,
        flaky: vec![],
        failing: vec![],
        slowest: vec![],
        files: 1,
    });
    let text = render(&r);
    assert_eq!(
        lines_of(&text, "slipgate_open_bugs")[2..],
        [
            "slipgate_open_bugs{repo=\"octo/app\",severity=\"critical\"} 1",
            "slipgate_open_bugs{repo=\"octo/app\",severity=\"none\"} 2",
        ]
    );
    assert_eq!(
        lines_of(&text, "slipgate_tests")[2..],
        [
            "slipgate_tests{repo=\"octo/app\",outcome=\"passed\"} 2",
            "slipgate_tests{repo=\"octo/app\",outcome=\"failed\"} 1",
            "slipgate_tests{repo=\"octo/app\",outcome=\"errored\"} 0",
            "slipgate_tests{repo=\"octo/app\",outcome=\"skipped\"} 1",
        ]
    );
    assert_eq!(
        lines_of(&text, "slipgate_test_pass_rate")[2..],
        ["slipgate_test_pass_rate{repo=\"octo/app\"} 0.6666666666666666"]
    );
    // The latest release v1.1.0 has p90 7d > 5d: fail.
    assert_eq!(
        lines_of(&text, "slipgate_gate_verdict"),
        [
            "# TYPE slipgate_gate_verdict gauge",
            "# HELP slipgate_gate_verdict The gate's verdict on each rule: 1 for the rule's status, 0 for the others.",
            "slipgate_gate_verdict{repo=\"octo/app\",rule=\"slow\",status=\"pass\"} 0",
            "slipgate_gate_verdict{repo=\"octo/app\",rule=\"slow\",status=\"warn\"} 0",
            "slipgate_gate_verdict{repo=\"octo/app\",rule=\"slow\",status=\"fail\"} 1",
            "slipgate_gate_verdict{repo=\"octo/app\",rule=\"slow\",status=\"waived\"} 0",
            "slipgate_gate_verdict{repo=\"octo/app\",rule=\"slow\",status=\"exempt\"} 0",
            "slipgate_gate_verdict{repo=\"octo/app\",rule=\"slow\",status=\"not_enough_data\"} 0",
        ]
    );
}

#[test]
fn hostile_label_values_are_escaped_and_pass_the_console_guard_unchanged() {
    assert_eq!(label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
    assert_eq!(
        label_value("x\r::error::y\u{7}"),
        "x\u{FFFD}::error::y\u{FFFD}"
    );
    assert_eq!(label_value("##[group]z"), "##<U+005B>group]z");
    let mut r = report("rules: []\n");
    r.sources.github = Some("o/\"evil\"\n::error::x ##[group]".into());
    r.releases[0].tag = "v1\\\n::warning::t".into();
    let text = render(&r);
    assert!(text.contains(
        "slipgate_release_changes{repo=\"o/\\\"evil\\\"\\n::error::x ##<U+005B>group]\",release=\"v1\\\\\\n::warning::t\"} 3\n"
    ));
    assert_eq!(crate::console::guarded(&text), text);
    assert!(
        text.lines()
            .all(|l| l.starts_with("slipgate_") || l.starts_with("# "))
    );
}

#[test]
fn numbers_are_plain() {
    assert_eq!(number(3.0), "3");
    assert_eq!(number(0.25), "0.25");
    assert_eq!(number(1e20), "100000000000000000000");
}
