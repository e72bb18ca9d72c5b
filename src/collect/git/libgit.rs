//! The libgit2 engine behind [`History`].

use super::graph::{Graph, ParsedCommit, parse_commit};
use super::pack::{Kind, Packs, Reader};
use super::pathspec::TreeDiff;
use super::{GitError, GitOptions, History};
use crate::model::{Candidate, Commit, GitHistory, Release, Timestamp};
use crate::policy::Pathspec;
use git2::{ErrorClass, ErrorCode, ObjectType, Oid, Repository};
use std::cmp::Ordering;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Once;

/// How many tag names [`GitHistory::unmatched_tags`] lists at most.
const UNMATCHED_TAGS_SHOWN: usize = 10;

/// How many tag names a warning lists at most.
const TAGS_LISTED: usize = 5;

/// Which commits of a range count as changes: those touching `releases.paths` (when
/// set) and authored no later than the evaluation time (when it rewinds history).
struct Filter<'a> {
    paths: &'a Pathspec,
    until: Option<Timestamp>,
    /// Whether a commit touches the paths, for commits already compared.
    touches: HashMap<Oid, bool>,
    /// The trees read by the last comparison and the one before: a walk compares a
    /// commit with its parent, then (most often) that parent with its own, so each tree
    /// would otherwise be read twice.
    trees: HashMap<Oid, Vec<u8>>,
    trees_before: HashMap<Oid, Vec<u8>>,
    /// Commits left out because they were authored after `until`.
    later: usize,
}

/// Sets libgit2's process-wide options once, before any repository is opened:
/// - partial clones (`extensions.partialclone`, made by `git clone --filter` or
///   actions/checkout's `filter`) can be opened; libgit2 refuses them by default, but
///   only commits and tags are read, and a blobless or treeless clone has all of them;
/// - objects are not re-hashed when read (git does not either);
/// - libgit2's object cache is off (the walk keeps what it needs of each commit).
///
/// [`open`](super::open) calls it; code that uses `git2` on other threads at the same
/// time (tests building repositories) should call it first, since libgit2's global
/// options are not synchronised.
pub fn prepare_libgit2() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: `Once` runs this exactly once, and every opener in this crate goes
        // through here first, so no libgit2 call of ours reads the extension list
        // while it is written.
        // If it fails, partial clones are refused with libgit2's own message (mapped
        // to `GitError::Git`), which is the behaviour without this call.
        let _ = unsafe { git2::opts::set_extensions(&["partialclone"]) };
        // Like `git log`, do not re-hash every object read to check it (about a tenth
        // of the time of a full walk).
        git2::opts::strict_hash_verification(false);
        // The walk keeps what it needs of each commit, once; libgit2's object cache
        // would hold every raw commit a second time.
        git2::opts::enable_caching(false);
    });
}

/// A repository read through libgit2.
pub struct Git2History {
    repo: Repository,
    /// The work tree, or the git directory of a bare repository (for messages).
    path: PathBuf,
    /// Problems met while opening (a user-level git configuration that was skipped).
    open_warnings: Vec<String>,
}

/// The configuration levels outside the repository, which a user or machine sets up
/// (`~/.gitconfig`, `$XDG_CONFIG_HOME/git/config`, `/etc/gitconfig`).
const OUTSIDE_LEVELS: [(git2::ConfigLevel, &str); 4] = [
    (git2::ConfigLevel::Global, "global"),
    (git2::ConfigLevel::XDG, "XDG"),
    (git2::ConfigLevel::System, "system"),
    (git2::ConfigLevel::ProgramData, "program-data"),
];

/// Stops libgit2 from reading the configuration files of `level`.
fn skip_config_level(level: git2::ConfigLevel) {
    // SAFETY: libgit2's search paths are process-wide and unsynchronised. This runs
    // only while opening a repository whose outside configuration cannot be read,
    // before any other libgit2 work of this process that reads configuration; the
    // command line reads git on one thread. An empty list searches no folder.
    let _ = unsafe { git2::opts::set_search_path(level, "") };
}

/// Discovers the repository at or above `path`.
fn discover(path: &Path) -> Result<Repository, git2::Error> {
    Repository::discover(path)
}

/// A release tag before its changes are walked.
struct Found {
    tag: String,
    version: semver::Version,
    time: Timestamp,
    commit: Oid,
    annotated: bool,
}

/// What a tag name's target peels to.
enum Peeled {
    Commit {
        commit: Oid,
        time: Timestamp,
        annotated: bool,
        /// An annotated tag without a tagger (its time is the commit's).
        no_tagger: bool,
    },
    /// A tree or a blob (the kind's name).
    NotACommit(&'static str),
}

impl Git2History {
    /// The libgit2 repository (for `slipgate init`'s reads, [`super::facts`]).
    pub(super) fn repository(&self) -> &Repository {
        &self.repo
    }

