//! The pull request comment, the trend issue and the job summary: what they say and how
//! they are cut. Markdown is checked by parsing it (pulldown-cmark, GFM tables).

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use slipgate::report::sanitize::code_cell;

/// The cells of every table row in `md` (header row first), as (cell text, whether the
/// cell's text is all inside one code span).
fn table_cells(md: &str) -> Vec<Vec<(String, bool)>> {
    let mut rows = Vec::new();
    let mut row: Vec<(String, bool)> = Vec::new();
    let mut cell: Option<(String, usize, usize)> = None; // text, code events, other events
    for ev in Parser::new_ext(md, Options::ENABLE_TABLES) {
        match ev {
            Event::Start(Tag::TableRow) | Event::Start(Tag::TableHead) => row.clear(),
            Event::End(TagEnd::TableRow) | Event::End(TagEnd::TableHead) => {
                rows.push(std::mem::take(&mut row))
            }
            Event::Start(Tag::TableCell) => cell = Some((String::new(), 0, 0)),
            Event::End(TagEnd::TableCell) => {
                if let Some((t, code, other)) = cell.take() {
                    row.push((t, code == 1 && other == 0));
                }
            }
            Event::Code(c) => {
                if let Some((t, code, _)) = cell.as_mut() {
                    t.push_str(&c);
                    *code += 1;
                }
            }
            Event::Text(c) => {
                if let Some((t, _, other)) = cell.as_mut() {
                    t.push_str(&c);
                    *other += 1;
                }
            }
            _ => {
                if let Some((_, _, other)) = cell.as_mut() {
                    *other += 1;
                }
            }
        }
    }
    rows
}

/// Test names a stranger may give: pipes, backticks, backslashes, spaces at the ends,
/// HTML and mentions.
const HOSTILE: &[&str] = &[
    "a|b",
    "a\\|b",
    "a\\",
    "\\",
    "`",
    "``x``",
    "x`|`y",
    "|",
    "||",
    "a\\\\|b",
    " a ",
    " a",
    "a ",
    "<img src=x onerror=alert(1)> @team",
    "test::case[1|2]",
    "ends with backslash pipe \\|",
    "`\\`",
];

#[test]
fn a_code_cell_holds_any_name_as_one_code_span() {
    let mut md = String::from("| Test | Time |\n|---|--:|\n");
    for name in HOSTILE {
        md.push_str(&format!("| {} | 1s |\n", code_cell(name)));
    }
    let rows = table_cells(&md);
    assert_eq!(rows.len(), HOSTILE.len() + 1, "{md}");
    for (row, name) in rows[1..].iter().zip(HOSTILE) {
        assert_eq!(row.len(), 2, "{name:?}: {row:?}\n{md}");
        assert_eq!(row[0].0, *name, "{name:?}\n{md}");
        assert!(row[0].1, "{name:?} is not one code span: {row:?}");
        assert_eq!(row[1].0, "1s");
    }
}

