//! JUnit XML test results: file patterns → one [`TestRun`].
//!
//! Reads the reports of every common runner (Maven Surefire/Failsafe, Gradle, pytest,
//! jest-junit, mocha, Cypress, Playwright, go-junit-report, gotestsum, cargo-nextest,
//! RSpec, PHPUnit, ExUnit, .NET JunitXml) with one streaming reader: memory does not grow
//! with `system-out`, stack traces or file size (see `parse`).
//!
//! The rules are those of docs/metrics.md, "Test metrics":
//! - a case is identified by (classname, name); a missing or empty classname is replaced
//!   by the enclosing testsuite's name;
//! - its outcome comes from its child elements only: `failure` → failed, else `error` →
//!   errored, else `skipped` → skipped, else passed. A case whose only failure evidence
//!   is `rerunFailure` (`rerunError`) is failed (errored);
//! - `flakyFailure` / `flakyError` children make it flaky (passed and flaky after a
//!   final pass; failed and flaky beside a final `failure`); `rerun*` never do;
//! - duration is the sum of the `time` attributes, decimal seconds, 0 when missing or
//!   not decimal. Accepted: digits with an optional fraction (`12`, `0.5`, `.5`, `12.`),
//!   blanks around, and commas as thousands separators in full groups of three before
//!   the point (`1,234.5`, as old Surefire versions wrote long times). Refused (0 s, and
//!   one warning per file): signs, exponents, a decimal comma (`0,5`), units, `NaN`;
//! - a message is the first non-empty line of the deciding element's `message`
//!   attribute, else of its text (CDATA included), trimmed and cut to
//!   [`MESSAGE_MAX_CHARS`] characters plus `…`. Line breaks written as `&#10;` or `&#xD;`
//!   and literal ones both end a line.
//!
//! Well-formedness: markup is checked strictly (an error naming file, line and column;
//! `on_malformed` decides whether it stops the run). Besides what quick-xml checks, every
//! start tag's attributes must be `name="value"` pairs whose values hold no `<`, no `&`
//! that starts no reference, and no character outside XML 1.0's `Char` production (a raw
//! NUL or ESC). References follow one rule, in values and in text: `&` then a name, or
//! `#` and digits, or `#x` and hex digits, then `;`, is a reference; it must be a
//! character reference or one of the five predefined entities (`&lt;` `&gt;` `&amp;`
//! `&apos;` `&quot;`), else it is not well-formed (`&nbsp;`, or an entity declared in a
//! DOCTYPE: DTDs are not read, so nothing is expanded). Text content is otherwise read
//! leniently, as runners dump raw output there: a lone `&` (one that starts no reference:
//! `a & b`, `&1;`, `&amp` without `;`) is kept as text, and bytes that are not UTF-8 and
//! raw forbidden characters become U+FFFD.
//! A character reference to a character XML forbids (`&#0;`, `&#27;`, `&#xFFFE;`, a
//! surrogate), in a value or in text, becomes U+FFFD: it is never passed on.
//!
//! An identity reported more than once in a run (several files, or reruns such as
//! `gotestsum --rerun-fails` or Gradle's test-retry plugin) is merged into one
//! [`TestCase`](crate::model::TestCase) by [`Merger`]: a passing and a failing attempt
//! give passed and flaky; only failing attempts give failed (errored if none failed);
//! skipped only if every attempt was skipped; durations add up.

mod merge;
mod parse;
mod source;
mod text;

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use crate::model::{TestOutcome, TestRun, TestTable};
use crate::policy::{OnMalformed, OnMissing};

pub use merge::Merger;
pub use text::MESSAGE_MAX_CHARS;

