//! Making outside text (issue titles, branch names, test names, labels) safe to put in
//! GitHub markdown: it must not break the layout, inject markdown or HTML, link, or
//! notify anyone.
//!
//! What [`inline`] does to text, in order of reading:
//! - line breaks (`\r\n`, `\r`, `\n`) and tabs become one space each, so a value never
//!   ends a table row or a list item; every other character that
//!   [`crate::escape::is_hidden`] names (controls, bidi overrides and isolates,
//!   zero-width and other invisible characters, an input U+2060 included) is shown as
//!   `&lt;U+202E&gt;`, which renders as the text `<U+202E>`;
//! - `&`, `<`, `>` become `&amp;`, `&lt;`, `&gt;`: no HTML tag (`<script>`, `</details>`)
//!   and no character reference (`&#64;` would decode to `@` after the mention check
//!   is skipped) survives;
//! - `` \ ` * _ [ ] | ~ $ `` get a backslash: no emphasis, code span, link, image, table
//!   cell break, strikethrough or math; a leading `#`, `-`, `+`, `=` and the `.`/`)` of a
//!   leading `1.`/`1)` are escaped too, so a value placed at the start of a line does not
//!   become a heading, list or setext underline; a leading `:` is escaped too, so a line
//!   printed to a CI log (`--format markdown`) never starts a workflow command;
//! - a WORD JOINER (U+2060, invisible, not a line-break opportunity) is put after `@`
//!   when a letter or digit follows (`@octocat`, `@org/team`, `me@example.com`), after
//!   `#` when a digit follows (`#12`, `owner/repo#12`), after the `-` of `GH-` when a
//!   digit follows (`GH-12`), before every `://` (`https://…`) and after a `www` that
//!   starts a word and is followed by `.`. GitHub renders the text the same, but
//!   finds no mention (nobody is pinged), no issue reference (no cross-reference event in
//!   the other issue; a closing keyword such as `fixes #12` has nothing to close) and no
//!   bare-URL autolink. Links the report itself makes are written by the report, not by
//!   passing outside text through here. Copying the text copies the invisible joiner.

use crate::escape::is_hidden;
use std::borrow::Cow;
use std::fmt::Write as _;

/// U+2060 WORD JOINER: zero width, no line break, breaks GitHub's mention, reference and
/// autolink patterns.
pub const JOINER: char = '\u{2060}';

/// The ellipsis put at the end of cut text.
pub const ELLIPSIS: char = '…';

/// Maximum length of an issue or pull request body or comment, in characters.
pub const COMMENT_MAX_CHARS: usize = 65_536;

/// Maximum size of a job summary (`GITHUB_STEP_SUMMARY`) for one step, in bytes (1 MiB).
pub const SUMMARY_MAX_BYTES: usize = 1_048_576;

/// `text` made safe for inline markdown and GFM table cells (see the module docs).
pub fn inline(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    // True while the output holds nothing visible yet (leading escapes apply).
    let mut at_start = true;
    // For a leading ordered-list marker: true while only digits have been seen.
    let mut only_digits = true;
    let mut prev: Option<char> = None;
    for (i, &c) in chars.iter().enumerate() {
        let next = chars.get(i + 1).copied();
        let leading_marker = at_start || (only_digits && prev.is_some_and(|p| p.is_ascii_digit()));
        match c {
            '\r' => {
                // `\r\n` is one break.
                if next != Some('\n') {
                    out.push(' ');
                }
            }
            '\n' | '\t' => out.push(' '),
            // Controls, bidi, zero-width and other invisible characters (an input
            // U+2060 among them, before any joiner of ours is added) are shown.
            c if is_hidden(c) => {
                let _ = write!(out, "&lt;U+{:04X}&gt;", u32::from(c));
            }
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '#' | '-' | '+' | '=' if at_start => {
                out.push('\\');
                out.push(c);
                if c == '#' && next.is_some_and(|n| n.is_ascii_digit()) {
                    out.push(JOINER);
                }
            }
            // A leading `::` would start a workflow command where the markdown is
            // printed to a CI log (`--format markdown`); `\:` renders as `:`.
            ':' if at_start => {
                out.push_str("\\:");
            }
            '.' | ')' if !at_start && leading_marker => {
                out.push('\\');
                out.push(c);
            }
            '@' => {
                out.push('@');
                if next.is_some_and(|n| n.is_ascii_alphanumeric()) {
                    out.push(JOINER);
                }
            }
            '#' => {
                out.push('#');
                if next.is_some_and(|n| n.is_ascii_digit()) {
                    out.push(JOINER);
                }
            }
            '-' => {
                out.push('-');
                let gh = i >= 2
                    && chars[i - 2].eq_ignore_ascii_case(&'g')
                    && chars[i - 1].eq_ignore_ascii_case(&'h')
                    && (i < 3 || !chars[i - 3].is_alphanumeric());
                if gh && next.is_some_and(|n| n.is_ascii_digit()) {
                    out.push(JOINER);
                }
            }
            ':' => {
                if next == Some('/') && chars.get(i + 2) == Some(&'/') {
                    out.push(JOINER);
                }
                out.push(':');
            }
            '.' => {
                let www = i >= 3
                    && chars[i - 3..i]
                        .iter()
                        .all(|ch| ch.eq_ignore_ascii_case(&'w'))
                    && (i < 4 || !chars[i - 4].is_alphanumeric());
                if www {
                    out.push(JOINER);
                }
                out.push('.');
            }
            c => out.push(c),
        }
        let blank = matches!(c, '\r' | '\n' | '\t') || (c.is_whitespace() && !is_hidden(c));
        if !blank {
            if !c.is_ascii_digit() {
                only_digits = false;
            }
            at_start = false;
        }
        prev = Some(c);
    }
    out
}

