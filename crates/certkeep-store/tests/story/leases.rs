//! Leases: many concurrent acquirers on separate pools and connections, exactly one wins;
//! take-over only after expiry; renew and release only by the holder.
use certkeep_store::{Lease, Store};

use super::Ctx;
use super::page_model::NOW;

const STORES: usize = 3;
const TASKS_PER_STORE: usize = 8;

/// Every task tries to acquire `name` at `now`; returns the winners' holder names.
async fn race(stores: &[Store], name: &str, round: usize, now: i64) -> Vec<String> {
    let mut tasks = Vec::new();
    for (s, store) in stores.iter().enumerate() {
        for t in 0..TASKS_PER_STORE {
            let store = store.clone();
            let name = name.to_string();
            let holder = format!("worker-{round}-{s}-{t}");
            tasks.push(tokio::spawn(async move {
                store
                    .acquire_lease(&name, &holder, now, 60)
                    .await
                    .expect("acquire")
                    .ok()
                    .map(|lease| lease.holder)
            }));
        }
    }
    let mut winners = Vec::new();
    for task in tasks {
        if let Some(holder) = task.await.expect("task") {
            winners.push(holder);
        }
    }
    winners
}

pub(crate) async fn story(ctx: &Ctx) {
    let mut stores = vec![ctx.store.clone()];
    for _ in 1..STORES {
        stores.push(Store::connect(&ctx.url).await.expect("another pool"));
    }
    for round in 0..4 {
        let name = format!("certificate:1:race-{round}");
        let winners = race(&stores, &name, round, NOW).await;
        assert_eq!(winners.len(), 1, "round {round}: {winners:?}");
        let held = ctx
            .store
            .find_lease(&name)
            .await
            .expect("find")
            .expect("held");
        assert_eq!(held.holder, winners[0]);
        // Not expired yet: nobody takes it over.
        assert!(race(&stores, &name, 100 + round, NOW + 59).await.is_empty());
        // Expired: exactly one of many takes it over.
        let winners = race(&stores, &name, 200 + round, NOW + 60).await;
        assert_eq!(winners.len(), 1, "take-over round {round}: {winners:?}");
    }

    let store = &ctx.store;
    let name = "certificate:1:web";
    let lease = store
        .acquire_lease(name, "a", NOW, 30)
        .await
        .expect("acquire")
        .expect("free");
    assert_eq!(
        lease,
        Lease {
            name: name.into(),
            holder: "a".into(),
            acquired_at: NOW,
            expires_at: NOW + 30
        }
    );
    let held = store
        .acquire_lease(name, "b", NOW + 10, 30)
        .await
        .expect("acquire")
        .expect_err("held");
    assert_eq!(
        (held.holder.as_str(), held.since, held.expires_at),
        ("a", NOW, NOW + 30)
    );
    // The holder acquiring again renews it, keeping acquired_at.
    let again = store
        .acquire_lease(name, "a", NOW + 10, 30)
        .await
        .expect("acquire")
        .expect("mine");
    assert_eq!((again.acquired_at, again.expires_at), (NOW, NOW + 40));
    assert!(
        store
            .renew_lease(name, "b", NOW + 11, 30)
            .await
            .expect("renew")
            .is_none()
    );
    let renewed = store
        .renew_lease(name, "a", NOW + 20, 30)
        .await
        .expect("renew")
        .expect("mine");
    assert_eq!(renewed.expires_at, NOW + 50);
    assert!(
        !store.release_lease(name, "b").await.expect("release"),
        "only the holder releases"
    );
    assert!(store.release_lease(name, "a").await.expect("release"));
    assert!(store.find_lease(name).await.expect("find").is_none());
    let fresh = store
        .acquire_lease(name, "b", NOW + 21, 30)
        .await
        .expect("acquire")
        .expect("free");
    assert_eq!(fresh.holder, "b");

    // Capping by prefix: only longer leases under the prefix end sooner.
    for (slot, ttl) in [("slot:a", 600), ("slot:b", 60), ("other:c", 600)] {
        store
            .acquire_lease(slot, "s", NOW, ttl)
            .await
            .expect("acquire")
            .expect("free");
    }
    assert_eq!(store.cap_leases("slot:", 120).await.expect("cap"), 1);
    let ends = |name: &'static str| async move {
        store
            .find_lease(name)
            .await
            .expect("find")
            .expect("held")
            .expires_at
    };
    assert_eq!(ends("slot:a").await, NOW + 120);
    assert_eq!(ends("slot:b").await, NOW + 60);
    assert_eq!(ends("other:c").await, NOW + 600);
    for other in stores.into_iter().skip(1) {
        other.close().await.expect("close");
    }
}
