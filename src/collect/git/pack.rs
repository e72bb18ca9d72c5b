//! Reading commits and trees straight from the repository's pack files, without libgit2.
//!
//! libgit2 shares one open pack (its mutex, its window list under a process-wide mutex
//! and its delta-base cache) between every repository handle of the process, so two
//! threads reading objects mostly wait for each other. Pack files never change once
//! written (git writes a new pack under a temporary name and renames it), so here each
//! pack and its index are mapped once, read-only, and every reader thread finds and
//! inflates objects on its own, with no lock at all.
//!
//! Objects are inflated whole, in one call, by libdeflate: every commit is its own
//! small zlib stream, and libdeflate builds a stream's Huffman tables and decodes it in
//! about three quarters of the CPU time of a streaming inflater (zlib, zlib-rs) on git/git.
//!
//! What this reader does not know (loose objects, alternates, index version 1, an
//! object stored in a way it cannot follow, any damage) it leaves to libgit2: a read
//! answers `None` and the caller reads the object through libgit2, which either finds
//! it or reports the error git users know. So this reader can only be faster, never
//! different: it returns the bytes libgit2 would.

use git2::Oid;
use libdeflater::Decompressor;
use memmap2::Mmap;
use std::fs::File;
use std::path::Path;

/// The kinds of object a pack holds (the type numbers of git's pack format).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Commit,
    Tree,
    Blob,
    Tag,
}

impl Kind {
    pub(super) fn object_type(self) -> git2::ObjectType {
        match self {
            Kind::Commit => git2::ObjectType::Commit,
            Kind::Tree => git2::ObjectType::Tree,
            Kind::Blob => git2::ObjectType::Blob,
            Kind::Tag => git2::ObjectType::Tag,
        }
    }

    fn of(code: u8) -> Option<Kind> {
        match code {
            1 => Some(Kind::Commit),
            2 => Some(Kind::Tree),
            3 => Some(Kind::Blob),
            4 => Some(Kind::Tag),
            _ => None,
        }
    }
}

const OFS_DELTA: u8 = 6;
const REF_DELTA: u8 = 7;

/// How deep a delta chain is followed before leaving the object to libgit2 (git's own
/// packs stay under 50; a cycle in a damaged pack ends here too).
const MAX_CHAIN: usize = 10_000;

/// Objects larger than this are left to libgit2 (a commit or tree is never this big; a
/// damaged size field cannot make this reader allocate more).
const MAX_OBJECT: usize = 256 << 20;

/// How many objects a reader reads between two releases of the pack pages it has
/// touched (see [`Packs::release`]).
const RELEASE_EVERY: usize = 8192;

/// The most bytes of delta bases a reader keeps (see `Reader::bases`).
const BASES_BYTES: usize = 16 << 20;

/// The size of an object id in the packs this reader reads (SHA-1).
const ID: usize = 20;

/// One pack file and its version 2 index, mapped read-only.
struct Pack {
    idx: Mmap,
    data: Mmap,
    count: usize,
}

impl Pack {
    /// Maps `idx_path` and the pack beside it; `None` when either is not a version 2
    /// index of SHA-1 ids or a version 2 or 3 pack whose object count matches.
    fn open(idx_path: &Path) -> Option<Pack> {
        let pack_path = idx_path.with_extension("pack");
        let idx = map(idx_path)?;
        let data = map(&pack_path)?;
        if idx.len() < 8 + 256 * 4 + 2 * ID || idx[..4] != [0xff, b't', b'O', b'c'] {
            return None;
        }
        if be32(&idx, 4)? != 2 {
            return None;
        }
        let count = be32(&idx, 8 + 255 * 4)? as usize;
        // Names, CRCs and 4-byte offsets, then 8-byte offsets, then two checksums.
        let small = 8 + 256 * 4 + count * (ID + 4 + 4) + 2 * ID;
        let large = idx.len().checked_sub(small)?;
        if large % 8 != 0 || large / 8 > count {
            return None;
        }
        if data.len() < 12 + ID || data[..4] != *b"PACK" {
            return None;
        }
        if !matches!(be32(&data, 4)?, 2 | 3) || be32(&data, 8)? as usize != count {
            return None;
        }
        // The index ends with the checksum of its pack, which the pack ends with: a
        // pack cut short or replaced is not this index's.
        let pack_sum = &idx[idx.len() - 2 * ID..idx.len() - ID];
        if data[data.len() - ID..] != *pack_sum {
            return None;
        }
        Some(Pack { idx, data, count })
    }

