//! GitHub Actions conventions: step outputs (`GITHUB_OUTPUT`), the job summary
//! (`GITHUB_STEP_SUMMARY`), workflow-command annotations, and the event that started
//! the run (`GITHUB_EVENT_NAME`, `GITHUB_EVENT_PATH`).
//!
//! The file writers take the path as an argument (the caller reads the environment);
//! [`annotation`] and [`read_event`] are pure.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::Path;

/// Appends step outputs to the `GITHUB_OUTPUT` file at `path` (created if missing).
///
/// A value without line breaks is written `name=value`. A value with a `\n` or `\r` is
/// written in the heredoc form `name<<DELIMITER`, the value, `DELIMITER`, where the
/// delimiter is `SLIPGATE_EOF`, or `SLIPGATE_EOF_1`, `_2`, … the first that does not
/// occur anywhere in the value. (The runner reads the value line by line, so a lone
/// `\r` comes back as `\n`.)
///
/// A name must be non-empty and hold no `=`, `<`, `\r` or `\n`; otherwise nothing is
/// written and the error is `InvalidInput`.
pub fn write_outputs(path: &Path, outputs: &[(&str, &str)]) -> io::Result<()> {
    let mut text = String::new();
    for &(name, value) in outputs {
        if name.is_empty() || name.contains(['=', '<', '\r', '\n']) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("`{name}` is not a valid step output name"),
            ));
        }
        if value.contains(['\n', '\r']) {
            let delimiter = heredoc_delimiter(value);
            text.push_str(&format!("{name}<<{delimiter}\n{value}\n{delimiter}\n"));
        } else {
            text.push_str(&format!("{name}={value}\n"));
        }
    }
    append(path, &text)
}

/// A heredoc delimiter that occurs nowhere in `value`.
fn heredoc_delimiter(value: &str) -> String {
    const BASE: &str = "SLIPGATE_EOF";
    if !value.contains(BASE) {
        return BASE.to_string();
    }
    // `value` holds fewer than value.len() + 1 distinct candidates, so this ends.
    (1..)
        .map(|i| format!("{BASE}_{i}"))
        .find(|d| !value.contains(d.as_str()))
        .unwrap_or_else(|| BASE.to_string())
}

/// Appends `markdown` to the job summary file at `path` (created if missing), followed
/// by a newline when it does not end with one, so the next step's summary starts on a
/// fresh line. Keep it under [`crate::report::sanitize::SUMMARY_MAX_BYTES`] with
/// [`crate::report::sanitize::truncate_body_bytes`].
pub fn append_summary(path: &Path, markdown: &str) -> io::Result<()> {
    if markdown.ends_with('\n') || markdown.is_empty() {
        append(path, markdown)
    } else {
        append(path, &format!("{markdown}\n"))
    }
}

fn append(path: &Path, text: &str) -> io::Result<()> {
    let mut file = OpenOptions::new().create(true).append(true).open(path)?;
    // One write call: the runner's files are shared by all steps of the job.
    file.write_all(text.as_bytes())?;
    file.flush()
}

/// The level of a workflow-command annotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
    Notice,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Notice => "notice",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The workflow command that shows an annotation: `::error title=T::message`, one line,
/// to print on stdout. The title is escaped as a property (`%` `\r` `\n` `:` `,` become
/// `%25` `%0D` `%0A` `%3A` `%2C`), the message as data (`%` `\r` `\n` only). Both quote
/// data (rule names, test names, titles), so every other hidden character (controls,
/// bidi, zero-width, see [`crate::escape::is_hidden`]) is shown as `<U+XXXX>` and the
/// `[` of a `##[` as `<U+005B>`: the annotation shows what the data holds, and the line
/// carries nothing the runner could read as a second command. An empty title is left out.
pub fn annotation(level: Level, title: &str, message: &str) -> String {
    if title.is_empty() {
        format!("::{level}::{}", escape_data(message))
    } else {
        format!(
            "::{level} title={}::{}",
            escape_property(title),
            escape_data(message)
        )
    }
}

/// An annotation on lines `line..=end_line` of `file` (a path relative to the
/// repository), properties and message escaped as in [`annotation`].
pub fn file_annotation(
    level: Level,
    file: &str,
    line: u32,
    end_line: u32,
    title: &str,
    message: &str,
) -> String {
    format!(
        "::{level} file={},line={line},endLine={end_line},title={}::{}",
        escape_property(file),
        escape_property(title),
        escape_data(message)
    )
}

