//! `slipgate init`, the pure part: fits a policy and three workflows to what was read
//! of a repository ([`RepoFacts`]) and words what it chose and why. Reading the
//! repository is `collect`'s (`collect::git::read_facts`, `collect::labels`), writing
//! the files `publish::init`'s.

#![warn(unreachable_pub)]

pub mod labels;
pub mod runner;
pub mod tags;

use crate::model::RepoFacts;
use crate::policy::DEFAULT_FIX_PATTERN;
use crate::policy::tagname::yaml_quoted;
use regex::Regex;
use runner::Runner;

/// The files `init` writes, relative to the work tree, in this order.
pub const PATHS: [&str; 4] = [
    ".github/slipgate.yml",
    ".github/workflows/slipgate-pr.yml",
    ".github/workflows/slipgate-release.yml",
    ".github/workflows/slipgate-trend.yml",
];

/// The `uses:` of slipgate's action in the workflows: this version's release.
pub const ACTION: &str = concat!("slipgate/slipgate@v", env!("CARGO_PKG_VERSION"));

/// `actions/checkout`, pinned by commit (a tag can be moved).
pub const CHECKOUT: &str = "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1";

/// The share of Conventional Commits subjects from which `fix:` subjects are trusted.
const CONVENTIONAL_SHARE: f64 = 0.5;
/// Fewer subjects than this say nothing about the style.
const MIN_SUBJECTS: usize = 20;

/// The fix pattern of a history not written in Conventional Commits: a subject that
/// says it fixes something.
pub const LOOSE_FIX_PATTERN: &str = r"(?i)\b(fix(e[sd]|ing)?|bug ?fix|hotfix)\b";

/// The exit code of a refusal (files exist, no work tree): a usage error.
pub const EXIT_REFUSED: i32 = 2;

/// One file to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub path: &'static str,
    pub text: String,
}

/// What `init` proposes: the files, the choices worded (one line each), the next steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub files: Vec<File>,
    pub choices: Vec<String>,
    pub next: Vec<String>,
    /// Where to write them: the repository's work tree (none when it is bare).
    pub work_tree: Option<std::path::PathBuf>,
}

/// Whether the history follows Conventional Commits: the share of `subjects` that do.
pub fn conventional_share(subjects: &[String]) -> Option<f64> {
    let re = Regex::new(
        r"^(feat|fix|docs|style|refactor|perf|test|tests|build|ci|chore|revert)(\([^)]*\))?!?: ",
    )
    .ok()?;
    if subjects.len() < MIN_SUBJECTS {
        return None;
    }
    let n = subjects.iter().filter(|s| re.is_match(s)).count();
    Some(n as f64 / subjects.len() as f64)
}

