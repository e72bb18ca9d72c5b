//! Release planning: which releases' changes to load, decided on the release times of
//! the one tag listing ([`Changes::Plan`]); and judging an existing release tag as the
//! candidate ([`as_candidate`]).

use super::{GitError, GitOptions, History, open};
use crate::model::{Candidate, GitHistory, Timestamp};
use std::path::Path;

/// Which releases' changes [`History::read`] loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Changes {
    /// Every release's.
    All,
    /// The newest N releases' (by version).
    Newest(usize),
    /// As many as [`Plan`] asks for, counted on the release times.
    Plan(Plan),
}

/// What the caller needs: the newest `last` releases, the releases inside `span_back`
/// seconds before the evaluation time, and `extra` more (for baselines).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    pub last: usize,
    pub span_back: i64,
    pub extra: usize,
}

impl Plan {
    /// What a gate run reads: the releases and span the rules `needs`, at least `shown`
    /// releases, and a trend's `(releases, span)` when one is computed; every release
    /// with `all` (judging an existing tag needs the changes of the releases before it,
    /// whichever they are); one more for baselines.
    pub fn of(
        needs: &crate::policy::Needs,
        shown: usize,
        all: bool,
        trend: Option<(usize, i64)>,
    ) -> Plan {
        let last = if all {
            usize::MAX
        } else if let Some((releases, _)) = trend {
            needs.releases.max(shown).max(releases)
        } else {
            needs.releases.max(shown)
        };
        let span_back = match trend {
            Some((_, span)) => needs.span_back.max(span),
            None => needs.span_back,
        };
        Plan {
            last,
            span_back,
            extra: 1,
        }
    }
}

impl Changes {
    /// How many of the newest releases (of `times`, in version order) to load, `None`
    /// for all. `until` is the evaluation time.
    pub(crate) fn newest(&self, times: &[Timestamp], until: Option<Timestamp>) -> Option<usize> {
        let plan = match self {
            Changes::All => return None,
            Changes::Newest(n) => return Some(*n),
            Changes::Plan(plan) => plan,
        };
        let n = times.len();
        let latest = times.last().copied().or(until).unwrap_or_default();
        // Spans end at `now` (window scopes) or at the latest release (its trailing
        // baselines): measure back from the earlier of the two, a superset of both.
        let end = until.map_or(latest, |now| latest.min(now));
        let from_span = times
            .iter()
            .position(|&t| t >= end - plan.span_back)
            .map(|i| n - i)
            .unwrap_or(0);
        let needed = plan.last.max(from_span).saturating_add(plan.extra);
        (needed < n).then_some(needed)
    }
}

/// Opens the repository at `repo` and reads it (one tag listing, one walk); adds why
/// there is no release when there is none. Returns the history too (for [`as_candidate`]).
/// [`load`] with the policy's `releases` section, changes as `plan` asks, up to `now`.
pub fn read(
    repo: &Path,
    releases: &crate::policy::Releases,
    plan: Plan,
    now: crate::model::Timestamp,
) -> Result<(Box<dyn History>, GitHistory), GitError> {
    load(
        repo,
        &GitOptions {
            tag_pattern: &releases.tag_pattern.0,
            include_prereleases: releases.include_prereleases,
            changes: Changes::Plan(plan),
            paths: &releases.paths.0,
            until: Some(now),
        },
    )
}

pub fn load(
    repo: &Path,
    opts: &GitOptions<'_>,
) -> Result<(Box<dyn History>, GitHistory), GitError> {
    if !repo.exists() {
        return Err(GitError::NoSuchPath {
            path: repo.to_path_buf(),
        });
    }
    let history = open(repo)?;
    let mut git = history.read(opts)?;
    if let Some(w) = no_release_warning(&git, opts.tag_pattern.as_str()) {
        git.warnings.push(w);
    }
    Ok((history, git))
}

