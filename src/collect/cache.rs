//! The local SQLite cache: GitHub issues and pull requests (with the ETag and watermark
//! of the last fetch) and the history of test runs.
//!
//! - One file holds several repositories: rows are keyed by API URL and `OWNER/NAME`.
//! - The schema is versioned with `PRAGMA user_version` and marked as slipgate's with
//!   `PRAGMA application_id`. A slipgate cache of an older or newer schema is rebuilt in
//!   place (inside SQLite, in one transaction); a file that SQLite calls not a database
//!   or corrupt, or another program's database, is moved aside to `<file>.bak` (with its
//!   journal, if any) and a new one is created. Both only add a warning.
//! - Another process (another slipgate run) may hold the file locked: every connection
//!   waits up to [`BUSY_TIMEOUT`] for the lock before anything else, and a lock held past
//!   that is [`CacheError::Busy`], never taken for damage: the file and its journal are
//!   left alone (a hot journal is SQLite's to roll back). No journal is ever deleted.
//! - Rows whose columns hold the wrong type (or labels that are not a JSON list of
//!   strings), e.g. written by another program, are found on open and dropped once with a
//!   warning; the lists they belonged to lose their sync state, so that run fetches them
//!   in full and the next run is warm again.
//! - `journal_mode=DELETE`: no `-wal`/`-shm` files next to the cache, so saving the one
//!   file (e.g. with actions/cache) saves everything.
//! - Every write is one transaction: a run killed halfway leaves the previous cache
//!   intact (SQLite rolls the hot journal back on the next open).

use crate::model::{Issue, PullRequest, Timestamp};
use rusqlite::types::Type;
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, TransactionBehavior, params};
use std::path::{Path, PathBuf};
use std::time::Duration;

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

/// How long opening, reading or writing the cache waits for a lock that another process
/// (another slipgate run on the same file) holds, before giving up with
/// [`CacheError::Busy`]. Every slipgate transaction is short, so a lock held longer than
/// this is not going away soon.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(20);

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
    /// Another process held the file locked for the whole [`BUSY_TIMEOUT`]. The file is
    /// left exactly as it is (it is not damaged).
    #[error(
        "the cache `{}` is in use by another process (another slipgate run on the same file?) and stayed locked for {} s; it was left untouched; let the other run finish, give each run its own `--cache` path, or pass `--no-cache`",
        path.display(),
        waited.as_secs()
    )]
    Busy { path: PathBuf, waited: Duration },
    /// A row could not be read back (a column of the wrong type); the rows of that list
    /// were cleared so the next run fetches them again.
    #[error(
        "the cache `{}` holds a row of `{table}` that cannot be read ({source}); cleared this repository's `{table}` rows so the next run fetches them again",
        path.display()
    )]
    Unreadable {
        path: PathBuf,
        table: &'static str,
        #[source]
        source: rusqlite::Error,
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
    timeout: Duration,
}

/// What an existing file turned out to be.
#[derive(Debug)]
enum Verdict {
    Ours,
    Empty,
    /// A slipgate cache of another schema version: rebuilt in place, inside SQLite.
    Rebuild(String),
    /// Not a database, damaged, or another program's database: moved aside (with its
    /// journal, if any) and replaced.
    MoveAside(String),
}

impl Cache {
    /// Opens (creating, rebuilding or moving aside as needed) the cache at `path`,
    /// waiting up to [`BUSY_TIMEOUT`] for another process's lock.
    /// Never fails: a cache that cannot be used at all gives `None` and a warning.
    pub fn open(path: &Path) -> (Option<Cache>, Vec<String>) {
        Self::open_waiting(path, BUSY_TIMEOUT)
    }

    /// [`Cache::open`] with another wait for locks held by other processes.
    pub fn open_waiting(path: &Path, timeout: Duration) -> (Option<Cache>, Vec<String>) {
        let mut warnings = Vec::new();
        match Self::open_with(path, timeout, &mut warnings) {
            Ok(cache) => (Some(cache), warnings),
            Err(err) => {
                warnings.push(format!("{err}; going on without the cache"));
                (None, warnings)
            }
        }
    }

