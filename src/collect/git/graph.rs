//! An in-memory commit graph, loaded lazily, and the range walk `git rev-list HIDE..TIP`.
//!
//! libgit2's revwalk is linear for one walk but not across many: `git_revwalk_reset`
//! visits every commit it ever parsed, and marking a hidden commit's ancestors walks
//! every parsed ancestor, so 1,000 ranges over 100,000 commits cost commits × tags.
//! Here each commit is read and parsed once (the first time a walk reaches it) and kept
//! in a compact table; a walk's flags carry the walk's number (`epoch`), so starting a
//! walk costs nothing and marking stays inside the commits the walk has seen.
//!
//! The walk is git's own `limit_list` (revision.c): commits are taken newest first by
//! committer date; the parents of a hidden commit are hidden; the walk stops once every
//! queued commit is hidden and five more commits (the "slop") were taken that were
//! older than the last commit shown. Results therefore match `git rev-list` without a
//! commit-graph, including on histories whose dates are skewed.

use git2::Oid;
use std::collections::{BinaryHeap, HashMap};

/// What a walk needs to know of a commit, read from its raw object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ParsedCommit {
    pub parents: Vec<Oid>,
    /// The root tree (`None` when the `tree` line is missing or unreadable; only
    /// `releases.paths` needs it).
    pub tree: Option<Oid>,
    /// Committer time (orders the walk).
    pub committer_time: i64,
    pub author_time: i64,
    pub subject: String,
}

/// Parses a raw commit object (`tree`, `parent`..., `author`, `committer`, other
/// headers, blank line, message). Lenient like git: a signature whose time cannot be
/// read has time 0; an unreadable parent line is an error (the history would be wrong).
pub(super) fn parse_commit(raw: &[u8]) -> Result<ParsedCommit, String> {
    let mut parents = Vec::new();
    let mut tree = None;
    let mut author_time = None;
    let mut committer_time = None;
    let mut rest = raw;
    loop {
        let (line, next) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        rest = next;
        if line.is_empty() {
            break;
        }
        if let Some(hex) = line.strip_prefix(b"tree ") {
            if tree.is_none() {
                tree = std::str::from_utf8(hex)
                    .ok()
                    .and_then(|h| Oid::from_str(h.trim()).ok());
            }
        } else if let Some(hex) = line.strip_prefix(b"parent ") {
            let oid = std::str::from_utf8(hex)
                .ok()
                .and_then(|h| Oid::from_str(h.trim()).ok())
                .ok_or_else(|| {
                    format!("unreadable parent line `{}`", String::from_utf8_lossy(line))
                })?;
            parents.push(oid);
        } else if let Some(sig) = line.strip_prefix(b"author ") {
            author_time.get_or_insert_with(|| signature_time(sig));
        } else if let Some(sig) = line.strip_prefix(b"committer ") {
            committer_time.get_or_insert_with(|| signature_time(sig));
        }
        if rest.is_empty() {
            break;
        }
    }
    let committer_time = committer_time.unwrap_or(0);
    Ok(ParsedCommit {
        parents,
        tree,
        committer_time,
        author_time: author_time.unwrap_or(committer_time),
        subject: super::subject_of_bytes(rest),
    })
}

/// The time of a signature `Name <email> 1700000000 +0100`, or 0 when unreadable
/// (git shows such dates as 0 too).
fn signature_time(sig: &[u8]) -> i64 {
    let after_email = match sig.iter().rposition(|&b| b == b'>') {
        Some(i) => &sig[i + 1..],
        None => sig,
    };
    after_email
        .split(|b| b.is_ascii_whitespace())
        .find(|w| !w.is_empty())
        .and_then(|w| std::str::from_utf8(w).ok())
        .and_then(|w| w.parse::<i64>().ok())
        .unwrap_or(0)
}

/// How many more hidden commits a walk takes once everything queued is hidden (git's
/// SLOP), to ride out dates that go backwards.
const SLOP: u32 = 5;

