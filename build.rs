//! Embeds the commit slipgate is built from in `--version`: `SLIPGATE_COMMIT` is
//! ` (abc1234 2026-12-01)` (short hash, commit date) when git and a repository are at
//! hand, and empty otherwise (a build from the crate tarball), so the version then reads
//! `slipgate 0.1.0`. No system dependency: only the `git` command, when there is one.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!s.is_empty()).then_some(s)
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=SLIPGATE_COMMIT");
    // Rebuild when HEAD moves: a checkout changes HEAD, a commit changes its branch's ref.
    for path in ["HEAD", "logs/HEAD"] {
        if let Some(p) = git(&["rev-parse", "--git-path", path]) {
            println!("cargo:rerun-if-changed={p}");
        }
    }
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"])
        && let Some(p) = git(&["rev-parse", "--git-path", &branch])
    {
        println!("cargo:rerun-if-changed={p}");
    }
    // Only the crate's own repository counts: a crate unpacked inside another
    // repository (a vendored dependency) must not take that repository's commit.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let top = git(&["-C", &manifest, "rev-parse", "--show-toplevel"]);
    let ours = top
        .is_some_and(|t| std::fs::canonicalize(&t).ok() == std::fs::canonicalize(&manifest).ok());
    let info = std::env::var("SLIPGATE_COMMIT")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .map(|s| format!(" ({})", s.trim()))
        .or_else(|| {
            if !ours {
                return None;
            }
            let hash = git(&["-C", &manifest, "rev-parse", "--short=7", "HEAD"])?;
            let date = git(&["-C", &manifest, "log", "-1", "--format=%cs", "HEAD"])?;
            Some(format!(" ({hash} {date})"))
        })
        .unwrap_or_default();
    println!("cargo:rustc-env=SLIPGATE_COMMIT={info}");
}
