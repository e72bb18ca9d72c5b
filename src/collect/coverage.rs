//! Code coverage reports: file patterns → one [`CoverageRun`].
//!
//! Two formats, told apart by their first non-blank bytes (`<` is Cobertura XML, anything
//! else LCOV), both read as a stream (memory does not grow with the file):
//! - LCOV (`cargo llvm-cov --lcov`, c8, nyc, `geninfo`): `SF:` starts a record,
//!   `DA:line,hits` counts a line, `BRDA:line,block,branch,taken` a branch (`-`: not
//!   taken), `end_of_record` ends it. Counted from the `DA` and `BRDA` lines; the
//!   summaries `LF`/`LH` (`BRF`/`BRH`) count only for a record that has no `DA`
//!   (`BRDA`) line at all. Other lines (`TN`, `FN`, `FNDA`, `FNF`, `FNH`, `VER`) are
//!   skipped.
//! - Cobertura XML (coverage.py, `cargo tarpaulin`, JaCoCo through converters): each
//!   `<class filename=…>` holds `<line number hits [branch condition-coverage]>`
//!   elements; `condition-coverage="50% (1/2)"` gives a branch line's (taken, total).
//!   Summary attributes (`line-rate`, `branch-rate`, `lines-valid`, …) are never read.
//!   A relative `filename` is joined to the first `<source>` under which it exists (else
//!   the first `<source>`).
//!
//! Source paths are made relative to the repository root when they lie under it
//! (`./` and `\` are normalised), so that reports of the same file merge: a line is
//! covered when any report covers it.
//!
//! A report is read from a regular file only, at most [`MAX_BYTES`]; malformed input is
//! an error naming file, line and column (exit 2).

mod cobertura;
mod lcov;
pub mod patch;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};

use std::path::{Component, Path, PathBuf};

use crate::model::coverage::{CoverageRun, FileCoverage};

/// The largest coverage report read: 512 MiB.
pub const MAX_BYTES: u64 = 512 << 20;

#[derive(Debug, thiserror::Error)]
pub enum CoverageError {
    #[error("`{pattern}` is not a valid file pattern; see https://docs.rs/glob for the syntax")]
    Pattern {
        pattern: String,
        #[source]
        source: glob::PatternError,
    },
    #[error(
        "no coverage report matches `{pattern}` under `{base}`; check the path (`--coverage` or policy `coverage.paths`), and that the coverage step ran"
    )]
    NoMatch { pattern: String, base: String },
    #[error("cannot read the coverage report `{file}`")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "`{file}` is {kind}, not a regular file; coverage reports are read from regular files only: make the patterns match only the report files"
    )]
    NotRegular { file: String, kind: &'static str },
    #[error(
        "`{file}` is larger than {} MiB, the most slipgate reads of a coverage report; split the report", MAX_BYTES >> 20
    )]
    TooLarge { file: String },
    #[error(
        "`{file}` is not a valid coverage report: {reason} (line {line}, column {column}); regenerate it as LCOV or Cobertura XML"
    )]
    Malformed {
        file: String,
        line: u64,
        column: u64,
        reason: String,
    },
}

impl CoverageError {
    /// The file, line and column of a malformed report.
    pub fn location(&self) -> Option<(&str, u64, u64)> {
        match self {
            CoverageError::Malformed {
                file, line, column, ..
            } => Some((file, *line, *column)),
            _ => None,
        }
    }

    /// The file (and line and column, for content errors) the error is about, for an
    /// annotation; `None` for a pattern error or a pattern that matches nothing.
    pub fn place(&self) -> Option<crate::model::Place> {
        let (file, at) = match self {
            CoverageError::Pattern { .. } | CoverageError::NoMatch { .. } => return None,
            CoverageError::Io { file, .. }
            | CoverageError::NotRegular { file, .. }
            | CoverageError::TooLarge { file } => (file, None),
            CoverageError::Malformed {
                file, line, column, ..
            } => (file, Some((*line, *column))),
        };
        Some(crate::model::Place {
            file: file.clone(),
            line: at.map(|a| a.0),
            column: at.map(|a| a.1),
        })
    }
}

