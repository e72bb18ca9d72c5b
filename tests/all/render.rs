//! Snapshot of the rendered gate comment (markdown), reviewed by eye. Offline, on
//! `cli::sample()` at day 40, with one rule of each verdict. Shas and the temporary
//! folder are redacted.

use crate::cli::{now, sample, slipgate};

#[test]
fn gate_comment_markdown() {
    let r = sample();
    std::fs::write(
        r.path().join("slipgate.yml"),
        r#"freeze: {exempt_fixes: false}
rules:
  - name: lead-time
    description: Changes reach a release within 3 days (p90).
    metric: lead_time.p90
    max: 3d
  - name: lead-time-slip
    metric: lead_time.max
    max_increase: 50%
    baseline: {median_of_last: 3}
    level: warn
  - name: reverts
    metric: reverts
    scope: latest_release
    max: 1
  - name: enough-changes
    metric: lead_time.p50
    max: 1d
    min_samples: 10
  - name: waived
    metric: fix_ratio
    max: 10%
    waive_label: quality-waiver
  - name: open-bugs
    metric: open_bugs.total
    max: 0
  - name: release-only
    metric: changes
    max: 0
    on: [release]
"#,
    )
    .expect("policy");
    let out = slipgate(r.path())
        .args([
            "check",
            "--offline",
            "--format",
            "markdown",
            "--now",
            &now(),
            "--trigger",
            "pull_request",
            "--label",
            "quality-waiver",
            "--title",
            "feat: things @team",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    insta::with_settings!({filters => vec![
        (r"`[0-9a-f]{7}`", "`[sha]`"),
    ]}, {
        insta::assert_snapshot!(text);
    });
}