/// The policy and workflows for `facts`; `action` is the `uses:` of slipgate's action.
pub fn plan(facts: &RepoFacts, action: &str) -> Plan {
    let mut choices = Vec::new();
    let mut next = Vec::new();
    let tags = tags::choose(&facts.tags, &facts.entries);
    match &tags.dominant {
        None => choices.push(format!(
            "tag pattern: the default `{}`: none of the {} tags ends in a version",
            tags.pattern,
            facts.tags.len()
        )),
        Some(d) => choices.push(format!(
            "tag pattern: `{}`: {} have the most tags ({} of {}){}",
            tags.pattern,
            family_name(&d.prefix),
            d.tags,
            facts.tags.len(),
            if tags.optional_v {
                ", written with and without `v`"
            } else {
                ""
            }
        )),
    }
    if !tags.paths.is_empty() {
        choices.push(format!(
            "releases.paths: {}: the family's package folder, in a repository with other package families",
            tags.paths.join(", ")
        ));
    }
    for o in tags.others.iter().take(8) {
        choices.push(format!(
            "  other family: {}, {} tags{}",
            family_name(&o.prefix),
            o.tags,
            match &o.folder {
                Some(f) => format!(
                    ", folder {f} (to gate it: its own tag_pattern and `releases.paths: [{f}]`)"
                ),
                None => String::new(),
            }
        ));
    }
    if tags.others.len() > 8 {
        choices.push(format!("  and {} more families", tags.others.len() - 8));
    }

    let runners = runner::detect(&facts.entries);
    let runner = runners.first().map(|(r, _)| *r);
    match runners.first() {
        Some((r, file)) => {
            choices.push(format!(
                "tests: {} (found {file}), JUnit XML at {}",
                r.name(),
                r.junit_path()
            ));
            if let Some(h) = r.hint() {
                next.push(h.to_string());
            }
        }
        None => choices.push(
            "tests: no known test runner found (Cargo.toml, go.mod, pom.xml, pyproject.toml, pytest.ini, setup.cfg, package.json): add your test step to slipgate-pr.yml and its JUnit XML to `tests.paths`".into(),
        ),
    }
    for (r, file) in runners.iter().skip(1) {
        choices.push(format!("  also found {file} ({}): not wired", r.name()));
    }

    let share = conventional_share(&facts.subjects);
    let fix_pattern = match share {
        Some(s) if s >= CONVENTIONAL_SHARE => {
            choices.push(format!(
                "fix pattern: `{DEFAULT_FIX_PATTERN}`: {:.0}% of the last {} commit subjects follow Conventional Commits",
                s * 100.0,
                facts.subjects.len()
            ));
            DEFAULT_FIX_PATTERN
        }
        Some(s) => {
            choices.push(format!(
                "fix pattern: `{LOOSE_FIX_PATTERN}`: only {:.0}% of the last {} commit subjects follow Conventional Commits, so any subject saying it fixes something counts",
                s * 100.0,
                facts.subjects.len()
            ));
            LOOSE_FIX_PATTERN
        }
        None => {
            choices.push(format!(
                "fix pattern: the default `{DEFAULT_FIX_PATTERN}`: {} commits are too few to tell the style",
                facts.subjects.len()
            ));
            DEFAULT_FIX_PATTERN
        }
    };

    let proposed = facts.labels.as_deref().map(labels::choose);
    let issues = issues_yaml(proposed.as_ref(), facts, &mut choices);
    if proposed.is_none() {
        next.push("run `slipgate init --force` again with a token (GITHUB_TOKEN or --token) to fit the labels to the ones your issues use".into());
    }

    let branch = facts
        .default_branch
        .as_deref()
        .filter(|b| safe_name(b))
        .unwrap_or("main");
    let tag_filter = match &tags.dominant {
        Some(d) if tags.optional_v => "['v*', '[0-9]*']".to_string(),
        Some(d) if d.prefix.is_empty() => "['[0-9]*']".to_string(),
        Some(d) if safe_name(&d.prefix) => format!("[{}]", yaml_quoted(&format!("{}*", d.prefix))),
        _ => "['*']".to_string(),
    };

    let policy = policy_yaml(&tags, fix_pattern, &issues, runner);
    let files = vec![
        File {
            path: PATHS[0],
            text: policy,
        },
        File {
            path: PATHS[1],
            text: pr_workflow(action, branch, runner),
        },
        File {
            path: PATHS[2],
            text: release_workflow(action, &tag_filter),
        },
        File {
            path: PATHS[3],
            text: trend_workflow(action),
        },
    ];
    next.insert(0, format!("commit {} and push", PATHS.join(", ")));
    next.push("the workflows use the job's GITHUB_TOKEN: if the repository's default token permissions are read-only, the permissions blocks in the jobs already ask for what they need (issues and pull-requests: write); an organization policy may have to allow that".into());
    next.push(
        "check the policy with `slipgate policy check`, and see the numbers with `slipgate report`"
            .into(),
    );
    Plan {
        files,
        choices,
        next,
        work_tree: facts.work_tree.clone(),
    }
}