/// [`inline`] of `text` cut to at most `max_chars` characters of the original text,
/// the ellipsis included (see [`truncate_chars`]). The escapes added by [`inline`] do not
/// count: the limit is on what the reader sees.
pub fn inline_max(text: &str, max_chars: usize) -> String {
    inline(&truncate_chars(text, max_chars))
}

/// `text` cut to at most `max_chars` characters, the last of them an ellipsis when
/// anything was cut. Cuts between characters, never inside one; drops whitespace and a
/// dangling zero-width joiner (U+200D, which glues emoji) before the ellipsis.
pub fn truncate_chars(text: &str, max_chars: usize) -> Cow<'_, str> {
    if text.chars().count() <= max_chars {
        return Cow::Borrowed(text);
    }
    if max_chars == 0 {
        return Cow::Borrowed("");
    }
    // Byte offset of the character at index max_chars - 1 (room for the ellipsis).
    let end = text
        .char_indices()
        .nth(max_chars - 1)
        .map_or(text.len(), |(at, _)| at);
    let kept = text
        .get(..end)
        .unwrap_or_default()
        .trim_end_matches(|c: char| c.is_whitespace() || c == '\u{200D}');
    let mut out = String::with_capacity(kept.len() + ELLIPSIS.len_utf8());
    out.push_str(kept);
    out.push(ELLIPSIS);
    Cow::Owned(out)
}

/// `text` as an inline code span: a backtick fence longer than any run of backticks in
/// the text, padded with a space when the text starts or ends with a backtick (the
/// CommonMark rule strips one such space on each side). Line breaks and tabs become
/// spaces; every other hidden character (controls, bidi, zero-width, see
/// [`crate::escape::is_hidden`]) is shown as `<U+202E>` (no escape works inside a code
/// span, so it is written raw and reads as that text), and the `[` of a `##[` as
/// `<U+005B>`, so the line holding the span never reads as a workflow command in a CI log.
/// Mentions and references inside code are not processed by GitHub, so the text is
/// otherwise left as it is. Not for table cells: use [`code_cell`] there.
pub fn code(text: &str) -> String {
    let mut shown = String::with_capacity(text.len());
    for c in text.replace("\r\n", " ").chars() {
        match c {
            '\n' | '\r' | '\t' => shown.push(' '),
            c => crate::escape::push_visible(&mut shown, c),
        }
    }
    let text = shown;
    if text.is_empty() {
        // An empty span does not exist in markdown; a single space renders as empty code.
        return "` `".to_string();
    }
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat(longest + 1);
    let pad = text.starts_with('`')
        || text.ends_with('`')
        || (text.starts_with(' ') && text.ends_with(' ') && !text.trim().is_empty());
    let space = if pad { " " } else { "" };
    format!("{fence}{space}{text}{space}{fence}")
}

/// A sentence slipgate worded itself (a note, a warning, a reason), whose backticks mark
/// code (a key, a flag, a quoted value): each backtick-delimited part becomes a code span
/// through [`code`], every other part goes through [`inline`]. A backtick left unpaired
/// is shown as it is. Every part goes through one of the two escapers, so data quoted in
/// the sentence, backticks of its own included, can misplace a span boundary at worst,
/// never render as markup: it stays text or code.
pub fn worded(text: &str) -> String {
    let parts: Vec<&str> = text.split('`').collect();
    let paired = if parts.len().is_multiple_of(2) {
        parts.len() - 1
    } else {
        parts.len()
    };
    let mut out = String::with_capacity(text.len() + 8);
    for (i, part) in parts[..paired].iter().enumerate() {
        match (i % 2 == 1, part.is_empty()) {
            (false, true) => {}
            (false, false) => out.push_str(&inline(part)),
            (true, true) => out.push_str(&inline("``")),
            (true, false) => out.push_str(&code(part)),
        }
    }
    if paired < parts.len() {
        out.push_str(&inline(&format!("`{}", parts[paired])));
    }
    out
}

