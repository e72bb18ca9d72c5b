//! `releases.paths`: which files a change must touch to count (monorepos), with git's
//! pathspec semantics, and the tree comparison that decides whether a commit touches
//! them (`git rev-list --no-merges --full-history PREV..R -- PATHS`).
//!
//! Supported, exactly as git matches a plain (magic-less) pathspec against a path `F`:
//! - a **prefix** (`tokio/`, `tokio`, `crates/core/src/lib.rs`): `F` equals it, or `F`
//!   lies under it as a folder (`tokio` matches `tokio/src/lib.rs` but not
//!   `tokio-util/x`; `tokio/` matches only what is inside the folder `tokio`);
//! - a **glob**, any spec with `*`, `?` or `[`: matched against the whole path with
//!   git's fnmatch without `FNM_PATHNAME`, so `*` and `?` also match `/` (`*.rs` matches
//!   `a/b/c.rs`; `crates/*/src` matches a *file* `crates/x/src`, not the files inside a
//!   folder `crates/x/src`, as in git: write `crates/*/src/*` for those), `[abc]`,
//!   `[a-z]`, `[!a]`/`[^a]` bracket sets, and `\` escaping the next character. A glob is
//!   also tried as a prefix first, like git does.
//!
//! Comparison is case-sensitive, paths are relative to the repository's top folder, and
//! a change matches when any spec matches any file it adds, deletes or modifies (a
//! rename is a deletion plus an addition, so a move across a package boundary counts for
//! both packages). Not supported (rejected with an error): pathspec magic (`:(glob)`,
//! `:!exclude`, any spec starting with `:`), absolute paths, `..`, and empty specs.

use git2::{ObjectType, Oid};

/// One pathspec item.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Item {
    /// The spec as matched (a leading `./` removed).
    spec: Vec<u8>,
    /// Length of the part before the first wildcard (`spec.len()` without wildcards).
    literal_len: usize,
}

/// A compiled list of pathspecs. Empty means "every change counts".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pathspec {
    /// The specs as written in the policy.
    sources: Vec<String>,
    items: Vec<Item>,
}

/// Whether a byte starts a wildcard in git's pathspecs.
fn is_wildcard(b: u8) -> bool {
    matches!(b, b'*' | b'?' | b'[' | b'\\')
}

impl Pathspec {
    /// Compiles `specs` (see the module doc); the error says which spec is wrong and why.
    pub fn new(specs: &[String]) -> Result<Pathspec, String> {
        let mut items = Vec::with_capacity(specs.len());
        for s in specs {
            items.push(Self::item(s)?);
        }
        Ok(Pathspec {
            sources: specs.to_vec(),
            items,
        })
    }

    fn item(s: &str) -> Result<Item, String> {
        let shown = crate::escape::line(s);
        let mut spec = s;
        while let Some(rest) = spec.strip_prefix("./") {
            spec = rest;
        }
        if spec.is_empty() || spec == "." {
            return Err(format!(
                "path `{shown}` names the whole repository; leave `releases.paths` out (or empty) to count every change"
            ));
        }
        if spec.starts_with(':') {
            return Err(format!(
                "path `{shown}` uses git pathspec magic (`:`), which is not supported; write a folder prefix (`tokio/`) or a glob (`crates/*/src/*`)"
            ));
        }
        if spec.starts_with('/') {
            return Err(format!(
                "path `{shown}` is absolute; paths are relative to the repository's top folder, e.g. `tokio/`"
            ));
        }
        if spec.split('/').any(|c| c == "..") {
            return Err(format!(
                "path `{shown}` contains `..`; paths are relative to the repository's top folder and stay inside it"
            ));
        }
        let bytes = spec.as_bytes();
        let literal_len = bytes
            .iter()
            .position(|&b| is_wildcard(b))
            .unwrap_or(bytes.len());
        if literal_len < bytes.len() {
            check_glob(bytes)
                .map_err(|why| format!("path `{shown}` is not a valid glob: {why}"))?;
        }
        Ok(Item {
            spec: bytes.to_vec(),
            literal_len,
        })
    }

    /// True when no path is given: every change counts.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The specs as written.
    pub fn sources(&self) -> &[String] {
        &self.sources
    }

    /// Whether the file (or submodule, or symlink) at `path` matches.
    pub fn matches_file(&self, path: &[u8]) -> bool {
        self.items.iter().any(|i| i.matches_file(path))
    }

    /// Whether some path under the folder `dir` (no trailing slash) may match.
    fn may_contain(&self, dir: &[u8]) -> bool {
        self.items.iter().any(|i| i.may_contain(dir))
    }
}