/// A family as the report names it: "tags `tokio-*`", "plain versions (`1.2.3`)".
fn family_name(prefix: &str) -> String {
    if prefix.is_empty() {
        "plain versions (`1.2.3`)".into()
    } else {
        format!("tags `{prefix}*`")
    }
}

/// A branch or prefix made only of characters that mean nothing to YAML, GitHub's
/// filters or expressions.
fn safe_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
}

/// The message of a refusal to overwrite `existing`.
pub fn refusal(existing: &[&str]) -> String {
    format!(
        "slipgate init would overwrite {}; pass --force to replace {}, or --dry-run to see what it would write",
        existing.join(", "),
        if existing.len() == 1 { "it" } else { "them" }
    )
}

/// A YAML flow list of quoted strings: `['C-bug', 'bug']`.
fn list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| yaml_quoted(s)).collect();
    format!("[{}]", quoted.join(", "))
}

/// The `issues:` section, and what was chosen for it.
fn issues_yaml(
    proposed: Option<&labels::LabelChoice>,
    facts: &RepoFacts,
    choices: &mut Vec<String>,
) -> String {
    let defaults = labels::LabelChoice {
        bug: vec!["bug".into()],
        incident: vec!["incident".into()],
        regression: vec!["regression".into()],
        critical: ["critical", "severity: critical", "sev1", "P0"]
            .map(String::from)
            .to_vec(),
        high: ["high", "severity: high", "sev2", "P1"]
            .map(String::from)
            .to_vec(),
    };
    let mut c = defaults.clone();
    match proposed {
        None => choices.push(format!(
            "labels: the defaults (bug, incident, regression; severities critical and high): the labels were not read ({})",
            facts.labels_skipped.as_deref().unwrap_or("no GitHub access")
        )),
        Some(p) => {
            let used = facts.labels.as_ref().map_or(0, Vec::len);
            let mut pick = |name: &str, got: &Vec<String>, into: &mut Vec<String>| {
                if got.is_empty() {
                    choices.push(format!("labels: {name}: the default {} (none of the {used} labels in use looks like one)", into.join(", ")));
                } else {
                    *into = got.clone();
                    choices.push(format!("labels: {name}: {} (most used first)", got.join(", ")));
                }
            };
            pick("bug_labels", &p.bug, &mut c.bug);
            pick("incident_labels", &p.incident, &mut c.incident);
            pick("regression_labels", &p.regression, &mut c.regression);
            pick("severity critical", &p.critical, &mut c.critical);
            pick("severity high", &p.high, &mut c.high);
        }
    }
    format!(
        "issues:
  bug_labels: {}
  incident_labels: {}
  regression_labels: {}
  severity_labels:
    critical: {}
    high: {}
  fix_slo:
    critical: 7d
    high: 30d
",
        list(&c.bug),
        list(&c.incident),
        list(&c.regression),
        list(&c.critical),
        list(&c.high)
    )
}

/// `.github/slipgate.yml`.
fn policy_yaml(tags: &tags::TagChoice, fix: &str, issues: &str, runner: Option<Runner>) -> String {
    let mut s = String::from(
        "# slipgate's policy for this repository, written by `slipgate init`.
# `slipgate policy check` validates it; `slipgate policy schema` gives editors completion.
version: 1

window: 90d

releases:
",
    );
    s.push_str(&format!("  tag_pattern: {}\n", yaml_quoted(&tags.pattern)));
    s.push_str("  include_prereleases: false\n  hotfix_window: 7d\n");
    if !tags.paths.is_empty() {
        s.push_str(&format!("  paths: {}\n", list(&tags.paths)));
    }
    for o in tags.others.iter().filter(|o| o.folder.is_some()).take(8) {
        s.push_str(&format!(
            "  # also tagged: {}* ({} tags), folder {}\n",
            o.prefix.replace(['\n', '\r'], " "),
            o.tags,
            o.folder.as_deref().unwrap_or_default()
        ));
    }
    s.push_str(&format!(
        "\ncommits:\n  fix_pattern: {}\n\n",
        yaml_quoted(fix)
    ));
    s.push_str(issues);
    let paths = runner
        .map(|r| list(&[r.junit_path().to_string()]))
        .unwrap_or_else(|| "[]".into());
    s.push_str(&format!(
        "
tests:
  paths: {paths}
  on_malformed: error
  on_missing: warn

rules:
  - name: no-failing-tests
    description: Every test of this run passes.
    metric: tests.failed
    max: 0

  - name: lead-time-slip
    description: Lead time (p90) of the unreleased changes stays within 50% of the median of the last 5 releases.
    metric: lead_time.p90
    scope: candidate
    max_increase: 50%
    baseline: {{median_of_last: 5}}
    min_samples: 5
    level: warn

  - name: change-failure-rate
    description: At most 30% of releases need a hotfix or cause an incident.
    metric: change_failure_rate
    max: 30%
    min_samples: 4
    level: warn

  - name: bugs-within-objective
    description: No bug is open past its fix objective (critical 7d, high 30d).
    metric: open_bugs.overdue
    max: 0
    level: warn
"
    ));
    s
}