/// [`annotation`] at a place in a file: `::error file=F,line=L,col=C,title=T::message`, so
/// the runner shows it on that line of the diff. `line` and `col` are left out when not
/// known; every property value is escaped as a property ([`escape_property`]), the
/// message as data.
pub fn annotation_at(level: Level, place: &Place, title: &str, message: &str) -> String {
    let mut props = format!("file={}", escape_property(&place.file));
    for (key, n) in [("line", place.line), ("col", place.column)] {
        if let Some(n) = n {
            props.push_str(&format!(",{key}={n}"));
        }
    }
    if !title.is_empty() {
        props.push_str(&format!(",title={}", escape_property(title)));
    }
    format!("::{level} {props}::{}", escape_data(message))
}

/// Workflow-command data escaping: `%` → `%25`, `\r` → `%0D`, `\n` → `%0A`; any other
/// hidden character → `<U+XXXX>`, and `##[` → `##<U+005B>`.
pub fn escape_data(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => crate::escape::push_visible(&mut out, c),
        }
    }
    out
}

/// Workflow-command property escaping: [`escape_data`] plus `:` → `%3A`, `,` → `%2C`.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

pub use crate::model::Place;
pub use crate::policy::Trigger;

/// The policy trigger for a `GITHUB_EVENT_NAME`: `pull_request` and
/// `pull_request_target` → [`Trigger::PullRequest`]; `push` and `merge_group` (the merge
/// queue tests what is about to land) → [`Trigger::Push`]; `release` →
/// [`Trigger::Release`]; `schedule` and `workflow_dispatch` (a manual run has no pull
/// request to comment on, like a scheduled one) → [`Trigger::Schedule`]. Any other event
/// → `None`.
pub fn trigger_for(event_name: &str) -> Option<Trigger> {
    Trigger::from_event(event_name)
}

/// What slipgate needs from the event that started the run.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct EventContext {
    /// `GITHUB_EVENT_NAME` as given.
    pub event_name: String,
    /// The payload's `action` (`opened`, `synchronize`, `published`, …), when it has one.
    pub action: Option<String>,
    /// `owner/name` of the repository (`repository.full_name`), when present.
    pub repository: Option<String>,
    /// The pull request, for `pull_request` and `pull_request_target`.
    pub pr: Option<PrContext>,
    /// The commit the event is about: the pull request head, the pushed commit (`after`;
    /// none when the push deleted the ref), the merge group head. None for `release`,
    /// `schedule` and `workflow_dispatch`, whose payloads name no commit (use
    /// `GITHUB_SHA`).
    pub sha: Option<String>,
    /// The ref the event is about: `ref` of `push` and `workflow_dispatch`,
    /// `refs/tags/<tag>` of `release`, `merge_group.head_ref`, a top-level `ref` of any
    /// other event. None for pull requests (see [`PrContext`]) and `schedule`.
    pub git_ref: Option<String>,
    /// The tag of a `release` event, or of a `push` to `refs/tags/…`.
    pub release_tag: Option<String>,
    /// The repository's default branch (`repository.default_branch`), when the payload
    /// names it.
    pub default_branch: Option<String>,
}

impl EventContext {
    /// The trigger the rules run for: `flag` (`--trigger`) if given, else the event's (a
    /// push of a release tag is a release).
    pub fn trigger(&self, flag: Option<Trigger>) -> Option<Trigger> {
        match flag {
            Some(t) => Some(t),
            None if self.event_name == "push" && self.release_tag.is_some() => {
                Some(Trigger::Release)
            }
            None => Trigger::from_event(&self.event_name),
        }
    }

    /// The event the gate runs for: the pull request's labels and title unless the flags
    /// give them (`labels` empty: none given).
    pub fn gate_event(
        &self,
        trigger: Option<Trigger>,
        labels: &[String],
        title: Option<&str>,
    ) -> crate::gate::Event {
        let pr = self.pr.as_ref();
        crate::gate::Event {
            trigger,
            pr_labels: if labels.is_empty() {
                pr.map(|p| p.labels.clone()).unwrap_or_default()
            } else {
                labels.to_vec()
            },
            pr_title: title
                .map(str::to_string)
                .or_else(|| pr.map(|p| p.title.clone())),
        }
    }
}