/// [`code`] for a GFM table cell: `|` is written `\|`, which GFM reads as a pipe inside
/// the cell, code spans included.
pub fn code_cell(text: &str) -> String {
    code(text).replace('|', "\\|")
}

/// How the length of a body is counted against its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Unicode scalar values.
    Chars,
    /// UTF-16 code units: never fewer than characters, so a limit GitHub states in
    /// characters holds whichever way it counts.
    Utf16,
    /// UTF-8 bytes (the 1 MiB of a job summary).
    Bytes,
}

impl Measure {
    /// The length of `text` in this unit.
    pub fn of(self, text: &str) -> usize {
        match self {
            Measure::Chars => text.chars().count(),
            Measure::Utf16 => text.chars().map(char::len_utf16).sum(),
            Measure::Bytes => text.len(),
        }
    }
}

/// `body` kept within `limit` characters (Unicode scalar values, as GitHub counts the
/// 65,536 of a comment or issue), see [`fit_body`].
pub fn truncate_body(body: &str, limit: usize, note: &str) -> String {
    fit_body(body, limit, note, Measure::Chars)
}

/// `body` kept within `limit` bytes (the 1 MiB of a job summary), see [`fit_body`].
pub fn truncate_body_bytes(body: &str, limit: usize, note: &str) -> String {
    fit_body(body, limit, note, Measure::Bytes)
}

/// Fence and `<details>` state of markdown read line by line, to close what a cut leaves
/// open.
#[derive(Debug, Clone, Default)]
struct Blocks {
    /// The open code fence (character and length), if any.
    fence: Option<(char, usize)>,
    /// `<details>` opened and not closed, outside code fences.
    details: usize,
}

/// The fence a line opens or closes: its character and length, and what follows it.
fn fence_of(line: &str) -> Option<(char, usize, &str)> {
    let line = line.trim_end_matches(['\n', '\r']);
    let rest = line.trim_start_matches(' ');
    if line.len() - rest.len() > 3 {
        return None;
    }
    let c = rest.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let n = rest.chars().take_while(|x| *x == c).count();
    (n >= 3).then(|| (c, n, rest.get(n..).unwrap_or_default()))
}

impl Blocks {
    fn read_line(&mut self, line: &str) {
        let fence = fence_of(line);
        match (self.fence, fence) {
            (Some((open_char, open_len)), Some((c, n, after))) => {
                if c == open_char && n >= open_len && after.trim().is_empty() {
                    self.fence = None;
                }
            }
            (Some(_), None) => {}
            (None, Some((c, n, after))) => {
                // A backtick fence's info string may not contain a backtick.
                if c != '`' || !after.contains('`') {
                    self.fence = Some((c, n));
                }
            }
            (None, None) => {
                let lower = line.to_ascii_lowercase();
                let opens = lower
                    .match_indices("<details")
                    .filter(|(at, _)| {
                        lower
                            .as_bytes()
                            .get(at + "<details".len())
                            .is_none_or(|b| *b == b'>' || b.is_ascii_whitespace())
                    })
                    .count();
                let closes = lower.matches("</details>").count();
                self.details = (self.details + opens).saturating_sub(closes);
            }
        }
    }

    /// Lines that close what is open: the fence first, then each `<details>` after a
    /// blank line (which also ends a table or paragraph the cut left open).
    fn closers(&self) -> String {
        let mut out = String::new();
        if let Some((c, n)) = self.fence {
            out.extend(std::iter::repeat_n(c, n));
            out.push('\n');
        }
        if self.details > 0 && self.fence.is_none() {
            out.push('\n');
        }
        for _ in 0..self.details {
            out.push_str("</details>\n");
        }
        out
    }
}

/// A GFM table delimiter row: `|---|:--:|`, cells of dashes with optional colons.
fn is_delimiter_row(line: &str) -> bool {
    let t = line.trim();
    let inner = t.strip_prefix('|').unwrap_or(t);
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    !inner.is_empty()
        && inner.split('|').all(|cell| {
            let c = cell.trim();
            let c = c.strip_prefix(':').unwrap_or(c);
            let c = c.strip_suffix(':').unwrap_or(c);
            !c.is_empty() && c.bytes().all(|b| b == b'-')
        })
}

