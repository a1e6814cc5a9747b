//! The emulator's TLS: its own CA (kept in the data directory so trust survives restarts)
//! and a server certificate for `127.0.0.1`, `localhost`, `login.localhost`,
//! `management.localhost`, `vault.localhost` and `*.vault.localhost`.

use std::path::Path;
use std::sync::Arc;

use rcgen::{CertificateParams, DnType, KeyPair, SanType};

use crate::error::EmulatorError;
use crate::pki::Authority;

pub const CA_FILE: &str = "ca.pem";
const CA_KEY_FILE: &str = "ca-key.pem";

/// Loads the CA from `data_dir`, or makes one and saves it (key file mode 0600).
pub fn load_or_create_ca(data_dir: &Path, now: i64) -> Result<Authority, EmulatorError> {
    let cert_path = data_dir.join(CA_FILE);
    let key_path = data_dir.join(CA_KEY_FILE);
    if cert_path.exists() && key_path.exists() {
        let cert = std::fs::read_to_string(&cert_path)?;
        let key = std::fs::read_to_string(&key_path)?;
        if let Ok(ca) = Authority::load(&cert, &key) {
            return Ok(ca);
        }
    }
    std::fs::create_dir_all(data_dir)?;
    let ca = Authority::generate("Certkeep Emulator Root CA", "Certkeep Emulator", now)?;
    write_private(&key_path, ca.key_pem.as_bytes())?;
    std::fs::write(&cert_path, ca.cert_pem.as_bytes())?;
    Ok(ca)
}

fn write_private(path: &Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o600);
    }
    opts.open(path)?.write_all(data)
}

/// A rustls server configuration with a fresh leaf certificate signed by `ca` (h2 and HTTP/1.1).
pub fn server_config(ca: &Authority, now: i64) -> Result<Arc<rustls::ServerConfig>, EmulatorError> {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
        .map_err(crate::error::PkiError::from)?;
    let mut params = CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::CommonName, "Certkeep Emulator");
    let names = [
        "localhost",
        "login.localhost",
        "management.localhost",
        "vault.localhost",
        "*.vault.localhost",
    ];
    for n in names {
        let dns = rcgen::string::Ia5String::try_from(n.to_string())
            .map_err(|e| EmulatorError::Tls(e.to_string()))?;
        params.subject_alt_names.push(SanType::DnsName(dns));
    }
    params.subject_alt_names.push(SanType::IpAddress(
        "127.0.0.1"
            .parse()
            .map_err(|_| EmulatorError::Tls("ip".into()))?,
    ));
    params.subject_alt_names.push(SanType::IpAddress(
        "::1".parse().map_err(|_| EmulatorError::Tls("ip".into()))?,
    ));
    params.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    params.is_ca = rcgen::IsCa::ExplicitNoCa;
    params.not_before = time::OffsetDateTime::from_unix_timestamp(now - 3600)
        .map_err(|e| EmulatorError::Tls(e.to_string()))?;
    params.not_after = time::OffsetDateTime::from_unix_timestamp(now + 397 * 86_400)
        .map_err(|e| EmulatorError::Tls(e.to_string()))?;
    let leaf = ca.sign(&params, &key)?;

    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let chain = vec![
        rustls::pki_types::CertificateDer::from(leaf),
        rustls::pki_types::CertificateDer::from(ca.cert_der.clone()),
    ];
    let private = rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| EmulatorError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, private)
        .map_err(|e| EmulatorError::Tls(e.to_string()))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