#[derive(Debug, thiserror::Error)]
pub enum JunitError {
    #[error("`{pattern}` is not a valid file pattern; see https://docs.rs/glob for the syntax")]
    Pattern {
        pattern: String,
        #[source]
        source: glob::PatternError,
    },
    #[error(
        "no JUnit file matches `{pattern}` under `{base}`{hint}; check the path, or set `on_missing: warn` if the tests may not have run"
    )]
    NoMatch {
        pattern: String,
        base: String,
        /// Empty, or a hint such as "(it matches only directories ...)".
        hint: String,
    },
    #[error("cannot read the JUnit file `{file}`")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "`{file}` is {kind}, not a regular file; JUnit reports are read from regular files only: make the file patterns match only the report files, or set `on_malformed: warn` to skip such paths"
    )]
    NotRegular {
        file: String,
        /// "a named pipe (FIFO)", "a character device", ...
        kind: &'static str,
    },
    #[error(
        "`{file}` is not well-formed XML (line {line}, column {column}); regenerate the report, or set `on_malformed: warn` to skip such files"
    )]
    Xml {
        file: String,
        line: u64,
        column: u64,
        #[source]
        source: quick_xml::Error,
    },
    #[error(
        "`{file}` is not a valid JUnit report: {reason} (line {line}, column {column}); regenerate the report, or set `on_malformed: warn` to skip such files"
    )]
    Malformed {
        file: String,
        line: u64,
        column: u64,
        reason: String,
    },
    #[error(
        "`{file}` is not a JUnit XML report: its root element is `<{root}>`, not `<testsuites>` or `<testsuite>` (line {line}, column {column}); check the JUnit file patterns"
    )]
    NotJunit {
        file: String,
        line: u64,
        column: u64,
        root: String,
    },
}

impl JunitError {
    /// The file (and line and column, for content errors) the error is about; `None`
    /// for a pattern error or a pattern that matches nothing.
    pub fn place(&self) -> Option<crate::model::Place> {
        let (file, at) = match self {
            JunitError::Pattern { .. } | JunitError::NoMatch { .. } => return None,
            JunitError::Io { file, .. } | JunitError::NotRegular { file, .. } => (file, None),
            JunitError::Xml {
                file, line, column, ..
            }
            | JunitError::Malformed {
                file, line, column, ..
            }
            | JunitError::NotJunit {
                file, line, column, ..
            } => (file, Some((*line, *column))),
        };
        Some(crate::model::Place {
            file: file.clone(),
            line: at.map(|a| a.0),
            column: at.map(|a| a.1),
        })
    }

    /// True for a file that is not well-formed XML or not a JUnit report, and for a path
    /// that is not a regular file (the errors that `on_malformed: warn` turns into
    /// warnings).
    pub fn is_malformed(&self) -> bool {
        matches!(
            self,
            JunitError::Xml { .. }
                | JunitError::Malformed { .. }
                | JunitError::NotJunit { .. }
                | JunitError::NotRegular { .. }
        )
    }

    /// What is wrong, without advice: "`f.xml` (line 3, column 5): not well-formed XML:
    /// …". Used for the warning when a malformed file is skipped.
    pub fn brief(&self) -> String {
        match self {
            JunitError::Xml {
                file,
                line,
                column,
                source,
            } => format!("`{file}` (line {line}, column {column}): not well-formed XML: {source}"),
            JunitError::Malformed {
                file,
                line,
                column,
                reason,
            } => format!("`{file}` (line {line}, column {column}): {reason}"),
            JunitError::NotJunit {
                file,
                line,
                column,
                root,
            } => format!(
                "`{file}` (line {line}, column {column}): not a JUnit XML report, its root element is `<{root}>`"
            ),
            JunitError::NotRegular { file, kind } => {
                format!("`{file}`: {kind}, not a regular file")
            }
            other => other.to_string(),
        }
    }

    /// The file, line and column the error points at, for malformed files.
    pub fn location(&self) -> Option<(&str, u64, u64)> {
        match self {
            JunitError::Xml {
                file, line, column, ..
            }
            | JunitError::Malformed {
                file, line, column, ..
            }
            | JunitError::NotJunit {
                file, line, column, ..
            } => Some((file, *line, *column)),
            _ => None,
        }
    }
}

