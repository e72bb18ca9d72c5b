//! slipgate: a quality gate for engineering teams.
//!
//! Data flows one way (docs/architecture.md, checked by `tests/all/layers.rs`):
//! `collect` (git, GitHub, JUnit, cache; through the `github` transport and the `store`)
//! → [`model`] → [`metrics`] (pure) → [`gate`] (rules → typed verdicts with evidence) →
//! [`report`] (text, markdown, JSON: the only place that words things) → `publish`
//! (comment, issue, summary, outputs, annotations). [`policy`] is configuration at model
//! level; [`escape`], [`duration`] and [`console`] are bottom utilities. Only `collect`,
//! `github`, `store`, `publish` and `console` touch the outside world; everything between
//! is pure and takes the evaluation time as an argument. `cli` turns the arguments and
//! the environment into one checked request; `app` only wires.

#![deny(clippy::print_stdout, clippy::print_stderr)]
#![warn(unreachable_pub)]

mod app;
pub mod cli;
pub mod collect;
pub mod console;
pub mod duration;
pub mod error;
pub mod escape;
pub mod gate;
pub mod github;
pub mod init;
pub mod metrics;
pub mod model;
pub mod pg;
pub mod policy;
pub mod publish;
pub mod report;
pub mod store;
pub mod tls;

pub use app::run;
pub use error::{Error, Result};
