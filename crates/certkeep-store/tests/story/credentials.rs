//! Credentials: create, name conflict (nothing written, no audit event), find, list, secret
//! replacement, Debug redaction.
use certkeep_store::StoreError;

use super::fixtures::{audit, new_credential};
use super::{Ctx, T0};

pub(crate) async fn story(ctx: &mut Ctx) {
    let store = &ctx.store;
    let prod = store
        .create_credential(new_credential("prod"), audit("credential.create", "prod"))
        .await
        .expect("create prod");
    assert_eq!(prod.created_at, T0);
    assert!(prod.has_secret());
    assert_eq!(
        ctx.audit_count().await,
        1,
        "the create wrote its audit event"
    );

    // Same name, new id: a conflict that writes nothing, not even the audit event.
    let clash = store
        .create_credential(new_credential("prod"), audit("credential.create", "prod"))
        .await;
    match clash {
        Err(StoreError::Conflict { field, value, .. }) => {
            assert_eq!(field, "name");
            assert_eq!(value, "prod");
        }
        other => panic!("expected a name conflict, got {other:?}"),
    }
    assert_eq!(store.list_credentials().await.expect("list").len(), 1);
    assert_eq!(
        ctx.audit_count().await,
        1,
        "a failed create writes no audit event"
    );

    // Same id, new name: also a conflict.
    let mut same_id = new_credential("other");
    same_id.id = prod.id.clone();
    assert!(matches!(
        store
            .create_credential(same_id, audit("credential.create", "other"))
            .await,
        Err(StoreError::Conflict { field: "id", .. })
    ));

    let by_name = store
        .find_credential_by_name("prod")
        .await
        .expect("find by name")
        .expect("prod exists");
    assert_eq!(by_name, prod);
    let by_id = store
        .find_credential(&prod.id)
        .await
        .expect("find")
        .expect("exists");
    assert_eq!(by_id.secret_ciphertext, b"ciphertext-of-prod");
    assert!(
        store
            .find_credential_by_name("nope")
            .await
            .expect("find")
            .is_none()
    );

    let shown = format!("{by_id:?}");
    assert!(shown.contains("secret_set: true"), "{shown}");
    assert!(
        !shown.contains("ciphertext"),
        "Debug must not show the ciphertext: {shown}"
    );

    // Replace the secret.
    ctx.clock.set(T0 + 60);
    store
        .update_credential_secret(
            &prod.id,
            b"rotated".to_vec(),
            "master-2",
            audit("credential.rotate", "prod"),
        )
        .await
        .expect("rotate");
    let rotated = store
        .find_credential(&prod.id)
        .await
        .expect("find")
        .expect("exists");
    assert_eq!(rotated.secret_ciphertext, b"rotated");
    assert_eq!(rotated.secret_key_id, "master-2");
    assert_eq!((rotated.created_at, rotated.updated_at), (T0, T0 + 60));
    assert_eq!(ctx.audit_count().await, 2);

    // Rotating an unknown credential fails and writes no audit event.
    let ghost = new_credential("ghost").id;
    assert!(matches!(
        store
            .update_credential_secret(
                &ghost,
                b"x".to_vec(),
                "k",
                audit("credential.rotate", "ghost")
            )
            .await,
        Err(StoreError::NotFound {
            entity: "credential",
            ..
        })
    ));
    assert_eq!(ctx.audit_count().await, 2);

    ctx.prod = Some(prod.id);
}
