//! JUnit XML reader (stub; see issue 4).

#[derive(Debug, thiserror::Error)]
pub enum JunitError {
    #[error("{0}")]
    Other(String),
}