    /// Opens the repository at or above `path` (see [`super::open`]).
    pub fn open(path: &Path) -> Result<Self, GitError> {
        prepare_libgit2();
        let mut open_warnings = Vec::new();
        let repo = match discover(path) {
            Err(e) if e.class() == ErrorClass::Config => {
                Self::without_broken_config(path, e, &mut open_warnings)
            }
            other => other,
        };
        let repo = repo.map_err(|source| {
            if source.code() == ErrorCode::NotFound {
                GitError::NotARepo {
                    path: path.to_path_buf(),
                    source,
                }
            } else if source.code() == ErrorCode::Owner {
                GitError::NotOwned {
                    path: path.to_path_buf(),
                    source,
                }
            } else {
                GitError::Git {
                    path: path.to_path_buf(),
                    action: "opening it".into(),
                    source,
                }
            }
        })?;
        // Components drop libgit2's trailing slash.
        let path: PathBuf = repo.workdir().unwrap_or(repo.path()).components().collect();
        if repo.is_shallow() {
            return Err(GitError::Shallow { path });
        }
        Ok(Git2History {
            repo,
            path,
            open_warnings,
        })
    }

    /// Opens the repository again without the outside configuration that made opening
    /// fail with `first` (a malformed `~/.gitconfig`, one that cannot be read): git
    /// configuration outside the repository is the user's or the machine's, not the
    /// repository's, and slipgate only reads commits and tags. Tries each level alone,
    /// then all of them; the repository's own configuration is always read, and its
    /// errors stay errors.
    fn without_broken_config(
        path: &Path,
        first: git2::Error,
        warnings: &mut Vec<String>,
    ) -> Result<Repository, git2::Error> {
        let why = crate::escape::line(first.message());
        for (level, name) in OUTSIDE_LEVELS {
            skip_config_level(level);
            if let Ok(repo) = discover(path) {
                warnings.push(format!(
                    "the {name} git configuration was ignored because it cannot be read \
                     ({why}); slipgate read the repository without it (fix or remove that \
                     file; git reports it too)"
                ));
                return Ok(repo);
            }
            // SAFETY: as in `skip_config_level`.
            let _ = unsafe { git2::opts::reset_search_path(level) };
        }
        for (level, _) in OUTSIDE_LEVELS {
            skip_config_level(level);
        }
        match discover(path) {
            Ok(repo) => {
                warnings.push(format!(
                    "the git configuration outside the repository was ignored because it \
                     cannot be read ({why}); slipgate read the repository without it (fix \
                     or remove that file; git reports it too)"
                ));
                Ok(repo)
            }
            // The repository's own configuration is broken: report the first error.
            Err(_) => Err(first),
        }
    }

    /// Maps a libgit2 error met while doing `action`.
    fn error(&self, action: impl Into<String>, source: git2::Error) -> GitError {
        git_error(&self.path, action.into(), source)
    }

    /// Every tag as (short name, target id), sorted by name.
    fn tags(&self) -> Result<Vec<(String, Oid)>, GitError> {
        let mut tags = Vec::new();
        self.repo
            .tag_foreach(|oid, name| {
                let name = name.strip_prefix(b"refs/tags/").unwrap_or(name);
                tags.push((String::from_utf8_lossy(name).into_owned(), oid));
                true
            })
            .map_err(|e| self.error("listing tags", e))?;
        tags.sort_unstable();
        Ok(tags)
    }

    /// Peels a tag's target to its commit and release time: straight from the packs
    /// when every object on the way is there and well-formed, else through libgit2.
    fn peel(&self, name: &str, target: Oid, packs: &mut Reader<'_>) -> Result<Peeled, GitError> {
        if let Some(peeled) = peel_packed(packs, target) {
            return Ok(peeled);
        }
        self.peel_libgit2(name, target)
    }

    /// [`Self::peel`] through libgit2 (and its errors).
    fn peel_libgit2(&self, name: &str, target: Oid) -> Result<Peeled, GitError> {
        let reading = || format!("reading tag `{name}`");
        let mut object = self
            .repo
            .find_object(target, None)
            .map_err(|e| self.error(reading(), e))?;
        // The outermost tag object gives the release time.
        let mut tagger: Option<Option<Timestamp>> = None;
        loop {
            match object.kind() {
                Some(ObjectType::Tag) => {
                    let Some(tag) = object.as_tag() else {
                        return Ok(Peeled::NotACommit("unknown object"));
                    };
                    if tagger.is_none() {
                        tagger = Some(tag.tagger().map(|s| s.when().seconds()));
                    }
                    let next = tag.target().map_err(|e| self.error(reading(), e))?;
                    object = next;
                }
                Some(ObjectType::Commit) => {
                    let Some(commit) = object.as_commit() else {
                        return Ok(Peeled::NotACommit("unknown object"));
                    };
                    let committer_time = commit.time().seconds();
                    return Ok(Peeled::Commit {
                        commit: commit.id(),
                        time: tagger.flatten().unwrap_or(committer_time),
                        annotated: tagger.is_some(),
                        no_tagger: matches!(tagger, Some(None)),
                    });
                }
                Some(ObjectType::Tree) => return Ok(Peeled::NotACommit("tree")),
                Some(ObjectType::Blob) => return Ok(Peeled::NotACommit("blob")),
                _ => return Ok(Peeled::NotACommit("unknown object")),
            }
        }
    }

