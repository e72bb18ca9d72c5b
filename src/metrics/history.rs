//! The test-run history kept in the cache: what several runs say about the tests that one
//! run cannot (a test that fails now and then).

use std::collections::{BTreeMap, BTreeSet};

/// Test ids that failed in at least one run but not in every run, with how many runs they
/// failed in; most failures first, then by id. `runs` holds each run's failing test ids.
pub fn flipping<'a>(runs: impl IntoIterator<Item = &'a [String]>) -> Vec<(String, usize)> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut total = 0;
    for failing in runs {
        total += 1;
        let mut seen = BTreeSet::new();
        for id in failing {
            if seen.insert(id.as_str()) {
                *counts.entry(id.as_str()).or_insert(0) += 1;
            }
        }
    }
    let mut v: Vec<(String, usize)> = counts
        .into_iter()
        .filter(|(_, n)| *n < total)
        .map(|(id, n)| (id.to_string(), n))
        .collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flipping_tests_failed_in_some_runs_not_all() {
        // a fails in all 3 runs (broken, not flipping); b in 2; c in 1.
        let runs: Vec<Vec<String>> = [["a", "b"], ["a", "c"], ["a", "b"]]
            .iter()
            .map(|r| r.iter().map(|s| s.to_string()).collect())
            .collect();
        assert_eq!(
            flipping(runs.iter().map(Vec::as_slice)),
            [("b".to_string(), 2), ("c".to_string(), 1)]
        );
    }
}
