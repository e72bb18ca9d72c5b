//! Percentiles and statistical tests.
//!
//! Percentiles are nearest-rank, exactly as docs/metrics.md defines them: sort the n
//! values ascending and take the value at 1-based rank `ceil(p/100 * n)`. Never
//! interpolate, never average, so every gate can be checked by hand.
//!
//! [`mann_whitney_greater`] is a one-sided Mann–Whitney U test (does the current sample
//! tend to be larger than the baseline?) with the semantics of
//! `scipy.stats.mannwhitneyu(current, baseline, alternative='greater')`.

use serde::Serialize;
use std::cmp::Ordering;

/// The 1-based nearest rank `ceil(p/100 * n)` for `n > 0`, clamped to `1..=n`.
///
/// `p` below 0 counts as 0 (the smallest value) and above 100 as 100 (the largest).
/// `None` when `n == 0` or `p` is NaN.
///
/// Floating error is kept out of the rank: for a whole-number `p` the rank is computed in
/// integers (`(p*n + 99) / 100`), so p90 of 10 values is rank 9, not 10. For a fractional
/// `p` (e.g. 99.9) the product `p*n/100` is taken as a whole number when it lies within
/// 1e-9 (relative) of one, which absorbs the error of representing `p` in binary.
pub fn nearest_rank(n: usize, p: f64) -> Option<usize> {
    if n == 0 || p.is_nan() {
        return None;
    }
    let p = p.clamp(0.0, 100.0);
    let rank = if p.fract() == 0.0 {
        // p is a whole number in 0..=100, so the cast is exact.
        let p = p as u128;
        let n = n as u128;
        // ceil(p*n / 100) in integers; at most n, which came from a usize.
        usize::try_from((p * n).div_ceil(100)).unwrap_or(usize::MAX)
    } else {
        let x = p * (n as f64) / 100.0;
        let nearest = x.round();
        if (x - nearest).abs() <= 1e-9 * nearest.max(1.0) {
            nearest as usize
        } else {
            x.ceil() as usize
        }
    };
    Some(rank.clamp(1, n))
}

/// The nearest-rank `p`-th percentile of values already sorted ascending.
///
/// `None` when `sorted` is empty (or `p` is NaN). The caller sorts; an unsorted slice
/// gives the value at the rank, which is meaningless but never a panic.
pub fn percentile<T: Copy + Ord>(sorted: &[T], p: f64) -> Option<T> {
    let rank = nearest_rank(sorted.len(), p)?;
    sorted.get(rank - 1).copied()
}

/// [`percentile`] for `f64` values (test durations), sorted ascending.
pub fn percentile_f64(sorted: &[f64], p: f64) -> Option<f64> {
    let rank = nearest_rank(sorted.len(), p)?;
    sorted.get(rank - 1).copied()
}

/// Count, p50, p90 and max of a set of values (durations in seconds).
#[derive(Default, Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Distribution {
    pub count: usize,
    pub p50: Option<i64>,
    pub p90: Option<i64>,
    pub max: Option<i64>,
}

/// The [`Distribution`] of `values` (in any order; a sorted copy is made).
pub fn distribution(values: &[i64]) -> Distribution {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    Distribution {
        count: sorted.len(),
        p50: percentile(&sorted, 50.0),
        p90: percentile(&sorted, 90.0),
        max: sorted.last().copied(),
    }
}

/// The median as the nearest-rank p50 (the lower middle value for an even count: the
/// median of [1, 2, 3, 4] is 2). Values in any order. `None` when empty.
pub fn median(values: &[i64]) -> Option<i64> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    percentile(&sorted, 50.0)
}

/// How the p-value of a [`MannWhitney`] test was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// The exact null distribution of U (no ties, both samples at most
    /// [`EXACT_MAX_SAMPLE`] values).
    Exact,
    /// The normal approximation with tie and continuity corrections.
    Normal,
}

/// Largest sample size (each sample) for which the exact distribution is used.
pub const EXACT_MAX_SAMPLE: usize = 50;

