//! `slipgate init` end to end through the binary, on temporary repositories: the tag
//! pattern from the tags present, the test runner from the files, the refusal to
//! overwrite, `--dry-run`, and the labels proposed from a fake GitHub.

use crate::cli::slipgate;
use crate::gitrepo::{DAY, T0, TestRepo};
use crate::mockhub::{HubIssue, MockHub};
use std::path::Path;

const FILES: [&str; 4] = [
    ".github/slipgate.yml",
    ".github/workflows/slipgate-pr.yml",
    ".github/workflows/slipgate-release.yml",
    ".github/workflows/slipgate-trend.yml",
];

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn init(dir: &Path, args: &[&str]) -> Run {
    let out = slipgate(dir)
        .arg("init")
        .args(args)
        .output()
        .expect("run slipgate");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A repository with `files` in its tree and one commit tagged with each of `tags`,
/// a day apart in order.
fn repo_with(files: &[&str], tags: &[&str]) -> TestRepo {
    let r = TestRepo::new();
    let tree: Vec<(&str, Option<&str>)> = files.iter().map(|f| (*f, Some("x\n"))).collect();
    let base = r.commit_files("chore: files", T0, &tree);
    r.tag_lightweight("nightly", base);
    for (i, t) in tags.iter().enumerate() {
        let c = r.commit_files(&format!("release {t}"), T0 + (i as i64 + 1) * DAY, &[]);
        r.tag_lightweight(t, c);
    }
    r
}

fn policy_of(r: &TestRepo) -> (String, slipgate::policy::Policy) {
    let text = std::fs::read_to_string(r.path().join(FILES[0])).expect("policy written");
    let (policy, _) = slipgate::policy::parse(&text, FILES[0]).expect("the policy parses");
    (text, policy)
}

fn yaml(text: &str) -> serde_json::Value {
    serde_saphyr::from_str::<serde_json::Value>(text).expect("valid YAML")
}

#[test]
fn v_tags_give_a_v_pattern_and_every_file_is_valid() {
    let r = repo_with(&["Cargo.toml"], &["v1.0.0", "v1.1.0", "v1.2.3"]);
    let run = init(r.path(), &["--offline"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let (_, p) = policy_of(&r);
    assert_eq!(
        p.releases.tag_pattern.as_str(),
        r"^v(?P<version>\d+\.\d+\.\d+)$"
    );
    // Cargo.toml: nextest's JUnit file.
    assert_eq!(p.tests.paths, vec!["target/nextest/ci/junit.xml"]);
    for f in &FILES[1..] {
        let text = std::fs::read_to_string(r.path().join(f)).expect("workflow");
        let w = yaml(&text);
        assert_eq!(w["permissions"], serde_json::json!({}), "{f}");
        let job = w["jobs"]
            .as_object()
            .expect("jobs")
            .values()
            .next()
            .expect("a job");
        assert!(job["permissions"]["contents"] == "read", "{f}");
        let steps = job["steps"].as_array().expect("steps");
        assert_eq!(steps[0]["with"]["persist-credentials"], false, "{f}");
        assert!(
            steps[0]["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/checkout@3d3c42e5")),
            "{f}"
        );
    }
    let pr = yaml(&std::fs::read_to_string(r.path().join(FILES[1])).expect("pr"));
    let steps = pr["jobs"]["gate"]["steps"].as_array().expect("steps");
    let gate = steps.last().expect("gate step");
    assert_eq!(gate["if"], "always()");
    assert!(steps.iter().any(|s| {
        s["run"]
            .as_str()
            .is_some_and(|r| r.contains("cargo nextest run --profile ci"))
    }));
    assert_eq!(pr["on"]["push"]["branches"], serde_json::json!(["main"]));
    let release = yaml(&std::fs::read_to_string(r.path().join(FILES[2])).expect("rel"));
    assert_eq!(release["on"]["push"]["tags"], serde_json::json!(["v*"]));
    let trend = yaml(&std::fs::read_to_string(r.path().join(FILES[3])).expect("trend"));
    assert_eq!(trend["concurrency"]["group"], "slipgate-trend");
    assert!(run.stdout.contains("3 of 4"), "{}", run.stdout);
    assert!(
        run.stdout.contains("wrote .github/slipgate.yml"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_monorepo_takes_its_biggest_family_and_pairs_the_others_with_folders() {
    let r = repo_with(
        &["tokio/Cargo.toml", "tokio-macros/Cargo.toml", "go.mod"],
        &[
            "tokio-1.0.0",
            "tokio-1.1.0",
            "tokio-macros-0.1.0",
            "tokio-1.2.0",
        ],
    );
    let run = init(r.path(), &["--offline"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (text, p) = policy_of(&r);
    assert_eq!(
        p.releases.tag_pattern.as_str(),
        r"^tokio-(?P<version>\d+\.\d+\.\d+)$"
    );
    assert_eq!(p.releases.paths.0.sources(), vec!["tokio/".to_string()]);
    assert!(
        text.contains("# also tagged: tokio-macros-* (1 tags), folder tokio-macros/"),
        "{text}"
    );
    assert!(
        run.stdout
            .contains("other family: tags `tokio-macros-*`, 1 tags, folder tokio-macros/"),
        "{}",
        run.stdout
    );
    // go.mod: gotestsum.
    assert_eq!(p.tests.paths, vec!["reports/go-test.xml"]);
    let release = std::fs::read_to_string(r.path().join(FILES[2])).expect("rel");
    assert!(release.contains("tags: ['tokio-*']"), "{release}");
}

#[test]
fn plain_versions_and_the_runner_of_each_file() {
    let cases = [
        ("package.json", "junit.xml", "jest-junit"),
        (
            "pom.xml",
            "target/surefire-reports/*.xml",
            "mvn --batch-mode",
        ),
        (
            "pyproject.toml",
            "reports/pytest.xml",
            "--junitxml=reports/pytest.xml",
        ),
        (
            "pytest.ini",
            "reports/pytest.xml",
            "--junitxml=reports/pytest.xml",
        ),
        (
            "setup.cfg",
            "reports/pytest.xml",
            "--junitxml=reports/pytest.xml",
        ),
        ("go.mod", "reports/go-test.xml", "gotestsum"),
        ("Cargo.toml", "target/nextest/ci/junit.xml", "cargo nextest"),
    ];
    for (file, junit, step) in cases {
        let r = repo_with(&[file], &["1.2.3", "1.3.0"]);
        let run = init(r.path(), &["--offline"]);
        assert_eq!(run.code, 0, "{file}: {}", run.stderr);
        let (_, p) = policy_of(&r);
        assert_eq!(
            p.releases.tag_pattern.as_str(),
            r"^(?P<version>\d+\.\d+\.\d+)$",
            "{file}"
        );
        assert_eq!(p.tests.paths, vec![junit], "{file}");
        let pr = std::fs::read_to_string(r.path().join(FILES[1])).expect("pr");
        assert!(pr.contains(step), "{file}: {pr}");
    }
    // No known runner: no test step, no paths, and it says so.
    let r = repo_with(&["README.md"], &["1.2.3"]);
    let run = init(r.path(), &["--offline"]);
    let (_, p) = policy_of(&r);
    assert!(p.tests.paths.is_empty());
    assert!(
        run.stdout.contains("no known test runner found"),
        "{}",
        run.stdout
    );
}

#[test]
fn existing_files_are_refused_all_listed_unless_forced() {
    let r = repo_with(&["Cargo.toml"], &["v1.0.0"]);
    std::fs::create_dir_all(r.path().join(".github/workflows")).expect("mkdir");
    std::fs::write(r.path().join(FILES[0]), "mine\n").expect("write");
    std::fs::write(r.path().join(FILES[3]), "mine too\n").expect("write");
    let run = init(r.path(), &["--offline"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(
            "would overwrite .github/slipgate.yml, .github/workflows/slipgate-trend.yml; pass --force"
        ),
        "{}",
        run.stderr
    );
    // Nothing was written, not even the files that did not exist.
    assert!(!r.path().join(FILES[1]).exists());
    assert_eq!(
        std::fs::read_to_string(r.path().join(FILES[0])).expect("kept"),
        "mine\n"
    );
    // An existing policy that does not parse does not stop --force.
    let run = init(r.path(), &["--offline", "--force"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    policy_of(&r);
}

#[test]
fn dry_run_prints_every_file_under_its_path_and_writes_nothing() {
    let r = repo_with(&["Cargo.toml"], &["v1.0.0"]);
    let run = init(r.path(), &["--offline", "--dry-run"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for f in FILES {
        assert!(run.stdout.contains(&format!("==> {f} <==\n")), "{f}");
        assert!(!r.path().join(f).exists(), "{f}");
    }
    assert!(!r.path().join(".github").exists());
    // The choices go to stderr, so stdout is the files alone.
    assert!(
        run.stderr.contains("slipgate init chose:"),
        "{}",
        run.stderr
    );
    assert!(!run.stdout.contains("slipgate init chose:"));
}

#[test]
fn conventional_commits_keep_the_fix_pattern_and_others_get_a_looser_one() {
    let conventional = repo_with(&["Cargo.toml"], &[]);
    // The base's `chore: files` and 24 `fix(core):` here: 25 of 25 conventional.
    for i in 0..24 {
        conventional.commit_files(&format!("fix(core): thing {i}"), T0 + i * 60 + 60, &[]);
    }
    let run = init(conventional.path(), &["--offline"]);
    let (_, p) = policy_of(&conventional);
    assert_eq!(
        p.commits.fix_pattern.as_str(),
        slipgate::policy::DEFAULT_FIX_PATTERN
    );
    assert!(run.stdout.contains("100% of the last 25"), "{}", run.stdout);

    let loose = repo_with(&["Cargo.toml"], &[]);
    // Only the base's `chore: files` is conventional: 1 of 25, 4%.
    for i in 0..24 {
        loose.commit_files(&format!("printer: fix thing {i}"), T0 + i * 60 + 60, &[]);
    }
    let run = init(loose.path(), &["--offline"]);
    let (_, p) = policy_of(&loose);
    assert_eq!(
        p.commits.fix_pattern.as_str(),
        slipgate::init::LOOSE_FIX_PATTERN
    );
    assert!(
        run.stdout.contains("only 4% of the last 25"),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn labels_in_use_are_proposed_most_used_first_in_one_request() {
    let r = repo_with(&["Cargo.toml"], &["v1.0.0"]);
    let hub = MockHub::start("octo-org/octo-repo").await;
    hub.add_issue(HubIssue::new(1, T0).labels(&["C-bug", "P-high"]));
    hub.add_issue(HubIssue::new(2, T0).labels(&["kind/bug", "C-bug"]));
    hub.add_issue(HubIssue::new(3, T0).labels(&["C-bug", "I-regression"]));
    hub.add_issue(HubIssue::new(4, T0).labels(&["kind/bug", "A-docs"]));
    hub.add_issue(HubIssue::new(5, T0).labels(&["P-critical", "C-bug"]));
    let dir = r.path().to_path_buf();
    let uri = hub.uri();
    let run = tokio::task::spawn_blocking(move || {
        let out = slipgate(&dir)
            .args([
                "init",
                "--github-repo",
                "octo-org/octo-repo",
                "--api-url",
                &uri,
            ])
            .env("GITHUB_TOKEN", "ghp_test")
            .output()
            .expect("run");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    })
    .await
    .expect("join");
    assert_eq!(run.0, Some(0), "{}", run.1);
    let (_, p) = policy_of(&r);
    // C-bug on 4 issues, kind/bug on 2.
    assert_eq!(p.issues.bug_labels, vec!["C-bug", "kind/bug"]);
    assert_eq!(p.issues.regression_labels, vec!["I-regression"]);
    assert_eq!(p.issues.severity_labels["critical"], vec!["P-critical"]);
    assert_eq!(p.issues.severity_labels["high"], vec!["P-high"]);
    // No incident label in use: the default, and it says so.
    assert_eq!(p.issues.incident_labels, vec!["incident"]);
    assert!(
        run.1.contains("incident_labels: the default incident"),
        "{}",
        run.1
    );
    assert_eq!(hub.requests().await.len(), 1);
}

#[test]
fn without_a_token_the_labels_are_the_defaults_with_the_reason() {
    let r = repo_with(&["Cargo.toml"], &["v1.0.0"]);
    let run = init(r.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (_, p) = policy_of(&r);
    assert_eq!(p.issues.bug_labels, vec!["bug"]);
    assert!(run.stdout.contains("no token"), "{}", run.stdout);
}
