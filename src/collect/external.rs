//! External metric samples (`--metrics`, policy `metrics.paths`): CSV with a header
//! `name,time,value[,unit]`, or JSON lines `{"name", "time", "value", "unit"}`.
//!
//! The rules (docs/metrics.md, "External metrics"):
//! - the format comes from the extension (`.csv`; `.jsonl`, `.ndjson`), else from the
//!   content: a first non-blank line starting with `{` is JSON lines, anything else CSV;
//! - a byte order mark, `\r\n` line ends and blank lines are accepted;
//! - CSV: the first non-blank line is the header, its columns `name`, `time`, `value` and
//!   optionally `unit` in any order (case-insensitive, trimmed); the same header line
//!   again later (files joined with `cat`) is skipped; a field may be quoted (`"a,b"`,
//!   `""` for a quote) but not span lines (the csv crate reports no columns, so this small
//!   reader is ours);
//! - JSON lines: one object a line; other keys are ignored; `value` a number or a string
//!   holding one;
//! - `name` matches `[A-Za-z0-9_.-]+` (at most 100 characters); `time` is RFC 3339;
//!   `value` a finite decimal (`-?digits[.digits]`, no exponent, no `NaN`); `unit` `%`
//!   divides the value by 100 (99.5 → 0.995); any other unit (or none) keeps the value.
//!
//! A malformed line is an error naming `file:line:column` (the column of the field, for
//! JSON lines the column of its key), or with `on_malformed: warn` a warning, and the line
//! is skipped.

use std::path::{Path, PathBuf};

use crate::collect::file::{self, FileError, Input};
use crate::model::{ExternalData, ExternalSample};
use crate::policy::OnMalformed;

/// A metrics file: at most 64 MiB.
pub const METRICS_FILE: Input = Input {
    what: "the metrics file",
    max_bytes: 64 << 20,
    when_missing: "check the `--metrics` pattern or `metrics.paths`",
};

/// The longest metric name.
pub const NAME_MAX: usize = 100;

/// An external metric or SARIF file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ExternalError {
    #[error("`{pattern}` is not a valid file pattern; see https://docs.rs/glob for the syntax")]
    Pattern {
        pattern: String,
        #[source]
        source: glob::PatternError,
    },
    #[error(transparent)]
    File(#[from] FileError),
    #[error(
        "{file}:{line}:{column}: {reason}; fix the line, or set `metrics.on_malformed: warn` to skip malformed lines"
    )]
    Line {
        file: String,
        line: u64,
        column: u64,
        reason: String,
    },
    #[error(
        "{file}:{line}:{column}: not a SARIF 2.1.0 log: {reason}; regenerate the file with the scanner's SARIF output"
    )]
    Sarif {
        file: String,
        line: u64,
        column: u64,
        reason: String,
    },
}

impl ExternalError {
    /// The file, line and column of a malformed metrics or SARIF line, for an annotation;
    /// `None` for a pattern or file error (the message names the file).
    pub fn place(&self) -> Option<crate::model::Place> {
        match self {
            ExternalError::Line {
                file, line, column, ..
            }
            | ExternalError::Sarif {
                file, line, column, ..
            } => Some(crate::model::Place {
                file: file.clone(),
                line: Some(*line),
                column: Some(*column),
            }),
            ExternalError::Pattern { .. } | ExternalError::File(_) => None,
        }
    }
}

/// Whether `name` is a valid external metric name: `[A-Za-z0-9_.-]+`, at most
/// [`NAME_MAX`] characters.
pub fn valid_name(name: &str) -> bool {
    crate::policy::metric::valid_external_name(name)
}

/// The files matched by `patterns` (relative ones resolved against `base`), in pattern
/// order and then path order, each once, with the name shown for it (relative to `base`
/// when under it). A pattern matching no file adds a warning naming `what`.
pub(crate) fn expand(
    patterns: &[String],
    base: &Path,
    what: &str,
    warnings: &mut Vec<String>,
) -> Result<Vec<(PathBuf, String)>, ExternalError> {
    let matched = super::file::glob_files(patterns, base, warnings).map_err(|(k, source)| {
        ExternalError::Pattern {
            pattern: patterns[k].clone(),
            source,
        }
    })?;
    let base_text = base.to_string_lossy();
    let mut files = Vec::new();
    for (pattern, m) in patterns.iter().zip(matched) {
        if m.count == 0 {
            warnings.push(format!("no {what} matches `{pattern}` under `{base_text}`"));
        }
        files.extend(m.files);
    }
    Ok(files)
}

/// Reads every metrics file matched by `patterns` into one [`ExternalData`].
pub fn read(
    patterns: &[String],
    base: &Path,
    on_malformed: OnMalformed,
) -> Result<ExternalData, ExternalError> {
    let mut data = ExternalData::default();
    let files = expand(patterns, base, "metrics file", &mut data.warnings)?;
    for (path, name) in files {
        let text = file::read_regular(&path, METRICS_FILE)?;
        parse(&name, &text, on_malformed, &mut data)?;
        data.files.push(name);
    }
    Ok(data)
}

