//! Making outside text safe to print on a terminal or in a CI log.
//!
//! Text that comes from data (test names, failure messages, file names, issue and pull
//! request titles, labels, commit subjects, server responses, policy snippets) is written
//! by strangers. Printed raw, a newline followed by `::error::…` or `::stop-commands::…`
//! becomes a workflow command that the GitHub Actions runner executes, an ESC sequence
//! repaints the terminal, and a bidi override makes a name read backwards.
//!
//! - [`line`] is for one field: every character that is not plainly visible (controls,
//!   line and paragraph separators, bidi controls, zero-width and other
//!   default-ignorable characters) is shown as `<U+XXXX>`, so the field stays on one line
//!   and shows what it holds; a `##[` anywhere and a `::` at its start are broken the
//!   same way, so the field can never read as a workflow command wherever it lands.
//! - [`guard`] is for a whole line about to be written: a line that would start a
//!   workflow command (`::` after leading white space) or hold the runner's older `##[`
//!   prefix gets the same escape. It is the last line of defence for text the program
//!   composes itself.
//!
//! The runner compares culture-sensitively (.NET `StartsWith`/`IndexOf`), which skips
//! default-ignorable characters: `:\u{AD}:error::` starts with `::` there. That is why
//! every default-ignorable character is escaped, not only the well-known invisible ones.

use std::borrow::Cow;
use std::fmt::Write as _;

/// True for a character that must never reach output raw: C0 and C1 controls and DEL,
/// line and paragraph separators, and every format or default-ignorable character
/// (bidi embeddings, overrides and isolates, zero-width space, joiners, word joiner, BOM,
/// soft hyphen, variation selectors, tags).
pub fn is_hidden(c: char) -> bool {
    if c.is_control() {
        return true;
    }
    let u = u32::from(c);
    matches!(
        u,
        0x00AD
            | 0x034F
            | 0x061C
            | 0x0600..=0x0605
            | 0x06DD
            | 0x070F
            | 0x0890..=0x0891
            | 0x08E2
            | 0x115F..=0x1160
            | 0x17B4..=0x17B5
            | 0x180B..=0x180F
            | 0x200B..=0x200F
            | 0x2028..=0x202E
            | 0x2060..=0x206F
            | 0x3164
            | 0xFE00..=0xFE0F
            | 0xFEFF
            | 0xFFA0
            | 0xFFF0..=0xFFFB
            | 0x110BD
            | 0x110CD
            | 0x13430..=0x1343F
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0000..=0xE0FFF
    )
}

/// Appends `c` to `out`, text already escaped this way: a hidden character as
/// `<U+XXXX>`, the `[` that would make `out` end in `##[` as `<U+005B>`, anything else
/// as it is. For escapers that handle some characters their own way first (markdown code
/// spans, workflow-command data) and want the rest shown as [`line`] shows it.
pub fn push_visible(out: &mut String, c: char) {
    if c == '[' && out.ends_with("##") {
        out.push_str("<U+005B>");
    } else if is_hidden(c) {
        let _ = write!(out, "<U+{:04X}>", u32::from(c));
    } else {
        out.push(c);
    }
}

/// The visible form of a hidden character: `<U+202E>`.
pub fn visible(c: char) -> String {
    format!("<U+{:04X}>", u32::from(c))
}

/// One field of outside text, safe to print anywhere on a line (see the module docs).
/// Borrowed when nothing needed escaping.
pub fn line(text: &str) -> Cow<'_, str> {
    rewrite(text, true)
}

/// A whole output line (without its line break), safe to hand to a CI log: a line that
/// the Actions runner would read as a workflow command gets its first `:` of the leading
/// `::`, and the `[` of every `##[`, shown as `<U+003A>` / `<U+005B>`. Other lines are
/// returned as they are (slipgate's own annotations are written by
/// `publish::actions`, never through here).
pub fn guard(line_text: &str) -> Cow<'_, str> {
    rewrite(line_text, false)
}

