//! The local SQLite cache: GitHub issues and pull requests (with the ETag and watermark
//! of the last fetch) and the history of test runs.
//!
//! - One file holds several repositories: rows are keyed by API URL and `OWNER/NAME`.
//! - The schema is versioned with `PRAGMA user_version` and marked as slipgate's with
//!   `PRAGMA application_id`. A file of an older or newer schema is rebuilt; a file that
//!   is not a slipgate cache (another database, or not a database at all, e.g. corrupt)
//!   is moved aside to `<file>.bak` and a new one is created. Both only add a warning.
//! - `journal_mode=DELETE`: no `-wal`/`-shm` files next to the cache, so saving the one
//!   file (e.g. with actions/cache) saves everything.
//! - Every write is one transaction: a run killed halfway leaves the previous cache
//!   intact (SQLite rolls the hot journal back on the next open).

use crate::model::{Issue, PullRequest, Timestamp};
use rusqlite::{Connection, OptionalExtension, params};
use std::path::{Path, PathBuf};

/// Version of the schema below; bump it (and describe the change) when it changes.
pub const SCHEMA_VERSION: i64 = 1;
/// `PRAGMA application_id` of a slipgate cache: "slgt".
const APPLICATION_ID: i64 = 0x736c_6774;

const SCHEMA: &str = "
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
";

/// A cache failure. Fetching turns these into warnings; only the test-history functions
/// return them.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error(
        "cannot create the cache directory `{}`: {source}; check permissions, choose another `--cache` path, or pass `--no-cache`",
        path.display()
    )]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "cannot replace the unusable cache `{}`: {source}; delete it by hand, choose another `--cache` path, or pass `--no-cache`",
        path.display()
    )]
    Replace {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "cannot use the cache `{}`: {source}; delete the file, choose another `--cache` path, or pass `--no-cache`",
        path.display()
    )]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
}

/// Which rows a cache belongs to: API URL (without trailing `/`) and `OWNER/NAME`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheKey {
    pub api_url: String,
    pub repo: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resource {
    Issues,
    Pulls,
}

impl Resource {
    fn name(self) -> &'static str {
        match self {
            Resource::Issues => "issues",
            Resource::Pulls => "pulls",
        }
    }
}

/// What the last fetch of one list left behind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SyncState {
    /// Path and query of the first page (the ETag belongs to it).
    pub probe_url: String,
    pub etag: Option<String>,
    /// Largest `updated_at` seen in the list.
    pub watermark: Option<Timestamp>,
    pub synced_at: Timestamp,
}

/// Totals of one test run, as stored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TestTotalsRow {
    pub passed: u64,
    pub failed: u64,
    pub errored: u64,
    pub skipped: u64,
    pub flaky: u64,
    /// Seconds.
    pub duration: f64,
}

/// One recorded test run.
#[derive(Debug, Clone, PartialEq)]
pub struct TestRunRow {
    pub sha: String,
    pub run_id: Option<String>,
    pub at: Timestamp,
    pub totals: TestTotalsRow,
    pub flaky_ids: Vec<String>,
    pub failing_ids: Vec<String>,
}

/// An open cache file.
pub struct Cache {
    conn: Connection,
    path: PathBuf,
}

enum Verdict {
    Ours,
    Empty,
    Rebuild(String),
    MoveAside(String),
}

impl Cache {
    /// Opens (creating, rebuilding or moving aside as needed) the cache at `path`.
    /// Never fails: a cache that cannot be used at all gives `None` and a warning.
    pub fn open(path: &Path) -> (Option<Cache>, Vec<String>) {
        let mut warnings = Vec::new();
        match Self::open_with(path, &mut warnings) {
            Ok(cache) => (Some(cache), warnings),
            Err(err) => {
                warnings.push(format!("{err}; going on without the cache"));
                (None, warnings)
            }
        }
    }

