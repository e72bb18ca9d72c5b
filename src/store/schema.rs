//! The schema of the cache file, as versioned migrations.
//!
//! One file holds two stores, each with its own tables: the issue and pull request list
//! cache (`sync`, `issues`, `pulls`, `comments`; [`crate::collect::cache`]) and the test-run history
//! (`test_runs`; [`super::runs`]). `PRAGMA user_version` is the number of migrations
//! applied; opening a file of an older version applies the missing ones in one
//! transaction, so the test-run history (which cannot be fetched again) survives a
//! schema change. A migration that changes the list tables may drop and recreate them
//! (they are fetched again; clear their `sync` rows too); one that changes `test_runs`
//! must carry its rows over.
//!
//! The migrations run through `rusqlite_migration` (`user_version`, ordered steps, each
//! run in one transaction). slipgate stays on the rusqlite release that crate builds
//! with.

use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

/// `PRAGMA application_id` of a slipgate cache: "slgt".
pub(super) const APPLICATION_ID: i64 = 0x736c_6774;

/// Version 1, the list cache: one sync state per list, and the rows of each list.
macro_rules! lists_v1 {
    () => {
        "
CREATE TABLE sync (
    api_url   TEXT NOT NULL,
    repo      TEXT NOT NULL,
    resource  TEXT NOT NULL,
    probe_url TEXT NOT NULL,
    etag      TEXT,
    watermark INTEGER,
    synced_at INTEGER NOT NULL,
    PRIMARY KEY (api_url, repo, resource)
);
CREATE TABLE issues (
    api_url      TEXT NOT NULL,
    repo         TEXT NOT NULL,
    number       INTEGER NOT NULL,
    title        TEXT NOT NULL,
    url          TEXT NOT NULL,
    labels       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    closed_at    INTEGER,
    updated_at   INTEGER NOT NULL,
    state_reason TEXT,
    open         INTEGER NOT NULL,
    PRIMARY KEY (api_url, repo, number)
) WITHOUT ROWID;
CREATE TABLE pulls (
    api_url          TEXT NOT NULL,
    repo             TEXT NOT NULL,
    number           INTEGER NOT NULL,
    title            TEXT NOT NULL,
    url              TEXT NOT NULL,
    labels           TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    merged_at        INTEGER,
    merge_commit_sha TEXT,
    base             TEXT NOT NULL,
    updated_at       INTEGER NOT NULL,
    PRIMARY KEY (api_url, repo, number)
) WITHOUT ROWID;
"
    };
}

/// Version 1, the test-run history.
macro_rules! runs_v1 {
    () => {
        "
CREATE TABLE test_runs (
    repo        TEXT NOT NULL,
    sha         TEXT NOT NULL,
    run_id      TEXT NOT NULL,
    at          INTEGER NOT NULL,
    passed      INTEGER NOT NULL,
    failed      INTEGER NOT NULL,
    errored     INTEGER NOT NULL,
    skipped     INTEGER NOT NULL,
    flaky       INTEGER NOT NULL,
    duration    REAL NOT NULL,
    flaky_ids   TEXT NOT NULL,
    failing_ids TEXT NOT NULL,
    PRIMARY KEY (repo, sha, run_id)
);
CREATE INDEX test_runs_by_time ON test_runs (repo, at);
"
    };
}

/// Version 2, time to first response: issues keep their author (their own comments are
/// no response), so the issue table is rebuilt and its list fetched again; the comments
/// of the repository-wide comment list get their own table.
macro_rules! comments_v2 {
    () => {
        "
DROP TABLE issues;
CREATE TABLE issues (
    api_url      TEXT NOT NULL,
    repo         TEXT NOT NULL,
    number       INTEGER NOT NULL,
    title        TEXT NOT NULL,
    url          TEXT NOT NULL,
    labels       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    closed_at    INTEGER,
    updated_at   INTEGER NOT NULL,
    state_reason TEXT,
    open         INTEGER NOT NULL,
    author       TEXT NOT NULL,
    PRIMARY KEY (api_url, repo, number)
) WITHOUT ROWID;
DELETE FROM sync WHERE resource = 'issues';
CREATE TABLE comments (
    api_url     TEXT NOT NULL,
    repo        TEXT NOT NULL,
    id          INTEGER NOT NULL,
    issue       INTEGER NOT NULL,
    author      TEXT NOT NULL,
    author_type TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (api_url, repo, id)
) WITHOUT ROWID;
"
    };
}

