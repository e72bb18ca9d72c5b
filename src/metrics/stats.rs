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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Method {
    Exact,
    Normal,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MannWhitney {
    pub u: f64,
    pub p_value: f64,
    pub method: Method,
}

/// Placeholder: replaced by the stats branch.
pub fn mann_whitney_greater(current: &[f64], baseline: &[f64]) -> Option<MannWhitney> {
    if current.is_empty() || baseline.is_empty() {
        return None;
    }
    let mut u = 0.0;
    for x in current {
        for y in baseline {
            if x > y {
                u += 1.0;
            } else if x == y {
                u += 0.5;
            }
        }
    }
    let (n1, n2) = (current.len() as f64, baseline.len() as f64);
    let mu = n1 * n2 / 2.0;
    let sigma = (n1 * n2 * (n1 + n2 + 1.0) / 12.0).sqrt();
    let z = (u - mu - 0.5) / sigma;
    let p = 0.5 * (1.0 - erf(z / std::f64::consts::SQRT_2));
    Some(MannWhitney { u, p_value: p, method: Method::Normal })
}

fn erf(x: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.3275911 * x.abs());
    let y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * (-x * x).exp();
    if x >= 0.0 { y } else { -y }
}
