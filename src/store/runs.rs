//! The run history: one row per run (commit and CI run), written after a run with JUnit
//! results or coverage, and read for the trend issue (pass rate, tests that flip,
//! coverage) and for the base of coverage slip rules (the previous run on the default
//! branch). It lives in the cache file ([`super`]) in its own table, `test_runs`, which
//! migrations carry over: unlike the issue lists it cannot be fetched again.

use super::{
    CacheError, RunCache, SCHEMA_VERSION, Verdict, inspect, int, is_unreadable, json_list,
    labels_to, uint, wrong_type,
};
use crate::model::coverage::CoverageCounts;
use crate::model::{TestRunRow, TestTotalsRow, Timestamp};
use rusqlite::{TransactionBehavior, params};
use std::path::Path;
// What the tests below open files with.
#[cfg(test)]
use {
    super::{BUSY_TIMEOUT, CacheFile, connect},
    rusqlite::OpenFlags,
};

/// Records one test run of `repo` at commit `sha` (CI run `run_id`, if any) in the cache
/// at `cache_path`, replacing an earlier record with the same `(sha, run_id)`. Returns
/// the warnings of opening the cache (e.g. a rebuilt file). [`record_run`] keeps the
/// branch and the coverage too.
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
    let run = TestRunRow {
        sha: sha.to_string(),
        run_id: run_id.map(str::to_string),
        at,
        totals: Some(totals.clone()),
        flaky_ids: flaky_ids.to_vec(),
        failing_ids: failing_ids.to_vec(),
        branch: None,
        coverage: None,
    };
    record_run(cache_path, repo, &run)
}

/// Records `run` of `repo` in the cache at `cache_path` (its test totals, when it has
/// them, its branch and its coverage counts), replacing an earlier record with the same
/// `(sha, run_id)`. Returns the warnings of opening the cache.
pub fn record_run(
    cache_path: &Path,
    repo: &str,
    run: &TestRunRow,
) -> Result<Vec<String>, CacheError> {
    record_run_in(
        &mut RunCache::new(Some(cache_path.to_path_buf())),
        repo,
        run,
    )
}

/// [`record_run`] in the run's cache (opened read-write now if nothing opened it yet).
/// Returns the warnings of opening it; nothing is done without a cache.
pub fn record_run_in(
    cache: &mut RunCache,
    repo: &str,
    run: &TestRunRow,
) -> Result<Vec<String>, CacheError> {
    let mut warnings = Vec::new();
    let Some(file) = cache.file(&mut warnings) else {
        return Ok(warnings);
    };
    let (conn, err) = file?.split();
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(&err)?;
    let t = run.totals.clone().unwrap_or_default();
    let c = run.coverage;
    tx.execute(
        "INSERT OR REPLACE INTO test_runs
         (repo, sha, run_id, at, passed, failed, errored, skipped, flaky, duration,
          flaky_ids, failing_ids, has_tests, branch, lines_covered, lines_total,
          branches_covered, branches_total)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                 ?17, ?18)",
        params![
            repo,
            run.sha,
            run.run_id.as_deref().unwrap_or(""),
            run.at,
            int(t.passed),
            int(t.failed),
            int(t.errored),
            int(t.skipped),
            int(t.flaky),
            t.duration,
            labels_to(&run.flaky_ids),
            labels_to(&run.failing_ids),
            run.totals.is_some(),
            run.branch,
            c.map(|c| int(c.lines_covered)),
            c.map(|c| int(c.lines_total)),
            c.map(|c| int(c.branches_covered)),
            c.map(|c| int(c.branches_total)),
        ],
    )
    .map_err(&err)?;
    tx.commit().map_err(&err)?;
    Ok(warnings)
}

/// The newest run of `repo` on `branch` that kept coverage, other than the run
/// `(sha, run_id)` itself (a re-run of a job is no baseline of itself): the base of
/// coverage slip rules and of the pull request comment's coverage delta. None without a
/// cache, or when no such run was recorded; a cache that cannot be read adds a warning.
pub fn previous_coverage_run(
    cache_path: Option<&Path>,
    repo: &str,
    branch: &str,
    this: (&str, Option<&str>),
    warnings: &mut Vec<String>,
) -> Option<TestRunRow> {
    let mut cache = RunCache::new(cache_path.map(Path::to_path_buf));
    previous_coverage_run_in(&mut cache, repo, branch, this, warnings)
}

