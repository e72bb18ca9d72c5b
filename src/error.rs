//! The library's error type and the documented exit codes.

use std::path::PathBuf;

/// Exit codes of the `slipgate` binary.
pub mod exit {
    /// The gate passed, or only warnings were raised.
    pub const PASSED: i32 = 0;
    /// A rule with `level: fail` tripped.
    pub const GATE_FAILED: i32 = 1;
    /// Usage, configuration or input error (bad flag, policy, git repository, JUnit file,
    /// GitHub failure).
    pub const ERROR: i32 = 2;
}

/// Every error the library returns. Each message says what happened, to what, and what
/// to do; `main` prints it once with its chain.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Policy(#[from] crate::policy::PolicyError),
    /// An input file (the policy, the event payload) that cannot be read.
    #[error(transparent)]
    File(#[from] crate::collect::file::FileError),
    #[error(transparent)]
    Git(#[from] crate::collect::git::GitError),
    /// Reading issues and pull requests failed.
    #[error("{source} (to report from git alone, pass --offline)")]
    GithubFetch { source: crate::github::GithubError },
    #[error(transparent)]
    Junit(#[from] crate::collect::junit::JunitError),
    /// A `--metrics` or `--sarif` file that cannot be used.
    #[error(transparent)]
    External(#[from] crate::collect::external::ExternalError),
    #[error(transparent)]
    Coverage(#[from] crate::collect::coverage::CoverageError),
    #[error("{0}")]
    Usage(String),
    #[error("cannot {action} `{}`", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
