//! `export --to postgres://…`: writes [`ExportRows`] into the schema `slipgate`
//! (docs/postgres.md) in one transaction: migrations first (the version is kept in
//! `slipgate.schema_version`), then one multi-row upsert per table (`unnest` of arrays),
//! each updating a row only when a value differs, so re-exporting the same data changes
//! nothing.
//! The connection and its errors are [`crate::pg`]'s.

pub use crate::pg::PgError;

use crate::model::PgTarget;
use crate::report::rows::ExportRows;
use tokio_postgres::types::ToSql;

/// The schema version this slipgate writes: the number of [`MIGRATIONS`].
pub const SCHEMA_VERSION: i32 = 2;

/// The migrations, in order: `MIGRATIONS[i]` takes the schema from version `i` to `i + 1`.
pub const MIGRATIONS: [&str; 2] = [
    // 1: the repository, its releases and the trend's periods.
    "CREATE TABLE slipgate.repositories (
        repo text PRIMARY KEY,
        evaluated_at timestamptz NOT NULL,
        window_start timestamptz NOT NULL,
        window_end timestamptz NOT NULL,
        window_releases bigint NOT NULL,
        release_frequency double precision NOT NULL,
        change_failure_rate double precision,
        changes bigint,
        lead_time_p50_seconds bigint,
        lead_time_p90_seconds bigint,
        bugs_found bigint,
        defect_rate double precision,
        time_to_restore_p50_seconds bigint
    );
    CREATE TABLE slipgate.releases (
        repo text NOT NULL,
        tag text NOT NULL,
        version text NOT NULL,
        released_at timestamptz NOT NULL,
        commit_sha text NOT NULL,
        changes bigint,
        lead_time_p50_seconds bigint,
        lead_time_p90_seconds bigint,
        lead_time_max_seconds bigint,
        fix_commits bigint,
        reverts bigint,
        bugs_found bigint,
        defect_rate double precision,
        failed boolean NOT NULL,
        provisional boolean NOT NULL,
        PRIMARY KEY (repo, tag)
    );
    CREATE TABLE slipgate.periods (
        repo text NOT NULL,
        metric text NOT NULL,
        period_start timestamptz NOT NULL,
        period_end timestamptz NOT NULL,
        value double precision,
        PRIMARY KEY (repo, metric, period_start)
    );",
    // 2: runs, their verdicts and open-bug snapshots.
    "CREATE TABLE slipgate.test_runs (
        repo text NOT NULL,
        run_id text NOT NULL,
        commit_sha text,
        ran_at timestamptz NOT NULL,
        verdict text NOT NULL,
        tests_total bigint,
        tests_passed bigint,
        tests_failed bigint,
        tests_errored bigint,
        tests_skipped bigint,
        tests_flaky bigint,
        pass_rate double precision,
        duration_seconds double precision,
        PRIMARY KEY (repo, run_id)
    );
    CREATE TABLE slipgate.verdicts (
        repo text NOT NULL,
        run_id text NOT NULL,
        rule text NOT NULL,
        metric text NOT NULL,
        level text NOT NULL,
        status text NOT NULL,
        value double precision,
        PRIMARY KEY (repo, run_id, rule)
    );
    CREATE TABLE slipgate.open_bugs (
        repo text NOT NULL,
        taken_at timestamptz NOT NULL,
        severity text NOT NULL,
        open bigint NOT NULL,
        PRIMARY KEY (repo, taken_at, severity)
    );",
];

/// What one export wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    pub releases: usize,
    pub periods: usize,
    pub verdicts: usize,
    /// The schema version before the export (0: none).
    pub migrated_from: i32,
}

/// Connects (TLS when the server offers it, unless `sslmode=disable`), migrates and
/// writes `rows` in one transaction.
pub async fn export(t: &PgTarget, rows: &ExportRows) -> Result<Written, PgError> {
    let target = t.shown();
    let mut conn = crate::pg::connect(t).await?;
    let result = write(&mut conn.client, rows).await.map_err(|e| match e {
        Step::Newer(found) => PgError::NewerSchema {
            target: target.clone(),
            found,
            known: SCHEMA_VERSION,
        },
        Step::Pg(e) => crate::pg::classify(t, &e, false),
    });
    conn.close().await;
    result
}

enum Step {
    Newer(i32),
    Pg(tokio_postgres::Error),
}

impl From<tokio_postgres::Error> for Step {
    fn from(e: tokio_postgres::Error) -> Step {
        Step::Pg(e)
    }
}