impl Item {
    /// git's literal rule: `path` is the spec, or lies in the folder the spec names.
    fn prefix_matches(&self, path: &[u8]) -> bool {
        let spec = &self.spec[..];
        if spec.last() == Some(&b'/') {
            return path.starts_with(spec);
        }
        path.starts_with(spec) && matches!(path.get(spec.len()), None | Some(b'/'))
    }

    fn matches_file(&self, path: &[u8]) -> bool {
        self.prefix_matches(path)
            || (self.literal_len < self.spec.len() && fnmatch(&self.spec, path))
    }

    fn may_contain(&self, dir: &[u8]) -> bool {
        let mut slashed = dir.to_vec();
        slashed.push(b'/');
        // Inside the folder the spec names, or on the way to it.
        if self.prefix_matches(dir) || self.spec.starts_with(&slashed) {
            return true;
        }
        // A glob: paths under `dir` can match if they agree with its literal part.
        if self.literal_len == self.spec.len() {
            return false;
        }
        let lit = &self.spec[..self.literal_len];
        if lit.len() <= slashed.len() {
            slashed.starts_with(lit)
        } else {
            lit.starts_with(&slashed)
        }
    }
}

/// Checks that every bracket set is closed (git treats an unclosed `[` as no match at
/// all, which in a policy is surely a mistake) and that `\` escapes something.
fn check_glob(p: &[u8]) -> Result<(), String> {
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            b'\\' => {
                if i + 1 >= p.len() {
                    return Err("it ends with a lone `\\`".into());
                }
                i += 2;
            }
            b'[' => match bracket_end(p, i) {
                Some(end) => i = end,
                None => return Err("a `[` set is not closed with `]`".into()),
            },
            _ => i += 1,
        }
    }
    Ok(())
}

