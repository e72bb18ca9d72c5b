//! The git release engine (stub; see issue 2).

use crate::model::GitHistory;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("`{path}` is not a git repository: {message}")]
    NotARepo { path: String, message: String },
}

/// What to read.
pub struct GitOptions<'a> {
    /// `releases.tag_pattern`, with a named group `version`.
    pub tag_pattern: &'a regex::Regex,
    pub include_prereleases: bool,
    /// Load the changes of only the newest N releases (by version); `None` loads all.
    pub changes_for_last: Option<usize>,
}

/// The seam where another engine (gitoxide) may come.
pub trait History {
    fn read(&self, opts: &GitOptions<'_>) -> Result<GitHistory, GitError>;
}

pub fn open(path: &Path) -> Result<Box<dyn History>, GitError> {
    Err(GitError::NotARepo {
        path: path.display().to_string(),
        message: "not implemented".into(),
    })
}