    /// The offset in the pack of the object `id`, if the index lists it.
    ///
    /// Ids are hashes, spread evenly: instead of halving the range of names that can
    /// hold `id`, each step guesses where `id` falls between the ids known to be below
    /// and above it (interpolation). That takes about 3 probes of the index instead of
    /// 12 on git/git's, and each probe is a cache miss in a file of many megabytes.
    /// After 8 guesses (ids that are not spread evenly) it halves.
    fn find(&self, id: &[u8]) -> Option<usize> {
        let first = usize::from(*id.first()?);
        let mut lo = match first {
            0 => 0,
            _ => be32(&self.idx, 8 + (first - 1) * 4)? as usize,
        };
        let mut hi = (be32(&self.idx, 8 + first * 4)? as usize).min(self.count);
        let key = u64::from_be_bytes(id.get(..8)?.try_into().ok()?);
        // Bounds of the keys (an id's first 8 bytes) that names in lo..hi can have.
        let mut lo_key = (first as u64) << 56;
        let mut hi_key = lo_key | ((1 << 56) - 1);
        let names = 8 + 256 * 4;
        let mut guesses = 0;
        while lo < hi {
            let n = hi - lo;
            let mid = if guesses < 8 && n > 8 && hi_key > lo_key {
                guesses += 1;
                let span = u128::from(hi_key - lo_key) + 1;
                let f = u128::from(key.saturating_sub(lo_key)) * n as u128 / span;
                lo + usize::try_from(f).unwrap_or(n).min(n - 1)
            } else {
                lo + n / 2
            };
            let at = names + mid * ID;
            let name = self.idx.get(at..at + ID)?;
            let k = u64::from_be_bytes(name[..8].try_into().ok()?);
            match k.cmp(&key).then_with(|| name[8..].cmp(&id[8..])) {
                std::cmp::Ordering::Less => (lo, lo_key) = (mid + 1, k),
                std::cmp::Ordering::Greater => (hi, hi_key) = (mid, k),
                std::cmp::Ordering::Equal => return self.offset(mid),
            }
        }
        None
    }

    /// The pack offset of the `n`th object of the index.
    fn offset(&self, n: usize) -> Option<usize> {
        let small = 8 + 256 * 4 + self.count * (ID + 4);
        let v = be32(&self.idx, small + n * 4)?;
        if v & 0x8000_0000 == 0 {
            return Some(v as usize);
        }
        let large = small + self.count * 4 + (v & 0x7fff_ffff) as usize * 8;
        let hi = u64::from(be32(&self.idx, large)?);
        let lo = u64::from(be32(&self.idx, large + 4)?);
        usize::try_from(hi << 32 | lo).ok()
    }

    /// The pack's bytes from `start` to its trailing checksum (an entry's zlib stream
    /// and whatever follows it).
    fn compressed(&self, start: usize) -> &[u8] {
        let end = self.data.len() - ID;
        &self.data[start.min(end)..end]
    }

    /// The object entry at `at`: its type code, its size and where its data start.
    fn entry(&self, at: usize) -> Option<Entry> {
        let end = self.data.len() - ID;
        let mut i = at;
        let mut c = *self.data.get(i).filter(|_| i < end)?;
        i += 1;
        let code = (c >> 4) & 7;
        let mut size = usize::from(c & 15);
        let mut shift = 4u32;
        while c & 0x80 != 0 {
            c = *self.data.get(i).filter(|_| i < end)?;
            i += 1;
            if shift > 60 {
                return None;
            }
            size |= usize::from(c & 0x7f).checked_shl(shift)?;
            shift += 7;
        }
        let base = match code {
            OFS_DELTA => {
                let mut c = *self.data.get(i).filter(|_| i < end)?;
                i += 1;
                let mut back = usize::from(c & 0x7f);
                while c & 0x80 != 0 {
                    c = *self.data.get(i).filter(|_| i < end)?;
                    i += 1;
                    back = back.checked_add(1)?.checked_mul(128)? | usize::from(c & 0x7f);
                }
                Base::At(at.checked_sub(back).filter(|&b| b < at)?)
            }
            REF_DELTA => {
                let id = self.data.get(i..i + ID).filter(|_| i + ID <= end)?;
                i += ID;
                Base::Id(Oid::from_bytes(id).ok()?)
            }
            _ => Base::None,
        };
        Some(Entry {
            code,
            size,
            data: i,
            base,
        })
    }
}

