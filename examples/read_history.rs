//! Reads a repository's releases with the git engine and prints counts: a benchmark
//! driver for `benches/git_bench.sh` and a quick check on real repositories.
//!
//! Usage: `read_history [REPO] [TAG_PATTERN] [--last N] [--releases]`
//! (`--releases` prints one line per release: tag, time, change count).

use slipgate::collect::git::{self, GitOptions};
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut positional = Vec::new();
    let mut last = None;
    let mut per_release = false;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--last" => last = args.next().and_then(|n| n.parse().ok()),
            "--releases" => per_release = true,
            _ => positional.push(arg),
        }
    }
    let repo = PathBuf::from(positional.first().map_or(".", String::as_str));
    let pattern = positional
        .get(1)
        .map_or(r"^v?(?P<version>\d+\.\d+\.\d+)$", String::as_str);
    let pattern = match regex::Regex::new(pattern) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: bad pattern: {e}");
            return ExitCode::from(2);
        }
    };
    let opts = GitOptions {
        tag_pattern: &pattern,
        include_prereleases: false,
        changes: last.map_or(git::Changes::All, git::Changes::Newest),
        paths: &git::Pathspec::default(),
        until: None,
    };
    let history = match git::open(&repo).and_then(|h| h.read(&opts)) {
        Ok(h) => h,
        Err(e) => {
            let mut msg = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                msg.push_str(&format!(": {s}"));
                source = s.source();
            }
            eprintln!("error: {msg}");
            return ExitCode::from(2);
        }
    };
    if per_release {
        for r in &history.releases {
            println!(
                "{} {} {} {}",
                r.tag,
                r.time,
                r.commit,
                if r.changes_loaded {
                    r.changes.len().to_string()
                } else {
                    "-".into()
                }
            );
        }
    }
    let changes: usize = history.releases.iter().map(|r| r.changes.len()).sum();
    let fixes = history
        .releases
        .iter()
        .flat_map(|r| &r.changes)
        .filter(|c| c.subject.starts_with("fix"))
        .count();
    println!(
        "releases: {}, changes: {changes} ({fixes} fix), candidate: {}, warnings: {}",
        history.releases.len(),
        history.candidate.changes.len(),
        history.warnings.len()
    );
    for w in history.warnings.iter().take(5) {
        println!("warning: {w}");
    }
    if !history.unmatched_tags.is_empty() {
        println!("tags seen: {}", history.unmatched_tags.join(", "));
    }
    ExitCode::SUCCESS
}
