//! GitHub through octocrab (stub; see issue 3).

#[derive(Debug, thiserror::Error)]
pub enum GithubError {
    #[error("GitHub: {0}")]
    Other(String),
}