/// One `<testcase>` as read, before repeated identities are merged.
#[derive(Debug, Clone, PartialEq)]
pub struct RawCase {
    /// Classname, or the enclosing testsuite's name when missing or empty.
    pub classname: String,
    pub name: String,
    pub outcome: TestOutcome,
    /// Seconds (0 when `time` is missing or not decimal).
    pub duration: f64,
    /// Has a `flakyFailure` or `flakyError` child.
    pub flaky: bool,
    /// First non-empty line of the deciding `failure` / `error` (its `message`
    /// attribute, else its text), at most [`MESSAGE_MAX_CHARS`] characters (then `…`).
    pub message: Option<String>,
    /// The test's source file and line, from the `file` and `line` attributes (pytest,
    /// jest, PHPUnit, Surefire), kept for failed and errored cases only.
    pub at: Option<crate::model::Place>,
}

/// What one file held, besides its cases.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParseStats {
    /// `<testcase>` elements read.
    pub cases: usize,
    /// Cases whose `time` attribute was present but not a decimal number (counted 0 s).
    pub invalid_times: usize,
    /// The first such value (at most 40 characters), for the warning.
    pub first_invalid_time: Option<String>,
}

/// Streams the test cases of one JUnit XML document into `sink`, in document order.
///
/// `name` names the document in errors. UTF-8 (with or without byte order mark) and
/// UTF-16 (with a byte order mark, or detected from the first `<`) are read. Memory does
/// not depend on the size of text content. On error, cases already passed to `sink`
/// stay passed: buffer them if the file must count all or nothing (as [`collect`] does).
pub fn parse_reader<R: BufRead>(
    name: &str,
    reader: R,
    sink: &mut impl FnMut(RawCase),
) -> Result<ParseStats, JunitError> {
    parse::parse(name, reader, sink)
}

/// What a pattern matching no file does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingTests {
    /// As the policy's `tests.on_missing` says.
    AsPolicy,
    /// A warning at most: a report is still worth printing without test results.
    WarnAtMost,
}

/// [`collect_table`] as the policy's `tests` section says, a pattern matching no file as
/// `missing` says.
pub fn read(
    patterns: &[String],
    base: &Path,
    t: &crate::policy::Tests,
    missing: MissingTests,
) -> Result<TestTable, JunitError> {
    let on_missing = match t.on_missing {
        OnMissing::Error if missing == MissingTests::WarnAtMost => OnMissing::Warn,
        other => other,
    };
    collect_table(patterns, base, t.on_malformed, on_missing)
}

/// [`collect_table`], every test as an owned [`TestCase`](crate::model::TestCase).
pub fn collect(
    patterns: &[String],
    base: &Path,
    on_malformed: OnMalformed,
    on_missing: OnMissing,
) -> Result<TestRun, JunitError> {
    let table = collect_table(patterns, base, on_malformed, on_missing)?;
    let cases = table.cases();
    Ok(TestRun {
        files: table.files,
        cases,
        warnings: table.warnings,
    })
}

