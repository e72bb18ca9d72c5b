//! Tag patterns built from a tag family's prefix (the name before the version:
//! `tokio-` of `tokio-1.2.3`), shared by the monorepo hint of `collect::git` and by
//! `slipgate init`.

/// The tag pattern that matches the family `prefix`: `^tokio-(?P<version>\d+\.\d+\.\d+)$`.
pub fn pattern_for(prefix: &str) -> String {
    let mut escaped = String::with_capacity(prefix.len());
    for c in prefix.chars() {
        // The characters special outside a class (`-` is not: `tokio-` stays as is).
        if "\\.+*?()|[]{}^$#&~".contains(c) {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    format!(r"^{escaped}(?P<version>\d+\.\d+\.\d+)$")
}

/// The package name a prefix suggests (`tokio` for `tokio-` or `tokio-v`), if any.
pub fn package_of(prefix: &str) -> Option<&str> {
    let name = prefix.trim_end_matches(|c: char| !c.is_alphanumeric());
    let name = match name.strip_suffix('v') {
        Some(rest) if rest.ends_with(|c: char| !c.is_alphanumeric()) => {
            rest.trim_end_matches(|c: char| !c.is_alphanumeric())
        }
        _ => name,
    };
    // `v1.2.3` is a version prefix, not a package.
    (!name.is_empty() && name != "v").then_some(name)
}

/// `value` as a YAML single-quoted scalar, which takes every character as it is but `'`,
/// written twice: `it's/` is `'it''s/'`.
pub fn yaml_quoted(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}