/// [`line`] (`hidden` true: hidden characters shown too) or [`guard`] (`hidden` false).
/// Hidden characters between the `#`s of `##[` do not hide it: the runner's comparison
/// skips them.
fn rewrite(text: &str, hidden: bool) -> Cow<'_, str> {
    let leading = starts_command(text);
    let needs = leading
        || (hidden && text.chars().any(is_hidden))
        || (text.contains('[') && text.contains('#'));
    if !needs {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut colon_done = !leading;
    // The last two characters that are not hidden.
    let mut last = [None::<char>; 2];
    for c in text.chars() {
        if is_hidden(c) {
            if hidden {
                let _ = write!(out, "<U+{:04X}>", u32::from(c));
            } else {
                out.push(c);
            }
            continue;
        }
        if !colon_done && c == ':' {
            out.push_str("<U+003A>");
            colon_done = true;
        } else if c == '[' && last == [Some('#'), Some('#')] {
            out.push_str("<U+005B>");
        } else {
            out.push(c);
        }
        last = [last[1], Some(c)];
    }
    if out == text {
        return Cow::Borrowed(text);
    }
    Cow::Owned(out)
}

/// Every line of `text` through [`guard`], line breaks kept.
pub fn guard_lines(text: &str) -> Cow<'_, str> {
    let may_hold = text.contains(':') || (text.contains('#') && text.contains('['));
    if !may_hold {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for piece in text.split_inclusive('\n') {
        let (body, end) = match piece.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (piece, ""),
        };
        out.push_str(&guard(body));
        out.push_str(end);
    }
    Cow::Owned(out)
}

/// True when `text`, after leading white space and hidden characters (which the runner's
/// comparison skips), starts with `::`.
fn starts_command(text: &str) -> bool {
    let mut rest = text
        .chars()
        .skip_while(|c| c.is_whitespace() || is_hidden(*c))
        .filter(|c| !is_hidden(*c));
    rest.next() == Some(':') && rest.next() == Some(':')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(line("tests::parse ok"), Cow::Borrowed(_)));
        assert!(matches!(guard("RELEASE  DATE"), Cow::Borrowed(_)));
    }

    #[test]
    fn newline_and_command_stay_on_one_line() {
        assert_eq!(
            line("a\n::error::x"),
            "a<U+000A>::error::x",
            "the command is no longer at a line start"
        );
        assert_eq!(line("::stop-commands::x"), "<U+003A>:stop-commands::x");
        assert_eq!(line("  ::warning::y"), "  <U+003A>:warning::y");
        assert_eq!(line("ok ##[error]boom"), "ok ##<U+005B>error]boom");
    }

    #[test]
    fn controls_and_invisibles_are_shown() {
        assert_eq!(
            line("\u{1b}[31mred\u{7}\0"),
            "<U+001B>[31mred<U+0007><U+0000>"
        );
        assert_eq!(line("abc\u{202E}fed"), "abc<U+202E>fed");
        assert_eq!(
            line("a\u{200B}b\u{2066}c\u{FEFF}"),
            "a<U+200B>b<U+2066>c<U+FEFF>"
        );
        assert_eq!(line("x\u{2028}y\u{85}z"), "x<U+2028>y<U+0085>z");
        // A soft hyphen between the colons is skipped by the runner's comparison.
        assert_eq!(line(":\u{AD}:error::x"), "<U+003A><U+00AD>:error::x");
    }

    #[test]
    fn guard_breaks_only_command_lines() {
        assert_eq!(guard("::error::forged"), "<U+003A>:error::forged");
        assert_eq!(guard("\t ::group::x"), "\t <U+003A>:group::x");
        assert_eq!(guard("a ::error:: b"), "a ::error:: b");
        assert_eq!(guard("x ##[warning]y"), "x ##<U+005B>warning]y");
        assert_eq!(guard("x #\u{AD}#[warning]y"), "x #\u{AD}#<U+005B>warning]y");
        assert!(matches!(guard("#1 [x]"), Cow::Borrowed(_)));
        assert_eq!(
            guard_lines("one\n::error::two\nthree\n"),
            "one\n<U+003A>:error::two\nthree\n"
        );
    }
}
