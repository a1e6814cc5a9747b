//! Policy lint: findings about one certificate (its X.509 facts and what Key Vault says of it)
//! and about the inventory as a whole (the same certificate under several names, TLS secrets
//! linked to no certificate). Each rule has a stable id, a severity, an explanation and a fix.
//! A rule that needs a fact Certkeep does not have (a policy not read, a vault's contacts not
//! read) stays quiet rather than guess.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::x509::CertificateFacts;

const DAY: i64 = 86_400;

/// The CA/Browser Forum's limit for publicly trusted TLS certificates (since 2020-09-01).
pub const PUBLIC_MAX_VALIDITY_DAYS: i64 = 398;

/// The providers of Key Vault's integrated CAs, whose certificates are publicly trusted.
pub const PUBLIC_PROVIDERS: [&str; 2] = ["DigiCert", "GlobalSign"];

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    High,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::High => "high",
        }
    }
}

/// Every rule, in the order findings are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Rule {
    WeakKey,
    Sha1Signature,
    LongValidityPublic,
    AutoRenewUnknownIssuer,
    EmailWithoutContacts,
    NoLifetimeAction,
    CnNotInSan,
    Wildcard,
    DuplicateThumbprint,
    UnlinkedTlsSecret,
    CriticalityNotHonoured,
    DisabledCurrentVersion,
}

impl Rule {
    pub const ALL: [Rule; 12] = [
        Rule::WeakKey,
        Rule::Sha1Signature,
        Rule::LongValidityPublic,
        Rule::AutoRenewUnknownIssuer,
        Rule::EmailWithoutContacts,
        Rule::NoLifetimeAction,
        Rule::CnNotInSan,
        Rule::Wildcard,
        Rule::DuplicateThumbprint,
        Rule::UnlinkedTlsSecret,
        Rule::CriticalityNotHonoured,
        Rule::DisabledCurrentVersion,
    ];

