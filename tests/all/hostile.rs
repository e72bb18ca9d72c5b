//! Hostile data through every output. Commit subjects, JUnit test names, class names,
//! failure messages and file names, issue titles, labels, the pull request's title,
//! labels and branch, and the policy's rule names are written by strangers; they hold
//! newlines followed by workflow commands (`::error::`, `::stop-commands::`), the runner's
//! older `##[error]`, ESC/NUL/BEL, bidi overrides and zero-width characters, mentions,
//! issue references, HTML, links, `</details>`, backticks and pipes.
//!
//! Every stream and file slipgate writes is checked:
//! - logs (stdout, stderr, in every format): no line starts a workflow command (after
//!   leading white space) unless it is one of slipgate's own annotations, none holds
//!   `##[`, and no raw control, bidi or invisible character is left;
//! - markdown (`--format markdown`, the job summary, the pull request comment, the trend
//!   issue), rendered with a CommonMark parser: no link or image from data, no raw HTML
//!   but slipgate's own tags, balanced `<details>`, and no mention or issue reference
//!   that GitHub would link;
//! - `GITHUB_OUTPUT`: the three outputs, one line each;
//! - JSON: log-safe, and the strings decode to the data exactly.

use crate::cli::slipgate;
use crate::gitrepo::{DAY, T0, TestRepo};
use crate::mockhub::{HubIssue, HubPull, MockHub};
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use std::path::PathBuf;

const REPO: &str = "octo-org/octo-repo";
const TOKEN: &str = "ghp_hostileSECRET0123456789";

/// Everything at once: a leading `::stop-commands::`, a newline and a carriage return
/// each followed by a command, `##[`, ESC/NUL/BEL, bidi and zero-width characters (an
/// input WORD JOINER among them), a mention, an issue reference, HTML, a link, a
/// `</details>`, backticks and pipes.
const BAD: &str = "::stop-commands::x ok\n::error::forged-nl\r::warning::forged-cr ##[error]forged-old \u{1b}[31mred\u{0}\u{7} \u{202E}rev\u{2066}\u{200B}\u{2060}x @octocat #12 <img src=x> [link](https://evil) </details> `tick` a|b";

/// [`BAD`] without the characters a git subject or a rule name cannot hold (`\n`, `,`).
fn bad_line(tag: &str) -> String {
    format!("{tag} {}", BAD.replace('\n', " "))
}

/// [`bad_line`] without hidden characters, which a policy's names and descriptions cannot
/// hold.
fn policy_text(tag: &str) -> String {
    bad_line(tag)
        .chars()
        .filter(|&c| !slipgate::escape::is_hidden(c))
        .collect()
}

/// [`bad_line`] for a git commit subject, which cannot hold NUL either.
fn git_line(tag: &str) -> String {
    bad_line(tag).replace('\0', "")
}

/// `text` as a YAML double-quoted scalar, every non-ASCII or control character escaped.
fn yaml_str(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '\\' | '"' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_ascii() && !c.is_control() => out.push(c),
            c => out.push_str(&format!("\\U{:08X}", u32::from(c))),
        }
    }
    out.push('"');
    out
}

