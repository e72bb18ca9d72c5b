//! slipgate: a quality gate for engineering teams.
//!
//! Data flows one way:
//! `collect` (git, GitHub, JUnit, cache) → [`model`] → [`metrics`] (pure) → [`gate`]
//! (rules → verdicts with evidence) → [`report`] (text, markdown, JSON) → `publish`
//! (comment, issue, summary, outputs, exit code). Only `collect` and `publish` touch the
//! outside world; everything between is pure and takes the evaluation time as an argument.

#![deny(clippy::print_stdout, clippy::print_stderr)]

mod app;
pub mod cli;
pub mod collect;
pub mod console;
pub mod duration;
pub mod error;
pub mod escape;
pub mod gate;
pub mod github;
pub mod metrics;
pub mod model;
pub mod policy;
pub mod publish;
pub mod report;
pub mod store;

pub use app::run;
pub use error::{Error, Result};
