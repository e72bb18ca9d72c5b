//! A throw-away PostgreSQL cluster on loopback for the export tests: one per test binary
//! run (a `OnceLock`), a fresh database per test.
//!
//! `initdb` makes the cluster in a temp folder with password (SCRAM) authentication,
//! `pg_ctl` starts it on a free port of 127.0.0.1. PostgreSQL refuses to run as root, so
//! as root (CI) the folder is given to the `postgres` user (created when missing) and
//! the tools run through `runuser`. A watchdog shell stops the server and removes the
//! folder as soon as this test process is gone (statics are never dropped).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The superuser's name and password.
pub const ADMIN: &str = "postgres";
pub const PASSWORD: &str = "pgtest-Secret-7c1f";

pub struct Cluster {
    pub port: u16,
    /// Ends by itself once this process is gone (it stops the server then).
    _watchdog: std::process::Child,
}

/// The PostgreSQL binaries: the newest /usr/lib/postgresql/*/bin.
fn bin_dir() -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL is installed (apt-get install postgresql; .ci/run does it)")
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists())
        .collect();
    dirs.sort();
    dirs.pop()
        .expect("an initdb under /usr/lib/postgresql/*/bin")
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Runs `script` with sh, as `postgres` when we are root.
fn sh(script: &str, root: bool) -> Command {
    let mut c = if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--", "sh", "-c", script]);
        c
    } else {
        let mut c = Command::new("sh");
        c.args(["-c", script]);
        c
    };
    c.stdin(Stdio::null());
    c
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn start() -> Cluster {
    let root = is_root();
    if root {
        let exists = Command::new("id")
            .arg("postgres")
            .output()
            .is_ok_and(|o| o.status.success());
        if !exists {
            let ok = Command::new("useradd")
                .args(["--system", "--no-create-home", "postgres"])
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "cannot create the postgres user");
        }
    }
    let dir = tempfile::Builder::new()
        .prefix("slipgate-pg-")
        .tempdir()
        .expect("temp dir")
        .keep();
    let data = dir.join("data");
    let pwfile = dir.join("pw");
    std::fs::write(&pwfile, PASSWORD).expect("password file");
    if root {
        let ok = Command::new("chown")
            .args(["-R", "postgres:"])
            .arg(&dir)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "chown the cluster folder");
    }
    let bin = bin_dir();
    let q = |p: &Path| format!("'{}'", p.display());
    let init = format!(
        "{} -D {} -U {ADMIN} --auth=scram-sha-256 --pwfile={} -E UTF8 --no-sync >{}/initdb.log 2>&1",
        q(&bin.join("initdb")),
        q(&data),
        q(&pwfile),
        q(&dir)
    );
    let out = sh(&init, root).output().expect("run initdb");
    assert!(
        out.status.success(),
        "initdb failed: {}",
        std::fs::read_to_string(dir.join("initdb.log")).unwrap_or_default()
    );
    let port = free_port();
    let pg_ctl = q(&bin.join("pg_ctl"));
    let opts = format!(
        "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
        dir.display()
    );
    let up = format!(
        "{pg_ctl} -D {} -o \"{opts}\" -l {}/server.log -w -t 60 start >/dev/null",
        q(&data),
        q(&dir)
    );
    let out = sh(&up, root).output().expect("run pg_ctl");
    assert!(
        out.status.success(),
        "pg_ctl start failed: {}",
        std::fs::read_to_string(dir.join("server.log")).unwrap_or_default()
    );
    // Stop the server and remove the folder once this process has exited.
    let watchdog = format!(
        "while [ -d /proc/{pid} ]; do sleep 0.3; done; {pg_ctl} -D {} -m immediate stop >/dev/null 2>&1; rm -rf {}",
        q(&data),
        q(&dir),
        pid = std::process::id()
    );
    let watchdog = sh(&watchdog, root)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the watchdog");
    Cluster {
        port,
        _watchdog: watchdog,
    }
}

/// The shared cluster, started on first use.
pub fn cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(start)
}

/// The URL of database `db` as the superuser, without the password (PGPASSWORD has it).
pub fn url(db: &str) -> String {
    format!("postgres://{ADMIN}@127.0.0.1:{}/{db}", cluster().port)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// Runs `sql` (simple protocol, several statements allowed) in `db` as `user`; returns
/// every row's values as text (None for null).
pub fn query_as(db: &str, user: &str, password: &str, sql: &str) -> Vec<Vec<Option<String>>> {
    let port = cluster().port;
    runtime().block_on(async {
        let mut cfg = tokio_postgres::Config::new();
        cfg.host("127.0.0.1")
            .port(port)
            .user(user)
            .password(password)
            .dbname(db);
        let (client, conn) = cfg.connect(tokio_postgres::NoTls).await.expect("connect");
        let driver = tokio::spawn(conn);
        let msgs = client.simple_query(sql).await.expect(sql);
        drop(client);
        let _ = driver.await;
        msgs.into_iter()
            .filter_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(r) => {
                    Some((0..r.len()).map(|i| r.get(i).map(str::to_string)).collect())
                }
                _ => None,
            })
            .collect()
    })
}

/// [`query_as`] the superuser.
pub fn query(db: &str, sql: &str) -> Vec<Vec<Option<String>>> {
    query_as(db, ADMIN, PASSWORD, sql)
}

/// A fresh, empty database named `name` (dropped first when a previous run left it).
pub fn fresh_db(name: &str) -> String {
    query("postgres", &format!("DROP DATABASE IF EXISTS {name}"));
    query("postgres", &format!("CREATE DATABASE {name}"));
    name.to_string()
}
