//! The import direction (docs/architecture.md): every `crate::X` reference in `src/`
//! goes to a module that the referring module's layer may import.
//!
//! Reads every `src/**/*.rs` file as text (no parser): comment lines are skipped, and so
//! is test code, cheaply told apart: a `#[cfg(test)]` at the start of a line followed by
//! `mod NAME {` skips up to the closing `}` at the start of a line, and one followed by
//! `mod NAME;` skips the file of that module (and its folder). `main.rs` (which names the
//! crate `slipgate::`) and `lib.rs` (which only declares the modules) are wiring.
//!
//! Known violations, being removed, are listed in [`KNOWN`]: one that no longer exists
//! only prints a note, so the list can be emptied after the restructuring lands.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each top-level module of `src/` and the modules it may import besides itself. A new
/// top-level module must be added here (and to docs/architecture.md).
const LAYERS: &[(&str, &[&str])] = &[
    // Bottom utilities: import nothing of the crate.
    ("escape", &[]),
    ("duration", &[]),
    // The TLS client configuration of slipgate's own connections (PostgreSQL, Pushgateway).
    ("tls", &[]),
    // The one place that writes stdout and stderr.
    ("console", &["escape"]),
    // Plain types, below every layer.
    ("model", &["duration", "escape"]),
    // Configuration, at model level: metrics, gate and report may read it.
    ("policy", &["model", "duration", "escape"]),
    // Transports and stores of the edges, used by collect and publish alike.
    ("github", &["model", "duration", "escape", "console"]),
    ("store", &["model", "duration", "escape", "console"]),
    // The PostgreSQL connection of `export` (publish) and `org` (collect).
    ("pg", &["tls", "model", "duration", "escape", "console"]),
    // Reads the world.
    (
        "collect",
        &[
            "github", "store", "pg", "policy", "model", "duration", "escape", "console",
        ],
    ),
    // Pure.
    ("metrics", &["policy", "model", "duration", "escape"]),
    (
        "gate",
        &["metrics", "policy", "model", "duration", "escape"],
    ),
    (
        "report",
        &["gate", "metrics", "policy", "model", "duration", "escape"],
    ),
    // Pure: the policy and workflows `slipgate init` fits to a repository.
    ("init", &["policy", "model", "duration", "escape"]),
    // Writes the world.
    (
        "publish",
        &[
            "init", "report", "gate", "metrics", "policy", "model", "github", "store", "pg", "tls",
            "duration", "escape", "console",
        ],
    ),
    // The edge: the crate's error type gathers the layers' errors; the arguments; the
    // wiring.
    (
        "error",
        &[
            "collect", "github", "store", "pg", "policy", "model", "duration", "escape",
        ],
    ),
    (
        "cli",
        &[
            "error", "collect", "github", "store", "pg", "report", "gate", "metrics", "policy",
            "model", "duration", "escape", "console",
        ],
    ),
    (
        "app",
        &[
            "cli", "error", "collect", "github", "store", "pg", "tls", "publish", "init", "report",
            "gate", "metrics", "policy", "model", "duration", "escape", "console",
        ],
    ),
];

/// Imports against the layering that exist while issue 9 is being done: (file under
/// `src/`, module it imports, why). Remove an entry when its import is gone.
const KNOWN: &[(&str, &str, &str)] = &[];

/// Names re-exported at the crate root, and the module they come from.
const ROOT_REEXPORTS: &[(&str, &str)] = &[("Error", "error"), ("Result", "error")];

