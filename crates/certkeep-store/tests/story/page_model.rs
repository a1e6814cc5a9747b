//! Data for the paginated-query steps, and an independent, in-memory statement of what each
//! filter, sort and facet means, to compare the database's answers with.
use std::collections::HashMap;

use certkeep_store::{
    Certificate, CertificateFilter, CertificateRecord, CertificateSort, CredentialId, ExpiryState,
    IssuerKind, Show, TagFilter, VaultId,
};

use super::fixtures::{audit, cert_record, new_credential, tags, vault_record};
use super::{Ctx, DAY, T0};

/// "Now" of the page steps.
pub(crate) const NOW: i64 = T0 + 40 * DAY;

pub(crate) struct PageData {
    pub(crate) credential: CredentialId,
    /// Vault `kv-pages-b` (created first, so its id is lower) and `kv-pages-a`.
    pub(crate) v1: VaultId,
    pub(crate) v2: VaultId,
    pub(crate) vault_names: HashMap<VaultId, String>,
}

const NAMES: [&str; 14] = [
    "delta", "alpha", "echo", "bravo", "india", "hotel", "golf", "foxtrot", "juliet", "charlie",
    "lima", "kilo", "november", "oscar",
];
const OFFSETS: [i64; 14] = [-5, -1, 0, 1, 7, 8, 20, 30, 31, 60, 100, 200, 365, 3];
const ISSUERS: [Option<&str>; 6] = [
    Some("Self"),
    Some("DigiCert"),
    Some("Unknown"),
    None,
    Some("self"),
    Some("GlobalSign"),
];

fn record(i: usize, name: &str, not_after: i64) -> CertificateRecord {
    let mut r = cert_record(name, "v1", not_after, true);
    r.policy_issuer = ISSUERS[i % ISSUERS.len()].map(str::to_string);
    r.key_type = if i.is_multiple_of(3) { "EC" } else { "RSA" }.into();
    r.subject = format!("CN={}", NAMES[(i * 5) % NAMES.len()]);
    r.kv_created = T0 + i as i64;
    r.tags = match i % 4 {
        0 => tags(&[("env", "prod"), ("owner", "platform")]),
        1 => tags(&[("env", "dev")]),
        2 => tags(&[("a\"b", "50%_x"), ("zz", "env")]),
        _ => tags(&[]),
    };
    r
}

/// A credential with two vaults: 14 current certificates (and one previous version) in the
/// first, 4 in the second, one name missing.
pub(crate) async fn seed(ctx: &Ctx) -> PageData {
    let store = &ctx.store;
    let credential = store
        .create_credential(new_credential("pages"), audit("credential.create", "pages"))
        .await
        .expect("create")
        .id;
    for records in [
        vec![vault_record("kv-pages-b")],
        vec![vault_record("kv-pages-b"), vault_record("kv-pages-a")],
    ] {
        store
            .sync_vaults(
                &credential,
                &records,
                true,
                T0,
                audit("vault.sync", "pages"),
            )
            .await
            .expect("sync");
    }
    let v1 = store
        .find_vault(&credential, "kv-pages-b")
        .await
        .expect("find")
        .expect("b")
        .id;
    let v2 = store
        .find_vault(&credential, "kv-pages-a")
        .await
        .expect("find")
        .expect("a")
        .id;
    let mut first: Vec<CertificateRecord> = NAMES
        .iter()
        .enumerate()
        .map(|(i, name)| record(i, name, NOW + OFFSETS[i] * DAY))
        .collect();
    first.push(cert_record("alpha", "v0", NOW - 50 * DAY, false));
    store
        .upsert_certificate_versions(v1, &first, T0)
        .await
        .expect("upsert");
    let second: Vec<CertificateRecord> = ["zulu", "alpha", "kilo", "mike"]
        .iter()
        .enumerate()
        .map(|(i, name)| record(i + 1, name, NOW + (i as i64 * 45 - 10) * DAY))
        .collect();
    store
        .upsert_certificate_versions(v2, &second, T0 + 1)
        .await
        .expect("upsert");
    store
        .mark_certificates_missing(
            v1,
            certkeep_store::CertificateSource::KeyVault,
            &["echo".to_string()],
            T0 + 2,
        )
        .await
        .expect("missing");
    let vault_names = HashMap::from([
        (v1, "kv-pages-b".to_string()),
        (v2, "kv-pages-a".to_string()),
    ]);
    PageData {
        credential,
        v1,
        v2,
        vault_names,
    }
}

