//! The JSON report (docs/json.md): `schema_version` 1, durations in seconds, times in
//! RFC 3339.

use super::Report;
use std::fmt::Write as _;

pub fn render(r: &Report) -> String {
    let s = serde_json::to_string_pretty(r).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    let mut s = log_safe(&s);
    s.push('\n');
    s
}

/// JSON text made safe to print in a CI log without changing what it decodes to.
///
/// serde escapes the C0 controls, but leaves DEL, the C1 controls, bidi overrides and
/// zero-width characters raw, and a string holding `##[error]` would be read by the
/// Actions runner as a command wherever it stands on the line. Outside strings, JSON holds
/// nothing of either (serde writes only spaces and `\n` between tokens), so every hidden
/// character other than `\n` is written `\uXXXX` (UTF-16, as JSON wants) and the `[` of
/// every `##[` as `\u005b`: the same strings, decoded.
pub fn log_safe(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if c == '[' && out.ends_with("##") {
            out.push_str("\\u005b");
        } else if c != '\n' && crate::escape::is_hidden(c) {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{u:04x}");
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_characters_and_old_commands_are_escaped_losslessly() {
        let value = serde_json::json!({
            "name": "a\u{7f}\u{85}b\u{202E}c\u{200B}d\u{E0041} ##[error]x\n::error::y"
        });
        let text = log_safe(&serde_json::to_string_pretty(&value).unwrap());
        assert_eq!(
            text,
            "{\n  \"name\": \"a\\u007f\\u0085b\\u202ec\\u200bd\\udb40\\udc41 ##\\u005berror]x\\n::error::y\"\n}"
        );
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
    }
}