/// [`previous_coverage_run`] in the run's cache.
pub fn previous_coverage_run_in(
    cache: &mut RunCache,
    repo: &str,
    branch: &str,
    this: (&str, Option<&str>),
    warnings: &mut Vec<String>,
) -> Option<TestRunRow> {
    let rows = history_or_warn(cache, repo, usize::MAX, warnings);
    rows.into_iter().find(|r| {
        r.coverage.is_some()
            && r.branch.as_deref() == Some(branch)
            && !(r.sha == this.0 && r.run_id.as_deref() == this.1)
    })
}

/// [`test_history`] of the cache (none without one); a cache that cannot be read has no
/// history and adds a warning.
pub fn test_history_or_warn(
    cache_path: Option<&Path>,
    repo: &str,
    limit: usize,
    warnings: &mut Vec<String>,
) -> Vec<TestRunRow> {
    let mut cache = RunCache::new(cache_path.map(Path::to_path_buf));
    history_or_warn(&mut cache, repo, limit, warnings)
}

/// [`test_history_or_warn`] of the run's cache.
pub fn history_or_warn(
    cache: &mut RunCache,
    repo: &str,
    limit: usize,
    warnings: &mut Vec<String>,
) -> Vec<TestRunRow> {
    match history(cache, repo, limit, warnings) {
        Ok(rows) => rows,
        Err(e) => {
            warnings.push(format!("test-run history not read: {e}"));
            Vec::new()
        }
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
    let mut cache = RunCache::new(Some(cache_path.to_path_buf()));
    history(&mut cache, repo, limit, &mut Vec::new())
}

/// [`test_history`] of the run's cache: the file it has open, else opened read-only
/// (read-write when the run will write; the warnings of opening go to `warnings`).
pub fn history(
    cache: &mut RunCache,
    repo: &str,
    limit: usize,
    warnings: &mut Vec<String>,
) -> Result<Vec<TestRunRow>, CacheError> {
    let Some(file) = cache.reading(warnings)? else {
        return Ok(Vec::new());
    };
    let (conn, err) = (file.conn(), file.err());
    if !matches!(inspect(conn).map_err(&err)?, Verdict::Ours(v) if v == SCHEMA_VERSION) {
        return Ok(Vec::new());
    }
    let mut stmt = conn
        .prepare(&format!(
            "SELECT sha, run_id, at, passed, failed, errored, skipped, flaky, duration,
                    flaky_ids, failing_ids, has_tests, branch, lines_covered, lines_total,
                    branches_covered, branches_total
             FROM test_runs WHERE repo = ?1 AND NOT {}
             ORDER BY at DESC, sha, run_id LIMIT ?2",
            wrong_type(conn, "test_runs").map_err(&err)?
        ))
        .map_err(&err)?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = stmt
        .query_map(params![repo, limit], |r| {
            let run_id: String = r.get(1)?;
            let has_tests: bool = r.get(11)?;
            let totals = TestTotalsRow {
                passed: uint(r.get(3)?),
                failed: uint(r.get(4)?),
                errored: uint(r.get(5)?),
                skipped: uint(r.get(6)?),
                flaky: uint(r.get(7)?),
                duration: r.get(8)?,
            };
            let counts: [Option<i64>; 4] = [r.get(13)?, r.get(14)?, r.get(15)?, r.get(16)?];
            let coverage = match counts {
                [Some(lc), Some(lt), Some(bc), Some(bt)] => Some(CoverageCounts {
                    lines_covered: uint(lc),
                    lines_total: uint(lt),
                    branches_covered: uint(bc),
                    branches_total: uint(bt),
                }),
                _ => None,
            };
            Ok(TestRunRow {
                sha: r.get(0)?,
                run_id: (!run_id.is_empty()).then_some(run_id),
                at: r.get(2)?,
                totals: has_tests.then_some(totals),
                flaky_ids: json_list(r, 9)?,
                failing_ids: json_list(r, 10)?,
                branch: r.get(12)?,
                coverage,
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
        assert_eq!(history[1].totals, Some(totals(7, 3)));
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

    /// A cache at schema version 2 (before coverage) with two test runs of `o/r`.
    fn cache_of_version_2(path: &Path) {
        let mut conn = connect(path, BUSY_TIMEOUT, OpenFlags::default()).unwrap();
        super::super::migrate(&mut conn, &super::super::schema::STEPS[..2]).unwrap();
        conn.execute_batch(
            "PRAGMA application_id = 1936484212;
             INSERT INTO test_runs VALUES
                 ('o/r', 'aaa', '', 100, 9, 1, 0, 0, 0, 2.5, '[]', '[\"t::x\"]'),
                 ('o/r', 'bbb', '7', 200, 10, 0, 0, 1, 1, 3.0, '[\"t::y\"]', '[]');",
        )
        .unwrap();
    }

    fn cov(lines_covered: u64, lines_total: u64) -> CoverageCounts {
        CoverageCounts {
            lines_covered,
            lines_total,
            branches_covered: 3,
            branches_total: 4,
        }
    }

    #[test]
    fn version_2_migrates_keeping_its_runs_as_runs_with_tests_and_no_coverage() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        cache_of_version_2(&path);
        let (file, warnings) = CacheFile::open(&path);
        assert!(warnings.is_empty(), "{warnings:?}");
        let version: i64 = file
            .unwrap()
            .conn()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        let history = test_history(&path, "o/r", 10).unwrap();
        assert_eq!(history.len(), 2);
        assert_eq!(history[0].sha, "bbb");
        assert_eq!(history[0].run_id.as_deref(), Some("7"));
        assert_eq!(history[0].flaky_ids, vec!["t::y".to_string()]);
        let t = history[0].totals.as_ref().unwrap();
        assert_eq!((t.passed, t.skipped, t.flaky, t.duration), (10, 1, 1, 3.0));
        assert_eq!(history[1].totals.as_ref().unwrap().failed, 1);
        assert_eq!(history[1].failing_ids, vec!["t::x".to_string()]);
        for r in &history {
            assert_eq!((r.branch.as_deref(), r.coverage), (None, None));
        }
    }

    #[test]
    fn a_run_with_coverage_only_is_recorded_and_is_the_next_runs_base() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let run = |sha: &str, at, branch: &str, coverage| TestRunRow {
            sha: sha.into(),
            at,
            branch: Some(branch.into()),
            coverage,
            ..TestRunRow::default()
        };
        // main at 100 (812/1000), a pull request branch at 150, main at 200 without
        // coverage, main again at 300 (800/1000) by run 9.
        record_run(&path, "o/r", &run("aaa", 100, "main", Some(cov(812, 1000)))).unwrap();
        record_run(&path, "o/r", &run("bbb", 150, "fix", Some(cov(990, 1000)))).unwrap();
        let tests_only = TestRunRow {
            totals: Some(totals(5, 0)),
            ..run("ccc", 200, "main", None)
        };
        record_run(&path, "o/r", &tests_only).unwrap();
        let nine = TestRunRow {
            run_id: Some("9".into()),
            ..run("ddd", 300, "main", Some(cov(800, 1000)))
        };
        record_run(&path, "o/r", &nine).unwrap();
        let history = test_history(&path, "o/r", 10).unwrap();
        assert_eq!(history.len(), 4);
        assert_eq!(history[0], nine);
        assert_eq!(history[0].totals, None);
        assert_eq!(history[1], tests_only);
        assert_eq!(history[3].coverage, Some(cov(812, 1000)));

        let mut w = Vec::new();
        let base = |this: (&str, Option<&str>), branch: &str, w: &mut Vec<String>| {
            previous_coverage_run(Some(&path), "o/r", branch, this, w).map(|r| r.sha)
        };
        // A new run on main compares with ddd, the newest run on main with coverage.
        assert_eq!(base(("eee", None), "main", &mut w).as_deref(), Some("ddd"));
        // A re-run of ddd's run 9 is no base of itself: aaa (ccc has no coverage).
        assert_eq!(
            base(("ddd", Some("9")), "main", &mut w).as_deref(),
            Some("aaa")
        );
        assert_eq!(base(("eee", None), "release", &mut w), None);
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(
            previous_coverage_run(None, "o/r", "main", ("eee", None), &mut w),
            None
        );
    }
}
