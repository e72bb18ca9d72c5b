//! `slipgate org --from postgres://…` against a real PostgreSQL server ([`crate::pg`]):
//! two repositories exported, the table in text, markdown and JSON with values computed
//! by hand, and the one-line failures (exit 2).

use crate::cli::{now, sample, slipgate};
use crate::gitrepo::{DAY, T0, TestRepo};
use crate::pg::{self, PASSWORD};
use serde_json::Value;
use std::path::Path;

fn export(dir: &Path, url: &str, github_repo: &str) {
    slipgate(dir)
        .env("PGPASSWORD", PASSWORD)
        .args(["--now", &now(), "export", "--offline", "--to", url])
        .args(["--github-repo", github_repo])
        .assert()
        .success();
}

fn org(url: &str, password: &str, format: &str) -> assert_cmd::assert::Assert {
    let dir = tempfile::tempdir().expect("tmp");
    slipgate(dir.path())
        .env("PGPASSWORD", password)
        .args(["--color", "never", "org", "--from", url, "--format", format])
        .assert()
}

/// A second repository: "feat: x" (day 30), "fix: y" (day 32), released as v0.1.0 on
/// day 34.
fn small() -> TestRepo {
    let r = TestRepo::new();
    r.commit_at("feat: x", T0 + 30 * DAY);
    let y = r.commit_at("fix: y", T0 + 32 * DAY);
    r.tag_annotated("v0.1.0", y, T0 + 34 * DAY);
    r
}

/// The database with both repositories exported at day 40.
fn two_repositories(name: &str) -> String {
    let db = pg::fresh_db(name);
    let (a, b) = (sample(), small());
    export(a.path(), &pg::url(&db), "acme/zeta");
    export(b.path(), &pg::url(&db), "acme/alpha");
    db
}

fn stdout(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stdout).into_owned()
}

fn stderr(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).into_owned()
}

#[test]
fn org_prints_one_row_per_repository() {
    let db = two_repositories("org_two");
    let url = pg::url(&db);
    // By hand, at day 40 with the default 90-day window (90/7 weeks):
    // acme/alpha: v0.1.0 (day 34); lead times 4d (x) and 2d (y): p50 2d; 1 release →
    //   7/90 a week; none failed. Last week [33, 40) has the release (1/week), the week
    //   before none (0): ▲, better. The other series lack a value in one of the weeks.
    // acme/zeta (cli.rs's sample): v1.1.0 (day 30) of three releases → 3·7/90 a week;
    //   lead times 9d 6d | 0 | 18d 17d 10d 2d: p50 of seven is the 4th, 9d; one of the
    //   three releases failed. Last week no release (0), the week before v1.1.0 (1): ▼,
    //   worse.
    let j = org(&url, PASSWORD, "json").success();
    let v: Value = serde_json::from_str(&stdout(&j)).expect("JSON");
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["period_seconds"], 7 * DAY);
    let r = v["repositories"].as_array().expect("repositories");
    assert_eq!(r.len(), 2);
    let (a, z) = (&r[0], &r[1]);
    assert_eq!(a["repo"], "acme/alpha");
    assert_eq!(a["evaluated_at"], now());
    assert_eq!(a["latest_release"]["tag"], "v0.1.0");
    assert_eq!(
        a["latest_release"]["released_at"],
        slipgate::model::rfc3339(T0 + 34 * DAY)
    );
    assert_eq!(a["lead_time_p50_seconds"], 2 * DAY);
    let close = |v: &Value, want: f64| {
        let got = v.as_f64().unwrap_or(f64::NAN);
        assert!((got - want).abs() < 1e-12, "{got} != {want}");
    };
    close(&a["release_frequency"], 7.0 / 90.0);
    close(&a["change_failure_rate"], 0.0);
    assert_eq!(a["defect_rate"], Value::Null);
    assert_eq!(a["open_critical_bugs"], Value::Null);
    assert_eq!(a["last_verdict"], "pass");
    assert_eq!(
        a["trend"]["release_frequency"],
        serde_json::json!({"previous": 0.0, "last": 1.0, "direction": "up", "good": true})
    );
    assert_eq!(a["trend"]["lead_time.p50"], Value::Null);
    assert_eq!(z["repo"], "acme/zeta");
    assert_eq!(z["latest_release"]["tag"], "v1.1.0");
    assert_eq!(z["lead_time_p50_seconds"], 9 * DAY);
    close(&z["release_frequency"], 3.0 * 7.0 / 90.0);
    close(&z["change_failure_rate"], 1.0 / 3.0);
    assert_eq!(
        z["trend"]["release_frequency"],
        serde_json::json!({"previous": 1.0, "last": 0.0, "direction": "down", "good": false})
    );
    let keys: Vec<&String> = z["trend"].as_object().expect("trend").keys().collect();
    assert_eq!(
        keys,
        [
            "change_failure_rate",
            "defect_rate",
            "lead_time.p50",
            "release_frequency"
        ]
    );

    let t = stdout(&org(&url, PASSWORD, "text").success());
    let lines: Vec<&str> = t.lines().collect();
    assert_eq!(lines[0], "slipgate org  2 repositories");
    assert!(
        lines[3].starts_with("acme/alpha  v0.1.0          2023-12-18"),
        "{t}"
    );
    assert!(
        lines[3].contains("2d  0.08 ▲ better")
            && lines[3].ends_with("0%            –              –  pass"),
        "{t}"
    );
    assert!(
        lines[4].contains("9d   0.23 ▼ worse") && lines[4].contains("33.3%"),
        "{t}"
    );

    let m = stdout(&org(&url, PASSWORD, "markdown").success());
    insta::assert_snapshot!("org_markdown", m);
}