    /// The release tags, sorted by version, duplicates dropped (with warnings). The
    /// second value says whether any tag name matched the pattern at all.
    fn releases(
        &self,
        tags: &[(String, Oid)],
        opts: &GitOptions<'_>,
        packs: &mut Reader<'_>,
        warnings: &mut Vec<String>,
    ) -> Result<(Vec<Found>, bool), GitError> {
        let pattern = opts.tag_pattern;
        let mut found = Vec::new();
        let mut any_matched = false;
        let mut prereleases_skipped = 0usize;
        let mut later: Vec<(Timestamp, String)> = Vec::new();
        for (name, target) in tags {
            let Some(caps) = pattern.captures(name) else {
                continue;
            };
            any_matched = true;
            let Some(text) = caps.name("version") else {
                warnings.push(format!(
                    "tag `{name}` skipped: the tag pattern `{pattern}` matched it but \
                     captured no group named `version`"
                ));
                continue;
            };
            let version = match semver::Version::parse(text.as_str()) {
                Ok(v) => v,
                Err(e) => {
                    warnings.push(format!(
                        "tag `{name}` skipped: `{}` is not a semver version ({e})",
                        text.as_str()
                    ));
                    continue;
                }
            };
            if !version.pre.is_empty() && !opts.include_prereleases {
                prereleases_skipped += 1;
                continue;
            }
            match self.peel(name, *target, packs)? {
                Peeled::Commit { time, .. } if opts.until.is_some_and(|u| time > u) => {
                    later.push((time, name.clone()));
                }
                Peeled::Commit {
                    commit,
                    time,
                    annotated,
                    no_tagger,
                } => {
                    if no_tagger {
                        warnings.push(format!(
                            "tag `{name}` has no tagger; its release time is the \
                             committer time of commit {}",
                            short(commit)
                        ));
                    }
                    found.push(Found {
                        tag: name.clone(),
                        version,
                        time,
                        commit,
                        annotated,
                    });
                }
                Peeled::NotACommit(kind) => warnings.push(format!(
                    "tag `{name}` skipped: it points to a {kind}, not to a commit"
                )),
            }
        }
        if let (Some(until), false) = (opts.until, later.is_empty()) {
            later.sort_unstable();
            let shown: Vec<String> = later
                .iter()
                .take(TAGS_LISTED)
                .map(|(_, n)| format!("`{n}`"))
                .collect();
            let more = later.len().saturating_sub(TAGS_LISTED);
            warnings.push(format!(
                "{} release tag{} dated after the evaluation time {} {} not counted ({}{}): \
                 as of that time {} not exist yet (--now in the past rewinds the history)",
                later.len(),
                if later.len() == 1 { "" } else { "s" },
                crate::model::rfc3339(until),
                if later.len() == 1 { "is" } else { "are" },
                shown.join(", "),
                if more > 0 {
                    format!(", and {more} more")
                } else {
                    String::new()
                },
                if later.len() == 1 {
                    "it did"
                } else {
                    "they did"
                },
            ));
        }
        if found.is_empty() && prereleases_skipped > 0 {
            warnings.push(format!(
                "{prereleases_skipped} pre-release tag(s) skipped and no other release \
                 found; set `releases.include_prereleases: true` to count pre-releases"
            ));
        }
        // Version order; among equal versions the earlier release, then the smaller
        // tag name, comes first and is kept.
        found.sort_by(|a, b| {
            a.version
                .cmp_precedence(&b.version)
                .then(a.time.cmp(&b.time))
                .then_with(|| a.tag.cmp(&b.tag))
        });
        let mut kept: Vec<Found> = Vec::with_capacity(found.len());
        for f in found {
            if let Some(last) = kept.last()
                && last.version.cmp_precedence(&f.version) == Ordering::Equal
            {
                let why = if last.time < f.time {
                    "released earlier"
                } else {
                    "same release time, smaller tag name"
                };
                warnings.push(format!(
                    "tags `{}` and `{}` both give version {}; keeping `{}` ({why})",
                    last.tag, f.tag, f.version, last.tag
                ));
                continue;
            }
            kept.push(f);
        }
        Ok((kept, any_matched))
    }