    /// The stable id (for `--output json`, the API and the metric's label).
    pub fn id(self) -> &'static str {
        match self {
            Self::WeakKey => "weak-key",
            Self::Sha1Signature => "sha1-signature",
            Self::LongValidityPublic => "long-validity-public",
            Self::AutoRenewUnknownIssuer => "autorenew-unknown-issuer",
            Self::EmailWithoutContacts => "email-without-contacts",
            Self::NoLifetimeAction => "no-lifetime-action",
            Self::CnNotInSan => "cn-not-in-san",
            Self::Wildcard => "wildcard",
            Self::DuplicateThumbprint => "duplicate-thumbprint",
            Self::UnlinkedTlsSecret => "unlinked-tls-secret",
            Self::CriticalityNotHonoured => "criticality-not-honoured",
            Self::DisabledCurrentVersion => "disabled-current-version",
        }
    }

    pub fn severity(self) -> Severity {
        match self {
            Self::WeakKey | Self::Sha1Signature | Self::AutoRenewUnknownIssuer => Severity::High,
            Self::LongValidityPublic
            | Self::EmailWithoutContacts
            | Self::NoLifetimeAction
            | Self::CnNotInSan
            | Self::CriticalityNotHonoured
            | Self::DisabledCurrentVersion => Severity::Warning,
            Self::Wildcard | Self::DuplicateThumbprint | Self::UnlinkedTlsSecret => Severity::Info,
        }
    }

    /// Why it matters.
    pub fn explanation(self) -> &'static str {
        match self {
            Self::WeakKey => {
                "RSA keys under 2048 bits and EC keys under P-256 can be broken or are refused by browsers and Key Vault policies."
            }
            Self::Sha1Signature => {
                "SHA-1 signatures are forgeable (chosen-prefix collisions) and refused by current TLS clients."
            }
            Self::LongValidityPublic => {
                "Publicly trusted TLS certificates may be valid for at most 398 days; clients refuse longer ones."
            }
            Self::AutoRenewUnknownIssuer => {
                "Key Vault cannot renew a certificate of an Unknown (imported or external) issuer: an AutoRenew action never happens, and the certificate expires while it looks handled."
            }
            Self::EmailWithoutContacts => {
                "An EmailContacts lifetime action mails the vault's certificate contacts; the vault has none, so nobody is told."
            }
            Self::NoLifetimeAction => {
                "Without a lifetime action Key Vault neither renews the certificate nor warns anyone before it expires."
            }
            Self::CnNotInSan => {
                "Clients match host names against the SANs only; a CN that is not also a SAN is ignored."
            }
            Self::Wildcard => {
                "A wildcard certificate's key serves every host of the domain: one leak exposes them all."
            }
            Self::DuplicateThumbprint => {
                "The same certificate (and key) is stored under several names or vaults: renewing one leaves the others to expire, and the key is spread."
            }
            Self::UnlinkedTlsSecret => {
                "A TLS secret that backs no Key Vault certificate is renewed by nobody: Key Vault does not know it is a certificate."
            }
            Self::CriticalityNotHonoured => {
                "The issued certificate's key usage or EKU criticality is not what was requested."
            }
            Self::DisabledCurrentVersion => {
                "The current version is disabled: whoever reads the certificate's latest version gets an error."
            }
        }
    }

    /// What to do about it.
    pub fn fix(self) -> &'static str {
        match self {
            Self::WeakKey => {
                "Renew with an RSA key of 2048 bits or more, or an EC key on P-256 or larger."
            }
            Self::Sha1Signature => {
                "Renew: Key Vault and its integrated CAs sign with SHA-256 or stronger."
            }
            Self::LongValidityPublic => "Set the policy's validity to 12 months or less and renew.",
            Self::AutoRenewUnknownIssuer => {
                "Change the lifetime action to EmailContacts, or request the certificate from an issuer Key Vault can renew."
            }
            Self::EmailWithoutContacts => {
                "Add certificate contacts to the vault, or change the action to AutoRenew where the issuer allows it."
            }
            Self::NoLifetimeAction => {
                "Add an AutoRenew (or EmailContacts) action to the certificate's policy."
            }
            Self::CnNotInSan => "Request the certificate again with the CN among the DNS names.",
            Self::Wildcard => "Prefer certificates for the host names actually served.",
            Self::DuplicateThumbprint => {
                "Keep one certificate and point its users at it, or give each its own key."
            }
            Self::UnlinkedTlsSecret => {
                "Import the certificate into Key Vault as a certificate (with its key), or track its renewal elsewhere."
            }
            Self::CriticalityNotHonoured => {
                "Ask the issuer for the requested criticality, or accept what it issues and change the request."
            }
            Self::DisabledCurrentVersion => "Enable the version, or create a new one.",
        }
    }
}

/// One finding about one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: Rule,
    /// What was found, about this item.
    pub detail: String,
}

impl Finding {
    fn new(rule: Rule, detail: impl Into<String>) -> Self {
        Self {
            rule,
            detail: detail.into(),
        }
    }
}

/// A lifetime action of a certificate policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LifetimeAction {
    AutoRenew,
    EmailContacts,
}

/// What Key Vault says of a certificate, as far as Certkeep read it.
#[derive(Debug, Clone, Default)]
pub struct CertificateContext<'a> {
    /// The policy's issuer name (`Self`, `Unknown`, or an issuer object's name); `None`: no
    /// policy issuer (a certificate read from a TLS secret).
    pub policy_issuer: Option<&'a str>,
    /// The provider of that issuer object (`DigiCert`, `GlobalSign`, …), when it is one.
    pub issuer_provider: Option<&'a str>,
    /// The policy's lifetime actions; `None` when the policy was not read.
    pub lifetime_actions: Option<&'a [LifetimeAction]>,
    /// Whether the vault has certificate contacts; `None` when not read.
    pub vault_has_contacts: Option<bool>,
    /// Whether the current version is enabled.
    pub enabled: bool,
    /// What the request that made this version asked for and did not get
    /// ([`crate::criticality::CriticalityReport::problems`], as stored with the request); empty when Certkeep did
    /// not request it or everything was honoured.
    pub criticality_problems: &'a [String],
}

