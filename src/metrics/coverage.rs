//! Coverage figures of one run (docs/metrics.md, "Coverage").

use crate::model::coverage::{CoverageRun, FileCoverage, PatchGap};

/// Covered of instrumented.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Share {
    pub covered: u64,
    pub total: u64,
}

impl Share {
    /// The share covered; none when nothing is instrumented.
    pub fn ratio(self) -> Option<f64> {
        (self.total > 0).then(|| self.covered as f64 / self.total as f64)
    }

    fn add(&mut self, covered: u64, total: u64) {
        self.covered += covered;
        self.total += total;
    }
}

/// Uncovered lines of the patch: `start..=end` of `file`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LineRange {
    pub file: String,
    pub start: u32,
    pub end: u32,
}

/// Coverage of the pull request's added or changed lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatchFigures {
    /// Of the patch's lines, those instrumented and those covered.
    pub lines: Share,
    /// Lines the patch adds or changes, instrumented or not.
    pub changed: u64,
    /// Uncovered instrumented lines, consecutive ones as one range, by file and line.
    pub uncovered: Vec<LineRange>,
    /// The head commit (for links to the lines).
    pub head: String,
    pub merge_base: String,
}

/// The run's coverage figures.
#[derive(Debug, Clone, PartialEq)]
pub struct CoverageFigures {
    pub lines: Share,
    pub branches: Share,
    /// Source files with coverage data.
    pub sources: usize,
    /// The report files read.
    pub files: Vec<String>,
    pub patch: Result<PatchFigures, PatchGap>,
    /// What reading the reports met (patterns matching nothing).
    pub warnings: Vec<String>,
    /// The previous recorded run on the default branch: what coverage slip rules and
    /// the comment's delta compare with.
    pub base: Result<CoverageBase, BaseGap>,
}

/// The coverage of a recorded run, the base of a comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoverageBase {
    pub sha: String,
    pub at: crate::model::Timestamp,
    pub branch: String,
    pub lines: Share,
    pub branches: Share,
}

impl CoverageBase {
    /// The base of the run `sha` at `at` on `branch` with `counts`.
    pub fn of(
        sha: &str,
        at: crate::model::Timestamp,
        branch: &str,
        counts: crate::model::coverage::CoverageCounts,
    ) -> CoverageBase {
        CoverageBase {
            sha: sha.to_string(),
            at,
            branch: branch.to_string(),
            lines: Share {
                covered: counts.lines_covered,
                total: counts.lines_total,
            },
            branches: Share {
                covered: counts.branches_covered,
                total: counts.branches_total,
            },
        }
    }
}

/// Why a run has no coverage base.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaseGap {
    /// No run history to look in (no cache, or it was not asked).
    NoHistory,
    /// The default branch is not known (no event payload names it).
    NoDefaultBranch,
    /// No run with coverage was recorded on `branch` before this one.
    NoRun { branch: String },
}

impl CoverageFigures {
    /// The counts kept in the run history.
    pub fn counts(&self) -> crate::model::coverage::CoverageCounts {
        crate::model::coverage::CoverageCounts {
            lines_covered: self.lines.covered,
            lines_total: self.lines.total,
            branches_covered: self.branches.covered,
            branches_total: self.branches.total,
        }
    }
}

fn file_lines(f: &FileCoverage) -> (u64, u64) {
    if f.lines.is_empty() {
        return f.line_summary.unwrap_or((0, 0)).swap();
    }
    let covered = f.lines.values().filter(|h| **h > 0).count() as u64;
    (covered, f.lines.len() as u64)
}

fn file_branches(f: &FileCoverage) -> (u64, u64) {
    if f.branches.is_empty() {
        return f.branch_summary.unwrap_or((0, 0)).swap();
    }
    f.branches.values().fold((0, 0), |(c, t), (taken, total)| {
        (c + u64::from(*taken), t + u64::from(*total))
    })
}

