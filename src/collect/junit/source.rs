//! The byte source under the XML reader: a fixed-size buffer that can be peeked ahead,
//! counts lines as bytes are consumed, and turns UTF-16 input into UTF-8.
//!
//! Memory is the buffer (64 KiB) plus, while one markup event is read, the offsets of
//! the line breaks inside it (so an error inside a tag can name its line and column).

use std::io::{self, BufRead, Read};

const CAPACITY: usize = 64 * 1024;

/// Where the text encoding was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Utf8,
    Utf16Le,
    Utf16Be,
}

/// Guesses the encoding from the first bytes: a byte order mark, or the `<` of the first
/// markup encoded as UTF-16 (`3C 00` / `00 3C`). Returns the encoding and the length of
/// the byte order mark.
pub(crate) fn sniff(head: &[u8]) -> (Encoding, usize) {
    match head {
        [0xEF, 0xBB, 0xBF, ..] => (Encoding::Utf8, 3),
        [0xFF, 0xFE, ..] => (Encoding::Utf16Le, 2),
        [0xFE, 0xFF, ..] => (Encoding::Utf16Be, 2),
        [b'<', 0, ..] => (Encoding::Utf16Le, 0),
        [0, b'<', ..] => (Encoding::Utf16Be, 0),
        _ => (Encoding::Utf8, 0),
    }
}

/// UTF-16 (either byte order) to UTF-8, streaming. Unpaired surrogates become U+FFFD.
pub(crate) struct Utf16ToUtf8<R> {
    inner: R,
    big_endian: bool,
    raw: Box<[u8]>,
    /// An odd byte left over from the previous read.
    carry: Option<u8>,
    /// A high surrogate waiting for its low half.
    high: Option<u16>,
    out: Vec<u8>,
    out_pos: usize,
    eof: bool,
}

impl<R: Read> Utf16ToUtf8<R> {
    pub(crate) fn new(inner: R, big_endian: bool) -> Self {
        Utf16ToUtf8 {
            inner,
            big_endian,
            raw: vec![0; 16 * 1024].into_boxed_slice(),
            carry: None,
            high: None,
            out: Vec::with_capacity(32 * 1024),
            out_pos: 0,
            eof: false,
        }
    }

    fn push_char(&mut self, c: char) {
        let mut tmp = [0u8; 4];
        self.out
            .extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
    }

    fn push_unit(&mut self, unit: u16) {
        match (self.high.take(), unit) {
            (Some(high), 0xDC00..=0xDFFF) => {
                let c = 0x10000 + ((u32::from(high) - 0xD800) << 10) + (u32::from(unit) - 0xDC00);
                self.push_char(char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER));
            }
            (pending, _) => {
                if pending.is_some() {
                    self.push_char(char::REPLACEMENT_CHARACTER);
                }
                match unit {
                    0xD800..=0xDBFF => self.high = Some(unit),
                    0xDC00..=0xDFFF => self.push_char(char::REPLACEMENT_CHARACTER),
                    _ => self.push_char(char::from_u32(u32::from(unit)).unwrap_or('\u{FFFD}')),
                }
            }
        }
    }

    /// Decodes the next chunk of input into `out`; false at the end of the input.
    fn refill(&mut self) -> io::Result<bool> {
        self.out.clear();
        self.out_pos = 0;
        while self.out.is_empty() {
            if self.eof {
                return Ok(false);
            }
            let n = loop {
                match self.inner.read(&mut self.raw) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
            };
            if n == 0 {
                self.eof = true;
                if self.carry.take().is_some() || self.high.take().is_some() {
                    self.push_char(char::REPLACEMENT_CHARACTER);
                }
                continue;
            }
            let raw = std::mem::take(&mut self.raw);
            let mut bytes = raw.get(..n).unwrap_or_default();
            if let Some(first) = self.carry.take()
                && let Some((&second, rest)) = bytes.split_first()
            {
                self.push_unit(self.unit([first, second]));
                bytes = rest;
            }
            let mut pairs = bytes.chunks_exact(2);
            for pair in pairs.by_ref() {
                if let [a, b] = *pair {
                    self.push_unit(self.unit([a, b]));
                }
            }
            self.carry = pairs.remainder().first().copied();
            self.raw = raw;
        }
        Ok(true)
    }

    fn unit(&self, pair: [u8; 2]) -> u16 {
        if self.big_endian {
            u16::from_be_bytes(pair)
        } else {
            u16::from_le_bytes(pair)
        }
    }
}

impl<R: Read> Read for Utf16ToUtf8<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.out_pos >= self.out.len() && !self.refill()? {
            return Ok(0);
        }
        let avail = self.out.get(self.out_pos..).unwrap_or_default();
        let n = avail.len().min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), avail.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.out_pos += n;
        Ok(n)
    }
}

