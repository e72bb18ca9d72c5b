//! Pushes the OpenMetrics text (`report::openmetrics`) to a Prometheus Pushgateway:
//! `export --to http(s)://HOST:PORT/metrics/job/slipgate`.
//!
//! The group is the URL's (job and any labels in it) plus `repo`, the repository's
//! `repo` label, appended as `/repo@base64/<value>` (URL-safe base64, so a `/` in
//! `OWNER/NAME` is no path separator). The request is a PUT: it replaces every metric of
//! the group, so a rule or a release that is gone from the report is gone from the
//! Pushgateway too. Credentials in the URL (`https://user:pass@host/…`) are sent as
//! basic authentication and never appear in a message: the URL is shown with its user
//! information replaced by `***`.

use std::time::Duration;

/// The longest a push may take, connecting included.
const TIMEOUT: Duration = Duration::from_secs(30);
/// The most of an error response's body a message quotes.
const BODY_SHOWN: usize = 200;

/// Why a push failed. Every message shows the URL with its credentials redacted.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error("`{url}` is not a Pushgateway URL ({why}); write http(s)://HOST:PORT/metrics/job/JOB")]
    BadUrl { url: String, why: &'static str },
    #[error("cannot push the metrics to `{url}`: {reason}; is the Pushgateway running there?")]
    Unreachable { url: String, reason: String },
    #[error(
        "the Pushgateway at `{url}` shows a certificate slipgate does not trust ({reason}); if your own CA signed it, put that CA's PEM file in SSL_CERT_FILE"
    )]
    Untrusted { url: String, reason: String },
    #[error("the Pushgateway at `{url}` refused the metrics: HTTP {status}{body}")]
    Refused {
        url: String,
        status: u16,
        /// `: <first line of the body>`, or empty.
        body: String,
    },
}

/// A Pushgateway group URL, split from its credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The URL to send to, without user information.
    pub url: String,
    /// The URL as messages show it (user information as `***`).
    pub shown: String,
    /// `user:password` from the URL, percent-decoded.
    credentials: Option<String>,
    /// A PEM bundle of CA certificates trusted beside Mozilla's (`SSL_CERT_FILE`).
    pub ca_file: Option<std::path::PathBuf>,
}

impl Target {
    /// The target of `url` (`http(s)://[user:pass@]HOST[:PORT]/metrics/job/JOB[/L/V…]`),
    /// grouped by `repo`.
    pub fn new(url: &str, repo: &str) -> Result<Target, PushError> {
        let (scheme, rest) = url
            .split_once("://")
            .filter(|(s, _)| matches!(s.to_ascii_lowercase().as_str(), "http" | "https"))
            .ok_or(PushError::BadUrl {
                url: redact(url),
                why: "not http:// or https://",
            })?;
        let (authority, path) = rest.split_at(rest.find(['/', '?', '#']).unwrap_or(rest.len()));
        let (userinfo, host) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let bad = |why| PushError::BadUrl {
            url: redact(url),
            why,
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        if path.contains(['?', '#']) {
            return Err(bad("a query or fragment"));
        }
        let path = path.trim_end_matches('/');
        if !path.contains("/metrics/job/") {
            return Err(bad("no /metrics/job/JOB path"));
        }
        let group = format!("{path}/repo@base64/{}", base64(repo.as_bytes(), URL_SAFE));
        Ok(Target {
            url: format!("{scheme}://{host}{group}"),
            shown: format!(
                "{scheme}://{}{host}{group}",
                if userinfo.is_some() { "***@" } else { "" }
            ),
            credentials: userinfo.map(percent_decode),
            ca_file: None,
        })
    }
}

/// `url` with its user information, if any, replaced by `***`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{scheme}://***@{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}

/// PUTs `text` (OpenMetrics, as `report::openmetrics::render` writes it) to `target`.
pub fn push(text: &str, target: &Target) -> Result<(), PushError> {
    let unreachable = |reason: String| PushError::Unreachable {
        url: target.shown.clone(),
        reason,
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| unreachable(format!("cannot start the async runtime: {e}")))?;
    rt.block_on(async {
        match tokio::time::timeout(TIMEOUT, send(text, target)).await {
            Ok(r) => r,
            Err(_) => Err(unreachable(format!(
                "no answer within {}s",
                TIMEOUT.as_secs()
            ))),
        }
    })
}

async fn send(text: &str, target: &Target) -> Result<(), PushError> {
    use http_body_util::BodyExt as _;
    let unreachable = |reason: String| PushError::Unreachable {
        url: target.shown.clone(),
        reason,
    };
    let tls = crate::tls::client_config(target.ca_file.as_deref())
        .map_err(|e| unreachable(e.to_string()))?;
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .build();
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build::<_, String>(connector);
    let mut request = http::Request::put(target.url.as_str())
        // The Pushgateway reads the Prometheus text format; OpenMetrics' `# UNIT` and
        // `# EOF` lines are comments to it.
        .header(http::header::CONTENT_TYPE, "text/plain; version=0.0.4")
        .header(
            http::header::USER_AGENT,
            concat!("slipgate/", env!("CARGO_PKG_VERSION")),
        );
    if let Some(c) = &target.credentials {
        request = request.header(
            http::header::AUTHORIZATION,
            format!("Basic {}", base64(c.as_bytes(), STANDARD)),
        );
    }
    let request = request
        .body(text.to_string())
        .map_err(|_| PushError::BadUrl {
            url: target.shown.clone(),
            why: "not a valid URI",
        })?;
    let response = client.request(request).await.map_err(|e| {
        let reason = error_chain(&e);
        if crate::tls::untrusted(&e) {
            PushError::Untrusted {
                url: target.shown.clone(),
                reason,
            }
        } else {
            unreachable(reason)
        }
    })?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let body = match response.into_body().collect().await {
        Ok(b) => String::from_utf8_lossy(&b.to_bytes()).into_owned(),
        Err(_) => String::new(),
    };
    let first: String = body
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
        .chars()
        .take(BODY_SHOWN)
        .collect();
    Err(PushError::Refused {
        url: target.shown.clone(),
        status: status.as_u16(),
        body: if first.is_empty() {
            String::new()
        } else {
            format!(": {}", crate::escape::line(&first))
        },
    })
}

/// An error and its sources, `: `-joined (hyper's own message is only "client error").
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        next = cause.source();
    }
    s
}