    /// Up to [`UNMATCHED_TAGS_SHOWN`] tag names, the most recent first (by release time,
    /// then name), for the "no tag matches" message.
    fn recent_tags(&self, tags: &[(String, Oid)]) -> Vec<String> {
        let mut timed: Vec<(Timestamp, &str)> = Vec::with_capacity(tags.len());
        for (name, target) in tags {
            // Only a hint: a tag that cannot be read is listed last, not an error.
            let time = match self.peel_libgit2(name, *target) {
                Ok(Peeled::Commit { time, .. }) => time,
                Ok(Peeled::NotACommit(_)) | Err(_) => Timestamp::MIN,
            };
            timed.push((time, name));
        }
        timed.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
        timed
            .into_iter()
            .take(UNMATCHED_TAGS_SHOWN)
            .map(|(_, n)| n.to_string())
            .collect()
    }

    /// Walks `jobs` (ranges in version order, the candidate last) and returns each
    /// one's changes in that order, with the commits left out for being authored after
    /// `opts.until`. With two cores, a second handle on the repository walks from the
    /// newest range down while this thread walks from the oldest up, until they meet:
    /// each keeps neighbouring ranges, whose commits its graph already holds. Results do
    /// not depend on which walker took a range; the error returned is the one of the
    /// oldest failing range, as a walk in order would return.
    fn walk_ranges(
        &self,
        jobs: &[Job],
        packs: &Packs,
        opts: &GitOptions<'_>,
    ) -> Result<(Vec<Walked>, usize), GitError> {
        let odb = self
            .repo
            .odb()
            .map_err(|e| self.error("opening the object database", e))?;
        let path: &Path = &self.path;
        let two =
            jobs.len() >= 2 && std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2);
        // A second handle that cannot be opened leaves every range to this thread.
        let second = two
            .then(|| Repository::open(self.repo.path()).ok())
            .flatten();
        let queue = std::sync::Mutex::new(Queue {
            lo: 0,
            hi: jobs.len(),
            failed: None,
        });
        let run = |w: &mut Walker<'_, '_>, from_top: bool| {
            let mut out = Vec::new();
            while let Some(i) = Queue::take(&queue, from_top) {
                let job = &jobs[i];
                let mut root = None;
                let r = w
                    .changes(job.tip, job.hide, &job.what, &mut root)
                    .map(|changes| Walked { changes, root });
                let failed = r.is_err();
                out.push((i, r));
                if failed {
                    Queue::fail(&queue, i);
                    break;
                }
            }
            out
        };
        let (mut out, later) = std::thread::scope(|scope| {
            let helper = second.map(|repo| {
                let run = &run;
                scope.spawn(move || match repo.odb() {
                    Ok(odb) => {
                        let mut w = Walker::new(odb, packs, path, opts);
                        (run(&mut w, true), w.filter.later)
                    }
                    Err(_) => (Vec::new(), 0),
                })
            });
            let mut w = Walker::new(odb, packs, path, opts);
            let mut out = run(&mut w, false);
            let mut later = w.filter.later;
            if let Some(h) = helper {
                let (more, l) = h.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
                out.extend(more);
                later += l;
            }
            (out, later)
        });
        out.sort_by_key(|(i, _)| *i);
        let mut walked = Vec::with_capacity(jobs.len());
        for (_, r) in out {
            walked.push(r?);
        }
        Ok((walked, later))
    }

    /// A warning when another tag family clearly dominates the tags the pattern matches
    /// (see [`super::family`]): the policy most likely measures the wrong tags.
    fn family_hint(&self, tags: &[(String, Oid)], pattern: &regex::Regex) -> Option<String> {
        let d = super::family::dominant(tags.iter().map(|(n, _)| n.as_str()), pattern)?;
        let family = crate::escape::line(&format!("{}X.Y.Z", d.prefix)).to_string();
        let paths = match d.package() {
            Some(pkg) if self.head_has_folder(pkg) => format!(
                " and `releases.paths: [{}]` to count only the changes of its folder",
                crate::escape::line(&super::family::yaml_quoted(&format!("{pkg}/")))
            ),
            _ => {
                " and `releases.paths` (the package's folder) to count only its changes".to_string()
            }
        };
        Some(format!(
            "only {} tag{} match `releases.tag_pattern` `{}`, but {} tags look like \
             `{family}`: if this is a monorepo, measure that package with \
             `releases.tag_pattern: {}`{paths} (see policies/monorepo.yml)",
            d.matched,
            if d.matched == 1 { "" } else { "s" },
            pattern.as_str(),
            d.tags,
            crate::escape::line(&d.pattern_yaml()),
        ))
    }

    /// Whether HEAD's tree has a folder `name` at the top.
    fn head_has_folder(&self, name: &str) -> bool {
        self.repo
            .head()
            .and_then(|h| h.peel_to_tree())
            .ok()
            .and_then(|t| t.get_name(name).map(|e| e.kind() == Some(ObjectType::Tree)))
            .unwrap_or(false)
    }

