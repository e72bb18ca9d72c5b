//! Tag families: spotting a monorepo whose releases the tag pattern misses.
//!
//! A tag's **family** is its name with the trailing semver version (`X.Y.Z`, with an
//! optional `-pre` and `+build`) taken out: `tokio-1.2.3` and `tokio-0.1.0` are the
//! family `tokio-`, `v1.0.0` the family `v`, `1.0.0` the family `` (empty); a tag not
//! ending in a version has no family. A family **clearly dominates** when at least
//! [`MIN_TAGS`] of its tags do not match `releases.tag_pattern` and they are at least
//! [`RATIO`] times as many as the tags that do match: the pattern then most likely
//! measures a handful of legacy or foreign tags instead of the project's releases.

use regex::Regex;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The fewest non-matching tags a family needs to dominate.
pub(super) const MIN_TAGS: usize = 10;
/// How many times the matching tags a family needs to dominate.
pub(super) const RATIO: usize = 3;

/// A family that clearly dominates the matching tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Dominant {
    /// The name before the version (`tokio-`).
    pub prefix: String,
    /// Its tags that the pattern does not match.
    pub tags: usize,
    /// Tags (of any family) that the pattern matches.
    pub matched: usize,
}

impl Dominant {
    /// The tag pattern that would match the family: `^tokio-(?P<version>\d+\.\d+\.\d+)$`.
    pub(super) fn pattern(&self) -> String {
        crate::policy::tagname::pattern_for(&self.prefix)
    }

    /// [`Self::pattern`] as a YAML value: `'^it''s-(?P<version>…)$'`.
    pub(super) fn pattern_yaml(&self) -> String {
        yaml_quoted(&self.pattern())
    }

    /// The package name the prefix suggests (`tokio` for `tokio-` or `tokio-v`), if any.
    pub(super) fn package(&self) -> Option<&str> {
        crate::policy::tagname::package_of(&self.prefix)
    }
}

/// `value` as a YAML single-quoted scalar (see [`crate::policy::tagname::yaml_quoted`]).
pub(super) fn yaml_quoted(value: &str) -> String {
    crate::policy::tagname::yaml_quoted(value)
}

/// The family (prefix) of a tag name, if it ends in a semver version.
pub(super) fn family(name: &str) -> Option<&str> {
    static VERSION: OnceLock<Option<Regex>> = OnceLock::new();
    let re = VERSION
        .get_or_init(|| {
            Regex::new(r"(?:^|[^0-9.])(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)$")
                .ok()
        })
        .as_ref()?;
    let version = re.captures(name)?.get(1)?;
    name.get(..version.start())
}

/// The family that clearly dominates the tags `pattern` matches, if one does (see the
/// module doc); among equals, the one with the smaller prefix.
pub(super) fn dominant<'a>(
    names: impl Iterator<Item = &'a str>,
    pattern: &Regex,
) -> Option<Dominant> {
    let mut matched = 0usize;
    let mut families: BTreeMap<&str, usize> = BTreeMap::new();
    for name in names {
        if pattern.is_match(name) {
            matched += 1;
        } else if let Some(f) = family(name) {
            *families.entry(f).or_default() += 1;
        }
    }
    let (prefix, tags) =
        families
            .into_iter()
            .fold(None::<(&str, usize)>, |best, (f, n)| match best {
                Some((_, m)) if m >= n => best,
                _ => Some((f, n)),
            })?;
    (tags >= MIN_TAGS && tags >= RATIO.saturating_mul(matched)).then(|| Dominant {
        prefix: prefix.to_string(),
        tags,
        matched,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_pattern() -> Regex {
        Regex::new(crate::policy::DEFAULT_TAG_PATTERN).expect("default")
    }

    #[test]
    fn families_take_out_the_trailing_version() {
        assert_eq!(family("tokio-1.2.3"), Some("tokio-"));
        assert_eq!(family("tokio-util-0.7.0"), Some("tokio-util-"));
        assert_eq!(family("v1.0.0-rc.1+b5"), Some("v"));
        assert_eq!(family("1.0.0"), Some(""));
        assert_eq!(family("lib2-1.2.3"), Some("lib2-"));
        assert_eq!(family("release"), None);
        assert_eq!(family("v1.2"), None);
        // Not a version glued to digits: `x1.2.3.4` has no family.
        assert_eq!(family("x1.2.3.4"), None);
    }

    #[test]
    fn a_family_dominates_at_ten_tags_and_three_times_the_matches() {
        let p = default_pattern();
        let names = |pkg: usize, legacy: usize| -> Vec<String> {
            (0..pkg)
                .map(|i| format!("tokio-1.{i}.0"))
                .chain((0..legacy).map(|i| format!("0.{i}.0")))
                .collect()
        };
        let check = |pkg, legacy| {
            let n = names(pkg, legacy);
            dominant(n.iter().map(String::as_str), &p)
        };
        // 192 tokio tags against 6 legacy ones (tokio itself).
        assert_eq!(
            check(192, 6),
            Some(Dominant {
                prefix: "tokio-".into(),
                tags: 192,
                matched: 6
            })
        );
        // 9 is too few; 14 is not 3 × 5; 15 is.
        assert_eq!(check(9, 0), None);
        assert_eq!(check(14, 5), None);
        assert!(check(15, 5).is_some());
        // A pattern that matches the family: nothing to say.
        let tokio = Regex::new(r"^tokio-(?P<version>\d+\.\d+\.\d+)$").expect("re");
        let n = names(30, 6);
        assert_eq!(dominant(n.iter().map(String::as_str), &tokio), None);
    }

    #[test]
    fn the_suggestion_escapes_the_prefix_and_names_the_package() {
        let d = Dominant {
            prefix: "my.pkg-".into(),
            tags: 10,
            matched: 0,
        };
        assert_eq!(d.pattern(), r"^my\.pkg-(?P<version>\d+\.\d+\.\d+)$");
        assert_eq!(d.package(), Some("my.pkg"));
        let quoted = Dominant {
            prefix: "it's-".into(),
            ..d.clone()
        };
        assert_eq!(
            quoted.pattern_yaml(),
            r"'^it''s-(?P<version>\d+\.\d+\.\d+)$'"
        );
        assert_eq!(yaml_quoted("a''b"), "'a''''b'");
        assert!(
            Regex::new(&d.pattern())
                .expect("valid")
                .is_match("my.pkg-1.2.3")
        );
        let odd = Dominant {
            prefix: "a+(b)[c]-".into(),
            ..d.clone()
        };
        assert!(
            Regex::new(&odd.pattern())
                .expect("valid")
                .is_match("a+(b)[c]-1.2.3")
        );
        let d = Dominant {
            prefix: "tokio-v".into(),
            ..d
        };
        assert_eq!(d.package(), Some("tokio"));
        let d = Dominant {
            prefix: "v".into(),
            ..d
        };
        assert_eq!(d.package(), None);
        let d = Dominant {
            prefix: "".into(),
            ..d
        };
        assert_eq!(d.package(), None);
    }
}
