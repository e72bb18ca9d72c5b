//! Blanking the token out of text that came back from a server, in every form a server
//! may echo it: as sent, percent-encoded (either case of hex), JSON-escaped (`\"`,
//! `\\`, `\/`, `\u0067`, `\n`, …), and base64-encoded as inside a `Basic` header (`x-access-token:TOKEN`,
//! `TOKEN:`, `:TOKEN`, `user:TOKEN`: the token may start at any of the three byte
//! offsets of a base64 group, standard or URL-safe alphabet). Each character may be
//! encoded or not, independently, so mixed forms are caught too.

use regex::Regex;

/// What the token is replaced with.
pub(crate) const MASK: &str = "***";

/// Finds the token in its encoded forms. Built once per client.
#[derive(Debug, Clone)]
pub(crate) struct Redactor {
    pattern: Option<Regex>,
}

impl Redactor {
    /// A redactor for `secret`; `None` (or empty) redacts nothing.
    pub(crate) fn new(secret: Option<&str>) -> Self {
        let pattern = secret
            .filter(|s| !s.is_empty())
            .and_then(|s| Regex::new(&pattern_of(s)).ok());
        Redactor { pattern }
    }

    /// `text` with every form of the token replaced by [`MASK`].
    pub(crate) fn apply(&self, text: &str) -> String {
        match &self.pattern {
            Some(pattern) => pattern.replace_all(text, MASK).into_owned(),
            None => text.to_string(),
        }
    }
}

/// One alternative per form: the token itself, then its base64 forms at each offset.
fn pattern_of(secret: &str) -> String {
    let mut forms = vec![spelled(secret)];
    for offset in 0..3 {
        let fixed = base64_core(secret.as_bytes(), offset);
        // Too short a run would blank out unrelated text.
        if fixed.len() >= 4 {
            forms.push(spelled(&fixed));
            let url_safe = url_safe(&fixed);
            if url_safe != fixed {
                forms.push(spelled(&url_safe));
            }
        }
    }
    forms.join("|")
}

/// A pattern matching `text` with each character as is, percent-encoded (each UTF-8
/// byte, either case of hex), or JSON-escaped: `\uXXXX` (each UTF-16 unit, either case)
/// and the short escapes JSON has for some characters (`\"`, `\\`, `\/`, `\b`, `\f`,
/// `\n`, `\r`, `\t`).
fn spelled(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let mut utf8 = [0; 4];
        let raw = c.encode_utf8(&mut utf8);
        let mut forms = vec![regex::escape(raw)];
        forms.push(
            raw.bytes()
                .map(|b| format!("%{}", hex_class(b.into(), 2)))
                .collect(),
        );
        let mut utf16 = [0; 2];
        forms.push(
            c.encode_utf16(&mut utf16)
                .iter()
                .map(|&u| format!("\\\\u{}", hex_class(u.into(), 4)))
                .collect(),
        );
        if let Some(short) = json_short_escape(c) {
            forms.push(regex::escape(short));
        }
        out.push_str("(?:");
        out.push_str(&forms.join("|"));
        out.push(')');
    }
    out
}

/// `value` as `digits` hex digits, each letter matching either case: `[Ff][Ff]` for 0xFF.
fn hex_class(value: u32, digits: usize) -> String {
    format!("{value:0digits$X}")
        .chars()
        .map(|h| {
            if h.is_ascii_alphabetic() {
                format!("[{}{}]", h, h.to_ascii_lowercase())
            } else {
                h.to_string()
            }
        })
        .collect()
}

/// JSON's two-character escape of `c`, when it has one.
fn json_short_escape(c: char) -> Option<&'static str> {
    Some(match c {
        '"' => "\\\"",
        '\\' => "\\\\",
        '/' => "\\/",
        '\u{8}' => "\\b",
        '\u{c}' => "\\f",
        '\n' => "\\n",
        '\r' => "\\r",
        '\t' => "\\t",
        _ => return None,
    })
}

/// The base64 characters that depend on `secret`'s bytes alone when it starts `offset`
/// bytes (0, 1 or 2) into a base64 group, whatever comes before and after it.
fn base64_core(secret: &[u8], offset: usize) -> String {
    let mut bytes = vec![0u8; offset];
    bytes.extend_from_slice(secret);
    let encoded = base64(&bytes);
    // Leading characters mixing in the filler bytes: none, 2 or 3 of them.
    let start = [0, 2, 3][offset];
    // Trailing characters mixing in what follows: only whole 6-bit groups of the
    // secret count.
    let total = bytes.len();
    let end = 4 * (total / 3) + [0, 1, 2][total % 3];
    encoded.get(start..end).unwrap_or_default().to_string()
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    base64::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes)
}

