//! Publishing: the only code (with `collect`) that writes to the outside world — the pull
//! request comment, the trend issue, the job summary, step outputs and annotations.

pub mod actions;
pub mod check;
pub mod export;
pub mod failure;
pub mod github;
pub mod init;
pub mod markers;
pub mod postgres;
pub mod pushgateway;
