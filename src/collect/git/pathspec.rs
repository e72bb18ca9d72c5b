//! The tree comparison that decides whether a commit touches `releases.paths`
//! ([`Pathspec`], git's pathspec semantics), as `git rev-list --no-merges --full-history
//! PREV..R -- PATHS` does.

use crate::policy::Pathspec;
use git2::{ObjectType, Oid};

/// One entry of a raw tree object.
struct Entry<'t> {
    name: &'t [u8],
    /// The raw 20-byte id (an [`Oid`] is only made for folders to open).
    id: &'t [u8],
    /// The mode as git compares it (see [`canonical_mode`]).
    mode: u32,
    is_tree: bool,
}

/// A tree entry's mode as git's diff compares it (`canon_mode`): folders, symbolic
/// links and submodules as they are, any other entry a file `100644` or, with the
/// owner's execute bit, `100755`. A mode change alone is a change, as in git.
fn canonical_mode(raw: &[u8]) -> Result<u32, String> {
    // As `u32::from_str_radix(_, 8)` reads it (a leading `+` included), without text.
    let not_octal = || "a tree entry's mode is not octal".to_string();
    let digits = match raw {
        [b'+', rest @ ..] => rest,
        _ => raw,
    };
    if digits.is_empty() {
        return Err(not_octal());
    }
    let mut mode = 0u32;
    for &b in digits {
        if !(b'0'..=b'7').contains(&b) {
            return Err(not_octal());
        }
        mode = mode
            .checked_mul(8)
            .and_then(|m| m.checked_add(u32::from(b - b'0')))
            .ok_or_else(not_octal)?;
    }
    Ok(match mode & 0o170_000 {
        0o040_000 => 0o040_000,
        0o120_000 => 0o120_000,
        0o160_000 => 0o160_000,
        _ if mode & 0o100 != 0 => 0o100_755,
        _ => 0o100_644,
    })
}

/// Parses a raw tree object (`MODE SP NAME NUL 20-byte-id`...). Entries come sorted by
/// name as bytes, which is all the merge below needs (see [`sorted`]).
fn parse_tree(raw: &[u8]) -> Result<Vec<Entry<'_>>, String> {
    let mut entries = Vec::new();
    let mut rest = raw;
    while !rest.is_empty() {
        let sp = rest
            .iter()
            .position(|&b| b == b' ')
            .ok_or("a tree entry has no mode")?;
        let mode = &rest[..sp];
        let after = &rest[sp + 1..];
        let nul = after
            .iter()
            .position(|&b| b == 0)
            .ok_or("a tree entry has no name end")?;
        let name = &after[..nul];
        let id = after
            .get(nul + 1..nul + 21)
            .ok_or("a tree entry's id is cut off")?;
        let mode = canonical_mode(mode)?;
        entries.push(Entry {
            name,
            id,
            mode,
            is_tree: mode == 0o040_000,
        });
        rest = &after[nul + 21..];
    }
    Ok(entries)
}

/// The entries sorted by plain byte order of their names (git sorts a folder `a` as
/// `a/`, so `a.txt` comes before it; merging needs plain order).
fn sorted(mut entries: Vec<Entry<'_>>) -> Vec<Entry<'_>> {
    // Most trees are in that order already (only a folder whose name is a prefix of
    // another entry's is not).
    if !entries.is_sorted_by(|a, b| a.name <= b.name) {
        entries.sort_by(|a, b| a.name.cmp(b.name));
    }
    entries
}

/// The deepest folder nesting compared (git's default `core.maxTreeDepth`); a deeper
/// tree is an error, not a stack overflow.
const MAX_TREE_DEPTH: usize = 4096;

/// A pair of folders still to compare: old, new (`None`: absent), their path (empty or
/// ending in `/`) and depth.
type Pending = (Option<Oid>, Option<Oid>, Vec<u8>, usize);

/// Compares trees restricted to a [`Pathspec`], reading objects with `read`.
pub(super) struct TreeDiff<'a, R> {
    spec: &'a Pathspec,
    read: R,
}