const SEEN: u8 = 1;
const HIDDEN: u8 = 2;
const QUEUED: u8 = 4;

/// Sentinel for "not parsed yet".
const UNPARSED: u32 = u32::MAX;

struct Node {
    oid: Oid,
    /// Start of the parents in `Graph::parents`, or [`UNPARSED`].
    parents_at: u32,
    parents_len: u32,
    tree: Option<Oid>,
    committer_time: i64,
    author_time: i64,
    subject: Box<str>,
    /// The walk whose flags `flags` are; older flags count as none.
    epoch: u32,
    flags: u8,
}

/// A commit in a walk's result.
pub(super) struct Change<'g> {
    pub oid: Oid,
    pub author_time: i64,
    pub subject: &'g str,
    /// Number of parents (0 for a root commit; merges are never returned).
    pub parents: u32,
    /// The commit's root tree, and its first parent's (for `releases.paths`).
    pub tree: Option<Oid>,
    pub parent_tree: Option<Oid>,
}

/// The queue of a walk: newest committer date first, first in first out among equal
/// dates (like git's `commit_list_insert_by_date`).
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Queued {
    time: i64,
    /// Reversed insertion number: earlier insertions first among equal dates.
    order: std::cmp::Reverse<u64>,
    node: u32,
}

/// Commits read so far, by id.
#[derive(Default)]
pub(super) struct Graph {
    nodes: Vec<Node>,
    index: HashMap<Oid, u32>,
    parents: Vec<u32>,
    epoch: u32,
}

impl Graph {
    pub(super) fn new() -> Self {
        Self::default()
    }

