//! The lines a pull request adds or changes: `git diff` from the merge base of its base
//! and head to its head, read with libgit2 (no context lines, renames followed, binary
//! files skipped), new-side line numbers.

use std::collections::BTreeMap;
use std::path::Path;

use git2::{DiffFindOptions, DiffOptions, Oid, Repository};

use crate::model::coverage::{PatchGap, PatchLines};

/// The commit `spec` names: a full or abbreviated sha, or a reference such as
/// `origin/main` or `main`.
fn commit(repo: &Repository, spec: &str) -> Result<Oid, git2::Error> {
    Ok(repo.revparse_single(spec)?.peel_to_commit()?.id())
}

/// The patch of a pull request whose head is `head` and whose base is the first of
/// `bases` (a sha, then branch names) found in the repository at or above `path`.
pub fn read(path: &Path, bases: &[String], head: &str) -> Result<PatchLines, PatchGap> {
    let gap = |base: &str, detail: String| PatchGap::Unreadable {
        base: base.to_string(),
        head: head.to_string(),
        detail,
    };
    let shown = bases.first().map(String::as_str).unwrap_or_default();
    crate::collect::git::prepare_libgit2();
    let repo = Repository::discover(path).map_err(|e| gap(shown, e.message().to_string()))?;
    let head_id = commit(&repo, head).map_err(|e| gap(shown, e.message().to_string()))?;
    let mut last = String::from("no base commit named");
    let mut base_id = None;
    for b in bases {
        match commit(&repo, b) {
            Ok(id) => {
                base_id = Some((b.as_str(), id));
                break;
            }
            Err(e) => last = e.message().to_string(),
        }
    }
    let Some((base, base_id)) = base_id else {
        return Err(gap(shown, last));
    };
    let merge_base = repo
        .merge_base(base_id, head_id)
        .map_err(|e| gap(base, e.message().to_string()))?;
    let tree = |id: Oid| repo.find_commit(id).and_then(|c| c.tree());
    let err = |e: git2::Error| gap(base, e.message().to_string());
    let (old, new) = (tree(merge_base).map_err(err)?, tree(head_id).map_err(err)?);
    let mut opts = DiffOptions::new();
    opts.context_lines(0).ignore_submodules(true);
    let mut diff = repo
        .diff_tree_to_tree(Some(&old), Some(&new), Some(&mut opts))
        .map_err(err)?;
    diff.find_similar(Some(DiffFindOptions::new().renames(true)))
        .map_err(err)?;
    let mut files: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    diff.foreach(
        &mut |_, _| true,
        None,
        None,
        Some(&mut |delta, _hunk, line| {
            if line.origin() == '+'
                && let (Some(path), Some(n)) = (delta.new_file().path(), line.new_lineno())
            {
                let key = path.to_string_lossy().replace('\\', "/");
                files.entry(key).or_default().push(n);
            }
            true
        }),
    )
    .map_err(err)?;
    for lines in files.values_mut() {
        lines.sort_unstable();
        lines.dedup();
    }
    Ok(PatchLines {
        merge_base: merge_base.to_string(),
        head: head_id.to_string(),
        files,
    })
}