/// The two formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    JsonLines,
}

fn format_of(name: &str, text: &str) -> Format {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".csv") {
        return Format::Csv;
    }
    if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
        return Format::JsonLines;
    }
    match text.lines().map(str::trim).find(|l| !l.is_empty()) {
        Some(l) if l.starts_with('{') => Format::JsonLines,
        _ => Format::Csv,
    }
}

/// Parses one metrics file's text (named `name` in messages) into `data.samples`; lines
/// skipped under `on_malformed: warn` become warnings.
pub fn parse(
    name: &str,
    text: &str,
    on_malformed: OnMalformed,
    data: &mut ExternalData,
) -> Result<(), ExternalError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let format = format_of(name, text);
    let mut header: Option<Header> = None;
    for (i, raw) in text.split('\n').enumerate() {
        let line_no = i as u64 + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.trim().is_empty() {
            continue;
        }
        let parsed = match format {
            Format::JsonLines => json_line(line).map(Some),
            Format::Csv => match &header {
                None => match Header::parse(line) {
                    Ok(h) => {
                        header = Some(h);
                        Ok(None)
                    }
                    // Without a header nothing after it can be read.
                    Err((column, reason)) => {
                        return Err(ExternalError::Line {
                            file: name.to_string(),
                            line: line_no,
                            column,
                            reason,
                        });
                    }
                },
                Some(h) => h.record(line),
            },
        };
        match parsed {
            Ok(Some(sample)) => data.samples.push(sample),
            Ok(None) => {}
            Err((column, reason)) => {
                if on_malformed == OnMalformed::Warn {
                    data.warnings
                        .push(format!("skipped {name}:{line_no}:{column}: {reason}"));
                } else {
                    return Err(ExternalError::Line {
                        file: name.to_string(),
                        line: line_no,
                        column,
                        reason,
                    });
                }
            }
        }
    }
    Ok(())
}

/// A problem on a line: the 1-based column (in characters) and what is wrong.
type LineProblem = (u64, String);

/// A CSV line's fields, each with the column it starts at.
fn csv_fields(line: &str) -> Result<Vec<(u64, String)>, LineProblem> {
    let mut fields = Vec::new();
    let mut chars = line.chars().peekable();
    let mut column = 1u64;
    loop {
        let start = column;
        let mut field = String::new();
        // Blanks before an opening quote are allowed.
        let mut lead = String::new();
        while let Some(&c) = chars.peek() {
            if c == ' ' || c == '\t' {
                lead.push(c);
                chars.next();
                column += 1;
            } else {
                break;
            }
        }
        if chars.peek() == Some(&'"') {
            chars.next();
            column += 1;
            loop {
                match chars.next() {
                    None => return Err((start, "a quoted field is not closed".into())),
                    Some('"') => {
                        column += 1;
                        if chars.peek() == Some(&'"') {
                            chars.next();
                            column += 1;
                            field.push('"');
                        } else {
                            break;
                        }
                    }
                    Some(c) => {
                        column += 1;
                        field.push(c);
                    }
                }
            }
            while let Some(&c) = chars.peek() {
                if c == ' ' || c == '\t' {
                    chars.next();
                    column += 1;
                } else {
                    break;
                }
            }
            match chars.peek() {
                None | Some(',') => {}
                Some(_) => {
                    return Err((column, "text after a closing quote; write `\"\"` for a quote inside a quoted field".into()));
                }
            }
        } else {
            field.push_str(&lead);
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                chars.next();
                column += 1;
                field.push(c);
            }
        }
        fields.push((start, field));
        match chars.next() {
            Some(',') => column += 1,
            _ => return Ok(fields),
        }
    }
}

/// The positions of the columns in a CSV header.
#[derive(Debug, Clone)]
struct Header {
    name: usize,
    time: usize,
    value: usize,
    unit: Option<usize>,
    width: usize,
    /// The header's fields, lowercased (a repeated header line is skipped).
    fields: Vec<String>,
}

impl Header {
    fn parse(line: &str) -> Result<Header, LineProblem> {
        let fields = csv_fields(line)?;
        let mut slots: [Option<usize>; 4] = [None; 4];
        for (i, (column, f)) in fields.iter().enumerate() {
            let key = f.trim().to_ascii_lowercase();
            let slot = match key.as_str() {
                "name" => 0,
                "time" => 1,
                "value" => 2,
                "unit" => 3,
                _ => {
                    return Err((
                        *column,
                        format!(
                            "the header has a column `{}`; the header is `name,time,value` with an optional `unit`",
                            f.trim().escape_debug()
                        ),
                    ));
                }
            };
            if slots[slot].is_some() {
                return Err((*column, format!("the header names `{key}` twice")));
            }
            slots[slot] = Some(i);
        }
        let [Some(name), Some(time), Some(value), unit] = slots else {
            return Err((
                1,
                "the first line is not a header `name,time,value[,unit]`".into(),
            ));
        };
        Ok(Header {
            name,
            time,
            value,
            unit,
            width: fields.len(),
            fields: fields
                .into_iter()
                .map(|(_, f)| f.trim().to_ascii_lowercase())
                .collect(),
        })
    }

