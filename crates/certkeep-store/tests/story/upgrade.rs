//! Upgrading a database that a migration-1 build created and filled: migrations 2 and 3 apply on
//! connect, every row is kept, the added column reads as its default, the new tables work. And
//! from a migration-2 database: migration 3 (the server's tables) applies alone.
use certkeep_store::{
    CertificateFilter, CertificateSort, NewRequest, NewUser, PageRequest, RequestId, RequestKind,
    RequestStatus, Role, Show, Store, UserId,
};

use super::fixtures::{audit, raw_sql};

const CREDENTIAL: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";

/// Rows as a migration-1 build wrote them (raw SQL: today's entities have more columns).
async fn fill_migration_1_database(url: &str) {
    let blob = |hex: &str| {
        if url.starts_with("sqlite") {
            format!("X'{hex}'")
        } else {
            format!("'\\x{hex}'::bytea")
        }
    };
    raw_sql(
        url,
        &format!(
            "INSERT INTO credentials (id, name, cloud, tenant_id, subscription_id, client_id, \
             secret_ciphertext, secret_key_id, created_at, updated_at) VALUES ('{CREDENTIAL}', \
             'old', 'public', 't', 's', 'c', {}, 'k1', 1, 1)",
            blob("c1c2")
        ),
    )
    .await;
    raw_sql(
        url,
        &format!(
            "INSERT INTO vaults (credential_id, name, vault_uri, resource_id, resource_group, \
             location, tenant_id, sku, has_rbac_authorization, soft_delete_retention_days, \
             has_purge_protection, tags, is_missing, first_seen_at, last_seen_at, \
             certs_synced_at) VALUES ('{CREDENTIAL}', 'kv-old', 'https://kv-old.vault.azure.net/', \
             '/r', 'rg', 'westeurope', 't', 'standard', TRUE, 90, FALSE, '{{}}', FALSE, 1, 1, NULL)"
        ),
    )
    .await;
    for (name, version, current) in [("old-web", "v1", "FALSE"), ("old-web", "v2", "TRUE")] {
        raw_sql(
            url,
            &format!(
                "INSERT INTO certificates (vault_id, source, name, version, is_current, \
                 source_secret_name, source_secret_version, kv_id, x5t, is_enabled, kv_created, \
                 kv_updated, nbf, exp, tags, policy_issuer, content_type, subject, issuer_dn, \
                 serial_hex, sans, key_usage, is_key_usage_critical, ekus, key_type, key_size, \
                 key_curve, signature_algorithm, not_before, not_after, sha1_hex, sha256_hex, der, \
                 is_missing, discovered_at, refreshed_at) VALUES ((SELECT id FROM vaults WHERE \
                 name = 'kv-old'), 'keyvault', '{name}', '{version}', {current}, NULL, NULL, \
                 'https://kv-old/certificates/{name}/{version}', 'x5t', TRUE, 10, 10, NULL, NULL, \
                 '{{\"env\":\"prod\"}}', 'Self', NULL, 'CN=old', 'CN=old', '01', '{{}}', '[]', \
                 FALSE, '[]', 'RSA', 2048, NULL, 'sha256WithRSAEncryption', 5, 1000, 'aa', 'bb', \
                 {}, FALSE, 7, 8)",
                blob("3082")
            ),
        )
        .await;
    }
}

