//! The issue and pull request list cache: every issue and pull request read so far, with
//! the ETag and watermark of the last fetch of each list, so a run fetches only what
//! changed (see [`crate::collect::github`]). Its tables (`sync`, `issues`, `pulls`) live
//! in the cache file beside the test-run history; the file itself (schema migrations,
//! locks, damage, repair) is [`crate::store`]'s.

use crate::model::{Issue, IssueComment, PullRequest, Timestamp};
pub use crate::store::CacheError;
use crate::store::{self, CacheFile, int, is_unreadable, json_list, labels_to, uint};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use std::path::Path;
use std::time::Duration;

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
    /// The repository-wide comment list (time to first response).
    Comments,
}

impl Resource {
    fn name(self) -> &'static str {
        match self {
            Resource::Issues => "issues",
            Resource::Pulls => "pulls",
            Resource::Comments => "comments",
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

/// The list cache of an open cache file: its own, or the run's
/// ([`crate::store::RunCache`], shared with the run history).
pub struct Cache<'a> {
    file: FileRef<'a>,
}

/// The cache file a [`Cache`] reads and writes.
enum FileRef<'a> {
    Owned(CacheFile),
    Borrowed(&'a mut CacheFile),
}

impl std::ops::Deref for FileRef<'_> {
    type Target = CacheFile;
    fn deref(&self) -> &CacheFile {
        match self {
            FileRef::Owned(file) => file,
            FileRef::Borrowed(file) => file,
        }
    }
}

impl std::ops::DerefMut for FileRef<'_> {
    fn deref_mut(&mut self) -> &mut CacheFile {
        match self {
            FileRef::Owned(file) => file,
            FileRef::Borrowed(file) => file,
        }
    }
}

impl<'a> Cache<'a> {
    /// The list cache of the run's open file.
    pub fn of(file: &'a mut CacheFile) -> Cache<'a> {
        Cache {
            file: FileRef::Borrowed(file),
        }
    }
}

impl Cache<'static> {
    /// Opens (creating, migrating, rebuilding or moving aside as needed) the cache at
    /// `path`, waiting up to [`store::BUSY_TIMEOUT`] for another process's lock.
    /// Never fails: a cache that cannot be used at all gives `None` and a warning.
    pub fn open(path: &Path) -> (Option<Cache<'static>>, Vec<String>) {
        Self::open_waiting(path, store::BUSY_TIMEOUT)
    }

    /// [`Cache::open`] with another wait for locks held by other processes.
    pub fn open_waiting(path: &Path, timeout: Duration) -> (Option<Cache<'static>>, Vec<String>) {
        let (file, warnings) = CacheFile::open_waiting(path, timeout);
        (file.map(Cache::owning), warnings)
    }

    /// [`Cache::open`] after a read found the file damaged: with SQLite's integrity
    /// check, which moves a damaged file aside for a new one.
    pub fn open_checked(path: &Path) -> (Option<Cache<'static>>, Vec<String>) {
        let (file, warnings) = CacheFile::open_checked(path, store::BUSY_TIMEOUT);
        (file.map(Cache::owning), warnings)
    }

    fn owning(file: CacheFile) -> Cache<'static> {
        Cache {
            file: FileRef::Owned(file),
        }
    }
}