/// Base64 text in the URL-safe alphabet (`-` and `_` for `+` and `/`).
fn url_safe(base64: &str) -> String {
    base64
        .chars()
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "ghp_Ab/Cd+Ef0123456789xyz";

    fn redacted(text: &str) -> String {
        Redactor::new(Some(TOKEN)).apply(text)
    }

    fn percent(text: &str, lower: bool) -> String {
        text.bytes()
            .map(|b| {
                if lower {
                    format!("%{b:02x}")
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    }

    #[test]
    fn base64_matches_the_rfc_examples() {
        // RFC 4648 section 10.
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foob"), "Zm9vYg==");
        assert_eq!(base64(b"fooba"), "Zm9vYmE=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn the_exact_token_is_blanked() {
        assert_eq!(redacted(&format!("bad {TOKEN}!")), "bad ***!");
        assert_eq!(Redactor::new(None).apply(TOKEN), TOKEN);
        assert_eq!(Redactor::new(Some("")).apply("abc"), "abc");
    }

    #[test]
    fn percent_encoded_forms_are_blanked_in_either_case_and_mixed() {
        assert_eq!(
            redacted(&format!("t={}&x", percent(TOKEN, false))),
            "t=***&x"
        );
        assert_eq!(
            redacted(&format!("t={}&x", percent(TOKEN, true))),
            "t=***&x"
        );
        // As a URL encoder writes it: only `/` and `+` encoded.
        let url = TOKEN.replace('/', "%2F").replace('+', "%2b");
        assert_eq!(redacted(&format!("?token={url}")), "?token=***");
    }

    #[test]
    fn json_escaped_forms_are_blanked() {
        let slash = TOKEN.replace('/', "\\/");
        assert_eq!(
            redacted(&format!("{{\"t\":\"{slash}\"}}")),
            "{\"t\":\"***\"}"
        );
        let unicode: String = TOKEN
            .chars()
            .map(|c| format!("\\u{:04x}", c as u32))
            .collect();
        assert_eq!(redacted(&format!("\"{unicode}\"")), "\"***\"");
        let upper: String = TOKEN
            .chars()
            .map(|c| format!("\\u{:04X}", c as u32))
            .collect();
        assert_eq!(redacted(&upper), "***");
    }

    #[test]
    fn quotes_and_backslashes_are_blanked_in_their_json_escapes() {
        // A token may hold `"` and `\` (any visible ASCII is sent); a server quoting it
        // in JSON writes `\"` and `\\`.
        let token = r#"ghp_Qu"ote\Back/slash0123"#;
        let redactor = Redactor::new(Some(token));
        let escaped = serde_json::to_string(token).unwrap();
        assert_eq!(escaped, r#""ghp_Qu\"ote\\Back/slash0123""#);
        assert_eq!(
            redactor.apply(&format!("{{\"t\":{escaped}}}")),
            r#"{"t":"***"}"#
        );
        assert_eq!(
            redactor.apply(r#"got ghp_Qu\"ote\\Back\/slash0123!"#),
            "got ***!"
        );
        // `\u0022` and `\u005C` / `\u005c`, and the raw token, too.
        assert_eq!(
            redactor.apply(r#"ghp_Qu\u0022ote\u005CBack/slash0123"#),
            "***"
        );
        assert_eq!(
            redactor.apply(r#"ghp_Qu\u0022ote\u005cBack/slash0123"#),
            "***"
        );
        assert_eq!(redactor.apply(token), "***");
    }

    #[test]
    fn control_and_non_ascii_characters_are_blanked_in_every_escape() {
        // Not a token GitHub issues (the client refuses whitespace), but the redactor
        // holds for any secret: `\t`, `\n`, `\u00e9`, a surrogate pair, UTF-8 bytes.
        let secret = "a\tb\nc\u{8}d\u{c}e\rf-é-🦀-end";
        let redactor = Redactor::new(Some(secret));
        let json = serde_json::to_string(secret).unwrap();
        assert_eq!(json, "\"a\\tb\\nc\\bd\\fe\\rf-é-🦀-end\"");
        assert_eq!(redactor.apply(&json), "\"***\"");
        let ascii_json = r"a\u0009b\u000Ac\u0008d\u000ce\u000Df-\u00E9-\uD83E\uDD80-end";
        assert_eq!(redactor.apply(ascii_json), "***");
        let percent = "a%09b%0Ac%08d%0Ce%0Df-%C3%A9-%F0%9F%A6%80-end";
        assert_eq!(redactor.apply(percent), "***");
        assert_eq!(redactor.apply(&percent.to_lowercase()), "***");
    }

    #[test]
    fn basic_header_forms_are_blanked_at_every_offset() {
        for user_pass in [
            format!("x-access-token:{TOKEN}"),
            format!("{TOKEN}:"),
            format!(":{TOKEN}"),
            format!("user:{TOKEN}"),
            format!("ab:{TOKEN}:more"),
        ] {
            let header = format!("Authorization: Basic {}", base64(user_pass.as_bytes()));
            let out = redacted(&header);
            assert!(out.contains(MASK), "{user_pass}: {out}");
            // Left of the mask: the characters of the prefix (the last one may carry
            // 2 or 4 bits of the token); right of it: one mixed character, the suffix.
            let rest = out.trim_start_matches("Authorization: Basic ");
            let (before, after) = rest.split_once(MASK).unwrap();
            let prefix_chars = base64(user_pass.split(TOKEN).next().unwrap().as_bytes())
                .trim_end_matches('=')
                .len();
            assert_eq!(before.len(), prefix_chars, "{user_pass}: {out}");
            assert!(after.trim_end_matches('=').len() <= 9, "{user_pass}: {out}");
        }
    }

    #[test]
    fn url_safe_base64_is_blanked_too() {
        let url_safe = url_safe(&base64(format!("x:{TOKEN}").as_bytes()));
        assert!(redacted(&url_safe).contains(MASK), "{url_safe}");
    }

    #[test]
    fn other_text_is_left_alone() {
        let text = "Bad credentials: ghp_other and %41%42 and \\u0041 and Zm9vYmFy";
        assert_eq!(redacted(text), text);
    }
}