    /// HEAD's commit, or `None` when HEAD is unborn (a repository without commits).
    fn head(&self) -> Result<Option<Oid>, GitError> {
        match self.repo.head() {
            Ok(head) => {
                let commit = head
                    .peel_to_commit()
                    .map_err(|e| self.error("reading HEAD", e))?;
                Ok(Some(commit.id()))
            }
            Err(e) if matches!(e.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => Ok(None),
            Err(e) => Err(self.error("reading HEAD", e)),
        }
    }
}

impl History for Git2History {
    fn has_tag(&self, name: &str) -> bool {
        self.repo
            .find_reference(&format!("refs/tags/{name}"))
            .is_ok()
    }

    fn read(&self, opts: &GitOptions<'_>) -> Result<GitHistory, GitError> {
        let mut warnings = self.open_warnings.clone();
        let tags = self.tags()?;
        // The packs are mapped once, for the tags and for every walker.
        let packs = Packs::open(self.repo.commondir());
        let (found, any_matched) =
            self.releases(&tags, opts, &mut Reader::new(&packs), &mut warnings)?;
        if let Some(hint) = self.family_hint(&tags, opts.tag_pattern) {
            warnings.push(hint);
        }
        let unmatched_tags = if any_matched {
            Vec::new()
        } else {
            self.recent_tags(&tags)
        };

        let times: Vec<_> = found.iter().map(|f| f.time).collect();
        let first_loaded = match opts.changes.newest(&times, opts.until) {
            Some(n) => found.len().saturating_sub(n),
            None => 0,
        };
        // The ranges to walk: each loaded release from the previous one, then HEAD from
        // the highest release. A broken HEAD is reported after the releases' errors.
        let head = self.head();
        let mut jobs: Vec<Job> = (first_loaded..found.len())
            .map(|i| Job {
                tip: found[i].commit,
                hide: i.checked_sub(1).map(|p| found[p].commit),
                what: format!("release `{}`", found[i].tag),
            })
            .collect();
        if let Ok(Some(head)) = head {
            jobs.push(Job {
                tip: head,
                hide: found.last().map(|b| b.commit),
                what: "HEAD (the candidate release)".to_string(),
            });
        }
        let (walked, later) = self.walk_ranges(&jobs, &packs, opts)?;
        drop(packs);
        let mut walked = walked.into_iter();
        let mut releases = Vec::with_capacity(found.len());
        for (i, f) in found.iter().enumerate() {
            let load = i >= first_loaded;
            let prev = i.checked_sub(1).and_then(|p| found.get(p));
            let mut changes = Vec::new();
            if load && let Some(w) = walked.next() {
                changes = w.changes;
                if let (Some(p), Some(root)) = (prev, w.root) {
                    warnings.push(format!(
                        "release `{}` reaches root commit {} that its previous release \
                         `{}` does not: its history joins an unrelated one (another \
                         repository merged in, or a tag on an orphan branch), and its {} \
                         changes include that history",
                        f.tag,
                        short(root),
                        p.tag,
                        changes.len()
                    ));
                }
            }
            releases.push(Release {
                tag: f.tag.clone(),
                version: f.version.clone(),
                time: f.time,
                commit: f.commit.to_string(),
                annotated: f.annotated,
                changes,
                changes_loaded: load,
            });
        }

        let candidate = match head? {
            None => Candidate::default(),
            Some(head) => {
                let base = found.last();
                let w = walked.next().unwrap_or_default();
                if let (Some(b), Some(root)) = (base, w.root) {
                    warnings.push(format!(
                        "HEAD reaches root commit {} that the highest release `{}` does \
                         not: its history joins an unrelated one (another repository \
                         merged in, or HEAD on an orphan branch), and the {} candidate \
                         changes include that history",
                        short(root),
                        b.tag,
                        w.changes.len()
                    ));
                }
                Candidate {
                    head: Some(head.to_string()),
                    base_tag: base.map(|b| b.tag.clone()),
                    changes: w.changes,
                }
            }
        };

        if let (Some(until), true) = (opts.until, later > 0) {
            warnings.push(format!(
                "{} commit{} authored after the evaluation time {} {} not counted as \
                 changes of any release or of the candidate",
                later,
                if later == 1 { "" } else { "s" },
                crate::model::rfc3339(until),
                if later == 1 { "is" } else { "are" },
            ));
        }

        let origin_url = self
            .repo
            .find_remote("origin")
            .ok()
            .and_then(|r| r.url().ok().map(str::to_string));

        Ok(GitHistory {
            tags_total: tags.len(),
            releases,
            candidate,
            warnings,
            unmatched_tags,
            origin_url,
        })
    }
}

/// The first 7 hex digits of an id, for messages.
fn short(oid: Oid) -> String {
    let mut s = oid.to_string();
    s.truncate(7);
    s
}

/// The first run of 40 or more hex digits in libgit2's message (the missing id).
fn first_hex_id(message: &str) -> Option<String> {
    message
        .split(|c: char| !c.is_ascii_hexdigit())
        .find(|w| w.len() >= 40)
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::{first_hex_id, strict_commit_time, strict_signature_time, strict_tag};

    /// Only signatures and objects of the plainest shape are read without libgit2;
    /// anything else is left to it (`None`).
    #[test]
    fn only_plain_tags_and_commits_are_peeled_without_libgit2() {
        assert_eq!(
            strict_signature_time(b"A B <a@b.c> 1700000000 +0100"),
            Some(1_700_000_000)
        );
        assert_eq!(strict_signature_time(b"A <a@b.c> 0 -0000"), Some(0));
        for odd in [
            &b"A <a@b.c>"[..],
            b"A <a@b.c> 1700000000",
            b"A <a@b.c>  1700000000 +0100",
            b"A <a@b.c> 17e8 +0100",
            b"A <a@b.c> 1700000000 0100",
            b"A <a <b> 1700000000 +0100",
            b"A >a@b.c< 1700000000 +0100",
            b"A <a@b.c> 99999999999999999999 +0100",
        ] {
            assert_eq!(
                strict_signature_time(odd),
                None,
                "{}",
                String::from_utf8_lossy(odd)
            );
        }
        let id = "0123456789abcdef0123456789abcdef01234567";
        let tag = format!("object {id}\ntype commit\ntag v1\ntagger T <t@x> 5 +0000\n\nmsg\n");
        let (object, _, time) = strict_tag(tag.as_bytes()).unwrap();
        assert_eq!((object.to_string().as_str(), time), (id, 5));
        // No tagger, an unknown header, an upper-case id: left to libgit2.
        for odd in [
            format!("object {id}\ntype commit\ntag v1\n\nmsg"),
            format!("object {id}\ntype commit\ntag v1\ntagger T <t@x> 5 +0000\nextra x\n"),
            format!(
                "object {}\ntype commit\ntag v1\ntagger T <t@x> 5 +0000\n",
                id.to_uppercase()
            ),
        ] {
            assert!(strict_tag(odd.as_bytes()).is_none(), "{odd}");
        }
        let commit = format!(
            "tree {id}\nparent {id}\nparent {id}\nauthor A <a@x> 1 +0000\ncommitter C <c@x> 2 +0000\n\ns"
        );
        assert_eq!(strict_commit_time(commit.as_bytes()), Some(2));
        let no_author = format!("tree {id}\ncommitter C <c@x> 2 +0000\n\ns");
        assert_eq!(strict_commit_time(no_author.as_bytes()), None);
    }

    #[test]
    fn hex_id_is_found_in_a_libgit2_message() {
        let id = "0123456789abcdef0123456789abcdef01234567";
        assert_eq!(
            first_hex_id(&format!("object not found - no match for id ({id})")),
            Some(id.to_string())
        );
        assert_eq!(first_hex_id("object not found"), None);
    }
}

/// How many tags of tags [`peel_packed`] follows before leaving a tag to libgit2.
const MAX_TAG_DEPTH: usize = 64;

/// [`Git2History::peel`] from the packs alone: `None` (leave it to libgit2) unless
/// every object on the way is in a pack and exactly of the shape libgit2 parses the
/// same way: a tag with `object`, `type` (the kind of its target), `tag` and a
/// well-formed `tagger` line; a commit with a `tree`, `parent` lines and well-formed
/// `author` and `committer` lines. A tree or blob target gives the same answer as
/// libgit2's. Anything unusual (no tagger, a damaged object, an odd signature) is
/// libgit2's to read, warn about or refuse.
fn peel_packed(packs: &mut Reader<'_>, target: Oid) -> Option<Peeled> {
    let mut oid = target;
    let mut tagger: Option<Timestamp> = None;
    let mut expected: Option<Kind> = None;
    for _ in 0..MAX_TAG_DEPTH {
        let (kind, raw) = packs.read(oid)?;
        if expected.is_some_and(|e| e != kind) {
            return None;
        }
        match kind {
            Kind::Tag => {
                let (object, kind, time) = strict_tag(raw)?;
                tagger.get_or_insert(time);
                (oid, expected) = (object, Some(kind));
            }
            Kind::Commit => {
                let time = strict_commit_time(raw)?;
                return Some(Peeled::Commit {
                    commit: oid,
                    time: tagger.unwrap_or(time),
                    annotated: tagger.is_some(),
                    no_tagger: false,
                });
            }
            Kind::Tree => return Some(Peeled::NotACommit("tree")),
            Kind::Blob => return Some(Peeled::NotACommit("blob")),
        }
    }
    None
}

/// The next line of `raw` from `*at` (without its newline); `None` at the end or when
/// the line does not end with one.
fn next_line<'r>(raw: &'r [u8], at: &mut usize) -> Option<&'r [u8]> {
    let rest = raw.get(*at..)?;
    let end = memchr::memchr(b'\n', rest)?;
    *at += end + 1;
    Some(&rest[..end])
}

