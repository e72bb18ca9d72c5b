//! The streaming JUnit reader.
//!
//! quick-xml reads the markup (tags, declarations, processing instructions); this module
//! reads everything between tags itself, straight from the byte buffer: text and CDATA
//! are skipped (or, for the first failure / error of a case, scanned until the first
//! non-empty line is found) without ever being collected, and comments are skipped the
//! same way. Memory therefore depends on the largest start tag and the nesting depth,
//! not on the size of `system-out`, of a stack trace or of the file.

use std::io::{self, BufRead, Read};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::source::{Encoding, Input, Pos, Src, Utf16ToUtf8, sniff};
use super::text::{
    LineCapture, Reference, first_line, parse_time, scan_reference, tag_fault, undeclared_entity,
    unescape,
};
use super::{JunitError, ParseStats, RawCase};
use crate::model::TestOutcome;

/// Elements may nest this deep; deeper is refused as malformed (no runner comes close).
pub(crate) const MAX_DEPTH: usize = 512;

/// Bytes looked at after an `&` in text to tell a reference from a lone `&` (the whole
/// read buffer); a name or number running past them is refused as malformed.
const REFERENCE_WINDOW: usize = 64 * 1024;

/// A start tag bigger than this has its buffer released after use.
const BUF_KEEP: usize = 256 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Suites,
    Suite,
    Case,
    Failure,
    Error,
    Skipped,
    Flaky,
    RerunFailure,
    RerunError,
    Other,
}

impl Kind {
    /// Index of the message slot of a case for the elements that carry a message.
    fn slot(self) -> Option<usize> {
        match self {
            Kind::Failure => Some(0),
            Kind::Error => Some(1),
            Kind::RerunFailure => Some(2),
            Kind::RerunError => Some(3),
            _ => None,
        }
    }
}

fn classify(local: &str, parent: Option<Kind>) -> Kind {
    match local {
        "testsuites" => Kind::Suites,
        "testsuite" => Kind::Suite,
        "testcase" => Kind::Case,
        _ if parent != Some(Kind::Case) => Kind::Other,
        "failure" => Kind::Failure,
        "error" => Kind::Error,
        "skipped" => Kind::Skipped,
        "flakyFailure" | "flakyError" => Kind::Flaky,
        "rerunFailure" => Kind::RerunFailure,
        "rerunError" => Kind::RerunError,
        _ => Kind::Other,
    }
}

/// A `<testcase>` whose end tag has not been read yet.
#[derive(Debug, Default)]
struct Pending {
    classname: String,
    name: String,
    time: f64,
    /// The `file` and `line` attributes.
    at: Option<crate::model::Place>,
    failure: bool,
    error: bool,
    skipped: bool,
    flaky: bool,
    rerun_failure: bool,
    rerun_error: bool,
    /// First line of the first failure, error, rerunFailure, rerunError (see `Kind::slot`).
    messages: [Option<String>; 4],
    /// Which slots already had their first element.
    seen: [bool; 4],
}

impl Pending {
    fn into_raw(self) -> RawCase {
        let [failure_msg, error_msg, rerun_failure_msg, rerun_error_msg] = self.messages;
        let (outcome, message) = if self.failure {
            (TestOutcome::Failed, failure_msg)
        } else if self.error {
            (TestOutcome::Errored, error_msg)
        } else if self.skipped {
            (TestOutcome::Skipped, None)
        } else if self.rerun_failure {
            (TestOutcome::Failed, rerun_failure_msg)
        } else if self.rerun_error {
            (TestOutcome::Errored, rerun_error_msg)
        } else {
            (TestOutcome::Passed, None)
        };
        RawCase {
            classname: self.classname,
            name: self.name,
            outcome,
            duration: self.time,
            flaky: self.flaky,
            at: self
                .at
                .filter(|_| matches!(outcome, TestOutcome::Failed | TestOutcome::Errored)),
            message,
        }
    }
}

/// The first line of a failure's text, being read.
struct Capture {
    lines: LineCapture,
    /// Depth of the element whose text it is (its index in `stack`).
    depth: usize,
    /// The case (index in `cases`) and message slot it belongs to.
    case: usize,
    slot: usize,
}

struct State<'a, F> {
    file: &'a str,
    sink: &'a mut F,
    stack: Vec<Kind>,
    suite_names: Vec<String>,
    cases: Vec<Pending>,
    capture: Option<Capture>,
    root_seen: bool,
    root_done: bool,
    declared_encoding: Option<String>,
    stats: ParseStats,
}

