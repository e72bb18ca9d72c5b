//! The local SQLite cache file, shared by two stores with their own tables: the issue and
//! pull request list cache ([`crate::collect::cache`]: read and written by the collector)
//! and the test-run history ([`runs`]: written after a run, read for the trend). This
//! module owns the file: opening, the versioned schema ([`schema`]), locks, damage and
//! repair.
//!
//! - One file holds several repositories: rows are keyed by API URL and `OWNER/NAME`.
//! - The schema is versioned with `PRAGMA user_version` (the number of migrations
//!   applied) and marked as slipgate's with `PRAGMA application_id`. A cache of an older
//!   version is migrated in place, keeping its test-run history; one of an unknown
//!   version (unversioned, or newer than this slipgate) is rebuilt in place (inside
//!   SQLite, in one transaction); a file that SQLite calls not a database or corrupt, or
//!   another program's database, is moved aside to `<file>.bak` (with its journal, if
//!   any) and a new one is created. Rebuilding and moving aside only add a warning.
//! - Another process (another slipgate run) may hold the file locked: every connection
//!   waits up to [`BUSY_TIMEOUT`] for the lock before anything else, and a lock held past
//!   that is [`CacheError::Busy`], never taken for damage: the file and its journal are
//!   left alone (a hot journal is SQLite's to roll back). No journal is ever deleted.
//! - Rows whose columns hold the wrong type (or labels that are not a JSON list of
//!   strings), e.g. written by another program, are found on open and dropped once with a
//!   warning; the lists they belonged to lose their sync state, so that run fetches them
//!   in full and the next run is warm again.
//! - One run opens the file once: [`RunCache`] is the run's handle, opened when first
//!   needed (read-write for a run that may write, read-only for one that only reads the
//!   history) and shared by the list cache and the run history. A run that needs no
//!   cache opens none.
//! - `journal_mode=DELETE`: no `-wal`/`-shm` files next to the cache, so saving the one
//!   file (e.g. with actions/cache) saves everything.
//! - Every write is one transaction: a run killed halfway leaves the previous cache
//!   intact (SQLite rolls the hot journal back on the next open).
//!
//! Like `github`, this is edge code: `collect` and `publish` use it; nothing pure does.

pub mod runs;
mod schema;

pub use schema::SCHEMA_VERSION;

use rusqlite::types::Type;
use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior};
pub(crate) use schema::wrong_type;
use schema::{APPLICATION_ID, TABLES};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

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
    /// Opening the file failed earlier in this run ([`RunCache`] opens it once): the
    /// reason that opening gave, word for word.
    #[error("{reason}")]
    Unavailable { reason: String },
}

impl CacheError {
    /// SQLite found the file damaged (corrupt, or not a database).
    pub fn is_corrupt(&self) -> bool {
        matches!(self, CacheError::Sqlite { source, .. } if is_corrupt(source))
    }
}

/// An open cache file, at [`SCHEMA_VERSION`].
pub struct CacheFile {
    conn: Connection,
    path: PathBuf,
    timeout: Duration,
}

/// What an existing file turned out to be.
#[derive(Debug)]
pub(crate) enum Verdict {
    /// A slipgate cache of this or an older schema version (migrated on open).
    Ours(i64),
    Empty,
    /// A slipgate cache of an unknown schema version (unversioned, or newer than this
    /// slipgate): rebuilt in place, inside SQLite.
    Rebuild(String),
    /// Not a database, damaged, or another program's database: moved aside (with its
    /// journal, if any) and replaced.
    MoveAside(String),
}

impl CacheFile {
    /// Opens (creating, rebuilding or moving aside as needed) the cache at `path`,
    /// waiting up to [`BUSY_TIMEOUT`] for another process's lock.
    /// Never fails: a cache that cannot be used at all gives `None` and a warning.
    pub fn open(path: &Path) -> (Option<CacheFile>, Vec<String>) {
        Self::open_waiting(path, BUSY_TIMEOUT)
    }

