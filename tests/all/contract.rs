//! The command-line contract, pinned whole: every case in `tests/cmd/*.toml` runs the
//! binary and compares its entire stdout, stderr and exit code with the files beside it
//! (`NAME.stdout`, `NAME.stderr`; `status.code` in the toml). A changed help text, a
//! reworded error or a wrong line number in a policy error shows as a diff.
//!
//! trycmd runs commands in a fixed folder, and a report needs a real git repository, so
//! this test first builds the fixtures deterministically (fixed signatures, times and
//! tags: the history of [`crate::cli::sample`]) under `target/contract/`:
//!
//! - `repo/`: the sample history, plus the files of `tests/cmd/fixture/` (policies,
//!   JUnit XML) copied into its work tree, untracked;
//! - `shallow/`: the same history, marked shallow at `v1.0.0`.
//!
//! Cases name them by `fs.cwd`, relative to `tests/cmd/`. Cases that need a folder outside
//! any repository use `fs.sandbox = true` with an empty `NAME.in/` (trycmd copies it to
//! a temporary folder). Every case sets `env.inherit = false`: no variable of the machine
//! (`GITHUB_*`, `NO_COLOR`, `COLUMNS`) reaches the binary.
//!
//! To see or accept new outputs: `TRYCMD=overwrite cargo test --test all contract`, then
//! read the diff.

use crate::cli::sample;
use std::path::{Path, PathBuf};

/// Where the fixtures are built: a fixed place that the cases can name relative to
/// `tests/cmd/` (`../../target/contract/...`), whatever `CARGO_TARGET_DIR` is.
fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/contract")
}

#[test]
fn cli_contract() {
    build_fixtures(&fixtures());
    trycmd::TestCases::new()
        .register_bin("slipgate", Path::new(env!("CARGO_BIN_EXE_slipgate")))
        .case("tests/cmd/*.toml")
        .run();
}

fn build_fixtures(root: &Path) {
    if root.exists() {
        std::fs::remove_dir_all(root).expect("remove old fixtures");
    }
    std::fs::create_dir_all(root).expect("fixture folder");

    let repo = root.join("repo");
    copy_tree(sample().path(), &repo);
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cmd/fixture");
    copy_tree(&here, &repo);

    let shallow = sample();
    let first = shallow
        .repo()
        .revparse_single("v1.0.0")
        .expect("tag")
        .peel_to_commit()
        .expect("commit")
        .id();
    shallow.make_shallow(first);
    copy_tree(shallow.path(), &root.join("shallow"));
}

/// Copies the folder `from` into `to` (created), files and subfolders alike.
fn copy_tree(from: &Path, to: &Path) {
    let mut work = vec![(from.to_path_buf(), to.to_path_buf())];
    while let Some((src, dst)) = work.pop() {
        std::fs::create_dir_all(&dst).expect("mkdir");
        for entry in std::fs::read_dir(&src).expect("read dir") {
            let entry = entry.expect("dir entry");
            let target = dst.join(entry.file_name());
            if entry.file_type().expect("file type").is_dir() {
                work.push((entry.path(), target));
            } else {
                std::fs::copy(entry.path(), &target).expect("copy");
            }
        }
    }
}