    fn sqlite(path: &Path, timeout: Duration) -> impl Fn(rusqlite::Error) -> CacheError + '_ {
        move |source| sqlite_error(path, timeout, source)
    }

    fn open_with(
        path: &Path,
        timeout: Duration,
        warnings: &mut Vec<String>,
    ) -> Result<Cache, CacheError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| CacheError::CreateDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let err = Self::sqlite(path, timeout);
        let existed = path.exists();
        let mut conn = connect(path, timeout, OpenFlags::default()).map_err(&err)?;
        let verdict = if existed {
            inspect(&conn).map_err(&err)?
        } else {
            Verdict::Empty
        };
        match verdict {
            Verdict::Ours | Verdict::Empty => {}
            Verdict::Rebuild(reason) => match rebuild(&mut conn) {
                Ok(()) => warnings.push(format!(
                    "the cache `{}` {reason}; rebuilt it (this run fetches everything)",
                    path.display()
                )),
                Err(e) if is_busy(&e) => return Err(err(e)),
                Err(e) => {
                    drop(conn);
                    conn = Self::replace(
                        path,
                        timeout,
                        &format!("{reason}, and cannot be rebuilt ({e})"),
                        warnings,
                    )?;
                }
            },
            Verdict::MoveAside(reason) => {
                drop(conn);
                conn = Self::replace(path, timeout, &reason, warnings)?;
            }
        }
        // `journal_mode` answers with a row; read it so the pragma is not refused.
        let _mode: String = conn
            .query_row("PRAGMA journal_mode=DELETE", [], |r| r.get(0))
            .map_err(&err)?;
        create_schema(&mut conn).map_err(&err)?;
        if let Some(warning) = repair(&mut conn).map_err(&err)? {
            warnings.push(format!("the cache `{}` {warning}", path.display()));
        }
        Ok(Cache {
            conn,
            path: path.to_path_buf(),
            timeout,
        })
    }

    /// Moves an unusable file (and its journal, so the pair stays recoverable) aside to
    /// `<file>.bak` and opens a new cache in its place.
    fn replace(
        path: &Path,
        timeout: Duration,
        reason: &str,
        warnings: &mut Vec<String>,
    ) -> Result<Connection, CacheError> {
        let aside = backup_path(path);
        move_aside(path, &aside).map_err(|source| CacheError::Replace {
            path: path.to_path_buf(),
            source,
        })?;
        warnings.push(format!(
            "the cache `{}` {reason}; moved it to `{}` and started a new cache (this run fetches everything)",
            path.display(),
            aside.display()
        ));
        connect(path, timeout, OpenFlags::default()).map_err(Self::sqlite(path, timeout))
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> CacheError + '_ {
        Self::sqlite(&self.path, self.timeout)
    }

    pub(crate) fn sync_state(
        &self,
        key: &CacheKey,
        resource: Resource,
    ) -> Result<Option<SyncState>, CacheError> {
        let found = self
            .conn
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
            .optional();
        match found {
            Err(source) if is_unreadable(&source) => {
                // Without its sync state the list is fetched in full next time.
                self.forget(key, resource, false)?;
                Err(CacheError::Unreadable {
                    path: self.path.clone(),
                    table: "sync",
                    source,
                })
            }
            other => other.map_err(self.err()),
        }
    }

    /// Every row of one repository that `sql` (with `?1` api_url, `?2` repo) selects
    /// from the table of `resource`. A row that cannot be read (a column of the wrong
    /// type, labels that are not a JSON list) clears that table's rows of the repository
    /// and its sync state, so the next run fetches the list in full and stores it anew
    /// instead of failing on the same row every time.
    fn load_rows<T>(
        &self,
        sql: &str,
        key: &CacheKey,
        resource: Resource,
        row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, CacheError> {
        let mut stmt = self.conn.prepare(sql).map_err(self.err())?;
        let rows = stmt
            .query_map(params![key.api_url, key.repo], row)
            .map_err(self.err())?;
        match rows.collect::<Result<_, _>>() {
            Err(source) if is_unreadable(&source) => {
                drop(stmt);
                self.forget(key, resource, true)?;
                Err(CacheError::Unreadable {
                    path: self.path.clone(),
                    table: resource.name(),
                    source,
                })
            }
            other => other.map_err(self.err()),
        }
    }

    /// Deletes the sync state of one list (and with `rows`, its rows) in one transaction.
    fn forget(&self, key: &CacheKey, resource: Resource, rows: bool) -> Result<(), CacheError> {
        let table = resource.name();
        let run = || -> rusqlite::Result<()> {
            self.conn.execute_batch("BEGIN IMMEDIATE")?;
            let done = self
                .conn
                .execute(
                    "DELETE FROM sync WHERE api_url = ?1 AND repo = ?2 AND resource = ?3",
                    params![key.api_url, key.repo, table],
                )
                .and_then(|_| {
                    if rows {
                        self.conn.execute(
                            &format!("DELETE FROM {table} WHERE api_url = ?1 AND repo = ?2"),
                            params![key.api_url, key.repo],
                        )?;
                    }
                    Ok(())
                });
            match done {
                Ok(()) => self.conn.execute_batch("COMMIT"),
                Err(e) => {
                    let _ = self.conn.execute_batch("ROLLBACK");
                    Err(e)
                }
            }
        };
        run().map_err(self.err())
    }

    pub(crate) fn load_issues(&self, key: &CacheKey) -> Result<Vec<Issue>, CacheError> {
        self.load_rows(
            "SELECT number, title, url, labels, created_at, closed_at, state_reason, open
             FROM issues WHERE api_url = ?1 AND repo = ?2 ORDER BY number",
            key,
            Resource::Issues,
            |r| {
                Ok(Issue {
                    number: uint(r.get(0)?),
                    title: r.get(1)?,
                    url: r.get(2)?,
                    labels: json_list(r, 3)?,
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
            Resource::Pulls,
            |r| {
                Ok(PullRequest {
                    number: uint(r.get(0)?),
                    title: r.get(1)?,
                    url: r.get(2)?,
                    labels: json_list(r, 3)?,
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
        let err = Self::sqlite(&self.path, self.timeout);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&err)?;
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

/// Opens `path` with the busy timeout set before anything else touches the file.
fn connect(path: &Path, timeout: Duration, flags: OpenFlags) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(timeout)?;
    Ok(conn)
}

/// The error for a failed SQLite call: [`CacheError::Busy`] when another process held
/// the lock past the timeout, else [`CacheError::Sqlite`].
fn sqlite_error(path: &Path, timeout: Duration, source: rusqlite::Error) -> CacheError {
    if is_busy(&source) {
        CacheError::Busy {
            path: path.to_path_buf(),
            waited: timeout,
        }
    } else {
        CacheError::Sqlite {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// SQLITE_BUSY / SQLITE_LOCKED: somebody else holds the lock; nothing is wrong with the
/// file.
fn is_busy(err: &rusqlite::Error) -> bool {
    matches!(
        err.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

/// SQLITE_NOTADB / SQLITE_CORRUPT: the only answers that mean the file itself is bad.
fn is_corrupt(err: &rusqlite::Error) -> bool {
    matches!(
        err.sqlite_error_code(),
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt)
    )
}

/// A value of a row that does not convert to what the loader expects.
fn is_unreadable(err: &rusqlite::Error) -> bool {
    matches!(
        err,
        rusqlite::Error::FromSqlConversionFailure(..)
            | rusqlite::Error::InvalidColumnType(..)
            | rusqlite::Error::IntegralValueOutOfRange(..)
            | rusqlite::Error::Utf8Error(..)
    )
}

/// Decides whether an existing file is a usable slipgate cache. Only a file SQLite calls
/// not a database or corrupt is judged bad; any other error (a lock held past the
/// timeout, permissions, I/O) is returned and the file is left alone.
fn inspect(conn: &Connection) -> rusqlite::Result<Verdict> {
    let bad = |what: &str, err: rusqlite::Error| {
        if is_corrupt(&err) {
            Ok(Verdict::MoveAside(format!("{what} ({err})")))
        } else {
            Err(err)
        }
    };
    let app_id = match conn.query_row("PRAGMA application_id", [], |r| r.get::<_, i64>(0)) {
        Ok(id) => id,
        Err(err) => return bad("is not a SQLite database", err),
    };
    let version: i64 = match conn.query_row("PRAGMA user_version", [], |r| r.get(0)) {
        Ok(v) => v,
        Err(err) => return bad("cannot be read", err),
    };
    let tables: i64 = match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0)) {
        Ok(n) => n,
        Err(err) => return bad("is corrupt", err),
    };
    if app_id == 0 && version == 0 && tables == 0 {
        return Ok(Verdict::Empty);
    }
    if app_id != APPLICATION_ID {
        return Ok(Verdict::MoveAside(
            "is not a slipgate cache (another SQLite database)".into(),
        ));
    }
    if version != SCHEMA_VERSION {
        return Ok(Verdict::Rebuild(format!(
            "has schema version {version}, this slipgate uses {SCHEMA_VERSION}"
        )));
    }
    match conn.query_row("PRAGMA quick_check", [], |r| r.get::<_, String>(0)) {
        Ok(ok) if ok == "ok" => Ok(Verdict::Ours),
        Ok(problem) => Ok(Verdict::MoveAside(format!("is damaged ({problem})"))),
        Err(err) => bad("is damaged", err),
    }
}

/// Creates the schema in a file that has none yet (`user_version` 0), checking again
/// under the write lock, so two runs creating the same new file do not collide.
fn create_schema(conn: &mut Connection) -> rusqlite::Result<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version != 0 {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version == 0 {
        tx.execute_batch(SCHEMA)?;
        tx.execute_batch(&format!(
            "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {SCHEMA_VERSION};"
        ))?;
    }
    tx.commit()
}

/// Rebuilds a slipgate cache of another schema version in place: drops everything in
/// one transaction and creates the current schema. The file is never deleted, so a
/// process that has it open (and its journal) stay consistent.
fn rebuild(conn: &mut Connection) -> rusqlite::Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Exclusive)?;
    let objects: Vec<(String, String)> = {
        let mut stmt = tx.prepare(
            "SELECT type, name FROM sqlite_master
             WHERE type IN ('view', 'trigger', 'table') AND name NOT LIKE 'sqlite_%'
             ORDER BY CASE type WHEN 'view' THEN 0 WHEN 'trigger' THEN 1 ELSE 2 END",
        )?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?
    };
    for (kind, name) in objects {
        let kind = match kind.as_str() {
            "view" => "VIEW",
            "trigger" => "TRIGGER",
            _ => "TABLE",
        };
        let name = name.replace('"', "\"\"");
        tx.execute_batch(&format!("DROP {kind} IF EXISTS \"{name}\""))?;
    }
    tx.execute_batch(SCHEMA)?;
    tx.execute_batch(&format!(
        "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {SCHEMA_VERSION};"
    ))?;
    tx.commit()
}

/// What each column of a table must hold for the loaders to read it.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    OptText,
    Int,
    OptInt,
    /// REAL or INTEGER.
    Real,
    /// TEXT holding a JSON list of strings.
    List,
}

/// The columns of every table, as [`SCHEMA`] declares them.
const COLUMNS: [(&str, &[(&str, Kind)]); 4] = [
    (
        "sync",
        &[
            ("api_url", Kind::Text),
            ("repo", Kind::Text),
            ("resource", Kind::Text),
            ("probe_url", Kind::Text),
            ("etag", Kind::OptText),
            ("watermark", Kind::OptInt),
            ("synced_at", Kind::Int),
        ],
    ),
    (
        "issues",
        &[
            ("api_url", Kind::Text),
            ("repo", Kind::Text),
            ("number", Kind::Int),
            ("title", Kind::Text),
            ("url", Kind::Text),
            ("labels", Kind::List),
            ("created_at", Kind::Int),
            ("closed_at", Kind::OptInt),
            ("updated_at", Kind::Int),
            ("state_reason", Kind::OptText),
            ("open", Kind::Int),
        ],
    ),
    (
        "pulls",
        &[
            ("api_url", Kind::Text),
            ("repo", Kind::Text),
            ("number", Kind::Int),
            ("title", Kind::Text),
            ("url", Kind::Text),
            ("labels", Kind::List),
            ("created_at", Kind::Int),
            ("merged_at", Kind::OptInt),
            ("merge_commit_sha", Kind::OptText),
            ("base", Kind::Text),
            ("updated_at", Kind::Int),
        ],
    ),
    (
        "test_runs",
        &[
            ("repo", Kind::Text),
            ("sha", Kind::Text),
            ("run_id", Kind::Text),
            ("at", Kind::Int),
            ("passed", Kind::Int),
            ("failed", Kind::Int),
            ("errored", Kind::Int),
            ("skipped", Kind::Int),
            ("flaky", Kind::Int),
            ("duration", Kind::Real),
            ("flaky_ids", Kind::List),
            ("failing_ids", Kind::List),
        ],
    ),
];

/// An SQL condition, true for a row of `table` with a column of the wrong type.
fn wrong_type(table: &str) -> String {
    let columns = COLUMNS
        .iter()
        .find(|(t, _)| *t == table)
        .map_or(&[][..], |(_, c)| *c);
    let checks: Vec<String> = columns
        .iter()
        .map(|(c, kind)| match kind {
            Kind::Text => format!("typeof({c}) <> 'text'"),
            Kind::OptText => format!("typeof({c}) NOT IN ('text', 'null')"),
            Kind::Int => format!("typeof({c}) <> 'integer'"),
            Kind::OptInt => format!("typeof({c}) NOT IN ('integer', 'null')"),
            Kind::Real => format!("typeof({c}) NOT IN ('real', 'integer')"),
            // CASE evaluates in order: `json_type` is only asked about valid JSON.
            Kind::List => format!(
                "(CASE WHEN typeof({c}) <> 'text' OR NOT json_valid({c}) THEN 1
                       WHEN json_type({c}) <> 'array' THEN 1
                       WHEN EXISTS (SELECT 1 FROM json_each({c}) WHERE type <> 'text') THEN 1
                       ELSE 0 END)"
            ),
        })
        .collect();
    if checks.is_empty() {
        "0".to_string()
    } else {
        format!("({})", checks.join(" OR "))
    }
}

/// Finds rows whose columns hold the wrong type (written by another program, or by hand)
/// and removes them in one transaction, so they cannot fail or silently empty every
/// later read. An issue or pull request row also drops its list's sync state: this run
/// fetches that list in full and stores well-typed rows, and the next run is warm again.
/// Test runs cannot be fetched again; the unreadable ones are dropped. Returns the
/// warning to show, if anything was removed.
fn repair(conn: &mut Connection) -> rusqlite::Result<Option<String>> {
    let mut found = Vec::new();
    for (table, _) in COLUMNS {
        let bad = wrong_type(table);
        let n: i64 = conn.query_row(
            &format!("SELECT count(*) FROM {table} WHERE {bad}"),
            [],
            |r| r.get(0),
        )?;
        if n > 0 {
            found.push((table, n));
        }
    }
    if found.is_empty() {
        return Ok(None);
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    for (table, _) in &found {
        let bad = wrong_type(table);
        if matches!(*table, "issues" | "pulls") {
            tx.execute(
                &format!(
                    "DELETE FROM sync WHERE resource = ?1 AND EXISTS (
                         SELECT 1 FROM {table} AS t
                         WHERE t.api_url = sync.api_url AND t.repo = sync.repo AND {bad})"
                ),
                [table],
            )?;
        }
        tx.execute(&format!("DELETE FROM {table} WHERE {bad}"), [])?;
    }
    tx.commit()?;
    let list: Vec<String> = found
        .iter()
        .map(|(table, n)| format!("{n} in `{table}`"))
        .collect();
    let refetch = if found.iter().any(|(t, _)| matches!(*t, "issues" | "pulls")) {
        "; the lists they came from are fetched in full this run"
    } else {
        ""
    };
    Ok(Some(format!(
        "held rows with columns of the wrong type ({}); dropped them{refetch}",
        list.join(", ")
    )))
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

/// Renames `path` to `aside` and its journal, if any, to `aside`'s journal name, so SQLite
/// still finds the pair if someone opens the backup. No journal is ever deleted except
/// the one of an older backup that `aside` replaces.
fn move_aside(path: &Path, aside: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(journal_path(aside)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    std::fs::rename(path, aside)?;
    match std::fs::rename(journal_path(path), journal_path(aside)) {
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

/// Column `i` as the JSON list of strings it holds; anything else is a conversion error
/// (never silently an empty list).
fn json_list(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Vec<String>> {
    let text: String = r.get(i)?;
    serde_json::from_str(&text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, Type::Text, Box::new(e)))
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
    let mut cache = Cache::open_with(cache_path, BUSY_TIMEOUT, &mut warnings)?;
    let err = Cache::sqlite(cache_path, BUSY_TIMEOUT);
    let tx = cache
        .conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(&err)?;
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
/// that is not a current slipgate cache, has no history (it is left untouched here);
/// runs that cannot be read (columns of the wrong type) are left out.
pub fn test_history(
    cache_path: &Path,
    repo: &str,
    limit: usize,
) -> Result<Vec<TestRunRow>, CacheError> {
    if !cache_path.exists() {
        return Ok(Vec::new());
    }
    let err = Cache::sqlite(cache_path, BUSY_TIMEOUT);
    let conn = connect(cache_path, BUSY_TIMEOUT, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(&err)?;
    if !matches!(inspect(&conn).map_err(&err)?, Verdict::Ours) {
        return Ok(Vec::new());
    }
    let mut stmt = conn
        .prepare(&format!(
            "SELECT sha, run_id, at, passed, failed, errored, skipped, flaky, duration,
                    flaky_ids, failing_ids
             FROM test_runs WHERE repo = ?1 AND NOT {}
             ORDER BY at DESC, sha, run_id LIMIT ?2",
            wrong_type("test_runs")
        ))
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
                flaky_ids: json_list(r, 9)?,
                failing_ids: json_list(r, 10)?,
            })
        })
        .map_err(&err)?;
    let mut history = Vec::new();
    for row in rows {
        match row {
            Ok(run) => history.push(run),
            Err(e) if is_unreadable(&e) => {}
            Err(e) => return Err(err(e)),
        }
    }
    Ok(history)
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
    fn moving_aside_takes_the_journal_along() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let aside = backup_path(&path);
        std::fs::write(&path, b"db").unwrap();
        std::fs::write(journal_path(&path), b"journal").unwrap();
        // The journal of an older backup that this one replaces goes with it.
        std::fs::write(journal_path(&aside), b"old journal").unwrap();
        move_aside(&path, &aside).unwrap();
        assert!(!path.exists() && !journal_path(&path).exists());
        assert_eq!(std::fs::read(&aside).unwrap(), b"db");
        assert_eq!(std::fs::read(journal_path(&aside)).unwrap(), b"journal");
        // Without a journal, only the file moves.
        std::fs::write(&path, b"db2").unwrap();
        move_aside(&path, &aside).unwrap();
        assert_eq!(std::fs::read(&aside).unwrap(), b"db2");
        assert!(!journal_path(&aside).exists());
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
        // Another process has the file open: the rebuild happens in its file, not in a
        // new file beside a deleted one.
        let other = Connection::open(&path).unwrap();
        let (cache, warnings) = Cache::open(&path);
        assert!(cache.is_some());
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("schema version 0"), "{warnings:?}");
        assert!(!dir.path().join("cache.db.bak").exists());
        let seen: i64 = other
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(seen, SCHEMA_VERSION);
        let old_tables: i64 = other
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'old'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(old_tables, 0);
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

    /// A valid cache with one recorded test run, and a second connection (another
    /// process) that holds it exclusively locked in the middle of a write.
    fn locked_cache(path: &Path) -> Connection {
        record_test_run(path, "o/r", "aaa", None, 100, &totals(1, 0), &[], &[]).unwrap();
        let holder = Connection::open(path).unwrap();
        holder
            .execute_batch(
                "BEGIN EXCLUSIVE;
                 UPDATE test_runs SET passed = 42 WHERE sha = 'aaa';",
            )
            .unwrap();
        assert!(journal_path(path).exists(), "the holder's hot journal");
        holder
    }

    #[test]
    fn a_cache_locked_past_the_timeout_is_busy_and_left_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let holder = locked_cache(&path);

        let (cache, warnings) = Cache::open_waiting(&path, Duration::from_millis(150));

        assert!(cache.is_none());
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].starts_with(&format!(
                "the cache `{}` is in use by another process",
                path.display()
            )),
            "{warnings:?}"
        );
        assert!(warnings[0].contains("going on without the cache"));
        assert!(
            !warnings[0].contains("not a SQLite database"),
            "{warnings:?}"
        );
        // Nothing moved, nothing deleted: the other process's journal is still there
        // and its write lands.
        assert!(!backup_path(&path).exists());
        assert!(journal_path(&path).exists());
        holder.execute_batch("COMMIT").unwrap();
        let history = test_history(&path, "o/r", 5).unwrap();
        assert_eq!(history.len(), 1);
        assert_eq!(history[0].totals.passed, 42);
    }

    #[test]
    fn test_history_of_a_locked_cache_is_busy_not_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let _holder = locked_cache(&path);
        let err = Cache::sqlite(&path, Duration::from_millis(150));
        // The read-only path uses the same classification.
        let conn = connect(
            &path,
            Duration::from_millis(150),
            OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .unwrap();
        let got = inspect(&conn).map_err(&err);
        assert!(matches!(got, Err(CacheError::Busy { .. })), "{got:?}");
        assert!(journal_path(&path).exists());
    }

    #[test]
    fn opening_waits_for_another_process_to_release_its_lock() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let holder = locked_cache(&path);
        let (locked, release) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            locked.send(()).unwrap();
            std::thread::sleep(Duration::from_millis(300));
            holder.execute_batch("COMMIT").unwrap();
        });
        release.recv().unwrap();

        // The lock is held when opening starts: opening can only succeed by waiting.
        let (cache, warnings) = Cache::open(&path);

        thread.join().unwrap();
        assert!(cache.is_some());
        assert!(warnings.is_empty(), "{warnings:?}");
        assert!(!backup_path(&path).exists());
        let history = test_history(&path, "o/r", 5).unwrap();
        assert_eq!(history[0].totals.passed, 42);
    }

    #[test]
    fn wrong_typed_test_runs_are_skipped_then_dropped_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let ids = ["t::a".to_string()];
        for (sha, at) in [("aaa", 100), ("bbb", 200), ("ccc", 300)] {
            record_test_run(&path, "o/r", sha, None, at, &totals(5, 0), &ids, &[]).unwrap();
        }
        {
            let raw = Connection::open(&path).unwrap();
            raw.execute_batch(
                "UPDATE test_runs SET passed = 'many' WHERE sha = 'aaa';
                 UPDATE test_runs SET flaky_ids = '{not json' WHERE sha = 'ccc';",
            )
            .unwrap();
        }
        // Reading leaves out the two unreadable runs instead of failing.
        let shas = |p: &Path| {
            test_history(p, "o/r", 10)
                .unwrap()
                .into_iter()
                .map(|r| r.sha)
                .collect::<Vec<_>>()
        };
        assert_eq!(shas(&path), vec!["bbb"]);

        // The next write drops them with one warning; after that the cache is clean.
        let warnings =
            record_test_run(&path, "o/r", "ddd", None, 400, &totals(5, 0), &[], &[]).unwrap();
        assert_eq!(
            warnings,
            vec![format!(
                "the cache `{}` held rows with columns of the wrong type (2 in `test_runs`); dropped them",
                path.display()
            )]
        );
        assert_eq!(shas(&path), vec!["ddd", "bbb"]);
        let (_, warnings) = Cache::open(&path);
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn an_issue_row_of_the_wrong_type_drops_the_row_and_its_sync_state() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let key = CacheKey {
            api_url: "https://api.github.com".into(),
            repo: "o/r".into(),
        };
        let other = CacheKey {
            api_url: key.api_url.clone(),
            repo: "o/other".into(),
        };
        let issue = |n: u64| Issue {
            number: n,
            title: format!("issue {n}"),
            url: format!("https://github.com/o/r/issues/{n}"),
            labels: vec!["bug".into()],
            created_at: 10,
            closed_at: None,
            state_reason: None,
            open: true,
        };
        let state = SyncState {
            probe_url: "/probe".into(),
            etag: Some("\"e1\"".into()),
            watermark: Some(20),
            synced_at: 30,
        };
        {
            let (cache, _) = Cache::open(&path);
            let mut cache = cache.unwrap();
            for k in [&key, &other] {
                cache
                    .store(k, &[(issue(1), 20), (issue(2), 20)], &state, &[], &state)
                    .unwrap();
            }
        }
        Connection::open(&path)
            .unwrap()
            .execute_batch(
                "UPDATE issues SET closed_at = 'soon' WHERE repo = 'o/r' AND number = 2;",
            )
            .unwrap();

        let (cache, warnings) = Cache::open(&path);
        let cache = cache.unwrap();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("(1 in `issues`)"), "{warnings:?}");
        // o/r: issue 2 is gone and the issue list has no sync state (a full fetch);
        // its pull request state and the other repository are untouched.
        let numbers = |k| {
            cache
                .load_issues(k)
                .unwrap()
                .iter()
                .map(|i| i.number)
                .collect::<Vec<_>>()
        };
        assert_eq!(numbers(&key), vec![1]);
        assert_eq!(cache.sync_state(&key, Resource::Issues).unwrap(), None);
        assert_eq!(
            cache.sync_state(&key, Resource::Pulls).unwrap(),
            Some(state.clone())
        );
        assert_eq!(numbers(&other), vec![1, 2]);
        assert_eq!(
            cache.sync_state(&other, Resource::Issues).unwrap(),
            Some(state)
        );
    }

    #[test]
    fn a_row_that_still_cannot_be_read_clears_its_list_instead_of_failing_forever() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let key = CacheKey {
            api_url: "https://api.github.com".into(),
            repo: "o/r".into(),
        };
        let (cache, _) = Cache::open(&path);
        let cache = cache.unwrap();
        // Invalid UTF-8 in a TEXT column: no type check can see it, the loader does.
        cache
            .conn
            .execute_batch(
                "INSERT INTO issues VALUES ('https://api.github.com', 'o/r', 1,
                     CAST(x'ff41' AS TEXT), 'u', '[]', 1, NULL, 1, NULL, 1);
                 INSERT INTO sync VALUES ('https://api.github.com', 'o/r', 'issues', '/p',
                     '\"e\"', 1, 1);",
            )
            .unwrap();
        let got = cache.load_issues(&key);
        assert!(
            matches!(
                got,
                Err(CacheError::Unreadable {
                    table: "issues",
                    ..
                })
            ),
            "{got:?}"
        );
        assert!(cache.load_issues(&key).unwrap().is_empty());
        assert_eq!(cache.sync_state(&key, Resource::Issues).unwrap(), None);
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