#[test]
fn names_and_tags_from_the_database_are_escaped() {
    let db = two_repositories("org_hostile");
    pg::query(
        &db,
        "UPDATE slipgate.repositories SET repo = E'evil/x\\n::error::pwned @everyone <b>' WHERE repo = 'acme/zeta'; \
         UPDATE slipgate.releases SET tag = E'v1|`x`\\u202e' WHERE repo = 'acme/alpha'; \
         INSERT INTO slipgate.open_bugs VALUES \
         ('acme/alpha', to_timestamp(1), 'critical', 5), ('acme/alpha', to_timestamp(1), 'major', 9), \
         ('acme/alpha', to_timestamp(2), 'critical', 2), ('acme/alpha', to_timestamp(2), 'none', 7)",
    );
    let url = pg::url(&db);
    let t = stdout(&org(&url, PASSWORD, "text").success());
    assert!(!t.contains("\n::error") && !t.contains('\u{202e}'), "{t}");
    assert!(t.contains("evil/x<U+000A>"), "{t}");
    let m = stdout(&org(&url, PASSWORD, "markdown").success());
    assert!(
        !m.contains("<b>") && !m.contains("@everyone") && !m.contains("v1|"),
        "{m}"
    );
    assert!(!m.contains("\n::error"), "{m}");
    let j = stdout(&org(&url, PASSWORD, "json").success());
    let v: Value = serde_json::from_str(&j).expect("JSON");
    assert!(!j.contains('\u{202e}'), "{j}");
    // The newest snapshot's critical bugs (2, not the older 5); none without a snapshot.
    assert_eq!(v["repositories"][0]["open_critical_bugs"], 2);
    assert_eq!(v["repositories"][1]["open_critical_bugs"], Value::Null);
    // Byte order: "acme/alpha" < "evil/…"; the names are the database's, decoded.
    assert_eq!(
        v["repositories"][1]["repo"],
        "evil/x\n::error::pwned @everyone <b>"
    );
}

#[test]
fn failures_are_one_line_exit_2() {
    let port = pg::cluster().port;
    let one_line = |a: &assert_cmd::assert::Assert, want: &str| {
        let err = stderr(a);
        let errors = err.lines().filter(|l| l.starts_with("error")).count();
        assert_eq!(errors, 1, "{err}");
        assert!(err.contains(want), "{err}");
        assert!(
            !err.contains("wrong-Pass") && !err.contains(PASSWORD),
            "{err}"
        );
        assert_eq!(stdout(a), "");
    };
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let a = org(&format!("postgres://u@127.0.0.1:{closed}/x"), "", "text").code(2);
    one_line(
        &a,
        "cannot reach the PostgreSQL server of postgres://127.0.0.1",
    );
    let a = org(&pg::url("postgres"), "wrong-Pass", "text").code(2);
    one_line(&a, "refused the login");
    let a = org(&pg::url("no_such_db"), PASSWORD, "text").code(2);
    one_line(
        &a,
        &format!("the database of postgres://127.0.0.1:{port}/no_such_db does not exist"),
    );
    let db = pg::fresh_db("org_empty");
    let a = org(&pg::url(&db), PASSWORD, "json").code(2);
    one_line(
        &a,
        "has no slipgate schema (or an empty one); run `slipgate export",
    );
    let a = org("http://127.0.0.1:9/metrics", PASSWORD, "text").code(2);
    one_line(&a, "--from: not a database URL");
    let db = two_repositories("org_newer");
    pg::query(
        &db,
        "INSERT INTO slipgate.schema_version (version) VALUES (99)",
    );
    let a = org(&pg::url(&db), PASSWORD, "text").code(2);
    one_line(&a, "holds slipgate schema version 99, newer than the");
}
