//! Critical-flag honesty. Key Vault's policy has no critical flag, so whether the key usage
//! and EKU extensions come out critical is up to the issuer (Key Vault's own self-signed
//! certificates: KU critical, EKU not). This compares what was requested with what the issued
//! certificate carries, extension by extension and usage by usage, so nothing is claimed that
//! the certificate does not hold.

use serde::Serialize;

use crate::request::{Criticality, RequestSpec};
use crate::x509::CertificateFacts;

/// How one extension's critical flag came out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlagReport {
    /// `key_usage` or `eku`.
    pub extension: &'static str,
    pub requested_critical: bool,
    /// Whether the issued certificate has the extension at all.
    pub issued_present: bool,
    /// Whether the issued extension is critical (false when absent).
    pub issued_critical: bool,
    /// The extension is present (when usages were requested) with the requested criticality.
    pub honoured: bool,
    /// e.g. `EKU requested critical, issued non-critical`.
    pub message: String,
}

/// Whether one requested usage is in the issued certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UsagePresence {
    /// A Key Vault key usage name, or an EKU OID.
    pub usage: String,
    pub present: bool,
}

/// The whole comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CriticalityReport {
    /// One report for `key_usage`, then one for `eku`.
    pub flags: Vec<FlagReport>,
    /// Each requested key usage, in request order.
    pub key_usage: Vec<UsagePresence>,
    /// Each requested EKU, in request order.
    pub ekus: Vec<UsagePresence>,
    /// Key usages issued that were not requested.
    pub extra_key_usage: Vec<String>,
    /// EKUs issued that were not requested.
    pub extra_ekus: Vec<String>,
}

impl CriticalityReport {
    /// Every flag honoured and every requested usage present.
    pub fn all_honoured(&self) -> bool {
        self.flags.iter().all(|f| f.honoured)
            && self.key_usage.iter().all(|u| u.present)
            && self.ekus.iter().all(|u| u.present)
    }

    /// The messages of the flags that were not honoured and of the missing usages.
    pub fn problems(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .flags
            .iter()
            .filter(|f| !f.honoured)
            .map(|f| f.message.clone())
            .collect();
        for u in self.key_usage.iter().filter(|u| !u.present) {
            out.push(format!("key usage {} requested, not issued", u.usage));
        }
        for u in self.ekus.iter().filter(|u| !u.present) {
            out.push(format!("EKU {} requested, not issued", u.usage));
        }
        out
    }
}

fn crit(b: bool) -> &'static str {
    if b { "critical" } else { "non-critical" }
}

fn flag(
    extension: &'static str,
    label: &str,
    requested_usages: bool,
    requested_critical: bool,
    issued_present: bool,
    issued_critical: bool,
) -> FlagReport {
    let (honoured, message) = if !requested_usages {
        (true, format!("{label} not requested"))
    } else if !issued_present {
        (
            false,
            format!(
                "{label} requested {}, absent from the issued certificate",
                crit(requested_critical)
            ),
        )
    } else if requested_critical == issued_critical {
        (
            true,
            format!(
                "{label} requested {0}, issued {0}",
                crit(requested_critical)
            ),
        )
    } else {
        (
            false,
            format!(
                "{label} requested {}, issued {}",
                crit(requested_critical),
                crit(issued_critical)
            ),
        )
    };
    FlagReport {
        extension,
        requested_critical,
        issued_present,
        issued_critical,
        honoured,
        message,
    }
}

/// Compares requested key usages (Key Vault names, any case), EKUs (dotted OIDs) and their
/// requested criticality with the issued certificate.
pub fn check(
    key_usage: &[String],
    ekus: &[String],
    critical: Criticality,
    issued: &CertificateFacts,
) -> CriticalityReport {
    let has_ku = |u: &str| issued.key_usage.iter().any(|k| k.eq_ignore_ascii_case(u));
    let key_usage_presence: Vec<UsagePresence> = key_usage
        .iter()
        .map(|u| UsagePresence {
            usage: u.clone(),
            present: has_ku(u),
        })
        .collect();
    let eku_presence: Vec<UsagePresence> = ekus
        .iter()
        .map(|o| UsagePresence {
            usage: o.clone(),
            present: issued.ekus.iter().any(|i| i == o.trim()),
        })
        .collect();
    let extra_key_usage = issued
        .key_usage
        .iter()
        .filter(|k| !key_usage.iter().any(|u| u.eq_ignore_ascii_case(k)))
        .cloned()
        .collect();
    let extra_ekus = issued
        .ekus
        .iter()
        .filter(|i| !ekus.iter().any(|o| o.trim() == i.as_str()))
        .cloned()
        .collect();
    CriticalityReport {
        flags: vec![
            flag(
                "key_usage",
                "KU",
                !key_usage.is_empty(),
                critical.key_usage,
                !issued.key_usage.is_empty(),
                issued.key_usage_critical,
            ),
            flag(
                "eku",
                "EKU",
                !ekus.is_empty(),
                critical.eku,
                !issued.ekus.is_empty(),
                issued.eku_critical,
            ),
        ],
        key_usage: key_usage_presence,
        ekus: eku_presence,
        extra_key_usage,
        extra_ekus,
    }
}