impl<F: FnMut(RawCase)> State<'_, F> {
    fn malformed(&self, at: Pos, reason: impl Into<String>) -> JunitError {
        JunitError::Malformed {
            file: self.file.to_string(),
            line: at.line,
            column: at.column,
            reason: reason.into(),
        }
    }

    fn capturing(&self) -> bool {
        self.capture.as_ref().is_some_and(|c| !c.lines.is_done())
    }

    fn feed(&mut self, bytes: &[u8]) {
        if let Some(c) = self.capture.as_mut() {
            c.lines.feed(bytes);
        }
    }

    fn stray_text(&mut self, bytes: &[u8], at: Pos) -> Result<(), JunitError> {
        if self.stack.is_empty() && !bytes.iter().all(|&b| is_xml_space(b)) {
            return Err(self.malformed(at, "text outside the root element"));
        }
        self.feed(bytes);
        Ok(())
    }

    /// What quick-xml does not check in a start tag: the attributes' syntax (it reads
    /// them only when asked), and in their values a `<`, an `&` that starts no reference
    /// or a character XML forbids. `at` is the tag's position; a fault inside the tag is
    /// reported where it is (`pos_of` turns an offset in the tag's text into a position).
    fn check_tag(
        &self,
        e: &BytesStart<'_>,
        at: Pos,
        pos_of: impl Fn(usize) -> Pos,
    ) -> Result<(), JunitError> {
        for attr in e.attributes().with_checks(false) {
            if let Err(err) = attr {
                return Err(JunitError::Xml {
                    file: self.file.to_string(),
                    line: at.line,
                    column: at.column,
                    source: quick_xml::Error::InvalidAttr(err),
                });
            }
        }
        match tag_fault(e) {
            Some((i, reason)) => Err(self.malformed(pos_of(i), reason)),
            None => Ok(()),
        }
    }

    /// A start tag at `at`; `pos_of` turns an offset in the tag's text into a position.
    fn start(
        &mut self,
        e: &BytesStart<'_>,
        empty: bool,
        at: Pos,
        pos_of: impl Fn(usize) -> Pos,
    ) -> Result<(), JunitError> {
        let kind = classify(e.local_name().as_ref(), self.stack.last().copied());
        if self.stack.is_empty() {
            if self.root_done {
                return Err(self.malformed(
                    at,
                    format!(
                        "a second root element `<{}>` follows the first one; a file holds one report",
                        crate::escape::line(e.name().as_ref())
                    ),
                ));
            }
            if !matches!(kind, Kind::Suites | Kind::Suite) {
                return Err(JunitError::NotJunit {
                    file: self.file.to_string(),
                    line: at.line,
                    column: at.column,
                    root: crate::escape::line(e.name().as_ref()).into_owned(),
                });
            }
            self.root_seen = true;
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(self.malformed(at, format!("elements nest deeper than {MAX_DEPTH} levels")));
        }
        // After the root checks: an HTML page is "not a JUnit report", whatever its tags.
        self.check_tag(e, at, pos_of)?;
        match kind {
            Kind::Suite => {
                let [name] = self.attributes(e, ["name"], at)?;
                self.suite_names
                    .push(name.map(|n| unescape(&n, true)).unwrap_or_default());
            }
            Kind::Case => {
                let [name, classname, time, file, line] =
                    self.attributes(e, ["name", "classname", "time", "file", "line"], at)?;
                // A visible, relative-looking path and a line from 1; anything else is
                // left out (the annotation then goes without a place).
                let at_file = file
                    .map(|f| unescape(&f, true))
                    .filter(|f| !f.trim().is_empty() && !f.chars().any(crate::escape::is_hidden));
                let at = at_file.map(|file| crate::model::Place {
                    file,
                    line: line
                        .and_then(|l| l.trim().parse::<u64>().ok())
                        .filter(|l| *l >= 1),
                    column: None,
                });
                let classname = classname
                    .map(|c| unescape(&c, true))
                    .filter(|c| !c.trim().is_empty())
                    .or_else(|| self.suite_names.last().cloned())
                    .unwrap_or_default();
                let time = match time {
                    None => 0.0,
                    Some(raw) => parse_time(&raw).unwrap_or_else(|| {
                        self.stats.invalid_times += 1;
                        if self.stats.first_invalid_time.is_none() {
                            self.stats.first_invalid_time = Some(raw.chars().take(40).collect());
                        }
                        0.0
                    }),
                };
                self.cases.push(Pending {
                    classname,
                    name: name.map(|n| unescape(&n, true)).unwrap_or_default(),
                    time,
                    at,
                    ..Pending::default()
                });
            }
            Kind::Failure
            | Kind::Error
            | Kind::Skipped
            | Kind::Flaky
            | Kind::RerunFailure
            | Kind::RerunError => self.outcome_child(e, kind, empty, at)?,
            Kind::Suites | Kind::Other => {}
        }
        self.stack.push(kind);
        if empty {
            self.end();
        }
        Ok(())
    }

    fn outcome_child(
        &mut self,
        e: &BytesStart<'_>,
        kind: Kind,
        empty: bool,
        at: Pos,
    ) -> Result<(), JunitError> {
        let index = self.cases.len().saturating_sub(1);
        let Some(case) = self.cases.get_mut(index) else {
            return Ok(());
        };
        match kind {
            Kind::Failure => case.failure = true,
            Kind::Error => case.error = true,
            Kind::Skipped => case.skipped = true,
            Kind::Flaky => case.flaky = true,
            Kind::RerunFailure => case.rerun_failure = true,
            Kind::RerunError => case.rerun_error = true,
            _ => {}
        }
        let Some(slot) = kind.slot() else {
            return Ok(());
        };
        if case.seen.get(slot).copied().unwrap_or(true) {
            return Ok(());
        }
        if let Some(s) = case.seen.get_mut(slot) {
            *s = true;
        }
        let [message] = self.attributes(e, ["message"], at)?;
        let message = message.and_then(|m| first_line(&unescape(&m, false)));
        if message.is_some() {
            if let Some(m) = self
                .cases
                .get_mut(index)
                .and_then(|c| c.messages.get_mut(slot))
            {
                *m = message;
            }
        } else if !empty && self.capture.is_none() {
            self.capture = Some(Capture {
                lines: LineCapture::default(),
                depth: self.stack.len(),
                case: index,
                slot,
            });
        }
        Ok(())
    }

    /// The raw (still escaped) values of the wanted attributes.
    fn attributes<const N: usize>(
        &self,
        e: &BytesStart<'_>,
        wanted: [&str; N],
        at: Pos,
    ) -> Result<[Option<String>; N], JunitError> {
        let mut found: [Option<String>; N] = std::array::from_fn(|_| None);
        // quick-xml's duplicate check compares every attribute with every other one
        // (quadratic in a tag with thousands of them); only the wanted ones are checked.
        for attr in e.attributes().with_checks(false) {
            let attr = attr.map_err(|err| JunitError::Xml {
                file: self.file.to_string(),
                line: at.line,
                column: at.column,
                source: quick_xml::Error::InvalidAttr(err),
            })?;
            let key = attr.key.as_ref();
            if let Some(i) = wanted.iter().position(|w| *w == key)
                && let Some(slot) = found.get_mut(i)
            {
                if slot.is_some() {
                    return Err(self.malformed(
                        at,
                        format!("the attribute `{key}` appears twice in one tag"),
                    ));
                }
                *slot = Some(attr.value.into_owned());
            }
        }
        Ok(found)
    }

    fn end(&mut self) {
        let Some(kind) = self.stack.pop() else {
            return;
        };
        if let Some(c) = self.capture.take_if(|c| c.depth == self.stack.len())
            && let Some(m) = self
                .cases
                .get_mut(c.case)
                .and_then(|p| p.messages.get_mut(c.slot))
            && m.is_none()
        {
            *m = c.lines.finish();
        }
        match kind {
            Kind::Suite => {
                self.suite_names.pop();
            }
            Kind::Case => {
                if let Some(case) = self.cases.pop() {
                    self.stats.cases += 1;
                    (self.sink)(case.into_raw());
                }
            }
            _ => {}
        }
        if self.stack.is_empty() {
            self.root_done = true;
        }
    }
}

