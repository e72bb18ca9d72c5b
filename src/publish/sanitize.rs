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
            '[' if shown.ends_with("##") => shown.push_str("<U+005B>"),
            c if is_hidden(c) => shown.push_str(&crate::escape::visible(c)),
            c => shown.push(c),
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

/// [`code`] for a GFM table cell: `|` is written `\|`, which GFM reads as a pipe inside
/// the cell, code spans included.
pub fn code_cell(text: &str) -> String {
    code(text).replace('|', "\\|")
}

/// `body` kept within `limit` characters (Unicode scalar values, as GitHub counts the
/// 65,536 of a comment or issue), see [`truncate_body_with`].
pub fn truncate_body(body: &str, limit: usize, note: &str) -> String {
    truncate_body_with(body, limit, note, |s| s.chars().count())
}

/// `body` kept within `limit` bytes (the 1 MiB of a job summary), see
/// [`truncate_body_with`].
pub fn truncate_body_bytes(body: &str, limit: usize, note: &str) -> String {
    truncate_body_with(body, limit, note, str::len)
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

impl Blocks {
    fn read_line(&mut self, line: &str) {
        let line = line.trim_end_matches(['\n', '\r']);
        let indent = line.len() - line.trim_start_matches(' ').len();
        let rest = line.trim_start_matches(' ');
        let fence_char = rest.chars().next().filter(|c| *c == '`' || *c == '~');
        let fence_len = fence_char.map_or(0, |f| rest.chars().take_while(|c| *c == f).count());
        let is_fence = indent <= 3 && fence_len >= 3;
        match (self.fence, is_fence) {
            (Some((open_char, open_len)), true) => {
                let after = rest.get(fence_len..).unwrap_or_default();
                if fence_char == Some(open_char) && fence_len >= open_len && after.trim().is_empty()
                {
                    self.fence = None;
                }
            }
            (Some(_), false) => {}
            (None, true) => {
                let after = rest.get(fence_len..).unwrap_or_default();
                // A backtick fence's info string may not contain a backtick.
                if fence_char != Some('`') || !after.contains('`') {
                    self.fence = fence_char.map(|c| (c, fence_len));
                }
            }
            (None, false) => {
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

    /// Lines that close what is open: the fence first, then each `<details>`.
    fn closers(&self) -> String {
        let mut out = String::new();
        if let Some((c, n)) = self.fence {
            out.extend(std::iter::repeat_n(c, n));
            out.push('\n');
        }
        for _ in 0..self.details {
            out.push_str("</details>\n");
        }
        out
    }
}

/// `body` unchanged when `measure(body) <= limit`; otherwise cut so that the result,
/// note included, measures at most `limit`.
///
/// The cut falls after the last whole line that fits. A code fence or `<details>` left
/// open by the cut is closed, then a blank line and `note` follow. When not even the
/// first line fits, it is cut between characters and ends with an ellipsis. When the
/// note alone does not fit, the result is the note cut to the limit (by characters,
/// never inside one).
pub fn truncate_body_with(
    body: &str,
    limit: usize,
    note: &str,
    measure: impl Fn(&str) -> usize,
) -> String {
    if measure(body) <= limit {
        return body.to_string();
    }
    let tail = |blocks: &Blocks| format!("{}\n{note}", blocks.closers());

    // Walk whole lines, remembering the longest prefix that fits with its tail.
    let mut blocks = Blocks::default();
    let mut used = 0; // measure of body[..pos]
    let mut pos = 0;
    let mut best: Option<(usize, String)> = None;
    for line in body.split_inclusive('\n') {
        if !line.ends_with('\n') {
            break; // the last line without a newline: only kept whole, which cannot fit
        }
        let mut after = blocks.clone();
        after.read_line(line);
        let used_after = used + measure(line);
        if used_after > limit {
            break;
        }
        let t = tail(&after);
        if used_after + measure(&t) <= limit {
            best = Some((pos + line.len(), t));
        }
        blocks = after;
        used = used_after;
        pos += line.len();
    }
    if let Some((end, t)) = best {
        return format!("{}{t}", body.get(..end).unwrap_or_default());
    }

    // Not even the first line fits: cut inside it.
    let first = body.split_inclusive('\n').next().unwrap_or_default();
    let first = first.trim_end_matches(['\n', '\r']);
    let mut start_blocks = Blocks::default();
    start_blocks.read_line(first);
    let t = tail(&start_blocks);
    let fixed = measure(&t) + measure("…\n");
    if fixed <= limit {
        let mut kept = String::new();
        let mut size = 0;
        for c in first.chars() {
            let mut buf = [0u8; 4];
            let m = measure(c.encode_utf8(&mut buf));
            if size + m + fixed > limit {
                break;
            }
            kept.push(c);
            size += m;
        }
        let kept = kept.trim_end_matches(|c: char| c.is_whitespace() || c == '\u{200D}');
        if !kept.is_empty() {
            let out = format!("{kept}…\n{t}");
            if measure(&out) <= limit {
                return out;
            }
        }
    }

    // Only the note, cut to the limit.
    let mut out = String::new();
    for c in note.chars() {
        out.push(c);
        if measure(&out) > limit {
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
        // Fallback cuts the first line: "…\n" (2) + tail (6) = 8, 6 chars left:
        // "line o" → trailing nothing to trim → "line o…\n\n(cut)" = 14 chars.
        let out = truncate_body("line one\nline two\n", 14, "(cut)");
        assert_eq!(out, "line o…\n\n(cut)");
        assert_eq!(out.chars().count(), 14);
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
    fn truncate_body_never_splits_a_character() {
        // 🎉 is 1 char and 4 bytes. Limit 10 bytes, note "!" → tail "\n!" 2 bytes,
        // "…\n" 4 bytes, 4 bytes left: "ab" (2) fits, "🎉" (4) would make 6.
        let out = truncate_body_bytes("ab🎉cd\nmore\n", 10, "!");
        assert_eq!(out, "ab…\n\n!");
        assert!(out.len() <= 10);
        // In characters the emoji counts 1: "ab🎉c" (4) + "…\n" (2) + "\n!" (2) = 8... with
        // limit 8 the first line "ab🎉cd\n" (6) + tail 2 = 8 fits whole.
        assert_eq!(truncate_body("ab🎉cd\nmore\n", 8, "!"), "ab🎉cd\n\n!");
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
}
