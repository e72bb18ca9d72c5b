//! External metrics (`external.<name>.*`) and vulnerability counts, as docs/metrics.md
//! defines them: aggregates of the samples whose time lies in a span.

use crate::metrics::issues::Span;
use crate::metrics::stats::percentile_f64;
use crate::model::{ExternalData, Severity};
use crate::policy::metric::ExtAgg;
use serde::Serialize;

/// The aggregates of one external metric's samples in a span.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExternalStats {
    pub name: String,
    /// Samples in the span.
    pub count: usize,
    /// The sample with the latest time (of equal times, the one read last).
    pub latest: Option<f64>,
    pub mean: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// Nearest-rank percentiles.
    pub p50: Option<f64>,
    pub p90: Option<f64>,
    /// Some sample of this name carries the unit `%`: the values are shares, shown as
    /// percentages.
    pub percent: bool,
}

impl ExternalStats {
    pub fn get(&self, agg: ExtAgg) -> Option<f64> {
        match agg {
            ExtAgg::Latest => self.latest,
            ExtAgg::Mean => self.mean,
            ExtAgg::Min => self.min,
            ExtAgg::Max => self.max,
            ExtAgg::P50 => self.p50,
            ExtAgg::P90 => self.p90,
        }
    }
}

/// The aggregates of the samples named `name` whose time lies in `span`; none when no
/// file has a sample of that name at all (in or out of the span).
pub fn stats(data: &ExternalData, name: &str, span: Span) -> Option<ExternalStats> {
    let all: Vec<_> = data.samples.iter().filter(|s| s.name == name).collect();
    if all.is_empty() {
        return None;
    }
    let percent = all.iter().any(|s| s.percent);
    let inside: Vec<_> = all.into_iter().filter(|s| span.contains(s.time)).collect();
    let latest = inside
        .iter()
        .enumerate()
        .max_by_key(|(i, s)| (s.time, *i))
        .map(|(_, s)| s.value);
    let mut values: Vec<f64> = inside.iter().map(|s| s.value).collect();
    values.sort_by(f64::total_cmp);
    let count = values.len();
    let mean = (count > 0).then(|| values.iter().sum::<f64>() / count as f64);
    Some(ExternalStats {
        name: name.to_string(),
        count,
        latest,
        mean,
        min: values.first().copied(),
        max: values.last().copied(),
        p50: percentile_f64(&values, 50.0),
        p90: percentile_f64(&values, 90.0),
        percent,
    })
}

/// Every name's aggregates in `span`, by name.
pub fn summary(data: &ExternalData, span: Span) -> Vec<ExternalStats> {
    let mut names: Vec<&str> = data.samples.iter().map(|s| s.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    names
        .into_iter()
        .filter_map(|n| stats(data, n, span))
        .collect()
}

/// Vulnerability counts of this run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VulnerabilityCounts {
    pub total: usize,
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
}

impl VulnerabilityCounts {
    pub fn of(data: &crate::model::SarifData) -> VulnerabilityCounts {
        VulnerabilityCounts {
            total: data.findings.len(),
            critical: data.count(Severity::Critical),
            high: data.count(Severity::High),
            medium: data.count(Severity::Medium),
            low: data.count(Severity::Low),
        }
    }

    pub fn get(&self, s: Option<Severity>) -> usize {
        match s {
            None => self.total,
            Some(Severity::Critical) => self.critical,
            Some(Severity::High) => self.high,
            Some(Severity::Medium) => self.medium,
            Some(Severity::Low) => self.low,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ExternalSample;

    fn s(name: &str, time: i64, value: f64, percent: bool) -> ExternalSample {
        ExternalSample {
            name: name.into(),
            time,
            value,
            percent,
        }
    }

    #[test]
    fn aggregates_only_the_samples_in_the_span() {
        let data = ExternalData {
            samples: vec![
                s("uptime", 100, 0.999, true),
                s("uptime", 300, 0.990, true),
                s("uptime", 200, 0.995, true),
                s("uptime", 50, 0.5, true),  // before the span
                s("uptime", 401, 0.1, true), // after the span
                s("csat", 150, 4.0, false),
            ],
            ..ExternalData::default()
        };
        let span = Span {
            start: 100,
            end: 400,
            end_inclusive: true,
        };
        let u = stats(&data, "uptime", span).unwrap();
        assert_eq!(u.count, 3);
        assert_eq!(u.latest, Some(0.990)); // time 300
        // (0.999 + 0.990 + 0.995) / 3 = 2.984 / 3
        assert!((u.mean.unwrap() - 2.984 / 3.0).abs() < 1e-12);
        assert_eq!(u.min, Some(0.990));
        assert_eq!(u.max, Some(0.999));
        // sorted 0.990, 0.995, 0.999: p50 rank ceil(1.5) = 2, p90 rank ceil(2.7) = 3
        assert_eq!(u.p50, Some(0.995));
        assert_eq!(u.p90, Some(0.999));
        assert!(u.percent);
        let c = stats(&data, "csat", span).unwrap();
        assert_eq!((c.count, c.latest, c.percent), (1, Some(4.0), false));
        assert_eq!(stats(&data, "nps", span), None);
        let empty = stats(
            &data,
            "csat",
            Span {
                start: 0,
                end: 10,
                end_inclusive: false,
            },
        )
        .unwrap();
        assert_eq!((empty.count, empty.mean, empty.p50), (0, None, None));
        let names: Vec<_> = summary(&data, span).into_iter().map(|s| s.name).collect();
        assert_eq!(names, ["csat", "uptime"]);
    }

    #[test]
    fn latest_of_equal_times_is_the_one_read_last() {
        let data = ExternalData {
            samples: vec![s("x", 10, 1.0, false), s("x", 10, 2.0, false)],
            ..ExternalData::default()
        };
        let span = Span::ending_now(10, 100);
        assert_eq!(stats(&data, "x", span).unwrap().latest, Some(2.0));
    }
}