/// Result of a one-sided Mann–Whitney U test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MannWhitney {
    /// U of the current sample: the number of (current, baseline) pairs where the current
    /// value is larger, ties counting one half.
    pub u: f64,
    /// Probability, under "both samples come from the same distribution", of a U at least
    /// this large.
    pub p_value: f64,
    pub method: Method,
}

/// One-sided Mann–Whitney U test of H1 "values in `current` tend to be larger than
/// values in `baseline`".
///
/// U is the current sample's rank sum (mid-ranks for ties) minus `n1(n1+1)/2`. Without
/// ties and with both samples of at most [`EXACT_MAX_SAMPLE`] values, the p-value is
/// `P(U >= u)` under the exact null distribution; otherwise it is the normal
/// approximation `P(Z >= (u - n1*n2/2 - 0.5) / sigma)` with
/// `sigma^2 = n1*n2/12 * ((n+1) - sum(t^3 - t) / (n(n-1)))` over tie groups of size t.
///
/// `None` when either sample is empty or holds a NaN.
pub fn mann_whitney_greater(current: &[f64], baseline: &[f64]) -> Option<MannWhitney> {
    let n1 = current.len();
    let n2 = baseline.len();
    if n1 == 0 || n2 == 0 || current.iter().chain(baseline).any(|v| v.is_nan()) {
        return None;
    }
    let mut all: Vec<(f64, bool)> = current
        .iter()
        .map(|&v| (v, true))
        .chain(baseline.iter().map(|&v| (v, false)))
        .collect();
    // No NaN left, so partial_cmp always answers; -0.0 and 0.0 compare equal (a tie).
    all.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(Ordering::Equal));

    // Rank sum of the current sample with mid-ranks, and the tie term sum(t^3 - t).
    let mut rank_sum = 0.0;
    let mut tie_term = 0.0;
    let mut start = 0;
    while start < all.len() {
        let value = all[start].0;
        let end = all[start..]
            .iter()
            .position(|&(v, _)| v != value)
            .map_or(all.len(), |offset| start + offset);
        let t = (end - start) as f64;
        // Positions start..end are 1-based ranks start+1 ..= end; their mean:
        let mid_rank = (start + 1 + end) as f64 / 2.0;
        let in_current = all[start..end].iter().filter(|&&(_, c)| c).count();
        rank_sum += mid_rank * in_current as f64;
        tie_term += t * t * t - t;
        start = end;
    }
    let (n1f, n2f) = (n1 as f64, n2 as f64);
    let u = rank_sum - n1f * (n1f + 1.0) / 2.0;

    if tie_term == 0.0 && n1 <= EXACT_MAX_SAMPLE && n2 <= EXACT_MAX_SAMPLE {
        // Without ties U is a whole number in 0..=n1*n2.
        let p_value = exact_sf(n1, n2, u.round() as usize);
        return Some(MannWhitney {
            u,
            p_value,
            method: Method::Exact,
        });
    }

    let n = n1f + n2f;
    let sigma = (n1f * n2f / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)))).sqrt();
    let z = (u - n1f * n2f / 2.0 - 0.5) / sigma;
    // sigma == 0 only when every value is equal: z = -0.5/0 = -inf and p = 1.
    let p_value = normal_sf(z).clamp(0.0, 1.0);
    Some(MannWhitney {
        u,
        p_value,
        method: Method::Normal,
    })
}

