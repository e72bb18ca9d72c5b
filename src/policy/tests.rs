use super::*;
use crate::policy::metric::{Agg, OpenAgg};

fn err(text: &str) -> String {
    match parse(text, "p.yml") {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn built_in_default_is_valid() {
    let (p, rules) = parse(DEFAULT_POLICY, "default.yml").expect("default policy");
    assert_eq!(p.window, Dur::days(90));
    assert_eq!(rules.len(), 4);
    assert_eq!(rules[1].metric, Metric::LeadTime(Agg::P90));
    assert_eq!(rules[1].baseline, Some(Baseline::MedianOfLast(5)));
    assert_eq!(rules[1].max_increase, Some(0.5));
    assert_eq!(rules[2].max.as_ref().map(|m| m.1), Some(0.3));
    assert_eq!(
        p.issues.severity_labels.keys().collect::<Vec<_>>(),
        ["critical", "high"]
    );
}

#[test]
fn shipped_policies_are_valid() {
    for (name, text) in [
        ("strict", include_str!("../../policies/strict.yml")),
        ("monorepo", include_str!("../../policies/monorepo.yml")),
    ] {
        parse(text, name).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn empty_file_is_the_default_policy() {
    let (p, rules) = parse("# nothing\n", "p.yml").expect("empty");
    assert!(rules.is_empty());
    assert_eq!(p.releases.tag_pattern.as_str(), DEFAULT_TAG_PATTERN);
    assert_eq!(p.releases.hotfix_window, Dur::days(7));
}

#[test]
fn misspelt_key_names_line_column_and_nearest_key() {
    let e = err("version: 1\nreleases:\n  tag_patern: '^v(?P<version>.*)$'\n");
    assert!(e.starts_with("p.yml:3:3: "), "{e}");
    assert!(e.contains("did you mean `tag_pattern`"), "{e}");
}

#[test]
fn bad_regex_and_missing_version_group() {
    let e = err("releases:\n  tag_pattern: '^v(['\n");
    assert!(e.starts_with("p.yml:2:"), "{e}");
    assert!(e.contains("not a valid regular expression"), "{e}");
    let e = err("releases:\n  tag_pattern: '^v(\\d+)$'\n");
    assert!(e.starts_with("p.yml:2:3: "), "{e}");
    assert!(e.contains("no named group `version`"), "{e}");
}

#[test]
fn bad_duration_and_wrong_type() {
    let e = err("window: 90 days\n");
    assert!(e.starts_with("p.yml:1:"), "{e}");
    assert!(e.contains("not a duration"), "{e}");
    let e = err("releases:\n  include_prereleases: sometimes\n");
    assert!(e.starts_with("p.yml:2:"), "{e}");
}

#[test]
fn unknown_metric_lists_valid_names() {
    let e = err("rules:\n  - metric: lead_time.p99\n    max: 3d\n");
    assert!(e.starts_with("p.yml:2:5: "), "{e}");
    assert!(e.contains("unknown metric `lead_time.p99`"), "{e}");
    assert!(e.contains("did you mean `lead_time.p90`"), "{e}");
    assert!(e.contains("tests.pass_rate"), "{e}");
}

#[test]
fn thresholds_follow_the_metric_unit() {
    let (_, r) = parse(
        "rules:\n  - {metric: lead_time.p90, max: 14d}\n  - {metric: tests.pass_rate, min: 99.5%}\n  - {metric: reverts, max: 5}\n",
        "p.yml",
    )
    .expect("valid");
    assert_eq!(r[0].max.as_ref().map(|m| m.1), Some(14.0 * 86_400.0));
    assert!((r[1].min.as_ref().map(|m| m.1).unwrap_or(0.0) - 0.995).abs() < 1e-12);
    assert_eq!(r[2].max.as_ref().map(|m| m.1), Some(5.0));
    assert_eq!(r[0].name, "lead_time.p90 (candidate)");
    assert_eq!(r[1].level, Level::Fail);
    assert_eq!(r[1].on.len(), 4);
    assert!(err("rules:\n  - {metric: lead_time.p90, max: 5}\n").contains("is a duration"));
    assert!(err("rules:\n  - {metric: tests.pass_rate, min: 0.99}\n").contains("percentage"));
    assert!(err("rules:\n  - {metric: reverts, max: 3d}\n").contains("is a count"));
}

#[test]
fn slip_rules_need_percentages_and_sensible_baselines() {
    let (_, r) = parse(
        "rules:\n  - metric: bug_fix_time.p50\n    scope: window\n    max_increase: 20%\n    baseline: {trailing: 90d}\n    confidence: 0.95\n",
        "p.yml",
    )
    .expect("valid");
    assert_eq!(r[0].baseline, Some(Baseline::Trailing(Dur::days(90))));
    assert_eq!(r[0].confidence, Some(0.95));
    let (_, r) = parse(
        "rules:\n  - {metric: lead_time.p50, max_increase: 10%}\n",
        "p.yml",
    )
    .expect("valid");
    assert_eq!(r[0].baseline, Some(Baseline::PreviousRelease));
    assert!(err("rules:\n  - {metric: lead_time.p50, max_increase: 10}\n").contains("percentage"));
    assert!(
        err("rules:\n  - {metric: lead_time.p50, max: 1d, baseline: previous_release}\n")
            .contains("only with")
    );
    assert!(
        err("rules:\n  - {metric: change_failure_rate, max_increase: 10%}\n").contains("trailing")
    );
    assert!(
        err("rules:\n  - {metric: reverts, max_increase: 10%, confidence: 0.9}\n")
            .contains("distribution metric")
    );
    assert!(
        err("rules:\n  - {metric: tests.flaky, max_increase: 10%}\n").contains("measured only now")
    );
    assert!(err("rules:\n  - {metric: lead_time.p50, max_increase: 10%, baseline: {median_of_lats: 3}}\n").contains("did you mean `median_of_last`"));
}

#[test]
fn scopes_severities_and_objectives_are_checked() {
    assert!(
        err("rules:\n  - {metric: change_failure_rate, scope: candidate, max: 10%}\n")
            .contains("use window")
    );
    assert!(err("rules:\n  - {metric: open_bugs.blocker, max: 0}\n").contains("does not define"));
    assert!(err("rules:\n  - {metric: open_bugs.overdue, max: 0}\n").contains("issues.fix_slo"));
    assert!(err("issues:\n  fix_slo: {urgent: 1d}\n").contains("severity `urgent`"));
    let (_, r) = parse(
        "issues:\n  severity_labels: {blocker: [P0]}\nrules:\n  - {metric: open_bugs.blocker, max: 0}\n  - {metric: open_bugs.none, max: 10}\n",
        "p.yml",
    )
    .expect("valid");
    assert_eq!(
        r[0].metric,
        Metric::OpenBugs(OpenAgg::Severity("blocker".into()))
    );
    assert!(err("rules:\n  - {metric: reverts}\n").contains("no threshold"));
    assert!(err("rules:\n  - {metric: reverts, max: 1, on: []}\n").contains("never run"));
    assert!(err("rules:\n  - {name: a, metric: reverts, max: 1}\n  - {name: a, metric: reverts, max: 2}\n").contains("unique"));
}

#[test]
fn effective_policy_round_trips_with_defaults_filled() {
    let (p, _) = parse("rules:\n  - {metric: reverts, max: 3}\n", "p.yml").expect("valid");
    let yaml = to_yaml(&p);
    assert!(yaml.contains("scope: candidate"), "{yaml}");
    assert!(yaml.contains("level: fail"), "{yaml}");
    assert!(yaml.contains("hotfix_window: 7d"), "{yaml}");
    let (again, rules) = parse(&yaml, "effective.yml").expect("round trip");
    assert_eq!(rules[0].name, "reverts (candidate)");
    assert_eq!(again.window, p.window);
}

#[test]
fn nearest_key_suggestions() {
    assert_eq!(
        nearest("tag_patern", &["tag_pattern", "hotfix_window"]),
        Some("tag_pattern")
    );
    assert_eq!(nearest("zzz", &["tag_pattern"]), None);
}

#[test]
fn nonsense_thresholds_names_and_severities_are_refused() {
    assert!(err("rules:\n  - {metric: reverts, max: -5}\n").contains("negative"));
    assert!(err("rules:\n  - {metric: fix_ratio, max: 150%}\n").contains("at most 100%"));
    assert!(
        err("rules:\n  - {metric: lead_time.p50, max_decrease: 150%}\n").contains("above 100%")
    );
    assert!(err("rules:\n  - {name: '', metric: reverts, max: 1}\n").contains("empty"));
    assert!(err("rules:\n  - {name: 'a,b', metric: reverts, max: 1}\n").contains("comma"));
    assert!(err("issues:\n  severity_labels: {total: [x]}\n").contains("reserved"));
    let (p, _) = parse("rules:\n  - {metric: tests.failed, max: 0}\n", "p.yml").expect("valid");
    assert!(!to_yaml(&p).contains("scope:"), "{}", to_yaml(&p));
}

#[test]
fn parser_messages_are_said_in_the_users_terms() {
    assert!(err("window: ~\n").contains("has no value"));
    assert!(err("window: 90d\nwindow: 30d\n").contains("`window` appears twice"));
    assert!(err("releases:\n  include_prereleases: maybe\n").contains("`true` or `false`"));
    assert!(err("issues:\n  bug_labels: bug\n").contains("expected a list"));
    assert!(err("version: two\n").starts_with("p.yml:1:10: expected a whole number"));
}

#[test]
fn confidence_goes_with_max_increase_alone() {
    assert!(err("rules:\n  - {metric: lead_time.p50, max_increase: 10%, max_decrease: 10%, confidence: 0.9}\n").contains("rule of its own"));
    let (_, r) = parse(
        "issues:\n  fix_slo: {none: 30d}\nrules:\n  - {metric: tests.failed, max: 0}\n",
        "p.yml",
    )
    .expect("valid");
    assert_eq!(r[0].name, "tests.failed");
}

#[test]
fn rule_errors_point_at_the_offending_key_of_that_rule() {
    // Both rules hold `metric: lead_time.p90`; the second's `max` is wrong (a number for a
    // duration), so the error is at that `max`, line 5 column 5, not at line 2.
    let e = err(
        "rules:\n  - metric: lead_time.p90\n    max: 3d\n  - metric: lead_time.p90\n    max: 5\n",
    );
    assert!(
        e.starts_with("p.yml:5:5: `lead_time.p90` is a duration"),
        "{e}"
    );
    assert!(e.ends_with("     5 |     max: 5"), "{e}");
    // Flow style: `  - {metric: change_failure_rate, max: 150%}` has `max` at column 35.
    let e = err(
        "rules:\n  - {metric: change_failure_rate, max: 10%}\n  - {metric: change_failure_rate, max: 150%}\n",
    );
    assert!(
        e.starts_with("p.yml:3:35: `max: 150%` is above 100%"),
        "{e}"
    );
    // A rule-wide problem (no threshold) points at the start of that rule.
    let e = err("rules:\n  - metric: reverts\n    max: 1\n  - metric: reverts\n");
    assert!(
        e.starts_with("p.yml:4:5: the rule on `reverts` has no threshold"),
        "{e}"
    );
    // A wrong scope points at `scope`, a misplaced window at `window`.
    let e = err(
        "rules:\n  - {metric: reverts, max: 1}\n  - {metric: change_failure_rate, max: 10%, scope: candidate}\n",
    );
    assert!(e.starts_with("p.yml:3:45: "), "{e}");
    let e = err(
        "rules:\n  - {metric: reverts, max: 1}\n  - {metric: bugs_found, max: 1, scope: candidate}\n",
    );
    assert!(e.starts_with("p.yml:3:34: "), "{e}");
    let e =
        err("rules:\n  - {metric: reverts, max: 1}\n  - {metric: reverts, max: 1, window: 30d}\n");
    assert!(
        e.starts_with("p.yml:3:31: `window` applies to `scope: window` only"),
        "{e}"
    );
}

#[test]
fn duplicate_rule_names_point_at_the_second() {
    let e = err(
        "rules:\n  - name: lead\n    metric: lead_time.p90\n    max: 3d\n  - name: lead\n    metric: lead_time.p50\n    max: 2d\n",
    );
    assert!(
        e.starts_with(
            "p.yml:5:5: two rules are named `lead` (the first on line 2); rule names must be unique"
        ),
        "{e}"
    );
    // Derived names collide at the second rule's `metric` (column 6, after `{`).
    let e = err("rules:\n  - {metric: reverts, max: 1}\n  - {metric: reverts, max: 2}\n");
    assert!(
        e.starts_with("p.yml:3:6: two rules are named `reverts (candidate)` (the first on line 2)"),
        "{e}"
    );
}

#[test]
fn top_level_errors_point_at_their_own_key() {
    // `hotfix_window` on line 2 also holds the text `window`; the error is at line 3.
    let e = err("releases:\n  hotfix_window: 7d\nwindow: 0s\n");
    assert!(
        e.starts_with("p.yml:3:1: `window` must be longer than 0"),
        "{e}"
    );
    // `tag_pattern` under `releases`, not the same text in a comment above it.
    let e = err("# tag_pattern: see below\nreleases:\n  tag_pattern: '^v(\\d+)$'\n");
    assert!(e.starts_with("p.yml:3:3: "), "{e}");
    let e = err("issues:\n  severity_labels: {high: [p1]}\n  fix_slo: {high: 1d, urgent: 2d}\n");
    assert!(
        e.starts_with("p.yml:3:23: `issues.fix_slo` names severity `urgent`"),
        "{e}"
    );
}

#[test]
fn confidence_with_a_fixed_limit_names_the_right_fix() {
    let e = err("rules:\n  - {metric: lead_time.p50, max: 3d, confidence: 0.9}\n");
    assert!(e.starts_with("p.yml:2:38: "), "{e}");
    assert!(
        e.contains("this rule has `max`, a fixed limit with no baseline to test; remove `confidence`, or gate on a rise with `max_increase`"),
        "{e}"
    );
    assert!(!e.contains("max_decrease"), "{e}");
}

#[test]
fn unknown_values_get_a_did_you_mean() {
    let e = err("rules:\n  - {metric: reverts, max: 1, on: [pull_requests]}\n");
    assert!(
        e.starts_with("p.yml:2:36: unknown value `pull_requests`; did you mean `pull_request`? (valid here: pull_request, push, release, schedule)"),
        "{e}"
    );
    let e = err("rules:\n  - {metric: reverts, max: 1, level: fial}\n");
    assert!(
        e.contains("unknown value `fial`; did you mean `fail`?"),
        "{e}"
    );
}

#[test]
fn values_quoted_in_errors_cannot_start_a_line() {
    // A metric holding a line break and a workflow command stays on the error's line.
    let e = err("rules:\n  - {metric: \"x\\n::warning::pwned\", max: 1}\n");
    assert!(
        e.starts_with("p.yml:2:6: unknown metric `x<U+000A>::warning::pwned`"),
        "{e}"
    );
    assert_eq!(e.lines().count(), 2, "{e}");
    let e = err("window: \"1d\\r\\n::error::x\"\n");
    assert!(!e.contains("\n::"), "{e}");
    assert_eq!(e.lines().count(), 2, "{e}");
}

#[test]
fn merged_and_aliased_rules_point_at_where_they_are_used() {
    let e = err("rules:\n  - &r {metric: reverts, max: 1}\n  - <<: *r\n    max: -1\n");
    assert!(e.starts_with("p.yml:4:5: `max: -1` is negative"), "{e}");
    let e = err("rules:\n  - &r {metric: reverts, max: 1}\n  - *r\n");
    assert!(
        e.starts_with("p.yml:3:5: two rules are named `reverts (candidate)` (the first on line 2)"),
        "{e}"
    );
}

#[test]
fn releases_paths_are_compiled_and_bad_ones_are_located_errors() {
    let (p, _) = parse(
        "releases:\n  paths: ['tokio/', 'crates/*/src/*']\n",
        "p.yml",
    )
    .expect("paths");
    assert_eq!(p.releases.paths.0.sources(), ["tokio/", "crates/*/src/*"]);
    assert!(p.releases.paths.0.matches_file(b"tokio/src/lib.rs"));
    assert!(!p.releases.paths.0.matches_file(b"tokio-util/src/lib.rs"));
    // The effective policy prints them back; without paths the key is left out.
    assert!(to_yaml(&p).contains("tokio/"), "{}", to_yaml(&p));
    let (d, _) = parse("# nothing\n", "p.yml").expect("empty");
    assert!(d.releases.paths.is_empty());
    // Only `tests.paths` remains.
    assert_eq!(to_yaml(&d).matches("paths:").count(), 1, "{}", to_yaml(&d));
    let e = err("version: 1\nreleases:\n  paths: ['src/[ab']\n");
    assert!(e.starts_with("p.yml:3:"), "{e}");
    assert!(
        e.contains("`releases.paths`: path `src/[ab` is not a valid glob"),
        "{e}"
    );
    let e = err("releases:\n  paths: ['/abs']\n");
    assert!(e.contains("is absolute"), "{e}");
}

#[test]
fn monorepo_policy_restricts_changes_to_its_folder() {
    let (p, _) = parse(include_str!("../../policies/monorepo.yml"), "monorepo").expect("valid");
    assert_eq!(p.releases.paths.0.sources(), ["tokio/"]);
}

#[test]
fn hidden_characters_in_names_descriptions_and_labels_are_errors_at_their_key() {
    let e = err(
        "rules:\n  - metric: reverts\n    max: 1\n  - name: \"\\u202eRULE5\\u2066\"\n    metric: reverts\n    max: 2\n",
    );
    assert!(
        e.starts_with(
            "p.yml:4:5: rule name `<U+202E>RULE5<U+2066>` holds the hidden character <U+202E>;"
        ),
        "{e}"
    );
    assert!(!e.contains('\u{202E}'), "{e}");
    let e = err("rules:\n  - metric: reverts\n    max: 1\n    description: \"ok\\u200bthen\"\n");
    assert!(
        e.starts_with(
            "p.yml:4:5: rule description `ok<U+200B>then` holds the hidden character <U+200B>;"
        ),
        "{e}"
    );
    let e = err("rules:\n  - metric: reverts\n    max: 1\n    waive_label: \"skip\\nme\"\n");
    assert!(e.starts_with("p.yml:4:5: `waive_label` `skip<U+000A>me` holds the hidden character <U+000A>; GitHub labels are one line of visible characters"), "{e}");
    let e = err("issues:\n  bug_labels: [bug, \"de\\u2067fect\"]\n");
    assert!(e.starts_with("p.yml:2:21: `issues.bug_labels` label `de<U+2067>fect` holds the hidden character <U+2067>"), "{e}");
    let e = err("issues:\n  severity_labels:\n    \"hi\\u202dgh\": [p1]\n");
    assert!(
        e.starts_with(
            "p.yml:3:5: severity name `hi<U+202D>gh` holds the hidden character <U+202D>"
        ),
        "{e}"
    );
    let e = err("issues:\n  severity_labels:\n    high:\n      - p1\n      - \"p\\u00ad2\"\n");
    assert!(
        e.starts_with("p.yml:5:9: `issues.severity_labels` label `p<U+00AD>2` holds"),
        "{e}"
    );
}

#[test]
fn first_response_keys_parse_and_within_slo_needs_an_objective() {
    let e = err("rules:\n  - {metric: time_to_first_response.within_slo, min: 90%}\n");
    assert!(
        e.contains("needs a first-response objective: set `issues.response_slo`"),
        "{e}"
    );
    let (p, r) = parse(
        "issues:\n  response_slo: 2d\n  response_labels: [question, Bug]\nrules:\n  - {metric: time_to_first_response.within_slo, min: 90%}\n  - {metric: time_to_first_response.p90, max: 3d}\n  - {metric: time_to_first_response.unanswered, max: 5, level: warn}\n",
        "p.yml",
    )
    .expect("valid");
    assert_eq!(p.issues.response_slo.map(|d| d.secs()), Some(2 * 86_400));
    assert_eq!(p.issues.response_labels, ["question", "Bug"]);
    assert_eq!(r[0].metric, Metric::FirstResponseWithinSlo);
    assert_eq!(r[0].scope, Scope::Window);
    assert_eq!(r[1].metric, Metric::FirstResponse(Agg::P90));
    assert_eq!(r[2].metric, Metric::FirstResponseUnanswered);
    let needs = Needs::of(&r, 30 * 86_400);
    assert!(needs.comments && needs.github && !needs.pulls);
    assert!(!Needs::of(&r[..0], 0).comments);
    // The effective policy shows the keys only when set, and they round-trip.
    let yaml = to_yaml(&p);
    assert!(yaml.contains("response_slo: 2d"), "{yaml}");
    let (again, _) = parse(&yaml, "effective.yml").expect("round trip");
    assert_eq!(again.issues.response_labels, p.issues.response_labels);
    assert!(!to_yaml(&Policy::default()).contains("response_"));
    // A first-response metric is a window metric.
    assert!(
        err("rules:\n  - {metric: time_to_first_response.p50, scope: candidate, max: 1d}\n")
            .contains("use window")
    );
    let e = err("issues:\n  response_labels: [\"a\\u200bb\"]\n");
    assert!(e.contains("`issues.response_labels` label"), "{e}");
    assert!(err("issues:\n  response_slo: soon\n").contains("p.yml:2:"));
}

#[test]
fn labels_are_ones_github_can_hold() {
    let e = err("issues:\n  incident_labels:\n    - \" \"\n");
    assert!(
        e.starts_with("p.yml:3:7: `issues.incident_labels` label is empty;"),
        "{e}"
    );
    let long = "x".repeat(51);
    let e = err(&format!("issues:\n  regression_labels: [{long}]\n"));
    assert!(e.starts_with(&format!("p.yml:2:23: `issues.regression_labels` label `{long}` is 51 characters long; GitHub labels have at most 50")), "{e}");
    let ok = "é".repeat(50);
    parse(&format!("issues:\n  regression_labels: [{ok}]\n"), "p.yml").expect("50 characters");
}

/// Every `properties` entry of the schema, with its path.
fn properties<'a>(
    v: &'a serde_json::Value,
    path: &str,
    out: &mut Vec<(String, &'a serde_json::Value)>,
) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, child) in m {
                if k == "properties"
                    && let Some(props) = child.as_object()
                {
                    for (name, p) in props {
                        out.push((format!("{path}.{name}"), p));
                    }
                }
                properties(child, &format!("{path}/{k}"), out);
            }
        }
        serde_json::Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                properties(child, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn the_schema_describes_every_property_and_lists_the_metrics() {
    let schema = json_schema();
    assert_eq!(schema["$id"], SCHEMA_ID);
    assert_eq!(schema["properties"]["version"]["const"], 1);
    let mut props = Vec::new();
    properties(&schema, "", &mut props);
    assert!(props.len() > 30, "{}", props.len());
    for (path, p) in &props {
        let d = p["description"].as_str().unwrap_or("");
        assert!(!d.trim().is_empty(), "{path} has no description");
    }
    // Validators read `format: regex` as ECMA 262, which rejects `(?P<version>…)`.
    let text = schema.to_string();
    assert!(!text.contains("\"format\":\"regex\""), "{text}");
    let metric = &schema["$defs"]["RuleSpec"]["properties"]["metric"]["anyOf"];
    let listed: Vec<&str> = metric[0]["enum"]
        .as_array()
        .expect("enum")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    let fixed: Vec<&str> = metric::NAMES
        .iter()
        .copied()
        .filter(|n| !n.contains('<'))
        .collect();
    assert_eq!(listed, fixed);
    let ext = regex::Regex::new(metric[2]["pattern"].as_str().expect("pattern")).expect("regex");
    assert!(ext.is_match("external.uptime.mean") && ext.is_match("external.nps-q1.p90"));
    assert!(!ext.is_match("external.uptime.p95") && !ext.is_match("external..mean"));
    assert!(listed.contains(&"lead_time.p90") && !listed.iter().any(|n| n.contains('<')));
    // Severity metrics are open: `open_bugs.` and one name without a dot.
    let sev = regex::Regex::new(metric[1]["pattern"].as_str().expect("pattern")).expect("regex");
    assert!(sev.is_match("open_bugs.critical"));
    assert!(!sev.is_match("open_bugs.a.b") && !sev.is_match("lead_time.p95"));
}

#[test]
fn max_drop_is_points_on_coverage_shares_with_a_located_error() {
    let (_, rules) = parse(
        "rules:\n  - {metric: coverage.lines, max_drop: 0.5}\n  - {metric: coverage.branches, max_drop: 2, min: 60%}\n",
        "p.yml",
    )
    .unwrap();
    assert_eq!(rules[0].max_drop, Some(0.5));
    assert_eq!(rules[0].baseline, None);
    assert_eq!(rules[1].max_drop, Some(2.0));
    // Not a share, a share without run history, a percentage, out of range, with a
    // baseline: each says what to write instead, at the key's line and column.
    let e = err("rules:\n  - metric: lead_time.p50\n    max_drop: 0.5\n");
    assert!(e.contains("p.yml:3:5"), "{e}");
    assert!(e.contains("not a share"), "{e}");
    let e = err("rules:\n  - {metric: tests.pass_rate, max_drop: 0.5}\n");
    assert!(
        e.contains("`coverage.lines` and `coverage.branches` only"),
        "{e}"
    );
    let e = err("rules:\n  - {metric: coverage.patch, max_drop: 0.5}\n");
    assert!(
        e.contains("`coverage.lines` and `coverage.branches` only"),
        "{e}"
    );
    let e = err("rules:\n  - {metric: coverage.lines, max_drop: 0.5%}\n");
    assert!(e.contains("number of percentage points"), "{e}");
    let e = err("rules:\n  - {metric: coverage.lines, max_drop: 101}\n");
    assert!(e.contains("between 0 and 100"), "{e}");
    let e = err("rules:\n  - {metric: coverage.lines, max_drop: -1}\n");
    assert!(e.contains("between 0 and 100"), "{e}");
    let e = err("rules:\n  - {metric: coverage.lines, max_drop: 1, baseline: previous_release}\n");
    assert!(e.contains("remove `baseline`"), "{e}");
}