async fn write(client: &mut tokio_postgres::Client, rows: &ExportRows) -> Result<Written, Step> {
    let tx = client.transaction().await?;
    // Exports into one database (a matrix over repositories) take turns, so that two
    // first exports do not both create the schema.
    tx.execute("SELECT pg_advisory_xact_lock(7377650115)", &[])
        .await?;
    let found = crate::pg::version(&tx).await?;
    if found > SCHEMA_VERSION {
        return Err(Step::Newer(found));
    }
    if found == 0 {
        tx.batch_execute(
            "CREATE SCHEMA IF NOT EXISTS slipgate;
             CREATE TABLE IF NOT EXISTS slipgate.schema_version (
                 version integer PRIMARY KEY,
                 applied_at timestamptz NOT NULL DEFAULT now()
             );",
        )
        .await?;
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        tx.batch_execute(sql).await?;
        let v = i32::try_from(i + 1).unwrap_or(i32::MAX);
        tx.execute(
            "INSERT INTO slipgate.schema_version (version) VALUES ($1)",
            &[&v],
        )
        .await?;
    }
    upsert_all(&tx, rows).await?;
    tx.commit().await?;
    Ok(Written {
        releases: rows.releases.len(),
        periods: rows.periods.len(),
        verdicts: rows.verdicts.len(),
        migrated_from: found,
    })
}

/// A column's SQL type: the array type of its parameter and the column expression.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    Int,
    Float,
    Bool,
    /// Unix seconds, written as `timestamptz`.
    Time,
}

/// One table's upsert: `repo` is `$1`, every other column an array parameter.
/// `keys` are the conflict columns besides `repo`.
fn upsert_sql(table: &str, keys: &[&str], cols: &[(&str, Kind)]) -> String {
    let names: Vec<&str> = cols.iter().map(|c| c.0).collect();
    let arrays: Vec<String> = cols
        .iter()
        .enumerate()
        .map(|(i, (_, k))| {
            let ty = match k {
                Kind::Text => "text[]",
                Kind::Int | Kind::Time => "int8[]",
                Kind::Float => "float8[]",
                Kind::Bool => "bool[]",
            };
            format!("${}::{ty}", i + 2)
        })
        .collect();
    let exprs: Vec<String> = cols
        .iter()
        .map(|(n, k)| match k {
            Kind::Time => format!("to_timestamp(r.{n})"),
            _ => format!("r.{n}"),
        })
        .collect();
    let rest: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| !keys.contains(n))
        .collect();
    let set: Vec<String> = rest.iter().map(|n| format!("{n} = excluded.{n}")).collect();
    let old: Vec<String> = rest.iter().map(|n| format!("t.{n}")).collect();
    let new: Vec<String> = rest.iter().map(|n| format!("excluded.{n}")).collect();
    let conflict = std::iter::once("repo")
        .chain(keys.iter().copied())
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "INSERT INTO slipgate.{table} AS t (repo, {}) SELECT $1, {} FROM unnest({}) AS r({}) \
         ON CONFLICT ({conflict}) DO UPDATE SET {} WHERE ({}) IS DISTINCT FROM ({})",
        names.join(", "),
        exprs.join(", "),
        arrays.join(", "),
        names.join(", "),
        set.join(", "),
        old.join(", "),
        new.join(", "),
    )
}

type Param = Box<dyn ToSql + Sync + Send>;

fn col<T: ToSql + Sync + Send + 'static, R>(rows: &[R], f: impl Fn(&R) -> T) -> Param {
    Box::new(rows.iter().map(f).collect::<Vec<T>>())
}

async fn upsert(
    tx: &tokio_postgres::Transaction<'_>,
    repo: &str,
    sql: &str,
    params: Vec<Param>,
) -> Result<(), tokio_postgres::Error> {
    let mut refs: Vec<&(dyn ToSql + Sync)> = vec![&repo];
    refs.extend(params.iter().map(|p| p.as_ref() as &(dyn ToSql + Sync)));
    tx.execute(sql, &refs).await.map(|_| ())
}

