//! The coverage section of the report: text, markdown and JSON (docs/json.md,
//! `coverage`).

use std::fmt::Write as _;

use serde::Serialize;

use super::Links;
use super::sanitize::code;
use crate::escape::line as esc;
use crate::metrics::coverage::{CoverageFigures, LineRange, Share};
use crate::model::coverage::PatchGap;

/// How many uncovered ranges of the patch the report lists.
pub const UNCOVERED_LISTED: usize = 30;

/// A share as JSON: `{covered, total, share}` (`share` null when nothing is instrumented).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShareJson {
    pub covered: u64,
    pub total: u64,
    pub share: Option<f64>,
}

impl From<Share> for ShareJson {
    fn from(s: Share) -> Self {
        ShareJson {
            covered: s.covered,
            total: s.total,
            share: s.ratio(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatchJson {
    pub merge_base: String,
    pub head: String,
    /// Lines the pull request adds or changes, instrumented or not.
    pub changed_lines: u64,
    pub lines: ShareJson,
    /// The uncovered instrumented lines of the patch, as ranges.
    pub uncovered: Vec<LineRange>,
}

/// The report's `coverage` object.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageSection {
    /// The coverage reports read.
    pub files: Vec<String>,
    /// Source files with coverage data.
    pub sources: usize,
    pub lines: ShareJson,
    pub branches: ShareJson,
    /// Patch coverage; null outside a pull request (see `patch_note`).
    pub patch: Option<PatchJson>,
    /// Why `patch` is null.
    pub patch_note: Option<String>,
    /// The previous recorded run on the default branch, and this run against it; null
    /// without one (see `base_note`).
    pub base: Option<BaseJson>,
    /// Why `base` is null.
    pub base_note: Option<String>,
}

/// The coverage base: the previous recorded run on the default branch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BaseJson {
    pub sha: String,
    #[serde(with = "crate::model::ts")]
    pub at: i64,
    pub branch: String,
    pub lines: ShareJson,
    pub branches: ShareJson,
    /// This run's line share minus the base's, in percentage points; null when either
    /// instruments nothing.
    pub lines_delta_pts: Option<f64>,
    pub branches_delta_pts: Option<f64>,
}

/// `now − before` in percentage points, from the counts.
fn delta_pts(now: Share, before: Share) -> Option<f64> {
    let (n, b) = (now.ratio()?, before.ratio()?);
    // Whole hundredths of a point, so 80.6% − 81.2% is −0.6, not −0.6000000000000005.
    Some(((n - b) * 10_000.0).round() / 100.0)
}

/// Why there is no patch coverage, as a sentence.
pub fn patch_gap(g: &PatchGap) -> String {
    match g {
        PatchGap::NotPullRequest => {
            "not a pull request: patch coverage is measured on pull requests".to_string()
        }
        PatchGap::Unreadable { base, head, detail } => format!(
            "the pull request's changes could not be read from git (base `{base}`, head `{head}`: {detail}); check out the full history (`fetch-depth: 0`)"
        ),
    }
}

impl CoverageSection {
    pub fn of(f: &CoverageFigures) -> CoverageSection {
        CoverageSection {
            files: f.files.clone(),
            sources: f.sources,
            lines: f.lines.into(),
            branches: f.branches.into(),
            patch: f.patch.as_ref().ok().map(|p| PatchJson {
                merge_base: p.merge_base.clone(),
                head: p.head.clone(),
                changed_lines: p.changed,
                lines: p.lines.into(),
                uncovered: p.uncovered.clone(),
            }),
            patch_note: f.patch.as_ref().err().map(patch_gap),
            base: f.base.as_ref().ok().map(|b| BaseJson {
                sha: b.sha.clone(),
                at: b.at,
                branch: b.branch.clone(),
                lines: b.lines.into(),
                branches: b.branches.into(),
                lines_delta_pts: delta_pts(f.lines, b.lines),
                branches_delta_pts: delta_pts(f.branches, b.branches),
            }),
            base_note: f.base.as_ref().err().map(super::verdicts::base_gap),
        }
    }
}

/// The change against the base: `▼ 0.6 pts vs main @abc1234` (`branch` and the commit
/// as given: the caller escapes them).
fn delta(d: Option<f64>, b: &BaseJson) -> Option<String> {
    let d = d?;
    let change = if d > 0.0 {
        format!("▲ {} pts", super::verdicts::points(d))
    } else if d < 0.0 {
        format!("▼ {} pts", super::verdicts::points(-d))
    } else {
        "no change".to_string()
    };
    Some(format!(
        "{change} vs {} @{}",
        b.branch,
        super::short(&b.sha)
    ))
}

/// `share` with the change against the base, passed through `clean` (the escaping of
/// the output): `80.6% (806/1000, ▼ 0.6 pts vs main @abc1234)`.
fn share_vs(
    s: &ShareJson,
    d: Option<f64>,
    base: Option<&BaseJson>,
    clean: impl Fn(&str) -> String,
) -> String {
    match (s.share, base.and_then(|b| delta(d, b))) {
        (Some(v), Some(change)) => format!(
            "{} ({}/{}, {})",
            super::pct(v),
            s.covered,
            s.total,
            clean(&change)
        ),
        _ => share(s),
    }
}

/// `62.5% (5/8)`, or `none instrumented`.
fn share(s: &ShareJson) -> String {
    match s.share {
        Some(v) => format!("{} ({}/{})", super::pct(v), s.covered, s.total),
        None => "none instrumented".to_string(),
    }
}

/// The section for a terminal.
pub fn text(c: &CoverageSection, bold: impl Fn(&str) -> String) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} lines {} · branches {} · {} source file{} · {} report{}",
        bold("Coverage"),
        share_vs(
            &c.lines,
            c.base.as_ref().and_then(|b| b.lines_delta_pts),
            c.base.as_ref(),
            |t| esc(t).into_owned()
        ),
        share_vs(
            &c.branches,
            c.base.as_ref().and_then(|b| b.branches_delta_pts),
            c.base.as_ref(),
            |t| esc(t).into_owned()
        ),
        c.sources,
        if c.sources == 1 { "" } else { "s" },
        c.files.len(),
        if c.files.len() == 1 { "" } else { "s" },
    );
    match &c.patch {
        Some(p) => {
            let _ = writeln!(
                out,
                "  patch: {} of the instrumented changed lines covered · {} line{} changed",
                share(&p.lines),
                p.changed_lines,
                if p.changed_lines == 1 { "" } else { "s" }
            );
            for r in p.uncovered.iter().take(UNCOVERED_LISTED) {
                let _ = writeln!(out, "    not covered: {}", esc(&range_id(r)));
            }
            if p.uncovered.len() > UNCOVERED_LISTED {
                let _ = writeln!(
                    out,
                    "    … and {} more",
                    p.uncovered.len() - UNCOVERED_LISTED
                );
            }
        }
        None => {
            if let Some(n) = &c.patch_note {
                let _ = writeln!(out, "  patch: {}", esc(n));
            }
        }
    }
    out
}