/// A full, lowercase hex object id.
fn strict_oid(hex: &[u8]) -> Option<Oid> {
    if hex.len() != 40
        || !hex
            .iter()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
    {
        return None;
    }
    Oid::from_str(std::str::from_utf8(hex).ok()?).ok()
}

/// The time of a signature `Name <email> 1700000000 +0100` with nothing unusual in it.
fn strict_signature_time(sig: &[u8]) -> Option<Timestamp> {
    let open = memchr::memchr(b'<', sig)?;
    let close = memchr::memchr(b'>', sig)?;
    if close < open || memchr::memchr(b'<', &sig[open + 1..]).is_some() {
        return None;
    }
    let rest = sig[close + 1..].strip_prefix(b" ")?;
    let (secs, tz) = rest.split_at(memchr::memchr(b' ', rest)?);
    let tz = &tz[1..];
    let digits = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    if !digits(secs) || secs.len() > 15 || tz.len() != 5 || !matches!(tz[0], b'+' | b'-') {
        return None;
    }
    if !digits(&tz[1..]) {
        return None;
    }
    std::str::from_utf8(secs).ok()?.parse().ok()
}

/// A tag's target, its kind and its tagger's time, for a tag of the plainest shape.
fn strict_tag(raw: &[u8]) -> Option<(Oid, Kind, Timestamp)> {
    let mut at = 0;
    let object = strict_oid(next_line(raw, &mut at)?.strip_prefix(b"object ")?)?;
    let kind = match next_line(raw, &mut at)?.strip_prefix(b"type ")? {
        b"commit" => Kind::Commit,
        b"tree" => Kind::Tree,
        b"blob" => Kind::Blob,
        b"tag" => Kind::Tag,
        _ => return None,
    };
    next_line(raw, &mut at)?.strip_prefix(b"tag ")?;
    let time = strict_signature_time(next_line(raw, &mut at)?.strip_prefix(b"tagger ")?)?;
    // Then the end, or the blank line before the message.
    if at < raw.len() && raw[at] != b'\n' {
        return None;
    }
    Some((object, kind, time))
}