/// Expands `patterns` (globs; `**` crosses directories; relative patterns are resolved
/// against `base`), reads every file found once, and returns them as one run.
///
/// Files are read in pattern order, each pattern's matches in path order; a file matched
/// by several patterns is read once. `*` and `**` do not match names starting with `.`
/// unless the pattern spells the dot; a trailing `**` matches every path under it, like
/// `**/*`. Directories never match (a pattern matching only directories counts as
/// matching nothing, for `on_missing`); a match that is a named
/// pipe, a device or a socket is refused without being opened, as a malformed file is
/// (`on_malformed`).
///
/// The run is compact: memory grows by a few dozen bytes per test identity (plus its
/// name), not with the file or its text.
///
/// A file counts all or nothing: when one is malformed and skipped
/// (`on_malformed: warn`), what its first cases added is forgotten.
pub fn collect_table(
    patterns: &[String],
    base: &Path,
    on_malformed: OnMalformed,
    on_missing: OnMissing,
) -> Result<TestTable, JunitError> {
    let mut warnings = Vec::new();
    let files = expand(patterns, base, on_missing, &mut warnings)?;
    let mut merger = Merger::default();
    let mut run_files = Vec::new();
    for (path, name) in files {
        let file = match open_regular(&path, &name) {
            Ok(file) => file,
            Err(e) if e.is_malformed() && on_malformed == OnMalformed::Warn => {
                warnings.push(format!("skipped {}", e.brief()));
                continue;
            }
            Err(e) => return Err(e),
        };
        let reader = BufReader::with_capacity(64 * 1024, file);
        merger.begin(&name);
        match parse_reader(&name, reader, &mut |case| merger.add_case(case)) {
            Ok(stats) => {
                merger.commit();
                if stats.invalid_times > 0 {
                    warnings.push(format!(
                        "`{name}`: {} test case(s) have a `time` that is not a decimal number of seconds (first: `{}`); they count as 0 s",
                        stats.invalid_times,
                        stats.first_invalid_time.unwrap_or_default()
                    ));
                }
                run_files.push(name);
            }
            Err(e) if e.is_malformed() && on_malformed == OnMalformed::Warn => {
                merger.rollback();
                warnings.push(format!("skipped {}", e.brief()));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(merger.table(run_files, warnings))
}

/// Opens a JUnit file, refusing a path that is not a regular file *before* opening it:
/// opening a named pipe waits for a writer forever, and a device such as `/dev/zero`
/// can be read forever. Symbolic links are followed.
fn open_regular(path: &Path, name: &str) -> Result<File, JunitError> {
    super::file::open_regular(path).map_err(|e| match e {
        super::file::OpenError::Io(source) => JunitError::Io {
            file: name.to_string(),
            source,
        },
        super::file::OpenError::NotRegular(kind) => JunitError::NotRegular {
            file: name.to_string(),
            kind,
        },
    })
}

/// A pattern ending in `**` as one that matches every path under it (`dir/**` →
/// `dir/**/*`), as in a shell with `globstar` or a `.gitignore`: the glob crate alone
/// would match only the directories, hiding a file (a named pipe, say) behind "it
/// matches only directories".
fn everything_under(pattern: &str) -> std::borrow::Cow<'_, str> {
    if pattern == "**" || pattern.ends_with("/**") {
        std::borrow::Cow::Owned(format!("{pattern}/*"))
    } else {
        std::borrow::Cow::Borrowed(pattern)
    }
}

/// The files matched by `patterns`, deduplicated, each with the name shown for it
/// (its path relative to `base` when it lies under `base`).
fn expand(
    patterns: &[String],
    base: &Path,
    on_missing: OnMissing,
    warnings: &mut Vec<String>,
) -> Result<Vec<(PathBuf, String)>, JunitError> {
    let globs: Vec<String> = patterns
        .iter()
        .map(|p| everything_under(p).into_owned())
        .collect();
    let matched = super::file::glob_files(&globs, base, warnings).map_err(|(k, source)| {
        JunitError::Pattern {
            pattern: patterns[k].clone(),
            source,
        }
    })?;
    let base_text = base.to_string_lossy();
    let mut files = Vec::new();
    for (pattern, m) in patterns.iter().zip(matched) {
        if m.count == 0 {
            let directories = m.directories;
            let hint = if directories > 0 {
                format!(
                    " (it matches only {directories} director{}; add a file part such as `/**/*.xml`)",
                    if directories == 1 { "y" } else { "ies" }
                )
            } else {
                String::new()
            };
            match on_missing {
                OnMissing::Error => {
                    return Err(JunitError::NoMatch {
                        pattern: pattern.clone(),
                        base: base_text.into_owned(),
                        hint,
                    });
                }
                OnMissing::Warn => warnings.push(format!(
                    "no JUnit file matches `{pattern}` under `{base_text}`{hint}"
                )),
                OnMissing::Ignore => {}
            }
        }
        files.extend(m.files);
    }
    Ok(files)
}