impl PageData {
    /// Every version of the page data, read with `list_certificates`.
    pub(crate) fn everything(&self) -> CertificateFilter {
        CertificateFilter {
            show: Show::All,
            credential: Some(self.credential.clone()),
            include_missing: true,
            now: NOW,
            ..CertificateFilter::default()
        }
    }

    /// The current, present versions.
    pub(crate) fn current(&self) -> CertificateFilter {
        CertificateFilter {
            show: Show::Current,
            include_missing: false,
            ..self.everything()
        }
    }
}

fn issuer_kind(c: &Certificate) -> IssuerKind {
    match c
        .record
        .policy_issuer
        .as_deref()
        .map(str::to_lowercase)
        .as_deref()
    {
        None | Some("unknown") => IssuerKind::Unknown,
        Some("self") => IssuerKind::SelfSigned,
        Some(_) => IssuerKind::IntegratedCa,
    }
}

pub(crate) fn in_state(state: ExpiryState, f: &CertificateFilter, c: &Certificate) -> bool {
    let end = c.record.not_after;
    match state {
        ExpiryState::Missing => c.is_missing,
        ExpiryState::Expired => !c.is_missing && end <= f.now,
        ExpiryState::ExpiringWithin(s) => !c.is_missing && end > f.now && end <= f.now + s,
        ExpiryState::Healthy => !c.is_missing && end > f.now + f.healthy_after_secs,
    }
}

fn has_tag(tag: &TagFilter, c: &Certificate) -> bool {
    match (&tag.value, c.record.tags.get(&tag.key)) {
        (_, None) => false,
        (None, Some(_)) => true,
        (Some(want), Some(have)) => want == have,
    }
}

/// What `filter` selects, stated in Rust (the fields the page steps use).
pub(crate) fn matches(f: &CertificateFilter, c: &Certificate) -> bool {
    let show = match f.show {
        Show::Current => c.record.is_current,
        Show::Previous => !c.record.is_current,
        Show::All => true,
    };
    let state = match f.state {
        Some(state) => in_state(state, f, c),
        None => f.include_missing || !c.is_missing,
    };
    show && state
        && f.vault.is_none_or(|v| v == c.vault_id)
        && (f.vaults.is_empty() || f.vaults.contains(&c.vault_id))
        && f.issuer.as_ref().is_none_or(|i| {
            c.record
                .policy_issuer
                .as_deref()
                .unwrap_or("Unknown")
                .to_lowercase()
                == i.to_lowercase()
        })
        && f.issuer_kind.is_none_or(|k| k == issuer_kind(c))
        && f.key_type
            .as_ref()
            .is_none_or(|k| k.eq_ignore_ascii_case(&c.record.key_type))
        && f.tag.as_ref().is_none_or(|t| has_tag(t, c))
        && f.name.as_ref().is_none_or(|n| *n == c.record.name)
        && f.expiring_before.is_none_or(|t| c.record.not_after < t)
        // The stories' searches are letters never found in a hex thumbprint or an x5t.
        && f.search.as_ref().is_none_or(|s| {
            let s = s.to_lowercase();
            c.record.name.to_lowercase().contains(&s)
                || c.record.subject.to_lowercase().contains(&s)
                || c.record.sans.dns.iter().any(|d| d.to_lowercase().contains(&s))
        })
}

/// `rows` sorted as `certificate_page` sorts them.
pub(crate) fn sorted<'a>(
    mut rows: Vec<&'a Certificate>,
    sort: CertificateSort,
    descending: bool,
    vault_names: &HashMap<VaultId, String>,
) -> Vec<&'a Certificate> {
    #[derive(PartialEq, Eq, PartialOrd, Ord)]
    enum Key {
        Int(i64),
        Text(String),
    }
    let key = |c: &Certificate| match sort {
        CertificateSort::NotAfter => Key::Int(c.record.not_after),
        CertificateSort::Name => Key::Text(c.record.name.clone()),
        CertificateSort::Vault => Key::Text(vault_names[&c.vault_id].clone()),
        CertificateSort::Subject => Key::Text(c.record.subject.clone()),
        CertificateSort::Issuer => Key::Text(
            c.record
                .policy_issuer
                .clone()
                .unwrap_or_else(|| "Unknown".into()),
        ),
        CertificateSort::KeyType => Key::Text(c.record.key_type.clone()),
        CertificateSort::DiscoveredAt => Key::Int(c.discovered_at),
    };
    rows.sort_by(|a, b| {
        let order = key(a)
            .cmp(&key(b))
            .then_with(|| a.record.name.cmp(&b.record.name))
            .then_with(|| a.id.cmp(&b.id));
        // Descending reverses the whole order, ties included.
        if descending { order.reverse() } else { order }
    });
    rows
}
