//! `slipgate export --to postgres://…` and `check --export` against a real PostgreSQL
//! server on loopback ([`crate::pg`]): the rows equal the JSON report, a second export
//! changes nothing, migrations, and the one-line failures (exit 2).
//!
//! The repository is [`crate::cli::sample`] at day 40 (its table is in `cli.rs`).

use crate::cli::{now, sample, slipgate};
use crate::gitrepo::{DAY, T0};
use crate::pg::{self, PASSWORD};
use serde_json::Value;
use std::path::Path;

fn export(dir: &Path, url: &str, password: &str) -> assert_cmd::assert::Assert {
    let mut c = slipgate(dir);
    c.env("PGPASSWORD", password)
        .args(["--now", &now(), "export", "--offline", "--to", url])
        .assert()
}

fn stderr(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).into_owned()
}

/// The error lines of stderr (warnings about the data may come before).
fn errors(a: &assert_cmd::assert::Assert) -> Vec<String> {
    stderr(a)
        .lines()
        .filter(|l| l.starts_with("error"))
        .map(str::to_string)
        .collect()
}

/// Every table's rows, in key order, as text.
fn contents(db: &str) -> Vec<Vec<Vec<Option<String>>>> {
    [
        "SELECT * FROM slipgate.repositories ORDER BY 1",
        "SELECT *, xmin::text FROM slipgate.releases ORDER BY 1, 2",
        "SELECT *, xmin::text FROM slipgate.periods ORDER BY 1, 2, 3",
        "SELECT *, xmin::text FROM slipgate.test_runs ORDER BY 1, 2",
        "SELECT *, xmin::text FROM slipgate.verdicts ORDER BY 1, 2, 3",
        "SELECT *, xmin::text FROM slipgate.open_bugs ORDER BY 1, 2, 3",
        "SELECT version FROM slipgate.schema_version ORDER BY 1",
    ]
    .iter()
    .map(|q| pg::query(db, q))
    .collect()
}

fn int(v: &Value) -> Option<String> {
    v.as_i64().map(|n| n.to_string())
}

