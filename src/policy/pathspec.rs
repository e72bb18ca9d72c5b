//! `releases.paths`: which files a change must touch to count (monorepos), with git's
//! pathspec semantics. The tree comparison that decides whether a commit touches them
//! (`git rev-list --no-merges --full-history PREV..R -- PATHS`) is `collect::git`'s.
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
    pub(crate) fn may_contain(&self, dir: &[u8]) -> bool {
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

    pub(crate) fn may_contain(&self, dir: &[u8]) -> bool {
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
}