/// Escapes `s` for an XML attribute.
fn xml_attr(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[test]
fn failing_and_slowest_test_tables_keep_hostile_names_whole() {
    let r = crate::cli::sample();
    let names: Vec<&str> = HOSTILE.iter().copied().filter(|n| !n.is_empty()).collect();
    let mut xml = String::from("<testsuites><testsuite name=\"s\">\n");
    for (i, n) in names.iter().enumerate() {
        // Distinct times, so the slowest list has a known order: the last is slowest.
        xml.push_str(&format!(
            "<testcase name=\"{}\" time=\"{}\"><failure message=\"boom | `x`\"/></testcase>\n",
            xml_attr(n),
            i + 1
        ));
    }
    xml.push_str("</testsuite></testsuites>\n");
    std::fs::write(r.path().join("junit.xml"), xml).expect("junit");
    let out = crate::cli::slipgate(r.path())
        .args(["report", "--offline", "--format", "markdown", "--now"])
        .arg(crate::cli::now())
        .args(["--junit", "junit.xml"])
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = String::from_utf8_lossy(&out.stdout).into_owned();
    let tables = tables(&md);
    // Failing tests: header "Failing test | Message", one row per test (at most 20).
    let failing = tables
        .iter()
        .find(|t| t[0][0].0 == "Failing test")
        .unwrap_or_else(|| panic!("no failing table:\n{md}"));
    assert_eq!(failing.len(), names.len() + 1, "{md}");
    let mut seen: Vec<String> = Vec::new();
    for row in &failing[1..] {
        assert_eq!(row.len(), 2, "{row:?}\n{md}");
        assert!(row[0].1, "not one code span: {row:?}");
        assert_eq!(row[1].0, "boom | `x`", "{row:?}");
        seen.push(row[0].0.clone());
    }
    // No classname: the suite's name is the class.
    let mut want: Vec<String> = names.iter().map(|n| format!("s::{n}")).collect();
    seen.sort();
    want.sort();
    assert_eq!(seen, want, "{md}");
    // Slowest tests: header "Test | Time".
    let slowest = tables
        .iter()
        .find(|t| t[0][0].0 == "Test")
        .unwrap_or_else(|| panic!("no slowest table:\n{md}"));
    for row in &slowest[1..] {
        assert_eq!(row.len(), 2, "{row:?}\n{md}");
        assert!(row[0].1, "not one code span: {row:?}");
        assert!(want.contains(&row[0].0), "{row:?}");
    }
}

/// Every table of `md`: rows of (cell text, one code span).
fn tables(md: &str) -> Vec<Vec<Vec<(String, bool)>>> {
    let mut out = Vec::new();
    let mut cur: Option<Vec<Vec<(String, bool)>>> = None;
    let mut chunk = String::new();
    // Split the document at table starts by re-parsing each block of `|` lines.
    for line in md.lines() {
        if line.starts_with('|') {
            chunk.push_str(line);
            chunk.push('\n');
        } else if !chunk.is_empty() {
            cur.get_or_insert_with(Vec::new);
            out.push(table_cells(&chunk));
            chunk.clear();
        }
    }
    if !chunk.is_empty() {
        out.push(table_cells(&chunk));
    }
    out.retain(|t: &Vec<Vec<(String, bool)>>| !t.is_empty());
    out
}

#[test]
fn a_tag_with_a_pipe_stays_in_its_cell() {
    // `|` and backticks are allowed in git ref names; a tag cell must stay one cell.
    let r = crate::gitrepo::TestRepo::new();
    let t0 = crate::gitrepo::T0;
    let day = crate::gitrepo::DAY;
    let a = r.commit_at("feat: a", t0 + day);
    r.tag_annotated("v1.0.0|`x`", a, t0 + 2 * day);
    std::fs::write(
        r.path().join("slipgate.yml"),
        "releases:\n  tag_pattern: '^v(?P<version>\\d+\\.\\d+\\.\\d+)'\n",
    )
    .expect("policy");
    let out = crate::cli::slipgate(r.path())
        .args(["report", "--offline", "--format", "markdown", "--now"])
        .arg(crate::cli::now())
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = String::from_utf8_lossy(&out.stdout).into_owned();
    let t = tables(&md);
    let releases = &t[0];
    let width = releases[0].len();
    assert_eq!(releases.len(), 3, "header, unreleased, v1.0.0:\n{md}");
    for row in releases {
        assert_eq!(row.len(), width, "{row:?}\n{md}");
    }
    assert_eq!(releases[2][0], ("v1.0.0|`x`".to_string(), true), "{md}");
}

const REPO: &str = "octo-org/octo-repo";

/// `check` on a pull request of [`crate::cli::sample`] at day 40, GitHub on a mock;
/// markdown on stdout.
async fn pr_check(hub: &crate::mockhub::MockHub, repo: &std::path::Path) -> (i32, String) {
    let repo = repo.to_path_buf();
    let uri = hub.uri();
    tokio::task::spawn_blocking(move || {
        let out = crate::cli::slipgate(&repo)
            .args(["check", "--no-cache", "--format", "markdown", "--now"])
            .arg(crate::cli::now())
            .args(["--trigger", "pull_request", "--title", "feat: x"])
            .env("GITHUB_API_URL", &uri)
            .env("GITHUB_SERVER_URL", "https://github.com")
            .env("GITHUB_REPOSITORY", REPO)
            .output()
            .expect("run");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    })
    .await
    .expect("join")
}

#[tokio::test]
async fn a_failing_pull_request_says_how_to_unblock_and_links_every_issue() {
    use crate::gitrepo::{DAY, T0};
    use crate::mockhub::{HubIssue, MockHub};
    let r = crate::cli::sample();
    std::fs::write(
        r.path().join("slipgate.yml"),
        r#"freeze: {exempt_fixes: true}
issues:
  bug_labels: [bug, "needs fix & test"]
  severity_labels: {high: [sev-high]}
  fix_slo: {high: 7d}
rules:
  - {name: no-open-bugs, metric: open_bugs.total, max: 0, waive_label: "bug backlog ok"}
  - {name: overdue, metric: open_bugs.overdue, max: 0}
  - {name: cfr, metric: change_failure_rate, scope: window, max: 10%}
"#,
    )
    .expect("policy");
    let hub = MockHub::start(REPO).await;
    // Seven open high bugs created on days 31..=37: 9d..3d old at day 40; over the 7d
    // objective: #1 (9d) and #2 (8d).
    for n in 1..=7u64 {
        hub.add_issue(
            HubIssue::new(n, T0 + (30 + n as i64) * DAY)
                .labels(&["bug", "sev-high"])
                .title(&format!("bug {n} @someone")),
        );
    }
    // #20 a regression in v1.1.0's window [30, 40]; #21 an incident in v1.0.0's [10, 11).
    hub.add_issue(HubIssue::new(20, T0 + 35 * DAY).labels(&["regression"]));
    hub.add_issue(HubIssue::new(21, T0 + 10 * DAY + 3_600).labels(&["incident"]));
    let (code, md) = pr_check(&hub, r.path()).await;
    assert_eq!(code, 1, "{md}");
    let link = |n: u64| format!("[#{n}](https://github.com/octo-org/octo-repo/issues/{n})");

    // Point 20: under each failing rule, what the author can do.
    let open = md
        .split("#### ❌ no-open-bugs — fail")
        .nth(1)
        .and_then(|s| s.split("#### ").next())
        .unwrap_or_else(|| panic!("no detail of no-open-bugs:\n{md}"));
    assert!(open.contains("**To unblock this pull request:**"), "{open}");
    assert!(
        open.contains("- add the label `bug backlog ok` to waive this rule"),
        "{open}"
    );
    assert!(
        open.contains("this rule measures the repository, not this pull request, so it fails every pull request until that is handled"),
        "{open}"
    );
    assert!(
        open.contains(
            "when it carries one of the labels `bug`, `needs fix & test` or its title matches `"
        ),
        "{open}"
    );
    // Evidence: 5 of the 7 open bugs, each a link; the rest in one search, the labels
    // quoted and URL-encoded (space, `&`).
    assert!(open.contains("Evidence (5 of 7)"), "{open}");
    for n in 1..=5 {
        assert!(
            open.contains(&format!("- {} bug {n} @\u{2060}someone", link(n))),
            "{n}: {open}"
        );
    }
    assert!(
        open.contains("- +2 more: [the full list on GitHub](https://github.com/octo-org/octo-repo/issues?q=is%3Aissue%20is%3Aopen%20label%3A%22bug%22%2C%22needs%20fix%20%26%20test%22)"),
        "{open}"
    );
    // The overdue rule names the objective exceeded.
    let overdue = md
        .split("#### ❌ overdue — fail")
        .nth(1)
        .and_then(|s| s.split("#### ").next())
        .unwrap_or_else(|| panic!("no detail of overdue:\n{md}"));
    assert!(
        overdue.contains("Fix objectives exceeded: `high`: 7d."),
        "{overdue}"
    );
    assert!(overdue.contains("Evidence (2)"), "{overdue}");
    assert!(!overdue.contains("to waive"), "{overdue}");

    // Point 18: the regression is called a regression, the incident an incident, both
    // linked, in the evidence and in the release table.
    let cfr = md
        .split("#### ❌ cfr — fail")
        .nth(1)
        .and_then(|s| s.split("<details><summary>Release metrics").next())
        .unwrap_or_else(|| panic!("no detail of cfr:\n{md}"));
    assert!(
        cfr.contains(&format!(
            "- `v1.1.0` released 2023-12-14 — regression {}",
            link(20)
        )),
        "{cfr}"
    );
    assert!(
        cfr.contains(&format!("— hotfix `v1.0.1`; incident {}", link(21))),
        "{cfr}"
    );
    assert!(!cfr.contains("incident [#20]"), "{cfr}");
    let tables = tables(&md);
    let releases = tables
        .iter()
        .find(|t| t[0][0].0 == "Release")
        .unwrap_or_else(|| panic!("no release table:\n{md}"));
    let failed_col = releases[0]
        .iter()
        .position(|c| c.0 == "Failed")
        .expect("Failed column");
    assert_eq!(releases[2][failed_col].0, "regression #20", "{md}");
    assert!(md.contains(&format!("| regression {} |", link(20))), "{md}");
    assert!(md.contains(&format!("incident {} |", link(21))), "{md}");
}

#[test]
fn text_columns_name_what_they_count() {
    let r = crate::cli::sample();
    let out = crate::cli::slipgate(r.path())
        .args(["report", "--offline", "--color", "never", "--now"])
        .arg(crate::cli::now())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let header = text
        .lines()
        .find(|l| l.starts_with("RELEASE"))
        .unwrap_or_else(|| panic!("{text}"));
    let cols: Vec<&str> = header
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(
        cols,
        [
            "RELEASE",
            "DATE",
            "CHANGES",
            "LEAD p50",
            "LEAD p90",
            "LEAD max",
            "FIX COMMITS",
            "REVERTS",
            "FIX SHARE",
            "FAILED",
            "WINDOW"
        ],
        "{text}"
    );
    // The provisional release is marked in its own column, not under FAILED.
    assert!(!text.contains("provisional)"), "{text}");
    let v110 = text
        .lines()
        .find(|l| l.starts_with("v1.1.0"))
        .expect("v1.1.0");
    assert!(v110.ends_with("  open"), "{v110}");
    assert!(
        text.contains("window open: the newest release's window runs to now"),
        "{text}"
    );
    // The window's change count says it leaves out the 2 unreleased changes.
    assert!(
        text.contains("changes              7 (lead time p50 9d, p90 18d); released changes only: the 2 unreleased changes count once released"),
        "{text}"
    );
}
