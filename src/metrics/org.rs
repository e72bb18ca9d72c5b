//! The organisation view's trend arrows: each metric's last period against the one
//! before it, and whether the move is an improvement (spec: `up_is_good`).

use super::trend::{Delta, up_is_good};
use crate::model::org::OrgRow;
use crate::policy::metric::{Agg, Metric};

/// Which way a value moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
    Flat,
}

/// One metric's move between the last two periods.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Arrow {
    pub previous: f64,
    pub last: f64,
    pub direction: Direction,
    /// Some(true) for an improvement, Some(false) for a regression, none when flat.
    pub good: Option<bool>,
}

/// The metrics that get an arrow, in column order.
pub fn trend_metrics() -> [Metric; 4] {
    [
        Metric::LeadTime(Agg::P50),
        Metric::ReleaseFrequency,
        Metric::ChangeFailureRate,
        Metric::DefectRate,
    ]
}

/// A repository's row and its arrows, in [`trend_metrics`] order (none without both
/// values).
#[derive(Debug, Clone, PartialEq)]
pub struct OrgLine {
    pub row: OrgRow,
    pub arrows: [Option<Arrow>; 4],
}

/// The arrow of `previous` → `last` for metric `m`; none unless both are finite.
pub fn arrow(m: &Metric, previous: Option<f64>, last: Option<f64>) -> Option<Arrow> {
    let d = Delta::of(&[previous, last])?;
    let (previous, last, change) = (d.previous?, d.last?, d.change?);
    if !change.is_finite() {
        return None;
    }
    let direction = if change.abs() <= 1e-9 * previous.abs().max(1.0) {
        Direction::Flat
    } else if change > 0.0 {
        Direction::Up
    } else {
        Direction::Down
    };
    let good = match direction {
        Direction::Flat => None,
        Direction::Up => Some(up_is_good(m)),
        Direction::Down => Some(!up_is_good(m)),
    };
    Some(Arrow {
        previous,
        last,
        direction,
        good,
    })
}

/// The lines of the view, sorted by repository (byte order, then the rest of the row so
/// that duplicates keep one order).
pub fn lines(rows: Vec<OrgRow>) -> Vec<OrgLine> {
    let metrics = trend_metrics();
    let mut out: Vec<OrgLine> = rows
        .into_iter()
        .map(|row| {
            let arrows = metrics.clone().map(|m| {
                let name = m.to_string();
                row.recent
                    .iter()
                    .find(|r| r.metric == name)
                    .and_then(|r| arrow(&m, r.previous, r.last))
            });
            OrgLine { row, arrows }
        })
        .collect();
    out.sort_by(|a, b| {
        a.row
            .repo
            .cmp(&b.row.repo)
            .then(a.row.evaluated_at.cmp(&b.row.evaluated_at))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::org::RecentValues;

    fn row(repo: &str, recent: Vec<(&str, Option<f64>, Option<f64>)>) -> OrgRow {
        OrgRow {
            repo: repo.into(),
            evaluated_at: 0,
            latest_release: None,
            lead_time_p50_seconds: None,
            release_frequency: None,
            change_failure_rate: None,
            defect_rate: None,
            open_critical_bugs: None,
            last_verdict: None,
            recent: recent
                .into_iter()
                .map(|(m, p, l)| RecentValues {
                    metric: m.into(),
                    previous: p,
                    last: l,
                })
                .collect(),
        }
    }

    #[test]
    fn a_rise_is_good_only_where_up_is_good() {
        let lt = Metric::LeadTime(Agg::P50);
        let a = arrow(&lt, Some(3600.0), Some(7200.0)).unwrap();
        assert_eq!((a.direction, a.good), (Direction::Up, Some(false)));
        let a = arrow(&Metric::ReleaseFrequency, Some(1.0), Some(2.0)).unwrap();
        assert_eq!((a.direction, a.good), (Direction::Up, Some(true)));
        let a = arrow(&Metric::ChangeFailureRate, Some(0.5), Some(0.25)).unwrap();
        assert_eq!((a.direction, a.good), (Direction::Down, Some(true)));
        let a = arrow(&Metric::DefectRate, Some(2.0), Some(2.0)).unwrap();
        assert_eq!((a.direction, a.good), (Direction::Flat, None));
        assert_eq!(arrow(&lt, None, Some(1.0)), None);
        assert_eq!(arrow(&lt, Some(1.0), None), None);
        assert_eq!(arrow(&lt, Some(f64::INFINITY), Some(1.0)), None);
    }

    #[test]
    fn lines_are_sorted_by_repo_with_arrows_in_column_order() {
        let l = lines(vec![
            row("b/z", vec![]),
            row(
                "a/y",
                vec![
                    ("defect_rate", Some(1.0), Some(0.5)),
                    ("release_frequency", Some(1.0), Some(0.5)),
                    ("lead_time.p90", Some(1.0), Some(9.0)),
                ],
            ),
        ]);
        assert_eq!(l[0].row.repo, "a/y");
        assert_eq!(l[1].row.repo, "b/z");
        let dirs: Vec<_> = l[0]
            .arrows
            .iter()
            .map(|a| a.map(|a| (a.direction, a.good)))
            .collect();
        assert_eq!(
            dirs,
            [
                None,
                Some((Direction::Down, Some(false))),
                None,
                Some((Direction::Down, Some(true))),
            ]
        );
        assert_eq!(l[1].arrows, [None; 4]);
    }
}
