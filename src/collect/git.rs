//! The git release engine: tags are releases, commits are changes.
//!
//! [`open`] finds the repository (a work tree, any folder inside one, or a bare
//! repository) and returns a [`History`]; [`History::read`] lists the release tags and
//! walks each release's range once (`git rev-list --no-merges PREV..R`), so the cost
//! grows with the number of commits, not with commits × tags. With `releases.paths`,
//! each commit of a range is compared with its first parent, restricted to the paths
//! ([`Pathspec`]), and kept only when it touches them.
//!
//! The engine behind [`History`] is libgit2 (through `git2`); the trait is the seam
//! where a faster engine (gitoxide with a commit-graph) may come later.

#![warn(unreachable_pub)]

mod facts;
mod family;
mod graph;
mod libgit;
mod pack;
mod pathspec;
mod plan;

use crate::model::{GitHistory, Timestamp};
use std::path::{Path, PathBuf};

pub use crate::policy::Pathspec;
pub use facts::read_facts;
pub use libgit::{Git2History, prepare_libgit2};
pub use plan::{Changes, Plan, as_candidate, load, read};

/// Everything that can go wrong reading git. Each message says what happened, to what,
/// and what to do; all of them are input errors (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// No repository at or above the path.
    #[error(
        "`{}` is not a git repository (nor inside one); run slipgate from a checkout, \
         or point --repo at one",
        path.display()
    )]
    NotARepo {
        path: PathBuf,
        #[source]
        source: git2::Error,
    },
    /// The repository belongs to another user and git's `safe.directory` does not list
    /// it (common in container jobs).
    #[error(
        "the repository at `{}` is owned by another user, and git refuses to read such \
         repositories; mark it safe with `git config --global --add safe.directory \
         {}` (container jobs often need this for the workspace)",
        path.display(),
        path.display()
    )]
    NotOwned {
        path: PathBuf,
        #[source]
        source: git2::Error,
    },
    /// The history is cut off, so ranges and counts would be wrong.
    #[error(
        "the repository at `{}` is a shallow clone: its history is cut off, so releases \
         and their changes cannot be counted; in CI set `fetch-depth: 0` on \
         actions/checkout, and for a local clone run `git fetch --unshallow --tags`",
        path.display()
    )]
    Shallow { path: PathBuf },
    /// An object needed by the walk is not in the object database.
    #[error(
        "object {oid} is missing from the repository at `{}` while {action}: the \
         repository is probably a partial clone (made with --filter) or damaged; fetch \
         the full history with `git fetch --refetch --tags origin`, or clone again \
         without --filter (on actions/checkout leave `filter` unset)",
        path.display()
    )]
    MissingObject {
        path: PathBuf,
        oid: String,
        action: String,
        #[source]
        source: git2::Error,
    },
    /// `--repo` names nothing.
    #[error(
        "--repo `{}` does not exist; point --repo at a git work tree, a folder inside one, \
         or a bare repository",
        path.display()
    )]
    NoSuchPath { path: PathBuf },
    /// `release-check --tag` names no release (the message says why).
    #[error("{0}")]
    NotARelease(String),
    /// Any other libgit2 failure, with what was being done.
    #[error("cannot read the repository at `{}` while {action}", path.display())]
    Git {
        path: PathBuf,
        action: String,
        #[source]
        source: git2::Error,
    },
}

/// What to read.
pub struct GitOptions<'a> {
    /// `releases.tag_pattern`, with a named group `version`.
    pub tag_pattern: &'a regex::Regex,
    /// Count pre-release versions (`1.0.0-rc.1`) as releases.
    pub include_prereleases: bool,
    /// Which releases' changes to load (every release is still returned, with its time).
    pub changes: Changes,
    /// `releases.paths`: only commits touching these count as changes (empty: all).
    pub paths: &'a Pathspec,
    /// The evaluation time when it rewinds history (`--now`): tags whose release time
    /// is later are not releases, and commits authored later are no release's change
    /// nor the candidate's. `None` reads everything.
    pub until: Option<Timestamp>,
}

/// Reads releases and changes from a repository. The seam where another engine
/// (gitoxide) may come.
pub trait History {
    /// Lists the release tags and loads the changes asked for by `opts`.
    fn read(&self, opts: &GitOptions<'_>) -> Result<GitHistory, GitError>;

    /// Whether a tag of this name exists, release or not (for `release-check --tag`).
    fn has_tag(&self, name: &str) -> bool;
}

/// Opens the repository at `path`: a work tree, any folder inside one (found by
/// discovery, like git does), or a bare repository.
///
/// Fails with [`GitError::NotARepo`] when there is none, and [`GitError::Shallow`] for a
/// shallow clone.
pub fn open(path: &Path) -> Result<Box<dyn History>, GitError> {
    Ok(Box::new(Git2History::open(path)?))
}

/// The subject of a commit message, like git's `%s`: leading blank lines are skipped,
/// then the lines of the first paragraph (up to the first blank line) are joined by
/// single spaces, each without its trailing whitespace.
pub fn subject_of(message: &str) -> String {
    subject_of_bytes(message.as_bytes())
}

/// [`subject_of`] on raw message bytes; invalid UTF-8 is replaced (U+FFFD).
pub(crate) fn subject_of_bytes(message: &[u8]) -> String {
    let mut subject: Vec<u8> = Vec::new();
    let mut started = false;
    for line in message.split(|&b| b == b'\n') {
        let line = line.trim_ascii_end();
        if line.is_empty() {
            if started {
                break;
            }
            continue;
        }
        if started {
            subject.push(b' ');
        }
        subject.extend_from_slice(line);
        started = true;
    }
    match String::from_utf8(subject) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::subject_of;

    #[test]
    fn subject_is_the_first_line() {
        assert_eq!(subject_of("fix: crash\n\nlong body\n"), "fix: crash");
    }

    #[test]
    fn subject_joins_the_first_paragraph_with_single_spaces() {
        // Two lines of the first paragraph, the second with trailing blanks and CRLF.
        assert_eq!(
            subject_of("feat: a long\nsubject  \r\nend\n\nbody"),
            "feat: a long subject end"
        );
    }

    #[test]
    fn subject_skips_leading_blank_lines_and_stops_at_a_whitespace_only_line() {
        assert_eq!(subject_of("\n \n\ttitle\n   \nbody"), "\ttitle");
    }

    #[test]
    fn subject_keeps_leading_whitespace_of_lines_like_git() {
        // git's %s right-trims each line only: "a" + " " + "  b".
        assert_eq!(subject_of("a\n  b"), "a   b");
    }

    #[test]
    fn subject_of_empty_or_blank_message_is_empty() {
        assert_eq!(subject_of(""), "");
        assert_eq!(subject_of("\n\n  \n"), "");
    }

    #[test]
    fn subject_without_newline_at_end() {
        assert_eq!(subject_of("Revert \"feat: x\""), "Revert \"feat: x\"");
    }

    #[test]
    fn subject_of_invalid_utf8_is_lossy() {
        // 0xE9 is "é" in Latin-1, invalid alone in UTF-8.
        assert_eq!(
            super::subject_of_bytes(b"caf\xe9\n\nbody"),
            "caf\u{FFFD}".to_string()
        );
    }
}