    /// [`CacheFile::open`] with another wait for locks held by other processes.
    pub fn open_waiting(path: &Path, timeout: Duration) -> (Option<CacheFile>, Vec<String>) {
        let mut warnings = Vec::new();
        match Self::open_with(path, timeout, &mut warnings) {
            Ok(cache) => (Some(cache), warnings),
            Err(err) => {
                warnings.push(format!("{err}; going on without the cache"));
                (None, warnings)
            }
        }
    }

    pub(crate) fn sqlite(
        path: &Path,
        timeout: Duration,
    ) -> impl Fn(rusqlite::Error) -> CacheError + '_ {
        move |source| sqlite_error(path, timeout, source)
    }

    /// [`CacheFile::open_waiting`] after a read found the file damaged: opening runs
    /// SQLite's integrity check (`PRAGMA quick_check`) and moves a damaged file aside.
    pub fn open_checked(path: &Path, timeout: Duration) -> (Option<CacheFile>, Vec<String>) {
        let mut warnings = Vec::new();
        match Self::open_once(path, timeout, &mut warnings, true) {
            Ok(cache) => (Some(cache), warnings),
            Err(err) => {
                warnings.push(format!("{err}; going on without the cache"));
                (None, warnings)
            }
        }
    }

    /// Opens the file without an integrity check (a full read of it on every run);
    /// only when opening meets damage (SQLite answers corrupt) is it opened again with
    /// the check, which moves the damaged file aside.
    pub(crate) fn open_with(
        path: &Path,
        timeout: Duration,
        warnings: &mut Vec<String>,
    ) -> Result<CacheFile, CacheError> {
        match Self::open_once(path, timeout, warnings, false) {
            Err(e) if e.is_corrupt() => Self::open_once(path, timeout, warnings, true),
            other => other,
        }
    }

    fn open_once(
        path: &Path,
        timeout: Duration,
        warnings: &mut Vec<String>,
        check: bool,
    ) -> Result<CacheFile, CacheError> {
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
            let verdict = inspect(&conn).map_err(&err)?;
            match verdict {
                Verdict::Ours(_) if check => integrity(&conn).map_err(&err)?.unwrap_or(verdict),
                other => other,
            }
        } else {
            Verdict::Empty
        };
        match verdict {
            Verdict::Ours(_) | Verdict::Empty => {}
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
        migrate(&mut conn, schema::STEPS).map_err(&err)?;
        if let Some(warning) = repair(&mut conn).map_err(&err)? {
            warnings.push(format!("the cache `{}` {warning}", path.display()));
        }
        Ok(CacheFile {
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

    pub(crate) fn err(&self) -> impl Fn(rusqlite::Error) -> CacheError + '_ {
        Self::sqlite(&self.path, self.timeout)
    }

    /// The connection.
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// The file's path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The connection, and the error of a failed call, together for a transaction.
    pub(crate) fn split(
        &mut self,
    ) -> (&mut Connection, impl Fn(rusqlite::Error) -> CacheError + '_) {
        (&mut self.conn, Self::sqlite(&self.path, self.timeout))
    }
}

/// The cache file of one run, opened at most once, when something first needs it, and
/// shared by everything the run reads and writes there: the GitHub lists
/// ([`crate::collect::cache`]), the coverage base, the run it records and the run
/// history ([`runs`]). A run that needs no cache opens none (and a history read of a
/// file that does not exist creates none).
///
/// It opens the file read-write (creating, migrating, repairing as [`CacheFile::open`]
/// does) for the first user that may write, or after [`RunCache::will_write`]; a run
/// that only reads the history opens it read-only and leaves it as it found it. A file
/// that could not be opened is not tried again in the same run: later users get the
/// same reason ([`CacheError::Unavailable`]). Only damage met while reading opens it
/// again, with the integrity check ([`RunCache::reopen_checked`]).
pub struct RunCache {
    path: Option<PathBuf>,
    timeout: Duration,
    slot: Slot,
    /// A later user of this run writes: the first open is read-write.
    writes: bool,
    opens: u32,
}

enum Slot {
    Closed,
    /// Read-write, at [`SCHEMA_VERSION`].
    Open(CacheFile),
    /// Read-only, as found (perhaps not a current slipgate cache).
    Reading(CacheFile),
    /// Opening failed; the reason.
    Failed(String),
}

impl RunCache {
    /// The cache at `path` (none with `--no-cache`), not opened yet; locks held by other
    /// processes are waited for up to [`BUSY_TIMEOUT`].
    pub fn new(path: Option<PathBuf>) -> RunCache {
        RunCache::waiting(path, BUSY_TIMEOUT)
    }

    /// [`RunCache::new`] with another wait for locks.
    pub fn waiting(path: Option<PathBuf>, timeout: Duration) -> RunCache {
        RunCache {
            path,
            timeout,
            slot: Slot::Closed,
            writes: false,
            opens: 0,
        }
    }

    /// The file's path; `None` without a cache.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// How many times this run opened the file (a damaged file opened again with the
    /// integrity check counts twice).
    pub fn opens(&self) -> u32 {
        self.opens
    }

    /// Something later in this run writes to the file: a read that opens it opens it
    /// read-write, so the run still opens it once.
    pub fn will_write(&mut self) {
        self.writes = true;
    }

    /// The file, read-write, opened (or reopened read-write) on first need, with the
    /// warnings of opening added to `warnings`. `None` without a cache.
    pub fn file(
        &mut self,
        warnings: &mut Vec<String>,
    ) -> Option<Result<&mut CacheFile, CacheError>> {
        let path = self.path.clone()?;
        if matches!(self.slot, Slot::Closed | Slot::Reading(_)) {
            // A read-only connection is closed before the file is opened read-write.
            self.slot = Slot::Closed;
            self.opens += 1;
            match CacheFile::open_with(&path, self.timeout, warnings) {
                Ok(file) => self.slot = Slot::Open(file),
                Err(e) => {
                    self.slot = Slot::Failed(e.to_string());
                    return Some(Err(e));
                }
            }
        }
        match &mut self.slot {
            Slot::Open(file) => Some(Ok(file)),
            Slot::Failed(reason) => Some(Err(CacheError::Unavailable {
                reason: reason.clone(),
            })),
            // Set just above.
            Slot::Closed | Slot::Reading(_) => None,
        }
    }

    /// After a read of the open file met damage: opens it again with SQLite's integrity
    /// check, which moves a damaged file aside for a new one. `None` without a cache;
    /// a cache that cannot be used at all is `None` with a warning.
    pub fn reopen_checked(&mut self, warnings: &mut Vec<String>) -> Option<&mut CacheFile> {
        let path = self.path.clone()?;
        self.slot = Slot::Closed;
        self.opens += 1;
        match CacheFile::open_once(&path, self.timeout, warnings, true) {
            Ok(file) => self.slot = Slot::Open(file),
            Err(e) => {
                warnings.push(format!("{e}; going on without the cache"));
                self.slot = Slot::Failed(e.to_string());
            }
        }
        match &mut self.slot {
            Slot::Open(file) => Some(file),
            _ => None,
        }
    }

    /// The file for reading: the open one, else (when it exists) opened read-only, or
    /// read-write when the run will write ([`RunCache::will_write`]). `None` without a
    /// cache or without a file; a file that could not be opened is an error.
    pub(crate) fn reading(
        &mut self,
        warnings: &mut Vec<String>,
    ) -> Result<Option<&CacheFile>, CacheError> {
        let Some(path) = self.path.clone() else {
            return Ok(None);
        };
        match self.slot {
            Slot::Open(_) | Slot::Reading(_) => {}
            // A missing file has no history, and is not created for reading.
            Slot::Closed | Slot::Failed(_) if !path.exists() => return Ok(None),
            Slot::Failed(ref reason) => {
                return Err(CacheError::Unavailable {
                    reason: reason.clone(),
                });
            }
            Slot::Closed if self.writes => {
                if let Some(Err(e)) = self.file(warnings) {
                    return Err(e);
                }
            }
            Slot::Closed => {
                self.opens += 1;
                let err = CacheFile::sqlite(&path, self.timeout);
                match connect(&path, self.timeout, OpenFlags::SQLITE_OPEN_READ_ONLY) {
                    Ok(conn) => {
                        self.slot = Slot::Reading(CacheFile {
                            conn,
                            path: path.clone(),
                            timeout: self.timeout,
                        })
                    }
                    Err(e) => {
                        let e = err(e);
                        self.slot = Slot::Failed(e.to_string());
                        return Err(e);
                    }
                }
            }
        }
        Ok(match &self.slot {
            Slot::Open(file) | Slot::Reading(file) => Some(file),
            Slot::Closed | Slot::Failed(_) => None,
        })
    }
}

/// SQLite connections this process has opened to cache files (every [`connect`]).
static CONNECTIONS: AtomicU32 = AtomicU32::new(0);

/// Integrity checks (`PRAGMA quick_check`) this process has run on cache files.
static INTEGRITY_CHECKS: AtomicU32 = AtomicU32::new(0);

/// How many SQLite connections to cache files this process has opened so far: the
/// `--verbose` line of a run, and what proves that a warm run opens its cache once.
pub fn connections_opened() -> u32 {
    CONNECTIONS.load(Ordering::Relaxed)
}

/// How many integrity checks this process has run on cache files so far (none unless a
/// read met damage).
pub fn integrity_checks_run() -> u32 {
    INTEGRITY_CHECKS.load(Ordering::Relaxed)
}

/// Opens `path` with the busy timeout set before anything else touches the file.
pub(crate) fn connect(
    path: &Path,
    timeout: Duration,
    flags: OpenFlags,
) -> rusqlite::Result<Connection> {
    CONNECTIONS.fetch_add(1, Ordering::Relaxed);
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(timeout)?;
    Ok(conn)
}

/// The error for a failed SQLite call: [`CacheError::Busy`] when another process held
/// the lock past the timeout, else [`CacheError::Sqlite`].
pub(crate) fn sqlite_error(path: &Path, timeout: Duration, source: rusqlite::Error) -> CacheError {
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
pub(crate) fn is_busy(err: &rusqlite::Error) -> bool {
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
pub(crate) fn is_unreadable(err: &rusqlite::Error) -> bool {
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
pub(crate) fn inspect(conn: &Connection) -> rusqlite::Result<Verdict> {
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
    if !(1..=SCHEMA_VERSION).contains(&version) {
        return Ok(Verdict::Rebuild(format!(
            "has schema version {version}, this slipgate uses {SCHEMA_VERSION}"
        )));
    }
    Ok(Verdict::Ours(version))
}

/// SQLite's integrity check (`PRAGMA quick_check`, which reads the whole file): run
/// only once a read met damage. `None` when the file is sound.
fn integrity(conn: &Connection) -> rusqlite::Result<Option<Verdict>> {
    INTEGRITY_CHECKS.fetch_add(1, Ordering::Relaxed);
    match conn.query_row("PRAGMA quick_check", [], |r| r.get::<_, String>(0)) {
        Ok(ok) if ok == "ok" => Ok(None),
        Ok(problem) => Ok(Some(Verdict::MoveAside(format!("is damaged ({problem})")))),
        Err(err) if is_corrupt(&err) => Ok(Some(Verdict::MoveAside(format!("is damaged ({err})")))),
        Err(err) => Err(err),
    }
}

/// Brings the file to the version of `steps` with `rusqlite_migration`: the migrations it
/// lacks (all of them for a new file) run in one transaction, then the application id is
/// set. A file already at that version is not written to. When two runs migrate the same
/// file at once, the second one's transaction fails on what the first created; that is
/// fine when the file is now at the version wanted.
fn migrate(conn: &mut Connection, steps: &[&'static str]) -> rusqlite::Result<()> {
    let latest = steps.len() as i64;
    let version =
        |conn: &Connection| conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0));
    if version(conn)? >= latest {
        return Ok(());
    }
    if let Err(e) = schema::migrations(steps).to_latest(conn)
        && version(conn)? != latest
    {
        return Err(match e {
            rusqlite_migration::Error::RusqliteError { err, .. } => err,
            other => rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR),
                Some(other.to_string()),
            ),
        });
    }
    conn.pragma_update(None, "application_id", APPLICATION_ID)
}

/// Rebuilds a slipgate cache of an unknown schema version in place: drops everything in
/// one transaction (leaving version 0), then applies every migration. The file is never
/// deleted, so a process that has it open (and its journal) stay consistent.
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
    tx.execute_batch("PRAGMA user_version = 0")?;
    tx.commit()?;
    migrate(conn, schema::STEPS)
}

