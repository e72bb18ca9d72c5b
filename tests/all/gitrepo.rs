//! A builder for temporary git repositories with fixed signatures and times, for tests.
//!
//! Commits are written straight into the object database (no work-tree files, every
//! commit has the empty tree), so tests are fast and their history exact:
//!
//! ```ignore
//! let r = TestRepo::new();
//! let c1 = r.commit("feat: a", T0, T0 + 10); // author time, committer time
//! r.tag_lightweight("v1.0.0", c1); // release time T0 + 10 (committer time)
//! let c2 = r.commit_at("fix: b", T0 + 100); // author = committer time
//! r.tag_annotated("v1.1.0", c2, T0 + 500); // release time T0 + 500 (tagger time)
//! ```
//!
//! Every signature is [`NAME`] <[`EMAIL`]> in UTC. Methods panic on failure: they are
//! test set-up, not code under test.
#![allow(dead_code)] // not every test module uses every helper

use git2::{ObjectType, Oid, Repository, Signature, Time};
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// A fixed, round start time for tests: 2023-11-14 22:13:20 UTC.
pub const T0: i64 = 1_700_000_000;
/// Seconds in an hour and in a day, for readable offsets from [`T0`].
pub const HOUR: i64 = 3_600;
pub const DAY: i64 = 86_400;

/// Name and e-mail of every author, committer and tagger.
pub const NAME: &str = "Ada Lovelace";
pub const EMAIL: &str = "ada@example.com";

/// The default release tag pattern (`releases.tag_pattern`).
pub const DEFAULT_TAG_PATTERN: &str = r"^v?(?P<version>\d+\.\d+\.\d+)$";

/// A signature at `secs` (UTC).
pub fn sig(secs: i64) -> Signature<'static> {
    Signature::new(NAME, EMAIL, &Time::new(secs, 0)).expect("valid signature")
}

/// A temporary repository, deleted when dropped. HEAD starts unborn on `main`.
pub struct TestRepo {
    // Field order: the repository closes before its folder is removed.
    repo: Repository,
    bare: bool,
    _dir: TempDir,
}

impl TestRepo {
    /// An empty, non-bare repository in a new temporary folder (HEAD → `main`, unborn).
    pub fn new() -> Self {
        slipgate::collect::git::prepare_libgit2();
        let dir = tempfile::tempdir().expect("temp dir");
        let mut opts = git2::RepositoryInitOptions::new();
        opts.initial_head("main");
        let repo = Repository::init_opts(dir.path(), &opts).expect("git init");
        TestRepo {
            repo,
            bare: false,
            _dir: dir,
        }
    }

    /// The folder to hand to the engine: the work tree, or the git directory when bare.
    pub fn path(&self) -> &Path {
        self.repo.workdir().unwrap_or(self.repo.path())
    }

    /// The git directory (`.git` of a work tree, the repository itself when bare).
    pub fn git_dir(&self) -> &Path {
        self.repo.path()
    }

    /// The underlying git2 repository, for anything this builder lacks.
    pub fn repo(&self) -> &Repository {
        &self.repo
    }

    pub fn is_bare(&self) -> bool {
        self.bare
    }

    /// The commit HEAD points to, if HEAD is born.
    pub fn head(&self) -> Option<Oid> {
        self.repo.head().ok().and_then(|h| h.target())
    }

    /// A commit on HEAD's branch (parent: HEAD's commit, if any) with the given author
    /// and committer times. Returns its id.
    pub fn commit(&self, message: &str, author_time: i64, committer_time: i64) -> Oid {
        let parents: Vec<Oid> = self.head().into_iter().collect();
        self.commit_with_parents(Some("HEAD"), message, &parents, author_time, committer_time)
    }

    /// [`commit`](Self::commit) with author time = committer time = `time`.
    pub fn commit_at(&self, message: &str, time: i64) -> Oid {
        self.commit(message, time, time)
    }