/// Byte ranges `(start, end)` of the inline code spans of `text`, a run of lines read as
/// one paragraph (CommonMark: a backtick run opens a span closed by the next run of the
/// same length; a backslash escapes a backtick outside a span; an unmatched run is text).
fn code_spans(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut spans = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'`' => {
                let start = i;
                while i < b.len() && b[i] == b'`' {
                    i += 1;
                }
                let n = i - start;
                // Look for a closing run of exactly n backticks.
                let mut j = i;
                let mut close = None;
                while j < b.len() {
                    if b[j] == b'`' {
                        let s = j;
                        while j < b.len() && b[j] == b'`' {
                            j += 1;
                        }
                        if j - s == n {
                            close = Some(j);
                            break;
                        }
                    } else {
                        j += 1;
                    }
                }
                if let Some(end) = close {
                    spans.push((start, end));
                    i = end;
                }
            }
            _ => i += 1,
        }
    }
    spans
}

/// The line ends of `body` (byte offsets just after each `\n`) where a cut is safe: not
/// inside an inline code span (a span may run over lines of one paragraph), and not
/// between a table's header row and its delimiter row.
fn safe_line_ends(body: &str) -> Vec<bool> {
    let lines: Vec<&str> = body.split_inclusive('\n').collect();
    let mut safe = vec![true; lines.len()];
    // Header rows: the line before a delimiter row.
    for i in 1..lines.len() {
        if is_delimiter_row(lines[i]) && lines[i - 1].trim_start().starts_with('|') {
            safe[i - 1] = false;
        }
    }
    // Code spans over line ends, paragraph by paragraph (fenced code and blank lines
    // end a paragraph; a table row is its own, as GFM splits cells before code spans).
    let mut blocks = Blocks::default();
    let mut para: Vec<usize> = Vec::new(); // line indexes
    let mut offsets = Vec::with_capacity(lines.len());
    let mut at = 0;
    for l in &lines {
        offsets.push(at);
        at += l.len();
    }
    let flush = |para: &mut Vec<usize>, safe: &mut Vec<bool>| {
        if para.len() > 1 {
            let (first, last) = (para[0], para[para.len() - 1]);
            let from = offsets[first];
            let to = offsets[last] + lines[last].len();
            let text = body.get(from..to).unwrap_or_default();
            for (s, e) in code_spans(text) {
                for &k in para.iter() {
                    let end = offsets[k] + lines[k].len() - from;
                    if s < end && end < e {
                        safe[k] = false;
                    }
                }
            }
        }
        para.clear();
    };
    for (k, l) in lines.iter().enumerate() {
        let in_fence = blocks.fence.is_some() || fence_of(l).is_some();
        blocks.read_line(l);
        if in_fence || l.trim().is_empty() || l.trim_start().starts_with('|') {
            flush(&mut para, &mut safe);
            continue;
        }
        para.push(k);
    }
    flush(&mut para, &mut safe);
    safe
}