#[test]
fn layers_import_only_downward() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let layers: BTreeMap<&str, &[&str]> = LAYERS.iter().copied().collect();
    for (layer, allowed) in LAYERS {
        for a in *allowed {
            assert!(
                layers.contains_key(a),
                "LAYERS: `{layer}` names `{a}`, not a layer"
            );
        }
    }

    let files = rust_files(&src);
    let test_only = test_only_paths(&src, &files);
    let mut problems = Vec::new();
    let mut found: BTreeSet<(String, String)> = BTreeSet::new();
    for file in &files {
        let rel = relative(&src, file);
        if rel == "main.rs" || rel == "lib.rs" || test_only.iter().any(|t| file.starts_with(t)) {
            continue;
        }
        let from = rel.split('/').next().unwrap_or("").trim_end_matches(".rs");
        let Some(allowed) = layers.get(from) else {
            problems.push(format!(
                "src/{rel}: module `{from}` has no layer; add it to LAYERS in tests/all/layers.rs and to docs/architecture.md"
            ));
            continue;
        };
        let text = std::fs::read_to_string(file).expect("read source");
        for (line, target) in crate_references(&production_text(&text)) {
            let target = ROOT_REEXPORTS
                .iter()
                .find(|(name, _)| *name == target)
                .map_or(target.as_str(), |(_, module)| module);
            if target == from || allowed.contains(&target) {
                continue;
            }
            found.insert((rel.clone(), target.to_string()));
            if !KNOWN.iter().any(|(f, t, _)| *f == rel && *t == target) {
                problems.push(format!(
                    "src/{rel}:{line}: `{from}` imports `{target}`, which its layer may not (may: {})",
                    allowed.join(", ")
                ));
            }
        }
    }
    for (file, target, why) in KNOWN {
        if !found.contains(&(file.to_string(), target.to_string())) {
            note(&format!(
                "note: KNOWN in tests/all/layers.rs lists src/{file} → {target} ({why}), which no longer exists: remove the entry"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "imports against the layering (docs/architecture.md):\n{}",
        problems.join("\n")
    );
}

/// Prints past the test harness's capture, so the note shows in a passing run too.
#[allow(clippy::disallowed_methods)] // test output, not the product's
fn note(text: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "{text}");
}

/// The reader itself, on text that has every form it must see or skip.
#[test]
fn crate_references_are_found_in_every_form() {
    let text = "\
//! [`crate::report`] in a doc comment is no import
use crate::model::Release;
use crate::{
    metrics::{self, Inputs},
    policy,
};
fn f() { crate::escape::line(\"x\"); }
macro_rules! m { () => { $crate::gate::x() } }
pub(crate) fn g() -> crate::Result<()> { Ok(()) }
#[cfg(test)]
mod tests {
    use crate::publish;
}
fn after() { crate::duration::Dur::days(1); }
";
    let refs: Vec<(usize, String)> = crate_references(&production_text(text));
    let names: Vec<(usize, &str)> = refs.iter().map(|(l, n)| (*l, n.as_str())).collect();
    assert_eq!(
        names,
        [
            (2, "model"),
            (3, "metrics"),
            (3, "policy"),
            (7, "escape"),
            (9, "Result"),
            (14, "duration"),
        ]
    );
}

/// The text with comment lines and inline test modules blanked (line numbers kept).
fn production_text(text: &str) -> String {
    let mut out = Vec::new();
    let mut in_test = false;
    let mut after_cfg_test = false;
    for line in text.lines() {
        if in_test {
            if line == "}" {
                in_test = false;
            }
            out.push("");
            continue;
        }
        if after_cfg_test && line.starts_with("mod ") && line.trim_end().ends_with('{') {
            in_test = true;
            out.push("");
            continue;
        }
        after_cfg_test = line.trim_end() == "#[cfg(test)]";
        out.push(if line.trim_start().starts_with("//") {
            ""
        } else {
            line
        });
    }
    out.join("\n")
}

/// Every `crate::NAME` (and each first name of a `crate::{a::.., b}` group) with its
/// 1-based line. `$crate::` (macros) and `pub(crate)` are not references.
fn crate_references(text: &str) -> Vec<(usize, String)> {
    let bytes = text.as_bytes();
    let mut refs = Vec::new();
    let mut at = 0;
    while let Some(i) = text[at..].find("crate::") {
        let start = at + i;
        at = start + "crate::".len();
        if start > 0 {
            let before = bytes[start - 1];
            if before == b'$' || before == b'_' || before.is_ascii_alphanumeric() {
                continue;
            }
        }
        let line = text[..start].matches('\n').count() + 1;
        if bytes.get(at) == Some(&b'{') {
            // A group: the first name of each item at depth 1.
            let mut depth = 0;
            let mut item_start = true;
            let mut j = at;
            while j < bytes.len() {
                match bytes[j] {
                    b'{' => {
                        depth += 1;
                        if depth == 1 {
                            item_start = true;
                        }
                    }
                    b'}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    b',' if depth == 1 => item_start = true,
                    c if depth == 1 && item_start && (c.is_ascii_alphabetic() || c == b'_') => {
                        let name = identifier(&text[j..]);
                        refs.push((line, name.to_string()));
                        item_start = false;
                        j += name.len();
                        continue;
                    }
                    _ => {}
                }
                j += 1;
            }
        } else {
            let name = identifier(&text[at..]);
            if !name.is_empty() {
                refs.push((line, name.to_string()));
            }
        }
    }
    refs
}

fn identifier(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// Files and folders of modules declared `#[cfg(test)] mod NAME;`.
fn test_only_paths(src: &Path, files: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file).expect("read source");
        let lines: Vec<&str> = text.lines().collect();
        for pair in lines.windows(2) {
            let (attr, decl) = (pair[0].trim(), pair[1].trim());
            let Some(name) = decl.strip_prefix("mod ").and_then(|d| d.strip_suffix(';')) else {
                continue;
            };
            if attr != "#[cfg(test)]" {
                continue;
            }
            let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("");
            let dir = file.parent().unwrap_or(src);
            let base = if matches!(stem, "mod" | "lib" | "main") {
                dir.to_path_buf()
            } else {
                dir.join(stem)
            };
            out.push(base.join(format!("{name}.rs")));
            out.push(base.join(name));
        }
    }
    out
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut work = vec![dir.to_path_buf()];
    while let Some(d) = work.pop() {
        for entry in std::fs::read_dir(&d).expect("read src") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                work.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn relative(src: &Path, file: &Path) -> String {
    file.strip_prefix(src)
        .expect("under src")
        .to_string_lossy()
        .replace('\\', "/")
}
