//! Code coverage as read from LCOV and Cobertura reports, merged per source file, and
//! the lines a pull request adds or changes.

use std::collections::BTreeMap;

/// Coverage of one source file, merged over every report of the run that names it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileCoverage {
    /// Instrumented line (1-based) → hit count: the largest over the reports, so a line
    /// is covered when any report covers it.
    pub lines: BTreeMap<u32, u64>,
    /// Line → (branches taken, branches): per line, the larger counts over the reports
    /// (reports name branches differently, so they are not matched one by one).
    pub branches: BTreeMap<u32, (u32, u32)>,
    /// An LCOV record without `DA` lines: its `LF`/`LH` (found, hit), the largest over
    /// the reports. Used only when no report gives the file's lines.
    pub line_summary: Option<(u64, u64)>,
    /// Likewise `BRF`/`BRH` for a record without `BRDA` lines.
    pub branch_summary: Option<(u64, u64)>,
}

/// The coverage counts a run keeps in the run history: counts, not shares, so a change
/// between two runs is exact.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CoverageCounts {
    pub lines_covered: u64,
    pub lines_total: u64,
    pub branches_covered: u64,
    pub branches_total: u64,
}

/// The branch a run judged and the repository's default branch, as the event says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunBranch {
    pub branch: Option<String>,
    pub default_branch: Option<String>,
}

/// Why there are no patch lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatchGap {
    /// The run is not for a pull request.
    NotPullRequest,
    /// The base or head commit is not in the local history (a shallow clone?), or they
    /// have no merge base; `detail` as git said.
    Unreadable {
        base: String,
        head: String,
        detail: String,
    },
}

/// The lines a pull request adds or changes: the diff from the merge base of its base
/// and head to its head, new-side line numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatchLines {
    pub merge_base: String,
    pub head: String,
    /// Path relative to the repository root → added or changed lines, ascending.
    pub files: BTreeMap<String, Vec<u32>>,
}

/// A pull request's base and head, as the event names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRefs {
    /// The base branch's commit when the event was sent.
    pub base_sha: Option<String>,
    /// The base branch's name.
    pub base_ref: String,
    pub head: String,
}

impl PullRefs {
    /// Where the base is looked for, in order: the base commit, the remote-tracking
    /// branch `origin/<base_ref>`, the local branch.
    pub fn bases(&self) -> Vec<String> {
        let mut bases: Vec<String> = self.base_sha.iter().cloned().collect();
        if !self.base_ref.is_empty() {
            bases.push(format!("origin/{}", self.base_ref));
            bases.push(self.base_ref.clone());
        }
        bases
    }
}

/// Every coverage report of one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoverageRun {
    /// The report files read, as named to the user.
    pub files: Vec<String>,
    /// Source path (relative to the repository root when it lies under it) → coverage.
    pub sources: BTreeMap<String, FileCoverage>,
    /// The pull request's lines, or why there are none.
    pub patch: Result<PatchLines, PatchGap>,
    pub warnings: Vec<String>,
}

impl Default for CoverageRun {
    fn default() -> Self {
        CoverageRun {
            files: Vec::new(),
            sources: BTreeMap::new(),
            patch: Err(PatchGap::NotPullRequest),
            warnings: Vec::new(),
        }
    }
}
