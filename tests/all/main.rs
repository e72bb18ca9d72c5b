//! One integration-test binary; one module per area.

mod cli;
mod git;
mod github;
mod gitrepo;
mod junit;
mod mockhub;
