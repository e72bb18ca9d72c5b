//! The quality trend: the trend issue's body ([`markdown`]) and the history it keeps
//! ([`history`]).

pub mod history;
pub mod markdown;
