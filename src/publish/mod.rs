//! publish (to come).
pub mod github;
