//! publish (to come).
pub mod actions;
pub mod sanitize;
