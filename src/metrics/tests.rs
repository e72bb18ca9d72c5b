//! Placeholder until the junit branch lands.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct TestMetrics {
    pub warnings: Vec<String>,
}