/// The index after the `]` closing the bracket set that starts at `p[start] == b'['`.
fn bracket_end(p: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    if matches!(p.get(i), Some(b'!' | b'^')) {
        i += 1;
    }
    // A `]` right after `[` (or `[!`) is a member, not the end.
    if p.get(i) == Some(&b']') {
        i += 1;
    }
    while i < p.len() {
        match p[i] {
            b'\\' => i += 2,
            b']' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// Whether byte `c` is in the bracket set `p[start..end]` (`[` … `]`).
fn in_bracket(p: &[u8], start: usize, end: usize, c: u8) -> bool {
    let mut i = start + 1;
    let negated = matches!(p.get(i), Some(b'!' | b'^'));
    if negated {
        i += 1;
    }
    let last = end - 1; // the closing `]`
    let mut found = false;
    let mut first = true;
    while i < last {
        let mut lo = p[i];
        if lo == b'\\' && i + 1 < last {
            i += 1;
            lo = p[i];
        } else if lo == b']' && !first {
            break;
        }
        first = false;
        if p.get(i + 1) == Some(&b'-') && i + 2 < last {
            let mut hi = p[i + 2];
            let mut step = 3;
            if hi == b'\\' && i + 3 < last {
                hi = p[i + 3];
                step = 4;
            }
            if lo <= c && c <= hi {
                found = true;
            }
            i += step;
        } else {
            if lo == c {
                found = true;
            }
            i += 1;
        }
    }
    found != negated
}

/// git's `fnmatch` without `FNM_PATHNAME`: `*` any bytes (`/` too), `?` one byte,
/// bracket sets, `\` escapes; the whole of `s` must match.
fn fnmatch(p: &[u8], s: &[u8]) -> bool {
    // Iterative matching with one backtrack point (the last `*`), linear in practice.
    let (mut pi, mut si) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        let step = match p.get(pi) {
            Some(b'*') => {
                while p.get(pi) == Some(&b'*') {
                    pi += 1;
                }
                star = Some((pi, si));
                continue;
            }
            Some(b'?') => Some(pi + 1),
            Some(b'[') => match bracket_end(p, pi) {
                Some(end) if in_bracket(p, pi, end, s[si]) => Some(end),
                _ => None,
            },
            Some(b'\\') => match p.get(pi + 1) {
                Some(&c) if c == s[si] => Some(pi + 2),
                _ => None,
            },
            Some(&c) if c == s[si] => Some(pi + 1),
            _ => None,
        };
        match step {
            Some(next) => {
                pi = next;
                si += 1;
            }
            None => match star {
                Some((sp, ss)) => {
                    pi = sp;
                    si = ss + 1;
                    star = Some((sp, ss + 1));
                }
                None => return false,
            },
        }
    }
    while p.get(pi) == Some(&b'*') {
        pi += 1;
    }
    pi == p.len()
}

/// One entry of a raw tree object.
struct Entry<'t> {
    name: &'t [u8],
    oid: Oid,
    /// The mode as git compares it (see [`canonical_mode`]).
    mode: u32,
    is_tree: bool,
}

/// A tree entry's mode as git's diff compares it (`canon_mode`): folders, symbolic
/// links and submodules as they are, any other entry a file `100644` or, with the
/// owner's execute bit, `100755`. A mode change alone is a change, as in git.
fn canonical_mode(raw: &[u8]) -> Result<u32, String> {
    let text = std::str::from_utf8(raw).map_err(|_| "a tree entry's mode is not octal")?;
    let mode = u32::from_str_radix(text, 8).map_err(|_| "a tree entry's mode is not octal")?;
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
        let oid = Oid::from_bytes(id).map_err(|e| e.message().to_string())?;
        let mode = canonical_mode(mode)?;
        entries.push(Entry {
            name,
            oid,
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
    entries.sort_by(|a, b| a.name.cmp(b.name));
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
                    if a.oid == b.oid && a.mode == b.mode {
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
            let old_dir = a.filter(|e| e.is_tree).map(|e| e.oid);
            let new_dir = b.filter(|e| e.is_tree).map(|e| e.oid);
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

    fn spec(s: &[&str]) -> Pathspec {
        Pathspec::new(&s.iter().map(|x| x.to_string()).collect::<Vec<_>>()).expect("spec")
    }

    fn m(s: &[&str], path: &str) -> bool {
        spec(s).matches_file(path.as_bytes())
    }

    #[test]
    fn prefixes_match_like_git() {
        // Checked against `git log --full-history -- SPEC` on the same paths.
        assert!(m(&["tokio"], "tokio/x"));
        assert!(m(&["tokio"], "tokio"));
        assert!(!m(&["tokio"], "tokio-util/y"));
        assert!(!m(&["tokio"], "tokiofile"));
        assert!(!m(&["tok"], "tokio/x"));
        assert!(m(&["tokio/"], "tokio/x"));
        assert!(!m(&["tokio/"], "tokio"));
        assert!(m(&["./tokio/"], "tokio/src/lib.rs"));
        assert!(m(&["crates"], "crates/a/src/lib.rs"));
    }

    #[test]
    fn globs_match_like_git() {
        assert!(m(&["crates/*/src"], "crates/b/src"));
        assert!(!m(&["crates/*/src"], "crates/a/src/lib.rs"));
        assert!(m(&["*.rs"], "dir/sub/z.rs"));
        assert!(m(&["*.rs"], "x.rs"));
        assert!(m(&["crates/a*"], "crates/a/src/lib.rs"));
        assert!(m(&["crates/*"], "crates/b/README"));
        assert!(m(&["dir/**/z.rs"], "dir/sub/z.rs"));
        assert!(m(&["*/src"], "crates/b/src"));
        assert!(!m(&["crates/?/src/"], "crates/a/src/lib.rs"));
        assert!(m(&["crates/[ab]/README"], "crates/b/README"));
        assert!(!m(&["crates/[!b]/README"], "crates/b/README"));
        assert!(m(&["crates/[a-c]/README"], "crates/b/README"));
        assert!(m(&["crates/[]]/x"], "crates/]/x"));
        // A glob is tried literally as a prefix first: the folder `we*ird`.
        assert!(m(&["we*ird"], "we*ird/f"));
        assert!(m(&["a\\*b"], "a*b"));
        assert!(!m(&["a\\*b"], "axb"));
    }

    #[test]
    fn folders_are_pruned_unless_they_may_hold_a_match() {
        let s = spec(&["tokio/"]);
        assert!(s.may_contain(b"tokio"));
        assert!(!s.may_contain(b"tokio-util"));
        assert!(s.may_contain(b"tokio/src"));
        let s = spec(&["tokio"]);
        assert!(!s.may_contain(b"tokio-util"));
        let s = spec(&["tokio/src/"]);
        assert!(s.may_contain(b"tokio"));
        assert!(!s.may_contain(b"benches"));
        assert!(!s.may_contain(b"tokio/benches"));
        let s = spec(&["crates/*/src"]);
        assert!(s.may_contain(b"crates"));
        assert!(s.may_contain(b"crates/a/src"));
        assert!(!s.may_contain(b"docs"));
        assert!(!s.may_contain(b"crate"));
        let s = spec(&["*.rs"]);
        assert!(s.may_contain(b"anything"));
    }

    #[test]
    fn bad_specs_are_errors_that_say_why() {
        let e = |s: &str| Pathspec::new(&[s.to_string()]).unwrap_err();
        assert!(e("").contains("whole repository"), "{}", e(""));
        assert!(e(".").contains("whole repository"));
        assert!(e(":(glob)src").contains("magic"));
        assert!(e("/abs").contains("absolute"));
        assert!(e("a/../b").contains("`..`"));
        assert!(e("src/[ab").contains("not closed"));
        assert!(e("src\\").contains("lone"));
        assert!(Pathspec::new(&[]).expect("empty").is_empty());
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
