//! The Grafana dashboards of `dashboards/`: every file parses, panel ids are unique, the
//! variables are the documented ones, and every panel's `rawSql` and every variable's
//! query runs against a real PostgreSQL ([`crate::pg`]) after three exports and returns
//! rows, with the Grafana macros the dashboards use substituted here.
//!
//! The exports (now = day 40): cli.rs's sample (offline, with a JUnit file holding a
//! failure and a flaky test), trend.rs's fixture with its issues on the mock GitHub
//! (bugs, severities, an overdue critical bug), and a repository without releases.

use crate::cli::{now, sample, slipgate};
use crate::gitrepo::{DAY, T0, TestRepo};
use crate::mockhub::MockHub;
use crate::pg::{self, PASSWORD};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const DASHBOARDS: [&str; 3] = ["dora.json", "quality.json", "test-health.json"];

fn load(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("dashboards")
        .join(name);
    let text = std::fs::read_to_string(&path).expect("dashboard file");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: not JSON: {e}"))
}

/// Every panel, rows' nested panels included.
fn panels(d: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    for p in d["panels"].as_array().expect("panels") {
        out.push(p);
        if let Some(inner) = p["panels"].as_array() {
            out.extend(inner);
        }
    }
    out
}

#[test]
fn dashboards_parse_with_unique_panel_ids_and_the_two_variables() {
    let mut uids = BTreeSet::new();
    for name in DASHBOARDS {
        let d = load(name);
        assert!(
            uids.insert(d["uid"].as_str().expect("uid").to_string()),
            "{name}"
        );
        let mut ids = BTreeSet::new();
        for p in panels(&d) {
            let id = p["id"].as_u64().expect("panel id");
            assert!(ids.insert(id), "{name}: panel id {id} twice");
            assert_eq!(p["datasource"]["uid"], "${datasource}", "{name} {id}");
            let targets = p["targets"].as_array().expect("targets");
            assert!(!targets.is_empty(), "{name} {id}");
            for t in targets {
                assert!(t["rawSql"].as_str().is_some_and(|s| !s.is_empty()));
            }
        }
        let vars = d["templating"]["list"].as_array().expect("variables");
        let var = |n: &str| {
            vars.iter()
                .find(|v| v["name"] == n)
                .unwrap_or_else(|| panic!("{name}: no variable {n}"))
        };
        assert_eq!(var("datasource")["type"], "datasource");
        assert_eq!(var("datasource")["query"], "grafana-postgresql-datasource");
        let repo = var("repo");
        assert_eq!(repo["type"], "query");
        assert_eq!(repo["multi"], true);
        assert_eq!(repo["includeAll"], true);
        assert!(
            repo["query"]
                .as_str()
                .is_some_and(|q| q.contains("slipgate.repositories"))
        );
    }
}

/// The time range the queries see: a year before T0 to day 41.
const FROM: &str = "2022-11-14T00:00:00Z";
const TO: &str = "2023-12-26T00:00:00Z";

/// Finds `name(` in `sql` and returns (start, args, end after the closing paren).
fn find_call<'a>(sql: &'a str, name: &str) -> Option<(usize, &'a str, usize)> {
    let start = sql.find(&format!("{name}("))?;
    let open = start + name.len() + 1;
    let mut depth = 1;
    for (i, c) in sql[open..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some((start, &sql[open..open + i], open + i + 1));
                }
            }
            _ => {}
        }
    }
    None
}

fn seconds_of(interval: &str) -> i64 {
    let (n, unit) = interval.split_at(interval.len() - 1);
    let n: i64 = n.parse().unwrap_or_else(|_| panic!("interval {interval}"));
    match unit {
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * DAY,
        "w" => n * 7 * DAY,
        _ => panic!("interval {interval}"),
    }
}

/// Grafana's macros, as its PostgreSQL data source expands them, for exactly the ones
/// the dashboards use; `repos` is the repo variable's selection (All).
fn substitute(sql: &str, repos: &[String]) -> String {
    let mut s = sql.to_string();
    let quoted: Vec<String> = repos
        .iter()
        .map(|r| format!("'{}'", r.replace('\'', "''")))
        .collect();
    s = s.replace("${repo:sqlstring}", &quoted.join(","));
    s = s.replace("$__timeFrom()", &format!("'{FROM}'::timestamptz"));
    s = s.replace("$__timeTo()", &format!("'{TO}'::timestamptz"));
    while let Some((a, args, b)) = find_call(&s, "$__timeFilter") {
        let col = args.trim();
        s = format!(
            "{}{col} BETWEEN '{FROM}'::timestamptz AND '{TO}'::timestamptz{}",
            &s[..a],
            &s[b..]
        );
    }
    while let Some((a, args, b)) = find_call(&s, "$__timeGroupAlias") {
        let (col, interval) = args.split_once(',').expect("column, interval");
        let n = seconds_of(interval.trim());
        s = format!(
            "{}to_timestamp(floor(extract(epoch FROM {}) / {n}) * {n}) AS \"time\"{}",
            &s[..a],
            col.trim(),
            &s[b..]
        );
    }
    assert!(!s.contains('$'), "a macro left: {s}");
    s
}