/// Finds rows whose columns hold the wrong type (written by another program, or by hand)
/// and removes them in one transaction, so they cannot fail or silently empty every
/// later read. An issue or pull request row also drops its list's sync state: this run
/// fetches that list in full and stores well-typed rows, and the next run is warm again.
/// Test runs cannot be fetched again; the unreadable ones are dropped. Returns the
/// warning to show, if anything was removed.
fn repair(conn: &mut Connection) -> rusqlite::Result<Option<String>> {
    let mut found = Vec::new();
    for table in TABLES {
        let bad = wrong_type(conn, table)?;
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
        let bad = wrong_type(&tx, table)?;
        if matches!(*table, "issues" | "pulls" | "comments") {
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
    let refetch = if found
        .iter()
        .any(|(t, _)| matches!(*t, "issues" | "pulls" | "comments"))
    {
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
pub(crate) fn int(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

pub(crate) fn uint(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

pub(crate) fn labels_to(labels: &[String]) -> String {
    serde_json::to_string(labels).unwrap_or_else(|_| "[]".to_string())
}

/// Column `i` as the JSON list of strings it holds; anything else is a conversion error
/// (never silently an empty list).
pub(crate) fn json_list(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Vec<String>> {
    let text: String = r.get(i)?;
    serde_json::from_str(&text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, Type::Text, Box::new(e)))
}

#[cfg(test)]
mod tests {
    use super::runs::tests::totals;
    use super::runs::{record_test_run, test_history};
    use super::*;

    #[test]
    fn garbage_file_is_moved_aside_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        std::fs::write(
            &path,
            b"this is not a database, just some text that is long enough",
        )
        .unwrap();
        let (cache, warnings) = CacheFile::open(&path);
        assert!(cache.is_some());
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("moved it to"), "{warnings:?}");
        assert!(dir.path().join("cache.db.bak").exists());

        // The new file is a current cache: opening again gives no warning.
        drop(cache);
        let (_, warnings) = CacheFile::open(&path);
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
        let (cache, warnings) = CacheFile::open(&path);
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
        let (cache, warnings) = CacheFile::open(&path);
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

        let (cache, warnings) = CacheFile::open_waiting(&path, Duration::from_millis(150));

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
        assert_eq!(history[0].totals.as_ref().map(|t| t.passed), Some(42));
    }

    #[test]
    fn test_history_of_a_locked_cache_is_busy_not_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let _holder = locked_cache(&path);
        let err = CacheFile::sqlite(&path, Duration::from_millis(150));
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
        let (cache, warnings) = CacheFile::open(&path);

        thread.join().unwrap();
        assert!(cache.is_some());
        assert!(warnings.is_empty(), "{warnings:?}");
        assert!(!backup_path(&path).exists());
        let history = test_history(&path, "o/r", 5).unwrap();
        assert_eq!(history[0].totals.as_ref().map(|t| t.passed), Some(42));
    }

    #[test]
    fn unusable_directory_gives_none_and_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, b"x").unwrap();
        // A path under a regular file cannot be created.
        let (cache, warnings) = CacheFile::open(&blocker.join("cache.db"));
        assert!(cache.is_none());
        assert!(
            warnings[0].contains("going on without the cache"),
            "{warnings:?}"
        );
    }

    /// The schema slipgate 0.1 wrote (`user_version` 1), copied verbatim from the code
    /// before migrations: a fixture, never to be edited.
    const SCHEMA_0_1: &str = include_str!("../../tests/fixtures/cache/schema-0.1.sql");

    /// A cache file as slipgate 0.1 left it, holding two test runs of `o/r`.
    fn cache_of_0_1(path: &Path) {
        let conn = Connection::open(path).unwrap();
        conn.execute_batch(SCHEMA_0_1).unwrap();
        conn.execute_batch(
            "PRAGMA application_id = 1936484212; PRAGMA user_version = 1;
             INSERT INTO test_runs VALUES
                 ('o/r', 'aaa', '', 100, 9, 1, 0, 0, 0, 2.5, '[]', '[\"t::x\"]'),
                 ('o/r', 'bbb', '7', 200, 10, 0, 0, 1, 1, 3.0, '[\"t::y\"]', '[]');",
        )
        .unwrap();
    }

    fn shas(path: &Path) -> Vec<String> {
        test_history(path, "o/r", 10)
            .unwrap()
            .into_iter()
            .map(|r| r.sha)
            .collect()
    }

    #[test]
    fn a_cache_of_the_0_1_schema_opens_with_its_test_runs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        cache_of_0_1(&path);
        let (file, warnings) = CacheFile::open(&path);
        assert!(file.is_some());
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(shas(&path), vec!["bbb", "aaa"]);
        let history = test_history(&path, "o/r", 10).unwrap();
        assert_eq!(history[0].run_id.as_deref(), Some("7"));
        assert_eq!(history[0].flaky_ids, vec!["t::y".to_string()]);
        assert_eq!(history[1].failing_ids, vec!["t::x".to_string()]);
        // Recording a run into it keeps the older ones.
        record_test_run(&path, "o/r", "ccc", None, 300, &totals(5, 0), &[], &[]).unwrap();
        assert_eq!(shas(&path), vec!["ccc", "bbb", "aaa"]);
    }

    #[test]
    fn a_schema_change_migrates_in_place_and_keeps_the_test_runs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        cache_of_0_1(&path);
        // A hypothetical version 2: the list tables change (dropped and made anew: they
        // are fetched again), `test_runs` gains a column (its rows carried over).
        let bump = [
            schema::STEPS[0],
            "DROP TABLE issues;
             CREATE TABLE issues (api_url TEXT NOT NULL, repo TEXT NOT NULL,
                 number INTEGER NOT NULL, PRIMARY KEY (api_url, repo, number));
             DELETE FROM sync WHERE resource = 'issues';
             ALTER TABLE test_runs ADD COLUMN runner TEXT;",
        ];
        let mut conn = connect(&path, BUSY_TIMEOUT, OpenFlags::default()).unwrap();
        migrate(&mut conn, &bump).unwrap();
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, 2);
        let kept: Vec<(String, i64)> = conn
            .prepare("SELECT sha, passed FROM test_runs ORDER BY at")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(kept, vec![("aaa".into(), 9), ("bbb".into(), 10)]);
        // Migrating again does nothing.
        migrate(&mut conn, &bump).unwrap();
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, 2);
    }

    #[test]
    fn a_new_file_gets_every_migration() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let (file, warnings) = CacheFile::open(&path);
        assert!(warnings.is_empty(), "{warnings:?}");
        let file = file.unwrap();
        let (version, app_id): (i64, i64) = file
            .conn()
            .query_row(
                "SELECT user_version, application_id FROM pragma_user_version, pragma_application_id",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((version, app_id), (SCHEMA_VERSION, APPLICATION_ID));
    }
}

