//! Cobertura XML, streamed with quick-xml.

use std::collections::VecDeque;
use std::io::{self, BufRead, Read};
use std::path::Path;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::{CoverageError, Parsed};

/// How many of the latest line breaks are remembered to place an error: quick-xml may
/// have read past the markup in error by one event, which rarely spans more lines.
const BREAKS_KEPT: usize = 4096;

/// A byte source that counts the line breaks consumed, so a byte offset can be named
/// as line and column.
struct Counted<R> {
    inner: R,
    consumed: u64,
    breaks: u64,
    /// Offsets of the latest line breaks, ascending.
    recent: VecDeque<u64>,
}

impl<R: BufRead> Read for Counted<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let buf = self.fill_buf()?;
        let n = buf.len().min(out.len());
        out[..n].copy_from_slice(&buf[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counted<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, n: usize) {
        if let Ok(buf) = self.inner.fill_buf() {
            for i in memchr::memchr_iter(b'\n', &buf[..n.min(buf.len())]) {
                self.breaks += 1;
                if self.recent.len() == BREAKS_KEPT {
                    self.recent.pop_front();
                }
                self.recent.push_back(self.consumed + i as u64);
            }
        }
        self.consumed += n as u64;
        self.inner.consume(n);
    }
}

impl<R> Counted<R> {
    /// Line and column (1-based; the column in bytes) of byte `offset`.
    fn place(&self, offset: u64) -> (u64, u64) {
        let after = self.recent.iter().filter(|&&b| b >= offset).count() as u64;
        let line = self.breaks - after + 1;
        let line_start = self
            .recent
            .iter()
            .rev()
            .find(|&&b| b < offset)
            .map_or(0, |b| b + 1);
        (line, offset.saturating_sub(line_start) + 1)
    }
}

pub(super) fn parse<R: BufRead>(
    name: &str,
    reader: R,
    start: super::Start,
) -> Result<Parsed, CoverageError> {
    let mut xml = Reader::from_reader(Counted {
        inner: reader,
        consumed: start.offset,
        breaks: start.breaks,
        recent: start.last_break.into_iter().collect(),
    });
    xml.config_mut().trim_text(true);
    let mut out = Parsed::new();
    let mut buf = Vec::new();
    let mut sources: Vec<String> = Vec::new();
    let mut source_text: Option<String> = None;
    let mut class: Option<String> = None;
    let mut root_seen = false;
    let bad = |xml: &Reader<Counted<R>>, offset: u64, reason: String| {
        // quick-xml counts from where it started reading.
        let (line, column) = xml.get_ref().place(offset + start.offset);
        CoverageError::Malformed {
            file: name.to_string(),
            line,
            column,
            reason,
        }
    };
    loop {
        let event = xml.read_event_into(&mut buf);
        let after = xml.buffer_position();
        match event {
            Err(e) => {
                let at = xml.error_position();
                return Err(bad(&xml, at, format!("not well-formed XML: {e}")));
            }
            Ok(Event::Eof) => break,
            Ok(ev @ (Event::Start(_) | Event::Empty(_))) => {
                let empty = matches!(ev, Event::Empty(_));
                let (Event::Start(e) | Event::Empty(e)) = ev else {
                    continue;
                };
                let start = after.saturating_sub(e.len() as u64 + 2 + u64::from(empty));
                let tag = e.local_name().as_ref().to_string();
                if !root_seen {
                    if tag != "coverage" {
                        let root = cutted(&tag);
                        return Err(bad(
                            &xml,
                            start,
                            format!("the root element is `<{root}>`, not Cobertura's `<coverage>`"),
                        ));
                    }
                    root_seen = true;
                    buf.clear();
                    continue;
                }
                match tag.as_str() {
                    "source" if !empty => source_text = Some(String::new()),
                    "class" => {
                        let file = attr(&e, "filename")
                            .map_err(|r| bad(&xml, start, r))?
                            .filter(|f| !f.trim().is_empty())
                            .ok_or_else(|| {
                                bad(&xml, start, "a `<class>` without a `filename`".into())
                            })?;
                        let file = resolve(&sources, file.trim());
                        class = (!empty).then(|| file.clone());
                        out.entry(file).or_default();
                    }
                    "line" => {
                        if let Some(file) = &class {
                            let cov = out.entry(file.clone()).or_default();
                            line(&e, cov).map_err(|r| bad(&xml, start, r))?;
                        }
                    }
                    _ => {}
                }
            }
            Ok(Event::End(e)) => match e.local_name().as_ref() {
                "source" => {
                    if let Some(text) = source_text.take()
                        && !text.trim().is_empty()
                    {
                        sources.push(text.trim().to_string());
                    }
                }
                "class" => class = None,
                _ => {}
            },
            Ok(Event::Text(t)) => {
                if let Some(s) = source_text.as_mut() {
                    s.push_str(&t.xml_content(quick_xml::XmlVersion::Implicit1_0));
                }
            }
            Ok(Event::GeneralRef(r)) => {
                if let Some(s) = source_text.as_mut() {
                    let name = r.xml_content(quick_xml::XmlVersion::Implicit1_0);
                    match quick_xml::escape::resolve_predefined_entity(&name) {
                        Some(c) => s.push_str(c),
                        None => {
                            let at = after.saturating_sub(name.len() as u64 + 2);
                            return Err(bad(
                                &xml,
                                at,
                                format!("unknown entity `&{}`;", cutted(&name)),
                            ));
                        }
                    }
                }
            }
            Ok(_) => {}
        }
        buf.clear();
    }
    if !root_seen {
        let end = xml.buffer_position();
        return Err(bad(&xml, end, "no `<coverage>` element".into()));
    }
    Ok(out)
}