fn common_name(subject: &str) -> Option<&str> {
    subject
        .split(", ")
        .find_map(|rdn| rdn.strip_prefix("CN="))
        .map(str::trim)
}

/// The findings about one certificate (the cross-inventory rules aside).
pub fn lint_certificate(facts: &CertificateFacts, ctx: &CertificateContext<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let key = &facts.key;
    let weak = match key.kty.as_str() {
        "RSA" => key.size < 2048,
        "EC" => key.size < 256,
        _ => false,
    };
    if weak {
        let curve = key
            .curve
            .as_deref()
            .map(|c| format!(" ({c})"))
            .unwrap_or_default();
        out.push(Finding::new(
            Rule::WeakKey,
            format!("{} {} bits{curve}", key.kty, key.size),
        ));
    }
    if facts
        .signature_algorithm
        .to_ascii_lowercase()
        .contains("sha1")
    {
        out.push(Finding::new(
            Rule::Sha1Signature,
            facts.signature_algorithm.clone(),
        ));
    }
    let days = (facts.not_after - facts.not_before) / DAY;
    let public = ctx
        .issuer_provider
        .is_some_and(|p| PUBLIC_PROVIDERS.iter().any(|q| q.eq_ignore_ascii_case(p)));
    if public && days > PUBLIC_MAX_VALIDITY_DAYS {
        out.push(Finding::new(
            Rule::LongValidityPublic,
            format!("valid for {days} days from a publicly trusted issuer"),
        ));
    }
    if let Some(actions) = ctx.lifetime_actions {
        let unknown = ctx
            .policy_issuer
            .is_some_and(|i| i.eq_ignore_ascii_case("unknown"));
        if unknown && actions.contains(&LifetimeAction::AutoRenew) {
            out.push(Finding::new(
                Rule::AutoRenewUnknownIssuer,
                "AutoRenew on a certificate of the Unknown issuer",
            ));
        }
        if actions.contains(&LifetimeAction::EmailContacts) && ctx.vault_has_contacts == Some(false)
        {
            out.push(Finding::new(
                Rule::EmailWithoutContacts,
                "EmailContacts, and the vault has no certificate contacts",
            ));
        }
        if actions.is_empty() {
            out.push(Finding::new(
                Rule::NoLifetimeAction,
                "the policy has no lifetime action",
            ));
        }
    }
    let dns = &facts.sans.dns_names;
    if let Some(cn) = common_name(&facts.subject)
        && !cn.is_empty()
        && !dns.iter().any(|d| d.eq_ignore_ascii_case(cn))
        && !facts.sans.ip_addresses.iter().any(|ip| ip == cn)
    {
        out.push(Finding::new(
            Rule::CnNotInSan,
            format!("CN {cn} is not a SAN"),
        ));
    }
    let wildcards: Vec<&str> = dns
        .iter()
        .map(String::as_str)
        .chain(common_name(&facts.subject))
        .filter(|n| n.starts_with("*."))
        .collect();
    if let Some(first) = wildcards.first() {
        out.push(Finding::new(Rule::Wildcard, first.to_string()));
    }
    if !ctx.criticality_problems.is_empty() {
        out.push(Finding::new(
            Rule::CriticalityNotHonoured,
            ctx.criticality_problems.join("; "),
        ));
    }
    if !ctx.enabled {
        out.push(Finding::new(
            Rule::DisabledCurrentVersion,
            "the current version is disabled",
        ));
    }
    out
}