    fn record(&self, line: &str) -> Result<Option<ExternalSample>, LineProblem> {
        let fields = csv_fields(line)?;
        if fields.len() == self.width
            && fields
                .iter()
                .zip(&self.fields)
                .all(|((_, f), h)| f.trim().eq_ignore_ascii_case(h))
        {
            return Ok(None);
        }
        // A missing trailing unit is allowed (`name,time,value` under a header with `unit`).
        let short_unit = self.unit == Some(self.width - 1) && fields.len() == self.width - 1;
        if fields.len() != self.width && !short_unit {
            let column = fields.last().map_or(1, |(c, _)| *c);
            return Err((
                column,
                format!("{} fields, the header has {}", fields.len(), self.width),
            ));
        }
        let get = |i: usize| fields.get(i).map(|(c, f)| (*c, f.as_str()));
        let (nc, name) = get(self.name).unwrap_or((1, ""));
        let (tc, time) = get(self.time).unwrap_or((1, ""));
        let (vc, value) = get(self.value).unwrap_or((1, ""));
        let unit = self.unit.and_then(get);
        sample((nc, name), (tc, time), (vc, value), unit).map(Some)
    }
}

/// A sample from its fields, each with its column.
fn sample(
    name: (u64, &str),
    time: (u64, &str),
    value: (u64, &str),
    unit: Option<(u64, &str)>,
) -> Result<ExternalSample, LineProblem> {
    let n = name.1.trim();
    if !valid_name(n) {
        return Err((
            name.0,
            format!(
                "`{}` is not a metric name; use letters, digits, `_`, `.` and `-` (at most {NAME_MAX})",
                short(n)
            ),
        ));
    }
    let t = chrono::DateTime::parse_from_rfc3339(time.1.trim()).map_err(|_| {
        (
            time.0,
            format!(
                "`{}` is not an RFC 3339 time; write e.g. `2026-05-01T00:00:00Z`",
                short(time.1.trim())
            ),
        )
    })?;
    let v = decimal(value.1.trim()).ok_or_else(|| {
        (
            value.0,
            format!(
                "`{}` is not a finite decimal number; write e.g. `99.5`",
                short(value.1.trim())
            ),
        )
    })?;
    let percent = unit.is_some_and(|(_, u)| u.trim() == "%");
    Ok(ExternalSample {
        name: n.to_string(),
        time: t.timestamp(),
        value: if percent { v / 100.0 } else { v },
        percent,
    })
}

/// A value for a message: escaped for the terminal later, cut here.
fn short(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out.escape_debug().to_string()
}

/// `-?digits[.digits]` (also `.5`, `5.`, a leading `+`), finite; no exponent, no `NaN`.
pub fn decimal(s: &str) -> Option<f64> {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !digits(int) || !digits(frac) {
        return None;
    }
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// One JSON line.
fn json_line(line: &str) -> Result<ExternalSample, LineProblem> {
    let value: serde_json::Value = serde_json::from_str(line)
        .map_err(|e| (e.column().max(1) as u64, format!("not valid JSON: {e}")))?;
    let Some(obj) = value.as_object() else {
        return Err((1, "not a JSON object".into()));
    };
    // The column of `"key"` on the line (1 when absent).
    let col = |key: &str| -> u64 {
        line.find(&format!("\"{key}\""))
            .map_or(1, |b| line[..b].chars().count() as u64 + 1)
    };
    let text = |key: &'static str| -> Result<String, LineProblem> {
        match obj.get(key) {
            Some(serde_json::Value::String(s)) => Ok(s.clone()),
            Some(serde_json::Value::Number(n)) if key == "value" => Ok(n.to_string()),
            None | Some(serde_json::Value::Null) if key == "unit" => Ok(String::new()),
            None => Err((1, format!("no `{key}`"))),
            Some(_) if key == "value" => Err((col(key), "`value` is not a number".into())),
            Some(_) => Err((col(key), format!("`{key}` is not a string"))),
        }
    };
    let (name, time, value, unit) = (text("name")?, text("time")?, text("value")?, text("unit")?);
    sample(
        (col("name"), &name),
        (col("time"), &time),
        (col("value"), &value),
        Some((col("unit"), &unit)),
    )
}

#[cfg(test)]
mod tests;
