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
        }
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
        share(&c.lines),
        share(&c.branches),
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
        share(&c.lines),
        share(&c.branches),
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
