use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine as _;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use secrecy::ExposeSecret as _;

use super::*;
use crate::pem::encode_block;
use crate::pfx::{read_pfx, write_pfx};

const PASSWORD: &str = "s3cret-Upload!";

struct Pki {
    root: Vec<u8>,
    intermediate: Vec<u8>,
    leaf: Vec<u8>,
    leaf_key: KeyPair,
}

fn ca_params(cn: &str) -> CertificateParams {
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.distinguished_name.push(DnType::CommonName, cn);
    p
}

fn pki(alg: &'static rcgen::SignatureAlgorithm) -> Pki {
    let root_key = KeyPair::generate_for(alg).unwrap();
    let root_params = ca_params("Test Root");
    let root = root_params.self_signed(&root_key).unwrap();
    let root_issuer = Issuer::new(root_params, &root_key);
    let int_key = KeyPair::generate_for(alg).unwrap();
    let int_params = ca_params("Test Intermediate");
    let intermediate = int_params.signed_by(&int_key, &root_issuer).unwrap();
    let int_issuer = Issuer::new(int_params, &int_key);
    let leaf_key = KeyPair::generate_for(alg).unwrap();
    let mut leaf_params = CertificateParams::new(vec!["www.contoso.com".to_string()]).unwrap();
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, "www.contoso.com");
    let leaf = leaf_params.signed_by(&leaf_key, &int_issuer).unwrap();
    Pki {
        root: root.der().to_vec(),
        intermediate: intermediate.der().to_vec(),
        leaf: leaf.der().to_vec(),
        leaf_key,
    }
}

fn rsa_pki() -> Pki {
    pki(&rcgen::PKCS_RSA_SHA256)
}

impl Pki {
    fn scrambled(&self) -> Vec<Vec<u8>> {
        vec![
            self.root.clone(),
            self.leaf.clone(),
            self.intermediate.clone(),
        ]
    }
    fn ordered(&self) -> Vec<Vec<u8>> {
        vec![
            self.leaf.clone(),
            self.intermediate.clone(),
            self.root.clone(),
        ]
    }
    fn pem_text(&self, key_label: &str, key_der: &[u8], certs: &[Vec<u8>]) -> String {
        let mut text = String::new();
        for c in certs {
            text.push_str(&encode_block("CERTIFICATE", c));
        }
        text.push_str(&encode_block(key_label, key_der));
        text
    }
}

fn temp(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::SeqCst);
    std::env::temp_dir().join(format!(
        "certkeep-core-tls-{}-{n}-{name}",
        std::process::id()
    ))
}

fn openssl(args: &[&str]) -> Vec<u8> {
    let out = Command::new("openssl").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// A PFX written by openssl from PEM key and certificates, with extra `pkcs12 -export` flags.
fn openssl_pfx(key_pem: Option<&str>, certs: &[Vec<u8>], flags: &[&str]) -> Vec<u8> {
    let certs_path = temp("certs.pem");
    let text: String = certs
        .iter()
        .map(|c| encode_block("CERTIFICATE", c))
        .collect();
    std::fs::write(&certs_path, text).unwrap();
    let out = temp("out.p12");
    let mut args = vec![
        "pkcs12".to_string(),
        "-export".into(),
        "-in".into(),
        certs_path.display().to_string(),
        "-out".into(),
        out.display().to_string(),
        "-passout".into(),
        format!("pass:{PASSWORD}"),
    ];
    let key_path = temp("key.pem");
    match key_pem {
        Some(k) => {
            std::fs::write(&key_path, k).unwrap();
            args.extend(["-inkey".into(), key_path.display().to_string()]);
        }
        None => args.push("-nokeys".into()),
    }
    args.extend(flags.iter().map(|f| f.to_string()));
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    openssl(&argv);
    let bytes = std::fs::read(&out).unwrap();
    for p in [certs_path, out, key_path] {
        let _ = std::fs::remove_file(p);
    }
    bytes
}

fn pfx_value(s: &PreparedSecret) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(s.value.expose_secret())
        .unwrap()
}

#[test]
fn pfx_is_reencoded_with_an_empty_password_and_the_chain_leaf_first() {
    let p = rsa_pki();
    let upload = write_pfx(p.leaf_key.serialized_der(), &p.scrambled(), PASSWORD).unwrap();
    let s = prepare_pfx(&upload, PASSWORD).unwrap();
    assert_eq!(s.content_type, "application/x-pkcs12");
    assert_eq!(s.chain, p.ordered());
    assert_eq!(s.leaf.subject, "CN=www.contoso.com");
    assert_eq!(s.not_after, s.leaf.not_after);
    assert_eq!(default_expiration(&s.leaf), s.leaf.not_after);
    assert_eq!(s.ignored_certificates, 0);

    let back = read_pfx(&pfx_value(&s), "").unwrap();
    assert_eq!(back.chain, p.ordered());
    assert_eq!(back.key_pkcs8.as_deref(), Some(p.leaf_key.serialized_der()));

    // openssl reads it with an empty password too.
    let path = temp("prepared.p12");
    std::fs::write(&path, pfx_value(&s)).unwrap();
    let path_s = path.display().to_string();
    let certs = openssl(&["pkcs12", "-in", &path_s, "-passin", "pass:", "-nokeys"]);
    let certs = String::from_utf8_lossy(&certs);
    assert_eq!(certs.matches("BEGIN CERTIFICATE").count(), 3);
    let _ = std::fs::remove_file(path);
}

