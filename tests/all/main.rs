//! One integration-test binary; one module per area.

mod cli;
mod comment;
mod contract;
mod coverage;
mod e2e;
mod error_path;
mod first_response;
mod git;
mod github;
mod github_trust;
mod gitrepo;
mod hostile;
mod init;
mod inputs;
mod junit;
mod junit_annotations;
mod junit_trust;
mod layers;
mod mockhub;
mod openmetrics;
mod render;
mod schema;
mod trend;
mod trend_issue;
mod trust_cache;