fn is_xml_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

struct Parser<'a, R, F> {
    reader: Reader<Src<Input<R>>>,
    buf: Vec<u8>,
    state: State<'a, F>,
}

impl<R: Read, F: FnMut(RawCase)> Parser<'_, R, F> {
    fn io(&self, source: io::Error) -> JunitError {
        JunitError::Io {
            file: self.state.file.to_string(),
            source,
        }
    }

    fn src(&mut self) -> &mut Src<Input<R>> {
        self.reader.get_mut()
    }

    /// Consumes `n` bytes, keeping quick-xml's position in step.
    fn advance(&mut self, n: usize) {
        self.reader.stream().consume(n);
    }

    fn run(mut self) -> Result<ParseStats, JunitError> {
        loop {
            self.text()?;
            let head = match self.src().peek(9) {
                Ok(h) => h,
                Err(e) => return Err(self.io(e)),
            };
            if head.starts_with(b"<![CDATA[") {
                self.delimited(9, b"]]>", "CDATA section")?;
                continue;
            }
            if head.starts_with(b"<!--") {
                self.delimited(4, b"-->", "comment")?;
                continue;
            }
            let at = self.src().here();
            let start = self.src().offset();
            self.src().mark();
            self.buf.clear();
            let event = self.reader.read_event_into(&mut self.buf);
            self.reader.get_mut().unmark();
            match event {
                Ok(Event::Start(e)) => {
                    let src = self.reader.get_ref();
                    let pos_of = |i: usize| src.pos_of(start + 1 + i as u64);
                    self.state.start(&e, false, at, pos_of)?;
                }
                Ok(Event::Empty(e)) => {
                    let src = self.reader.get_ref();
                    let pos_of = |i: usize| src.pos_of(start + 1 + i as u64);
                    self.state.start(&e, true, at, pos_of)?;
                }
                Ok(Event::End(_)) => self.state.end(),
                Ok(Event::Decl(d)) => {
                    if let Some(Ok(enc)) = d.encoding() {
                        self.state.declared_encoding = Some(enc.into_owned());
                    }
                }
                Ok(Event::Eof) => return self.eof(),
                // Text, CDATA and references are read by `text` and `delimited` before
                // quick-xml sees them; these arms only keep the reader honest.
                Ok(Event::Text(t)) => self.state.stray_text(t.as_bytes(), at)?,
                Ok(Event::CData(t)) => self.state.stray_text(t.as_bytes(), at)?,
                Ok(Event::GeneralRef(_)) => self.state.stray_text(b"&", at)?,
                Ok(Event::Comment(_) | Event::PI(_) | Event::DocType(_)) => {}
                Err(e) => return Err(self.xml_error(e)),
            }
            if self.buf.capacity() > BUF_KEEP {
                self.buf = Vec::new();
            }
        }
    }

    fn eof(&mut self) -> Result<ParseStats, JunitError> {
        let at = self.src().here();
        if !self.state.root_seen {
            let reason = if self.src().offset() == 0 {
                "the file is empty (did the test run crash before writing it?)"
            } else {
                "the file has no root element; a JUnit report has `<testsuites>` or `<testsuite>`"
            };
            return Err(self.state.malformed(at, reason));
        }
        if let Some(open) = self.state.stack.len().checked_sub(1) {
            return Err(self.state.malformed(
                at,
                format!(
                    "the file ends inside an element ({} still open; was the report cut off?)",
                    open + 1
                ),
            ));
        }
        Ok(std::mem::take(&mut self.state.stats))
    }

    fn xml_error(&mut self, e: quick_xml::Error) -> JunitError {
        let offset = self.reader.error_position();
        let at = self.src().pos_of(offset);
        match e {
            quick_xml::Error::Io(io) => self.io(io::Error::new(io.kind(), io.to_string())),
            quick_xml::Error::Encoding(_)
                if self.state.declared_encoding.as_deref().is_some_and(|enc| {
                    !enc.eq_ignore_ascii_case("utf-8")
                        && !enc.to_ascii_lowercase().starts_with("utf-16")
                }) =>
            {
                let enc = self.state.declared_encoding.clone().unwrap_or_default();
                self.state.malformed(
                    at,
                    format!(
                        "the file declares encoding `{enc}`; only UTF-8 and UTF-16 are read — convert it (e.g. `iconv -f {enc} -t UTF-8`)"
                    ),
                )
            }
            source => JunitError::Xml {
                file: self.state.file.to_string(),
                line: at.line,
                column: at.column,
                source,
            },
        }
    }

    /// Reads up to the next `<` (or the end of input): skipped, or scanned for the first
    /// line of a message, or (outside the root) checked to be blank. Every `&` inside
    /// the root is checked by [`Parser::reference`], whether the text is kept or not.
    fn text(&mut self) -> Result<(), JunitError> {
        loop {
            let outside = self.state.stack.is_empty();
            let capturing = self.state.capturing();
            let avail = match self.reader.get_mut().fill_buf() {
                Ok(a) => a,
                Err(e) => return Err(self.io(e)),
            };
            if avail.is_empty() {
                return Ok(());
            }
            if outside {
                match avail.iter().position(|&b| !is_xml_space(b)) {
                    Some(i) => {
                        let markup = avail.get(i) == Some(&b'<');
                        self.advance(i);
                        if markup {
                            return Ok(());
                        }
                        let at = self.src().here();
                        let reason = if self.state.root_done {
                            "text after the end of the root element"
                        } else {
                            "text before the root element; this is not an XML file"
                        };
                        return Err(self.state.malformed(at, reason));
                    }
                    None => {
                        let n = avail.len();
                        self.advance(n);
                    }
                }
            } else {
                // Inside the root: up to the next `<`, stopping at each `&` to check the
                // reference it starts; the text is fed to the message capture if one
                // is running.
                match memchr::memchr2(b'<', b'&', avail) {
                    Some(i) => {
                        let markup = avail.get(i) == Some(&b'<');
                        if capturing && let Some(c) = self.state.capture.as_mut() {
                            c.lines.feed(avail.get(..i).unwrap_or_default());
                        }
                        self.advance(i);
                        if markup {
                            return Ok(());
                        }
                        self.reference()?;
                    }
                    None => {
                        let n = avail.len();
                        if capturing && let Some(c) = self.state.capture.as_mut() {
                            c.lines.feed(avail);
                        }
                        self.advance(n);
                    }
                }
            }
        }
    }

    /// At `&` in text: decodes a character or predefined entity reference, keeps a lone
    /// `&` as text (runners dump raw output into text content), and refuses any other
    /// entity reference (`&nbsp;`, `&lol9;`): only a DTD could declare it, and slipgate
    /// does not read DTDs. Decoded text goes to the message capture, if one is running.
    fn reference(&mut self) -> Result<(), JunitError> {
        // A short look first; a longer one only for a long name or number.
        let mut scan = Reference::Incomplete;
        let mut ended = false;
        for window in [64, REFERENCE_WINDOW] {
            let head = match self.reader.get_mut().peek(window) {
                Ok(h) => h,
                Err(e) => return Err(self.io(e)),
            };
            ended = head.len() < window;
            scan = scan_reference(head);
            if scan != Reference::Incomplete || ended {
                break;
            }
        }
        match scan {
            Reference::Char { c, len } => {
                let mut tmp = [0u8; 4];
                self.state.feed(c.encode_utf8(&mut tmp).as_bytes());
                self.advance(len);
                Ok(())
            }
            Reference::Undeclared { name, .. } => {
                let at = self.src().here();
                Err(self
                    .state
                    .malformed(at, undeclared_entity(&name, "in text")))
            }
            Reference::Incomplete if !ended => {
                let at = self.src().here();
                Err(self.state.malformed(
                    at,
                    format!(
                        "not well-formed XML: an `&` followed by more than {REFERENCE_WINDOW} bytes of a name or number, an entity reference slipgate cannot read (in text; write `&amp;` for a literal `&`)"
                    ),
                ))
            }
            Reference::Lone | Reference::Incomplete => {
                self.state.feed(b"&");
                self.advance(1);
                Ok(())
            }
        }
    }

    /// Consumes a CDATA section or a comment (`open` bytes, then up to `close`), feeding
    /// a CDATA section's content to the message capture. Nothing is collected.
    fn delimited(&mut self, open: usize, close: &[u8], what: &str) -> Result<(), JunitError> {
        let at = self.src().here();
        let cdata = close == b"]]>";
        if cdata && self.state.stack.is_empty() {
            return Err(self
                .state
                .malformed(at, "a CDATA section outside the root element"));
        }
        self.advance(open);
        let keep = close.len() - 1;
        loop {
            let feed = cdata && self.state.capturing();
            let head = match self.reader.get_mut().peek(close.len()) {
                Ok(h) => h,
                Err(e) => return Err(self.io(e)),
            };
            if let Some(i) = memchr::memmem::find(head, close) {
                if feed && let Some(c) = self.state.capture.as_mut() {
                    c.lines.feed(head.get(..i).unwrap_or_default());
                }
                self.advance(i + close.len());
                return Ok(());
            }
            if head.len() < close.len() {
                return Err(self.state.malformed(
                    at,
                    format!(
                        "the {what} that starts here is never closed (was the report cut off?)"
                    ),
                ));
            }
            let n = head.len() - keep;
            if feed && let Some(c) = self.state.capture.as_mut() {
                c.lines.feed(head.get(..n).unwrap_or_default());
            }
            self.advance(n);
        }
    }
}

