//! Blanking the token out of text that came back from a server, in every form a server
//! may echo it: as sent, percent-encoded (either case of hex), JSON-escaped (`\/`,
//! `\u0067`), and base64-encoded as inside a `Basic` header (`x-access-token:TOKEN`,
//! `TOKEN:`, `:TOKEN`, `user:TOKEN`: the token may start at any of the three byte
//! offsets of a base64 group, standard or URL-safe alphabet). Each character may be
//! encoded or not, independently, so mixed forms are caught too.

use regex::Regex;
use std::fmt::Write as _;

/// What the token is replaced with.
pub(crate) const MASK: &str = "***";

/// Finds the token in its encoded forms. Built once per client.
#[derive(Debug, Clone)]
pub(crate) struct Redactor {
    pattern: Option<Regex>,
}

impl Redactor {
    /// A redactor for `secret`; `None` (or empty) redacts nothing.
    pub fn new(secret: Option<&str>) -> Self {
        let pattern = secret
            .filter(|s| !s.is_empty())
            .and_then(|s| Regex::new(&pattern_of(s)).ok());
        Redactor { pattern }
    }

    /// `text` with every form of the token replaced by [`MASK`].
    pub fn apply(&self, text: &str) -> String {
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

/// A pattern matching `text` with each character as is, percent-encoded, or
/// JSON-escaped.
fn spelled(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        out.push_str("(?:");
        out.push_str(&regex::escape(c.encode_utf8(&mut [0; 4])));
        if c.is_ascii() {
            let hex = format!("{:02X}", c as u32);
            let class = |h: char| {
                if h.is_ascii_alphabetic() {
                    format!("[{}{}]", h, h.to_ascii_lowercase())
                } else {
                    h.to_string()
                }
            };
            let pair: String = hex.chars().map(class).collect();
            let _ = write!(out, "|%{pair}|\\\\u00{pair}");
        }
        if c == '/' {
            out.push_str("|\\\\/");
        }
        out.push(')');
    }
    out
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

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
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
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