    fn sqlite(path: &Path) -> impl Fn(rusqlite::Error) -> CacheError + '_ {
        move |source| CacheError::Sqlite {
            path: path.to_path_buf(),
            source,
        }
    }

    fn open_with(path: &Path, warnings: &mut Vec<String>) -> Result<Cache, CacheError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| CacheError::CreateDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let verdict = if path.exists() {
            match Connection::open(path) {
                Ok(conn) => inspect(&conn),
                Err(err) => Verdict::MoveAside(format!("cannot be opened ({err})")),
            }
        } else {
            Verdict::Empty
        };
        match verdict {
            Verdict::Ours => {}
            Verdict::Empty => {}
            Verdict::Rebuild(reason) => {
                remove_db(path).map_err(|source| CacheError::Replace {
                    path: path.to_path_buf(),
                    source,
                })?;
                warnings.push(format!(
                    "the cache `{}` {reason}; rebuilt it (this run fetches everything)",
                    path.display()
                ));
            }
            Verdict::MoveAside(reason) => {
                let aside = backup_path(path);
                std::fs::rename(path, &aside).map_err(|source| CacheError::Replace {
                    path: path.to_path_buf(),
                    source,
                })?;
                let _ = std::fs::remove_file(journal_path(path));
                warnings.push(format!(
                    "the cache `{}` {reason}; moved it to `{}` and started a new cache (this run fetches everything)",
                    path.display(),
                    aside.display()
                ));
            }
        }
        let mut conn = Connection::open(path).map_err(Self::sqlite(path))?;
        let err = Self::sqlite(path);
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(&err)?;
        // `journal_mode` answers with a row; read it so the pragma is not refused.
        let _mode: String = conn
            .query_row("PRAGMA journal_mode=DELETE", [], |r| r.get(0))
            .map_err(&err)?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(&err)?;
        if version == 0 {
            let tx = conn.transaction().map_err(&err)?;
            tx.execute_batch(SCHEMA).map_err(&err)?;
            tx.execute_batch(&format!(
                "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {SCHEMA_VERSION};"
            ))
            .map_err(&err)?;
            tx.commit().map_err(&err)?;
        }
        Ok(Cache {
            conn,
            path: path.to_path_buf(),
        })
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> CacheError + '_ {
        Self::sqlite(&self.path)
    }

    pub(crate) fn sync_state(
        &self,
        key: &CacheKey,
        resource: Resource,
    ) -> Result<Option<SyncState>, CacheError> {
        self.conn
            .query_row(
                "SELECT probe_url, etag, watermark, synced_at FROM sync
                 WHERE api_url = ?1 AND repo = ?2 AND resource = ?3",
                params![key.api_url, key.repo, resource.name()],
                |r| {
                    Ok(SyncState {
                        probe_url: r.get(0)?,
                        etag: r.get(1)?,
                        watermark: r.get(2)?,
                        synced_at: r.get(3)?,
                    })
                },
            )
            .optional()
            .map_err(self.err())
    }

    /// Every row of one repository that `sql` (with `?1` api_url, `?2` repo) selects.
    fn load_rows<T>(
        &self,
        sql: &str,
        key: &CacheKey,
        row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, CacheError> {
        let mut stmt = self.conn.prepare(sql).map_err(self.err())?;
        let rows = stmt
            .query_map(params![key.api_url, key.repo], row)
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    pub(crate) fn load_issues(&self, key: &CacheKey) -> Result<Vec<Issue>, CacheError> {
        self.load_rows(
            "SELECT number, title, url, labels, created_at, closed_at, state_reason, open
             FROM issues WHERE api_url = ?1 AND repo = ?2 ORDER BY number",
            key,
            |r| {
                Ok(Issue {
                    number: uint(r.get(0)?),
                    title: r.get(1)?,
                    url: r.get(2)?,
                    labels: labels_from(&r.get::<_, String>(3)?),
                    created_at: r.get(4)?,
                    closed_at: r.get(5)?,
                    state_reason: r.get(6)?,
                    open: r.get(7)?,
                })
            },
        )
    }

    pub(crate) fn load_pulls(&self, key: &CacheKey) -> Result<Vec<PullRequest>, CacheError> {
        self.load_rows(
            "SELECT number, title, url, labels, created_at, merged_at, merge_commit_sha, base
             FROM pulls WHERE api_url = ?1 AND repo = ?2 ORDER BY number",
            key,
            |r| {
                Ok(PullRequest {
                    number: uint(r.get(0)?),
                    title: r.get(1)?,
                    url: r.get(2)?,
                    labels: labels_from(&r.get::<_, String>(3)?),
                    created_at: r.get(4)?,
                    merged_at: r.get(5)?,
                    merge_commit_sha: r.get(6)?,
                    base: r.get(7)?,
                })
            },
        )
    }

    /// Writes the changed rows and both sync states in one transaction.
    pub(crate) fn store(
        &mut self,
        key: &CacheKey,
        issues: &[(Issue, Timestamp)],
        issues_state: &SyncState,
        pulls: &[(PullRequest, Timestamp)],
        pulls_state: &SyncState,
    ) -> Result<(), CacheError> {
        let err = Self::sqlite(&self.path);
        let tx = self.conn.transaction().map_err(&err)?;
        {
            let mut put_issue = tx
                .prepare(
                    "INSERT OR REPLACE INTO issues
                     (api_url, repo, number, title, url, labels, created_at, closed_at,
                      updated_at, state_reason, open)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                )
                .map_err(&err)?;
            for (i, updated) in issues {
                put_issue
                    .execute(params![
                        key.api_url,
                        key.repo,
                        int(i.number),
                        i.title,
                        i.url,
                        labels_to(&i.labels),
                        i.created_at,
                        i.closed_at,
                        updated,
                        i.state_reason,
                        i.open
                    ])
                    .map_err(&err)?;
            }
            let mut put_pull = tx
                .prepare(
                    "INSERT OR REPLACE INTO pulls
                     (api_url, repo, number, title, url, labels, created_at, merged_at,
                      merge_commit_sha, base, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                )
                .map_err(&err)?;
            for (p, updated) in pulls {
                put_pull
                    .execute(params![
                        key.api_url,
                        key.repo,
                        int(p.number),
                        p.title,
                        p.url,
                        labels_to(&p.labels),
                        p.created_at,
                        p.merged_at,
                        p.merge_commit_sha,
                        p.base,
                        updated
                    ])
                    .map_err(&err)?;
            }
            let mut put_state = tx
                .prepare(
                    "INSERT OR REPLACE INTO sync
                     (api_url, repo, resource, probe_url, etag, watermark, synced_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )
                .map_err(&err)?;
            for (resource, state) in [
                (Resource::Issues, issues_state),
                (Resource::Pulls, pulls_state),
            ] {
                put_state
                    .execute(params![
                        key.api_url,
                        key.repo,
                        resource.name(),
                        state.probe_url,
                        state.etag,
                        state.watermark,
                        state.synced_at
                    ])
                    .map_err(&err)?;
            }
        }
        tx.commit().map_err(&err)
    }
}

/// Decides whether an existing file is a usable slipgate cache.
fn inspect(conn: &Connection) -> Verdict {
    let pragmas = conn.query_row("PRAGMA application_id", [], |r| r.get::<_, i64>(0));
    let app_id = match pragmas {
        Ok(id) => id,
        Err(err) => return Verdict::MoveAside(format!("is not a SQLite database ({err})")),
    };
    let version: i64 = match conn.query_row("PRAGMA user_version", [], |r| r.get(0)) {
        Ok(v) => v,
        Err(err) => return Verdict::MoveAside(format!("cannot be read ({err})")),
    };
    let tables: i64 = match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0)) {
        Ok(n) => n,
        Err(err) => return Verdict::MoveAside(format!("is corrupt ({err})")),
    };
    if app_id == 0 && version == 0 && tables == 0 {
        return Verdict::Empty;
    }
    if app_id != APPLICATION_ID {
        return Verdict::MoveAside("is not a slipgate cache (another SQLite database)".into());
    }
    if version != SCHEMA_VERSION {
        return Verdict::Rebuild(format!(
            "has schema version {version}, this slipgate uses {SCHEMA_VERSION}"
        ));
    }
    match conn.query_row("PRAGMA quick_check", [], |r| r.get::<_, String>(0)) {
        Ok(ok) if ok == "ok" => Verdict::Ours,
        Ok(problem) => Verdict::Rebuild(format!("is damaged ({problem})")),
        Err(err) => Verdict::Rebuild(format!("is damaged ({err})")),
    }
}

fn journal_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push("-journal");
    PathBuf::from(name)
}

