//! LCOV tracefiles, line by line.

use std::io::BufRead;

use super::{CoverageError, Parsed, merge_into};
use crate::model::coverage::FileCoverage;

/// The record being read.
#[derive(Default)]
struct Record {
    source: String,
    cov: FileCoverage,
    lf: Option<u64>,
    lh: Option<u64>,
    brf: Option<u64>,
    brh: Option<u64>,
}

impl Record {
    fn finish(self, out: &mut Parsed) {
        let mut cov = self.cov;
        if cov.lines.is_empty()
            && let Some(found) = self.lf
        {
            cov.line_summary = Some((found, self.lh.unwrap_or(0).min(found)));
        }
        if cov.branches.is_empty()
            && let Some(found) = self.brf
        {
            cov.branch_summary = Some((found, self.brh.unwrap_or(0).min(found)));
        }
        merge_into(out.entry(self.source).or_default(), cov);
    }
}

pub(super) fn parse<R: BufRead>(
    name: &str,
    mut reader: R,
    start: super::Start,
) -> Result<Parsed, CoverageError> {
    let mut out = Parsed::new();
    let mut record: Option<Record> = None;
    let mut buf = Vec::new();
    let mut line_no = start.breaks;
    // Blanks of the first line already consumed.
    let mut shift = start.column_offset() as usize;
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|source| CoverageError::Io {
                file: name.to_string(),
                source,
            })?;
        if n == 0 {
            break;
        }
        line_no += 1;
        let first_shift = std::mem::take(&mut shift);
        let bad = |column: usize, reason: String| CoverageError::Malformed {
            file: name.to_string(),
            line: line_no,
            column: column as u64,
            reason,
        };
        let text = match std::str::from_utf8(&buf) {
            Ok(t) => t,
            Err(e) => {
                let good = std::str::from_utf8(&buf[..e.valid_up_to()]).unwrap_or_default();
                let column = good.chars().count() + first_shift + 1;
                return Err(bad(column, "not UTF-8 text".into()));
            }
        };
        let text = text.trim_end_matches(['\n', '\r']);
        let indent = text.len() - text.trim_start().len() + first_shift;
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        // Columns are 1-based character positions in the line.
        let col = |byte: usize| text[..byte].chars().count() + indent + 1;
        if text == "end_of_record" {
            match record.take() {
                Some(r) => r.finish(&mut out),
                None => {
                    return Err(bad(
                        col(0),
                        "`end_of_record` without an `SF:` line before it".into(),
                    ));
                }
            }
            continue;
        }
        let Some((key, value)) = text.split_once(':') else {
            return Err(bad(
                col(0),
                format!(
                    "`{}` is not an LCOV line (`KEY:value` or `end_of_record`)",
                    cut(text)
                ),
            ));
        };
        let at = key.len() + 1;
        if key == "SF" {
            if value.trim().is_empty() {
                return Err(bad(col(at), "`SF:` names no source file".into()));
            }
            if let Some(r) = record.take() {
                r.finish(&mut out);
            }
            record = Some(Record {
                source: value.trim().to_string(),
                ..Record::default()
            });
            continue;
        }
        if !matches!(key, "DA" | "BRDA" | "LF" | "LH" | "BRF" | "BRH") {
            // TN, VER, FN, FNDA, FNF, FNH, FNL and extensions: not counted.
            continue;
        }
        let Some(r) = record.as_mut() else {
            return Err(bad(
                col(0),
                format!("`{key}:` outside a record (no `SF:` line before it)"),
            ));
        };
        // The fields of the value with the column each starts at.
        let mut fields = Vec::new();
        let mut start = at;
        for f in value.split(',') {
            fields.push((f, start));
            start += f.len() + 1;
        }
        let number = |i: usize, what: &str| -> Result<u64, CoverageError> {
            let Some(&(f, c)) = fields.get(i) else {
                return Err(bad(col(text.len()), format!("`{key}:` lacks its {what}")));
            };
            f.trim().parse::<u64>().map_err(|_| {
                bad(
                    col(c),
                    format!("the {what} `{}` is not a whole number", cut(f)),
                )
            })
        };
        let line_number = |i: usize| -> Result<u32, CoverageError> {
            let n = number(i, "line number")?;
            let c = fields.get(i).map_or(at, |f| f.1);
            u32::try_from(n)
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| bad(col(c), format!("the line number `{n}` is out of range")))
        };
        match key {
            "DA" => {
                let line = line_number(0)?;
                let hits = number(1, "hit count")?;
                let e = r.cov.lines.entry(line).or_insert(0);
                *e = (*e).max(hits);
            }
            "BRDA" => {
                // BRDA:line,block,branch,taken. Block and branch are names, not always
                // numbers (coverage.py writes `jump to line 7`), and may hold commas:
                // the line is the first field, taken the last.
                let line = line_number(0)?;
                if fields.len() < 4 {
                    return Err(bad(
                        col(text.len()),
                        "`BRDA:` lacks its block, branch or taken count".into(),
                    ));
                }
                let last = fields.len() - 1;
                let taken = match fields.get(last) {
                    Some((f, _)) if f.trim() == "-" => 0,
                    _ => number(last, "taken count")?,
                };
                let e = r.cov.branches.entry(line).or_insert((0, 0));
                e.1 = e.1.saturating_add(1);
                if taken > 0 {
                    e.0 = e.0.saturating_add(1);
                }
            }
            "LF" => r.lf = Some(number(0, "count")?),
            "LH" => r.lh = Some(number(0, "count")?),
            "BRF" => r.brf = Some(number(0, "count")?),
            _ => r.brh = Some(number(0, "count")?),
        }
    }
    // A last record without `end_of_record` still counts.
    if let Some(r) = record.take() {
        r.finish(&mut out);
    }
    Ok(out)
}

/// At most 40 characters of `text`, for an error message (escaped where it is printed).
fn cut(text: &str) -> String {
    let mut s: String = text.chars().take(40).collect();
    if text.chars().count() > 40 {
        s.push('…');
    }
    s
}