/// `P(U >= u)` under the exact null distribution of U for samples of sizes `n1`, `n2`
/// (both at most [`EXACT_MAX_SAMPLE`]).
///
/// The number of arrangements giving each U is the coefficient of `q^U` in the Gaussian
/// binomial coefficient `[n1+n2 choose m]_q = prod_{i=1..m} (1 - q^(k+i)) / (1 - q^i)`
/// with `m = min(n1, n2)`, `k = max(n1, n2)`. It is built one factor at a time in exact
/// integer arithmetic (each partial product is itself a Gaussian binomial, so every
/// division is exact); the total is `C(n1+n2, n1)` < 2^97 for samples of 50.
fn exact_sf(n1: usize, n2: usize, u: usize) -> f64 {
    let m = n1.min(n2);
    let k = n1.max(n2);
    let top = m * k;
    if u > top {
        return 0.0;
    }
    let mut counts = vec![0i128; top + 1];
    if let Some(c0) = counts.first_mut() {
        *c0 = 1;
    }
    for i in 1..=m {
        // Multiply by (1 - q^(k+i)), truncated at degree `top`.
        let shift = k + i;
        for d in (shift..=top).rev() {
            counts[d] -= counts[d - shift];
        }
        // Divide by (1 - q^i) as a power series: c[d] += c[d - i], ascending.
        for d in i..=top {
            counts[d] += counts[d - i];
        }
    }
    let total: i128 = counts.iter().sum();
    let upper: i128 = counts[u..].iter().sum();
    upper as f64 / total as f64
}

/// Survival function of the standard normal distribution, `P(Z > z)`.
///
/// Relative error below 4e-14 for z in [-5, 15] (checked in steps of 0.05 against
/// mpmath at 40 digits); most of it comes from rounding `z / sqrt(2)` before squaring.
pub fn normal_sf(z: f64) -> f64 {
    0.5 * erfc(z / std::f64::consts::SQRT_2)
}