/// Version 3, coverage in the run history: each run keeps the branch it judged and its
/// coverage counts (NULL: no coverage read), and a run may have no JUnit results
/// (`has_tests` 0, its test columns 0). Columns are added, so every row is carried over
/// (as a run with tests, on an unknown branch, without coverage).
macro_rules! coverage_v3 {
    () => {
        "
ALTER TABLE test_runs ADD COLUMN has_tests INTEGER NOT NULL DEFAULT 1;
ALTER TABLE test_runs ADD COLUMN branch TEXT;
ALTER TABLE test_runs ADD COLUMN lines_covered INTEGER;
ALTER TABLE test_runs ADD COLUMN lines_total INTEGER;
ALTER TABLE test_runs ADD COLUMN branches_covered INTEGER;
ALTER TABLE test_runs ADD COLUMN branches_total INTEGER;
CREATE INDEX test_runs_by_branch ON test_runs (repo, branch, at);
"
    };
}

/// Every migration, oldest first: version N is `STEPS[..N]` applied. Append only; never
/// edit a released step.
pub(super) const STEPS: &[&str] = &[
    // 1: the list cache and the test-run history, as slipgate 0.1 created them.
    concat!(lists_v1!(), runs_v1!()),
    // 2: issue authors and the comment list (time to first response).
    comments_v2!(),
    // 3: the branch and the coverage counts of each run; runs without JUnit results.
    coverage_v3!(),
];

/// The schema version this slipgate writes: the number of migrations.
pub const SCHEMA_VERSION: i64 = STEPS.len() as i64;

/// `steps` as `rusqlite_migration` migrations.
pub(super) fn migrations(steps: &[&'static str]) -> Migrations<'static> {
    Migrations::from_iter(steps.iter().map(|sql| M::up(sql)))
}

/// The tables whose rows [`super::repair`] checks, in the order it checks them.
pub(super) const TABLES: [&str; 5] = ["sync", "issues", "pulls", "comments", "test_runs"];

/// The TEXT columns that hold a JSON list of strings.
const LIST_COLUMNS: [(&str, &str); 4] = [
    ("issues", "labels"),
    ("pulls", "labels"),
    ("test_runs", "flaky_ids"),
    ("test_runs", "failing_ids"),
];

/// An SQL condition, true for a row of `table` with a column of the wrong type: a value
/// its declared type (`TEXT`, `INTEGER` or `REAL`, with or without `NOT NULL`, as the
/// migrations left it) does not allow, or a list column that is not a JSON list of
/// strings.
pub(crate) fn wrong_type(conn: &Connection, table: &str) -> rusqlite::Result<String> {
    let mut stmt = conn
        .prepare("SELECT name, upper(type), \"notnull\" FROM pragma_table_info(?1) ORDER BY cid")?;
    let columns = stmt
        .query_map([table], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, bool>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let checks: Vec<String> = columns
        .iter()
        .map(|(c, declared, not_null)| {
            if LIST_COLUMNS.contains(&(table, c.as_str())) {
                // CASE evaluates in order: `json_type` is only asked about valid JSON.
                return format!(
                    "(CASE WHEN typeof({c}) <> 'text' OR NOT json_valid({c}) THEN 1
                           WHEN json_type({c}) <> 'array' THEN 1
                           WHEN EXISTS (SELECT 1 FROM json_each({c}) WHERE type <> 'text') THEN 1
                           ELSE 0 END)"
                );
            }
            let allowed = match declared.as_str() {
                "INTEGER" => "'integer'",
                "REAL" => "'real', 'integer'",
                _ => "'text'",
            };
            let null = if *not_null { "" } else { ", 'null'" };
            format!("typeof({c}) NOT IN ({allowed}{null})")
        })
        .collect();
    Ok(if checks.is_empty() {
        "0".to_string()
    } else {
        format!("({})", checks.join(" OR "))
    })
}