    /// A commit on the tip of branch `branch` (which must exist, see
    /// [`branch`](Self::branch)), moving the branch; HEAD is left alone.
    pub fn commit_on(&self, branch: &str, message: &str, time: i64) -> Oid {
        let refname = format!("refs/heads/{branch}");
        let tip = self
            .repo
            .refname_to_id(&refname)
            .unwrap_or_else(|e| panic!("branch {branch} does not exist: {e}"));
        self.commit_with_parents(Some(&refname), message, &[tip], time, time)
    }

    /// A merge commit on HEAD: parents HEAD's commit and `other`, at `time`.
    pub fn merge(&self, other: Oid, message: &str, time: i64) -> Oid {
        let head = self.head().expect("merge needs a born HEAD");
        self.commit_with_parents(Some("HEAD"), message, &[head, other], time, time)
    }

    /// The general form: a commit with these parents (the first must be the current
    /// tip of `update_ref`, if given), the empty tree, and the given times.
    pub fn commit_with_parents(
        &self,
        update_ref: Option<&str>,
        message: &str,
        parents: &[Oid],
        author_time: i64,
        committer_time: i64,
    ) -> Oid {
        let tree = self.empty_tree();
        let tree = self.repo.find_tree(tree).expect("empty tree");
        let parents: Vec<git2::Commit<'_>> = parents
            .iter()
            .map(|p| self.repo.find_commit(*p).expect("parent commit"))
            .collect();
        let parent_refs: Vec<&git2::Commit<'_>> = parents.iter().collect();
        self.repo
            .commit(
                update_ref,
                &sig(author_time),
                &sig(committer_time),
                message,
                &tree,
                &parent_refs,
            )
            .expect("commit")
    }

    /// The tree of commit `base` (the empty tree for `None`) with `files` applied: a
    /// path with `Some(content)` is written (folders made as needed), with `None`
    /// removed.
    pub fn tree_with(&self, base: Option<Oid>, files: &[(&str, Option<&str>)]) -> Oid {
        let base_tree = match base {
            Some(c) => self
                .repo
                .find_commit(c)
                .expect("commit")
                .tree()
                .expect("tree"),
            None => self.repo.find_tree(self.empty_tree()).expect("empty tree"),
        };
        // Removals first, so a file can become a folder of the same name.
        let mut remove = git2::build::TreeUpdateBuilder::new();
        for (path, _) in files.iter().filter(|(_, c)| c.is_none()) {
            remove.remove(*path);
        }
        let removed = remove
            .create_updated(&self.repo, &base_tree)
            .expect("updated tree");
        let removed = self.repo.find_tree(removed).expect("tree");
        let mut update = git2::build::TreeUpdateBuilder::new();
        for (path, content) in files {
            if let Some(text) = content {
                let blob = self.blob(text.as_bytes());
                update.upsert(*path, blob, git2::FileMode::Blob);
            }
        }
        update
            .create_updated(&self.repo, &removed)
            .expect("updated tree")
    }

    /// A commit with these parents and `tree` at `time`, moving `update_ref` if given.
    pub fn commit_tree(
        &self,
        update_ref: Option<&str>,
        message: &str,
        parents: &[Oid],
        tree: Oid,
        time: i64,
    ) -> Oid {
        let tree = self.repo.find_tree(tree).expect("tree");
        let parents: Vec<git2::Commit<'_>> = parents
            .iter()
            .map(|p| self.repo.find_commit(*p).expect("parent commit"))
            .collect();
        let parent_refs: Vec<&git2::Commit<'_>> = parents.iter().collect();
        self.repo
            .commit(
                update_ref,
                &sig(time),
                &sig(time),
                message,
                &tree,
                &parent_refs,
            )
            .expect("commit")
    }

    /// A commit on HEAD changing `files` (see [`tree_with`](Self::tree_with)) at `time`.
    pub fn commit_files(&self, message: &str, time: i64, files: &[(&str, Option<&str>)]) -> Oid {
        let head = self.head();
        let tree = self.tree_with(head, files);
        let parents: Vec<Oid> = head.into_iter().collect();
        self.commit_tree(Some("HEAD"), message, &parents, tree, time)
    }

