//! Input files read whole (the policy, the event payload): a path that is not a regular
//! file is refused before it is opened, a regular file is read up to its cap (policy
//! 1 MiB, event payload 32 MiB), and a policy file that is found but unusable is an error,
//! never a silent fall back to the built-in default.

use crate::cli::{now, sample, slipgate};
use predicates::prelude::*;

#[cfg(unix)]
#[test]
fn a_policy_file_linked_to_a_device_is_an_error_not_the_default() {
    let r = sample();
    std::fs::create_dir_all(r.path().join(".github")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", r.path().join(".github/slipgate.yml")).unwrap();
    slipgate(r.path())
        .args(["report", "--offline", "--now", &now()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "/.github/slipgate.yml` is a character device, not a regular file",
        ));
    slipgate(r.path())
        .args(["report", "--offline", "--now", &now(), "--policy", "/dev/zero"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "the policy file `/dev/zero` is a character device, not a regular file; name a regular file",
        ));
}

#[test]
fn a_policy_directory_or_oversized_policy_is_refused() {
    let r = sample();
    // A directory where the policy is looked for: found, so not silently skipped.
    std::fs::create_dir_all(r.path().join(".github/slipgate.yml")).unwrap();
    slipgate(r.path())
        .args(["policy", "check"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "/.github/slipgate.yml` is a directory, not a regular file",
        ));
    // 1 MiB + 1 byte of comments (which alone would be the default policy).
    let big = r.path().join("big.yml");
    let mut text = "#".repeat(1023) + "\n";
    text = text.repeat(1024);
    text.push('#');
    assert_eq!(text.len(), (1 << 20) + 1);
    std::fs::write(&big, &text).unwrap();
    slipgate(r.path())
        .args(["--policy", "big.yml", "policy", "check"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "the policy file `big.yml` is larger than 1 MiB (1048576 bytes)",
        ));
    // Exactly 1 MiB is read.
    text.pop();
    std::fs::write(&big, &text).unwrap();
    slipgate(r.path())
        .args(["--policy", "big.yml", "policy", "check"])
        .assert()
        .success();
}

#[cfg(unix)]
#[test]
fn a_policy_fifo_is_refused_without_waiting_for_a_writer() {
    let r = sample();
    let fifo = r.path().join("p.yml");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    slipgate(r.path())
        .args(["--policy", "p.yml", "policy", "check"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "the policy file `p.yml` is a named pipe (FIFO), not a regular file",
        ));
}

#[test]
fn an_event_payload_that_is_not_a_regular_file_or_too_large_is_refused() {
    let r = sample();
    let dir = r.path().join("event-dir");
    std::fs::create_dir(&dir).unwrap();
    slipgate(r.path())
        .args(["check", "--offline", "--now", &now()])
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_EVENT_PATH", &dir)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "the event payload (GITHUB_EVENT_PATH) `{}` is a directory, not a regular file",
            dir.display()
        )));
    let big = r.path().join("event.json");
    let file = std::fs::File::create(&big).unwrap();
    file.set_len((32 << 20) + 1).unwrap();
    slipgate(r.path())
        .args(["check", "--offline", "--now", &now()])
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_EVENT_PATH", &big)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "is larger than 32 MiB (33554432 bytes), the most slipgate reads",
        ));
}

#[cfg(unix)]
#[test]
fn an_event_payload_linked_to_a_device_is_refused() {
    let r = sample();
    let link = r.path().join("event.json");
    std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
    slipgate(r.path())
        .args(["check", "--offline", "--now", &now()])
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_EVENT_PATH", &link)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "is a character device, not a regular file",
        ));
}

/// The code spans of rendered markdown.
fn code_spans(markdown: &str) -> Vec<String> {
    use pulldown_cmark::{Event, Options, Parser};
    Parser::new_ext(markdown, Options::all())
        .filter_map(|e| match e {
            Event::Code(c) => Some(c.to_string()),
            _ => None,
        })
        .collect()
}

#[test]
fn markdown_notes_render_their_code_as_code_spans() {
    // No commit matches the default fix pattern: the fix-pattern note is shown.
    let r = crate::gitrepo::TestRepo::new();
    let a = r.commit_at("feat: a", crate::gitrepo::T0 + crate::gitrepo::DAY);
    r.tag_annotated("v1.0.0", a, crate::gitrepo::T0 + 2 * crate::gitrepo::DAY);
    // Ten changes shown (the note's minimum), none of them a fix.
    for n in 0..9 {
        r.commit_at(
            &format!("feat: b{n}"),
            crate::gitrepo::T0 + 3 * crate::gitrepo::DAY,
        );
    }
    let out = slipgate(r.path())
        .args([
            "report",
            "--offline",
            "--format",
            "markdown",
            "--now",
            &now(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let md = String::from_utf8(out.stdout).unwrap();
    let note = md
        .lines()
        .find(|l| l.contains("fix") && l.contains("matches none of the"))
        .unwrap_or_else(|| panic!("no fix-pattern note:\n{md}"));
    assert!(!note.contains("\\`"), "{note}");
    assert_eq!(
        code_spans(note),
        [
            "commits.fix_pattern",
            r"(?i)^fix(\([^)]*\))?!?:",
            "fix: …",
            "commits.fix_pattern",
            r"(?i)\bfix(es|ed)?\b",
        ]
    );
}
