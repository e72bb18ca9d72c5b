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
        let text = replace_forbidden(&text);
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

/// True for a character XML 1.0 allows in a document (its `Char` production:
/// tab, line feed, carriage return, U+0020–U+D7FF, U+E000–U+FFFD, U+10000–U+10FFFF).
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// `text` with every character XML 1.0 forbids (NUL, ESC and the other C0 controls but
/// tab and line breaks, U+FFFE, U+FFFF) replaced by U+FFFD.
pub(crate) fn replace_forbidden(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().all(is_xml_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    text.chars()
        .map(|c| {
            if is_xml_char(c) {
                c
            } else {
                char::REPLACEMENT_CHARACTER
            }
        })
        .collect()
}

/// Resolves the body of a predefined entity or character reference (`amp`, `#10`,
/// `#x1F600`), whose syntax [`scan_reference`] has checked. Other names (only a DTD could
/// declare them) resolve to none. A character reference to a character XML 1.0 forbids
/// (`#0`, `#27`, `#xFFFE`, a surrogate, beyond U+10FFFF) resolves to U+FFFD: such a
/// character is never passed on into a name or message.
pub(crate) fn resolve_reference(body: &str) -> Option<char> {
    match body {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "apos" => Some('\''),
        "quot" => Some('"'),
        _ => {
            let (digits, radix) = match body.strip_prefix("#x") {
                Some(hex) => (hex, 16),
                None => (body.strip_prefix('#')?, 10),
            };
            if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
                return None;
            }
            let c = u32::from_str_radix(digits, radix)
                .ok()
                .and_then(char::from_u32)
                .filter(|&c| is_xml_char(c));
            Some(c.unwrap_or(char::REPLACEMENT_CHARACTER))
        }
    }
}

/// What an `&` starts, as [`scan_reference`] reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reference {
    /// A character reference (`&#10;`, `&#x1F600;`) or one of the five predefined
    /// entities (`&lt;` `&gt;` `&amp;` `&apos;` `&quot;`): `len` bytes, `&` and `;`
    /// included, standing for `c`.
    Char { c: char, len: usize },
    /// `&name;` for any other name: an entity only a DTD could declare, which slipgate
    /// does not read. Not well-formed, in a value as in text.
    Undeclared { name: String, len: usize },
    /// Not a reference as XML writes them: a lone `&` (`& b`, `&;`, `&#x;`, `&#X41;`,
    /// `&1a;`, `&amp` not followed by `;`).
    Lone,
    /// The bytes end while they still read as the start of a reference.
    Incomplete,
}

/// True for a byte that may start an entity name: an ASCII letter, `_`, `:`, or any
/// byte of a character beyond ASCII (XML's `NameStartChar`, loosened beyond ASCII).
fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || matches!(b, b'_' | b':') || !b.is_ascii()
}

/// True for a byte that may continue an entity name (XML's `NameChar`, loosened beyond
/// ASCII).
fn is_name_byte(b: u8) -> bool {
    is_name_start(b) || b.is_ascii_digit() || matches!(b, b'-' | b'.')
}

/// Reads the reference `s` starts with (`s` starts with `&`). The rule, the same in
/// attribute values and in text: `&` then a name (`&name;`) or `#` digits or `#x` hex
/// digits, then `;`, is a reference; anything else is a lone `&`. A reference is either
/// a character reference or one of the five predefined entities, or it is undeclared
/// (slipgate does not read DTDs).
pub(crate) fn scan_reference(s: &[u8]) -> Reference {
    let body = s.get(1..).unwrap_or_default();
    let (digits, is_digit): (usize, fn(&u8) -> bool) = match body {
        [b'#', b'x', ..] => (2, u8::is_ascii_hexdigit),
        [b'#', ..] => (1, u8::is_ascii_digit),
        [first, ..] if is_name_start(*first) => (0, |b| is_name_byte(*b)),
        [] => return Reference::Incomplete,
        _ => return Reference::Lone,
    };
    let rest = body.get(digits..).unwrap_or_default();
    let run = rest.iter().take_while(|b| is_digit(b)).count();
    match rest.get(run) {
        None => Reference::Incomplete,
        Some(b';') if run > 0 || digits == 0 => {
            let len = 1 + digits + run + 1;
            let text = String::from_utf8_lossy(body.get(..digits + run).unwrap_or_default());
            match resolve_reference(&text) {
                Some(c) => Reference::Char { c, len },
                None => Reference::Undeclared {
                    name: text.into_owned(),
                    len,
                },
            }
        }
        Some(_) => Reference::Lone,
    }
}

/// The reason an undeclared entity reference is not well-formed; `place` says where it
/// is ("in the value of the attribute `name`", "in text"). The name comes from the file:
/// shown escaped and cut to 40 characters.
pub(crate) fn undeclared_entity(name: &str, place: &str) -> String {
    let mut shown: String = name.chars().take(40).collect();
    if shown.len() < name.len() {
        shown.push('…');
    }
    format!(
        "not well-formed XML: entity `&{};` is not one of XML's five predefined entities; slipgate does not read DTDs ({place}; write the character itself, or a character reference such as `&#160;`)",
        crate::escape::line(&shown)
    )
}

