//! The TLS client configuration of slipgate's own connections (PostgreSQL, the
//! Pushgateway): Mozilla's root certificates, which need no system store, plus the
//! certificates of the PEM bundle that `SSL_CERT_FILE` names, for a company's own
//! certificate authority or a cloud database's (read by `cli::request`, passed here).

use std::path::Path;
use std::sync::Arc;

/// Why no TLS configuration could be built.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error(
        "cannot use the certificates of SSL_CERT_FILE `{path}`: {reason}; name a PEM file of CA certificates, or unset SSL_CERT_FILE"
    )]
    Bundle { path: String, reason: String },
    #[error("TLS setup failed: {0}")]
    Setup(#[from] rustls::Error),
}

/// A rustls client configuration trusting Mozilla's roots and every certificate of the
/// PEM bundle `extra`. A bundle that cannot be read, or holds no certificate, is an
/// error: trusting less than the user asked for would fail later, and less clearly.
pub fn client_config(extra: Option<&Path>) -> Result<rustls::ClientConfig, TlsError> {
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(path) = extra {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject;
        let bad = |reason: String| TlsError::Bundle {
            path: path.display().to_string(),
            reason,
        };
        let certs = CertificateDer::pem_file_iter(path)
            .map_err(|e| bad(e.to_string()))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| bad(e.to_string()))?;
        if certs.is_empty() {
            return Err(bad("it holds no certificate".to_string()));
        }
        for cert in certs {
            roots.add(cert).map_err(|e| bad(e.to_string()))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// Whether `e`, or an error it wraps, is rustls refusing the server's certificate (no
/// trusted CA signed it, expired, another name): found by type along the source chain, so
/// no message text is matched.
pub fn untrusted(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(e);
    while let Some(err) = next {
        if matches!(
            rustls_error(err),
            Some(rustls::Error::InvalidCertificate(_))
        ) {
            return true;
        }
        next = err.source();
    }
    false
}

/// `err` as rustls' error: itself, or the error an `io::Error` carries, through any
/// number of `io::Error` layers (hyper-rustls nests two; `io::Error::source` skips the
/// error it carries, so the source chain alone never reaches rustls').
fn rustls_error<'a>(mut err: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    loop {
        if let Some(tls) = err.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        let inner = err.downcast_ref::<std::io::Error>()?.get_ref()?;
        err = inner;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bundle_without_certificates_or_unreadable_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let e = client_config(Some(&empty)).unwrap_err().to_string();
        assert!(
            e.contains("empty.pem") && e.contains("holds no certificate"),
            "{e}"
        );
        let missing = dir.path().join("missing.pem");
        let e = client_config(Some(&missing)).unwrap_err().to_string();
        assert!(
            e.starts_with("cannot use the certificates of SSL_CERT_FILE"),
            "{e}"
        );
        assert!(client_config(None).is_ok());
    }

    #[test]
    fn an_invalid_certificate_is_found_inside_an_io_error_and_nothing_else_is() {
        let bad = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, bad);
        assert!(untrusted(&io));
        let other = std::io::Error::new(std::io::ErrorKind::InvalidData, "certificate");
        assert!(!untrusted(&other));
        assert!(!untrusted(&rustls::Error::DecryptError));
        // Two io::Error layers, as hyper-rustls reports a refused certificate.
        let bad = rustls::Error::InvalidCertificate(rustls::CertificateError::Expired);
        let inner = std::io::Error::new(std::io::ErrorKind::InvalidData, bad);
        assert!(untrusted(&std::io::Error::other(inner)));
    }
}