use base64::engine::GeneralPurpose;
/// The standard alphabet (basic auth), and the URL-safe one (grouping label values), both
/// padded with `=` as the Pushgateway's `@base64` form expects.
const STANDARD: &GeneralPurpose = &base64::engine::general_purpose::STANDARD;
const URL_SAFE: &GeneralPurpose = &base64::engine::general_purpose::URL_SAFE;

/// Base64 of `bytes` in `engine`'s alphabet.
fn base64(bytes: &[u8], engine: &GeneralPurpose) -> String {
    base64::Engine::encode(engine, bytes)
}

/// `%XX` sequences decoded (invalid ones kept as they are).
fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (plain, coded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes(), STANDARD), coded);
        }
        // 0xfb 0xff: `+/` in the standard alphabet, `-_` in the URL-safe one.
        assert_eq!(base64(&[0xfb, 0xff], STANDARD), "+/8=");
        assert_eq!(base64(&[0xfb, 0xff], URL_SAFE), "-_8=");
    }

    #[test]
    fn the_group_is_the_repository_and_credentials_are_never_shown() {
        let t = Target::new(
            "https://bot:s%40cret@push.example:9091/metrics/job/slipgate/",
            "octo/app",
        )
        .unwrap();
        // base64("octo/app") = b2N0by9hcHA=
        assert_eq!(
            t.url,
            "https://push.example:9091/metrics/job/slipgate/repo@base64/b2N0by9hcHA="
        );
        assert_eq!(
            t.shown,
            "https://***@push.example:9091/metrics/job/slipgate/repo@base64/b2N0by9hcHA="
        );
        assert_eq!(t.credentials.as_deref(), Some("bot:s@cret"));
        let plain = Target::new("http://127.0.0.1:9091/metrics/job/j/team/a", "x").unwrap();
        assert_eq!(
            plain.url,
            "http://127.0.0.1:9091/metrics/job/j/team/a/repo@base64/eA=="
        );
        assert_eq!(plain.shown, plain.url);
        assert_eq!(plain.credentials, None);
    }

    #[test]
    fn bad_urls_say_what_to_write_without_the_password() {
        for (url, why) in [
            ("ftp://u:pw@h/metrics/job/x", "not http:// or https://"),
            ("https://u:pw@h:9091/", "no /metrics/job/JOB path"),
            ("https://u:pw@/metrics/job/x", "no host"),
            ("https://u:pw@h/metrics/job/x?a=b", "a query or fragment"),
        ] {
            let e = Target::new(url, "r").unwrap_err();
            let msg = e.to_string();
            assert!(msg.contains(why), "{msg}");
            assert!(!msg.contains("pw"), "{msg}");
            assert!(msg.contains("***@"), "{msg}");
        }
    }

    #[test]
    fn unreachable_is_one_line_without_credentials() {
        // A port nothing listens on: take a free one and close it.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let t = Target::new(
            &format!("http://u:hunter2@127.0.0.1:{port}/metrics/job/slipgate"),
            "o/r",
        )
        .unwrap();
        let msg = push("# EOF\n", &t).unwrap_err().to_string();
        assert!(
            msg.starts_with("cannot push the metrics to `http://***@127.0.0.1:"),
            "{msg}"
        );
        assert!(!msg.contains("hunter2") && !msg.contains('\n'), "{msg}");
    }
}