/// The pull request of a `pull_request` / `pull_request_target` event.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct PrContext {
    pub number: u64,
    /// As written by its author: pass it through [`crate::report::sanitize::inline`]
    /// before putting it in markdown.
    pub title: String,
    pub labels: Vec<String>,
    pub head_sha: String,
    /// Branch name of the head (in the fork for a pull request from a fork).
    pub head_ref: String,
    pub base_ref: String,
    /// The base branch's commit when the event was sent (`pull_request.base.sha`).
    pub base_sha: Option<String>,
    /// Login of the author; none for a deleted account.
    pub author: Option<String>,
    pub draft: bool,
}

/// Why an event payload could not be read.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error(
        "the `{event}` event payload is not the JSON GitHub writes ({source}); check that GITHUB_EVENT_PATH points to the runner's event file"
    )]
    Json {
        event: String,
        #[source]
        source: serde_json::Error,
    },
    #[error(
        "the `{event}` event payload has no `{field}`; run slipgate from a workflow started by `{event}`, or check that GITHUB_EVENT_PATH points to the runner's event file"
    )]
    Missing { event: String, field: &'static str },
}

#[derive(Deserialize)]
struct Common {
    action: Option<String>,
    repository: Option<Repository>,
    #[serde(rename = "ref")]
    git_ref: Option<String>,
}

#[derive(Deserialize)]
struct Repository {
    full_name: Option<String>,
    default_branch: Option<String>,
}

#[derive(Deserialize)]
struct PullRequestEvent {
    pull_request: Option<PullRequest>,
}

#[derive(Deserialize)]
struct PullRequest {
    number: u64,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    labels: Option<Vec<Label>>,
    head: Branch,
    base: Branch,
    user: Option<User>,
    #[serde(default)]
    draft: Option<bool>,
}

#[derive(Deserialize)]
struct Label {
    name: String,
}

#[derive(Deserialize)]
struct Branch {
    #[serde(rename = "ref")]
    git_ref: String,
    #[serde(default)]
    sha: Option<String>,
}

#[derive(Deserialize)]
struct User {
    login: String,
}

#[derive(Deserialize)]
struct PushEvent {
    after: Option<String>,
}

#[derive(Deserialize)]
struct ReleaseEvent {
    release: Option<Release>,
}

#[derive(Deserialize)]
struct Release {
    tag_name: String,
}

#[derive(Deserialize)]
struct MergeGroupEvent {
    merge_group: Option<MergeGroup>,
}

#[derive(Deserialize)]
struct MergeGroup {
    head_sha: Option<String>,
    head_ref: Option<String>,
}

impl PrContext {
    /// Its base and head, for patch coverage.
    pub fn refs(&self) -> crate::model::coverage::PullRefs {
        crate::model::coverage::PullRefs {
            base_sha: self.base_sha.clone(),
            base_ref: self.base_ref.clone(),
            head: self.head_sha.clone(),
        }
    }
}

impl EventContext {
    /// The branch this run judges and the default branch, for the run history: a pull
    /// request's head branch, a pushed branch, else the branch of `env_ref`
    /// (`GITHUB_REF`, the default branch on `schedule`); a tag is no branch.
    pub fn run_branch(&self, env_ref: Option<&str>) -> crate::model::coverage::RunBranch {
        let branch = match &self.pr {
            Some(pr) => Some(pr.head_ref.clone()),
            None => self
                .git_ref
                .as_deref()
                .or(env_ref)
                .and_then(|r| r.strip_prefix("refs/heads/"))
                .map(str::to_string),
        };
        crate::model::coverage::RunBranch {
            branch: branch.filter(|b| !b.is_empty()),
            default_branch: self.default_branch.clone().filter(|b| !b.is_empty()),
        }
    }

    /// The context of an event named `name` whose payload is not known.
    pub fn named(name: &str) -> EventContext {
        EventContext {
            event_name: name.to_string(),
            ..EventContext::default()
        }
    }
}