fn backup_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".bak");
    PathBuf::from(name)
}

fn remove_db(path: &Path) -> std::io::Result<()> {
    std::fs::remove_file(path)?;
    match std::fs::remove_file(journal_path(path)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// SQLite integers are signed; counts and numbers beyond `i64::MAX` do not occur.
fn int(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn uint(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn labels_to(labels: &[String]) -> String {
    serde_json::to_string(labels).unwrap_or_else(|_| "[]".to_string())
}

fn labels_from(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

/// Records one test run of `repo` at commit `sha` (CI run `run_id`, if any) in the cache
/// at `cache_path`, replacing an earlier record with the same `(sha, run_id)`. Returns
/// the warnings of opening the cache (e.g. a rebuilt file).
#[allow(clippy::too_many_arguments)]
pub fn record_test_run(
    cache_path: &Path,
    repo: &str,
    sha: &str,
    run_id: Option<&str>,
    at: Timestamp,
    totals: &TestTotalsRow,
    flaky_ids: &[String],
    failing_ids: &[String],
) -> Result<Vec<String>, CacheError> {
    let mut warnings = Vec::new();
    let mut cache = Cache::open_with(cache_path, &mut warnings)?;
    let err = Cache::sqlite(cache_path);
    let tx = cache.conn.transaction().map_err(&err)?;
    tx.execute(
        "INSERT OR REPLACE INTO test_runs
         (repo, sha, run_id, at, passed, failed, errored, skipped, flaky, duration,
          flaky_ids, failing_ids)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            repo,
            sha,
            run_id.unwrap_or(""),
            at,
            int(totals.passed),
            int(totals.failed),
            int(totals.errored),
            int(totals.skipped),
            int(totals.flaky),
            totals.duration,
            labels_to(flaky_ids),
            labels_to(failing_ids)
        ],
    )
    .map_err(&err)?;
    tx.commit().map_err(&err)?;
    Ok(warnings)
}

/// The newest `limit` test runs of `repo` (newest first). A missing cache file, or one
/// that is not a current slipgate cache, has no history (it is left untouched here).
pub fn test_history(
    cache_path: &Path,
    repo: &str,
    limit: usize,
) -> Result<Vec<TestRunRow>, CacheError> {
    if !cache_path.exists() {
        return Ok(Vec::new());
    }
    let err = Cache::sqlite(cache_path);
    let conn = Connection::open_with_flags(cache_path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(&err)?;
    if !matches!(inspect(&conn), Verdict::Ours) {
        return Ok(Vec::new());
    }
    let mut stmt = conn
        .prepare(
            "SELECT sha, run_id, at, passed, failed, errored, skipped, flaky, duration,
                    flaky_ids, failing_ids
             FROM test_runs WHERE repo = ?1 ORDER BY at DESC, sha, run_id LIMIT ?2",
        )
        .map_err(&err)?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = stmt
        .query_map(params![repo, limit], |r| {
            let run_id: String = r.get(1)?;
            Ok(TestRunRow {
                sha: r.get(0)?,
                run_id: (!run_id.is_empty()).then_some(run_id),
                at: r.get(2)?,
                totals: TestTotalsRow {
                    passed: uint(r.get(3)?),
                    failed: uint(r.get(4)?),
                    errored: uint(r.get(5)?),
                    skipped: uint(r.get(6)?),
                    flaky: uint(r.get(7)?),
                    duration: r.get(8)?,
                },
                flaky_ids: labels_from(&r.get::<_, String>(9)?),
                failing_ids: labels_from(&r.get::<_, String>(10)?),
            })
        })
        .map_err(&err)?;
    rows.collect::<Result<_, _>>().map_err(&err)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn totals(passed: u64, failed: u64) -> TestTotalsRow {
        TestTotalsRow {
            passed,
            failed,
            errored: 0,
            skipped: 1,
            flaky: 0,
            duration: 1.5,
        }
    }

    #[test]
    fn test_runs_replace_by_sha_and_run_id_and_come_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/dir/cache.db");
        let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // Three runs: (aaa, run 1) at 100, (bbb, none) at 200, (aaa, run 2) at 300.
        record_test_run(
            &path,
            "o/r",
            "aaa",
            Some("1"),
            100,
            &totals(10, 0),
            &[],
            &[],
        )
        .unwrap();
        record_test_run(
            &path,
            "o/r",
            "bbb",
            None,
            200,
            &totals(9, 1),
            &[],
            &ids(&["t::x"]),
        )
        .unwrap();
        record_test_run(
            &path,
            "o/r",
            "aaa",
            Some("2"),
            300,
            &totals(8, 2),
            &ids(&["t::y"]),
            &[],
        )
        .unwrap();
        // Re-recording (bbb, none) replaces it: 4 runs recorded, 3 kept.
        record_test_run(
            &path,
            "o/r",
            "bbb",
            None,
            250,
            &totals(7, 3),
            &[],
            &ids(&["t::z"]),
        )
        .unwrap();
        // Another repo in the same file does not show up.
        record_test_run(&path, "o/other", "ccc", None, 999, &totals(1, 0), &[], &[]).unwrap();

        let history = test_history(&path, "o/r", 10).unwrap();
        let keys: Vec<_> = history
            .iter()
            .map(|r| (r.sha.as_str(), r.run_id.as_deref(), r.at))
            .collect();
        assert_eq!(
            keys,
            vec![
                ("aaa", Some("2"), 300),
                ("bbb", None, 250),
                ("aaa", Some("1"), 100)
            ]
        );
        assert_eq!(history[1].totals, totals(7, 3));
        assert_eq!(history[1].failing_ids, ids(&["t::z"]));
        assert_eq!(history[0].flaky_ids, ids(&["t::y"]));
        assert_eq!(test_history(&path, "o/r", 1).unwrap().len(), 1);
        assert!(
            test_history(&dir.path().join("missing.db"), "o/r", 5)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn garbage_file_is_moved_aside_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        std::fs::write(
            &path,
            b"this is not a database, just some text that is long enough",
        )
        .unwrap();
        let (cache, warnings) = Cache::open(&path);
        assert!(cache.is_some());
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("moved it to"), "{warnings:?}");
        assert!(dir.path().join("cache.db.bak").exists());
        // The new file is a current cache: opening again gives no warning.
        drop(cache);
        let (_, warnings) = Cache::open(&path);
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn old_schema_is_rebuilt_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(&format!(
                "CREATE TABLE old (x); PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = 0;"
            ))
            .unwrap();
        }
        let (cache, warnings) = Cache::open(&path);
        assert!(cache.is_some());
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("schema version 0"), "{warnings:?}");
        assert!(!dir.path().join("cache.db.bak").exists());
    }

    #[test]
    fn foreign_database_is_moved_aside() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch("CREATE TABLE notes (x); INSERT INTO notes VALUES (1);")
                .unwrap();
        }
        let (cache, warnings) = Cache::open(&path);
        assert!(cache.is_some());
        assert!(warnings[0].contains("not a slipgate cache"), "{warnings:?}");
        // The user's database is kept, intact, next to the new cache.
        let kept = Connection::open(dir.path().join("cache.db.bak")).unwrap();
        let n: i64 = kept
            .query_row("SELECT count(*) FROM notes", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1);
    }

    #[test]
    fn unusable_directory_gives_none_and_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, b"x").unwrap();
        // A path under a regular file cannot be created.
        let (cache, warnings) = Cache::open(&blocker.join("cache.db"));
        assert!(cache.is_none());
        assert!(
            warnings[0].contains("going on without the cache"),
            "{warnings:?}"
        );
    }
}
