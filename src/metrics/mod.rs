//! Metrics: pure functions from the model to numbers, exactly as docs/metrics.md defines.

pub mod stats;
pub mod tests;