/// What a pattern matching no file does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    Error,
    /// A warning: a report is still worth printing without coverage.
    Warn,
}

/// One report as parsed: source path as written → coverage.
pub type Parsed = BTreeMap<String, FileCoverage>;

/// Where a relative source path of a report is resolved.
#[derive(Debug, Clone)]
pub struct Roots {
    /// The repository root as given and canonical; paths under it are made relative
    /// to it.
    pub repo: Vec<PathBuf>,
}

impl Roots {
    pub fn of(repo: &Path) -> Roots {
        let mut roots = vec![repo.to_path_buf()];
        if let Ok(c) = repo.canonicalize()
            && c != repo
        {
            roots.push(c);
        }
        Roots { repo: roots }
    }
}

/// What was read before the format was known: leading blanks.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Start {
    /// Bytes consumed.
    offset: u64,
    /// Line breaks among them.
    breaks: u64,
    /// The offset of the last one.
    last_break: Option<u64>,
}

impl Start {
    /// Blanks consumed on the line the parser starts on.
    fn column_offset(self) -> u64 {
        self.offset - self.last_break.map_or(0, |b| b + 1)
    }
}

/// Parses one report read from `reader`; `name` names it in errors.
pub fn parse_reader<R: BufRead>(name: &str, mut reader: R) -> Result<Parsed, CoverageError> {
    let io = |source| CoverageError::Io {
        file: name.to_string(),
        source,
    };
    let mut start = Start::default();
    let mut bom_seen = false;
    let xml = loop {
        let buf = reader.fill_buf().map_err(io)?;
        if buf.is_empty() {
            break false;
        }
        let first = buf.iter().position(|b| !b.is_ascii_whitespace());
        let blanks = first.unwrap_or(buf.len());
        for i in memchr::memchr_iter(b'\n', &buf[..blanks]) {
            start.breaks += 1;
            start.last_break = Some(start.offset + i as u64);
        }
        let at = first.map(|i| buf[i]);
        start.offset += blanks as u64;
        reader.consume(blanks);
        match at {
            // A byte order mark (Windows tools write one before LCOV and XML alike) is
            // consumed here, byte by byte, so neither parser sees it and positions do
            // not depend on how the input is split into reads.
            Some(0xEF) if !bom_seen => {
                skip_bom(&mut reader, &mut start, name)?;
                bom_seen = true;
            }
            Some(b) => break b == b'<',
            None => {}
        }
    };
    if xml {
        cobertura::parse(name, reader, start)
    } else {
        lcov::parse(name, reader, start)
    }
}

/// Consumes the UTF-8 byte order mark whose first byte is next in `reader`; a first
/// byte 0xEF not followed by the rest of the mark is an error at the byte that differs.
fn skip_bom<R: BufRead>(
    reader: &mut R,
    start: &mut Start,
    name: &str,
) -> Result<(), CoverageError> {
    for want in [0xEF, 0xBB, 0xBF] {
        let buf = reader.fill_buf().map_err(|source| CoverageError::Io {
            file: name.to_string(),
            source,
        })?;
        if buf.first() != Some(&want) {
            return Err(CoverageError::Malformed {
                file: name.to_string(),
                line: start.breaks + 1,
                column: start.column_offset() + 1,
                reason: "the report starts with a byte that is not UTF-8 text (0xEF without the rest of a byte order mark)".to_string(),
            });
        }
        reader.consume(1);
        start.offset += 1;
    }
    Ok(())
}

