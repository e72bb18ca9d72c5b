//! The tag pattern a repository's tags suggest: tags are grouped into families by the
//! name before their version (`collect::git` tells the family), the family with the
//! most tags wins (ties: the one with the newest tag), and each family whose package
//! has a folder is paired with it for `releases.paths`.

use crate::model::TagFact;
use crate::policy::DEFAULT_TAG_PATTERN;
use crate::policy::tagname::{package_of, pattern_for};
use std::collections::BTreeMap;

/// One family of tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Family {
    /// The name before the version: `tokio-`, `v`, `` (empty).
    pub prefix: String,
    pub tags: usize,
    /// The time of its newest tag.
    pub newest: i64,
    /// The folder its package lives in (`tokio-macros/`), if one fits.
    pub folder: Option<String>,
}

/// What the tags suggest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagChoice {
    /// `releases.tag_pattern`.
    pub pattern: String,
    /// The winning family, if any tag ends in a version.
    pub dominant: Option<Family>,
    /// Both `v1.2.3` and `1.2.3` were seen: the pattern takes an optional `v`.
    pub optional_v: bool,
    /// The other families, most tags first.
    pub others: Vec<Family>,
    /// `releases.paths`: the dominant family's folder, in a repository with other
    /// package families.
    pub paths: Vec<String>,
}

/// Chooses the tag pattern for `tags`, pairing families with the folders in `entries`.
pub fn choose(tags: &[TagFact], entries: &[String]) -> TagChoice {
    let mut groups: BTreeMap<&str, (usize, i64)> = BTreeMap::new();
    for t in tags {
        if let Some(f) = &t.family {
            let g = groups.entry(f.as_str()).or_insert((0, i64::MIN));
            g.0 += 1;
            g.1 = g.1.max(t.time);
        }
    }
    let mut families: Vec<Family> = groups
        .into_iter()
        .map(|(prefix, (tags, newest))| Family {
            prefix: prefix.to_string(),
            tags,
            newest,
            folder: package_of(prefix).and_then(|p| folder_of(p, entries)),
        })
        .collect();
    families.sort_by(|a, b| {
        b.tags
            .cmp(&a.tags)
            .then(b.newest.cmp(&a.newest))
            .then(a.prefix.cmp(&b.prefix))
    });
    let mut it = families.into_iter();
    let Some(dominant) = it.next() else {
        return TagChoice {
            pattern: DEFAULT_TAG_PATTERN.to_string(),
            dominant: None,
            optional_v: false,
            others: Vec::new(),
            paths: Vec::new(),
        };
    };
    let mut others: Vec<Family> = it.collect();
    let plain = |p: &str| p.is_empty() || p == "v";
    // `v1.2.3` and `1.2.3` are one family written two ways.
    let optional_v = plain(&dominant.prefix)
        && others
            .iter()
            .any(|o| plain(&o.prefix) && o.prefix != dominant.prefix);
    if optional_v {
        others.retain(|o| !plain(&o.prefix));
    }
    let pattern = if optional_v {
        DEFAULT_TAG_PATTERN.to_string()
    } else {
        pattern_for(&dominant.prefix)
    };
    let paths = match &dominant.folder {
        Some(f) if others.iter().any(|o| o.folder.is_some()) => vec![f.clone()],
        _ => Vec::new(),
    };
    TagChoice {
        pattern,
        dominant: Some(dominant),
        optional_v,
        others,
        paths,
    }
}

/// The folder of package `name`: one named exactly so (the shallowest), else one whose
/// name ends the package's (`crates/cli/` for `grep-cli`).
fn folder_of(name: &str, entries: &[String]) -> Option<String> {
    let folders = || {
        entries.iter().filter_map(|e| {
            let trimmed = e.strip_suffix('/')?;
            Some((e, trimmed.rsplit('/').next().unwrap_or(trimmed)))
        })
    };
    let depth = |e: &&String| e.matches('/').count();
    let exact = folders()
        .filter(|(_, last)| *last == name)
        .map(|(e, _)| e)
        .min_by_key(depth);
    exact
        .or_else(|| {
            folders()
                .filter(|(_, last)| name.strip_suffix(last).is_some_and(|r| r.ends_with('-')))
                .map(|(e, _)| e)
                .min_by_key(depth)
        })
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(name: &str, family: Option<&str>, time: i64) -> TagFact {
        TagFact {
            name: name.into(),
            family: family.map(str::to_string),
            time,
        }
    }

    #[test]
    fn the_family_with_most_tags_wins_and_ties_go_to_the_newest() {
        let tags = [
            tag("a-1.0.0", Some("a-"), 10),
            tag("a-1.1.0", Some("a-"), 20),
            tag("b-1.0.0", Some("b-"), 30),
            tag("b-2.0.0", Some("b-"), 5),
            tag("nightly", None, 99),
        ];
        let c = choose(&tags, &[]);
        // Two each; b's newest (30) beats a's (20).
        assert_eq!(c.pattern, r"^b-(?P<version>\d+\.\d+\.\d+)$");
        assert_eq!(c.others.len(), 1);
        assert_eq!(c.others[0].prefix, "a-");
        assert!(c.paths.is_empty());
    }

    #[test]
    fn v_and_plain_versions_make_one_optional_v_pattern() {
        let tags = [
            tag("v1.0.0", Some("v"), 1),
            tag("v1.1.0", Some("v"), 2),
            tag("0.9.0", Some(""), 0),
        ];
        let c = choose(&tags, &[]);
        assert_eq!(c.pattern, DEFAULT_TAG_PATTERN);
        assert!(c.optional_v && c.others.is_empty());
        let only_v = choose(&tags[..2], &[]);
        assert_eq!(only_v.pattern, r"^v(?P<version>\d+\.\d+\.\d+)$");
    }

    #[test]
    fn families_pair_with_folders_and_the_dominant_one_gives_the_paths() {
        let entries: Vec<String> = [
            "Cargo.toml",
            "tokio/",
            "tokio-macros/",
            "crates/",
            "crates/cli/",
        ]
        .map(String::from)
        .to_vec();
        let tags = [
            tag("tokio-1.0.0", Some("tokio-"), 1),
            tag("tokio-1.1.0", Some("tokio-"), 2),
            tag("tokio-macros-0.1.0", Some("tokio-macros-"), 3),
            tag("grep-cli-0.1.0", Some("grep-cli-"), 0),
        ];
        let c = choose(&tags, &entries);
        assert_eq!(c.pattern, r"^tokio-(?P<version>\d+\.\d+\.\d+)$");
        assert_eq!(c.paths, vec!["tokio/".to_string()]);
        let folders: Vec<_> = c.others.iter().map(|o| o.folder.as_deref()).collect();
        assert_eq!(folders, vec![Some("tokio-macros/"), Some("crates/cli/")]);
    }

    #[test]
    fn no_versioned_tag_keeps_the_default() {
        let c = choose(&[tag("nightly", None, 1)], &[]);
        assert_eq!(c.pattern, DEFAULT_TAG_PATTERN);
        assert!(c.dominant.is_none());
    }
}