/// Reads the event payload (the file at `GITHUB_EVENT_PATH`) of an event named
/// `event_name` (`GITHUB_EVENT_NAME`).
///
/// `pull_request`, `pull_request_target`, `push`, `release`, `schedule`,
/// `workflow_dispatch` and `merge_group` are read in full; any other event gives a
/// context with only `action`, `repository` and a top-level `ref` filled in. Fields this
/// does not use are ignored. Errors: the payload is not JSON or has the wrong shape
/// ([`EventError::Json`]), or a pull request / release event lacks its object
/// ([`EventError::Missing`]).
pub fn read_event(event_name: &str, payload_json: &str) -> Result<EventContext, EventError> {
    let json_err = |source| EventError::Json {
        event: event_name.to_string(),
        source,
    };
    let missing = |field| EventError::Missing {
        event: event_name.to_string(),
        field,
    };
    let common: Common = serde_json::from_str(payload_json).map_err(json_err)?;
    let mut ctx = EventContext {
        event_name: event_name.to_string(),
        action: common.action,
        default_branch: common
            .repository
            .as_ref()
            .and_then(|r| r.default_branch.clone()),
        repository: common.repository.and_then(|r| r.full_name),
        ..EventContext::default()
    };
    match event_name {
        "pull_request" | "pull_request_target" => {
            let event: PullRequestEvent = serde_json::from_str(payload_json).map_err(json_err)?;
            let pr = event.pull_request.ok_or_else(|| missing("pull_request"))?;
            let head_sha = pr
                .head
                .sha
                .ok_or_else(|| missing("pull_request.head.sha"))?;
            ctx.sha = Some(head_sha.clone());
            ctx.pr = Some(PrContext {
                number: pr.number,
                title: pr.title.unwrap_or_default(),
                labels: pr
                    .labels
                    .unwrap_or_default()
                    .into_iter()
                    .map(|l| l.name)
                    .collect(),
                head_sha,
                head_ref: pr.head.git_ref,
                base_ref: pr.base.git_ref,
                base_sha: pr.base.sha,
                author: pr.user.map(|u| u.login),
                draft: pr.draft.unwrap_or(false),
            });
        }
        "push" => {
            let event: PushEvent = serde_json::from_str(payload_json).map_err(json_err)?;
            // A deleted ref has `after` = forty zeros.
            ctx.sha = event
                .after
                .filter(|s| !s.is_empty() && s.bytes().any(|b| b != b'0'));
            ctx.release_tag = common
                .git_ref
                .as_deref()
                .and_then(|r| r.strip_prefix("refs/tags/"))
                .map(str::to_string);
            ctx.git_ref = common.git_ref;
        }
        "release" => {
            let event: ReleaseEvent = serde_json::from_str(payload_json).map_err(json_err)?;
            let release = event.release.ok_or_else(|| missing("release"))?;
            ctx.git_ref = Some(format!("refs/tags/{}", release.tag_name));
            ctx.release_tag = Some(release.tag_name);
        }
        "merge_group" => {
            let event: MergeGroupEvent = serde_json::from_str(payload_json).map_err(json_err)?;
            let group = event.merge_group.ok_or_else(|| missing("merge_group"))?;
            ctx.sha = group.head_sha;
            ctx.git_ref = group.head_ref;
        }
        "schedule" => {}
        // workflow_dispatch and any other event: the top-level `ref`, when present.
        _ => ctx.git_ref = common.git_ref,
    }
    Ok(ctx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;
    use std::fs;

    fn fixture(name: &str) -> String {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/events")
            .join(name);
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    #[test]
    fn outputs_single_and_multi_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("output");
        fs::write(&path, "earlier=1\n").unwrap();
        write_outputs(
            &path,
            &[
                ("verdict", "fail"),
                ("empty", ""),
                ("equals", "a=b<<c"),
                ("report", "line 1\nline 2\n"),
            ],
        )
        .unwrap();
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            "earlier=1\n\
             verdict=fail\n\
             empty=\n\
             equals=a=b<<c\n\
             report<<SLIPGATE_EOF\nline 1\nline 2\n\nSLIPGATE_EOF\n"
        );
    }

    #[test]
    fn heredoc_delimiter_avoids_the_value() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("output");
        let evil = "x\nSLIPGATE_EOF\nSLIPGATE_EOF_1\ninjected=1";
        write_outputs(&path, &[("text", evil)]).unwrap();
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            "text<<SLIPGATE_EOF_2\nx\nSLIPGATE_EOF\nSLIPGATE_EOF_1\ninjected=1\nSLIPGATE_EOF_2\n"
        );
        // A carriage return alone also takes the heredoc form.
        assert_eq!(heredoc_delimiter("a\rb"), "SLIPGATE_EOF");
        write_outputs(&path, &[("cr", "a\rb")]).unwrap();
        assert!(
            fs::read_to_string(&path)
                .unwrap()
                .ends_with("cr<<SLIPGATE_EOF\na\rb\nSLIPGATE_EOF\n")
        );
    }

    #[test]
    fn bad_output_names_write_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("output");
        for name in ["", "a=b", "a<<b", "a\nb"] {
            let err = write_outputs(&path, &[("ok", "1"), (name, "v")]).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        }
        assert!(!path.exists());
    }

    #[test]
    fn summary_appends_and_creates() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.md");
        append_summary(&path, "# One").unwrap();
        append_summary(&path, "two\n").unwrap();
        append_summary(&path, "").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "# One\ntwo\n");
        let missing_dir = dir.path().join("no/such/dir/summary.md");
        assert!(append_summary(&missing_dir, "x").is_err());
    }

    #[test]
    fn file_annotations_escape_the_path() {
        assert_eq!(
            file_annotation(
                Level::Warning,
                "src/a,b:c.rs",
                3,
                5,
                "slipgate: not covered",
                "x\ny"
            ),
            "::warning file=src/a%2Cb%3Ac.rs,line=3,endLine=5,title=slipgate%3A not covered::x%0Ay"
        );
        // A path cannot end the command early or start another one.
        let a = file_annotation(Level::Warning, "a\n::error::x", 1, 1, "t", "m");
        assert!(!a.contains('\n'), "{a}");
    }

    #[test]
    fn annotations_escape_data_and_properties() {
        assert_eq!(
            annotation(Level::Error, "defect_rate", "12.5 > 10"),
            "::error title=defect_rate::12.5 > 10"
        );
        assert_eq!(
            annotation(Level::Warning, "a: b, c", "50% done\r\nnext: x, y"),
            "::warning title=a%3A b%2C c::50%25 done%0D%0Anext: x, y"
        );
        assert_eq!(annotation(Level::Notice, "", "hi"), "::notice::hi");
        // `%` is escaped first, so an escape sequence in the input stays literal.
        assert_eq!(escape_data("%0A"), "%250A");
        assert_eq!(escape_property("%3A:"), "%253A%3A");
        // `::` in a message cannot end the command: the message is the rest of the line.
        assert_eq!(
            annotation(Level::Error, "t", "::set-output name=x::1\n::error::boom"),
            "::error title=t::::set-output name=x::1%0A::error::boom"
        );
    }

    #[test]
    fn annotations_show_hidden_characters_and_break_old_commands() {
        assert_eq!(
            annotation(
                Level::Warning,
                "slipgate: a\u{202E}b",
                "x\u{1b}[31m\u{0}\u{7} ##[error]y\u{200B}"
            ),
            "::warning title=slipgate%3A a<U+202E>b::x<U+001B>[31m<U+0000><U+0007> \
             ##<U+005B>error]y<U+200B>"
        );
        // Visible forms are made after `%` is escaped: they hold no `%`, `:` or `,`.
        assert_eq!(escape_property("\u{85},%"), "<U+0085>%2C%25");
    }

    #[test]
    fn triggers() {
        assert_eq!(trigger_for("pull_request"), Some(Trigger::PullRequest));
        assert_eq!(
            trigger_for("pull_request_target"),
            Some(Trigger::PullRequest)
        );
        assert_eq!(trigger_for("push"), Some(Trigger::Push));
        assert_eq!(trigger_for("merge_group"), Some(Trigger::Push));
        assert_eq!(trigger_for("release"), Some(Trigger::Release));
        assert_eq!(trigger_for("schedule"), Some(Trigger::Schedule));
        assert_eq!(trigger_for("workflow_dispatch"), Some(Trigger::Schedule));
        assert_eq!(trigger_for("issues"), None);
        assert_eq!(trigger_for("Push"), None);
    }

    #[test]
    fn trigger_serde_and_schema() {
        let on: Vec<Trigger> =
            serde_json::from_str(r#"["pull_request", "push", "release", "schedule"]"#).unwrap();
        assert_eq!(
            on,
            [
                Trigger::PullRequest,
                Trigger::Push,
                Trigger::Release,
                Trigger::Schedule
            ]
        );
        assert_eq!(
            serde_json::to_string(&Trigger::PullRequest).unwrap(),
            r#""pull_request""#
        );
        assert!(serde_json::from_str::<Trigger>(r#""workflow_dispatch""#).is_err());
        let schema = serde_json::to_value(schemars::schema_for!(Trigger)).unwrap();
        let text = schema.to_string();
        for name in ["pull_request", "push", "release", "schedule"] {
            assert!(text.contains(&format!("\"{name}\"")), "{text}");
        }
        for t in [
            Trigger::PullRequest,
            Trigger::Push,
            Trigger::Release,
            Trigger::Schedule,
        ] {
            assert_eq!(trigger_for(t.as_str()), Some(t));
            assert_eq!(serde_json::to_string(&t).unwrap(), format!("\"{t}\""));
        }
    }

    #[test]
    fn pull_request_event() {
        let ctx = read_event("pull_request", &fixture("pull_request.json")).unwrap();
        assert_eq!(
            ctx,
            EventContext {
                event_name: "pull_request".into(),
                action: Some("labeled".into()),
                repository: Some("octo-org/octo-repo".into()),
                pr: Some(PrContext {
                    number: 42,
                    title: "fix: **crash** on save <script>alert(1)</script> @octocat #12".into(),
                    labels: vec!["bug".into(), "skip-gate".into()],
                    head_sha: "6dcb09b5b57875f334f61aebed695e2e4193db5e".into(),
                    head_ref: "fix/save-crash".into(),
                    base_ref: "main".into(),
                    base_sha: Some("f95f852bd8fca8fcc58a9a2d6c842781e32a215e".into()),
                    author: Some("Codertocat".into()),
                    draft: false,
                }),
                sha: Some("6dcb09b5b57875f334f61aebed695e2e4193db5e".into()),
                git_ref: None,
                release_tag: None,
                default_branch: Some("main".into()),
            }
        );
        // The run judged the pull request's head branch; the base is main's previous run.
        assert_eq!(
            ctx.run_branch(Some("refs/pull/42/merge")),
            crate::model::coverage::RunBranch {
                branch: Some("fix/save-crash".into()),
                default_branch: Some("main".into()),
            }
        );
        // The title is data: sanitized, it pings nobody and injects nothing.
        let title = crate::report::sanitize::inline(&ctx.pr.unwrap().title);
        assert_eq!(
            title,
            "fix: \\*\\*crash\\*\\* on save &lt;script&gt;alert(1)&lt;/script&gt; \
             @\u{2060}octocat #\u{2060}12"
        );
    }

    #[test]
    fn pull_request_target_draft_from_a_fork() {
        let ctx = read_event("pull_request_target", &fixture("pull_request_target.json")).unwrap();
        let pr = ctx.pr.unwrap();
        assert_eq!(ctx.action.as_deref(), Some("opened"));
        assert_eq!(pr.number, 7);
        assert!(pr.draft);
        assert_eq!(pr.labels, Vec::<String>::new());
        assert_eq!(pr.head_ref, "main"); // the fork's main
        assert_eq!(pr.base_ref, "main");
        assert_eq!(pr.author, None); // deleted account: user is null
        assert_eq!(
            ctx.sha.as_deref(),
            Some("a1b2c3d4e5f60718293a4b5c6d7e8f9012345678")
        );
    }

    #[test]
    fn push_events() {
        let ctx = read_event("push", &fixture("push.json")).unwrap();
        assert_eq!(ctx.git_ref.as_deref(), Some("refs/heads/main"));
        assert_eq!(
            ctx.sha.as_deref(),
            Some("0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c")
        );
        assert_eq!(ctx.release_tag, None);
        assert_eq!(ctx.repository.as_deref(), Some("Codertocat/Hello-World"));
        assert_eq!(ctx.pr, None);

        let ctx = read_event("push", &fixture("push_tag.json")).unwrap();
        assert_eq!(ctx.git_ref.as_deref(), Some("refs/tags/v1.4.0"));
        assert_eq!(ctx.release_tag.as_deref(), Some("v1.4.0"));
        assert_eq!(
            ctx.sha.as_deref(),
            Some("9049f1265b7d61be4a8904a9a27120d2064dab3b")
        );

        let ctx = read_event("push", &fixture("push_delete.json")).unwrap();
        assert_eq!(ctx.git_ref.as_deref(), Some("refs/heads/old-feature"));
        assert_eq!(ctx.sha, None);
    }

    #[test]
    fn release_event() {
        let ctx = read_event("release", &fixture("release.json")).unwrap();
        assert_eq!(ctx.action.as_deref(), Some("published"));
        assert_eq!(ctx.release_tag.as_deref(), Some("v2.0.0"));
        assert_eq!(ctx.git_ref.as_deref(), Some("refs/tags/v2.0.0"));
        assert_eq!(ctx.sha, None);
    }

    #[test]
    fn schedule_dispatch_and_merge_group_events() {
        let ctx = read_event("schedule", &fixture("schedule.json")).unwrap();
        assert_eq!(
            ctx,
            EventContext {
                event_name: "schedule".into(),
                repository: Some("octo-org/octo-repo".into()),
                default_branch: Some("main".into()),
                ..EventContext::default()
            }
        );
        // A schedule runs on the default branch: GITHUB_REF names it.
        let b = ctx.run_branch(Some("refs/heads/main"));
        assert_eq!(b.branch.as_deref(), Some("main"));
        assert_eq!(ctx.run_branch(Some("refs/tags/v1")).branch, None);
        let ctx = read_event("workflow_dispatch", &fixture("workflow_dispatch.json")).unwrap();
        assert_eq!(ctx.git_ref.as_deref(), Some("refs/heads/main"));
        assert_eq!((ctx.sha, ctx.pr, ctx.action), (None, None, None));

        let ctx = read_event("merge_group", &fixture("merge_group.json")).unwrap();
        assert_eq!(
            ctx.sha.as_deref(),
            Some("2ffea6db159f6b6c47a24e778fb9ef40cf6b1c7d")
        );
        assert_eq!(
            ctx.git_ref.as_deref(),
            Some(
                "refs/heads/gh-readonly-queue/main/pr-104-929f8209d40f77f4abc622a499c93a83babdbe64"
            )
        );
        assert_eq!(ctx.action.as_deref(), Some("checks_requested"));
    }

    #[test]
    fn unknown_events_give_a_generic_context() {
        let ctx = read_event(
            "issues",
            r#"{"action":"opened","issue":{"number":1},"repository":{"full_name":"o/r"}}"#,
        )
        .unwrap();
        assert_eq!(
            ctx,
            EventContext {
                event_name: "issues".into(),
                action: Some("opened".into()),
                repository: Some("o/r".into()),
                ..EventContext::default()
            }
        );
        // A local run may have an empty object.
        assert_eq!(read_event("anything", "{}").unwrap().event_name, "anything");
    }

    #[test]
    fn malformed_payloads_are_errors_that_say_so() {
        let err = read_event("push", "{\"ref\": ").unwrap_err();
        assert!(matches!(err, EventError::Json { .. }));
        let text = err.to_string();
        assert!(
            text.starts_with(
                "the `push` event payload is not the JSON GitHub writes (EOF while parsing"
            ),
            "{text}"
        );
        assert!(text.contains("GITHUB_EVENT_PATH"), "{text}");

        // Wrong shape: number as a string.
        let err = read_event(
            "pull_request",
            r#"{"pull_request":{"number":"1","head":{"ref":"a","sha":"b"},"base":{"ref":"c"}}}"#,
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("invalid type: string \"1\", expected u64"),
            "{err}"
        );

        let err = read_event("pull_request", r#"{"action":"opened"}"#).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the `pull_request` event payload has no `pull_request`; run slipgate from a workflow started by `pull_request`, or check that GITHUB_EVENT_PATH points to the runner's event file"
        );
        let err = read_event("release", "{}").unwrap_err();
        assert!(matches!(
            err,
            EventError::Missing {
                field: "release",
                ..
            }
        ));
        // Not an object at all.
        assert!(read_event("schedule", "[]").is_err());
    }
}