/// The input as UTF-8 bytes.
pub(crate) enum Input<R> {
    Utf8(R),
    Utf16(Utf16ToUtf8<R>),
}

impl<R: Read> Read for Input<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Input::Utf8(r) => r.read(buf),
            Input::Utf16(r) => r.read(buf),
        }
    }
}

/// Line and column (1-based; the column counts bytes) of a byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pos {
    pub line: u64,
    pub column: u64,
}

#[derive(Debug, Clone, Copy)]
struct Mark {
    offset: u64,
    line: u64,
    line_start: u64,
}

/// A buffered reader that knows the line of every byte it hands out.
pub(crate) struct Src<R> {
    inner: R,
    buf: Box<[u8]>,
    pos: usize,
    end: usize,
    eof: bool,
    /// Bytes consumed so far.
    consumed: u64,
    /// Line (1-based) of the next byte, and the offset where that line starts.
    line: u64,
    line_start: u64,
    mark: Mark,
    /// While `recording`, the offsets of the line breaks consumed since `mark`.
    recording: bool,
    breaks: Vec<u64>,
}

impl<R: Read> Src<R> {
    pub(crate) fn new(inner: R) -> Self {
        Src {
            inner,
            buf: vec![0; CAPACITY].into_boxed_slice(),
            pos: 0,
            end: 0,
            eof: false,
            consumed: 0,
            line: 1,
            line_start: 0,
            mark: Mark {
                offset: 0,
                line: 1,
                line_start: 0,
            },
            recording: false,
            breaks: Vec::new(),
        }
    }