    /// How many commits are known (parsed or referenced as parents).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.nodes.len()
    }

    fn node_of(&mut self, oid: Oid) -> u32 {
        if let Some(&i) = self.index.get(&oid) {
            return i;
        }
        let i = u32::try_from(self.nodes.len()).unwrap_or(u32::MAX - 1);
        self.nodes.push(Node {
            oid,
            parents_at: UNPARSED,
            parents_len: 0,
            tree: None,
            committer_time: 0,
            author_time: 0,
            subject: Box::from(""),
            epoch: 0,
            flags: 0,
        });
        self.index.insert(oid, i);
        i
    }

    /// Loads node `i` with `load` if it is not parsed yet.
    fn ensure_parsed<E>(
        &mut self,
        i: u32,
        load: &mut impl FnMut(Oid) -> Result<ParsedCommit, E>,
    ) -> Result<(), E> {
        let Some(node) = self.nodes.get(i as usize) else {
            return Ok(());
        };
        if node.parents_at != UNPARSED {
            return Ok(());
        }
        let parsed = load(node.oid)?;
        let at = u32::try_from(self.parents.len()).unwrap_or(UNPARSED - 1);
        let mut len = 0u32;
        for p in parsed.parents {
            let pi = self.node_of(p);
            self.parents.push(pi);
            len += 1;
        }
        if let Some(node) = self.nodes.get_mut(i as usize) {
            node.parents_at = at;
            node.parents_len = len;
            node.tree = parsed.tree;
            node.committer_time = parsed.committer_time;
            node.author_time = parsed.author_time;
            node.subject = parsed.subject.into_boxed_str();
        }
        Ok(())
    }

    /// The flags of node `i` in the current walk.
    fn flags(&self, i: u32) -> u8 {
        match self.nodes.get(i as usize) {
            Some(n) if n.epoch == self.epoch => n.flags,
            _ => 0,
        }
    }

    fn set_flags(&mut self, i: u32, flags: u8) {
        let epoch = self.epoch;
        if let Some(n) = self.nodes.get_mut(i as usize) {
            if n.epoch != epoch {
                n.epoch = epoch;
                n.flags = 0;
            }
            n.flags |= flags;
        }
    }

    fn parents_of(&self, i: u32) -> &[u32] {
        match self.nodes.get(i as usize) {
            Some(n) if n.parents_at != UNPARSED => {
                let at = n.parents_at as usize;
                self.parents
                    .get(at..at + n.parents_len as usize)
                    .unwrap_or(&[])
            }
            _ => &[],
        }
    }

    /// Hides the ancestors of `i` that this walk has seen (and the parents of those),
    /// like git's `mark_parents_uninteresting`. Returns how many queued commits went
    /// from shown to hidden.
    fn hide_ancestors(&mut self, i: u32, stack: &mut Vec<u32>) -> usize {
        let mut newly_hidden_queued = 0;
        stack.clear();
        stack.extend_from_slice(self.parents_of(i));
        while let Some(p) = stack.pop() {
            let flags = self.flags(p);
            if flags & HIDDEN != 0 {
                continue;
            }
            self.set_flags(p, HIDDEN);
            if flags & QUEUED != 0 {
                newly_hidden_queued += 1;
            }
            // Only commits seen by this walk have had their parents looked at; the
            // others get the mark now and pass it on when the walk reaches them.
            if flags & SEEN != 0 {
                stack.extend_from_slice(self.parents_of(p));
            }
        }
        newly_hidden_queued
    }

    /// The non-merge commits reachable from `tip` and not from `hide`
    /// (`git rev-list --no-merges hide..tip`), newest first. `load` reads a commit the
    /// graph has not seen yet.
    pub(super) fn range<E>(
        &mut self,
        tip: Oid,
        hide: Option<Oid>,
        load: &mut impl FnMut(Oid) -> Result<ParsedCommit, E>,
    ) -> Result<Vec<Change<'_>>, E> {
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            // Wrapped around: old flags could look current; clear them all.
            for n in &mut self.nodes {
                n.epoch = 0;
                n.flags = 0;
            }
            self.epoch = 1;
        }
        let mut queue = BinaryHeap::new();
        let mut order = 0u64;
        let mut shown_queued = 0usize; // queued commits not hidden
        let mut stack = Vec::new();

        let mut push = |g: &mut Graph, i: u32, queue: &mut BinaryHeap<Queued>| {
            order += 1;
            g.set_flags(i, SEEN | QUEUED);
            let time = g.nodes.get(i as usize).map_or(0, |n| n.committer_time);
            queue.push(Queued {
                time,
                order: std::cmp::Reverse(order),
                node: i,
            });
        };

        if let Some(hide) = hide {
            let h = self.node_of(hide);
            self.ensure_parsed(h, load)?;
            self.set_flags(h, HIDDEN);
            push(self, h, &mut queue);
        }
        let t = self.node_of(tip);
        self.ensure_parsed(t, load)?;
        if self.flags(t) & SEEN == 0 {
            push(self, t, &mut queue);
            if self.flags(t) & HIDDEN == 0 {
                shown_queued += 1;
            }
        }

        let mut shown: Vec<u32> = Vec::new();
        let mut last_shown_time = i64::MAX;
        let mut slop = SLOP;
        while let Some(Queued { node: n, .. }) = queue.pop() {
            let flags = self.flags(n);
            if let Some(node) = self.nodes.get_mut(n as usize) {
                node.flags &= !QUEUED;
            }
            let hidden = flags & HIDDEN != 0;
            if !hidden {
                shown_queued = shown_queued.saturating_sub(1);
            }
            // Queue the parents (reading them), passing on the hidden mark.
            let parents_len = self.parents_of(n).len();
            for k in 0..parents_len {
                let Some(&p) = self.parents_of(n).get(k) else {
                    break;
                };
                self.ensure_parsed(p, load)?;
                let pflags = self.flags(p);
                if hidden && pflags & HIDDEN == 0 {
                    self.set_flags(p, HIDDEN);
                    if pflags & QUEUED != 0 {
                        shown_queued = shown_queued.saturating_sub(1);
                    }
                    shown_queued = shown_queued.saturating_sub(self.hide_ancestors(p, &mut stack));
                }
                if pflags & SEEN == 0 {
                    push(self, p, &mut queue);
                    if self.flags(p) & HIDDEN == 0 {
                        shown_queued += 1;
                    }
                }
            }
            if hidden {
                shown_queued = shown_queued.saturating_sub(self.hide_ancestors(n, &mut stack));
                // git's still_interesting().
                slop = match queue.peek() {
                    None => 0,
                    Some(head) if last_shown_time <= head.time => SLOP,
                    Some(_) if shown_queued > 0 => SLOP,
                    Some(_) => slop - 1,
                };
                if slop == 0 {
                    break;
                }
                continue;
            }
            last_shown_time = self.nodes.get(n as usize).map_or(0, |x| x.committer_time);
            shown.push(n);
        }

        // Commits hidden after they were shown drop out now, as in git.
        let mut changes = Vec::with_capacity(shown.len());
        for n in shown {
            if self.flags(n) & HIDDEN != 0 {
                continue;
            }
            let Some(node) = self.nodes.get(n as usize) else {
                continue;
            };
            if node.parents_len > 1 {
                continue;
            }
            let parent_tree = self
                .parents_of(n)
                .first()
                .and_then(|&p| self.nodes.get(p as usize))
                .and_then(|p| p.tree);
            changes.push(Change {
                oid: node.oid,
                author_time: node.author_time,
                subject: &node.subject,
                parents: node.parents_len,
                tree: node.tree,
                parent_tree,
            });
        }
        Ok(changes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_raw_commit() {
        let raw = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\
parent 0123456789abcdef0123456789abcdef01234567\n\
parent 89abcdef0123456789abcdef0123456789abcdef\n\
author Ada <ada@example.com> 1700000000 +0100\n\
committer Bob <bob@example.com> 1700000500 -0700\n\
gpgsig -----BEGIN PGP SIGNATURE-----\n \n abc\n -----END PGP SIGNATURE-----\n\
\n\
fix: a bug\nin two lines\n\nbody\n";
        let c = parse_commit(raw).unwrap();
        assert_eq!(c.parents.len(), 2);
        assert_eq!(
            c.tree.map(|t| t.to_string()).as_deref(),
            Some("4b825dc642cb6eb9a060e54bf8d69288fbee4904")
        );
        assert_eq!(
            c.parents[1].to_string(),
            "89abcdef0123456789abcdef0123456789abcdef"
        );
        assert_eq!(c.author_time, 1_700_000_000);
        assert_eq!(c.committer_time, 1_700_000_500);
        assert_eq!(c.subject, "fix: a bug in two lines");
    }

    #[test]
    fn unreadable_times_are_zero_and_a_missing_author_takes_the_committer_time() {
        let c = parse_commit(b"tree x\nauthor broken\ncommitter C <c> 42 +0000\n\nm").unwrap();
        assert_eq!(c.author_time, 0);
        assert_eq!(c.committer_time, 42);
        let c = parse_commit(b"tree x\ncommitter C <c> 42 +0000\n\nm").unwrap();
        assert_eq!(c.author_time, 42);
        // A name containing '>' does not confuse the time.
        let c = parse_commit(b"tree x\nauthor A>B <a> 7 +0000\n\n").unwrap();
        assert_eq!(c.author_time, 7);
        assert_eq!(c.subject, "");
    }

    #[test]
    fn a_bad_parent_line_is_an_error() {
        assert!(parse_commit(b"tree x\nparent zz\n\nm").is_err());
    }

    /// A test graph: commit `k` has id k and the given parents and committer time.
    struct Fake(HashMap<Oid, ParsedCommit>);

    fn oid(k: u8) -> Oid {
        Oid::from_bytes(&[k; 20]).unwrap()
    }

    impl Fake {
        fn new(commits: &[(u8, &[u8], i64)]) -> Self {
            Fake(
                commits
                    .iter()
                    .map(|&(k, parents, time)| {
                        (
                            oid(k),
                            ParsedCommit {
                                parents: parents.iter().map(|&p| oid(p)).collect(),
                                tree: None,
                                committer_time: time,
                                author_time: time,
                                subject: format!("c{k}"),
                            },
                        )
                    })
                    .collect(),
            )
        }

        fn range(&self, g: &mut Graph, tip: u8, hide: Option<u8>) -> Vec<String> {
            let mut load = |o: Oid| self.0.get(&o).cloned().ok_or(o);
            let mut v: Vec<String> = g
                .range(oid(tip), hide.map(oid), &mut load)
                .unwrap()
                .iter()
                .map(|c| c.subject.to_string())
                .collect();
            v.sort();
            v
        }
    }

    #[test]
    fn ranges_exclude_merges_and_hidden_history() {
        // 1 ─ 2 ─ 4(merge of 2 and 3) ─ 5
        //  └─ 3 ┘
        let f = Fake::new(&[
            (1, &[], 10),
            (2, &[1], 20),
            (3, &[1], 30),
            (4, &[2, 3], 40),
            (5, &[4], 50),
        ]);
        let mut g = Graph::new();
        assert_eq!(f.range(&mut g, 5, None), ["c1", "c2", "c3", "c5"]);
        assert_eq!(f.range(&mut g, 5, Some(2)), ["c3", "c5"]);
        assert_eq!(f.range(&mut g, 5, Some(3)), ["c2", "c5"]);
        assert_eq!(f.range(&mut g, 3, Some(2)), ["c3"]);
        assert_eq!(f.range(&mut g, 2, Some(5)), Vec::<String>::new());
        assert_eq!(f.range(&mut g, 5, Some(5)), Vec::<String>::new());
        // Each commit was loaded once across the walks.
        assert_eq!(g.len(), 5);
    }

    #[test]
    fn skewed_dates_within_the_slop_are_handled() {
        // 1(t=100) ─ 2(t=5, clock behind) ─ 3(t=200) ← tip; hide 1.
        // A naive "stop when everything queued is hidden" walk is right here too; the
        // harder case: hidden side newer than the shown side.
        // h: 1 ─ 6(t=1000) ; tip: 1 ─ 2(t=5) ─ 3(t=6)
        let f = Fake::new(&[(1, &[], 100), (2, &[1], 5), (3, &[2], 6), (6, &[1], 1000)]);
        let mut g = Graph::new();
        assert_eq!(f.range(&mut g, 3, Some(6)), ["c2", "c3"]);
        assert_eq!(f.range(&mut g, 6, Some(3)), ["c6"]);
    }

    #[test]
    fn a_shown_commit_later_found_hidden_drops_out() {
        // 1 ─ 2(t=300) ─ 3(t=200, hidden)
        //  │     └──────── 4(t=400, merge of 5 and 2) ← tip
        //  └ 5(t=150) ──────┘
        // The walk takes 4, then 2 as shown (t=300 > 200) before it takes 3 and learns
        // that 2 is hidden.
        let f = Fake::new(&[
            (1, &[], 100),
            (2, &[1], 300),
            (3, &[2], 200),
            (5, &[1], 150),
            (4, &[5, 2], 400),
        ]);
        let mut g = Graph::new();
        // reach(4) = {4,5,2,1}; reach(3) = {3,2,1}; 4 is a merge → {5}.
        assert_eq!(f.range(&mut g, 4, Some(3)), ["c5"]);
    }

    #[test]
    fn a_missing_commit_is_the_loaders_error() {
        let f = Fake::new(&[(2, &[1], 20)]);
        let mut g = Graph::new();
        let mut load = |o: Oid| f.0.get(&o).cloned().ok_or(o);
        let err = g.range(oid(2), None, &mut load).err();
        assert_eq!(err, Some(oid(1)));
    }
}
