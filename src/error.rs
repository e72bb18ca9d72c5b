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

impl From<crate::collect::github::FetchError> for Error {
    fn from(e: crate::collect::github::FetchError) -> Error {
        use crate::collect::github::FetchError;
        match e {
            FetchError::Runtime(_) => Error::Usage(e.to_string()),
            FetchError::Github(source) => Error::GithubFetch { source },
        }
    }
}

impl Error {
    /// Where the error is, for errors about a place in a file: a policy error's key, the
    /// line and column of a malformed JUnit, coverage, metrics or SARIF file.
    pub fn location(&self) -> Option<crate::model::Place> {
        match self {
            Error::Policy(e) => Some(e.location()),
            Error::Junit(e) => e.place(),
            Error::External(e) => e.place(),
            Error::Coverage(e) => e.place(),
            _ => None,
        }
    }

    /// The error as plain data for the publishers: kind, message with its causes, place.
    pub fn failure(&self) -> crate::model::Failure {
        use crate::model::FailureKind as K;
        let kind = match self {
            Error::Policy(_) => K::Policy,
            Error::File(_) => K::File,
            Error::Git(crate::collect::git::GitError::Shallow { .. }) => K::Shallow,
            Error::Git(_) => K::Git,
            Error::GithubFetch { .. } => K::Github,
            Error::Junit(_) => K::Tests,
            Error::External(_) | Error::Coverage(_) => K::Input,
            Error::Usage(_) => K::Usage,
            Error::Io { .. } => K::Io,
        };
        let message = chain(self);
        crate::model::Failure {
            kind,
            brief: match self {
                Error::Policy(e) => e.message().to_string(),
                _ => message.clone(),
            },
            message,
            place: self.location(),
        }
    }
}

/// An error and its sources, each once, joined with `: `.
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(cause) = src {
        let c = cause.to_string();
        if !s.contains(&c) {
            s.push_str(": ");
            s.push_str(&c);
        }
        src = cause.source();
    }
    s
}