trait Swap {
    fn swap(self) -> Self;
}

impl Swap for (u64, u64) {
    /// (found, hit) → (hit, found).
    fn swap(self) -> Self {
        (self.1, self.0)
    }
}

/// The figures of `run`.
pub fn summarize(run: &CoverageRun) -> CoverageFigures {
    let mut lines = Share::default();
    let mut branches = Share::default();
    for f in run.sources.values() {
        let (c, t) = file_lines(f);
        lines.add(c, t);
        let (c, t) = file_branches(f);
        branches.add(c, t);
    }
    let patch = run.patch.as_ref().map_err(Clone::clone).map(|p| {
        let mut fig = PatchFigures {
            head: p.head.clone(),
            merge_base: p.merge_base.clone(),
            ..PatchFigures::default()
        };
        for (file, changed) in &p.files {
            fig.changed += changed.len() as u64;
            let Some(cov) = run.sources.get(file) else {
                continue;
            };
            for &n in changed {
                let Some(&hits) = cov.lines.get(&n) else {
                    continue;
                };
                fig.lines.add(u64::from(hits > 0), 1);
                if hits > 0 {
                    continue;
                }
                match fig.uncovered.last_mut() {
                    Some(r) if r.file == *file && r.end + 1 == n => r.end = n,
                    _ => fig.uncovered.push(LineRange {
                        file: file.clone(),
                        start: n,
                        end: n,
                    }),
                }
            }
        }
        fig
    });
    CoverageFigures {
        lines,
        branches,
        sources: run.sources.len(),
        files: run.files.clone(),
        patch,
        warnings: run.warnings.clone(),
        base: Err(BaseGap::NoHistory),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::coverage::PatchLines;

    #[test]
    fn shares_count_lines_and_fall_back_to_summaries() {
        let mut run = CoverageRun::default();
        let a = run.sources.entry("a.rs".into()).or_default();
        a.lines = [(1, 5), (2, 0), (3, 1), (4, 0)].into_iter().collect();
        a.branches = [(3, (1, 3)), (4, (1, 2))].into_iter().collect();
        // Ignored: the file has line records.
        a.line_summary = Some((100, 100));
        let b = run.sources.entry("b.rs".into()).or_default();
        b.line_summary = Some((4, 3));
        let f = summarize(&run);
        // a: 2 of 4, b: 3 of 4 → 5 of 8.
        assert_eq!(
            f.lines,
            Share {
                covered: 5,
                total: 8
            }
        );
        assert_eq!(f.lines.ratio(), Some(0.625));
        assert_eq!(
            f.branches,
            Share {
                covered: 2,
                total: 5
            }
        );
        assert_eq!(f.patch, Err(PatchGap::NotPullRequest));
        assert_eq!(summarize(&CoverageRun::default()).lines.ratio(), None);
    }

    #[test]
    fn patch_counts_instrumented_changed_lines() {
        let mut run = CoverageRun::default();
        run.sources.entry("a.rs".into()).or_default().lines =
            [(1, 1), (2, 0), (3, 0), (5, 0), (6, 2)]
                .into_iter()
                .collect();
        run.patch = Ok(PatchLines {
            merge_base: "b".into(),
            head: "h".into(),
            files: [
                ("a.rs".to_string(), vec![2, 3, 4, 5, 6]),
                ("README.md".to_string(), vec![1, 2]),
            ]
            .into_iter()
            .collect(),
        });
        let p = summarize(&run).patch.unwrap();
        // Instrumented: 2, 3, 5, 6; covered: 6. Line 4 is not instrumented.
        assert_eq!(
            p.lines,
            Share {
                covered: 1,
                total: 4
            }
        );
        assert_eq!(p.changed, 7);
        let ranges: Vec<_> = p.uncovered.iter().map(|r| (r.start, r.end)).collect();
        assert_eq!(ranges, [(2, 3), (5, 5)]);
    }
}