/// A commit's committer time, for a commit of the plainest shape.
fn strict_commit_time(raw: &[u8]) -> Option<Timestamp> {
    let mut at = 0;
    strict_oid(next_line(raw, &mut at)?.strip_prefix(b"tree ")?)?;
    let mut line = next_line(raw, &mut at)?;
    while let Some(hex) = line.strip_prefix(b"parent ") {
        strict_oid(hex)?;
        line = next_line(raw, &mut at)?;
    }
    strict_signature_time(line.strip_prefix(b"author ")?)?;
    strict_signature_time(next_line(raw, &mut at)?.strip_prefix(b"committer ")?)
}

/// A range to walk: `tip` not reachable from `hide`; `what` names it in errors.
struct Job {
    tip: Oid,
    hide: Option<Oid>,
    what: String,
}

/// A walked range: its changes, and a root commit it reached, if any.
#[derive(Default)]
struct Walked {
    changes: Vec<Commit>,
    root: Option<Oid>,
}

/// The ranges not yet taken, `lo..hi`, shared by the two walkers; `failed`, the oldest
/// range that failed (no range after it is worth walking).
struct Queue {
    lo: usize,
    hi: usize,
    failed: Option<usize>,
}

impl Queue {
    /// The next range for a walker: the oldest left (`from_top`: the newest left).
    fn take(queue: &std::sync::Mutex<Queue>, from_top: bool) -> Option<usize> {
        let mut q = queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if q.lo >= q.hi {
            return None;
        }
        let i = if from_top { q.hi - 1 } else { q.lo };
        if q.failed.is_some_and(|f| i > f) {
            return None;
        }
        if from_top {
            q.hi -= 1;
        } else {
            q.lo += 1;
        }
        Some(i)
    }

    fn fail(queue: &std::sync::Mutex<Queue>, i: usize) {
        let mut q = queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        q.failed = Some(q.failed.map_or(i, |f| f.min(i)));
    }
}

/// Maps a libgit2 error met while doing `action` in the repository at `path`.
fn git_error(path: &Path, action: String, source: git2::Error) -> GitError {
    let path = path.to_path_buf();
    if source.code() == ErrorCode::NotFound && source.class() == ErrorClass::Odb {
        GitError::MissingObject {
            path,
            oid: first_hex_id(source.message()).unwrap_or_else(|| "(unknown)".into()),
            action,
            source,
        }
    } else {
        GitError::Git {
            path,
            action,
            source,
        }
    }
}

/// One reader of ranges: its own pack reader and object database handle (for what the
/// pack reader leaves to libgit2), commit graph and filter memo. Two of them walk the
/// ranges of one read from both ends (see [`walk_ranges`]).
struct Walker<'a, 'r> {
    odb: git2::Odb<'r>,
    packs: Reader<'a>,
    path: &'a Path,
    graph: Graph,
    filter: Filter<'a>,
}