fn range_id(r: &LineRange) -> String {
    super::verdicts::lines_id(&r.file, r.start, r.end)
}

/// The section in markdown; uncovered patch lines link to the head commit's file.
pub fn markdown(c: &CoverageSection, links: &Links) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "**Coverage** lines {} · branches {} · {} source files\n",
        share_vs(
            &c.lines,
            c.base.as_ref().and_then(|b| b.lines_delta_pts),
            c.base.as_ref(),
            super::sanitize::inline
        ),
        share_vs(
            &c.branches,
            c.base.as_ref().and_then(|b| b.branches_delta_pts),
            c.base.as_ref(),
            super::sanitize::inline
        ),
        c.sources
    );
    match &c.patch {
        Some(p) => {
            let _ = writeln!(
                out,
                "Patch: {} of the instrumented changed lines covered · {} lines changed.\n",
                share(&p.lines),
                p.changed_lines
            );
            if !p.uncovered.is_empty() {
                out.push_str("<details><summary>Changed lines not covered</summary>\n\n");
                for r in p.uncovered.iter().take(UNCOVERED_LISTED) {
                    let id = code(&range_id(r));
                    match links.blob(&p.head, &r.file, r.start, r.end) {
                        Some(url) => {
                            let _ = writeln!(out, "- [{id}]({url})");
                        }
                        None => {
                            let _ = writeln!(out, "- {id}");
                        }
                    }
                }
                if p.uncovered.len() > UNCOVERED_LISTED {
                    let _ = writeln!(out, "- … and {} more", p.uncovered.len() - UNCOVERED_LISTED);
                }
                out.push_str("\n</details>\n");
            }
        }
        None => {
            if let Some(n) = &c.patch_note {
                let _ = writeln!(out, "<sub>Patch: {}.</sub>", super::sanitize::worded(n));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::coverage::PatchFigures;

    fn figures() -> CoverageFigures {
        CoverageFigures {
            lines: Share {
                covered: 5,
                total: 8,
            },
            branches: Share::default(),
            sources: 2,
            files: vec!["lcov.info".into()],
            patch: Ok(PatchFigures {
                lines: Share {
                    covered: 1,
                    total: 4,
                },
                changed: 6,
                uncovered: vec![
                    LineRange {
                        file: "src/a b.rs".into(),
                        start: 2,
                        end: 3,
                    },
                    LineRange {
                        file: "src/@team`<b>x</b>.rs".into(),
                        start: 7,
                        end: 7,
                    },
                    LineRange {
                        file: "../outside.rs".into(),
                        start: 1,
                        end: 1,
                    },
                ],
                head: "0123456789abcdef0123456789abcdef01234567".into(),
                merge_base: "fedcba9876543210fedcba9876543210fedcba98".into(),
            }),
            warnings: Vec::new(),
            base: Err(crate::metrics::coverage::BaseGap::NoHistory),
        }
    }

    #[test]
    fn markdown_links_uncovered_lines_and_escapes_paths() {
        let links = Links::new("https://github.com", "octo/repo");
        let md = markdown(&CoverageSection::of(&figures()), &links);
        let head = "0123456789abcdef0123456789abcdef01234567";
        assert_eq!(
            md,
            format!(
                "**Coverage** lines 62.5% (5/8) · branches none instrumented · 2 source files\n\n\
Patch: 25% (1/4) of the instrumented changed lines covered · 6 lines changed.\n\n\
<details><summary>Changed lines not covered</summary>\n\n\
- [`src/a b.rs:2-3`](https://github.com/octo/repo/blob/{head}/src/a%20b.rs#L2-L3)\n\
- [{}](https://github.com/octo/repo/blob/{head}/src/%40team%60%3Cb%3Ex%3C/b%3E.rs#L7)\n\
- `../outside.rs:1`\n\n</details>\n",
                code("src/@team`<b>x</b>.rs:7")
            )
        );
    }

    #[test]
    fn text_shows_the_patch_or_why_there_is_none() {
        let mut f = figures();
        let t = text(&CoverageSection::of(&f), |s| s.to_string());
        assert!(t.starts_with(
            "Coverage lines 62.5% (5/8) · branches none instrumented · 2 source files · 1 report\n  patch: 25% (1/4) of the instrumented changed lines covered · 6 lines changed\n    not covered: src/a b.rs:2-3\n"
        ), "{t}");
        f.patch = Err(PatchGap::NotPullRequest);
        let t = text(&CoverageSection::of(&f), |s| s.to_string());
        assert!(
            t.ends_with(
                "  patch: not a pull request: patch coverage is measured on pull requests\n"
            ),
            "{t}"
        );
    }
}

#[cfg(test)]
mod base_tests {
    use super::*;
    use crate::metrics::coverage::{BaseGap, CoverageBase};
    use crate::model::coverage::CoverageCounts;

    /// This run: 806 of 1000 lines, 41 of 50 branches; the base (main @abc1234, run on
    /// 2024-01-02): 812 of 1000 lines (81.2%), 40 of 50 branches (80%).
    fn figures(branch: &str) -> CoverageFigures {
        let base = CoverageCounts {
            lines_covered: 812,
            lines_total: 1000,
            branches_covered: 40,
            branches_total: 50,
        };
        CoverageFigures {
            lines: Share {
                covered: 806,
                total: 1000,
            },
            branches: Share {
                covered: 41,
                total: 50,
            },
            sources: 3,
            files: vec!["lcov.info".into()],
            patch: Err(PatchGap::NotPullRequest),
            warnings: Vec::new(),
            base: Ok(CoverageBase::of(
                "abc1234def567",
                1_704_153_600,
                branch,
                base,
            )),
        }
    }

    #[test]
    fn the_comment_shows_the_change_against_the_previous_default_branch_run() {
        let c = CoverageSection::of(&figures("main"));
        let base = c.base.as_ref().unwrap();
        // 80.6 − 81.2 = −0.6 points; 82 − 80 = +2 points.
        assert_eq!(base.lines_delta_pts, Some(-0.6));
        assert_eq!(base.branches_delta_pts, Some(2.0));
        let md = markdown(&c, &Links::new("https://github.com", "octo/repo"));
        insta::assert_snapshot!(md);
        let text = text(&c, |s| s.to_string());
        assert!(
            text.starts_with(
                "Coverage lines 80.6% (806/1000, ▼ 0.6 pts vs main @abc1234) · branches 82% (41/50, ▲ 2 pts vs main @abc1234)"
            ),
            "{text}"
        );
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["base"]["at"], "2024-01-02T00:00:00Z");
        assert_eq!(json["base"]["lines"]["covered"], 812);
        assert_eq!(json["base_note"], serde_json::Value::Null);
    }

    #[test]
    fn a_hostile_branch_name_renders_inert_and_no_base_is_a_note() {
        let c = CoverageSection::of(&figures("@team <b>x</b> `y`"));
        let md = markdown(&c, &Links::new("https://github.com", "octo/repo"));
        assert!(!md.contains("@team"), "{md}");
        assert!(!md.contains("<b>"), "{md}");
        let mut f = figures("main");
        f.base = Err(BaseGap::NoRun {
            branch: "main".into(),
        });
        let c = CoverageSection::of(&f);
        assert_eq!(c.base, None);
        assert!(
            c.base_note
                .as_deref()
                .unwrap()
                .contains("no run with coverage")
        );
        let md = markdown(&c, &Links::new("https://github.com", "octo/repo"));
        assert!(
            md.starts_with("**Coverage** lines 80.6% (806/1000) · branches 82% (41/50)"),
            "{md}"
        );
    }
}