#[test]
fn substitution_expands_each_macro() {
    let sql = "SELECT $__timeGroupAlias(released_at, 7d), x FROM t WHERE $__timeFilter(released_at) AND repo IN (${repo:sqlstring}) AND t < $__timeTo()";
    assert_eq!(
        substitute(sql, &["a/b".into(), "o'k".into()]),
        format!(
            "SELECT to_timestamp(floor(extract(epoch FROM released_at) / 604800) * 604800) AS \"time\", x FROM t WHERE released_at BETWEEN '{FROM}'::timestamptz AND '{TO}'::timestamptz AND repo IN ('a/b','o''k') AND t < '{TO}'::timestamptz"
        )
    );
}

const JUNIT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="unit" tests="3" failures="1">
  <testcase classname="unit" name="passes" time="0.5"/>
  <testcase classname="unit" name="fails" time="0.25"><failure message="boom">boom</failure></testcase>
  <testcase classname="unit" name="flaky" time="0.25"><flakyFailure message="once">once</flakyFailure></testcase>
</testsuite>
"#;

fn export(dir: &Path, db: &str, extra: &[String]) {
    let out = slipgate(dir)
        .env("PGPASSWORD", PASSWORD)
        .args(["--now", &now(), "export", "--to", &pg::url(db)])
        .args(extra)
        .output()
        .expect("run slipgate");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn every_query_of_every_dashboard_returns_rows() {
    let db = tokio::task::spawn_blocking(|| pg::fresh_db("dashboards"))
        .await
        .expect("join");
    let work = tempfile::tempdir().expect("tmp");
    let junit: PathBuf = work.path().join("junit.xml");
    std::fs::write(&junit, JUNIT).expect("junit");

    let a = sample();
    let hub = MockHub::start("octo-org/octo-repo").await;
    crate::trend::issues(&hub);
    let b = crate::trend::fixture();
    let c = TestRepo::new();
    c.commit_at("feat: nothing released", T0 + 39 * DAY);
    let jobs: Vec<(PathBuf, Vec<String>)> = vec![
        (
            a.path().to_path_buf(),
            vec![
                "--offline".into(),
                "--github-repo".into(),
                "acme/sample".into(),
                "--junit".into(),
                junit.display().to_string(),
            ],
        ),
        (
            b.path().to_path_buf(),
            vec![
                "--github-repo".into(),
                "octo-org/octo-repo".into(),
                "--api-url".into(),
                hub.uri(),
                "--token".into(),
                "ghp_dashSECRETtoken0123456789".into(),
                "--cache".into(),
                work.path().join("cache.db").display().to_string(),
            ],
        ),
        (
            c.path().to_path_buf(),
            vec![
                "--offline".into(),
                "--github-repo".into(),
                "acme/unreleased".into(),
            ],
        ),
    ];
    let db2 = db.clone();
    tokio::task::spawn_blocking(move || {
        for (dir, extra) in &jobs {
            export(dir, &db2, extra);
        }
    })
    .await
    .expect("join");

    let db3 = db.clone();
    tokio::task::spawn_blocking(move || {
        let mut ran = 0;
        for name in DASHBOARDS {
            let d = load(name);
            let vars = d["templating"]["list"].as_array().expect("variables");
            let repo_query = vars
                .iter()
                .find(|v| v["name"] == "repo")
                .and_then(|v| v["query"].as_str())
                .expect("repo query");
            let repos: Vec<String> = pg::query(&db3, &substitute(repo_query, &[]))
                .into_iter()
                .filter_map(|r| r[0].clone())
                .collect();
            assert_eq!(
                repos,
                ["acme/sample", "acme/unreleased", "octo-org/octo-repo"],
                "{name}"
            );
            for p in panels(&d) {
                for t in p["targets"].as_array().into_iter().flatten() {
                    let sql = substitute(t["rawSql"].as_str().expect("rawSql"), &repos);
                    let rows = pg::query(&db3, &sql);
                    assert!(
                        !rows.is_empty(),
                        "{name}: panel {} ({}) returned no row: {sql}",
                        p["id"],
                        p["title"]
                    );
                    ran += 1;
                }
            }
        }
        assert_eq!(ran, 11 + 7 + 8);
    })
    .await
    .expect("join");
}
