//! The test-run history: one row per test run (commit and CI run), written after a run
//! with JUnit results and read for the trend issue (pass rate, tests that flip). It
//! lives in the cache file ([`super`]) in its own table, `test_runs`, which migrations
//! carry over: unlike the issue lists it cannot be fetched again.

use super::{
    BUSY_TIMEOUT, CacheError, CacheFile, SCHEMA_VERSION, Verdict, connect, inspect, int,
    is_unreadable, json_list, labels_to, uint, wrong_type,
};
use crate::model::{TestRunRow, TestTotalsRow, Timestamp};
use rusqlite::{OpenFlags, TransactionBehavior, params};
use std::path::Path;

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
    let mut file = CacheFile::open_with(cache_path, BUSY_TIMEOUT, &mut warnings)?;
    let err = CacheFile::sqlite(cache_path, BUSY_TIMEOUT);
    let tx = file
        .conn_mut()
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

/// [`test_history`] of the cache (none without one); a cache that cannot be read has no
/// history and adds a warning.
pub fn test_history_or_warn(
    cache_path: Option<&Path>,
    repo: &str,
    limit: usize,
    warnings: &mut Vec<String>,
) -> Vec<TestRunRow> {
    match cache_path.map(|c| test_history(c, repo, limit)) {
        Some(Ok(rows)) => rows,
        Some(Err(e)) => {
            warnings.push(format!("test-run history not read: {e}"));
            Vec::new()
        }
        None => Vec::new(),
    }
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
    let err = CacheFile::sqlite(cache_path, BUSY_TIMEOUT);
    let conn = connect(cache_path, BUSY_TIMEOUT, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(&err)?;
    if !matches!(inspect(&conn).map_err(&err)?, Verdict::Ours(v) if v == SCHEMA_VERSION) {
        return Ok(Vec::new());
    }
    let mut stmt = conn
        .prepare(&format!(
            "SELECT sha, run_id, at, passed, failed, errored, skipped, flaky, duration,
                    flaky_ids, failing_ids
             FROM test_runs WHERE repo = ?1 AND NOT {}
             ORDER BY at DESC, sha, run_id LIMIT ?2",
            wrong_type(&conn, "test_runs").map_err(&err)?
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
pub(super) mod tests {
    use super::*;
    use rusqlite::Connection;

    /// Totals of a test run with `passed` and `failed` tests (one skipped, 1.5 s).
    pub(in crate::store) fn totals(passed: u64, failed: u64) -> TestTotalsRow {
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
        let record = |sha, run_id, at, totals: TestTotalsRow, flaky: &[&str], failing: &[&str]| {
            record_test_run(
                &path,
                "o/r",
                sha,
                run_id,
                at,
                &totals,
                &ids(flaky),
                &ids(failing),
            )
            .unwrap()
        };
        // Three runs: (aaa, run 1) at 100, (bbb, none) at 200, (aaa, run 2) at 300.
        record("aaa", Some("1"), 100, totals(10, 0), &[], &[]);
        record("bbb", None, 200, totals(9, 1), &[], &["t::x"]);
        record("aaa", Some("2"), 300, totals(8, 2), &["t::y"], &[]);
        // Re-recording (bbb, none) replaces it: 4 runs recorded, 3 kept.
        record("bbb", None, 250, totals(7, 3), &[], &["t::z"]);
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
        let (_, warnings) = CacheFile::open(&path);
        assert!(warnings.is_empty(), "{warnings:?}");
    }
}