impl Cache<'_> {
    pub(crate) fn sync_state(
        &self,
        key: &CacheKey,
        resource: Resource,
    ) -> Result<Option<SyncState>, CacheError> {
        let found = self
            .file
            .conn()
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
                    path: self.file.path().to_path_buf(),
                    table: "sync",
                    source,
                })
            }
            other => other.map_err(self.file.err()),
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
        let mut stmt = self.file.conn().prepare(sql).map_err(self.file.err())?;
        let rows = stmt
            .query_map(params![key.api_url, key.repo], row)
            .map_err(self.file.err())?;
        match rows.collect::<Result<_, _>>() {
            Err(source) if is_unreadable(&source) => {
                drop(stmt);
                self.forget(key, resource, true)?;
                Err(CacheError::Unreadable {
                    path: self.file.path().to_path_buf(),
                    table: resource.name(),
                    source,
                })
            }
            other => other.map_err(self.file.err()),
        }
    }

    /// Deletes the sync state of one list (and with `rows`, its rows) in one transaction.
    fn forget(&self, key: &CacheKey, resource: Resource, rows: bool) -> Result<(), CacheError> {
        let table = resource.name();
        let run = || -> rusqlite::Result<()> {
            self.file.conn().execute_batch("BEGIN IMMEDIATE")?;
            let done = self
                .file
                .conn()
                .execute(
                    "DELETE FROM sync WHERE api_url = ?1 AND repo = ?2 AND resource = ?3",
                    params![key.api_url, key.repo, table],
                )
                .and_then(|_| {
                    if rows {
                        self.file.conn().execute(
                            &format!("DELETE FROM {table} WHERE api_url = ?1 AND repo = ?2"),
                            params![key.api_url, key.repo],
                        )?;
                    }
                    Ok(())
                });
            match done {
                Ok(()) => self.file.conn().execute_batch("COMMIT"),
                Err(e) => {
                    let _ = self.file.conn().execute_batch("ROLLBACK");
                    Err(e)
                }
            }
        };
        run().map_err(self.file.err())
    }

    pub(crate) fn load_issues(&self, key: &CacheKey) -> Result<Vec<Issue>, CacheError> {
        self.load_rows(
            "SELECT number, title, url, labels, created_at, closed_at, state_reason, open, author
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
                    author: r.get(8)?,
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

    pub(crate) fn load_comments(&self, key: &CacheKey) -> Result<Vec<IssueComment>, CacheError> {
        self.load_rows(
            "SELECT id, issue, author, author_type, created_at
             FROM comments WHERE api_url = ?1 AND repo = ?2 ORDER BY created_at, id",
            key,
            Resource::Comments,
            |r| {
                Ok(IssueComment {
                    id: uint(r.get(0)?),
                    issue: uint(r.get(1)?),
                    author: r.get(2)?,
                    author_type: r.get(3)?,
                    created_at: r.get(4)?,
                })
            },
        )
    }

    /// Writes the changed comments and the comment list's sync state in one transaction.
    pub(crate) fn store_comments(
        &mut self,
        key: &CacheKey,
        comments: &[(IssueComment, Timestamp)],
        state: &SyncState,
    ) -> Result<(), CacheError> {
        let (conn, err) = self.file.split();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&err)?;
        {
            let mut put = tx
                .prepare(
                    "INSERT OR REPLACE INTO comments
                     (api_url, repo, id, issue, author, author_type, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .map_err(&err)?;
            for (c, updated) in comments {
                put.execute(params![
                    key.api_url,
                    key.repo,
                    int(c.id),
                    int(c.issue),
                    c.author,
                    c.author_type,
                    c.created_at,
                    updated
                ])
                .map_err(&err)?;
            }
            put_sync(&tx, key, Resource::Comments, state).map_err(&err)?;
        }
        tx.commit().map_err(&err)
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
        let (conn, err) = self.file.split();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&err)?;
        {
            let mut put_issue = tx
                .prepare(
                    "INSERT OR REPLACE INTO issues
                     (api_url, repo, number, title, url, labels, created_at, closed_at,
                      updated_at, state_reason, open, author)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
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
                        i.open,
                        i.author
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
            for (resource, state) in [
                (Resource::Issues, issues_state),
                (Resource::Pulls, pulls_state),
            ] {
                put_sync(&tx, key, resource, state).map_err(&err)?;
            }
        }
        tx.commit().map_err(&err)
    }
}

/// Writes one list's sync state (inside the caller's transaction).
fn put_sync(
    tx: &rusqlite::Transaction<'_>,
    key: &CacheKey,
    resource: Resource,
    state: &SyncState,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT OR REPLACE INTO sync
         (api_url, repo, resource, probe_url, etag, watermark, synced_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        key.api_url,
        key.repo,
        resource.name(),
        state.probe_url,
        state.etag,
        state.watermark,
        state.synced_at
    ])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

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
            author: "alice".into(),
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
            .file
            .conn()
            .execute_batch(
                "INSERT INTO issues VALUES ('https://api.github.com', 'o/r', 1,
                     CAST(x'ff41' AS TEXT), 'u', '[]', 1, NULL, 1, NULL, 1, 'a');
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
}