fn cutted(text: &str) -> String {
    text.chars().take(40).collect()
}

/// The value of attribute `key`, unescaped; none when absent.
fn attr(e: &BytesStart<'_>, key: &str) -> Result<Option<String>, String> {
    for a in e.attributes() {
        let a = a.map_err(|err| format!("not well-formed XML: {err}"))?;
        if a.key.local_name().as_ref() == key {
            let v = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|err| format!("not well-formed XML: {err}"))?;
            return Ok(Some(v.into_owned()));
        }
    }
    Ok(None)
}

/// A relative `filename` joined to the first `<source>` under which it exists, else to
/// the first `<source>`; an absolute one as it is.
fn resolve(sources: &[String], file: &str) -> String {
    if Path::new(file).is_absolute() || sources.is_empty() {
        return file.to_string();
    }
    let joined = |s: &String| Path::new(s).join(file);
    sources
        .iter()
        .map(joined)
        .find(|p| p.exists())
        .unwrap_or_else(|| joined(&sources[0]))
        .to_string_lossy()
        .into_owned()
}

/// Counts one `<line number hits [branch condition-coverage]>`.
fn line(e: &BytesStart<'_>, cov: &mut crate::model::coverage::FileCoverage) -> Result<(), String> {
    let number = attr(e, "number")?.ok_or("a `<line>` without a `number`")?;
    let number = number
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            format!(
                "the line number `{}` is not a whole number from 1",
                cutted(&number)
            )
        })?;
    let hits = attr(e, "hits")?.ok_or("a `<line>` without `hits`")?;
    let hits = parse_hits(&hits)
        .ok_or_else(|| format!("`hits=\"{}\"` is not a whole number", cutted(&hits)))?;
    let h = cov.lines.entry(number).or_insert(0);
    *h = (*h).max(hits);
    let branch = attr(e, "branch")?.is_some_and(|b| b.trim().eq_ignore_ascii_case("true"));
    if branch && let Some(cc) = attr(e, "condition-coverage")? {
        let (taken, total) = condition(&cc).ok_or_else(|| {
            format!(
                "`condition-coverage=\"{}\"` is not `N% (taken/total)`",
                cutted(&cc)
            )
        })?;
        let b = cov.branches.entry(number).or_insert((0, 0));
        *b = (b.0.max(taken), b.1.max(total));
    }
    Ok(())
}

/// A hit count: a whole number (`12`; `12.0` as some converters write it).
fn parse_hits(text: &str) -> Option<u64> {
    let t = text.trim();
    let t = t.strip_suffix(".0").unwrap_or(t);
    t.parse().ok()
}

/// `50% (1/2)` → (1, 2); taken is at most total.
fn condition(text: &str) -> Option<(u32, u32)> {
    let inner = text.split_once('(')?.1.split_once(')')?.0;
    let (taken, total) = inner.split_once('/')?;
    let (taken, total): (u32, u32) = (taken.trim().parse().ok()?, total.trim().parse().ok()?);
    Some((taken.min(total), total))
}
