//! Collectors: the only code (with `publish`) that reads the outside world.

pub mod cache;
pub mod file;
pub mod git;
pub mod github;
pub mod junit;
pub mod labels;