/// `body` unchanged when it measures at most `limit`; otherwise cut so that the result,
/// note included, measures at most `limit`. The one cut for every body slipgate writes:
/// the pull request comment, the trend issue and the job summary.
///
/// The cut falls after the last whole line that fits and is safe to cut after: never
/// inside a line (so never inside an escape such as `&lt;` or `\|`, a table row or a
/// link), never inside an inline code span that runs over lines, and never between a
/// table's header and delimiter rows (a table keeps whole rows and stays a table). A
/// code fence or `<details>` left open is closed, then a blank line and `note` follow.
/// When no line fits, the result is `note` alone, cut to the limit between characters
/// (`note` is slipgate's own plain text).
pub fn fit_body(body: &str, limit: usize, note: &str, measure: Measure) -> String {
    if measure.of(body) <= limit {
        return body.to_string();
    }
    let tail = |blocks: &Blocks| format!("{}\n{note}", blocks.closers());
    let safe = safe_line_ends(body);

    // Walk whole lines, remembering the longest safe prefix that fits with its tail.
    let mut blocks = Blocks::default();
    let mut used = 0; // measure of body[..pos]
    let mut pos = 0;
    let mut best: Option<(usize, String)> = None;
    for (k, line) in body.split_inclusive('\n').enumerate() {
        if !line.ends_with('\n') {
            break; // the last line without a newline: only kept whole, which cannot fit
        }
        blocks.read_line(line);
        used += measure.of(line);
        pos += line.len();
        if used > limit {
            break;
        }
        if !safe.get(k).copied().unwrap_or(false) {
            continue;
        }
        let t = tail(&blocks);
        if used + measure.of(&t) <= limit {
            best = Some((pos, t));
        }
    }
    if let Some((end, t)) = best {
        return format!("{}{t}", body.get(..end).unwrap_or_default());
    }

    // Only the note, cut to the limit.
    let mut out = String::new();
    for c in note.chars() {
        out.push(c);
        if measure.of(&out) > limit {
            out.pop();
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    const J: char = JOINER;

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            inline("<script>alert(1)</script>"),
            "&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        assert_eq!(inline("</details>"), "&lt;/details&gt;");
        // A character reference for `@` must not decode back into a mention.
        assert_eq!(inline("&#64;octocat"), format!("&amp;#{J}64;octocat"));
        assert_eq!(inline("a & b"), "a &amp; b");
    }

    #[test]
    fn markdown_specials_are_escaped() {
        assert_eq!(inline("| pipes |"), "\\| pipes \\|");
        assert_eq!(
            inline("[x](javascript:alert(1))"),
            "\\[x\\](javascript:alert(1))"
        );
        assert_eq!(
            inline("**bold** _em_ ~~s~~"),
            "\\*\\*bold\\*\\* \\_em\\_ \\~\\~s\\~\\~"
        );
        assert_eq!(inline("a `b` c\\d"), "a \\`b\\` c\\\\d");
        assert_eq!(inline("![img](x.png)"), "!\\[img\\](x.png)");
        assert_eq!(inline("$x^2$"), "\\$x^2\\$");
        assert_eq!(inline("test_login_flow"), "test\\_login\\_flow");
    }

    #[test]
    fn line_starts_cannot_open_blocks() {
        assert_eq!(inline("# Title"), "\\# Title");
        assert_eq!(inline("- item"), "\\- item");
        assert_eq!(inline("+ item"), "\\+ item");
        assert_eq!(inline("==="), "\\===");
        assert_eq!(inline("12. item"), "12\\. item");
        assert_eq!(inline("3) item"), "3\\) item");
        assert_eq!(inline("  # spaced"), "  \\# spaced");
        // Not at the start: left alone (`-` in a word, `.` in a version, `#` in C#).
        assert_eq!(inline("a-b v1.2.3 C# x=y"), "a-b v1.2.3 C# x=y");
        assert_eq!(inline("v12. x"), "v12. x");
    }

    #[test]
    fn newlines_collapse_and_controls_are_shown() {
        assert_eq!(inline("a\nb\r\nc\rd\te"), "a b c d e");
        assert_eq!(
            inline("a\u{0}b\u{1b}[31mc\u{7}"),
            "a&lt;U+0000&gt;b&lt;U+001B&gt;\\[31mc&lt;U+0007&gt;"
        );
        assert_eq!(inline("x |\n| y"), "x \\| \\| y");
    }

    #[test]
    fn invisible_characters_are_shown() {
        // Bidi override and isolate, zero-width space, BOM: visible as `<U+…>` text.
        assert_eq!(
            inline("abc\u{202E}fed\u{2066}x\u{200B}y\u{FEFF}"),
            "abc&lt;U+202E&gt;fed&lt;U+2066&gt;x&lt;U+200B&gt;y&lt;U+FEFF&gt;"
        );
        // An input WORD JOINER is shown; the one put after `@` is ours and stays raw.
        assert_eq!(
            inline("\u{2060}@octocat"),
            format!("&lt;U+2060&gt;@{J}octocat")
        );
        // A hidden character in front of `::` no longer hides it and is shown.
        assert_eq!(inline("\u{AD}::error::x"), "&lt;U+00AD&gt;::error::x");
    }

    #[test]
    fn a_leading_double_colon_is_escaped() {
        assert_eq!(inline("::error::forged"), "\\::error::forged");
        assert_eq!(inline("  ::stop-commands::x"), "  \\::stop-commands::x");
        assert_eq!(inline("a ::b"), "a ::b");
        // The runner's older prefix: `[` is escaped anyway.
        assert_eq!(inline("x ##[error]y"), "x ##\\[error\\]y");
    }

    #[test]
    fn code_spans_show_invisibles_and_break_old_commands() {
        assert_eq!(code("a\u{202E}b\u{1b}c"), "`a<U+202E>b<U+001B>c`");
        assert_eq!(code("t\u{2060}x"), "`t<U+2060>x`");
        assert_eq!(code("ok ##[error]x"), "`ok ##<U+005B>error]x`");
        assert_eq!(code("a\tb"), "`a b`");
        assert_eq!(code_cell("a|\u{200B}"), "`a\\|<U+200B>`");
    }

    #[test]
    fn mentions_and_references_are_neutralised() {
        assert_eq!(inline("thanks @octocat"), format!("thanks @{J}octocat"));
        assert_eq!(inline("@github/security"), format!("@{J}github/security"));
        assert_eq!(inline("a @ b"), "a @ b");
        assert_eq!(inline("fixes #12"), format!("fixes #{J}12"));
        assert_eq!(inline("#12 at start"), format!("\\#{J}12 at start"));
        assert_eq!(inline("octo/repo#7"), format!("octo/repo#{J}7"));
        assert_eq!(inline("see GH-34, gh-5"), format!("see GH-{J}34, gh-{J}5"));
        assert_eq!(inline("HIGH-34 GH-x"), "HIGH-34 GH-x");
        assert_eq!(inline("issue #tag"), "issue #tag");
        assert_eq!(
            inline("mail me@example.com"),
            format!("mail me@{J}example.com")
        );
    }

    #[test]
    fn urls_do_not_autolink() {
        assert_eq!(
            inline("https://github.com/o/r/issues/1"),
            format!("https{J}://github.com/o/r/issues/1")
        );
        assert_eq!(
            inline("go to www.example.com"),
            format!("go to www{J}.example.com")
        );
        assert_eq!(inline("WWW.X.org"), format!("WWW{J}.X.org"));
        assert_eq!(inline("awww.x"), "awww.x");
    }

    #[test]
    fn plain_text_is_unchanged() {
        let text = "Crash when saving a file (Windows 11, v2.3.1) — naïve café 🎉";
        assert_eq!(inline(text), text);
    }

    #[test]
    fn inline_max_counts_visible_characters() {
        // 10 visible characters allowed: 9 kept + the ellipsis.
        assert_eq!(inline_max("abcdefghijklmnop", 10), "abcdefghi…");
        assert_eq!(inline_max("short", 10), "short");
        // Cut before escaping: `a|b|c|d` → 4 kept chars "a|b|" + … → escaped pipes.
        assert_eq!(inline_max("a|b|c|d", 5), "a\\|b\\|…");
        // Trailing space before the cut is dropped: "abc " → "abc…".
        assert_eq!(inline_max("abc defgh", 5), "abc…");
        assert_eq!(inline_max("abc", 0), "");
        // The cut never splits a character: 3 kept scalar values + …
        assert_eq!(inline_max("ééééé", 4), "ééé…");
    }

    #[test]
    fn truncate_chars_drops_dangling_emoji_joiner() {
        // 👩‍💻 is U+1F469 U+200D U+1F4BB. Keeping 2 chars "a👩" is fine; keeping
        // "a👩\u{200D}" would leave a dangling ZWJ, which is dropped.
        let text = "a👩\u{200D}💻 done";
        assert_eq!(truncate_chars(text, 3), "a👩…");
        assert_eq!(truncate_chars(text, 4), "a👩…");
        assert_eq!(truncate_chars(text, 100), text);
    }

    #[test]
    fn code_spans_survive_backticks() {
        assert_eq!(code("cargo test"), "`cargo test`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("``x``"), "``` ``x`` ```");
        assert_eq!(code("`start"), "`` `start ``");
        assert_eq!(code(""), "` `");
        assert_eq!(code("  "), "`  `");
        assert_eq!(code(" a "), "`  a  `");
        assert_eq!(code("line1\nline2\r\nline3"), "`line1 line2 line3`");
        assert_eq!(code("@octocat <b>"), "`@octocat <b>`");
        assert_eq!(code_cell("a|b"), "`a\\|b`");
    }

    #[test]
    fn truncate_body_keeps_short_bodies() {
        assert_eq!(truncate_body("hello\n", 6, "cut"), "hello\n");
    }

    #[test]
    fn truncate_body_cuts_at_a_line() {
        // Body 18 chars: "line one\n" (9) + "line two\n" (9). Limit 15: tail is "\n" +
        // "(cut)" = 6 chars; "line one\n" + tail = 15 fits; both lines would be 24.
        let out = truncate_body("line one\nline two\n", 15, "(cut)");
        assert_eq!(out, "line one\n\n(cut)");
        assert_eq!(out.chars().count(), 15);
        // Limit 14: nothing whole fits with the 6-char tail next to "line one\n" (9).
        // A line is never cut inside (an escape, a code span or a row could be split):
        // only the note is left.
        let out = truncate_body("line one\nline two\n", 14, "(cut)");
        assert_eq!(out, "(cut)");
    }

    #[test]
    fn truncate_body_closes_fences_and_details() {
        let body =
            "<details><summary>Tests</summary>\n\n```\nlog 1\nlog 2\nlog 3\n```\n</details>\n";
        // Lines: "<details><summary>Tests</summary>\n" 34, "\n" 1, "```\n" 4,
        // "log 1\n" 6, "log 2\n" 6, "log 3\n" 6, "```\n" 4, "</details>\n" 11 = 72.
        // Keeping through "log 1\n" = 45; closers "```\n</details>\n" = 15; "\n" + "[cut]"
        // = 6 → 66. Through "log 2\n" would be 72 > 70.
        let out = truncate_body(body, 70, "[cut]");
        assert_eq!(
            out,
            "<details><summary>Tests</summary>\n\n```\nlog 1\n```\n</details>\n\n[cut]"
        );
        assert_eq!(out.chars().count(), 66);
    }

    #[test]
    fn fences_hide_details_tags_and_tilde_fences_close() {
        // "~~~~\n" opens a 4-tilde fence; "<details>\n" inside it does not count;
        // "~~~\n" (shorter) does not close it.
        let body = "~~~~\n<details>\n~~~\nmore text here\n";
        // Keep 3 lines (5 + 10 + 4 = 19), closer "~~~~\n" (5), "\n!" (2) = 26.
        let out = truncate_body(body, 26, "!");
        assert_eq!(out, "~~~~\n<details>\n~~~\n~~~~\n\n!");
    }

    #[test]
    fn truncate_body_counts_in_its_unit() {
        // 🎉 is 1 char, 2 UTF-16 units, 4 bytes. "ab🎉cd\n" is 6 chars, 7 units, 9 bytes;
        // the tail "\n!" is 2 in every unit.
        let body = "ab🎉cd\nmore\n";
        assert_eq!(truncate_body(body, 8, "!"), "ab🎉cd\n\n!");
        assert_eq!(fit_body(body, 9, "!", Measure::Utf16), "ab🎉cd\n\n!");
        assert_eq!(fit_body(body, 8, "!", Measure::Utf16), "!");
        assert_eq!(truncate_body_bytes(body, 11, "!"), "ab🎉cd\n\n!");
        assert_eq!(truncate_body_bytes(body, 10, "!"), "!");
    }

    #[test]
    fn no_cut_splits_an_escape_or_a_row() {
        // Every line is an escaped cell row; any limit keeps whole rows only.
        let body = "| a \\| b &lt;c&gt; |\n| d \\| e &amp; |\n| f |\n";
        for limit in 0..body.len() + 5 {
            let out = truncate_body(body, limit, "!");
            assert!(out.chars().count() <= limit, "{limit}: {out:?}");
            if out != body && out != "!" && !out.is_empty() {
                let kept = out.strip_suffix("\n!").expect("note");
                assert!(body.starts_with(kept), "{limit}: {out:?}");
                assert!(kept.ends_with(" |\n"), "{limit}: {out:?}");
            }
        }
    }

    #[test]
    fn a_table_keeps_its_header_and_delimiter_together() {
        // "text\n" 5, "| A | B |\n" 10, "|---|---|\n" 10, "| 1 | 2 |\n" 10.
        let body = "text\n| A | B |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |\n";
        // Limit 22: "text\n| A | B |\n" (15) + "\n!" fits, but would leave a header
        // without its delimiter (a paragraph of pipes): the cut falls after "text\n".
        assert_eq!(truncate_body(body, 22, "!"), "text\n\n!");
        // Limit 37: header, delimiter and one row (35) + tail 2.
        assert_eq!(
            truncate_body(body, 37, "!"),
            "text\n| A | B |\n|---|---|\n| 1 | 2 |\n\n!"
        );
    }

    #[test]
    fn a_code_span_over_two_lines_is_not_cut() {
        // The span `a\nb` runs over the line end: cutting there would leave "`a" whose
        // backtick is then literal, and the rest of the span text live.
        let body = "x `a\nb` y\nlast line here\n";
        // Limit 14: "x `a\n" (5) + "\n!" fits, but is inside the span; "x `a\nb` y\n"
        // (10) + 2 = 12 fits and is safe.
        assert_eq!(truncate_body(body, 14, "!"), "x `a\nb` y\n\n!");
        assert_eq!(truncate_body(body, 11, "!"), "!");
        // Spans: `b` at 2..5, ``c` d`` at 6..14; \` is an escaped backtick, and the
        // last backtick has no closer, so it is text.
        assert_eq!(code_spans("a `b` ``c` d`` \\`e`"), [(2, 5), (6, 14)]);
    }

    #[test]
    fn details_close_after_a_blank_line() {
        // "<details><summary>S</summary>\n" 30, "\n" 1, "| A |\n" 6, "|---|\n" 6,
        // "| 1 |\n" 6, "| 2 |\n" 6. Keeping through "| 1 |\n" = 49; closers
        // "\n</details>\n" 12; "\n!" 2 → 63.
        let body = "<details><summary>S</summary>\n\n| A |\n|---|\n| 1 |\n| 2 |\n</details>\n";
        assert_eq!(
            truncate_body(body, 63, "!"),
            "<details><summary>S</summary>\n\n| A |\n|---|\n| 1 |\n\n</details>\n\n!"
        );
    }

    #[test]
    fn the_note_alone_when_nothing_fits() {
        assert_eq!(truncate_body("abcdef\n", 3, "NOTE"), "NOT");
        assert_eq!(truncate_body_bytes("abcdef\n", 2, "é!"), "é");
    }

    #[test]
    fn a_last_line_without_newline_is_kept_only_whole() {
        // "one\n" (4) + "two" (3) = 7 > 6 → keep "one\n" + "\n!" = 6.
        assert_eq!(truncate_body("one\ntwo", 6, "!"), "one\n\n!");
    }

    #[test]
    fn comment_limit_is_respected_on_large_bodies() {
        // 10,000 lines of "row N | 🎉\n" are well over 65,536 characters.
        let body: String = (0..10_000).map(|i| format!("| row {i} | 🎉 |\n")).collect();
        let note = "_Cut to fit GitHub's 65,536-character limit._";
        let out = truncate_body(&body, COMMENT_MAX_CHARS, note);
        assert!(out.chars().count() <= COMMENT_MAX_CHARS);
        assert!(out.ends_with(note));
        // Every kept line is whole.
        let kept = out.strip_suffix(note).unwrap().strip_suffix('\n').unwrap();
        assert!(body.starts_with(kept));
        assert!(kept.ends_with(" | 🎉 |\n"));
        // The cut is tight: one more line would not fit.
        let next_line_len = body[kept.len()..]
            .split_inclusive('\n')
            .next()
            .unwrap()
            .chars()
            .count();
        assert!(out.chars().count() + next_line_len > COMMENT_MAX_CHARS);
    }

    /// The code spans and the plain text of `markdown` as rendered, and whether any HTML,
    /// link or image came out.
    fn rendered(markdown: &str) -> (Vec<String>, String, bool) {
        use pulldown_cmark::{Event, Options, Parser, Tag};
        let mut codes = Vec::new();
        let mut text = String::new();
        let mut live = false;
        for e in Parser::new_ext(markdown, Options::all()) {
            match e {
                Event::Code(c) => codes.push(c.to_string()),
                Event::Text(t) => text.push_str(&t),
                Event::Html(_) | Event::InlineHtml(_) => live = true,
                Event::Start(Tag::Link { .. } | Tag::Image { .. }) => live = true,
                _ => {}
            }
        }
        (codes, text, live)
    }

    #[test]
    fn worded_text_renders_its_backticks_as_code_spans() {
        let md = worded(
            "no issue matches `commits.fix_pattern` `(?i)^fix_(x)*:`; set `issues.bug_labels` — *see* [this](x)",
        );
        let (codes, text, live) = rendered(&md);
        assert_eq!(
            codes,
            ["commits.fix_pattern", "(?i)^fix_(x)*:", "issues.bug_labels"]
        );
        assert_eq!(text, "no issue matches  ; set  — *see* [this](x)");
        assert!(!live, "{md}");
        assert!(!md.contains("\\`"), "{md}");
    }

    #[test]
    fn worded_text_keeps_data_escaped_whatever_its_backticks() {
        // A label holding backticks, a mention and HTML, quoted by slipgate's wording.
        let md = worded("labels most used: `a` @octocat <img src=x> `b` (2), `c`d` (1)");
        let (codes, text, live) = rendered(&md);
        assert!(!live, "{md}");
        assert!(
            text.contains(&format!("@{JOINER}octocat <img src=x>")),
            "{text}"
        );
        assert_eq!(codes, ["a", "b", "c"]);
        assert!(text.ends_with("d` (1)"), "{text}");
        // An unpaired backtick at the end is text.
        let (codes, text, _) = rendered(&worded("x `y"));
        assert!(codes.is_empty());
        assert_eq!(text, "x `y");
        let (codes, _, _) = rendered(&worded("empty `` here"));
        assert!(codes.is_empty());
    }
}