/// `.github/workflows/slipgate-pr.yml`.
fn pr_workflow(action: &str, branch: &str, runner: Option<Runner>) -> String {
    let steps = runner.map_or(
        "      # ... build and test here, writing JUnit XML to the policy's `tests.paths`\n",
        Runner::steps,
    );
    format!(
        "# Written by `slipgate init`: the quality gate on pull requests, and the default
# branch's test runs recorded in the trend issue.
name: quality gate
on:
  pull_request:
  push:
    branches: [{branch}]
permissions: {{}}
concurrency:
  group: ${{{{ github.event_name == 'push' && 'slipgate-trend' || format('slipgate-{{0}}', github.event.pull_request.number) }}}}
  cancel-in-progress: ${{{{ github.event_name != 'push' }}}}
jobs:
  gate:
    runs-on: ubuntu-latest
    permissions:
      contents: read
      issues: write         # the trend issue (pushes)
      pull-requests: write  # the comment
    steps:
      - uses: {CHECKOUT}
        with:
          fetch-depth: 0
          persist-credentials: false
{steps}      - uses: {action}
        if: always()          # a red test step must still reach the gate
        with:
          trend-issue: ${{{{ github.event_name == 'push' && 'Quality trend' || '' }}}}
"
    )
}

/// `.github/workflows/slipgate-release.yml`.
fn release_workflow(action: &str, tags: &str) -> String {
    format!(
        "# Written by `slipgate init`: release readiness on a release tag, or by hand.
name: release readiness
on:
  push:
    tags: {tags}
  workflow_dispatch:
permissions: {{}}
jobs:
  ready:
    runs-on: ubuntu-latest
    permissions:
      contents: read
      issues: read
    steps:
      - uses: {CHECKOUT}
        with:
          fetch-depth: 0
          persist-credentials: false
      - uses: {action}
        with:
          command: release-check
          tag: ${{{{ github.ref_type == 'tag' && github.ref_name || '' }}}}
"
    )
}

/// `.github/workflows/slipgate-trend.yml`.
fn trend_workflow(action: &str) -> String {
    format!(
        "# Written by `slipgate init`: the weekly quality trend issue.
name: quality trend
on:
  schedule:
    - cron: '0 6 * * 1'     # Mondays 06:00 UTC
  workflow_dispatch:
permissions: {{}}
concurrency:
  group: slipgate-trend     # one update of the issue at a time
  cancel-in-progress: false
jobs:
  trend:
    runs-on: ubuntu-latest
    permissions:
      contents: read
      issues: write         # the trend issue
      pull-requests: read
    steps:
      - uses: {CHECKOUT}
        with:
          fetch-depth: 0
          persist-credentials: false
      - uses: {action}
        with:
          trend-issue: Quality trend
          fail-on: never       # a failed rule is news in the issue, not a red build
"
    )
}