impl<'a, R> TreeDiff<'a, R>
where
    R: FnMut(Oid) -> Result<(ObjectType, Vec<u8>), String>,
{
    pub(super) fn new(spec: &'a Pathspec, read: R) -> Self {
        TreeDiff { spec, read }
    }

    /// Whether any file matching the specs differs between the trees `old` (`None`: the
    /// empty tree, for root commits) and `new`. Folders are compared from a work list,
    /// not by recursion, so no tree is too deep for the stack.
    pub(super) fn touches(&mut self, old: Option<Oid>, new: Oid) -> Result<bool, String> {
        if old == Some(new) {
            return Ok(false);
        }
        let mut work: Vec<Pending> = vec![(old, Some(new), Vec::new(), 0)];
        while let Some((old, new, base, depth)) = work.pop() {
            if depth > MAX_TREE_DEPTH {
                return Err(format!(
                    "folders are nested more than {MAX_TREE_DEPTH} deep (git's core.maxTreeDepth)"
                ));
            }
            if self.compare(old, new, &base, depth, &mut work)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn tree(&mut self, oid: Option<Oid>) -> Result<Vec<u8>, String> {
        let Some(oid) = oid else {
            return Ok(Vec::new());
        };
        let (kind, data) = (self.read)(oid)?;
        if kind != ObjectType::Tree {
            return Err(format!("object {oid} is not a tree"));
        }
        Ok(data)
    }

    /// Compares two folders (`None`: absent or empty) at path `base` (`""` or ending in
    /// `/`): true when a matching file differs; differing folders that may hold a match
    /// go to `work`.
    fn compare(
        &mut self,
        old: Option<Oid>,
        new: Option<Oid>,
        base: &[u8],
        depth: usize,
        work: &mut Vec<Pending>,
    ) -> Result<bool, String> {
        let old_raw = self.tree(old)?;
        let new_raw = self.tree(new)?;
        let olds = sorted(parse_tree(&old_raw)?);
        let news = sorted(parse_tree(&new_raw)?);
        let (mut i, mut j) = (0, 0);
        let mut path = base.to_vec();
        while i < olds.len() || j < news.len() {
            let (a, b) = match (olds.get(i), news.get(j)) {
                (Some(a), Some(b)) if a.name == b.name => {
                    i += 1;
                    j += 1;
                    if a.id == b.id && a.mode == b.mode {
                        continue;
                    }
                    (Some(a), Some(b))
                }
                (Some(a), Some(b)) if a.name < b.name => {
                    i += 1;
                    (Some(a), None)
                }
                (Some(a), None) => {
                    i += 1;
                    (Some(a), None)
                }
                (_, Some(b)) => {
                    j += 1;
                    (None, Some(b))
                }
                (None, None) => break,
            };
            let name = a.or(b).map(|e| e.name).unwrap_or_default();
            path.truncate(base.len());
            path.extend_from_slice(name);
            // A file (or link, or submodule) changed, added or removed at `path`.
            let file_side = a.is_some_and(|e| !e.is_tree) || b.is_some_and(|e| !e.is_tree);
            if file_side && self.spec.matches_file(&path) {
                return Ok(true);
            }
            // A folder on either side: compare its contents if a match may be inside.
            // Even a folder the specs cover whole is opened: the first differing file
            // answers, and a folder whose id differs without any file differing (a
            // non-canonical tree) then counts as git counts it, as no change.
            let oid = |e: &Entry<'_>| Oid::from_bytes(e.id).map_err(|e| e.message().to_string());
            let old_dir = a.filter(|e| e.is_tree).map(oid).transpose()?;
            let new_dir = b.filter(|e| e.is_tree).map(oid).transpose()?;
            if (old_dir.is_some() || new_dir.is_some()) && self.spec.may_contain(&path) {
                let mut sub = path.clone();
                sub.push(b'/');
                work.push((old_dir, new_dir, sub, depth + 1));
            }
        }
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Modes are read as `u32::from_str_radix(_, 8)` reads them, then made canonical.
    #[test]
    fn modes_read_as_octal_text_does() {
        let old = |raw: &str| -> Option<u32> { u32::from_str_radix(raw, 8).ok() };
        for raw in [
            "100644",
            "100755",
            "40000",
            "040000",
            "120000",
            "160000",
            "100664",
            "644",
            "+100644",
            "+",
            "",
            "8",
            "1006x4",
            "-1",
            "37777777777",
            "40000000000",
            "0000000000000100755",
        ] {
            let canon = canonical_mode(raw.as_bytes()).ok();
            assert_eq!(canon.is_some(), old(raw).is_some(), "{raw:?}");
        }
        assert_eq!(canonical_mode(b"100664"), Ok(0o100_644));
        assert_eq!(canonical_mode(b"100700"), Ok(0o100_755));
        assert_eq!(canonical_mode(b"+40000"), Ok(0o040_000));
        assert!(canonical_mode(b"40000000000").is_err());
    }

    fn spec(s: &[&str]) -> Pathspec {
        Pathspec::new(&s.iter().map(|x| x.to_string()).collect::<Vec<_>>()).expect("spec")
    }

    /// Raw tree bytes of `entries` (mode, name, id).
    fn raw_tree(entries: &[(&str, &str, Oid)]) -> Vec<u8> {
        let mut raw = Vec::new();
        for (mode, name, oid) in entries {
            raw.extend_from_slice(format!("{mode} {name}\0").as_bytes());
            raw.extend_from_slice(oid.as_bytes());
        }
        raw
    }

    #[test]
    fn tree_diff_descends_only_where_the_specs_may_match() {
        let id = |k: u8| Oid::from_bytes(&[k; 20]).expect("oid");
        // old: a/ (tree 1: x = blob 10), b (blob 20); new: a/ (tree 2: x = blob 11), b (21).
        let trees: std::collections::HashMap<Oid, Vec<u8>> = [
            (id(1), raw_tree(&[("100644", "x", id(10))])),
            (id(2), raw_tree(&[("100644", "x", id(11))])),
            (
                id(100),
                raw_tree(&[("40000", "a", id(1)), ("100644", "b", id(20))]),
            ),
            (
                id(101),
                raw_tree(&[("40000", "a", id(2)), ("100644", "b", id(21))]),
            ),
        ]
        .into_iter()
        .collect();
        let mut reads = Vec::new();
        let mut run = |specs: &[&str]| {
            let s = spec(specs);
            let mut read = |o: Oid| {
                reads.push(o);
                trees
                    .get(&o)
                    .map(|t| (ObjectType::Tree, t.clone()))
                    .ok_or_else(|| format!("missing {o}"))
            };
            TreeDiff::new(&s, &mut read).touches(Some(id(100)), id(101))
        };
        assert_eq!(run(&["a/"]), Ok(true));
        assert_eq!(run(&["b"]), Ok(true));
        assert_eq!(run(&["c/"]), Ok(false));
        assert_eq!(run(&["a/y"]), Ok(false));
        // Tree 1 (`a/` before) was read for `a/` and `a/y` only, not for `b` or `c/`.
        assert_eq!(reads.iter().filter(|&&o| o == id(1)).count(), 2);
        // A root commit compares with the empty tree.
        let s = spec(&["a/x"]);
        let mut read = |o: Oid| {
            trees
                .get(&o)
                .map(|t| (ObjectType::Tree, t.clone()))
                .ok_or_else(|| format!("missing {o}"))
        };
        assert_eq!(
            TreeDiff::new(&s, &mut read).touches(None, id(101)),
            Ok(true)
        );
    }

    #[test]
    fn too_deep_a_tree_is_an_error_not_a_stack_overflow() {
        // Two chains of folders `d/d/d/…`, 5,000 deep, differing at every level.
        let id = |side: u8, k: u32| {
            let mut b = [side; 20];
            b[..4].copy_from_slice(&k.to_be_bytes());
            Oid::from_bytes(&b).expect("oid")
        };
        let s = spec(&["*.rs"]);
        let mut read = |o: Oid| {
            let b = o.as_bytes();
            let k = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
            Ok((
                ObjectType::Tree,
                raw_tree(&[("40000", "d", id(b[4], k + 1))]),
            ))
        };
        let e = TreeDiff::new(&s, &mut read).touches(Some(id(1, 0)), id(2, 0));
        assert!(e.unwrap_err().contains("nested more than 4096"));
    }

    #[test]
    fn raw_trees_parse() {
        let id = [7u8; 20];
        let mut raw = b"100644 a.txt\0".to_vec();
        raw.extend_from_slice(&id);
        raw.extend_from_slice(b"40000 a\0");
        raw.extend_from_slice(&id);
        let e = sorted(parse_tree(&raw).expect("tree"));
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].name, b"a");
        assert!(e[0].is_tree);
        assert!(!e[1].is_tree);
        assert!(parse_tree(b"100644 cut\0abc").is_err());
        assert_eq!(canonical_mode(b"100664"), Ok(0o100_644));
        assert_eq!(canonical_mode(b"100755"), Ok(0o100_755));
        assert_eq!(canonical_mode(b"040000"), Ok(0o040_000));
        assert_eq!(canonical_mode(b"160000"), Ok(0o160_000));
        assert!(canonical_mode(b"10x644").is_err());
    }
}
