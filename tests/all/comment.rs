//! The pull request comment, the trend issue and the job summary: what they say and how
//! they are cut. Markdown is checked by parsing it (pulldown-cmark, GFM tables).

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use slipgate::publish::sanitize::code_cell;

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