#[test]
fn legacy_and_modern_pfx_files_open_and_wrong_passwords_are_told_apart() {
    let p = pki(&rcgen::PKCS_ECDSA_P256_SHA256);
    let key_pem = encode_block("PRIVATE KEY", p.leaf_key.serialized_der());
    let files = [
        (
            "write_pfx AES",
            write_pfx(p.leaf_key.serialized_der(), &p.scrambled(), PASSWORD).unwrap(),
        ),
        (
            "openssl default AES-256",
            openssl_pfx(Some(&key_pem), &p.scrambled(), &[]),
        ),
        (
            "openssl 3DES",
            openssl_pfx(
                Some(&key_pem),
                &p.scrambled(),
                &[
                    "-certpbe",
                    "PBE-SHA1-3DES",
                    "-keypbe",
                    "PBE-SHA1-3DES",
                    "-macalg",
                    "sha1",
                ],
            ),
        ),
        (
            "openssl legacy RC2",
            openssl_pfx(Some(&key_pem), &p.scrambled(), &["-legacy"]),
        ),
    ];
    for (what, file) in &files {
        let s = prepare_pfx(file, PASSWORD).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(s.chain, p.ordered(), "{what}");
        assert_eq!(s.leaf.key.curve.as_deref(), Some("P-256"), "{what}");
        assert_eq!(
            prepare_pfx(file, "wrong").unwrap_err(),
            UploadError::WrongPassword,
            "{what}"
        );
        assert_eq!(
            prepare_pfx(file, "").unwrap_err(),
            UploadError::WrongPassword,
            "{what}"
        );
        let truncated = &file[..file.len() / 2];
        assert!(
            matches!(
                prepare_pfx(truncated, PASSWORD),
                Err(UploadError::Corrupt(_))
            ),
            "{what}"
        );
    }
    assert!(matches!(
        prepare_pfx(b"not a pfx", PASSWORD),
        Err(UploadError::Corrupt(_))
    ));
    assert!(matches!(
        prepare_pfx(b"", PASSWORD),
        Err(UploadError::Corrupt(_))
    ));
}

#[test]
fn pfx_refusals() {
    let p = rsa_pki();
    let certs_only = openssl_pfx(None, &p.scrambled(), &[]);
    assert_eq!(
        prepare_pfx(&certs_only, PASSWORD).unwrap_err(),
        UploadError::NoPrivateKey
    );

    let key_pem = encode_block("PRIVATE KEY", p.leaf_key.serialized_der());
    let key_only = openssl_pfx(Some(&key_pem), &[], &["-nocerts"]);
    assert_eq!(
        prepare_pfx(&key_only, PASSWORD).unwrap_err(),
        UploadError::NoCertificate
    );

    let other = KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
    let mismatch = write_pfx(other.serialized_der(), &p.ordered(), PASSWORD).unwrap();
    assert_eq!(
        prepare_pfx(&mismatch, PASSWORD).unwrap_err(),
        UploadError::KeyMismatch
    );
}