/// What XML forbids in a start tag that quick-xml lets through: a `<`, an `&` that does
/// not start a reference, a character outside XML's `Char` production. `tag` is the
/// tag's text between `<` and `>` (or `/>`); the answer is the byte offset of the fault
/// in `tag` and what is wrong, naming the attribute whose value holds it.
pub(crate) fn tag_fault(tag: &str) -> Option<(usize, String)> {
    let mut quote: Option<char> = None;
    // The last name outside quotes (the element's, then each attribute's).
    let mut token: Option<usize> = None;
    let mut last = (0, 0);
    for (i, c) in tag.char_indices() {
        // `Ok(what)`, or `Err(name)` for an undeclared entity.
        let fault: Option<Result<String, String>> = if !is_xml_char(c) {
            Some(Ok(format!(
                "the character U+{:04X}, which XML does not allow,",
                u32::from(c)
            )))
        } else if c == '<' {
            Some(Ok("a `<` (write `&lt;`)".to_string()))
        } else if c == '&' {
            match scan_reference(tag.get(i..).unwrap_or_default().as_bytes()) {
                Reference::Char { .. } => None,
                Reference::Undeclared { name, .. } => Some(Err(name)),
                Reference::Lone | Reference::Incomplete => Some(Ok(
                    "an `&` that does not start a reference such as `&amp;` (write `&amp;`)"
                        .to_string(),
                )),
            }
        } else {
            None
        };
        if let Some(what) = fault {
            // Names come from the file: shown escaped, and never past the fault.
            let name = crate::escape::line(tag.get(last.0..last.1).unwrap_or_default());
            let before = tag.get(..i).unwrap_or_default();
            let element = before.split(|c: char| c.is_ascii_whitespace()).next();
            let element = crate::escape::line(element.unwrap_or_default());
            let place = if quote.is_some() {
                format!("in the value of the attribute `{name}`")
            } else {
                format!("in the tag `<{element}>`")
            };
            return Some((
                i,
                match what {
                    Ok(what) => format!("not well-formed XML: {what} {place}"),
                    Err(entity) => undeclared_entity(&entity, &place),
                },
            ));
        }
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => {
                if let Some(start) = token.take() {
                    last = (start, i);
                }
                quote = Some(c);
            }
            None if c.is_ascii_whitespace() || c == '=' => {
                if let Some(start) = token.take() {
                    last = (start, i);
                }
            }
            None => {
                token.get_or_insert(i);
            }
        }
    }
    None
}