pub(crate) async fn story(url: &str) {
    assert_eq!(
        Store::migrate_database_to(url, 1)
            .await
            .expect("migration 1"),
        1
    );
    fill_migration_1_database(url).await;
    let store = Store::connect(url).await.expect("connect upgrades");
    let applied: Vec<i64> = store
        .applied_migrations()
        .await
        .expect("applied")
        .into_iter()
        .map(|(v, _)| v)
        .collect();
    assert_eq!(applied, [1, 2, 3, 4, 5]);
    let credential = store.list_credentials().await.expect("credentials");
    assert_eq!(credential.len(), 1);
    let vault = store
        .find_vault(&credential[0].id, "kv-old")
        .await
        .expect("find")
        .expect("vault kept");
    let versions = store
        .find_certificate_versions(vault.id, "old-web")
        .await
        .expect("versions");
    assert_eq!(versions.len(), 2, "both rows kept");
    for cert in &versions {
        assert!(
            !cert.is_eku_critical,
            "the added column reads as its default"
        );
        assert_eq!(cert.record.der, vec![0x30, 0x82]);
        assert_eq!(
            cert.record.tags.get("env").map(String::as_str),
            Some("prod")
        );
        assert_eq!((cert.discovered_at, cert.refreshed_at), (7, 8));
    }
    let filter = CertificateFilter {
        show: Show::All,
        ..CertificateFilter::default()
    };
    let page = store
        .certificate_page(
            &filter,
            CertificateSort::Name,
            false,
            PageRequest::default(),
        )
        .await
        .expect("page");
    assert_eq!(page.total, 2);
    // The new tables are there.
    let request = NewRequest {
        id: RequestId::parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8").expect("id"),
        vault_id: vault.id,
        certificate_name: "old-web".into(),
        kind: RequestKind::Renew,
        spec: serde_json::json!({}),
        issuer_name: "Self".into(),
        requested_by: "system".into(),
        requested_at: 100,
        status: RequestStatus::Sending,
        poll_after: None,
    };
    store
        .create_request(request, audit("certificate.renew", "old-web"))
        .await
        .expect("request");
    assert!(
        store
            .acquire_lease("l", "h", 1, 10)
            .await
            .expect("lease")
            .is_ok()
    );
    store.close().await.expect("close");
    // Connecting again applies nothing.
    let again = Store::connect(url).await.expect("reconnect");
    assert_eq!(again.applied_migrations().await.expect("applied").len(), 5);
    again.close().await.expect("close");
}

/// A database a migration-2 build created and filled: connecting applies migration 3 only,
/// keeps the rows, and the server's tables work.
pub(crate) async fn story_2_to_3(url: &str) {
    assert_eq!(
        Store::migrate_database_to(url, 2)
            .await
            .expect("migrations 1 and 2"),
        2
    );
    fill_migration_1_database(url).await;
    let store = Store::connect(url).await.expect("connect upgrades");
    let applied: Vec<(i64, String)> = store.applied_migrations().await.expect("applied");
    assert_eq!(
        applied.iter().map(|(v, _)| *v).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
    assert_eq!(applied[2].1, "access");
    assert_eq!(
        store.list_credentials().await.expect("credentials").len(),
        1
    );
    assert_eq!(store.count_users().await.expect("users"), 0);
    let user = store
        .create_user(
            NewUser {
                id: UserId::parse("6ba7b811-9dad-11d1-80b4-00c04fd430c8").expect("id"),
                username: "admin".into(),
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
                role: Role::Admin,
                must_change_password: true,
            },
            Some(audit("user.create", "admin")),
        )
        .await
        .expect("the users table works");
    assert_eq!(user.username, "admin");
    assert_eq!(
        store
            .record_login_failure("user:admin", 10, 60)
            .await
            .expect("the throttle table works")
            .failures,
        1
    );
    store.close().await.expect("close");
}

/// A database at migration 3 with certificates gets migration 4: its indexes, the generation
/// counters (zero for rows written before the triggers) and triggers that count every change
/// from then on.
pub(crate) async fn story_3_to_4(url: &str) {
    assert_eq!(
        Store::migrate_database_to(url, 3)
            .await
            .expect("migrations 1 to 3"),
        3
    );
    fill_migration_1_database(url).await;
    let store = Store::connect(url).await.expect("connect upgrades");
    let applied: Vec<(i64, String)> = store.applied_migrations().await.expect("applied");
    assert_eq!(applied[3], (4, "listing".to_string()));
    assert_eq!(applied.last(), Some(&(5, "settings".to_string())));
    assert_eq!(store.inventory_generation().await.expect("generation"), 0);
    let current = certkeep_store::CertificateFilter::default();
    assert_eq!(store.count_certificates(&current).await.expect("count"), 1);
    let vault = store.list_vaults(None).await.expect("vaults")[0].id;
    store
        .mark_certificates_missing(
            vault,
            certkeep_store::CertificateSource::KeyVault,
            &["old-web".to_string()],
            5,
        )
        .await
        .expect("missing");
    assert_eq!(store.inventory_generation().await.expect("generation"), 2);
    assert_eq!(store.count_certificates(&current).await.expect("count"), 0);
    store.close().await.expect("close");
}