impl<'a, 'r> Walker<'a, 'r> {
    fn new(odb: git2::Odb<'r>, packs: &'a Packs, path: &'a Path, opts: &GitOptions<'a>) -> Self {
        Walker {
            odb,
            packs: Reader::new(packs),
            path,
            graph: Graph::new(),
            filter: Filter {
                paths: opts.paths,
                until: opts.until,
                touches: HashMap::new(),
                trees: HashMap::new(),
                trees_before: HashMap::new(),
                later: 0,
            },
        }
    }

    /// The non-merge commits reachable from `tip` and not from `hide`
    /// (`git rev-list --no-merges hide..tip`), newest first, that pass `filter`
    /// (`--full-history -- PATHS`, and authored no later than the evaluation time).
    /// Sets `*root` to a root commit of the range (filtered or not), if any.
    fn changes(
        &mut self,
        tip: Oid,
        hide: Option<Oid>,
        what: &str,
        root: &mut Option<Oid>,
    ) -> Result<Vec<Commit>, GitError> {
        let walking = || format!("walking the commits of {what}");
        let (odb, path, packs) = (&self.odb, self.path, &mut self.packs);
        let error = |action: String, e| git_error(path, action, e);
        let mut load = |oid: Oid| -> Result<ParsedCommit, GitError> {
            // Straight from the pack when it can; anything else (including every
            // error) as libgit2 reads it.
            if let Some((Kind::Commit, raw)) = packs.read(oid)
                && let Ok(parsed) = parse_commit(raw)
            {
                return Ok(parsed);
            }
            let object = odb.read(oid).map_err(|e| error(walking(), e))?;
            if object.kind() != ObjectType::Commit {
                return Err(error(
                    walking(),
                    git2::Error::from_str(&format!("object {oid} is not a commit")),
                ));
            }
            parse_commit(object.data()).map_err(|message| {
                error(
                    walking(),
                    git2::Error::from_str(&format!("commit {oid} is malformed: {message}")),
                )
            })
        };
        let found = self.graph.range(tip, hide, &mut load)?;
        let mut changes = Vec::with_capacity(found.len());
        for c in found {
            if c.parents == 0 && root.is_none() {
                *root = Some(c.oid);
            }
            if self.filter.until.is_some_and(|u| c.author_time > u) {
                self.filter.later += 1;
                continue;
            }
            if !self.filter.paths.is_empty()
                && !touches(
                    &self.odb,
                    &mut self.packs,
                    self.path,
                    &mut self.filter,
                    &c,
                    what,
                )?
            {
                continue;
            }
            changes.push(Commit {
                sha: c.oid.to_string(),
                author_time: c.author_time,
                subject: c.subject.to_string(),
            });
        }
        Ok(changes)
    }
}

/// Whether the commit `c` changes a file under `filter.paths` compared with its
/// first parent (a root commit: with the empty tree). Each commit is compared once.
fn touches(
    odb: &git2::Odb<'_>,
    packs: &mut Reader<'_>,
    path: &Path,
    filter: &mut Filter<'_>,
    c: &super::graph::Change<'_>,
    what: &str,
) -> Result<bool, GitError> {
    if let Some(&known) = filter.touches.get(&c.oid) {
        return Ok(known);
    }
    let comparing = || format!("comparing the files of commit {} in {what}", c.oid);
    let Some(tree) = c.tree else {
        return Err(git_error(
            path,
            comparing(),
            git2::Error::from_str(&format!("commit {} has no readable tree", c.oid)),
        ));
    };
    if c.parents > 0 && c.parent_tree.is_none() {
        return Err(git_error(
            path,
            comparing(),
            git2::Error::from_str("its parent has no readable tree"),
        ));
    }
    let mut missing: Option<git2::Error> = None;
    let (trees, before) = (&mut filter.trees, &mut filter.trees_before);
    let read = |oid: Oid| -> Result<(ObjectType, Vec<u8>), String> {
        if let Some(raw) = trees.get(&oid) {
            return Ok((ObjectType::Tree, raw.clone()));
        }
        if let Some(raw) = before.remove(&oid) {
            trees.insert(oid, raw.clone());
            return Ok((ObjectType::Tree, raw));
        }
        let (kind, raw) = match packs.read(oid) {
            Some((kind, raw)) => (kind.object_type(), raw.to_vec()),
            None => match odb.read(oid) {
                Ok(o) => (o.kind(), o.data().to_vec()),
                Err(e) => {
                    let message = e.message().to_string();
                    missing = Some(e);
                    return Err(message);
                }
            },
        };
        if kind == ObjectType::Tree {
            trees.insert(oid, raw.clone());
        }
        Ok((kind, raw))
    };
    let result = TreeDiff::new(filter.paths, read).touches(c.parent_tree, tree);
    filter.trees_before = std::mem::take(&mut filter.trees);
    let touched = match result {
        Ok(t) => t,
        Err(message) => {
            let source = missing.unwrap_or_else(|| git2::Error::from_str(&message));
            return Err(git_error(path, comparing(), source));
        }
    };
    filter.touches.insert(c.oid, touched);
    Ok(touched)
}