/// An object entry of a pack (see [`Pack::entry`]).
struct Entry {
    code: u8,
    size: usize,
    data: usize,
    base: Base,
}

/// The base of a delta entry.
enum Base {
    None,
    At(usize),
    Id(Oid),
}

fn map(path: &Path) -> Option<Mmap> {
    let file = File::open(path).ok()?;
    // SAFETY: pack and index files are written once under a temporary name, renamed
    // into place and never modified afterwards (git, libgit2 and every git host treat
    // them as immutable and map them the same way); the mapping is read-only and only
    // read through bounds-checked slices.
    unsafe { Mmap::map(&file) }.ok()
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
    Some(u32::from_be_bytes(s))
}

/// The packs of a repository's object directory, shared by every reader thread.
pub(super) struct Packs {
    packs: Vec<Pack>,
}

impl Packs {
    /// Maps every readable pack in `objects/pack` of the git directory `git_dir`
    /// (newest first, as git searches them). Packs this reader cannot read are left
    /// out: their objects are read through libgit2.
    pub(super) fn open(git_dir: &Path) -> Packs {
        let dir = git_dir.join("objects").join("pack");
        let mut found: Vec<(std::time::SystemTime, std::path::PathBuf)> = Vec::new();
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for e in entries.flatten() {
                let path = e.path();
                if path.extension().is_some_and(|x| x == "idx") {
                    let modified = e
                        .metadata()
                        .and_then(|m| m.modified())
                        .unwrap_or(std::time::UNIX_EPOCH);
                    found.push((modified, path));
                }
            }
        }
        found.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        Packs {
            packs: found.iter().filter_map(|(_, p)| Pack::open(p)).collect(),
        }
    }

    /// Whether any pack could be read (otherwise every object goes through libgit2).
    pub(super) fn is_empty(&self) -> bool {
        self.packs.is_empty()
    }

    /// Lets go of the pages of the packs read so far: they stay in the system's file
    /// cache, and a later read maps them again. A walk of a million commits would
    /// otherwise keep every page of their part of the pack in its memory (git bounds
    /// its mapped pack windows the same way, `core.packedGitLimit`). The indexes, read
    /// at random, are kept.
    fn release(&self) {
        #[cfg(unix)]
        for p in &self.packs {
            // SAFETY: a read-only shared mapping of a file: MADV_DONTNEED only drops
            // this process's page table entries, and the next access reads the same
            // bytes from the file again (only private, written mappings lose data).
            // Another thread reading the mapping meanwhile just maps its page again.
            let _ = unsafe { p.data.unchecked_advise(memmap2::UncheckedAdvice::DontNeed) };
        }
    }

    fn find(&self, id: &[u8], hint: usize) -> Option<(usize, usize)> {
        if let Some(at) = self.packs.get(hint).and_then(|p| p.find(id)) {
            return Some((hint, at));
        }
        self.packs
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != hint)
            .find_map(|(i, p)| p.find(id).map(|at| (i, at)))
    }
}

/// One thread's reader of [`Packs`]: its inflater and buffers.
pub(super) struct Reader<'p> {
    packs: &'p Packs,
    z: Decompressor,
    out: Vec<u8>,
    delta: Vec<u8>,
    /// The delta entries met on the way to a whole object: pack, entry offset, data
    /// start, size.
    chain: Vec<(usize, usize, usize, usize)>,
    /// Objects that were, or were made from, delta bases, by pack and entry offset: the
    /// trees of neighbouring commits are deltas of each other down chains of up to 50,
    /// which would otherwise be inflated again for every tree read. At most
    /// [`BASES_BYTES`] are kept (then the cache starts again).
    bases: std::collections::HashMap<(usize, usize), (Kind, Vec<u8>)>,
    bases_bytes: usize,
    /// The pack the last object was found in (looked in first).
    last: usize,
    /// How many deltas the last object read was made of.
    depth: usize,
    /// Objects read since the last [`Packs::release`].
    reads: usize,
}