/// Complementary error function.
///
/// For `0 <= x < 1`: `1 - erf(x)` with the all-positive series
/// `erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_{j>=0} 2^j x^(2j+1) / (1*3*...*(2j+1))`
/// (Abramowitz & Stegun 7.1.6). For `x >= 1`: the continued fraction
/// `erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...)))))`
/// evaluated with Lentz's method. Negative `x` uses `erfc(x) = 2 - erfc(-x)`.
fn erfc(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x < 0.0 {
        return 2.0 - erfc(-x);
    }
    if x == f64::INFINITY || x > 27.3 {
        // exp(-x^2) underflows to 0 beyond ~26.6.
        return 0.0;
    }
    let inv_sqrt_pi = 1.0 / std::f64::consts::PI.sqrt();
    if x < 1.0 {
        let x2 = x * x;
        let mut term = x;
        let mut sum = x;
        let mut j = 0.0;
        while term > sum * 1e-17 {
            j += 1.0;
            term *= 2.0 * x2 / (2.0 * j + 1.0);
            sum += term;
        }
        let erf = 2.0 * inv_sqrt_pi * (-x2).exp() * sum;
        return 1.0 - erf;
    }
    // Modified Lentz for g = x + a1/(x + a2/(x + ...)), a_j = j/2.
    const TINY: f64 = 1e-300;
    let mut g = x;
    let mut c = x;
    let mut d = 0.0;
    for j in 1..5000 {
        let a = j as f64 / 2.0;
        d = x + a * d;
        if d == 0.0 {
            d = TINY;
        }
        c = x + a / c;
        if c == 0.0 {
            c = TINY;
        }
        d = 1.0 / d;
        let delta = c * d;
        g *= delta;
        if (delta - 1.0).abs() < 1e-16 {
            break;
        }
    }
    (-x * x).exp() * inv_sqrt_pi / g
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_matches_the_spec_examples() {
        // Spec: p50 of [1,2,3,4] is 2: ceil(0.5 * 4) = 2 → value 2.
        assert_eq!(percentile(&[1, 2, 3, 4], 50.0), Some(2));
        // ceil(0.5 * 5) = ceil(2.5) = 3 → third value.
        assert_eq!(percentile(&[10, 20, 30, 40, 50], 50.0), Some(30));
        assert_eq!(percentile::<i64>(&[], 50.0), None);
        assert_eq!(percentile(&[7], 50.0), Some(7));
        assert_eq!(percentile(&[7], 90.0), Some(7));
    }

    #[test]
    fn rank_has_no_floating_error() {
        // p90 of 10 values: ceil(0.9 * 10) = 9 exactly (a float product could give 9.000…1
        // and round up to 10).
        let ten: Vec<i64> = (1..=10).collect();
        assert_eq!(percentile(&ten, 90.0), Some(9));
        // p7 of 100 values: 0.07 * 100 = 7.000000000000001 in floating point; rank must be 7.
        let hundred: Vec<i64> = (1..=100).collect();
        assert_eq!(percentile(&hundred, 7.0), Some(7));
        assert_eq!(nearest_rank(100, 7.0), Some(7));
        // p29 of 100: 0.29 * 100 = 28.999999999999996; rank 29.
        assert_eq!(nearest_rank(100, 29.0), Some(29));
        // Fractional p: 99.9 of 1000 → 999 (99.9 is not exact in binary).
        assert_eq!(nearest_rank(1000, 99.9), Some(999));
        // 99.9 of 10 → ceil(9.99) = 10.
        assert_eq!(nearest_rank(10, 99.9), Some(10));
        // 12.5 of 8 → exactly 1.
        assert_eq!(nearest_rank(8, 12.5), Some(1));
        // 12.5 of 9 → ceil(1.125) = 2.
        assert_eq!(nearest_rank(9, 12.5), Some(2));
        // p90 of 11 → ceil(9.9) = 10; p90 of 20 → 18; p90 of 21 → ceil(18.9) = 19.
        assert_eq!(nearest_rank(11, 90.0), Some(10));
        assert_eq!(nearest_rank(20, 90.0), Some(18));
        assert_eq!(nearest_rank(21, 90.0), Some(19));
    }

    #[test]
    fn rank_agrees_with_exact_rational_arithmetic_for_every_whole_p() {
        // For every whole p and n up to 200, the rank is the smallest r with 100*r >= p*n.
        for n in 1..=200usize {
            for p in 0..=100usize {
                let expected = (1..=n).find(|&r| 100 * r >= p * n).unwrap_or(n).max(1);
                assert_eq!(nearest_rank(n, p as f64), Some(expected), "n={n} p={p}");
            }
        }
    }

    #[test]
    fn out_of_range_p_is_clamped_and_nan_gives_none() {
        let v = [3, 5, 8];
        assert_eq!(percentile(&v, 0.0), Some(3)); // rank ceil(0) = 0 → clamped to 1
        assert_eq!(percentile(&v, -5.0), Some(3));
        assert_eq!(percentile(&v, 100.0), Some(8));
        assert_eq!(percentile(&v, 250.0), Some(8));
        assert_eq!(percentile(&v, f64::NAN), None);
    }

    #[test]
    fn percentile_f64_uses_the_same_rank() {
        let v = [0.5, 1.25, 2.0, 9.75];
        // p50: rank 2 → 1.25; p90: ceil(3.6) = 4 → 9.75; p25: rank 1 → 0.5.
        assert_eq!(percentile_f64(&v, 50.0), Some(1.25));
        assert_eq!(percentile_f64(&v, 90.0), Some(9.75));
        assert_eq!(percentile_f64(&v, 25.0), Some(0.5));
        assert_eq!(percentile_f64(&[], 25.0), None);
    }

    #[test]
    fn distribution_sorts_a_copy() {
        // Sorted: [60, 120, 300, 3600, 86400]. p50 rank ceil(2.5) = 3 → 300;
        // p90 rank ceil(4.5) = 5 → 86400; max 86400.
        let values = [3600, 60, 86400, 300, 120];
        assert_eq!(
            distribution(&values),
            Distribution {
                count: 5,
                p50: Some(300),
                p90: Some(86400),
                max: Some(86400),
            }
        );
        assert_eq!(values[0], 3600, "input left as given");
        assert_eq!(
            distribution(&[]),
            Distribution {
                count: 0,
                p50: None,
                p90: None,
                max: None,
            }
        );
        // Ten values 10..=100: p50 rank 5 → 50; p90 rank 9 → 90; max 100.
        let ten: Vec<i64> = (1..=10).rev().map(|v| v * 10).collect();
        let d = distribution(&ten);
        assert_eq!((d.p50, d.p90, d.max), (Some(50), Some(90), Some(100)));
    }

    #[test]
    fn median_never_averages() {
        assert_eq!(median(&[4, 1, 3, 2]), Some(2)); // not 2.5
        assert_eq!(median(&[9, -1, 5]), Some(5));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn distribution_serializes_with_nulls() {
        let json = serde_json::to_string(&distribution(&[5])).unwrap();
        assert_eq!(json, r#"{"count":1,"p50":5,"p90":5,"max":5}"#);
        let json = serde_json::to_string(&distribution(&[])).unwrap();
        assert_eq!(json, r#"{"count":0,"p50":null,"p90":null,"max":null}"#);
    }

    fn close(actual: f64, expected: f64, tol: f64) -> bool {
        (actual - expected).abs() <= tol
    }

    #[track_caller]
    fn check(current: &[f64], baseline: &[f64], u: f64, p: f64, method: Method) {
        let r = mann_whitney_greater(current, baseline).expect("a result");
        let tol = match method {
            Method::Exact => 1e-9,
            Method::Normal => 1e-6,
        };
        assert_eq!(r.method, method);
        assert_eq!(r.u, u);
        assert!(close(r.p_value, p, tol), "p = {} expected {p}", r.p_value);
    }

    #[test]
    fn exact_small_samples_without_ties() {
        // By hand: current [3], baseline [1, 2]: U = 2 (3 beats both); the three
        // arrangements of one value among three give U = 0, 1, 2 each with probability
        // 1/3, so P(U >= 2) = 1/3.
        check(&[3.0], &[1.0, 2.0], 2.0, 1.0 / 3.0, Method::Exact);
        // Every current value above every baseline value: U = n1*n2 = 9 and
        // P(U >= 9) = 1 / C(6, 3) = 1/20.
        check(&[4.0, 5.0, 6.0], &[1.0, 2.0, 3.0], 9.0, 0.05, Method::Exact);
        // And the other way round: U = 0, P(U >= 0) = 1.
        check(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0], 0.0, 1.0, Method::Exact);

        // scipy 1.17.1: scipy.stats.mannwhitneyu([1.2, 3.4, 5.6, 7.8, 9.1],
        //   [0.5, 2.2, 4.4, 6.1], alternative='greater', method='exact')
        //   → statistic=14.0, pvalue=0.20634920634920634
        // Hand check of U: 1.2 beats 0.5 (1), 3.4 beats 2 (2), 5.6 beats 3 (3),
        // 7.8 and 9.1 beat all 4 (8): U = 1 + 2 + 3 + 8 = 14.
        let (current, baseline) = ([1.2, 3.4, 5.6, 7.8, 9.1], [0.5, 2.2, 4.4, 6.1]);
        check(
            &current,
            &baseline,
            14.0,
            0.20634920634920634,
            Method::Exact,
        );
    }

    #[test]
    fn exact_larger_samples_without_ties() {
        // a = [(i*7 % 31) + 3.5 for i in range(15)], b = [(j*11 % 29) + 0.25 for j in range(12)]
        // scipy 1.17.1: mannwhitneyu(a, b, alternative='greater', method='exact', use_continuity=True)
        //   → statistic=115.0, pvalue=0.11812652655969387
        let a: Vec<f64> = (0..15).map(|i| ((i * 7) % 31) as f64 + 3.5).collect();
        let b: Vec<f64> = (0..12).map(|j| ((j * 11) % 29) as f64 + 0.25).collect();
        check(&a, &b, 115.0, 0.11812652655969387, Method::Exact);

        // a = [i + 0.5 + 5 for i in range(20)], b = [float(j) for j in range(20)]
        // scipy 1.17.1: mannwhitneyu(a, b, alternative='greater', method='exact')
        //   → statistic=295.0, pvalue=0.0047418035956025015
        let a: Vec<f64> = (0..20).map(|i| i as f64 + 5.5).collect();
        let b: Vec<f64> = (0..20).map(|j| j as f64).collect();
        check(&a, &b, 295.0, 0.0047418035956025015, Method::Exact);

        // At the exact-method limit, 50 and 50:
        // a = [i*2.0 + 1.0 + (0.5 if i%3==0 else 0.0) for i in range(50)],
        // b = [j*2.0 for j in range(50)]
        // scipy 1.17.1: mannwhitneyu(a, b, alternative='greater', method='exact')
        //   → statistic=1275.0, pvalue=0.4332358761992011
        // (method='asymptotic' would give 0.43293820534119487.)
        let a: Vec<f64> = (0..50)
            .map(|i| i as f64 * 2.0 + 1.0 + if i % 3 == 0 { 0.5 } else { 0.0 })
            .collect();
        let b: Vec<f64> = (0..50).map(|j| j as f64 * 2.0).collect();
        check(&a, &b, 1275.0, 0.4332358761992011, Method::Exact);
    }

    #[test]
    fn ties_use_the_normal_approximation() {
        // scipy 1.17.1: mannwhitneyu([1, 2, 2, 3, 4], [2, 3, 3, 1], alternative='greater',
        //   method='asymptotic', use_continuity=True) → statistic=10.5, pvalue=0.5
        // By hand: ranks of 1,1,2,2,2,3,3,3,4 are 1.5,1.5,4,4,4,7,7,7,9; current holds
        // 1.5+4+4+7+9 = 25.5, U = 25.5 - 15 = 10.5; mean n1*n2/2 = 10; z = (10.5-10-0.5)/s = 0.
        let (current, baseline) = ([1.0, 2.0, 2.0, 3.0, 4.0], [2.0, 3.0, 3.0, 1.0]);
        check(&current, &baseline, 10.5, 0.5, Method::Normal);

        // a = [float((i*13) % 17) for i in range(60)], b = [float((j*5) % 13) for j in range(80)]
        // scipy 1.17.1: mannwhitneyu(a, b, alternative='greater', method='asymptotic',
        //   use_continuity=True) → statistic=2930.0, pvalue=0.012724418578112514
        let a: Vec<f64> = (0..60).map(|i| ((i * 13) % 17) as f64).collect();
        let b: Vec<f64> = (0..80).map(|j| ((j * 5) % 13) as f64).collect();
        check(&a, &b, 2930.0, 0.012724418578112514, Method::Normal);
    }

    #[test]
    fn identical_and_constant_samples() {
        // scipy 1.17.1: mannwhitneyu([1, 2, 3, 4, 5], [1, 2, 3, 4, 5], alternative='greater',
        //   method='asymptotic', use_continuity=True) → statistic=12.5, pvalue=0.5422350133116141
        let v = [1.0, 2.0, 3.0, 4.0, 5.0];
        check(&v, &v, 12.5, 0.5422350133116141, Method::Normal);

        // Every value equal: sigma = 0, z = -inf, p = 1.
        // scipy 1.17.1: mannwhitneyu([2, 2, 2], [2, 2], alternative='greater',
        //   method='asymptotic') → statistic=3.0, pvalue=1.0
        check(&[2.0, 2.0, 2.0], &[2.0, 2.0], 3.0, 1.0, Method::Normal);
    }

    #[test]
    fn large_samples_without_ties_use_the_normal_approximation() {
        // a = [100.0 + i*0.5 for i in range(60)], b = [i*0.75 + 0.1 for i in range(70)]
        // scipy 1.17.1: mannwhitneyu(a, b, alternative='greater', method='asymptotic',
        //   use_continuity=True) → statistic=4200.0, pvalue=5.35901455226997e-23
        let a: Vec<f64> = (0..60).map(|i| 100.0 + i as f64 * 0.5).collect();
        let b: Vec<f64> = (0..70).map(|i| i as f64 * 0.75 + 0.1).collect();
        let r = mann_whitney_greater(&a, &b).unwrap();
        assert_eq!((r.u, r.method), (4200.0, Method::Normal));
        // Tiny p: compare relatively (an absolute 1e-6 would accept anything).
        let expected = 5.35901455226997e-23;
        assert!(
            ((r.p_value - expected) / expected).abs() < 1e-9,
            "{}",
            r.p_value
        );

        // n1 = 51 is just over the exact limit.
        // a = [i*2.0+1.0 for i in range(51)], b = [j*2.0 for j in range(30)]
        // scipy 1.17.1: mannwhitneyu(a, b, alternative='greater', method='asymptotic',
        //   use_continuity=True) → statistic=1095.0, pvalue=0.0006353780227419752
        let a: Vec<f64> = (0..51).map(|i| i as f64 * 2.0 + 1.0).collect();
        let b: Vec<f64> = (0..30).map(|j| j as f64 * 2.0).collect();
        check(&a, &b, 1095.0, 0.0006353780227419752, Method::Normal);
    }

    #[test]
    fn exact_distribution_sums_to_one_and_is_symmetric() {
        // n1 = 4, n2 = 6: P(U >= 0) = 1; P(U >= 24) = 1/C(10,4) = 1/210;
        // symmetry: P(U >= 13) = P(U <= 11) = 1 - P(U >= 12).
        assert_eq!(exact_sf(4, 6, 0), 1.0);
        assert!(close(exact_sf(4, 6, 24), 1.0 / 210.0, 1e-15));
        assert!(close(exact_sf(4, 6, 13), 1.0 - exact_sf(4, 6, 12), 1e-15));
        assert_eq!(exact_sf(4, 6, 25), 0.0);
        // n1 = n2 = 2: of the C(4,2) = 6 orderings, U = 0,1,2,2,3,4 (two give U = 2),
        // so P(U >= 3) = 2/6 and P(U >= 2) = 4/6.
        assert!(close(exact_sf(2, 2, 3), 2.0 / 6.0, 1e-15));
        assert!(close(exact_sf(2, 2, 2), 4.0 / 6.0, 1e-15));
        // n1 = 3, n2 = 1: the baseline value sits in one of 4 places, U = 0..=3 uniform:
        // P(U >= 1) = 3/4.
        assert!(close(exact_sf(3, 1, 1), 0.75, 1e-15));
    }

    #[test]
    fn empty_or_nan_samples_give_none() {
        assert_eq!(mann_whitney_greater(&[], &[1.0]), None);
        assert_eq!(mann_whitney_greater(&[1.0], &[]), None);
        assert_eq!(mann_whitney_greater(&[1.0, f64::NAN], &[2.0]), None);
    }

    #[test]
    #[allow(clippy::excessive_precision)] // reference digits kept as printed
    fn erfc_matches_known_values() {
        // Reference values from mpmath 1.4.1 at 40 digits: `mpmath.erfc(x)`.
        let cases = [
            (0.0, 1.0),
            (0.5, 0.479_500_122_186_953_5),
            (0.999, 0.157_714_729_793_503_06),
            (1.0, 0.157_299_207_050_285_13),
            (1.001, 0.156_884_514_521_923_72),
            (1.5, 0.033_894_853_524_689_273),
            (1.999, 0.004_698_443_348_629_488),
            (2.0, 0.004_677_734_981_047_266),
            (2.5, 4.069_520_174_449_589_4e-4),
            (3.0, 2.209_049_699_858_544e-5),
            (4.0, 1.541_725_790_028_001_9e-8),
            (5.0, 1.537_459_794_428_035e-12),
            (-1.0, 1.842_700_792_949_714_9),
            (8.0, 1.122_429_717_298_292_7e-29),
            (26.0, 5.663_192_408_856_143e-296),
        ];
        for (x, expected) in cases {
            let got = erfc(x);
            assert!(
                ((got - expected) / expected).abs() < 1e-13,
                "erfc({x}) = {got}, expected {expected}"
            );
        }
        assert_eq!(erfc(40.0), 0.0);
        assert_eq!(erfc(f64::NEG_INFINITY), 2.0);
    }
}
