//! The PostgreSQL connection shared by `export --to postgres://…` (publish) and
//! `org --from postgres://…` (collect): the client configuration, TLS with rustls, the
//! version of the schema `slipgate`, and the typed one-line errors (exit 2).
//!
//! Messages name the database as [`PgTarget::shown`] (no user, no password) and scrub
//! the user and password from whatever the server says.

use crate::model::PgTarget;
use std::time::Duration;
use tokio_postgres::error::SqlState;

/// Why talking to the database failed. Each is one line; the exit code is 2.
#[derive(Debug, thiserror::Error)]
pub enum PgError {
    #[error(
        "cannot reach the PostgreSQL server of {target}: {reason}; check the host and port of the URL and that the server runs"
    )]
    Unreachable { target: String, reason: String },
    #[error(
        "PostgreSQL refused the login to {target}: {reason}; check the user and the password (PGPASSWORD or the URL)"
    )]
    Login { target: String, reason: String },
    #[error("the database of {target} does not exist; create it (createdb) or fix the URL")]
    NoDatabase { target: String },
    #[error(
        "{target} holds slipgate schema version {found}, newer than the {known} this slipgate writes; use a newer slipgate"
    )]
    NewerSchema {
        target: String,
        found: i32,
        known: i32,
    },
    #[error(
        "{target} has no slipgate schema (or an empty one); run `slipgate export --to <this URL>` first"
    )]
    NoSchema { target: String },
    #[error(
        "permission denied on {target}: {reason}; the user must be able to create the schema `slipgate` (first export) and write its tables"
    )]
    Denied { target: String, reason: String },
    #[error("talking to {target} failed: {reason}")]
    Failed { target: String, reason: String },
}

/// An open connection: the client and the task driving it (await it after dropping the
/// client).
pub struct Connection {
    pub client: tokio_postgres::Client,
    pub driver: tokio::task::JoinHandle<Result<(), tokio_postgres::Error>>,
}

impl Connection {
    /// Closes the connection.
    pub async fn close(self) {
        drop(self.client);
        let _ = self.driver.await;
    }
}

/// Connects (TLS when the server offers it, unless `sslmode=disable`). Call inside a
/// tokio runtime.
pub async fn connect(t: &PgTarget) -> Result<Connection, PgError> {
    let mut cfg = tokio_postgres::Config::new();
    cfg.user(&t.user)
        .host(&t.host)
        .port(t.port)
        .dbname(&t.dbname)
        .application_name("slipgate")
        .connect_timeout(Duration::from_secs(10))
        .ssl_mode(match t.sslmode.as_str() {
            "disable" => tokio_postgres::config::SslMode::Disable,
            "require" => tokio_postgres::config::SslMode::Require,
            _ => tokio_postgres::config::SslMode::Prefer,
        });
    if let Some(p) = &t.password {
        cfg.password(p);
    }
    let tls = crate::tls::client_config(t.ca_file.as_deref())
        .map(tokio_postgres_rustls::MakeRustlsConnect::new)
        .map_err(|e| PgError::Failed {
            target: t.shown(),
            reason: e.to_string(),
        })?;
    let (client, conn) = cfg.connect(tls).await.map_err(|e| classify(t, &e, true))?;
    Ok(Connection {
        client,
        driver: tokio::spawn(conn),
    })
}

/// The schema version of the database, 0 without the schema.
pub async fn version<C: tokio_postgres::GenericClient + Sync>(
    c: &C,
) -> Result<i32, tokio_postgres::Error> {
    let exists: bool = c
        .query_one(
            "SELECT to_regclass('slipgate.schema_version') IS NOT NULL",
            &[],
        )
        .await?
        .get(0);
    if !exists {
        return Ok(0);
    }
    let row = c
        .query_one(
            "SELECT coalesce(max(version), 0) FROM slipgate.schema_version",
            &[],
        )
        .await?;
    Ok(row.get(0))
}

/// The typed error of a failed connection (`connecting`) or statement.
pub fn classify(t: &PgTarget, e: &tokio_postgres::Error, connecting: bool) -> PgError {
    let target = t.shown();
    let reason = scrub(t, &reason_of(e));
    match e.code() {
        Some(c) if *c == SqlState::INVALID_PASSWORD => PgError::Login { target, reason },
        Some(c) if *c == SqlState::INVALID_AUTHORIZATION_SPECIFICATION => {
            PgError::Login { target, reason }
        }
        Some(c) if *c == SqlState::INVALID_CATALOG_NAME => PgError::NoDatabase { target },
        Some(c)
            if *c == SqlState::INSUFFICIENT_PRIVILEGE
                || *c == SqlState::READ_ONLY_SQL_TRANSACTION =>
        {
            PgError::Denied { target, reason }
        }
        None if connecting => PgError::Unreachable { target, reason },
        _ => PgError::Failed { target, reason },
    }
}

/// The server's message, or the innermost cause, on one line.
fn reason_of(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return db.message().replace(['\n', '\r'], " ");
    }
    let mut text = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        text = s.to_string();
        src = s.source();
    }
    text.replace(['\n', '\r'], " ")
}

/// `text` without the user name or password.
fn scrub(t: &PgTarget, text: &str) -> String {
    let mut out = text.to_string();
    for secret in [Some(t.user.as_str()), t.password.as_deref()]
        .into_iter()
        .flatten()
        .filter(|s| s.len() >= 2)
    {
        out = out.replace(secret, "***");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_never_show_the_user_or_password() {
        let t = PgTarget {
            user: "alice".into(),
            password: Some("s3cret".into()),
            host: "db.example".into(),
            port: 5432,
            dbname: "metrics".into(),
            sslmode: "prefer".into(),
            ca_file: None,
        };
        assert_eq!(
            scrub(
                &t,
                "password authentication failed for user \"alice\" (s3cret)"
            ),
            "password authentication failed for user \"***\" (***)"
        );
        assert_eq!(format!("{t:?}"), "postgres://db.example:5432/metrics");
    }
}