impl<'p> Reader<'p> {
    pub(super) fn new(packs: &'p Packs) -> Self {
        Reader {
            packs,
            z: Decompressor::new(),
            out: Vec::new(),
            delta: Vec::new(),
            chain: Vec::new(),
            bases: std::collections::HashMap::new(),
            bases_bytes: 0,
            last: 0,
            depth: 0,
            reads: 0,
        }
    }

    /// Keeps `self.out`, the object of kind `kind` at `key`, as a delta base.
    fn remember(&mut self, key: (usize, usize), kind: Kind) {
        if self.out.len() > BASES_BYTES / 16 || self.bases.contains_key(&key) {
            return;
        }
        if self.bases_bytes + self.out.len() > BASES_BYTES {
            self.bases.clear();
            self.bases_bytes = 0;
        }
        self.bases_bytes += self.out.len();
        self.bases.insert(key, (kind, self.out.clone()));
    }

    /// The object `oid`, if a pack holds it and it can be read here: its kind and its
    /// bytes. `None` leaves the object to libgit2.
    pub(super) fn read(&mut self, oid: Oid) -> Option<(Kind, &[u8])> {
        if self.packs.is_empty() || oid.as_bytes().len() != ID {
            return None;
        }
        let (mut pack, mut at) = self.packs.find(oid.as_bytes(), self.last)?;
        self.last = pack;
        self.reads += 1;
        if self.reads == RELEASE_EVERY {
            self.reads = 0;
            self.packs.release();
        }
        self.chain.clear();
        // Follow the delta chain down to a whole object, or to a base read before.
        let mut cached = None;
        let (code, size, start) = loop {
            if !self.chain.is_empty()
                && let Some((kind, bytes)) = self.bases.get(&(pack, at))
            {
                self.out.clear();
                self.out.extend_from_slice(bytes);
                cached = Some(*kind);
                break (0, 0, 0);
            }
            let e = self.packs.packs[pack].entry(at)?;
            let (here, here_at) = (pack, at);
            match e.base {
                Base::None => break (e.code, e.size, e.data),
                Base::At(base) => at = base,
                Base::Id(id) => (pack, at) = self.packs.find(id.as_bytes(), pack)?,
            }
            self.chain.push((here, here_at, e.data, e.size));
            if self.chain.len() > MAX_CHAIN {
                return None;
            }
        };
        self.depth = self.chain.len();
        let kind = match cached {
            Some(kind) => kind,
            None => {
                let kind = Kind::of(code)?;
                let input = self.packs.packs[pack].compressed(start);
                inflate(&mut self.z, input, size, &mut self.out)?;
                if !self.chain.is_empty() {
                    self.remember((pack, at), kind);
                }
                kind
            }
        };
        while let Some((p, p_at, start, size)) = self.chain.pop() {
            let input = self.packs.packs[p].compressed(start);
            inflate(&mut self.z, input, size, &mut self.delta)?;
            let base = std::mem::take(&mut self.out);
            let applied = apply(&base, &self.delta, &mut self.out);
            self.delta = base;
            applied?;
            self.remember((p, p_at), kind);
        }
        Some((kind, &self.out))
    }
}

/// Inflates the zlib stream at the start of `input` (followed by the rest of the
/// pack), which holds an object of `size` bytes, into `out`. `None` when the stream is
/// damaged (its checksum included) or does not hold `size` bytes.
fn inflate(z: &mut Decompressor, input: &[u8], size: usize, out: &mut Vec<u8>) -> Option<()> {
    if size > MAX_OBJECT {
        return None;
    }
    out.clear();
    out.resize(size, 0);
    let n = z.zlib_decompress(input, out).ok()?;
    (n == size).then_some(())
}

/// A size of git's delta format: 7 bits per byte, least significant first.
fn varint(b: &[u8], i: &mut usize) -> Option<usize> {
    let mut v = 0usize;
    let mut shift = 0u32;
    loop {
        let c = *b.get(*i)?;
        *i += 1;
        if shift > 56 {
            return None;
        }
        v |= usize::from(c & 0x7f) << shift;
        shift += 7;
        if c & 0x80 == 0 {
            return Some(v);
        }
    }
}