    /// A commit on HEAD that only makes the file `path` executable (same content).
    pub fn commit_executable(&self, message: &str, time: i64, path: &str) -> Oid {
        let head = self.head().expect("a born HEAD");
        let base = self
            .repo
            .find_commit(head)
            .expect("commit")
            .tree()
            .expect("tree");
        let blob = base
            .get_path(Path::new(path))
            .expect("the file exists")
            .id();
        let mut update = git2::build::TreeUpdateBuilder::new();
        update.upsert(path, blob, git2::FileMode::BlobExecutable);
        let tree = update.create_updated(&self.repo, &base).expect("tree");
        self.commit_tree(Some("HEAD"), message, &[head], tree, time)
    }

    /// A commit on branch `branch` changing `files` at `time`; HEAD is left alone.
    pub fn commit_files_on(
        &self,
        branch: &str,
        message: &str,
        time: i64,
        files: &[(&str, Option<&str>)],
    ) -> Oid {
        let refname = format!("refs/heads/{branch}");
        let tip = self.repo.refname_to_id(&refname).expect("branch exists");
        let tree = self.tree_with(Some(tip), files);
        self.commit_tree(Some(&refname), message, &[tip], tree, time)
    }

    /// A merge on HEAD of `other` whose tree is HEAD's with `files` applied (the caller
    /// says what the merge result holds).
    pub fn merge_files(
        &self,
        other: Oid,
        message: &str,
        time: i64,
        files: &[(&str, Option<&str>)],
    ) -> Oid {
        let head = self.head().expect("merge needs a born HEAD");
        let tree = self.tree_with(Some(head), files);
        self.commit_tree(Some("HEAD"), message, &[head, other], tree, time)
    }

