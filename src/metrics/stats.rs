//! Percentiles and statistical tests. (Placeholder until the stats branch lands.)

use serde::Serialize;

/// Nearest-rank percentile of sorted values: the value at 1-based rank ceil(p/100 * n).
pub fn percentile<T: Copy + Ord>(sorted: &[T], p: f64) -> Option<T> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    let rank = ((p * n as f64 / 100.0) - 1e-9).ceil().max(1.0) as usize;
    sorted.get(rank.min(n) - 1).copied()
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Distribution {
    pub count: usize,
    pub p50: Option<i64>,
    pub p90: Option<i64>,
    pub max: Option<i64>,
}

pub fn distribution(values: &[i64]) -> Distribution {
    let mut v = values.to_vec();
    v.sort_unstable();
    Distribution {
        count: v.len(),
        p50: percentile(&v, 50.0),
        p90: percentile(&v, 90.0),
        max: v.last().copied(),
    }
}

pub fn median(values: &[i64]) -> Option<i64> {
    let mut v = values.to_vec();
    v.sort_unstable();
    percentile(&v, 50.0)
}