#[test]
fn rows_equal_the_json_report_and_a_second_export_changes_nothing() {
    let db = pg::fresh_db("export_rows");
    let r = sample();
    let a = export(r.path(), &pg::url(&db), PASSWORD).success();
    let err = stderr(&a);
    assert!(
        err.contains("exported 3 releases")
            && err.contains("created the schema slipgate (version 2)"),
        "{err}"
    );
    assert!(!err.contains(PASSWORD), "{err}");

    let json = slipgate(r.path())
        .args([
            "--now",
            &now(),
            "report",
            "--offline",
            "--format",
            "json",
            "--last",
            "100",
        ])
        .output()
        .expect("report");
    let report: Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let rows = pg::query(
        &db,
        "SELECT tag, version, extract(epoch FROM released_at)::bigint, changes, lead_time_p50_seconds, \
         lead_time_p90_seconds, lead_time_max_seconds, fix_commits, reverts, bugs_found, defect_rate, \
         failed, provisional FROM slipgate.releases ORDER BY released_at",
    );
    let releases = report["releases"].as_array().expect("releases");
    assert_eq!(rows.len(), 3);
    assert_eq!(releases.len(), 3);
    for (row, rel) in rows.iter().zip(releases.iter().rev()) {
        let c = &rel["changes"];
        let lt = &c["lead_time"];
        let b = |v: &Value| v.as_bool().map(|b| if b { "t" } else { "f" }.to_string());
        let expected = vec![
            rel["tag"].as_str().map(str::to_string),
            rel["version"].as_str().map(str::to_string),
            None, // compared below
            int(&c["changes"]),
            int(&lt["p50"]),
            int(&lt["p90"]),
            int(&lt["max"]),
            int(&c["fix_commits"]),
            int(&c["reverts"]),
            int(&rel["bugs_found"]),
            rel["defect_rate"].as_f64().map(|f| f.to_string()),
            b(&rel["failed"]),
            b(&rel["provisional"]),
        ];
        let mut got = row.clone();
        got[2] = None;
        assert_eq!(got, expected, "{}", rel["tag"]);
    }
    // By hand (cli.rs): released at days 10, 11 (the lightweight tag's commit), 30; 2, 1
    // and 4 changes ("chore: tag" of day 12 went out in v1.1.0; the merge is no change);
    // the slowest 9d, 0, 18d; one revert in v1.1.0; the newest is provisional; offline,
    // no bug counts.
    let col = |i: usize| {
        rows.iter()
            .map(|r| r[i].clone().unwrap_or_default())
            .collect::<Vec<_>>()
    };
    let days = |d: &[i64]| {
        d.iter()
            .map(|d| (T0 + d * DAY).to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(col(0), ["v1.0.0", "v1.0.1", "v1.1.0"]);
    assert_eq!(col(2), days(&[10, 11, 30]));
    assert_eq!(col(3), ["2", "1", "4"]);
    assert_eq!(col(6), [9 * DAY, 0, 18 * DAY].map(|s| s.to_string()));
    assert_eq!(col(8), ["0", "0", "1"]);
    assert_eq!(col(9), ["", "", ""]);
    assert_eq!(col(12), ["f", "f", "t"]);

    // The window, as the JSON's.
    let w = &report["window"];
    let repo = pg::query(
        &db,
        "SELECT window_releases, release_frequency, change_failure_rate, changes, lead_time_p50_seconds \
         FROM slipgate.repositories",
    );
    assert_eq!(repo.len(), 1);
    let float = |v: &Option<String>| v.as_deref().and_then(|s| s.parse::<f64>().ok());
    let close = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() < 1e-12,
        (a, b) => a == b,
    };
    let r0 = &repo[0];
    assert_eq!(
        r0[0],
        Some(w["releases"].as_array().map_or(0, Vec::len).to_string())
    );
    assert!(
        close(float(&r0[1]), w["release_frequency"].as_f64()),
        "{r0:?} {w}"
    );
    assert!(
        close(float(&r0[2]), w["change_failure_rate"].as_f64()),
        "{r0:?} {w}"
    );
    assert_eq!(r0[3], int(&w["changes"]["changes"]));
    assert_eq!(r0[4], int(&w["changes"]["lead_time"]["p50"]));
    // 52 weekly periods of each period series, ending at the evaluation time.
    let periods = pg::query(
        &db,
        "SELECT count(*), max(extract(epoch FROM period_end))::bigint FROM slipgate.periods WHERE metric = 'lead_time.p50'",
    );
    assert_eq!(
        periods[0],
        vec![Some("52".into()), Some((T0 + 40 * DAY).to_string())]
    );
    let run = pg::query(&db, "SELECT run_id, verdict FROM slipgate.test_runs");
    assert_eq!(
        run,
        vec![vec![
            Some(format!("local-{}", T0 + 40 * DAY)),
            Some("pass".into())
        ]]
    );

    // Again: nothing changes, not even a row's version (xmin).
    let before = contents(&db);
    export(r.path(), &pg::url(&db), PASSWORD).success();
    assert_eq!(contents(&db), before);
}

#[test]
fn an_older_schema_is_migrated_and_a_newer_one_refused() {
    let db = pg::fresh_db("export_migrate");
    pg::query(
        &db,
        &format!(
            "CREATE SCHEMA slipgate; CREATE TABLE slipgate.schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now()); {} INSERT INTO slipgate.schema_version (version) VALUES (1);",
            slipgate::publish::postgres::MIGRATIONS[0]
        ),
    );
    let r = sample();
    let a = export(r.path(), &pg::url(&db), PASSWORD).success();
    assert!(
        stderr(&a).contains("migrated the schema slipgate from version 1 to 2"),
        "{}",
        stderr(&a)
    );
    let v = pg::query(
        &db,
        "SELECT version FROM slipgate.schema_version ORDER BY 1",
    );
    assert_eq!(v, vec![vec![Some("1".into())], vec![Some("2".into())]]);
    assert_eq!(
        pg::query(&db, "SELECT count(*) FROM slipgate.test_runs")[0][0].as_deref(),
        Some("1")
    );

    pg::query(
        &db,
        "INSERT INTO slipgate.schema_version (version) VALUES (7)",
    );
    let before = contents(&db);
    let a = export(r.path(), &pg::url(&db), PASSWORD).code(2);
    let err = stderr(&a);
    assert_eq!(errors(&a).len(), 1, "{err}");
    assert!(
        err.contains("holds slipgate schema version 7, newer than the 2 this slipgate writes"),
        "{err}"
    );
    assert_eq!(contents(&db), before);
}

#[test]
fn failures_are_one_line_exit_2_and_never_show_the_credentials() {
    let r = sample();
    let port = pg::cluster().port;
    let one_line = |a: &assert_cmd::assert::Assert, want: &str| {
        let err = stderr(a);
        assert_eq!(errors(a).len(), 1, "{err}");
        assert!(err.contains(want), "{err}");
        assert!(
            !err.contains("wrong-Pass") && !err.contains("reader") && !err.contains(PASSWORD),
            "{err}"
        );
    };
    // Nothing listens on this port.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let a = export(
        r.path(),
        &format!("postgres://reader:wrong-Pass@127.0.0.1:{closed}/x"),
        "",
    )
    .code(2);
    one_line(
        &a,
        &format!("cannot reach the PostgreSQL server of postgres://127.0.0.1:{closed}/x"),
    );
    // Wrong password (in the URL, percent-encoded).
    let a = export(
        r.path(),
        &format!("postgres://postgres:wrong-Pass%21@127.0.0.1:{port}/postgres"),
        "",
    )
    .code(2);
    one_line(&a, "refused the login");
    // Wrong password from PGPASSWORD.
    let a = export(r.path(), &pg::url("postgres"), "wrong-Pass").code(2);
    one_line(&a, "refused the login");
    // No such database.
    let a = export(r.path(), &pg::url("no_such_db"), PASSWORD).code(2);
    one_line(
        &a,
        &format!("the database of postgres://127.0.0.1:{port}/no_such_db does not exist"),
    );
    // Not a URL slipgate exports to.
    let a = export(r.path(), "mysql://reader:wrong-Pass@h/db", "").code(2);
    one_line(&a, "--to: not an export URL");

    // A read-only user: may read the schema, not write it.
    let db = pg::fresh_db("export_readonly");
    export(r.path(), &pg::url(&db), PASSWORD).success();
    pg::query(
        &db,
        &format!(
            "DROP ROLE IF EXISTS reader; CREATE ROLE reader LOGIN PASSWORD 'reader-pw'; \
             GRANT CONNECT ON DATABASE {db} TO reader; GRANT USAGE ON SCHEMA slipgate TO reader; \
             GRANT SELECT ON ALL TABLES IN SCHEMA slipgate TO reader;"
        ),
    );
    let url = format!("postgres://reader@127.0.0.1:{port}/{db}");
    let mut c = slipgate(r.path());
    let a = c
        .env("PGPASSWORD", "reader-pw")
        .args(["--now", "2023-12-30", "export", "--offline", "--to", &url])
        .assert()
        .code(2);
    one_line(&a, "permission denied on postgres://127.0.0.1");

    // check --export: the other outputs are written first.
    let out = tempfile::tempdir().expect("tmp");
    let json = out.path().join("report.json");
    let summary = out.path().join("summary.md");
    let mut c = slipgate(r.path());
    let a = c
        .env("PGPASSWORD", "reader-pw")
        .args(["--now", &now(), "check", "--offline", "--export", &url])
        .arg("--report-json")
        .arg(&json)
        .arg("--step-summary")
        .arg(&summary)
        .assert()
        .code(2);
    assert!(stderr(&a).contains("permission denied"), "{}", stderr(&a));
    assert!(json.exists() && summary.exists());
}