#[test]
fn pem_uploads_in_every_key_encoding() {
    let rsa = rsa_pki();
    let ec = pki(&rcgen::PKCS_ECDSA_P384_SHA384);
    let pkcs8_pem = |p: &Pki| encode_block("PRIVATE KEY", p.leaf_key.serialized_der());
    // openssl writes the traditional encodings: PKCS#1 for RSA, SEC 1 for EC.
    let traditional = |p: &Pki| {
        let path = temp("k8.pem");
        std::fs::write(&path, pkcs8_pem(p)).unwrap();
        let path_s = path.display().to_string();
        let out = openssl(&["pkey", "-in", &path_s, "-traditional"]);
        let _ = std::fs::remove_file(path);
        String::from_utf8(out).unwrap()
    };
    let rsa_trad = traditional(&rsa);
    let ec_trad = traditional(&ec);
    assert!(rsa_trad.contains("BEGIN RSA PRIVATE KEY"));
    assert!(ec_trad.contains("BEGIN EC PRIVATE KEY"));
    let certs_pem = |p: &Pki| -> String {
        p.scrambled()
            .iter()
            .map(|c| encode_block("CERTIFICATE", c))
            .collect()
    };
    for (p, key_text) in [
        (&rsa, pkcs8_pem(&rsa)),
        (&rsa, rsa_trad.clone()),
        (&ec, pkcs8_pem(&ec)),
        (&ec, ec_trad.clone()),
    ] {
        let s = prepare_pem(&format!("{}{key_text}", certs_pem(p))).unwrap();
        assert_eq!(s.content_type, "application/x-pem-file");
        assert_eq!(s.chain, p.ordered());
        let text = s.value.expose_secret();
        let bundle = crate::pem::parse_bundle(text).unwrap();
        let (label, key) = bundle.private_key.unwrap();
        assert_eq!(label, "PRIVATE KEY");
        assert!(text.starts_with("-----BEGIN PRIVATE KEY-----"));
        assert_eq!(bundle.certificates, p.ordered());
        // The normalised key still belongs to the leaf.
        let pfx = write_pfx(&key, &bundle.certificates, "").unwrap();
        assert_eq!(prepare_pfx(&pfx, "").unwrap().chain, p.ordered());
    }
}

#[test]
fn pem_refusals() {
    let p = rsa_pki();
    let key = p.leaf_key.serialized_der();
    let other = KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
    let no_key: String = p
        .ordered()
        .iter()
        .map(|c| encode_block("CERTIFICATE", c))
        .collect();
    assert_eq!(prepare_pem(&no_key).unwrap_err(), UploadError::NoPrivateKey);
    assert_eq!(
        prepare_pem(&encode_block("PRIVATE KEY", key)).unwrap_err(),
        UploadError::NoCertificate
    );
    assert_eq!(
        prepare_pem(&p.pem_text("PRIVATE KEY", other.serialized_der(), &p.ordered())).unwrap_err(),
        UploadError::KeyMismatch
    );
    let two_keys = format!(
        "{}{}",
        p.pem_text("PRIVATE KEY", key, &p.ordered()),
        encode_block("PRIVATE KEY", other.serialized_der())
    );
    assert_eq!(
        prepare_pem(&two_keys).unwrap_err(),
        UploadError::MultipleKeys
    );
    assert!(matches!(prepare_pem("hello"), Err(UploadError::Corrupt(_))));
    assert!(matches!(
        prepare_pem(&p.pem_text("PRIVATE KEY", b"junk", &p.ordered())),
        Err(UploadError::UnsupportedKey(_))
    ));
    assert!(matches!(
        prepare_pem(&p.pem_text("PRIVATE KEY", key, &[b"junk".to_vec()])),
        Err(UploadError::Corrupt(_))
    ));
}

#[test]
fn unrelated_and_duplicate_certificates_are_left_out() {
    let p = rsa_pki();
    let stranger = rsa_pki();
    let certs = vec![
        stranger.leaf.clone(),
        p.intermediate.clone(),
        p.leaf.clone(),
        p.leaf.clone(),
        p.root.clone(),
    ];
    let s = prepare_pem(&p.pem_text("PRIVATE KEY", p.leaf_key.serialized_der(), &certs)).unwrap();
    assert_eq!(s.chain, p.ordered());
    assert_eq!(s.ignored_certificates, 1);
    // A chain without its root is fine: it stops at the last issuer present.
    let partial = vec![p.intermediate.clone(), p.leaf.clone()];
    let s = prepare_pem(&p.pem_text("PRIVATE KEY", p.leaf_key.serialized_der(), &partial)).unwrap();
    assert_eq!(s.chain, vec![p.leaf.clone(), p.intermediate.clone()]);
}

#[test]
fn the_password_never_shows() {
    let p = rsa_pki();
    let upload = write_pfx(p.leaf_key.serialized_der(), &p.ordered(), PASSWORD).unwrap();
    let s = prepare_pfx(&upload, PASSWORD).unwrap();
    let debug = format!("{s:?}");
    assert!(!debug.contains(PASSWORD));
    assert!(!debug.contains(&s.value.expose_secret()[..20]));
    let e = prepare_pfx(&upload, "hunter2-wrong").unwrap_err();
    assert!(!format!("{e} {e:?}").contains("hunter2"));
}

#[test]
fn activation_must_not_follow_expiration() {
    assert!(check_activation(Some(10), Some(20)).is_ok());
    assert!(check_activation(Some(20), Some(20)).is_ok());
    assert!(check_activation(None, Some(20)).is_ok());
    assert!(check_activation(Some(20), None).is_ok());
    let e = check_activation(Some(1_800_000_000), Some(1_700_000_000)).unwrap_err();
    assert_eq!(e.field, "activation");
    assert!(e.reason.contains("2027-01-15"), "{}", e.reason);
}