    /// The buffered bytes, at least `n` of them unless the input ends first
    /// (`n` is capped at the buffer's capacity).
    pub(crate) fn peek(&mut self, n: usize) -> io::Result<&[u8]> {
        let n = n.min(CAPACITY);
        if self.end - self.pos < n && !self.eof {
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
            while self.end < n && !self.eof {
                let free = self.buf.get_mut(self.end..).unwrap_or_default();
                match self.inner.read(free) {
                    Ok(0) => self.eof = true,
                    Ok(k) => self.end += k,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(self.buf.get(self.pos..self.end).unwrap_or_default())
    }

    /// Starts recording line breaks: positions at or after this point can be resolved
    /// with [`Src::pos_of`] until the next mark.
    pub(crate) fn mark(&mut self) {
        self.mark = Mark {
            offset: self.consumed,
            line: self.line,
            line_start: self.line_start,
        };
        self.breaks.clear();
        if self.breaks.capacity() > 4096 {
            self.breaks.shrink_to(64);
        }
        self.recording = true;
    }

    /// Stops recording line breaks (text is consumed in bulk between events).
    pub(crate) fn unmark(&mut self) {
        self.recording = false;
    }

    pub(crate) fn offset(&self) -> u64 {
        self.consumed
    }

    /// Line and column of the next byte.
    pub(crate) fn here(&self) -> Pos {
        Pos {
            line: self.line,
            column: self.consumed - self.line_start + 1,
        }
    }

    /// Line and column of `offset`, which must lie between the last mark and the
    /// current position (else the mark's position is returned).
    pub(crate) fn pos_of(&self, offset: u64) -> Pos {
        if offset >= self.consumed {
            return self.here();
        }
        if offset < self.mark.offset {
            return Pos {
                line: self.mark.line,
                column: self.mark.offset - self.mark.line_start + 1,
            };
        }
        let before = self.breaks.partition_point(|&b| b < offset);
        let line_start = match before.checked_sub(1).and_then(|i| self.breaks.get(i)) {
            Some(&b) => b + 1,
            None => self.mark.line_start,
        };
        Pos {
            line: self.mark.line + before as u64,
            column: offset - line_start + 1,
        }
    }
}

impl<R: Read> Read for Src<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(out.len());
        if let (Some(dst), Some(src)) = (out.get_mut(..n), avail.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.consume(n);
        Ok(n)
    }
}

impl<R: Read> BufRead for Src<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos >= self.end && !self.eof {
            self.pos = 0;
            self.end = 0;
            loop {
                match self.inner.read(&mut self.buf) {
                    Ok(0) => {
                        self.eof = true;
                        break;
                    }
                    Ok(k) => {
                        self.end = k;
                        break;
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(self.buf.get(self.pos..self.end).unwrap_or_default())
    }

    fn consume(&mut self, amt: usize) {
        let amt = amt.min(self.end - self.pos);
        let chunk = self.buf.get(self.pos..self.pos + amt).unwrap_or_default();
        if self.recording {
            for i in memchr::memchr_iter(b'\n', chunk) {
                self.breaks.push(self.consumed + i as u64);
            }
        }
        let count = count_newlines(chunk);
        if count > 0 {
            self.line += count as u64;
            if let Some(last) = memchr::memrchr(b'\n', chunk) {
                self.line_start = self.consumed + last as u64 + 1;
            }
        }
        self.consumed += amt as u64;
        self.pos += amt;
    }
}

/// Counts `\n` bytes; written so the compiler vectorizes it.
fn count_newlines(bytes: &[u8]) -> usize {
    let mut total = 0usize;
    for block in bytes.chunks(255) {
        let n: u8 = block.iter().fold(0u8, |acc, &b| acc + u8::from(b == b'\n'));
        total += usize::from(n);
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(mut r: impl Read) -> Vec<u8> {
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        out
    }

    #[test]
    fn sniffs_byte_order_marks_and_utf16_without_mark() {
        assert_eq!(sniff(b"\xEF\xBB\xBF<a/>"), (Encoding::Utf8, 3));
        assert_eq!(sniff(b"\xFF\xFE<\0"), (Encoding::Utf16Le, 2));
        assert_eq!(sniff(b"\xFE\xFF\0<"), (Encoding::Utf16Be, 2));
        assert_eq!(sniff(b"<\0?\0"), (Encoding::Utf16Le, 0));
        assert_eq!(sniff(b"\0<\0?"), (Encoding::Utf16Be, 0));
        assert_eq!(sniff(b"<?xml"), (Encoding::Utf8, 0));
        assert_eq!(sniff(b""), (Encoding::Utf8, 0));
    }

    #[test]
    fn utf16_little_and_big_endian_with_surrogates() {
        // "a€😀": a = U+0061, € = U+20AC, 😀 = U+1F600 = D83D DE00.
        let units: [u16; 4] = [0x61, 0x20AC, 0xD83D, 0xDE00];
        let le: Vec<u8> = units.iter().flat_map(|u| u.to_le_bytes()).collect();
        let be: Vec<u8> = units.iter().flat_map(|u| u.to_be_bytes()).collect();
        assert_eq!(
            read_all(Utf16ToUtf8::new(&le[..], false)),
            "a€😀".as_bytes()
        );
        assert_eq!(read_all(Utf16ToUtf8::new(&be[..], true)), "a€😀".as_bytes());
    }

    #[test]
    fn utf16_odd_reads_and_broken_surrogates() {
        /// Reads one byte at a time, so every unit and surrogate pair is split.
        struct OneByte<'a>(&'a [u8]);
        impl Read for OneByte<'_> {
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
        let units: [u16; 4] = [0xD83D, 0xDE00, 0xDE00, 0x62];
        let le: Vec<u8> = units.iter().flat_map(|u| u.to_le_bytes()).collect();
        // Pair → 😀; lone low surrogate → U+FFFD; then "b".
        assert_eq!(
            read_all(Utf16ToUtf8::new(OneByte(&le), false)),
            "😀\u{FFFD}b".as_bytes()
        );
        // A lone high surrogate at the end and an odd trailing byte: one U+FFFD.
        assert_eq!(
            read_all(Utf16ToUtf8::new(&[0x3D, 0xD8, 0x41][..], false)),
            "\u{FFFD}".as_bytes()
        );
    }

    #[test]
    fn tracks_lines_and_columns() {
        let mut src = Src::new(&b"ab\ncd\n\nefg"[..]);
        src.mark();
        let n = src.fill_buf().unwrap().len();
        assert_eq!(n, 10);
        src.consume(8); // "ab\ncd\n\ne" consumed up to offset 8 ("f" next)
        // Offset 4 is "d": line 2, column 2. Offset 7 is "e": line 4, column 1.
        assert_eq!(src.pos_of(4), Pos { line: 2, column: 2 });
        assert_eq!(src.pos_of(7), Pos { line: 4, column: 1 });
        assert_eq!(src.here(), Pos { line: 4, column: 2 });
        src.unmark();
        src.mark();
        // Before the mark: the mark's position.
        assert_eq!(src.pos_of(1), Pos { line: 4, column: 2 });
    }

    #[test]
    fn peek_refills_across_the_buffer_end() {
        let data = vec![b'x'; CAPACITY + 10];
        let mut src = Src::new(&data[..]);
        let first = src.fill_buf().unwrap().len();
        assert_eq!(first, CAPACITY);
        src.consume(CAPACITY - 2);
        // Only 2 bytes buffered; peek(5) must read more.
        assert_eq!(src.peek(5).unwrap().len(), 12);
        assert_eq!(src.offset(), (CAPACITY - 2) as u64);
    }

    #[test]
    fn counts_newlines_in_long_blocks() {
        let data = b"\n".repeat(1000);
        assert_eq!(count_newlines(&data), 1000);
        assert_eq!(count_newlines(b"a\nb"), 1);
    }
}
