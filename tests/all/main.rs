//! One integration-test binary; one module per area.

mod cli;
mod comment;
mod contract;
mod e2e;
mod first_response;
mod git;
mod github;
mod github_trust;
mod gitrepo;
mod hostile;
mod init;
mod inputs;
mod junit;
mod junit_trust;
mod layers;
mod mockhub;
mod render;
mod trend;
mod trend_issue;
mod trust_cache;
