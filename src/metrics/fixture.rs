//! Test fixtures shared by the metrics and gate tests: releases and an engine, with days
//! (`D`) from the epoch and the evaluation at day 50.

use super::{Engine, Inputs};
use crate::model::{Commit, GitHistory, GithubData, Release};
use crate::policy::Policy;

pub(crate) const D: i64 = 86_400;

/// Release `tag` at `day`, with changes (authored day, subject).
pub(crate) fn release(tag: &str, day: i64, changes: &[(i64, &str)]) -> Release {
    Release {
        tag: tag.into(),
        version: semver::Version::parse(tag.trim_start_matches('v')).expect("version"),
        time: day * D,
        commit: format!("{tag}-sha"),
        annotated: true,
        changes: changes
            .iter()
            .enumerate()
            .map(|(n, (d, s))| Commit {
                sha: format!("{tag}-{n}-sha"),
                author_time: d * D,
                subject: s.to_string(),
            })
            .collect(),
        changes_loaded: true,
    }
}

/// The engine over `git` (and `github`) at day 50.
pub(crate) fn engine<'a>(
    git: &'a GitHistory,
    github: Option<&'a GithubData>,
    policy: &'a Policy,
) -> Engine<'a> {
    Engine::new(
        Inputs {
            git,
            github,
            github_skipped: None,
            candidate_tag: None,
            external: None,
            sarif: None,
            coverage: None,
        },
        policy,
        50 * D,
    )
}