/// Reads the first bytes to find the encoding, then parses.
pub(crate) fn parse<R: BufRead, F: FnMut(RawCase)>(
    file: &str,
    mut input: R,
    sink: &mut F,
) -> Result<ParseStats, JunitError> {
    let io_err = |source| JunitError::Io {
        file: file.to_string(),
        source,
    };
    let mut head = [0u8; 4];
    let mut got = 0;
    while got < head.len() {
        match input.read(head.get_mut(got..).unwrap_or_default()) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io_err(e)),
        }
    }
    let head = head.get(..got).unwrap_or_default();
    let (encoding, bom) = sniff(head);
    let rest = io::Cursor::new(head.get(bom..).unwrap_or_default().to_vec()).chain(input);
    let input = match encoding {
        Encoding::Utf8 => Input::Utf8(rest),
        Encoding::Utf16Le => Input::Utf16(Utf16ToUtf8::new(rest, false)),
        Encoding::Utf16Be => Input::Utf16(Utf16ToUtf8::new(rest, true)),
    };
    let parser = Parser {
        reader: Reader::from_reader(Src::new(input)),
        buf: Vec::with_capacity(1024),
        state: State {
            file,
            sink,
            stack: Vec::new(),
            suite_names: Vec::new(),
            cases: Vec::new(),
            capture: None,
            root_seen: false,
            root_done: false,
            declared_encoding: None,
            stats: ParseStats::default(),
        },
    };
    parser.run()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out one byte per `read`, so every token is split across reads.
    struct Trickle<'a>(&'a [u8]);
    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match (self.0.split_first(), buf.first_mut()) {
                (Some((&b, rest)), Some(slot)) => {
                    *slot = b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    fn parse_bytes(doc: &[u8]) -> Result<Vec<RawCase>, JunitError> {
        let mut cases = Vec::new();
        parse("t.xml", doc, &mut |c| cases.push(c))?;
        // The same bytes one at a time give the same cases (or the same error).
        let mut trickled = Vec::new();
        let slow = parse(
            "t.xml",
            io::BufReader::with_capacity(1, Trickle(doc)),
            &mut |c| trickled.push(c),
        );
        assert!(slow.is_ok(), "trickled read failed: {slow:?}");
        assert_eq!(cases, trickled);
        Ok(cases)
    }

    fn parse_str(doc: &str) -> Vec<RawCase> {
        parse_bytes(doc.as_bytes()).unwrap()
    }

    fn err(doc: &[u8]) -> JunitError {
        let mut n = 0;
        let e = parse("t.xml", doc, &mut |_| n += 1).unwrap_err();
        // One byte at a time: the same error at the same place.
        let e2 = parse(
            "t.xml",
            io::BufReader::with_capacity(1, Trickle(doc)),
            &mut |_| {},
        )
        .unwrap_err();
        assert_eq!(e.location(), e2.location());
        e
    }

    fn summary(c: &RawCase) -> (&str, &str, TestOutcome, bool, Option<&str>) {
        (
            &c.classname,
            &c.name,
            c.outcome,
            c.flaky,
            c.message.as_deref(),
        )
    }

    #[test]
    fn outcome_from_children_only() {
        let cases = parse_str(
            r#"<testsuite name="S">
              <testcase classname="C" name="both" status="passed"><error message="e"/><failure message="f"/></testcase>
              <testcase classname="C" name="err"><error message="e1"/></testcase>
              <testcase classname="C" name="skip"><skipped/></testcase>
              <testcase classname="C" name="skip-and-error"><skipped/><error/></testcase>
              <testcase classname="C" name="pass" status="failed" result="failure"/>
              <testcase classname="C" name="deep"><system-out><failure/></system-out></testcase>
            </testsuite>"#,
        );
        let got: Vec<_> = cases.iter().map(summary).collect();
        assert_eq!(
            got,
            [
                ("C", "both", TestOutcome::Failed, false, Some("f")),
                ("C", "err", TestOutcome::Errored, false, Some("e1")),
                ("C", "skip", TestOutcome::Skipped, false, None),
                ("C", "skip-and-error", TestOutcome::Errored, false, None),
                ("C", "pass", TestOutcome::Passed, false, None),
                // A `failure` that is not a direct child of the case does not count.
                ("C", "deep", TestOutcome::Passed, false, None),
            ]
        );
    }

    #[test]
    fn flaky_and_rerun_children() {
        let cases = parse_str(
            r#"<testsuite name="S">
              <testcase classname="C" name="flaky-pass"><flakyFailure message="f1"><stackTrace>x</stackTrace></flakyFailure><flakyError/></testcase>
              <testcase classname="C" name="flaky-fail"><failure message="final"/><flakyFailure message="early"/></testcase>
              <testcase classname="C" name="rerun"><failure message="first"/><rerunFailure message="again"/><rerunFailure/></testcase>
              <testcase classname="C" name="rerun-only"><rerunFailure message="r"/></testcase>
              <testcase classname="C" name="rerun-error-only"><rerunError>boom
              </rerunError></testcase>
              <testcase classname="C" name="error-rerun"><error message="e"/><rerunError message="e2"/></testcase>
            </testsuite>"#,
        );
        let got: Vec<_> = cases.iter().map(summary).collect();
        assert_eq!(
            got,
            [
                ("C", "flaky-pass", TestOutcome::Passed, true, None),
                ("C", "flaky-fail", TestOutcome::Failed, true, Some("final")),
                ("C", "rerun", TestOutcome::Failed, false, Some("first")),
                ("C", "rerun-only", TestOutcome::Failed, false, Some("r")),
                (
                    "C",
                    "rerun-error-only",
                    TestOutcome::Errored,
                    false,
                    Some("boom")
                ),
                ("C", "error-rerun", TestOutcome::Errored, false, Some("e")),
            ]
        );
    }

    #[test]
    fn classname_falls_back_to_innermost_suite() {
        let cases = parse_str(
            r#"<testsuites name="all">
              <testcase name="top"/>
              <testsuite name="outer">
                <testcase name="a" classname=""/>
                <testsuite name="inner"><testcase name="b"/><testcase name="c" classname="  "/></testsuite>
                <testcase name="d"/>
                <testcase name="e" classname="X &amp; Y"/>
              </testsuite>
            </testsuites>"#,
        );
        let got: Vec<_> = cases
            .iter()
            .map(|c| (c.classname.as_str(), c.name.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("", "top"),
                ("outer", "a"),
                ("inner", "b"),
                ("inner", "c"),
                ("outer", "d"),
                ("X & Y", "e")
            ]
        );
    }

    #[test]
    fn durations() {
        let cases = parse_str(
            r#"<testsuite time="99"><testcase name="a" time="1.5"/><testcase name="b"/>
               <testcase name="c" time="abc"/><testcase name="d" time="1,234.5"/></testsuite>"#,
        );
        let times: Vec<f64> = cases.iter().map(|c| c.duration).collect();
        assert_eq!(times, [1.5, 0.0, 0.0, 1234.5]);
        let mut stats = ParseStats::default();
        let doc = r#"<testsuite><testcase name="c" time="abc"/><testcase name="d" time="-1"/></testsuite>"#;
        if let Ok(s) = parse("t.xml", doc.as_bytes(), &mut |_| {}) {
            stats = s;
        }
        assert_eq!(stats.cases, 2);
        assert_eq!(stats.invalid_times, 2);
        assert_eq!(stats.first_invalid_time.as_deref(), Some("abc"));
    }

    #[test]
    fn messages_from_attribute_text_cdata_and_references() {
        let cases = parse_str(concat!(
            "<testsuite name='S'>",
            "<testcase name='attr'><failure message='&#10;  first &lt;line&gt;&#10;second'>body</failure></testcase>",
            "<testcase name='blank-attr'><failure message='  '>\n\n  from text &amp; more\nnext</failure></testcase>",
            "<testcase name='cdata'><failure><![CDATA[\n  in cdata <b> ]] here\nx]]></failure></testcase>",
            "<testcase name='mixed'><error>  <![CDATA[part one]]> &#x41;&amp;&#xA0; tail\nz</error></testcase>",
            "<testcase name='comment'><failure><!-- hidden\n --> shown</failure></testcase>",
            "<testcase name='first-of-two'><failure>one</failure><failure message='two'/></testcase>",
            "<testcase name='none'><failure/></testcase>",
            "<testcase name='lone-amp'><failure>a & b</failure></testcase>",
            "</testsuite>"
        ));
        let msgs: Vec<_> = cases
            .iter()
            .map(|c| (c.name.as_str(), c.message.as_deref()))
            .collect();
        assert_eq!(
            msgs,
            [
                ("attr", Some("first <line>")),
                ("blank-attr", Some("from text & more")),
                ("cdata", Some("in cdata <b> ]] here")),
                ("mixed", Some("part one A&\u{A0} tail")),
                ("comment", Some("shown")),
                ("first-of-two", Some("one")),
                ("none", None),
                ("lone-amp", Some("a & b")),
            ]
        );
    }

    #[test]
    fn huge_failure_text_keeps_a_bounded_message() {
        // One 1 MB line: the message is cut to MESSAGE_MAX_CHARS characters + "…".
        let doc = format!(
            "<testsuite><testcase name='t'><failure>{}</failure></testcase></testsuite>",
            "x".repeat(1 << 20)
        );
        let cases = parse_bytes(doc.as_bytes()).unwrap();
        let msg = cases[0].message.as_deref().unwrap();
        assert_eq!(msg.chars().count(), super::super::MESSAGE_MAX_CHARS + 1);
    }

    #[test]
    fn prolog_bom_doctype_and_processing_instructions() {
        let doc = b"\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<?xml-stylesheet href=\"x.xsl\"?>\n<!DOCTYPE testsuites [<!ENTITY e \"v\">]>\n<!-- c -->\n<testsuites><testsuite name=\"S\"><testcase name=\"t\"/></testsuite></testsuites>\n<!-- after -->\n";
        let cases = parse_bytes(doc).unwrap();
        assert_eq!(
            summary(&cases[0]),
            ("S", "t", TestOutcome::Passed, false, None)
        );
    }

    #[test]
    fn utf16_with_and_without_bom() {
        let text = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><testsuite name=\"Süite\"><testcase name=\"ü😀\"><failure message=\"m\"/></testcase></testsuite>";
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        for doc in [le, be] {
            let cases = parse_bytes(&doc).unwrap();
            assert_eq!(
                summary(&cases[0]),
                ("Süite", "ü😀", TestOutcome::Failed, false, Some("m"))
            );
        }
    }

    fn reason(e: &JunitError) -> String {
        match e {
            JunitError::Malformed { reason, .. } => reason.clone(),
            other => other.to_string(),
        }
    }

    #[test]
    fn malformed_documents_name_line_and_column() {
        // Mismatched end tag: the `</testsuite>` at line 3, column 3.
        let e = err(b"<testsuite>\n  <testcase name='a'>\n  </testsuite>");
        assert!(matches!(e, JunitError::Xml { .. }), "{e:?}");
        assert_eq!(e.location(), Some(("t.xml", 3, 3)));

        let e = err(b"");
        assert_eq!(e.location(), Some(("t.xml", 1, 1)));
        assert!(reason(&e).contains("empty"), "{e}");

        let e = err(b"   \n\n ");
        assert!(reason(&e).contains("no root element"), "{e}");

        let e = err(b"<!DOCTYPE html>\n<html lang=en><body><p>Not found<br></body></html>");
        assert!(
            matches!(&e, JunitError::NotJunit { root, .. } if root == "html"),
            "{e:?}"
        );
        assert_eq!(e.location(), Some(("t.xml", 2, 1)));

        // The root's name comes from the file: escaped.
        let e = err(b"<ht\xe2\x80\xaeml/>");
        assert!(
            matches!(&e, JunitError::NotJunit { root, .. } if root == "ht<U+202E>ml"),
            "{e:?}"
        );

        let e = err(b"hello");
        assert!(reason(&e).contains("not an XML file"), "{e}");

        let e = err(b"<testsuite><testcase name='a'>");
        assert!(reason(&e).contains("ends inside an element"), "{e}");
        assert_eq!(e.location(), Some(("t.xml", 1, 31)));

        let e = err(b"<testsuite/>\n<testsuite/>");
        assert!(reason(&e).contains("second root"), "{e}");
        assert_eq!(e.location(), Some(("t.xml", 2, 1)));

        let e = err(b"<testsuite/> junk");
        assert!(reason(&e).contains("after the end of the root"), "{e}");
        assert_eq!(e.location(), Some(("t.xml", 1, 14)));

        let e = err(b"<testsuite><testcase><failure><![CDATA[never closed");
        assert!(reason(&e).contains("CDATA section"), "{e}");
        assert_eq!(e.location(), Some(("t.xml", 1, 31)));

        let e = err(b"<testsuite>\n<!-- open");
        assert!(reason(&e).contains("comment"), "{e}");

        let e = err(b"<![CDATA[x]]><testsuite/>");
        assert!(reason(&e).contains("outside the root"), "{e}");

        let e = err(b"<testsuite>\n <testcase name='a' name='b'/></testsuite>");
        assert!(reason(&e).contains("`name` appears twice"), "{e}");
        assert_eq!(e.location(), Some(("t.xml", 2, 2)));

        let e = err(b"<testsuite>\n <testcase name='a' time=1/></testsuite>");
        assert!(matches!(e, JunitError::Xml { .. }), "{e:?}");
        assert_eq!(e.location(), Some(("t.xml", 2, 2)));

        // Unclosed tag at the end of input, with line breaks inside the tag.
        let e = err(b"<testsuite>\n<testcase\n name='a'\n");
        assert!(matches!(e, JunitError::Xml { .. }), "{e:?}");
        assert_eq!(e.location(), Some(("t.xml", 2, 1)));

        // Invalid UTF-8 inside a tag, with a declared Latin-1 encoding.
        let e = err(b"<?xml version='1.0' encoding='ISO-8859-1'?>\n<testsuite name='caf\xE9'/>");
        assert!(reason(&e).contains("ISO-8859-1"), "{e}");
    }

    #[test]
    fn what_xml_forbids_in_attribute_values_is_malformed() {
        // A `<` in a value: at its own line and column (line 3, after `  time='`).
        let e = err(b"<testsuite>\n <testcase name='a'\n  time='<<computed>>'/></testsuite>");
        assert!(e.is_malformed(), "{e:?}");
        assert_eq!(e.location(), Some(("t.xml", 3, 9)));
        assert_eq!(
            reason(&e),
            "not well-formed XML: a `<` (write `&lt;`) in the value of the attribute `time`"
        );
        // One line: `<testsuite>` is columns 1-11, `<testcase` starts at 12, the `<` in
        // the value is 24 bytes into the tag's text (column 12 + 1 + 24 = 37).
        let e = err(b"<testsuite><testcase name=\"t\" time=\"<<computed>>\"/></testsuite>");
        assert_eq!(e.location(), Some(("t.xml", 1, 37)));
        // A lone `&`, in an element that is not read (its attributes used to be ignored).
        let e = err(
            b"<testsuite><properties><property name='a & b' value='1'/></properties></testsuite>",
        );
        assert!(
            reason(&e).contains("`&` that does not start a reference"),
            "{e}"
        );
        assert!(reason(&e).ends_with("attribute `name`"), "{e}");
        assert_eq!(e.location(), Some(("t.xml", 1, 42)));
        // A raw ESC in a name.
        let e = err(b"<testsuite><testcase name='a\x1b[31m'/></testsuite>");
        assert!(reason(&e).contains("U+001B"), "{e}");
        assert_eq!(e.location(), Some(("t.xml", 1, 29)));
        // Unquoted and `=`-less attributes of any element are refused too.
        let e = err(b"<testsuite><properties><property name=x/></properties></testsuite>");
        assert!(matches!(e, JunitError::Xml { .. }), "{e:?}");
        assert_eq!(e.location(), Some(("t.xml", 1, 24)));
        let e = err(b"<testsuites><testsuite name='S' hostname></testsuite></testsuites>");
        assert!(matches!(e, JunitError::Xml { .. }), "{e:?}");
        // References, `>` and the other quote are fine.
        let cases = parse_str(
            "<testsuite><testcase name='a &gt; b &amp; &quot;c&quot; &#x41; \"q\" > &#160;'/></testsuite>",
        );
        assert_eq!(cases[0].name, "a > b & \"c\" A \"q\" > \u{A0}");
    }

    #[test]
    fn undeclared_entities_are_malformed_wherever_they_are() {
        // In a value (column 12 + 1 + 15), in a message, in text nobody reads, after a
        // line break; the DOCTYPE's declaration is not read.
        for (doc, line, column) in [
            (
                &b"<testsuite><testcase name='&foo;'/></testsuite>"[..],
                1,
                28,
            ),
            (
                b"<testsuite><testcase name='a'><failure>x &lol9;</failure></testcase></testsuite>",
                1,
                42,
            ),
            (
                b"<testsuite><system-out>\nok\n &nbsp;</system-out></testsuite>",
                3,
                2,
            ),
            (
                b"<!DOCTYPE t [<!ENTITY e 'x'>]><testsuite>&e;</testsuite>",
                1,
                42,
            ),
        ] {
            let e = err(doc);
            assert!(e.is_malformed(), "{e:?}");
            assert_eq!(e.location(), Some(("t.xml", line, column)), "{e}");
            assert!(
                reason(&e).contains(
                    "is not one of XML's five predefined entities; slipgate does not read DTDs"
                ),
                "{e}"
            );
        }
        // The same in UTF-16.
        let utf16: Vec<u8> = "<testsuite>&nbsp;</testsuite>"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert!(reason(&err(&utf16)).contains("entity `&nbsp;`"));
        // After decoded references (`err` also reads the bytes one at a time).
        let e = err(b"<testsuite><testcase name='a'><failure>&lt;&#65;&nbsp;</failure></testcase></testsuite>");
        assert_eq!(e.location(), Some(("t.xml", 1, 49)), "{e}");
    }

    #[test]
    fn a_name_longer_than_the_window_after_an_ampersand_is_malformed() {
        // 64 KiB of name characters with no `;`: not a lone `&` slipgate can be sure of.
        let mut doc = b"<testsuite>&".to_vec();
        doc.extend(std::iter::repeat_n(b'a', REFERENCE_WINDOW));
        doc.extend_from_slice(b";</testsuite>");
        let e = err(&doc);
        assert_eq!(e.location(), Some(("t.xml", 1, 12)), "{e}");
        assert!(reason(&e).contains("more than 65536 bytes"), "{e}");
        // Just under the window and ended by a space: a lone `&`.
        let mut doc = b"<testsuite><testcase name='a'><failure>&".to_vec();
        doc.extend(std::iter::repeat_n(b'a', 100));
        doc.extend_from_slice(b" x</failure></testcase></testsuite>");
        let cases = parse_bytes(&doc).unwrap();
        assert_eq!(
            cases[0].message.as_deref(),
            Some(format!("&{} x", "a".repeat(100)).as_str())
        );
    }

    #[test]
    fn forbidden_character_references_are_replaced() {
        let cases = parse_str(concat!(
            "<testsuite name='S&#0;'>",
            "<testcase classname='C&#x1B;' name='t&#27;[31m'><failure message='m&#0;&#xFFFE;'/></testcase>",
            "<testcase name='text'><failure>\x1b[31m&#x1b;[0m boom&#1;\x00</failure></testcase>",
            "<testcase name='surrogate&#xD800;'><error>&#55296;x</error></testcase>",
            "</testsuite>"
        ));
        let got: Vec<_> = cases
            .iter()
            .map(|c| (c.classname.as_str(), c.name.as_str(), c.message.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("C\u{FFFD}", "t\u{FFFD}[31m", Some("m\u{FFFD}\u{FFFD}")),
                (
                    "S\u{FFFD}",
                    "text",
                    Some("\u{FFFD}[31m\u{FFFD}[0m boom\u{FFFD}\u{FFFD}")
                ),
                ("S\u{FFFD}", "surrogate\u{FFFD}", Some("\u{FFFD}x")),
            ]
        );
    }

    #[test]
    fn many_attributes_are_linear_and_prefixed_names_do_not_match() {
        // 200,000 distinct attributes in one tag; `x:name` is not `name`.
        let attrs: String = (0..200_000).map(|i| format!(" a{i}='v'")).collect();
        let doc =
            format!("<testsuite name='S'><testcase x:name='wrong' name='t'{attrs}/></testsuite>");
        let mut cases = Vec::new();
        parse("t.xml", doc.as_bytes(), &mut |c| cases.push(c)).unwrap();
        assert_eq!(cases[0].name, "t");
    }

    #[test]
    fn nesting_depth_is_bounded() {
        let doc = format!("<testsuite>{}", "<a>".repeat(MAX_DEPTH + 5));
        let e = err(doc.as_bytes());
        assert!(reason(&e).contains("nest deeper"), "{e}");
        // Exactly at the limit is fine.
        let ok = format!(
            "<testsuite>{}{}</testsuite>",
            "<a>".repeat(MAX_DEPTH - 1),
            "</a>".repeat(MAX_DEPTH - 1)
        );
        assert!(parse_bytes(ok.as_bytes()).unwrap().is_empty());
    }

    #[test]
    fn non_utf8_text_is_tolerated() {
        // Latin-1 bytes in skipped text and in a captured message.
        let cases = parse_bytes(
            b"<testsuite><testcase name='t'><failure>caf\xE9\nx</failure><system-out>\xFF\xFE</system-out></testcase></testsuite>",
        )
        .unwrap();
        assert_eq!(cases[0].message.as_deref(), Some("caf\u{FFFD}"));
    }
}
