//! Small text helpers: the first line of a message, entity references, `time` values.

/// A message keeps at most this many characters (then `…`).
pub const MESSAGE_MAX_CHARS: usize = 200;

/// Bytes kept while looking for the end of the first line: enough for
/// `MESSAGE_MAX_CHARS` characters of up to 4 bytes each.
const CAPTURE_MAX_BYTES: usize = 4 * MESSAGE_MAX_CHARS + 4;

/// Collects the first non-empty line of a text that arrives in pieces, keeping a
/// bounded number of bytes whatever the text's size.
#[derive(Debug, Default)]
pub(crate) struct LineCapture {
    line: Vec<u8>,
    done: bool,
}

impl LineCapture {
    /// True once the first non-empty line is complete: later text is not needed.
    pub(crate) fn is_done(&self) -> bool {
        self.done
    }

    pub(crate) fn feed(&mut self, mut bytes: &[u8]) {
        while !self.done && !bytes.is_empty() {
            let (piece, rest, newline) = match memchr::memchr2(b'\n', b'\r', bytes) {
                Some(i) => (
                    bytes.get(..i).unwrap_or_default(),
                    bytes.get(i + 1..).unwrap_or_default(),
                    true,
                ),
                None => (bytes, &[][..], false),
            };
            let piece = if self.line.is_empty() {
                piece.trim_ascii_start()
            } else {
                piece
            };
            let room = CAPTURE_MAX_BYTES.saturating_sub(self.line.len());
            self.line
                .extend_from_slice(piece.get(..room.min(piece.len())).unwrap_or_default());
            if newline {
                if self.line.trim_ascii().is_empty() {
                    self.line.clear();
                } else {
                    self.done = true;
                }
            }
            bytes = rest;
        }
    }

    /// The line, trimmed and cut to `MESSAGE_MAX_CHARS`; none when the text was blank.
    pub(crate) fn finish(self) -> Option<String> {
        let text = String::from_utf8_lossy(self.line.trim_ascii());
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        Some(match text.char_indices().nth(MESSAGE_MAX_CHARS) {
            Some((cut, _)) => format!("{}…", text.get(..cut).unwrap_or(text).trim_end()),
            None => text.to_string(),
        })
    }
}

/// The first non-empty line of `text`, bounded like [`LineCapture`].
pub(crate) fn first_line(text: &str) -> Option<String> {
    let mut capture = LineCapture::default();
    capture.feed(text.as_bytes());
    capture.finish()
}

/// Resolves the body of an entity or character reference (`amp`, `#10`, `#x1F600`).
/// Unknown names (only a DTD could define them) resolve to none.
pub(crate) fn resolve_reference(body: &str) -> Option<char> {
    match body {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "apos" => Some('\''),
        "quot" => Some('"'),
        _ => {
            let code =
                if let Some(hex) = body.strip_prefix("#x").or_else(|| body.strip_prefix("#X")) {
                    u32::from_str_radix(hex, 16).ok()?
                } else {
                    body.strip_prefix('#')?.parse::<u32>().ok()?
                };
            char::from_u32(code)
        }
    }
}

/// Longest reference body looked for (`#x10FFFF` is 8; names are short).
pub(crate) const MAX_REFERENCE_BODY: usize = 10;