/// The items (by index) whose SHA-256 is shared with another item, with a detail naming the
/// others. `items` are (where, SHA-256): where is for example `credential/vault/name`.
pub fn duplicate_thumbprints(items: &[(String, String)]) -> Vec<(usize, Finding)> {
    let mut by_digest: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, (_, sha256)) in items.iter().enumerate() {
        by_digest.entry(sha256.as_str()).or_default().push(i);
    }
    let mut out = Vec::new();
    for group in by_digest.values().filter(|g| g.len() > 1) {
        for &i in group {
            let others: Vec<&str> = group
                .iter()
                .filter(|&&j| j != i)
                .map(|&j| items[j].0.as_str())
                .collect();
            out.push((
                i,
                Finding::new(
                    Rule::DuplicateThumbprint,
                    format!("also stored as {}", others.join(", ")),
                ),
            ));
        }
    }
    out.sort_by_key(|(i, _)| *i);
    out
}

/// A TLS secret that no Key Vault certificate is linked to (its certificate, if read, was
/// found in no certificate of the inventory).
pub fn unlinked_tls_secret(linked_to_certificate: bool) -> Option<Finding> {
    (!linked_to_certificate).then(|| {
        Finding::new(
            Rule::UnlinkedTlsSecret,
            "no Key Vault certificate holds this secret's certificate",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::x509::{KeyInfo, SubjectAltNames};

    fn clean() -> CertificateFacts {
        CertificateFacts {
            subject: "CN=www.example.com, O=Contoso".into(),
            issuer: "CN=Contoso CA".into(),
            serial_hex: "01".into(),
            sans: SubjectAltNames {
                dns_names: vec!["www.example.com".into(), "example.com".into()],
                ..Default::default()
            },
            key_usage: vec!["digitalSignature".into()],
            key_usage_critical: true,
            ekus: vec!["1.3.6.1.5.5.7.3.1".into()],
            eku_critical: false,
            key: KeyInfo {
                kty: "RSA".into(),
                size: 2048,
                curve: None,
            },
            signature_algorithm: "sha256WithRSAEncryption".into(),
            not_before: 0,
            not_after: 365 * DAY,
            is_ca: Some(false),
            subject_key_id: None,
            authority_key_id: None,
            sha1_hex: "aa".into(),
            sha256_hex: "bb".into(),
            self_issued: false,
        }
    }

    const RENEWS: [LifetimeAction; 1] = [LifetimeAction::AutoRenew];

    fn context() -> CertificateContext<'static> {
        CertificateContext {
            policy_issuer: Some("DigiCertIssuer"),
            issuer_provider: Some("DigiCert"),
            lifetime_actions: Some(&RENEWS),
            vault_has_contacts: Some(true),
            enabled: true,
            criticality_problems: &[],
        }
    }

    fn rules(facts: &CertificateFacts, ctx: &CertificateContext<'_>) -> Vec<Rule> {
        lint_certificate(facts, ctx)
            .into_iter()
            .map(|f| f.rule)
            .collect()
    }

    #[test]
    fn a_clean_certificate_has_no_finding() {
        assert_eq!(rules(&clean(), &context()), []);
    }

    #[test]
    fn each_certificate_rule_fires_alone() {
        let mut weak_rsa = clean();
        weak_rsa.key.size = 1024;
        assert_eq!(rules(&weak_rsa, &context()), [Rule::WeakKey]);
        let mut weak_ec = clean();
        weak_ec.key = KeyInfo {
            kty: "EC".into(),
            size: 224,
            curve: Some("P-224".into()),
        };
        assert_eq!(rules(&weak_ec, &context()), [Rule::WeakKey]);
        let mut ec = clean();
        ec.key = KeyInfo {
            kty: "EC".into(),
            size: 256,
            curve: Some("P-256".into()),
        };
        assert_eq!(rules(&ec, &context()), [], "P-256 is enough");

        let mut sha1 = clean();
        sha1.signature_algorithm = "sha1WithRSAEncryption".into();
        assert_eq!(rules(&sha1, &context()), [Rule::Sha1Signature]);

        let mut long = clean();
        long.not_after = 399 * DAY;
        assert_eq!(rules(&long, &context()), [Rule::LongValidityPublic]);
        let private = CertificateContext {
            policy_issuer: Some("Self"),
            issuer_provider: None,
            ..context()
        };
        assert_eq!(rules(&long, &private), [], "only publicly trusted issuers");

        let unknown = CertificateContext {
            policy_issuer: Some("Unknown"),
            issuer_provider: None,
            ..context()
        };
        assert_eq!(rules(&clean(), &unknown), [Rule::AutoRenewUnknownIssuer]);

        let email = [LifetimeAction::EmailContacts];
        let nobody = CertificateContext {
            lifetime_actions: Some(&email),
            vault_has_contacts: Some(false),
            ..context()
        };
        assert_eq!(rules(&clean(), &nobody), [Rule::EmailWithoutContacts]);
        let unread = CertificateContext {
            vault_has_contacts: None,
            ..nobody.clone()
        };
        assert_eq!(rules(&clean(), &unread), [], "contacts not read: quiet");

        let none = CertificateContext {
            lifetime_actions: Some(&[]),
            ..context()
        };
        assert_eq!(rules(&clean(), &none), [Rule::NoLifetimeAction]);
        let no_policy = CertificateContext {
            lifetime_actions: None,
            ..context()
        };
        assert_eq!(rules(&clean(), &no_policy), [], "policy not read: quiet");

        let mut cn = clean();
        cn.subject = "CN=api.example.com".into();
        assert_eq!(rules(&cn, &context()), [Rule::CnNotInSan]);
        let mut cn_case = clean();
        cn_case.subject = "CN=WWW.Example.com".into();
        assert_eq!(
            rules(&cn_case, &context()),
            [],
            "DNS names are case-insensitive"
        );

        let mut wild = clean();
        wild.sans.dns_names.push("*.example.com".into());
        assert_eq!(rules(&wild, &context()), [Rule::Wildcard]);

        let disabled = CertificateContext {
            enabled: false,
            ..context()
        };
        assert_eq!(rules(&clean(), &disabled), [Rule::DisabledCurrentVersion]);
    }

    #[test]
    fn criticality_not_honoured_names_the_problem() {
        let facts = clean();
        let critical = crate::request::Criticality {
            key_usage: true,
            eku: true,
        };
        let problems =
            crate::criticality::check(&facts.key_usage, &facts.ekus, critical, &facts).problems();
        assert!(!problems.is_empty(), "EKU issued non-critical");
        let ctx = CertificateContext {
            criticality_problems: &problems,
            ..context()
        };
        let found = lint_certificate(&facts, &ctx);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].rule, Rule::CriticalityNotHonoured);
        assert!(found[0].detail.contains("EKU"), "{}", found[0].detail);
    }

    #[test]
    fn shared_thumbprints_name_the_other_places() {
        let items = vec![
            ("prod/kv-a/web".to_string(), "11".to_string()),
            ("prod/kv-b/web-copy".to_string(), "11".to_string()),
            ("prod/kv-a/api".to_string(), "22".to_string()),
        ];
        let found = duplicate_thumbprints(&items);
        let at: Vec<usize> = found.iter().map(|(i, _)| *i).collect();
        assert_eq!(at, [0, 1]);
        assert!(found[0].1.detail.contains("prod/kv-b/web-copy"));
        assert!(unlinked_tls_secret(false).is_some());
        assert!(unlinked_tls_secret(true).is_none());
    }

    #[test]
    fn every_rule_has_an_id_an_explanation_and_a_fix() {
        let mut ids: Vec<&str> = Rule::ALL.iter().map(|r| r.id()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), Rule::ALL.len());
        for r in Rule::ALL {
            assert!(
                r.explanation().ends_with('.') && r.fix().ends_with('.'),
                "{r:?}"
            );
        }
    }
}
