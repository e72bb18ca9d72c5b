//! `slipgate org --from postgres://…`: reads every repository of the schema `slipgate`
//! (docs/postgres.md) that `slipgate export` fills, as [`OrgRow`]s, in one read-only
//! transaction. The connection and its errors are [`crate::pg`]'s.
//!
//! Everything read is data written by others: the text fields are kept as they are
//! (report escapes them), non-finite numbers are read as no value.

use crate::model::PgTarget;
use crate::model::org::{LatestRelease, OrgRow, RecentValues};
use crate::pg::PgError;

/// The schema version `org` needs at least: the one with `test_runs` and `open_bugs`.
pub const NEEDS_VERSION: i32 = 2;

/// One row per repository: the window of its last export, its newest release, the newest
/// snapshot's critical bugs and the newest run's verdict.
const ROWS: &str = "SELECT r.repo, extract(epoch FROM r.evaluated_at)::int8, l.tag, \
     extract(epoch FROM l.released_at)::int8, r.lead_time_p50_seconds, r.release_frequency, \
     r.change_failure_rate, r.defect_rate, b.open, v.verdict \
     FROM slipgate.repositories r \
     LEFT JOIN LATERAL (SELECT tag, released_at FROM slipgate.releases x WHERE x.repo = r.repo \
         ORDER BY released_at DESC, tag DESC LIMIT 1) l ON true \
     LEFT JOIN LATERAL (SELECT o.open FROM slipgate.open_bugs o WHERE o.repo = r.repo \
         AND o.severity = 'critical' AND o.taken_at = (SELECT max(taken_at) \
         FROM slipgate.open_bugs m WHERE m.repo = r.repo)) b ON true \
     LEFT JOIN LATERAL (SELECT verdict FROM slipgate.test_runs t WHERE t.repo = r.repo \
         ORDER BY ran_at DESC, run_id DESC LIMIT 1) v ON true \
     ORDER BY r.repo";

/// The trend metrics' last period (ending at the last export's evaluation time) and the
/// period just before it.
const RECENT: &str = "SELECT r.repo, m.metric, p.value, l.value \
     FROM slipgate.repositories r CROSS JOIN unnest($1::text[]) AS m(metric) \
     JOIN slipgate.periods l ON l.repo = r.repo AND l.metric = m.metric \
         AND l.period_end = r.evaluated_at \
     LEFT JOIN slipgate.periods p ON p.repo = r.repo AND p.metric = m.metric \
         AND p.period_end = l.period_start \
     ORDER BY 1, 2";

/// Reads the view's rows of `t` (a database `slipgate export` wrote, schema at most
/// `known`, the version this slipgate writes). `metrics`: the names of the trend metrics.
pub fn read(t: &PgTarget, known: i32, metrics: &[String]) -> Result<Vec<OrgRow>, PgError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| PgError::Failed {
            target: t.shown(),
            reason: format!("cannot start the async runtime: {e}"),
        })?;
    rt.block_on(read_async(t, known, metrics))
}

async fn read_async(t: &PgTarget, known: i32, metrics: &[String]) -> Result<Vec<OrgRow>, PgError> {
    let mut conn = crate::pg::connect(t).await?;
    let result = rows(&mut conn.client, t, known, metrics).await;
    conn.close().await;
    result
}

async fn rows(
    c: &mut tokio_postgres::Client,
    t: &PgTarget,
    known: i32,
    metrics: &[String],
) -> Result<Vec<OrgRow>, PgError> {
    let pg = |e: tokio_postgres::Error| crate::pg::classify(t, &e, false);
    let tx = c
        .build_transaction()
        .read_only(true)
        .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
        .start()
        .await
        .map_err(pg)?;
    let found = crate::pg::version(&tx).await.map_err(pg)?;
    if found > known {
        return Err(PgError::NewerSchema {
            target: t.shown(),
            found,
            known,
        });
    }
    if found < NEEDS_VERSION {
        return Err(PgError::NoSchema { target: t.shown() });
    }
    let mut out: Vec<OrgRow> = Vec::new();
    for r in tx.query(ROWS, &[]).await.map_err(pg)? {
        let tag: Option<String> = r.try_get(2).map_err(pg)?;
        let released: Option<i64> = r.try_get(3).map_err(pg)?;
        out.push(OrgRow {
            repo: r.try_get(0).map_err(pg)?,
            evaluated_at: r.try_get(1).map_err(pg)?,
            latest_release: tag
                .zip(released)
                .map(|(tag, released_at)| LatestRelease { tag, released_at }),
            lead_time_p50_seconds: r.try_get(4).map_err(pg)?,
            release_frequency: finite(r.try_get(5).map_err(pg)?),
            change_failure_rate: finite(r.try_get(6).map_err(pg)?),
            defect_rate: finite(r.try_get(7).map_err(pg)?),
            open_critical_bugs: r.try_get(8).map_err(pg)?,
            last_verdict: r.try_get(9).map_err(pg)?,
            recent: Vec::new(),
        });
    }
    if out.is_empty() {
        return Err(PgError::NoSchema { target: t.shown() });
    }
    for r in tx.query(RECENT, &[&metrics]).await.map_err(pg)? {
        let repo: String = r.try_get(0).map_err(pg)?;
        let v = RecentValues {
            metric: r.try_get(1).map_err(pg)?,
            previous: finite(r.try_get(2).map_err(pg)?),
            last: finite(r.try_get(3).map_err(pg)?),
        };
        if let Some(row) = out.iter_mut().find(|o| o.repo == repo) {
            row.recent.push(v);
        }
    }
    tx.commit().await.map_err(pg)?;
    Ok(out)
}

fn finite(v: Option<f64>) -> Option<f64> {
    v.filter(|x| x.is_finite())
}