/// `text` as an XML attribute value: markup escaped, every control character written as
/// a character reference (a raw newline would be normalised to a space).
fn xml_attr(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if c.is_control() => out.push_str(&format!("&#{};", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// Day 40, when everything is evaluated.
fn now() -> String {
    slipgate::model::rfc3339(T0 + 40 * DAY)
}

/// The repository, its policy, the JUnit files, the event payload and the fake GitHub.
struct World {
    repo: TestRepo,
    work: tempfile::TempDir,
    hub: MockHub,
}

impl World {
    async fn new() -> World {
        let repo = TestRepo::new();
        let a = repo.commit_at("feat: a", T0 + DAY);
        repo.tag_annotated("v1.0.0", a, T0 + 10 * DAY);
        let b = repo.commit_at(&format!("fix: {}", BAD.replace('\0', "")), T0 + 11 * DAY);
        repo.tag_annotated("v1.0.1", b, T0 + 12 * DAY);
        // Unreleased: the lead-time rule trips and shows these subjects as evidence.
        repo.commit_at(&git_line("feat:"), T0 + 20 * DAY);
        repo.commit_at(&git_line("fix:"), T0 + 25 * DAY);

        // A rule name holds no comma, and names and descriptions no hidden character
        // (the policy refuses them): the rest of BAD stays.
        let rule = yaml_str(&policy_text("rule").replace(',', " "));
        let policy = format!(
            r#"tests:
  on_malformed: warn
rules:
  - name: {rule}
    description: {desc}
    metric: tests.failed
    max: 0
  - {{name: lead, metric: lead_time.p90, scope: candidate, max: 1h}}
  - {{name: open-bugs, metric: open_bugs.total, max: 0}}
  - {{name: cfr, metric: change_failure_rate, max: 30%, level: warn}}
"#,
            desc = yaml_str(&policy_text("description")),
        );
        std::fs::write(repo.path().join("slipgate.yml"), policy).expect("policy");

        let work = tempfile::tempdir().expect("tmp");
        let junit = work.path().join("junit");
        std::fs::create_dir(&junit).expect("junit dir");
        let b = xml_attr(BAD);
        std::fs::write(
            junit.join("report.xml"),
            format!(
                r#"<testsuite name="s"><testcase classname="{b}" name="{b}" file="{b}" time="1"><failure message="{b}">{body}</failure></testcase><testcase classname="c" name="ok {b}" time="2"/></testsuite>"#,
                body = xml_attr(BAD),
            ),
        )
        .expect("junit");
        // A malformed report, skipped with a warning that names the file.
        // (A file name holds neither `/` nor NUL.)
        let name = format!("{BAD}.xml").replace(['/', '\0'], "_");
        std::fs::write(junit.join(name), "<testsuite").expect("bad junit");

        let pr = serde_json::json!({
            "action": "opened",
            "repository": {"full_name": REPO},
            "pull_request": {
                "number": 42,
                "title": BAD,
                "labels": [{"name": BAD}],
                "head": {"ref": bad_line("branch"), "sha": "6dcb09b5b57875f334f61aebed695e2e4193db5e"},
                "base": {"ref": "main"},
                "user": {"login": "Codertocat"},
                "draft": false
            }
        });
        std::fs::write(work.path().join("event.json"), pr.to_string()).expect("event");

        let hub = MockHub::start(REPO).await;
        hub.add_pull(HubPull::new(42, T0 + 38 * DAY).labels(&[BAD]));
        hub.add_issue(
            HubIssue::new(12, T0 + 30 * DAY)
                .labels(&["bug", BAD])
                .title(BAD)
                .body(BAD),
        );
        World { repo, work, hub }
    }

    fn junit_glob(&self) -> String {
        self.work
            .path()
            .join("junit")
            .join("*.xml")
            .display()
            .to_string()
    }

    fn summary(&self) -> PathBuf {
        self.work.path().join("summary.md")
    }

    fn output(&self) -> PathBuf {
        self.work.path().join("output")
    }

    /// Runs slipgate with `args` as a GitHub Actions pull request step would.
    async fn run(&self, args: &[&str]) -> Run {
        let repo = self.repo.path().to_path_buf();
        let work = self.work.path().to_path_buf();
        let uri = self.hub.uri();
        let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        all.extend([
            "--now".into(),
            now(),
            "--junit".into(),
            self.junit_glob(),
            "--cache".into(),
            work.join("cache.db").display().to_string(),
        ]);
        let (summary, output) = (self.summary(), self.output());
        tokio::task::spawn_blocking(move || {
            let out = slipgate(&repo)
                .args(&all)
                .env("GITHUB_ACTIONS", "true")
                .env("GITHUB_API_URL", &uri)
                .env("GITHUB_REPOSITORY", REPO)
                .env("GITHUB_TOKEN", TOKEN)
                .env("GITHUB_EVENT_NAME", "pull_request")
                .env("GITHUB_EVENT_PATH", work.join("event.json"))
                .env("GITHUB_STEP_SUMMARY", &summary)
                .env("GITHUB_OUTPUT", &output)
                .env("RUNNER_TEMP", &work)
                .output()
                .expect("run slipgate");
            Run {
                code: out.status.code().unwrap_or(-1),
                stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            }
        })
        .await
        .expect("join")
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// slipgate's own annotation: `::error title=slipgate…::` and the like.
fn own_annotation(line: &str) -> bool {
    let Some(rest) = ["::error ", "::warning ", "::notice "]
        .iter()
        .find_map(|p| line.strip_prefix(p))
    else {
        return false;
    };
    let Some((props, _message)) = rest.split_once("::") else {
        return false;
    };
    // The title is one escaped property: no raw `:` or `,` from data.
    props == "title=slipgate"
        || props
            .strip_prefix("title=slipgate%3A ")
            .is_some_and(|t| !t.contains([':', ',']))
}

/// A hidden character (control, bidi, zero-width) other than the line break.
fn hidden(c: char) -> bool {
    c != '\n' && slipgate::escape::is_hidden(c)
}

/// Where slipgate puts a WORD JOINER of its own: after `@`, `#`, `GH-` and `www`, before
/// `://`.
fn own_joiners(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    chars.iter().enumerate().all(|(i, &c)| {
        c != '\u{2060}'
            || (i > 0 && matches!(chars[i - 1], '@' | '#' | '-' | 'w' | 'W'))
            || chars.get(i + 1) == Some(&':')
    })
}

/// What is wrong with the outputs: every problem is collected, so one run shows each
/// hostile case that got through.
#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    fn add(&mut self, what: &str, problem: String) {
        self.0.push(format!("{what}: {problem}"));
    }

    /// A log stream: no forged workflow command, no `##[`, nothing hidden.
    fn log(&mut self, what: &str, text: &str, allow: &[char]) {
        for (i, line) in text.split('\n').enumerate() {
            let at = format!("line {}: {line:?}", i + 1);
            for c in line.chars().filter(|&c| hidden(c) && !allow.contains(&c)) {
                self.add(what, format!("raw U+{:04X} in {at}", u32::from(c)));
            }
            let start = line.trim_start();
            if start.starts_with("::") && !own_annotation(start) {
                self.add(what, format!("a workflow command from data in {at}"));
            }
            if line.contains("##[") {
                self.add(what, format!("the runner's `##[` prefix in {at}"));
            }
        }
    }

    /// A markdown body: log-safe (it may be printed), and rendered it links, embeds,
    /// pings and references nothing from data.
    fn markdown(&mut self, what: &str, md: &str) {
        // Emoji of the icons carry U+FE0F; the joiners are checked for their places.
        self.log(what, md, &['\u{2060}', '\u{FE0F}']);
        if !own_joiners(md) {
            self.add(what, "a WORD JOINER not put there by slipgate".into());
        }
        let tag_re = regex::Regex::new(r"(?s)<!--.*?-->|<[^>]*>").expect("regex");
        let own_tags = [
            "<details>",
            "</details>",
            "<summary>",
            "</summary>",
            "<sub>",
            "</sub>",
        ];
        let mut open_details = 0i64;
        // GitHub links no mention, reference or URL inside a code block (a Mermaid chart's
        // source included).
        let mut in_code_block = false;
        let opts = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_GFM;
        for event in Parser::new_ext(md, opts) {
            match &event {
                Event::Start(Tag::Link { dest_url, .. }) => {
                    // Issues, pull requests and Actions runs by number; commits by sha.
                    let path = dest_url.strip_prefix("https://github.com/octo-org/octo-repo/");
                    let own = path
                        .and_then(|p| {
                            p.strip_prefix("issues/")
                                .or(p.strip_prefix("pull/"))
                                .or(p.strip_prefix("actions/runs/"))
                        })
                        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                        || path
                            .and_then(|p| p.strip_prefix("commit/"))
                            .is_some_and(|n| {
                                n.len() >= 7 && n.bytes().all(|b| b.is_ascii_hexdigit())
                            });
                    if !own {
                        self.add(what, format!("a link from data: {dest_url}"));
                    }
                }
                Event::Start(Tag::Image { dest_url, .. }) => {
                    self.add(what, format!("an image: {dest_url}"));
                }
                Event::Html(html) | Event::InlineHtml(html) => {
                    for m in tag_re.find_iter(html) {
                        let tag = m.as_str();
                        let own = own_tags.contains(&tag)
                            || (tag.starts_with("<!-- slipgate:") && tag.ends_with(" -->"));
                        if !own {
                            self.add(what, format!("raw HTML {tag:?}"));
                        }
                        if tag == "<details>" {
                            open_details += 1;
                        } else if tag.eq_ignore_ascii_case("</details>") {
                            open_details -= 1;
                            if open_details < 0 {
                                self.add(what, "a `</details>` that closes nothing".into());
                            }
                        }
                    }
                    let rest = tag_re.replace_all(html, "");
                    if !rest
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || " ()\n".contains(c))
                    {
                        self.add(what, format!("text inside raw HTML: {rest:?}"));
                    }
                }
                Event::Start(Tag::CodeBlock(_)) => in_code_block = true,
                Event::End(TagEnd::CodeBlock) => in_code_block = false,
                Event::Text(t) if !in_code_block => {
                    let chars: Vec<char> = t.chars().collect();
                    for w in chars.windows(2) {
                        if w[0] == '@' && w[1].is_ascii_alphanumeric() {
                            self.add(what, format!("a live mention in {t:?}"));
                        }
                        if w[0] == '#' && w[1].is_ascii_digit() {
                            self.add(what, format!("a live issue reference in {t:?}"));
                        }
                    }
                    if t.matches("://").count() != t.matches("\u{2060}://").count() {
                        self.add(what, format!("a bare URL GitHub would link in {t:?}"));
                    }
                }
                _ => {}
            }
        }
        if open_details != 0 {
            self.add(what, format!("{open_details} `<details>` left open"));
        }
    }

    /// The data reached `text`, shown as `visible`.
    fn shown(&mut self, what: &str, text: &str, visible: &str) {
        if !text.contains(visible) {
            self.add(what, format!("the hostile data is not shown as {visible}"));
        }
    }

    /// Fails with every problem found.
    fn assert_none(self) {
        assert!(
            self.0.is_empty(),
            "{} problems:\n{}",
            self.0.len(),
            self.0.join("\n")
        );
    }
}

#[tokio::test]
async fn text_report_streams_are_log_safe() {
    let w = World::new().await;
    let run = w
        .run(&["report", "--github-repo", REPO, "--api-url", &w.hub.uri()])
        .await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let mut p = Problems::default();
    p.log("report text stdout", &run.stdout, &[]);
    p.log("report text stderr", &run.stderr, &[]);
    p.shown("report text stdout", &run.stdout, "<U+202E>");
    p.shown("report text stderr", &run.stderr, "<U+000A>");
    p.assert_none();
}

#[tokio::test]
async fn markdown_report_is_safe_to_print_and_to_render() {
    let w = World::new().await;
    let run = w
        .run(&[
            "report",
            "--format",
            "markdown",
            "--github-repo",
            REPO,
            "--api-url",
            &w.hub.uri(),
        ])
        .await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let mut p = Problems::default();
    p.markdown("report markdown stdout", &run.stdout);
    p.log("report markdown stderr", &run.stderr, &[]);
    // Where slipgate's wording quotes the data as code (a label in the label note, a
    // file name in a warning), it is shown inside a code span, hidden characters visible.
    let shown = "`::stop-commands::x ok ::error::forged-nl ::warning::forged-cr ##<U+005B>error]forged-old <U+001B>[31mred<U+0000><U+0007> <U+202E>rev";
    p.shown("report markdown stdout", &run.stdout, shown);
    p.assert_none();
}

#[tokio::test]
async fn json_report_is_log_safe_and_exact() {
    let w = World::new().await;
    let run = w
        .run(&[
            "report",
            "--format",
            "json",
            "--github-repo",
            REPO,
            "--api-url",
            &w.hub.uri(),
        ])
        .await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let mut p = Problems::default();
    p.log("report json stdout", &run.stdout, &[]);
    p.log("report json stderr", &run.stderr, &[]);
    p.shown("report json stdout", &run.stdout, "\\u202e");
    p.assert_none();
    let v: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    // The data itself is kept exactly: the failing test's name and message, except the
    // characters XML 1.0 forbids (ESC, NUL, BEL written as references), which the JUnit
    // reader replaces with U+FFFD.
    let failing = &v["tests"]["failing"][0];
    let read = BAD.replace(['\u{1b}', '\u{0}', '\u{7}'], "\u{FFFD}");
    assert_eq!(failing["name"], read.as_str(), "{failing}");
    assert_eq!(failing["classname"], read.as_str(), "{failing}");
    assert_eq!(failing["message"], "::stop-commands::x ok", "{failing}");
}

#[tokio::test]
async fn check_streams_annotations_summary_and_outputs_are_safe() {
    let w = World::new().await;
    let mut p = Problems::default();
    for format in ["text", "markdown", "json"] {
        let _ = std::fs::remove_file(w.summary());
        let _ = std::fs::remove_file(w.output());
        let run = w.run(&["check", "--format", format]).await;
        assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
        let what = format!("check --format {format}");
        if format == "markdown" {
            p.markdown(&format!("{what} stdout"), &run.stdout);
        } else {
            p.log(&format!("{what} stdout"), &run.stdout, &[]);
        }
        p.log(&format!("{what} stderr"), &run.stderr, &[]);
        // The annotations are there, on stdout beside text, on stderr otherwise.
        let log = if format == "text" {
            &run.stdout
        } else {
            &run.stderr
        };
        assert!(
            log.lines()
                .any(|l| l.starts_with("::error title=slipgate%3A rule ")),
            "{what}: no annotation for the hostile rule\n{log}"
        );
        p.shown(&format!("{what} annotations"), log, "<U+202E>");

        let summary = std::fs::read_to_string(w.summary()).expect("summary");
        p.markdown(&format!("{what} job summary"), &summary);
        p.shown(&format!("{what} job summary"), &summary, "&lt;U+202E&gt;");

        let outputs = std::fs::read_to_string(w.output()).expect("outputs");
        let names: Vec<&str> = outputs
            .lines()
            .map(|l| l.split_once('=').map_or(l, |(n, _)| n))
            .collect();
        if names != ["verdict", "failed-rules", "report-json"] || outputs.contains("<<") {
            p.add(&what, format!("outputs not one line each: {outputs:?}"));
        }
        if outputs.chars().any(hidden) {
            p.add(
                &what,
                format!("raw hidden characters in the outputs: {outputs:?}"),
            );
        }
        // The rule name as written in the policy (outputs are values, never executed).
        let failed = format!(
            "failed-rules={},lead,open-bugs\n",
            policy_text("rule").replace(',', " ")
        );
        if !outputs.contains(&failed) {
            p.add(
                &what,
                format!("failed-rules is not the rule's name: {outputs:?}"),
            );
        }

        let json_path = outputs
            .lines()
            .find_map(|l| l.strip_prefix("report-json="))
            .expect("report-json");
        let json = std::fs::read_to_string(json_path).expect("report json");
        p.log(&format!("{what} report json"), &json, &[]);
        let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
        assert_eq!(v["tests"]["failing"][0]["message"], "::stop-commands::x ok");
    }
    p.assert_none();
}

#[tokio::test]
async fn comment_and_trend_issue_render_nothing_from_data() {
    let w = World::new().await;
    let run = w
        .run(&["check", "--comment", "--trend-issue", "Quality trend"])
        .await;
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let mut p = Problems::default();
    p.log("check --comment stdout", &run.stdout, &[]);
    p.log("check --comment stderr", &run.stderr, &[]);
    let comments = w.hub.comments(42);
    assert_eq!(comments.len(), 1, "{}", run.stderr);
    p.markdown("comment", &comments[0].body);
    p.shown("comment", &comments[0].body, "&lt;U+202E&gt;");
    let trend: Vec<_> = w
        .hub
        .issues()
        .into_iter()
        .filter(|i| i.title == "Quality trend")
        .collect();
    assert_eq!(trend.len(), 1, "{}", run.stderr);
    p.markdown("trend issue", &trend[0].body);
    p.shown("trend issue", &trend[0].body, "&lt;U+202E&gt;");
    p.assert_none();
}