/// Applies the git delta `delta` to `base` into `out`.
fn apply(base: &[u8], delta: &[u8], out: &mut Vec<u8>) -> Option<()> {
    let mut i = 0;
    if varint(delta, &mut i)? != base.len() {
        return None;
    }
    let size = varint(delta, &mut i)?;
    if size > MAX_OBJECT {
        return None;
    }
    out.clear();
    out.reserve(size);
    while i < delta.len() {
        let op = delta[i];
        i += 1;
        if op & 0x80 != 0 {
            let (mut off, mut len) = (0usize, 0usize);
            for b in 0..4 {
                if op & (1 << b) != 0 {
                    off |= usize::from(*delta.get(i)?) << (8 * b);
                    i += 1;
                }
            }
            for b in 0..3 {
                if op & (0x10 << b) != 0 {
                    len |= usize::from(*delta.get(i)?) << (8 * b);
                    i += 1;
                }
            }
            if len == 0 {
                len = 0x10000;
            }
            out.extend_from_slice(base.get(off..off.checked_add(len)?)?);
        } else if op != 0 {
            let n = usize::from(op);
            out.extend_from_slice(delta.get(i..i.checked_add(n)?)?);
            i += n;
        } else {
            return None;
        }
        if out.len() > size {
            return None;
        }
    }
    (out.len() == size).then_some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use git2::{ObjectType, Repository};
    use std::process::Command;

    /// A repository whose commits and trees are alike enough for git to store most of
    /// them as deltas, with commit messages of every shape the subject rule knows.
    fn repository() -> (tempfile::TempDir, Repository) {
        crate::collect::git::prepare_libgit2();
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        let odb = repo.odb().unwrap();
        let long_body: String = (0..60)
            .map(|i| format!("Body line {i} of a message long enough to be worth a delta.\n"))
            .collect();
        let messages = [
            format!("fix: a subject\n\n{long_body}"),
            format!("\n\n  \nfeat: after blank lines\nand a second line\n   \n{long_body}"),
            format!("crlf subject\r\n\r\n{long_body}"),
            "no blank line at all\nsecond\nthird".to_string(),
            "only a subject".to_string(),
            String::new(),
            format!("a subject of {} bytes\n\nbody", "x".repeat(3000)),
        ];
        let mut parent: Option<Oid> = None;
        let mut tree_entries: Vec<(String, Oid)> = Vec::new();
        for round in 0..12 {
            for (m, message) in messages.iter().enumerate() {
                let blob = odb
                    .write(ObjectType::Blob, format!("{round} {m}\n").as_bytes())
                    .unwrap();
                tree_entries.push((format!("file-{round:02}-{m}"), blob));
                let mut tree = repo.treebuilder(None).unwrap();
                for (name, oid) in &tree_entries {
                    tree.insert(name, *oid, 0o100644).unwrap();
                }
                let tree = tree.write().unwrap();
                let mut raw = format!("tree {tree}\n");
                if let Some(p) = parent {
                    raw.push_str(&format!("parent {p}\n"));
                }
                let t = 1_700_000_000 + round * 100 + m as i64;
                raw.push_str(&format!("author A <a@example.com> {t} +0000\n"));
                raw.push_str(&format!("committer C <c@example.com> {} +0100\n", t + 5));
                if m == 3 {
                    let sig: String = (0..30)
                        .map(|i| format!(" line {i} of a signature\n"))
                        .collect();
                    raw.push_str(&format!(
                        "gpgsig -----BEGIN PGP SIGNATURE-----\n{sig} -----END\n"
                    ));
                }
                raw.push('\n');
                raw.push_str(message);
                parent = Some(odb.write(ObjectType::Commit, raw.as_bytes()).unwrap());
            }
        }
        repo.reference("refs/heads/main", parent.unwrap(), true, "test")
            .unwrap();
        drop(odb);
        (dir, repo)
    }

    fn repack(dir: &Path, offsets: bool) {
        let status = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["-c", &format!("repack.useDeltaBaseOffset={offsets}")])
            .args([
                "repack",
                "-a",
                "-d",
                "-f",
                "-q",
                "--window=50",
                "--depth=20",
            ])
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn all_ids(repo: &Repository) -> Vec<Oid> {
        let mut ids = Vec::new();
        repo.odb()
            .unwrap()
            .foreach(|id| {
                ids.push(*id);
                true
            })
            .unwrap();
        // Loose and packed copies of one object are listed twice.
        ids.sort();
        ids.dedup();
        ids
    }

    /// Every object read from the pack is the object libgit2 reads, and deltas (by
    /// offset and by id) were really followed.
    #[test]
    fn every_object_reads_as_libgit2_reads_it() {
        let (dir, repo) = repository();
        for offsets in [true, false] {
            repack(dir.path(), offsets);
            let packs = Packs::open(repo.path());
            assert_eq!(packs.packs.len(), 1);
            let mut reader = Reader::new(&packs);
            let odb = repo.odb().unwrap();
            let ids = all_ids(&repo);
            // 84 commits, 84 trees, 84 blobs.
            assert_eq!(ids.len(), 3 * 84);
            let (mut deltas, mut commits) = (0, 0);
            for id in ids {
                let want = odb.read(id).unwrap();
                let (kind, got) = reader.read(id).expect("in the pack");
                assert_eq!(kind.object_type(), want.kind(), "{id}");
                assert_eq!(got, want.data(), "{id}");
                if reader.depth > 0 {
                    deltas += 1;
                }
                if kind == Kind::Commit {
                    commits += 1;
                }
            }
            assert_eq!(commits, 84);
            // Ids no pack holds: below, between and above the listed ones.
            for hex in ["00".repeat(20), "7f".repeat(20), "ff".repeat(20)] {
                assert!(reader.read(Oid::from_str(&hex).unwrap()).is_none());
            }
            assert!(deltas > 84, "only {deltas} objects were deltas");
        }
    }

    /// Damage anywhere in a pack never panics: a read answers the bytes libgit2 would,
    /// or leaves the object to libgit2.
    #[test]
    fn a_damaged_pack_is_left_to_libgit2() {
        let (dir, repo) = repository();
        repack(dir.path(), true);
        let ids = all_ids(&repo);
        let want: Vec<(ObjectType, Vec<u8>)> = {
            let odb = repo.odb().unwrap();
            ids.iter()
                .map(|id| {
                    let o = odb.read(*id).unwrap();
                    (o.kind(), o.data().to_vec())
                })
                .collect()
        };
        let pack_dir = repo.path().join("objects/pack");
        let pack = std::fs::read_dir(&pack_dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "pack"))
            .unwrap();
        let pristine = std::fs::read(&pack).unwrap();
        let mut perms = std::fs::metadata(&pack).unwrap().permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        perms.set_readonly(false);
        std::fs::set_permissions(&pack, perms).unwrap();
        let (mut same, mut left) = (0, 0);
        for step in 0..64 {
            let mut bytes = pristine.clone();
            let at = 12 + (bytes.len() - 32) * step / 64;
            bytes[at] ^= 0x5a;
            bytes[at + 1] = 0xff;
            std::fs::write(&pack, &bytes).unwrap();
            let packs = Packs::open(repo.path());
            let mut reader = Reader::new(&packs);
            for (id, (kind, data)) in ids.iter().zip(&want) {
                match reader.read(*id) {
                    Some((k, got)) if k.object_type() == *kind && got == data.as_slice() => {
                        same += 1
                    }
                    Some(_) => {} // the damaged object itself, read as what it now holds
                    None => left += 1,
                }
            }
        }
        assert!(same > 0 && left > 0, "{same} read, {left} left to libgit2");
        // A truncated pack is not read at all.
        std::fs::write(&pack, &pristine[..pristine.len() / 2]).unwrap();
        let packs = Packs::open(repo.path());
        assert!(packs.is_empty());
    }

    #[test]
    fn deltas_copy_and_insert() {
        let base = b"0123456789abcdef";
        // Source size 16, result size 9: copy 4 bytes at offset 2, insert "xyz", copy
        // 2 bytes at offset 14.
        let delta = [16, 9, 0x91, 2, 4, 3, b'x', b'y', b'z', 0x91, 14, 2];
        let mut out = Vec::new();
        assert_eq!(apply(base, &delta, &mut out), Some(()));
        assert_eq!(out, b"2345xyzef");
        // A wrong source size, a copy past the base, a zero opcode: refused.
        assert_eq!(apply(base, &[15, 1, 1, b'a'], &mut out), None);
        assert_eq!(apply(base, &[16, 4, 0x91, 14, 4], &mut out), None);
        assert_eq!(apply(base, &[16, 1, 0], &mut out), None);
        assert_eq!(apply(base, &[16, 2, 1, b'a'], &mut out), None);
    }
}