    /// Runs the `git` command line in the repository and returns its trimmed output.
    pub fn git(&self, args: &[&str]) -> String {
        let out = std::process::Command::new("git")
            .arg("-C")
            .arg(self.git_dir())
            .args(args)
            .output()
            .expect("run git");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// A commit whose message is raw bytes (e.g. not UTF-8), on HEAD.
    pub fn commit_raw_message(&self, message: &[u8], time: i64) -> Oid {
        let mut raw = format!("tree {}\n", self.empty_tree());
        if let Some(head) = self.head() {
            raw.push_str(&format!("parent {head}\n"));
        }
        raw.push_str(&format!("author {NAME} <{EMAIL}> {time} +0000\n"));
        raw.push_str(&format!("committer {NAME} <{EMAIL}> {time} +0000\n\n"));
        let mut bytes = raw.into_bytes();
        bytes.extend_from_slice(message);
        let oid = self
            .repo
            .odb()
            .expect("odb")
            .write(ObjectType::Commit, &bytes)
            .expect("write commit");
        self.move_head(oid);
        oid
    }

    /// Moves HEAD's branch (or a detached HEAD) to `oid`.
    fn move_head(&self, oid: Oid) {
        let head = self.repo.find_reference("HEAD").expect("HEAD");
        match head.symbolic_target().expect("HEAD target is UTF-8") {
            Some(branch) => {
                self.repo
                    .reference(branch, oid, true, "move")
                    .expect("move branch");
            }
            None => self.repo.set_head_detached(oid).expect("move HEAD"),
        }
    }

    /// Creates (or moves) branch `name` to `at`.
    pub fn branch(&self, name: &str, at: Oid) {
        self.repo
            .reference(&format!("refs/heads/{name}"), at, true, "branch")
            .expect("branch");
    }

    /// Points HEAD at branch `name` (no work-tree checkout: there are no files).
    pub fn checkout(&self, name: &str) {
        self.repo
            .set_head(&format!("refs/heads/{name}"))
            .expect("set HEAD");
    }

    /// Points HEAD at a new, unborn branch `name`: the next [`commit`](Self::commit) is
    /// a root commit (an orphan branch, like `git checkout --orphan`).
    pub fn orphan(&self, name: &str) {
        self.repo
            .reference_symbolic("HEAD", &format!("refs/heads/{name}"), true, "orphan")
            .expect("orphan HEAD");
    }

    /// Detaches HEAD at `at`.
    pub fn detach(&self, at: Oid) {
        self.repo.set_head_detached(at).expect("detach HEAD");
    }

    /// A lightweight tag `name` on any object (commit, tree or blob).
    pub fn tag_lightweight(&self, name: &str, target: Oid) {
        self.repo
            .reference(&format!("refs/tags/{name}"), target, true, "tag")
            .expect("lightweight tag");
    }

    /// An annotated tag `name` on any object, tagged at `tagger_time`. Returns the tag
    /// object's id.
    pub fn tag_annotated(&self, name: &str, target: Oid, tagger_time: i64) -> Oid {
        let object = self.repo.find_object(target, None).expect("tag target");
        self.repo
            .tag(
                name,
                &object,
                &sig(tagger_time),
                &format!("Release {name}\n"),
                true,
            )
            .expect("annotated tag")
    }

    /// An annotated tag object with no `tagger` line (as very old git wrote them) on the
    /// commit `target`. Returns the tag object's id.
    pub fn tag_annotated_without_tagger(&self, name: &str, target: Oid) -> Oid {
        let raw = format!("object {target}\ntype commit\ntag {name}\n\nRelease {name}\n");
        let oid = self
            .repo
            .odb()
            .expect("odb")
            .write(ObjectType::Tag, raw.as_bytes())
            .expect("write tag");
        self.tag_lightweight(name, oid);
        oid
    }

    /// The id of the empty tree (written if needed).
    pub fn empty_tree(&self) -> Oid {
        self.repo
            .treebuilder(None)
            .and_then(|b| b.write())
            .expect("empty tree")
    }

    /// A blob with `content`.
    pub fn blob(&self, content: &[u8]) -> Oid {
        self.repo.blob(content).expect("blob")
    }

    /// Sets the `origin` remote's URL.
    pub fn set_origin(&self, url: &str) {
        if self.repo.find_remote("origin").is_ok() {
            self.repo.remote_set_url("origin", url).expect("set origin");
        } else {
            self.repo.remote("origin", url).expect("add origin");
        }
    }

    /// A folder `rel` inside the work tree (created), for discovery tests.
    pub fn subdir(&self, rel: &str) -> PathBuf {
        let dir = self.path().join(rel);
        std::fs::create_dir_all(&dir).expect("create subdir");
        dir
    }

    /// A bare copy of this repository (every ref and object, `core.bare = true`), like
    /// `git clone --mirror` without the network.
    pub fn bare_copy(&self) -> TestRepo {
        let dir = tempfile::tempdir().expect("temp dir");
        let dest = dir.path().join("copy.git");
        copy_dir(self.git_dir(), &dest);
        let repo = Repository::open(&dest).expect("open copy");
        repo.config()
            .and_then(|mut c| c.set_bool("core.bare", true))
            .expect("core.bare");
        let repo = Repository::open_bare(&dest).expect("open bare copy");
        assert!(repo.is_bare());
        TestRepo {
            repo,
            bare: true,
            _dir: dir,
        }
    }

    /// Makes the repository shallow, as `git clone --depth` leaves it: the file
    /// `shallow` in the git directory lists `boundary` (whose parents are missing).
    pub fn make_shallow(&self, boundary: Oid) {
        std::fs::write(self.git_dir().join("shallow"), format!("{boundary}\n")).expect("shallow");
    }

    /// Marks the repository as a partial clone (`git clone --filter=blob:none` sets
    /// `core.repositoryformatversion = 1` and `extensions.partialclone = origin`).
    pub fn mark_partial_clone(&self) {
        let mut config = self.repo.config().expect("config");
        config
            .set_i32("core.repositoryformatversion", 1)
            .expect("format version");
        config
            .set_str("extensions.partialclone", "origin")
            .expect("partialclone");
    }

    /// Deletes the loose object `oid` from the object database (every object this
    /// builder writes is loose), as a partial or damaged clone would lack it.
    pub fn remove_object(&self, oid: Oid) {
        let hex = oid.to_string();
        let path = self
            .git_dir()
            .join("objects")
            .join(&hex[..2])
            .join(&hex[2..]);
        std::fs::remove_file(&path).unwrap_or_else(|e| panic!("remove {}: {e}", path.display()));
    }
}

impl Default for TestRepo {
    fn default() -> Self {
        Self::new()
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}
