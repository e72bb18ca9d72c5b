//! The gate's test figures, taken from the test metrics of the run.

use super::TestFigures;
use crate::metrics::tests::TestMetrics;
use crate::model::Outcome;

impl From<&TestMetrics> for TestFigures {
    fn from(t: &TestMetrics) -> TestFigures {
        let id = |c: &str, n: &str| {
            if c.is_empty() {
                n.to_string()
            } else {
                format!("{c}::{n}")
            }
        };
        TestFigures {
            passed: t.passed,
            failed: t.failed,
            errored: t.errored,
            skipped: t.skipped,
            flaky: t.flaky.len(),
            duration: t.duration,
            failing: t
                .failing
                .iter()
                .map(|f| {
                    (
                        id(&f.test.classname, &f.test.name),
                        f.message.clone().unwrap_or_default(),
                        if f.outcome == Outcome::Errored {
                            "errored"
                        } else {
                            "failed"
                        }
                        .to_string(),
                    )
                })
                .collect(),
            flaky_ids: t.flaky.iter().map(|f| id(&f.classname, &f.name)).collect(),
            slowest: t
                .slowest
                .iter()
                .map(|s| (id(&s.test.classname, &s.test.name), s.duration))
                .collect(),
        }
    }
}