/// `check` for a validated request.
pub fn check_spec(spec: &RequestSpec, issued: &CertificateFacts) -> CriticalityReport {
    check(&spec.key_usage, &spec.ekus, spec.critical, issued)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{
        CertificateParams, CustomExtension, ExtendedKeyUsagePurpose, KeyPair, KeyUsagePurpose,
    };

    const SERVER_AUTH: &str = "1.3.6.1.5.5.7.3.1";
    const CLIENT_AUTH: &str = "1.3.6.1.5.5.7.3.2";

    /// A certificate with digitalSignature (KU, critical as rcgen writes it) and serverAuth.
    fn issued(eku_critical: bool) -> CertificateFacts {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let mut params = CertificateParams::new(vec!["a.example".to_string()]).unwrap();
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        if eku_critical {
            let der = [
                0x30, 0x0a, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01,
            ];
            let mut ext = CustomExtension::from_oid_content(&[2, 5, 29, 37], der.to_vec());
            ext.set_criticality(true);
            params.custom_extensions = vec![ext];
        } else {
            params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        }
        crate::x509::inspect(params.self_signed(&key).unwrap().der()).unwrap()
    }

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn a_critical_eku_issued_non_critical_is_not_honoured() {
        let facts = issued(false);
        let r = check(
            &s(&["digitalSignature"]),
            &s(&[SERVER_AUTH]),
            Criticality {
                key_usage: true,
                eku: true,
            },
            &facts,
        );
        assert_eq!(r.flags[0].extension, "key_usage");
        assert!(r.flags[0].honoured, "{}", r.flags[0].message);
        let eku = &r.flags[1];
        assert_eq!(eku.extension, "eku");
        assert!(eku.requested_critical && eku.issued_present && !eku.issued_critical);
        assert!(!eku.honoured);
        assert_eq!(eku.message, "EKU requested critical, issued non-critical");
        assert!(!r.all_honoured());
        assert_eq!(
            r.problems(),
            vec!["EKU requested critical, issued non-critical"]
        );
    }

    #[test]
    fn matching_flags_are_honoured_and_missing_usages_reported() {
        let facts = issued(true);
        let r = check(
            &s(&["DigitalSignature", "keyEncipherment"]),
            &s(&[SERVER_AUTH, CLIENT_AUTH]),
            Criticality {
                key_usage: true,
                eku: true,
            },
            &facts,
        );
        assert!(r.flags.iter().all(|f| f.honoured), "{:?}", r.flags);
        assert_eq!(
            r.key_usage,
            vec![
                UsagePresence {
                    usage: "DigitalSignature".into(),
                    present: true
                },
                UsagePresence {
                    usage: "keyEncipherment".into(),
                    present: false
                },
            ]
        );
        assert!(r.ekus[0].present && !r.ekus[1].present);
        assert!(!r.all_honoured());
        assert_eq!(r.problems().len(), 2);

        // Requested non-critical, issued critical: also not honoured.
        let r = check(
            &s(&["digitalSignature"]),
            &s(&[SERVER_AUTH]),
            Criticality::default(),
            &facts,
        );
        assert!(!r.flags[0].honoured);
        assert_eq!(
            r.flags[0].message,
            "KU requested non-critical, issued critical"
        );
        assert!(!r.flags[1].honoured);
        assert!(r.extra_ekus.is_empty() && r.extra_key_usage.is_empty());
    }

    #[test]
    fn absent_extensions_and_extra_usages() {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let params = CertificateParams::new(vec!["a.example".to_string()]).unwrap();
        let bare = crate::x509::inspect(params.self_signed(&key).unwrap().der()).unwrap();
        let r = check(
            &s(&["digitalSignature"]),
            &s(&[SERVER_AUTH]),
            Criticality::default(),
            &bare,
        );
        assert!(!r.flags[0].honoured && !r.flags[0].issued_present);
        assert_eq!(
            r.flags[1].message,
            "EKU requested non-critical, absent from the issued certificate"
        );
        let r = check(&[], &[], Criticality::default(), &issued(false));
        assert!(r.flags.iter().all(|f| f.honoured));
        assert_eq!(r.extra_key_usage, vec!["digitalSignature"]);
        assert_eq!(r.extra_ekus, vec![SERVER_AUTH]);
    }
}