/// Why there is no release, when there is none: a repository without any tag has
/// nothing to fix in its policy; tags that match nothing call for another pattern. When
/// tags matched but none became a release (pre-releases, unparsable versions, all later
/// than --now), the git engine has already said why.
fn no_release_warning(git: &GitHistory, pattern: &str) -> Option<String> {
    if !git.releases.is_empty() {
        return None;
    }
    if git.tags_total == 0 {
        return Some(format!(
            "the repository has no tags, so it has no releases yet: every change is reported as unreleased. A release is a tag matching `releases.tag_pattern` `{pattern}`, e.g. `git tag v0.1.0`"
        ));
    }
    if git.unmatched_tags.is_empty() {
        return None;
    }
    Some(format!(
        "no tag matches `releases.tag_pattern` `{pattern}` (tags seen: {}); only the unreleased changes are reported. Set `releases.tag_pattern` in the policy (monorepos: `^name-(?P<version>\\d+\\.\\d+\\.\\d+)$`).",
        git.unmatched_tags
            .iter()
            .map(|t| crate::escape::line(t).into_owned())
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// Makes release `tag` the candidate: releases after it (in version order) are dropped,
/// and its changes are judged as released at its own time. Returns that time.
/// `policy` names the policy file in errors.
pub fn as_candidate(
    history: &dyn History,
    git: &mut GitHistory,
    tag: &str,
    releases: &crate::policy::Releases,
    policy: &str,
) -> Result<Timestamp, GitError> {
    let Some(i) = git.releases.iter().position(|r| r.tag == tag) else {
        return Err(not_a_release(history, git, tag, releases, policy));
    };
    let r = git.releases[i].clone();
    if !r.changes_loaded {
        return Err(GitError::NotARelease(format!(
            "the changes of {tag} were not read"
        )));
    }
    git.releases.truncate(i);
    git.candidate = Candidate {
        head: Some(r.commit.clone()),
        base_tag: git.releases.last().map(|p| p.tag.clone()),
        changes: r.changes,
    };
    Ok(r.time)
}

/// Why `--tag` names no release: no such tag, a tag the pattern does not match, or a
/// matching tag that was skipped (and why); with the newest releases.
fn not_a_release(
    history: &dyn History,
    git: &GitHistory,
    tag: &str,
    releases: &crate::policy::Releases,
    policy: &str,
) -> GitError {
    use crate::escape::line;
    let pattern = releases.tag_pattern.as_str();
    let shown = line(tag);
    let why = if !history.has_tag(tag) {
        format!("there is no tag `{shown}` in the repository")
    } else if let Some(caps) = releases.tag_pattern.0.captures(tag) {
        let prerelease = caps
            .name("version")
            .and_then(|v| semver::Version::parse(v.as_str()).ok())
            .is_some_and(|v| !v.pre.is_empty());
        let quoted = format!("`{tag}`");
        if prerelease && !releases.include_prereleases {
            format!(
                "the tag `{shown}` is a pre-release, and `releases.include_prereleases` is false; set it to true in the policy to judge pre-releases"
            )
        } else if let Some(w) = git.warnings.iter().find(|w| w.contains(&quoted)) {
            format!(
                "the tag `{shown}` matches `releases.tag_pattern` but is not counted as a release: {}",
                line(w)
            )
        } else {
            format!(
                "the tag `{shown}` matches `releases.tag_pattern` but is not counted as a release"
            )
        }
    } else {
        format!(
            "the tag `{shown}` exists but does not match `releases.tag_pattern` `{}`, so it is not a release; name a release tag, or change `releases.tag_pattern` in the policy ({policy})",
            line(pattern),
        )
    };
    let known: Vec<String> = git
        .releases
        .iter()
        .rev()
        .take(5)
        .map(|r| line(&r.tag).into_owned())
        .collect();
    GitError::NotARelease(format!(
        "--tag `{shown}` is not a release: {why}. Newest releases: {}",
        if known.is_empty() {
            "none".to_string()
        } else {
            known.join(", ")
        }
    ))
}
