//! What `slipgate init` reads of a repository: the tags with their families, the names
//! at the top of HEAD's tree, the newest commit subjects, HEAD's branch and `origin`.
//! It reads HEAD's tree, not the work tree, so a bare repository answers the same.

use super::libgit::Git2History;
use super::{GitError, family, subject_of_bytes};
use crate::model::{RepoFacts, TagFact};
use git2::{ObjectType, Repository, Sort};
use std::path::Path;

/// How many commit subjects are read for the Conventional Commits check.
pub(super) const SUBJECTS: usize = 500;

/// Reads the facts of the repository at or above `path` (labels are left unread).
pub fn read_facts(path: &Path) -> Result<RepoFacts, GitError> {
    let history = Git2History::open(path)?;
    let repo = history.repository();
    let failed = |action: &str| {
        let path = path.to_path_buf();
        let action = action.to_string();
        move |source| GitError::Git {
            path,
            action,
            source,
        }
    };
    let mut tags = Vec::new();
    let names = repo.tag_names(None).map_err(failed("listing its tags"))?;
    for name in names.iter().flatten().flatten() {
        let time = tag_time(repo, name);
        tags.push(TagFact {
            name: name.to_string(),
            family: family::family(name).map(str::to_string),
            time: time.unwrap_or(0),
        });
    }
    let head = repo.head().ok();
    let default_branch = head
        .as_ref()
        .filter(|h| h.is_branch())
        .and_then(|h| h.shorthand().ok())
        .map(str::to_string)
        .or_else(|| {
            // An unborn HEAD still names its branch.
            repo.find_reference("HEAD")
                .ok()
                .and_then(|r| r.symbolic_target().ok().flatten().map(str::to_string))
                .and_then(|t| t.strip_prefix("refs/heads/").map(str::to_string))
        });
    let commit = head.and_then(|h| h.peel_to_commit().ok());
    let entries = commit
        .as_ref()
        .and_then(|c| c.tree().ok())
        .map(|tree| entries(repo, &tree))
        .unwrap_or_default();
    let subjects = match &commit {
        Some(c) => subjects(repo, c.id()).map_err(failed("walking its newest commits"))?,
        None => Vec::new(),
    };
    let origin_url = repo
        .find_remote("origin")
        .ok()
        .and_then(|r| r.url().ok().map(str::to_string));
    Ok(RepoFacts {
        tags,
        entries,
        subjects,
        default_branch,
        origin_url,
        labels: None,
        labels_skipped: None,
        work_tree: repo.workdir().map(Path::to_path_buf),
    })
}

/// The time of the commit a tag points to.
fn tag_time(repo: &Repository, name: &str) -> Option<i64> {
    let reference = repo.find_reference(&format!("refs/tags/{name}")).ok()?;
    let commit = reference.peel_to_commit().ok()?;
    Some(commit.time().seconds())
}

/// Names at the top of `tree`, and its folders' folders (`crates/cli/`).
fn entries(repo: &Repository, tree: &git2::Tree<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for e in tree.iter() {
        // A name with a control or hidden character is left out: it would be written
        // into the policy.
        let Ok(name) = e.name() else { continue };
        if name.chars().any(crate::escape::is_hidden) {
            continue;
        }
        if e.kind() != Some(ObjectType::Tree) {
            out.push(name.to_string());
            continue;
        }
        out.push(format!("{name}/"));
        if let Ok(sub) = e.to_object(repo).and_then(|o| o.peel_to_tree()) {
            for s in sub.iter().filter(|s| s.kind() == Some(ObjectType::Tree)) {
                if let Ok(n) = s.name()
                    && !n.chars().any(crate::escape::is_hidden)
                {
                    out.push(format!("{name}/{n}/"));
                }
            }
        }
    }
    out
}

/// The subjects of the newest [`SUBJECTS`] commits from `head`, newest first.
fn subjects(repo: &Repository, head: git2::Oid) -> Result<Vec<String>, git2::Error> {
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::TIME)?;
    walk.push(head)?;
    let mut out = Vec::new();
    for oid in walk.take(SUBJECTS) {
        let commit = repo.find_commit(oid?)?;
        out.push(subject_of_bytes(commit.message_bytes()));
    }
    Ok(out)
}