async fn upsert_all(
    tx: &tokio_postgres::Transaction<'_>,
    rows: &ExportRows,
) -> Result<(), tokio_postgres::Error> {
    use Kind::{Bool, Float, Int, Text, Time};
    let repo = rows.repository.repo.as_str();
    let r = std::slice::from_ref(&rows.repository);
    let sql = upsert_sql(
        "repositories",
        &[],
        &[
            ("evaluated_at", Time),
            ("window_start", Time),
            ("window_end", Time),
            ("window_releases", Int),
            ("release_frequency", Float),
            ("change_failure_rate", Float),
            ("changes", Int),
            ("lead_time_p50_seconds", Int),
            ("lead_time_p90_seconds", Int),
            ("bugs_found", Int),
            ("defect_rate", Float),
            ("time_to_restore_p50_seconds", Int),
        ],
    );
    let params = vec![
        col(r, |x| x.evaluated_at),
        col(r, |x| x.window_start),
        col(r, |x| x.window_end),
        col(r, |x| x.window_releases),
        col(r, |x| x.release_frequency),
        col(r, |x| x.change_failure_rate),
        col(r, |x| x.changes),
        col(r, |x| x.lead_time_p50_seconds),
        col(r, |x| x.lead_time_p90_seconds),
        col(r, |x| x.bugs_found),
        col(r, |x| x.defect_rate),
        col(r, |x| x.time_to_restore_p50_seconds),
    ];
    upsert(tx, repo, &sql, params).await?;

    let r = &rows.releases;
    let sql = upsert_sql(
        "releases",
        &["tag"],
        &[
            ("tag", Text),
            ("version", Text),
            ("released_at", Time),
            ("commit_sha", Text),
            ("changes", Int),
            ("lead_time_p50_seconds", Int),
            ("lead_time_p90_seconds", Int),
            ("lead_time_max_seconds", Int),
            ("fix_commits", Int),
            ("reverts", Int),
            ("bugs_found", Int),
            ("defect_rate", Float),
            ("failed", Bool),
            ("provisional", Bool),
        ],
    );
    let params = vec![
        col(r, |x| x.tag.clone()),
        col(r, |x| x.version.clone()),
        col(r, |x| x.released_at),
        col(r, |x| x.commit.clone()),
        col(r, |x| x.changes),
        col(r, |x| x.lead_time_p50_seconds),
        col(r, |x| x.lead_time_p90_seconds),
        col(r, |x| x.lead_time_max_seconds),
        col(r, |x| x.fix_commits),
        col(r, |x| x.reverts),
        col(r, |x| x.bugs_found),
        col(r, |x| x.defect_rate),
        col(r, |x| x.failed),
        col(r, |x| x.provisional),
    ];
    upsert(tx, repo, &sql, params).await?;

    let p = &rows.periods;
    let sql = upsert_sql(
        "periods",
        &["metric", "period_start"],
        &[
            ("metric", Text),
            ("period_start", Time),
            ("period_end", Time),
            ("value", Float),
        ],
    );
    let params = vec![
        col(p, |x| x.metric.clone()),
        col(p, |x| x.period_start),
        col(p, |x| x.period_end),
        col(p, |x| x.value),
    ];
    upsert(tx, repo, &sql, params).await?;

    let t = std::slice::from_ref(&rows.test_run);
    let sql = upsert_sql(
        "test_runs",
        &["run_id"],
        &[
            ("run_id", Text),
            ("commit_sha", Text),
            ("ran_at", Time),
            ("verdict", Text),
            ("tests_total", Int),
            ("tests_passed", Int),
            ("tests_failed", Int),
            ("tests_errored", Int),
            ("tests_skipped", Int),
            ("tests_flaky", Int),
            ("pass_rate", Float),
            ("duration_seconds", Float),
        ],
    );
    let tests = |f: fn(&crate::report::rows::TestFigures) -> i64| {
        move |x: &crate::report::rows::TestRunRow| x.tests.as_ref().map(f)
    };
    let params = vec![
        col(t, |x| x.run_id.clone()),
        col(t, |x| x.commit.clone()),
        col(t, |x| x.ran_at),
        col(t, |x| x.verdict.to_string()),
        col(t, tests(|f| f.total)),
        col(t, tests(|f| f.passed)),
        col(t, tests(|f| f.failed)),
        col(t, tests(|f| f.errored)),
        col(t, tests(|f| f.skipped)),
        col(t, tests(|f| f.flaky)),
        col(t, |x| x.tests.as_ref().and_then(|f| f.pass_rate)),
        col(t, |x| x.tests.as_ref().map(|f| f.duration_seconds)),
    ];
    upsert(tx, repo, &sql, params).await?;

    let v = &rows.verdicts;
    let run_id = rows.test_run.run_id.clone();
    let sql = upsert_sql(
        "verdicts",
        &["run_id", "rule"],
        &[
            ("run_id", Text),
            ("rule", Text),
            ("metric", Text),
            ("level", Text),
            ("status", Text),
            ("value", Float),
        ],
    );
    let params = vec![
        col(v, move |_| run_id.clone()),
        col(v, |x| x.rule.clone()),
        col(v, |x| x.metric.clone()),
        col(v, |x| x.level.to_string()),
        col(v, |x| x.status.to_string()),
        col(v, |x| x.value),
    ];
    upsert(tx, repo, &sql, params).await?;

    let b = &rows.open_bugs;
    let sql = upsert_sql(
        "open_bugs",
        &["taken_at", "severity"],
        &[("taken_at", Time), ("severity", Text), ("open", Int)],
    );
    let params = vec![
        col(b, |x| x.taken_at),
        col(b, |x| x.severity.clone()),
        col(b, |x| x.open),
    ];
    upsert(tx, repo, &sql, params).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upsert_updates_only_rows_that_differ() {
        let sql = upsert_sql(
            "periods",
            &["metric", "period_start"],
            &[
                ("metric", Kind::Text),
                ("period_start", Kind::Time),
                ("value", Kind::Float),
            ],
        );
        assert_eq!(
            sql,
            "INSERT INTO slipgate.periods AS t (repo, metric, period_start, value) SELECT $1, r.metric, to_timestamp(r.period_start), r.value FROM unnest($2::text[], $3::int8[], $4::float8[]) AS r(metric, period_start, value) ON CONFLICT (repo, metric, period_start) DO UPDATE SET value = excluded.value WHERE (t.value) IS DISTINCT FROM (excluded.value)"
        );
    }
}