/// Reads every report matched by `patterns` (globs relative to `base`) and merges them
/// per source file.
pub fn collect(
    patterns: &[String],
    base: &Path,
    roots: &Roots,
    missing: Missing,
) -> Result<CoverageRun, CoverageError> {
    let mut run = CoverageRun::default();
    for (path, name) in expand(patterns, base, missing, &mut run.warnings)? {
        let parsed = read_one(&path, &name)?;
        for (source, cov) in parsed {
            let key = normalise(&source, roots);
            merge_into(run.sources.entry(key).or_default(), cov);
        }
        run.files.push(name);
    }
    Ok(run)
}

fn read_one(path: &Path, name: &str) -> Result<Parsed, CoverageError> {
    let file = open_regular(path, name)?;
    let mut capped = BufReader::with_capacity(64 * 1024, file.take(MAX_BYTES + 1));
    let parsed = parse_reader(name, &mut capped);
    // Whatever was parsed, a report over the cap is refused.
    let over = capped.get_ref().limit() == 0;
    if over {
        return Err(CoverageError::TooLarge {
            file: name.to_string(),
        });
    }
    parsed
}

/// Merges one report's coverage of a file into the run's.
pub fn merge_into(into: &mut FileCoverage, from: FileCoverage) {
    for (line, hits) in from.lines {
        let e = into.lines.entry(line).or_insert(0);
        *e = (*e).max(hits);
    }
    for (line, (taken, total)) in from.branches {
        let e = into.branches.entry(line).or_insert((0, 0));
        *e = (e.0.max(taken), e.1.max(total));
    }
    let max = |a: Option<(u64, u64)>, b: Option<(u64, u64)>| match (a, b) {
        (Some(a), Some(b)) => Some((a.0.max(b.0), a.1.max(b.1))),
        (a, b) => a.or(b),
    };
    into.line_summary = max(into.line_summary, from.line_summary);
    into.branch_summary = max(into.branch_summary, from.branch_summary);
}

/// A source path as the run's key: `\` as `/`, `.` and `..` resolved lexically, relative
/// to the repository root when it lies under it. Relative paths are relative to the
/// repository root already (LCOV from `cargo llvm-cov`, Cobertura once joined to its
/// `<source>`).
pub fn normalise(source: &str, roots: &Roots) -> String {
    let slashed = source.replace('\\', "/");
    let path = Path::new(&slashed);
    let mut parts: Vec<Component<'_>> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(parts.last(), Some(Component::Normal(_))) => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let clean: PathBuf = parts.iter().collect();
    let rel = roots
        .repo
        .iter()
        .find_map(|r| clean.strip_prefix(r).ok())
        .unwrap_or(&clean);
    rel.to_string_lossy().into_owned()
}

/// Opens a report, refusing a path that is not a regular file before opening it.
fn open_regular(path: &Path, name: &str) -> Result<File, CoverageError> {
    super::file::open_regular(path).map_err(|e| match e {
        super::file::OpenError::Io(source) => CoverageError::Io {
            file: name.to_string(),
            source,
        },
        super::file::OpenError::NotRegular(kind) => CoverageError::NotRegular {
            file: name.to_string(),
            kind,
        },
    })
}

/// The files matched by `patterns`, deduplicated, with the name shown for each.
fn expand(
    patterns: &[String],
    base: &Path,
    missing: Missing,
    warnings: &mut Vec<String>,
) -> Result<Vec<(PathBuf, String)>, CoverageError> {
    let matched = super::file::glob_files(patterns, base, warnings).map_err(|(k, source)| {
        CoverageError::Pattern {
            pattern: patterns[k].clone(),
            source,
        }
    })?;
    let base_text = base.to_string_lossy();
    let mut files = Vec::new();
    for (pattern, m) in patterns.iter().zip(matched) {
        if m.count == 0 {
            match missing {
                Missing::Error => {
                    return Err(CoverageError::NoMatch {
                        pattern: pattern.clone(),
                        base: base_text.into_owned(),
                    });
                }
                Missing::Warn => warnings.push(format!(
                    "no coverage report matches `{pattern}` under `{base_text}`"
                )),
            }
        }
        files.extend(m.files);
    }
    Ok(files)
}

#[cfg(test)]
mod tests;
