//! One integration-test binary; one module per area.

mod cli;
mod e2e;
mod git;
mod github;
mod gitrepo;
mod junit;
mod mockhub;
mod render;
mod trust_cache;
