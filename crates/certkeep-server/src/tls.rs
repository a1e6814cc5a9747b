//! The server's TLS configuration: PEM files, or a self-signed certificate made once and kept
//! in the data directory (its key readable by the owner only).

use std::path::Path;
use std::sync::Arc;

use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};

use crate::settings::TlsMode;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{path}: {reason}")]
    File { path: String, reason: String },
    #[error("TLS: {0}")]
    Config(String),
}

fn file_error(path: &Path, reason: impl std::fmt::Display) -> TlsError {
    TlsError::File {
        path: path.display().to_string(),
        reason: reason.to_string(),
    }
}

/// The rustls configuration for `mode` (`None` for plain HTTP).
pub fn server_config(mode: &TlsMode) -> Result<Option<Arc<ServerConfig>>, TlsError> {
    let (cert, key) = match mode {
        TlsMode::Off => return Ok(None),
        TlsMode::Files { cert, key } => (cert.clone(), key.clone()),
        TlsMode::SelfSigned { dir } => self_signed(dir)?,
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&cert)
        .map_err(|e| file_error(&cert, e))?
        .collect::<Result<_, _>>()
        .map_err(|e| file_error(&cert, e))?;
    if chain.is_empty() {
        return Err(file_error(&cert, "no PEM certificate in the file"));
    }
    let key_der = PrivateKeyDer::from_pem_file(&key).map_err(|e| file_error(&key, e))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key_der)
        .map_err(|e| {
            TlsError::Config(format!("the certificate and key do not go together: {e}"))
        })?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Some(Arc::new(config)))
}

/// `server.crt` and `server.key` in `dir`, made on first use (CN and SAN `localhost`, the
/// loopback addresses and this host's name).
fn self_signed(dir: &Path) -> Result<(std::path::PathBuf, std::path::PathBuf), TlsError> {
    let cert = dir.join("server.crt");
    let key = dir.join("server.key");
    if cert.exists() && key.exists() {
        return Ok((cert, key));
    }
    std::fs::create_dir_all(dir).map_err(|e| file_error(dir, e))?;
    let mut names = vec!["localhost".to_string(), "127.0.0.1".into(), "::1".into()];
    if let Ok(host) = std::fs::read_to_string("/proc/sys/kernel/hostname") {
        let host = host.trim();
        if !host.is_empty() && !names.iter().any(|n| n == host) {
            names.push(host.to_string());
        }
    }
    let made = rcgen::generate_simple_self_signed(names)
        .map_err(|e| TlsError::Config(format!("making a self-signed certificate: {e}")))?;
    write_private(&key, made.signing_key.serialize_pem().as_bytes())?;
    std::fs::write(&cert, made.cert.pem()).map_err(|e| file_error(&cert, e))?;
    tracing::info!("made a self-signed TLS certificate: {}", cert.display());
    Ok((cert, key))
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), TlsError> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut f = options.open(path).map_err(|e| file_error(path, e))?;
    f.write_all(bytes).map_err(|e| file_error(path, e))
}