/// Replaces character and predefined entity references in an attribute value (checked
/// by [`tag_fault`] first, so it holds no lone `&` and no undeclared entity; were one
/// there, it would be kept as written). With `normalize`, tabs and line breaks written
/// literally become spaces, as XML's attribute-value normalization says (references such
/// as `&#10;` still give a line break).
pub(crate) fn unescape(raw: &str, normalize: bool) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    loop {
        let Some(amp) = rest.find('&') else {
            push_literal(&mut out, rest, normalize);
            return out;
        };
        push_literal(&mut out, rest.get(..amp).unwrap_or_default(), normalize);
        let at = rest.get(amp..).unwrap_or_default();
        match scan_reference(at.as_bytes()) {
            Reference::Char { c, len } => {
                out.push(c);
                rest = at.get(len..).unwrap_or_default();
            }
            _ => {
                out.push('&');
                rest = at.get(1..).unwrap_or_default();
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
        assert_eq!(resolve_reference("nbsp"), None);
        assert_eq!(resolve_reference("#"), None);
        assert_eq!(resolve_reference("#x"), None);
        assert_eq!(resolve_reference("#+65"), None);
        assert_eq!(resolve_reference("#x-41"), None);
        assert_eq!(resolve_reference("#9"), Some('\t'));
        assert_eq!(resolve_reference("#xD"), Some('\r'));
        assert_eq!(resolve_reference("#xFFFD"), Some('\u{FFFD}'));
        assert_eq!(resolve_reference("#x10FFFF"), Some('\u{10FFFF}'));
    }

    #[test]
    fn references_to_characters_xml_forbids_become_replacement_characters() {
        // NUL, ESC (decimal and hex), the other C0 controls, U+FFFE/U+FFFF, a
        // surrogate, beyond U+10FFFF, too big for u32.
        for body in [
            "#0",
            "#27",
            "#x1B",
            "#x1b",
            "#8",
            "#xB",
            "#xC",
            "#31",
            "#xFFFE",
            "#xFFFF",
            "#xD800",
            "#xDFFF",
            "#x110000",
            "#99999999",
        ] {
            assert_eq!(resolve_reference(body), Some('\u{FFFD}'), "{body}");
        }
        assert_eq!(
            unescape("a&#0;b&#x1B;[31mc", true),
            "a\u{FFFD}b\u{FFFD}[31mc"
        );
    }

    #[test]
    fn raw_forbidden_characters_in_a_message_are_replaced() {
        assert_eq!(
            first_line("\x1b[31mred\x00 \u{FFFE}end").as_deref(),
            Some("\u{FFFD}[31mred\u{FFFD} \u{FFFD}end")
        );
        // Tab, DEL and C1 controls are XML characters: kept (escaped when printed).
        assert_eq!(
            first_line("a\tb\u{7F}\u{85}c").as_deref(),
            Some("a\tb\u{7F}\u{85}c")
        );
        assert!(!is_xml_char('\u{0}') && is_xml_char('\u{20}') && is_xml_char('\u{10000}'));
    }

    #[test]
    fn what_an_ampersand_starts() {
        let char_ref = |s: &str| match scan_reference(s.as_bytes()) {
            Reference::Char { c, len } => Some((c, len)),
            _ => None,
        };
        assert_eq!(char_ref("&amp; x"), Some(('&', 5)));
        assert_eq!(char_ref("&#10;"), Some(('\n', 5)));
        assert_eq!(char_ref("&#x1F600;"), Some(('😀', 9)));
        // Leading zeros are still a character reference, however many.
        assert_eq!(char_ref("&#0000000000000065;"), Some(('A', 19)));
        // Any other name is an entity only a DTD could declare.
        for (s, name, len) in [
            ("&nbsp;", "nbsp", 6),
            ("&my-ent.1;x", "my-ent.1", 10),
            ("&lol9;", "lol9", 6),
            ("&a:b;", "a:b", 5),
            ("&Amp;", "Amp", 5),
        ] {
            assert_eq!(
                scan_reference(s.as_bytes()),
                Reference::Undeclared {
                    name: name.into(),
                    len
                },
                "{s}"
            );
        }
        for lone in [
            "& b;", "&;", "&#;", "&#x;", "&#+1;", "&#X41;", "&#1a;", "&1a;", "&amp x;", "&a b;",
        ] {
            assert_eq!(scan_reference(lone.as_bytes()), Reference::Lone, "{lone}");
        }
        for cut in ["&", "&amp", "&#12", "&#x", "&lol9"] {
            assert_eq!(
                scan_reference(cut.as_bytes()),
                Reference::Incomplete,
                "{cut}"
            );
        }
    }

    #[test]
    fn undeclared_entities_in_tags() {
        let (at, reason) = tag_fault(r#"testcase name="&foo;""#).unwrap();
        assert_eq!(at, 15);
        assert_eq!(
            reason,
            "not well-formed XML: entity `&foo;` is not one of XML's five predefined entities; slipgate does not read DTDs (in the value of the attribute `name`; write the character itself, or a character reference such as `&#160;`)"
        );
        // A long name is cut to 40 characters.
        let long = format!("t a='&{};'", "x".repeat(100));
        let (_, reason) = tag_fault(&long).unwrap();
        assert!(
            reason.contains(&format!("`&{}…;`", "x".repeat(40))),
            "{reason}"
        );
        // A `&name` not ended by `;` is a lone `&`, as before.
        let (_, reason) = tag_fault("t a='&amp'").unwrap();
        assert!(
            reason.contains("`&` that does not start a reference"),
            "{reason}"
        );
    }

    #[test]
    fn faults_in_tags() {
        let tag = r#"testcase name="t" time="<<computed>>""#;
        let (at, reason) = tag_fault(tag).unwrap();
        assert_eq!(at, 24);
        assert_eq!(
            reason,
            "not well-formed XML: a `<` (write `&lt;`) in the value of the attribute `time`"
        );
        let (at, reason) = tag_fault("testcase classname='A' name = 'a & b'").unwrap();
        assert_eq!(at, 33);
        assert!(
            reason.contains("`&` that does not start a reference"),
            "{reason}"
        );
        assert!(reason.ends_with("attribute `name`"), "{reason}");
        let (at, reason) = tag_fault("failure message=\"x\x1by\"").unwrap();
        assert_eq!(at, 18);
        assert!(
            reason.contains("U+001B") && reason.ends_with("`message`"),
            "{reason}"
        );
        // `'` inside `"` and `>` are fine; outside a value, the tag is named.
        assert_eq!(tag_fault(r#"a b="it's > &amp; &#27; &#160;" c='"'"#), None);
        let (at, reason) = tag_fault("testcase <x").unwrap();
        assert_eq!(at, 9);
        assert!(reason.ends_with("in the tag `<testcase>`"), "{reason}");
        assert_eq!(tag_fault(""), None);
        // Names from the file are escaped: a bidi override in the attribute name, the
        // forbidden character itself cut from the element name.
        let (_, reason) = tag_fault("t a\u{202E}b='<'").unwrap();
        assert!(reason.ends_with("attribute `a<U+202E>b`"), "{reason}");
        let (_, reason) = tag_fault("test\x1bcase").unwrap();
        assert!(reason.ends_with("in the tag `<test>`"), "{reason}");
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
        // Any number of leading zeros: decoded (they were kept as written).
        assert_eq!(unescape("&#00000000065;&#x0000000041;", true), "AA");
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
