//! OpenMetrics: `promtool check metrics` on the output of a fixture repository, and a push
//! to a real Pushgateway on loopback read back from its `/metrics`.
//!
//! Both need Debian's `prometheus` (promtool) and `prometheus-pushgateway`; `.ci/run`
//! installs them, so CI never skips. Without them locally, the tests say so and pass.

use crate::cli::{now, sample, slipgate};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

fn junit() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/junit/real/*.xml")
        .display()
        .to_string()
}

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = slipgate(dir)
        .args(args)
        .args(["--now", &now(), "--offline"])
        .output()
        .expect("run slipgate");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn promtool(text: &str) -> (bool, String) {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("promtool");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn report_and_check_pass_promtool() {
    if !have("promtool") {
        eprintln!(
            "SKIPPED: promtool not installed (apt-get install prometheus); .ci/run installs it"
        );
        return;
    }
    let repo = sample();
    std::fs::write(
        repo.path().join("slipgate.yml"),
        "rules:\n  - {name: \"lead \\\"time\\\" ##[x]\", metric: lead_time.p90, max: 1d}\n  - {name: tests, metric: tests.pass_rate, min: 50%}\n",
    )
    .unwrap();
    let j = junit();
    let (code, report, err) = run(
        repo.path(),
        &["report", "--format", "openmetrics", "--junit", &j],
    );
    assert_eq!(code, 0, "{err}");
    assert!(report.ends_with("# EOF\n"), "{report}");
    assert!(report.contains("# TYPE slipgate_lead_time_seconds summary\n"));
    assert!(report.contains("slipgate_tests{repo="), "{report}");
    let (ok, msg) = promtool(&report);
    assert!(ok, "promtool: {msg}\n{report}");

    let (code, check, err) = run(
        repo.path(),
        &[
            "check",
            "--format",
            "openmetrics",
            "--junit",
            &j,
            "--no-fail",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        check.contains("rule=\"lead \\\"time\\\" ##<U+005B>x]\",status=\"fail\"} 1\n"),
        "{check}"
    );
    let (ok, msg) = promtool(&check);
    assert!(ok, "promtool: {msg}\n{check}");
}

/// A Pushgateway on a free loopback port, stopped when dropped.
struct Gateway {
    child: Child,
    port: u16,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn gateway(dir: &Path) -> Gateway {
    gateway_with(dir, None)
}

/// A Pushgateway; with `web_config`, serving HTTPS as that file says.
fn gateway_with(dir: &Path, web_config: Option<&Path>) -> Gateway {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let child = Command::new("prometheus-pushgateway")
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg(format!(
            "--persistence.file={}",
            dir.join("pg.db").display()
        ))
        .args(web_config.map(|c| format!("--web.config.file={}", c.display())))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start prometheus-pushgateway");
    let g = Gateway { child, port };
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "pushgateway did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    g
}

/// `GET path` on loopback `port`: the body.
fn get(port: u16, path: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    text.split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default()
}

#[test]
fn export_pushes_to_a_real_pushgateway_grouped_by_repository() {
    if !have("prometheus-pushgateway") {
        eprintln!(
            "SKIPPED: prometheus-pushgateway not installed (apt-get install prometheus-pushgateway); .ci/run installs it"
        );
        return;
    }
    let repo = sample();
    let work = tempfile::tempdir().unwrap();
    let g = gateway(work.path());
    let url = format!(
        "http://bot:hunter2@127.0.0.1:{}/metrics/job/slipgate",
        g.port
    );
    // Offline, the `repo` label is the repository path as given.
    let dir = repo.path().display().to_string();
    let args = ["export", "--to", &url, "--repo", &dir];
    let (code, out, err) = run(repo.path(), &args);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "");
    let metrics = get(g.port, "/metrics");
    // sample(): v1.0.1 is the fix "c" committed day 11, released day 11 (lead 0), and its
    // one change: count 1. The group's labels (job, repo) are on every sample.
    assert!(
        metrics.contains(
            &format!("slipgate_release_changes{{instance=\"\",job=\"slipgate\",release=\"v1.0.1\",repo=\"{dir}\"}} 1\n")
        ),
        "{metrics}"
    );
    // A second push replaces the group (PUT): still one sample per series.
    let (code, _, err) = run(repo.path(), &args);
    assert_eq!(code, 0, "{err}");
    let metrics = get(g.port, "/metrics");
    assert_eq!(
        metrics
            .matches("slipgate_release_changes{instance=\"\",job=\"slipgate\",release=\"v1.0.1\"")
            .count(),
        1
    );

    // A wrong path: the Pushgateway's 4xx, one line, exit 2, no password.
    let bad = format!("http://bot:hunter2@127.0.0.1:{}/metrics/job/", g.port);
    let (code, _, err) = run(repo.path(), &["export", "--to", &bad]);
    assert_eq!(code, 2, "{err}");
    assert!(!err.contains("hunter2"), "{err}");
    assert!(err.contains("***@127.0.0.1"), "{err}");
    // One error line (the run's own warnings may come before it).
    assert_eq!(
        err.lines().filter(|l| l.starts_with("error")).count(),
        1,
        "{err}"
    );
}

#[test]
fn export_errors_are_one_line_and_hide_credentials() {
    let repo = sample();
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    for url in [
        format!("http://u:hunter2@127.0.0.1:{port}/metrics/job/slipgate"),
        "postgres://u:hunter2@db/x".to_string(),
    ] {
        let (code, out, err) = run(repo.path(), &["export", "--to", &url]);
        assert_eq!(code, 2, "{err}");
        assert_eq!(out, "");
        assert!(!err.contains("hunter2"), "{err}");
        // One error line (the run's own warnings may come before it).
        assert_eq!(
            err.lines().filter(|l| l.starts_with("error")).count(),
            1,
            "{err}"
        );
    }
}

/// Runs `openssl ARGS` in `dir`; panics with its output when it fails.
fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn export_pushes_over_https_trusting_the_ca_of_ssl_cert_file() {
    if !have("prometheus-pushgateway") || !have("openssl") || !have("curl") {
        eprintln!(
            "SKIPPED: needs prometheus-pushgateway, openssl and curl (.ci/run installs them)"
        );
        return;
    }
    // A private CA and a server certificate for 127.0.0.1 that it signed, as a company's
    // own CA would.
    let work = tempfile::tempdir().unwrap();
    let d = work.path();
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    openssl(
        d,
        &[
            &["req", "-x509"],
            &ec[..],
            &[
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "2",
                "-subj",
                "/CN=slipgate test CA",
            ],
        ]
        .concat(),
    );
    openssl(
        d,
        &[
            &["req"],
            &ec[..],
            &[
                "-keyout",
                "leaf.key",
                "-out",
                "leaf.csr",
                "-subj",
                "/CN=127.0.0.1",
            ],
        ]
        .concat(),
    );
    std::fs::write(
        d.join("leaf.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(
        d,
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "leaf.pem",
            "-days",
            "2",
            "-extfile",
            "leaf.ext",
        ],
    );
    let web = d.join("web.yml");
    std::fs::write(
        &web,
        format!(
            "tls_server_config:\n  cert_file: {}\n  key_file: {}\n",
            d.join("leaf.pem").display(),
            d.join("leaf.key").display()
        ),
    )
    .unwrap();
    let g = gateway_with(d, Some(&web));
    let repo = sample();
    let url = format!("https://127.0.0.1:{}/metrics/job/slipgate", g.port);
    let push = |ca: Option<&Path>| {
        let mut cmd = slipgate(repo.path());
        cmd.args(["export", "--to", &url, "--now", &now(), "--offline"]);
        match ca {
            Some(ca) => cmd.env("SSL_CERT_FILE", ca),
            None => cmd.env_remove("SSL_CERT_FILE"),
        };
        let out = cmd.output().expect("run slipgate");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // Mozilla's roots alone do not trust the private CA: one line, exit 2, what to do.
    let (code, err) = push(None);
    assert_eq!(code, 2, "{err}");
    let error: Vec<&str> = err.lines().filter(|l| l.starts_with("error")).collect();
    assert_eq!(error.len(), 1, "{err}");
    assert!(
        error[0].contains("does not trust") && error[0].contains("SSL_CERT_FILE"),
        "{err}"
    );
    // With the CA in SSL_CERT_FILE the push goes through, and reads back over HTTPS.
    let (code, err) = push(Some(&d.join("ca.pem")));
    assert_eq!(code, 0, "{err}");
    let out = Command::new("curl")
        .args(["-sS", "--cacert"])
        .arg(d.join("ca.pem"))
        .arg(format!("https://127.0.0.1:{}/metrics", g.port))
        .output()
        .expect("curl");
    let metrics = String::from_utf8_lossy(&out.stdout);
    // sample(): v1.0.1 has one change.
    assert!(
        metrics
            .contains("slipgate_release_changes{instance=\"\",job=\"slipgate\",release=\"v1.0.1\""),
        "{metrics}"
    );
    // A bundle without certificates is refused before any connection, naming the file.
    std::fs::write(d.join("empty.pem"), "nothing\n").unwrap();
    let (code, err) = push(Some(&d.join("empty.pem")));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("SSL_CERT_FILE") && err.contains("empty.pem"),
        "{err}"
    );
}
