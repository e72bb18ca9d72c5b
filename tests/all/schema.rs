//! The policy's JSON Schema: the committed `slipgate.schema.json` is what `slipgate policy
//! schema` prints, and every shipped policy names it in its editor modeline.

use crate::cli::slipgate;
use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn modeline() -> String {
    format!(
        "# yaml-language-server: $schema={}",
        slipgate::policy::SCHEMA_ID
    )
}

#[test]
fn the_committed_schema_is_current() {
    let out = slipgate(Path::new(ROOT))
        .args(["policy", "schema"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let printed = String::from_utf8(out).expect("utf-8");
    let committed =
        std::fs::read_to_string(Path::new(ROOT).join("slipgate.schema.json")).unwrap_or_default();
    assert!(
        printed == committed,
        "slipgate.schema.json is not what `slipgate policy schema` prints; regenerate it with\n  \
         cargo run --quiet -- policy schema > slipgate.schema.json\nand commit it"
    );
    let schema: serde_json::Value = serde_json::from_str(&committed).expect("json");
    assert_eq!(schema["$id"], slipgate::policy::SCHEMA_ID);
}

#[test]
fn every_shipped_policy_starts_with_the_modeline() {
    let mut files: Vec<_> = std::fs::read_dir(Path::new(ROOT).join("policies"))
        .expect("policies/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 3, "{files:?}");
    for f in &files {
        let text = std::fs::read_to_string(f).expect("read");
        assert_eq!(
            text.lines().next(),
            Some(modeline().as_str()),
            "{} must start with the schema modeline",
            f.display()
        );
    }
    // The README's full policy example too (.ci/schema/check.sh validates it).
    let readme = std::fs::read_to_string(Path::new(ROOT).join("README.md")).expect("README");
    assert!(
        readme.contains(&format!("```yaml\n{}\nversion: 1\n", modeline())),
        "README's policy example must start with the modeline"
    );
}

#[test]
fn every_whole_policy_in_the_readme_passes_policy_check() {
    // A whole policy is a YAML block that starts with `version: 1` (or the modeline
    // and then it); fragments (one key shown on its own) are not checked here.
    let readme = std::fs::read_to_string(Path::new(ROOT).join("README.md")).expect("README");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut checked = 0;
    for (i, block) in readme.split("```yaml\n").skip(1).enumerate() {
        let body = block.split("\n```").next().unwrap_or_default();
        let first = body
            .lines()
            .find(|l| !l.starts_with("# yaml-language-server"));
        if first != Some("version: 1") {
            continue;
        }
        let file = dir.path().join(format!("readme-{i}.yml"));
        std::fs::write(&file, format!("{body}\n")).expect("write");
        let out = slipgate(dir.path())
            .args(["policy", "check"])
            .arg(&file)
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "README policy block {i} fails:\n{body}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        checked += 1;
    }
    // The full example and the support/operations/coverage one, at least.
    assert!(checked >= 2, "{checked} whole policies found in README");
}