/// Replaces entity and character references in an attribute value. Unknown references
/// are kept as written. With `normalize`, tabs and line breaks written literally become
/// spaces, as XML's attribute-value normalization says (references such as `&#10;`
/// still give a line break).
pub(crate) fn unescape(raw: &str, normalize: bool) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    loop {
        let Some(amp) = rest.find('&') else {
            push_literal(&mut out, rest, normalize);
            return out;
        };
        push_literal(&mut out, rest.get(..amp).unwrap_or_default(), normalize);
        let after = rest.get(amp + 1..).unwrap_or_default();
        let window = after
            .char_indices()
            .take(MAX_REFERENCE_BODY + 1)
            .find(|&(_, c)| c == ';');
        match window.and_then(|(semi, _)| {
            let body = after.get(..semi)?;
            Some((resolve_reference(body)?, semi))
        }) {
            Some((c, semi)) => {
                out.push(c);
                rest = after.get(semi + 1..).unwrap_or_default();
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
}

fn push_literal(out: &mut String, text: &str, normalize: bool) {
    if normalize && text.contains(['\t', '\n', '\r']) {
        // `\r\n` is one line break, hence one space.
        let text = text.replace("\r\n", "\n");
        out.extend(text.chars().map(|c| match c {
            '\t' | '\n' | '\r' => ' ',
            c => c,
        }));
    } else {
        out.push_str(text);
    }
}

/// A `time` attribute in seconds: a plain decimal (`12`, `0.5`, `.5`, `12.`), blanks
/// around it allowed. Commas are accepted only as thousands separators in full groups of
/// three before the point (`1,234.5`, as Surefire wrote times of 1000 s and more).
/// Anything else (negative, exponent, decimal comma `0,5`, `NaN`) is not a decimal:
/// `None`, which counts as 0 s.
pub(crate) fn parse_time(raw: &str) -> Option<f64> {
    let s = raw.trim();
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    let int_digits: String = if int.contains(',') {
        let mut groups = int.split(',');
        let first = groups.next().unwrap_or_default();
        let first_ok = (1..=3).contains(&first.len())
            && first.bytes().all(|b| b.is_ascii_digit())
            && !first.starts_with('0');
        let rest_ok = groups
            .clone()
            .all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()));
        if !first_ok || !rest_ok {
            return None;
        }
        int.replace(',', "")
    } else {
        if !int.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        int.to_string()
    };
    if let Some(f) = frac
        && !f.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    if int_digits.is_empty() && frac.is_none_or(str::is_empty) {
        return None;
    }
    let normal = format!(
        "{}.{}",
        if int_digits.is_empty() {
            "0"
        } else {
            &int_digits
        },
        match frac {
            Some(f) if !f.is_empty() => f,
            _ => "0",
        }
    );
    normal.parse::<f64>().ok().filter(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_non_empty_line_trimmed() {
        assert_eq!(
            first_line("\n  \n  boom here  \nmore").as_deref(),
            Some("boom here")
        );
        assert_eq!(first_line("\r\n\tx\r\ny").as_deref(), Some("x"));
        assert_eq!(first_line("  \n \t \n"), None);
        assert_eq!(first_line(""), None);
        assert_eq!(first_line("single").as_deref(), Some("single"));
    }

    #[test]
    fn capture_in_pieces_and_bounded() {
        let mut c = LineCapture::default();
        c.feed(b"   ");
        c.feed(b"\n  he");
        c.feed(b"llo");
        assert!(!c.is_done());
        c.feed(b" world\nsecond line");
        assert!(c.is_done());
        assert_eq!(c.finish().as_deref(), Some("hello world"));

        // 10,000 'x' then a newline: kept to 200 characters plus an ellipsis.
        let mut c = LineCapture::default();
        for _ in 0..100 {
            c.feed(&[b'x'; 100]);
        }
        assert!(c.line.len() <= CAPTURE_MAX_BYTES);
        let msg = c.finish().unwrap();
        assert_eq!(msg.chars().count(), MESSAGE_MAX_CHARS + 1);
        assert!(msg.ends_with('…'));
    }

    #[test]
    fn multibyte_cut_at_a_character() {
        // 300 × "é" (2 bytes each): 200 characters kept, then "…".
        let msg = first_line(&"é".repeat(300)).unwrap();
        assert_eq!(msg, format!("{}…", "é".repeat(200)));
        // Exactly 200 characters: no ellipsis.
        assert_eq!(first_line(&"é".repeat(200)).unwrap(), "é".repeat(200));
    }

    #[test]
    fn references() {
        assert_eq!(resolve_reference("lt"), Some('<'));
        assert_eq!(resolve_reference("#10"), Some('\n'));
        assert_eq!(resolve_reference("#xA"), Some('\n'));
        assert_eq!(resolve_reference("#x1F600"), Some('😀'));
        assert_eq!(resolve_reference("#xD800"), None);
        assert_eq!(resolve_reference("nbsp"), None);
        assert_eq!(resolve_reference("#"), None);
    }

    #[test]
    fn unescape_attribute_values() {
        assert_eq!(
            unescape("a &lt;b&gt; &amp; &quot;c&apos;", true),
            "a <b> & \"c'"
        );
        assert_eq!(unescape("x&#10;y&#xA;z", true), "x\ny\nz");
        assert_eq!(unescape("x\ny\r\nz\tw", true), "x y z w");
        assert_eq!(unescape("x\ny", false), "x\ny");
        assert_eq!(unescape("&nbsp; & &;", true), "&nbsp; & &;");
        assert_eq!(unescape("tail &amp", true), "tail &amp");
    }

    #[test]
    fn time_values() {
        assert_eq!(parse_time("0.007"), Some(0.007));
        assert_eq!(parse_time(" 12 "), Some(12.0));
        assert_eq!(parse_time(".5"), Some(0.5));
        assert_eq!(parse_time("3."), Some(3.0));
        assert_eq!(parse_time("1,234.5"), Some(1234.5));
        assert_eq!(parse_time("12,345,678"), Some(12_345_678.0));
        for bad in [
            "", " ", ".", "-1", "+1", "1e3", "0,5", "1,23", "1,2345", "01,234", "NaN", "inf",
            "1.2.3", "abc", "1 2", "1.5s",
        ] {
            assert_eq!(parse_time(bad), None, "{bad:?}");
        }
    }
}
