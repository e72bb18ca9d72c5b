//! `slipgate init`'s writes: the proposed files into the work tree (never over an
//! existing file without `--force`), or to stdout with `--dry-run`; what was chosen
//! and the next steps on the terminal.

use super::check::WriteFailed;
use crate::console;
use crate::escape;
use crate::init::{Plan, refusal};

/// Writes `plan` under its work tree (none for a bare repository); returns the exit code:
/// 0 written (or printed), 2 refused (files exist, or there is no work tree).
pub fn write(plan: &Plan, force: bool, dry_run: bool, quiet: bool) -> Result<i32, WriteFailed> {
    let say = |line: &str, to_stderr: bool| {
        let line = escape::line(line);
        if to_stderr {
            console::eprint_line(&line);
            Ok(())
        } else {
            super::check::stdout(&format!("{line}\n"))
        }
    };
    if dry_run {
        for f in &plan.files {
            say(&format!("==> {} <==", f.path), false)?;
            for line in f.text.lines() {
                say(line, false)?;
            }
            say("", false)?;
        }
    } else {
        let Some(root) = plan.work_tree.as_deref() else {
            console::eprint_line(
                "error: the repository has no work tree to write into (it is bare); run slipgate init in a checkout, or pass --dry-run to see the files",
            );
            return Ok(crate::init::EXIT_REFUSED);
        };
        let existing: Vec<&str> = plan
            .files
            .iter()
            .filter(|f| root.join(f.path).symlink_metadata().is_ok())
            .map(|f| f.path)
            .collect();
        if !existing.is_empty() && !force {
            let msg = escape::line(&refusal(&existing)).into_owned();
            console::eprint_line(&format!("error: {msg}"));
            return Ok(crate::init::EXIT_REFUSED);
        }
        for f in &plan.files {
            let path = root.join(f.path);
            let failed = |action, source| WriteFailed {
                action,
                path: path.clone(),
                source,
            };
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| failed("creating the folder of", e))?;
            }
            std::fs::write(&path, &f.text).map_err(|e| failed("writing", e))?;
        }
    }
    if quiet {
        return Ok(0);
    }
    // With --dry-run stdout carries the files; the rest goes to stderr.
    let aside = dry_run;
    say("slipgate init chose:", aside)?;
    for c in &plan.choices {
        say(&format!("  {c}"), aside)?;
    }
    if !dry_run {
        for f in &plan.files {
            say(&format!("wrote {}", f.path), aside)?;
        }
    }
    say("next:", aside)?;
    for n in &plan.next {
        say(&format!("  - {n}"), aside)?;
    }
    Ok(0)
}