#[cfg(test)]
mod run_cache_tests {
    use super::runs::tests::totals;
    use super::runs::{history, record_run_in, record_test_run};
    use super::*;
    use crate::model::TestRunRow;

    fn run(sha: &str, at: i64) -> TestRunRow {
        TestRunRow {
            sha: sha.into(),
            at,
            totals: Some(totals(4, 1)),
            ..TestRunRow::default()
        }
    }

    fn shas(cache: &mut RunCache) -> Vec<String> {
        history(cache, "o/r", 10, &mut Vec::new())
            .unwrap()
            .into_iter()
            .map(|r| r.sha)
            .collect()
    }

    #[test]
    fn a_history_read_of_a_missing_file_opens_and_creates_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let mut cache = RunCache::new(Some(path.clone()));
        assert!(shas(&mut cache).is_empty());
        assert_eq!(cache.opens(), 0);
        assert!(!path.exists());
        // Without a cache (`--no-cache`) nothing is opened or recorded.
        let mut none = RunCache::new(None);
        assert!(
            record_run_in(&mut none, "o/r", &run("aaa", 1))
                .unwrap()
                .is_empty()
        );
        assert!(shas(&mut none).is_empty());
        assert_eq!(none.opens(), 0);
    }

    #[test]
    fn a_run_that_reads_records_and_reads_again_opens_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        record_test_run(&path, "o/r", "aaa", None, 100, &totals(1, 0), &[], &[]).unwrap();
        let mut cache = RunCache::new(Some(path.clone()));
        cache.will_write();
        assert_eq!(shas(&mut cache), ["aaa"]);
        assert!(
            record_run_in(&mut cache, "o/r", &run("bbb", 200))
                .unwrap()
                .is_empty()
        );
        // The run just recorded is read back over the same connection.
        assert_eq!(shas(&mut cache), ["bbb", "aaa"]);
        assert_eq!(cache.opens(), 1);

        // Not told that a write follows, the read opens read-only and the write opens
        // the file again: two opens.
        let mut cache = RunCache::new(Some(path));
        assert_eq!(shas(&mut cache), ["bbb", "aaa"]);
        record_run_in(&mut cache, "o/r", &run("ccc", 300)).unwrap();
        assert_eq!(shas(&mut cache), ["ccc", "bbb", "aaa"]);
        assert_eq!(cache.opens(), 2);
    }

    #[test]
    fn a_run_that_only_reads_opens_once_read_only_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        record_test_run(&path, "o/r", "aaa", None, 100, &totals(1, 0), &[], &[]).unwrap();
        let before = std::fs::read(&path).unwrap();
        let mut cache = RunCache::new(Some(path.clone()));
        for _ in 0..3 {
            assert_eq!(shas(&mut cache), ["aaa"]);
        }
        assert_eq!(cache.opens(), 1);
        // Read-only: the connection cannot write.
        let mut w = Vec::new();
        let file = cache.reading(&mut w).unwrap().unwrap();
        assert!(file.conn().execute_batch("DELETE FROM test_runs").is_err());
        drop(cache);
        assert!(std::fs::read(&path).unwrap() == before);
    }

    #[test]
    fn a_failed_open_is_not_tried_again_and_gives_the_same_reason() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, b"x").unwrap();
        let mut cache = RunCache::new(Some(blocker.join("cache.db")));
        let mut warnings = Vec::new();
        let first = match cache.file(&mut warnings) {
            Some(Err(e)) => e.to_string(),
            _ => panic!("a path under a regular file opened"),
        };
        assert!(
            first.starts_with("cannot create the cache directory"),
            "{first}"
        );
        let again = match record_run_in(&mut cache, "o/r", &run("aaa", 1)) {
            Err(e @ CacheError::Unavailable { .. }) => e.to_string(),
            other => panic!("{other:?}"),
        };
        assert_eq!(again, first);
        assert_eq!(cache.opens(), 1);
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn damage_found_by_a_read_reopens_with_the_check_a_second_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let mut cache = RunCache::new(Some(path.clone()));
        let mut warnings = Vec::new();
        assert!(matches!(cache.file(&mut warnings), Some(Ok(_))));
        assert!(cache.reopen_checked(&mut warnings).is_some());
        assert_eq!(cache.opens(), 2);
        // A sound file is kept: nothing moved aside, no warning.
        assert!(warnings.is_empty(), "{warnings:?}");
        assert!(!backup_path(&path).exists());
    }
}
