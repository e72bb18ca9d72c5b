//! Collectors: the only code (with `publish`) that reads the outside world.

pub mod cache;
pub mod coverage;
pub mod external;
pub mod file;
pub mod git;
pub mod github;
pub mod junit;
pub mod labels;
pub mod sarif;
pub mod warehouse;
