//! Renewals, idempotency under faults, crash reconciliation and leases, against the emulator on
//! SQLite and (when `CERTKEEP_TEST_DATABASE_URL` is set) PostgreSQL. What Key Vault ends up with
//! is read from the emulator's state and counters.

mod common;

use std::time::{Duration, Instant};

use certkeep_emulator::demo::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};
use certkeep_engine::requests::raw::RawRequest;
use certkeep_engine::requests::{CertificateRequestInput, RenewOutcome, RenewTarget};
use certkeep_engine::{EngineError, NoProgress, Scope};
use certkeep_store::{CertificateFilter, NewRequest, RequestId, RequestKind, RequestStatus, Show};
use serde_json::{Value, json};

use common::{Fixture, TestEngine, add, me};

static ME: std::sync::LazyLock<certkeep_engine::Actor> = std::sync::LazyLock::new(me);

const VAULT: &str = "kv-prod-web";

fn scope() -> Scope {
    Scope::vault("prod", VAULT)
}

/// An engine with the demo credential and the inventory discovered.
async fn discovered(fx: &Fixture, store: certkeep_store::Store) -> TestEngine {
    let engine = fx.engine(store);
    engine
        .add_credential(&me(), add("prod", DEMO_CLIENT_ID, DEMO_CLIENT_SECRET))
        .await
        .unwrap();
    let reports = engine
        .discover_certificates(&me(), &Scope::default(), true, &NoProgress)
        .await
        .unwrap();
    assert!(reports.iter().all(|r| r.error.is_none()), "{reports:?}");
    engine
}

fn target(name: &str) -> RenewTarget {
    RenewTarget {
        name: name.into(),
        version: None,
    }
}

fn versions_of(state: &Value) -> Vec<String> {
    state["versions"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|v| v["version"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

async fn stored_versions(engine: &TestEngine, name: &str) -> Vec<certkeep_store::Certificate> {
    let vault = engine
        .store()
        .list_vaults(None)
        .await
        .unwrap()
        .into_iter()
        .find(|v| v.record.name == VAULT)
        .unwrap();
    let mut rows: Vec<_> = engine
        .store()
        .list_certificates(&CertificateFilter {
            show: Show::All,
            vault: Some(vault.id),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.record.name.eq_ignore_ascii_case(name))
        .collect();
    rows.sort_by_key(|c| !c.record.is_current);
    rows
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// `exp` is about `months` calendar months from now.
fn assert_expires_in_months(exp: i64, months: i64, what: &str) {
    let days = (exp - now()) as f64 / 86400.0;
    let expected = months as f64 * 30.44;
    assert!(
        (days - expected).abs() <= 3.5,
        "{what}: expires in {days} days, expected about {expected}"
    );
}

fn outcome<'a>(outcomes: &'a [RenewOutcome], name: &str) -> &'a RenewOutcome {
    outcomes
        .iter()
        .find(|o| o.name == name)
        .unwrap_or_else(|| panic!("no outcome for {name}: {outcomes:?}"))
}

/// Checks a completed renewal: exactly one new version in Key Vault, current in the inventory
/// with the new validity.
async fn assert_renewed(
    fx: &Fixture,
    engine: &TestEngine,
    name: &str,
    before: &[String],
    o: &RenewOutcome,
    months: i64,
) {
    assert_eq!(o.outcome, "completed", "{o:?}");
    let st = fx.cert_state(VAULT, name).await;
    let after = versions_of(&st);
    assert_eq!(
        after.len(),
        before.len() + 1,
        "{name}: one new version: {st}"
    );
    let new = after.iter().find(|v| !before.contains(v)).unwrap();
    assert_eq!(o.version.as_deref(), Some(new.as_str()), "{name}");
    let kv = st["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["version"] == new.as_str())
        .unwrap();
    assert_expires_in_months(kv["exp"].as_i64().unwrap(), months, name);
    assert_eq!(st["policy"]["x509_props"]["validity_months"], months);
    let rows = stored_versions(engine, name).await;
    let flags: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r.record.version.clone(),
                r.record.is_current,
                r.record.tags.clone(),
            )
        })
        .collect();
    assert_eq!(
        &rows[0].record.version, new,
        "{name}: the new version is current: {flags:?} {st}"
    );
    assert!(rows.iter().filter(|r| r.record.is_current).count() == 1);
    assert_eq!(rows[0].record.x5t, kv["x5t"].as_str().unwrap());
    assert_eq!(rows[0].record.not_after, kv["exp"].as_i64().unwrap());
    assert_expires_in_months(rows[0].record.not_after, months, name);
}

async fn versions(fx: &Fixture, name: &str) -> Vec<String> {
    versions_of(&fx.cert_state(VAULT, name).await)
}

/// Deletes a certificate straight through Key Vault's REST API.
async fn delete_in_azure(fx: &Fixture, engine: &TestEngine, name: &str) {
    let uri = vault_uri(engine).await;
    let token = common::vault_token::get(fx).await;
    let resp = fx
        .http
        .delete(format!("{uri}/certificates/{name}?api-version=7.5"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
}

async fn vault_uri(engine: &TestEngine) -> String {
    engine
        .store()
        .list_vaults(None)
        .await
        .unwrap()
        .into_iter()
        .find(|v| v.record.name == VAULT)
        .unwrap()
        .record
        .vault_uri
        .trim_end_matches('/')
        .to_string()
}

#[tokio::test]
async fn renewing_one_and_many_gives_new_versions_and_each_refusal_its_reason() {
    let fx = Fixture::start().await;
    for (backend, store) in fx.stores().await {
        fx.admin(reqwest::Method::POST, "reset", None).await;
        fx.emu
            .load_seed(&certkeep_emulator::demo::demo_seed())
            .unwrap();
        let engine = discovered(&fx, store).await;

        // One.
        let before = versions(&fx, "www-prod").await;
        fx.reset_counters().await;
        let out = engine
            .renew_certificates(&me(), &scope(), &[target("www-prod")], 3, true)
            .await
            .unwrap();
        assert_eq!(out.len(), 1);
        assert_renewed(&fx, &engine, "www-prod", &before, &out[0], 3).await;
        assert_eq!(fx.route_count("kv.certificates.create").await, 1);
        assert_eq!(fx.route_count("kv.certificates.policy.update").await, 1);
        certkeep_engine::reports::check(&out).unwrap();

        // A pending operation in progress: a Self request that takes a while.
        fx.set_delays(30.0, json!({})).await;
        let pending = engine
            .request_certificate(
                &me(),
                CertificateRequestInput {
                    scope: scope(),
                    raw: RawRequest {
                        name: "cdn-prod".into(),
                        common_name: "cdn.prod.contoso.com".into(),
                        ..Default::default()
                    },
                },
            )
            .await
            .unwrap();
        assert_eq!(pending.status, "in_progress");
        fx.set_delays(0.0, json!({})).await;

        // Missing in Azure.
        delete_in_azure(&fx, &engine, "payments-prod").await;
        // A previous version.
        let old = stored_versions(&engine, "grafana-prod")
            .await
            .into_iter()
            .find(|r| !r.record.is_current)
            .unwrap();

        // Many, in one bulk call.
        let names = ["api-prod", "grafana-prod"];
        let befores: Vec<Vec<String>> = {
            let mut v = Vec::new();
            for n in names {
                v.push(versions(&fx, n).await);
            }
            v
        };
        let cdn_before = versions(&fx, "cdn-prod").await;
        let mail_before = versions(&fx, "mail-prod").await;
        fx.reset_counters().await;
        let targets = vec![
            target("api-prod"),
            target("grafana-prod"),
            target("mail-prod"),
            target("cdn-prod"),
            target("payments-prod"),
            RenewTarget {
                name: "grafana-prod".into(),
                version: Some(old.record.version.clone()),
            },
            target("no-such-cert"),
        ];
        let out = engine
            .renew_certificates(&me(), &scope(), &targets, 5, true)
            .await
            .unwrap();
        assert_eq!(out.len(), targets.len(), "{backend}: {out:?}");
        assert_eq!(
            fx.route_count("kv.certificates.create").await,
            2,
            "{backend}: a create for each renewal, none for the refusals: {out:?}"
        );
        assert_eq!(fx.route_count("kv.certificates.policy.update").await, 2);
        for (n, before) in names.iter().zip(&befores) {
            let o = out
                .iter()
                .find(|o| o.name == *n && o.outcome == "completed")
                .unwrap_or_else(|| panic!("{backend}: {n} renewed: {out:?}"));
            assert_renewed(&fx, &engine, n, before, o, 5).await;
        }
        let reason = |name: &str, version: bool| -> String {
            out.iter()
                .find(|o| {
                    o.name == name
                        && o.outcome != "completed"
                        && (!version || o.reason.as_deref().unwrap_or("").contains("previous"))
                })
                .and_then(|o| o.reason.clone())
                .unwrap_or_else(|| panic!("{backend}: {name} refused: {out:?}"))
        };
        assert!(
            reason("mail-prod", false).contains("third-party"),
            "{out:?}"
        );
        assert!(
            reason("cdn-prod", false).contains("pending operation"),
            "{out:?}"
        );
        assert!(
            reason("payments-prod", false).contains("missing in Azure"),
            "{out:?}"
        );
        assert!(
            reason("grafana-prod", true).contains("previous version"),
            "{out:?}"
        );
        assert!(
            reason("no-such-cert", false).contains("not found"),
            "{out:?}"
        );
        assert_eq!(outcome(&out, "mail-prod").outcome, "refused");
        assert_eq!(versions(&fx, "mail-prod").await, mail_before);
        assert_eq!(versions(&fx, "cdn-prod").await, cdn_before, "{backend}");
        let err = certkeep_engine::reports::check(&out).unwrap_err();
        assert!(
            matches!(
                err,
                EngineError::Partial {
                    failed: 5,
                    total: 7,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(err.exit_code(), 6);
        // The pending request is unaffected.
        engine.cancel_request(&me(), &pending.id).await.unwrap();
    }
}

#[tokio::test]
async fn a_dropped_create_answer_is_adopted_never_sent_twice() {
    let fx = Fixture::start().await;
    for (backend, store) in fx.stores().await {
        let engine = discovered(&fx, store).await;
        let drop_one = json!({"drop_after_commit_route":"kv.certificates.create","drop_after_commit_rate":1.0,"drop_after_commit_limit":1});

        // A request.
        let name = format!("dropped-{backend}");
        fx.admin(reqwest::Method::PUT, "faults", Some(drop_one.clone()))
            .await;
        fx.reset_counters().await;
        let req = engine
            .request_certificate(
                &me(),
                CertificateRequestInput {
                    scope: scope(),
                    raw: RawRequest {
                        name: name.clone(),
                        common_name: "dropped.contoso.com".into(),
                        ..Default::default()
                    },
                },
            )
            .await
            .unwrap();
        let done = engine
            .wait_for_requests(
                &me(),
                std::slice::from_ref(&req.id),
                Duration::from_secs(30),
            )
            .await
            .unwrap()
            .remove(0);
        assert_eq!(done.status, "completed", "{backend}: {done:?}");
        let c = fx.counters().await;
        assert_eq!(c["dropped_after_commit"], 1, "{backend}: {c}");
        assert_eq!(c["by_route"]["kv.certificates.create"], 1, "{backend}: {c}");
        assert_eq!(versions(&fx, &name).await.len(), 1);
        assert_eq!(stored_versions(&engine, &name).await.len(), 1);

        // A renewal.
        let before = versions(&fx, "www-prod").await;
        fx.admin(reqwest::Method::PUT, "faults", Some(drop_one.clone()))
            .await;
        fx.reset_counters().await;
        let out = engine
            .renew_certificates(&me(), &scope(), &[target("www-prod")], 4, true)
            .await
            .unwrap();
        let c = fx.counters().await;
        assert_eq!(c["dropped_after_commit"], 1, "{backend}: {c}");
        assert_eq!(c["by_route"]["kv.certificates.create"], 1, "{backend}: {c}");
        assert_renewed(&fx, &engine, "www-prod", &before, &out[0], 4).await;
        fx.admin(reqwest::Method::PUT, "faults", Some(json!({})))
            .await;
    }
}

#[tokio::test]
async fn requests_left_sending_by_a_crash_are_reconciled_without_sending() {
    let fx = Fixture::start().await;
    for (backend, store) in fx.stores().await {
        let engine = discovered(&fx, store).await;
        let vault = engine
            .store()
            .list_vaults(None)
            .await
            .unwrap()
            .into_iter()
            .find(|v| v.record.name == VAULT)
            .unwrap();
        let audit = || certkeep_store::NewAuditEvent {
            actor: "user:tester".into(),
            action: "certificate.request".into(),
            target: "crash".into(),
            outcome: "sending".into(),
            detail: json!({}),
        };
        let sending = |name: &str| NewRequest {
            id: RequestId::parse(&uuid::Uuid::new_v4().to_string()).unwrap(),
            vault_id: vault.id,
            certificate_name: name.into(),
            kind: RequestKind::Request,
            spec: json!({}),
            issuer_name: "Self".into(),
            requested_by: "user:tester".into(),
            requested_at: now() - 60,
            status: RequestStatus::Sending,
            poll_after: None,
        };
        // 1. Crashed before the create: nothing in Key Vault.
        let lost_name = format!("crash-lost-{backend}");
        let lost = engine
            .store()
            .create_request(sending(&lost_name), audit())
            .await
            .unwrap();
        // 2. Crashed after the create was sent (sent here straight to the emulator).
        let sent_name = format!("crash-sent-{backend}");
        let sent = engine
            .store()
            .create_request(sending(&sent_name), audit())
            .await
            .unwrap();
        let token = common::vault_token::get(&fx).await;
        let resp = fx
            .http
            .post(format!(
                "{}/certificates/{sent_name}/create?api-version=7.5",
                vault_uri(&engine).await
            ))
            .bearer_auth(token)
            .json(&json!({
                "policy": {"x509_props": {"subject": "CN=crash.contoso.com", "validity_months": 12}, "issuer": {"name": "Self"}},
                "tags": {"certkeep-request": sent.id.as_str()},
            }))
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success(), "{}", resp.status());
        // 3. The same, with Key Vault still issuing when the poller looks.
        let slow_name = format!("crash-slow-{backend}");
        let slow = engine
            .store()
            .create_request(sending(&slow_name), audit())
            .await
            .unwrap();
        fx.set_delays(2.0, json!({})).await;
        let resp = fx
            .http
            .post(format!(
                "{}/certificates/{slow_name}/create?api-version=7.5",
                vault_uri(&engine).await
            ))
            .bearer_auth(common::vault_token::get(&fx).await)
            .json(&json!({
                "policy": {"x509_props": {"subject": "CN=slow.contoso.com", "validity_months": 12}, "issuer": {"name": "Self"}},
                "tags": {"certkeep-request": slow.id.as_str()},
            }))
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success(), "{}", resp.status());
        fx.set_delays(0.0, json!({})).await;

        fx.reset_counters().await;
        let first = engine.poll_requests(&me()).await.unwrap();
        assert!(first.errors.is_empty(), "{backend}: {:?}", first.errors);
        assert_eq!(
            engine.show_request(slow.id.as_str()).await.unwrap().status,
            "in_progress",
            "{backend}: the pending operation adopted"
        );
        let mut rounds = 0;
        loop {
            let report = engine.poll_requests(&me()).await.unwrap();
            assert!(report.errors.is_empty(), "{backend}: {:?}", report.errors);
            let a = engine.show_request(lost.id.as_str()).await.unwrap();
            let b = engine.show_request(sent.id.as_str()).await.unwrap();
            let c = engine.show_request(slow.id.as_str()).await.unwrap();
            if (a.status != "sending" && a.status != "in_progress")
                && (b.status != "sending" && b.status != "in_progress")
                && (c.status != "sending" && c.status != "in_progress")
            {
                assert_eq!(c.status, "completed", "{backend}: {c:?}");
                let st = fx.cert_state(VAULT, &slow_name).await;
                assert_eq!(c.version.as_ref(), versions_of(&st).first());
                assert_eq!(stored_versions(&engine, &slow_name).await.len(), 1);
                assert_eq!(a.status, "failed", "{backend}: {a:?}");
                let err = a.error.clone().unwrap_or_default();
                assert!(err.contains("interrupted"), "{err}");
                assert!(err.contains("nothing was created"), "{err}");
                assert_eq!(b.status, "completed", "{backend}: {b:?}");
                let st = fx.cert_state(VAULT, &sent_name).await;
                assert_eq!(b.version.as_ref(), versions_of(&st).first());
                assert_eq!(stored_versions(&engine, &sent_name).await.len(), 1);
                break;
            }
            rounds += 1;
            assert!(rounds < 40, "{backend}: not reconciled: {a:?} {b:?} {c:?}");
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        assert_eq!(
            fx.route_count("kv.certificates.create").await,
            0,
            "{backend}: the poller never creates"
        );
        assert!(fx.cert_state(VAULT, &lost_name).await.is_null());
    }
}

#[tokio::test]
async fn two_concurrent_renewals_of_one_name_one_is_refused_by_the_lease() {
    let fx = Fixture::start().await;
    for (backend, store) in fx.stores().await {
        let engine = discovered(&fx, store).await;
        let before = versions(&fx, "api-prod").await;
        // Slow answers, so the first renewal holds the lease while the second asks for it.
        fx.admin(
            reqwest::Method::PUT,
            "faults",
            Some(json!({"latency_ms": 150})),
        )
        .await;
        fx.reset_counters().await;
        let (actor, sc, targets) = (me(), scope(), [target("api-prod")]);
        let (a, b) = tokio::join!(
            engine.renew_certificates(&actor, &sc, &targets, 6, false),
            engine.renew_certificates(&actor, &sc, &targets, 6, false),
        );
        fx.admin(reqwest::Method::PUT, "faults", Some(json!({})))
            .await;
        let (a, b) = (a.unwrap().remove(0), b.unwrap().remove(0));
        let (won, lost) = if a.outcome == "refused" {
            (b, a)
        } else {
            (a, b)
        };
        assert_eq!(lost.outcome, "refused", "{backend}: {won:?} {lost:?}");
        let reason = lost.reason.clone().unwrap();
        assert!(reason.contains("in progress by"), "{reason}");
        assert!(reason.contains(" since "), "{reason}");
        assert!(reason.contains("user:tester"), "{reason}");
        assert!(
            won.outcome == "requested" || won.outcome == "completed",
            "{won:?}"
        );
        assert_eq!(fx.route_count("kv.certificates.create").await, 1);
        let done = engine
            .wait_for_requests(
                &me(),
                &[won.request_id.clone().unwrap()],
                Duration::from_secs(30),
            )
            .await
            .unwrap()
            .remove(0);
        assert_eq!(done.status, "completed");
        assert_eq!(versions(&fx, "api-prod").await.len(), before.len() + 1);
    }
}

#[tokio::test]
async fn waiting_ends_soon_after_the_issuance_delay() {
    let fx = Fixture::start().await;
    for (backend, store) in fx.stores().await {
        let engine = discovered(&fx, store).await;
        for (delay, issuer, months) in [
            (1.0, "Self", "12"),
            (3.0, "digicert-ov", "6"),
            (6.0, "digicert-ov", "6"),
        ] {
            fx.set_delays(delay, json!({"DigiCert": {"delay_secs": delay}}))
                .await;
            let name = format!("timed-{}-{}-{backend}", issuer.to_lowercase(), delay as u32);
            let started = Instant::now();
            let req = engine
                .request_certificate(
                    &me(),
                    CertificateRequestInput {
                        scope: scope(),
                        raw: RawRequest {
                            name: name.clone(),
                            common_name: "timed.contoso.com".into(),
                            issuer: issuer.into(),
                            validity_months: months.into(),
                            ..Default::default()
                        },
                    },
                )
                .await
                .unwrap();
            let done = engine
                .wait_for_requests(
                    &me(),
                    std::slice::from_ref(&req.id),
                    Duration::from_secs(30),
                )
                .await
                .unwrap()
                .remove(0);
            let took = started.elapsed().as_secs_f64();
            eprintln!("{backend} {issuer}: {took:.2} s for a {delay} s issuance");
            assert_eq!(done.status, "completed", "{backend}: {done:?}");
            assert!(
                took < delay + 0.75,
                "{backend} {issuer}: waited {took:.2} s for a {delay} s issuance"
            );
        }
        fx.set_delays(0.0, json!({})).await;
    }
}

#[tokio::test]
async fn a_request_whose_outcome_is_unknown_stays_sending_and_the_poller_settles_it() {
    let fx = Fixture::start().await;
    let mut engines = Vec::new();
    for (backend, store) in fx.stores().await {
        engines.push((backend, discovered(&fx, store).await));
    }
    // Every read of the pending operation breaks off: the engine cannot know what the create
    // did. (The reads are retried for about a minute, so both backends go at once.)
    fx.admin(
        reqwest::Method::PUT,
        "faults",
        Some(json!({"drop_route": "kv.certificates.pending", "drop_rate": 1.0})),
    )
    .await;
    fx.reset_counters().await;
    let errors = futures::future::join_all(engines.iter().map(|(backend, engine)| {
        engine.request_certificate(
            &ME,
            CertificateRequestInput {
                scope: scope(),
                raw: RawRequest {
                    name: format!("unknown-outcome-{backend}"),
                    common_name: "unknown.contoso.com".into(),
                    ..Default::default()
                },
            },
        )
    }))
    .await;
    fx.admin(reqwest::Method::PUT, "faults", Some(json!({})))
        .await;
    let creates = fx.route_count("kv.certificates.create").await;
    for ((backend, engine), result) in engines.iter().zip(errors) {
        let name = format!("unknown-outcome-{backend}");
        let err = result.unwrap_err();
        assert!(matches!(err, EngineError::Azure(_)), "{backend}: {err:?}");
        let page = engine
            .list_requests(&certkeep_engine::requests::RequestQuery {
                certificate_name: Some(name.clone()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(page.items.len(), 1);
        let req = page.items[0].clone();
        assert_eq!(
            req.status, "sending",
            "{backend}: not marked failed: {req:?}"
        );

        let report = engine.poll_requests(&me()).await.unwrap();
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        let st = fx.cert_state(VAULT, &name).await;
        let done = if versions_of(&st).is_empty() && st["pending"].is_null() {
            engine.show_request(&req.id).await.unwrap()
        } else {
            engine
                .wait_for_requests(
                    &me(),
                    std::slice::from_ref(&req.id),
                    Duration::from_secs(30),
                )
                .await
                .unwrap()
                .remove(0)
        };
        if versions_of(&fx.cert_state(VAULT, &name).await).is_empty() {
            assert_eq!(done.status, "failed", "{backend}: {done:?}");
            assert!(done.error.unwrap().contains("nothing was created"));
        } else {
            assert_eq!(done.status, "completed", "{backend}: {done:?}");
        }
    }
    assert_eq!(
        fx.route_count("kv.certificates.create").await,
        creates,
        "the poller never creates"
    );
}

#[tokio::test]
async fn a_lease_left_by_a_killed_process_is_taken_over_a_live_ones_is_not() {
    let Ok(host) = std::fs::read_to_string("/proc/sys/kernel/hostname") else {
        eprintln!("no /proc: skipped");
        return;
    };
    let host = host.trim().to_string();
    let fx = Fixture::start().await;
    for (backend, store) in fx.stores().await {
        let engine = discovered(&fx, store).await;
        let vault = engine
            .store()
            .list_vaults(None)
            .await
            .unwrap()
            .into_iter()
            .find(|v| v.record.name == VAULT)
            .unwrap();
        let lease = certkeep_engine::lease::lease_name_of(
            certkeep_engine::lease::LeaseKind::Certificate,
            vault.id,
            "api-prod",
        );
        // A process of this host that is still running (pid 1) holds it: refused.
        let live = format!("user:other (pid 1 on {host}, operation 0000aaaa)");
        assert!(
            engine
                .store()
                .acquire_lease(&lease, &live, now(), 300)
                .await
                .unwrap()
                .is_ok()
        );
        fx.reset_counters().await;
        let out = engine
            .renew_certificates(&me(), &scope(), &[target("api-prod")], 6, false)
            .await
            .unwrap();
        assert_eq!(out[0].outcome, "refused", "{backend}: {out:?}");
        let reason = out[0].reason.clone().unwrap();
        assert!(
            reason.contains(&format!("in progress by {live} since ")),
            "{reason}"
        );
        assert_eq!(fx.route_count("kv.certificates.create").await, 0);
        assert!(engine.store().release_lease(&lease, &live).await.unwrap());

        // A killed process (no such pid) left it: taken over at once, not after the TTL.
        let dead = format!("user:other (pid 4000000 on {host}, operation 0000bbbb)");
        assert!(
            engine
                .store()
                .acquire_lease(&lease, &dead, now(), 300)
                .await
                .unwrap()
                .is_ok()
        );
        let out = engine
            .renew_certificates(&me(), &scope(), &[target("api-prod")], 6, true)
            .await
            .unwrap();
        assert_eq!(out[0].outcome, "completed", "{backend}: {out:?}");
        assert!(
            engine.store().find_lease(&lease).await.unwrap().is_none(),
            "{backend}: released afterwards"
        );
        // Another host's lease is never judged from here.
        let remote = "user:other (pid 4000000 on some-other-host, operation 0000cccc)";
        assert!(
            engine
                .store()
                .acquire_lease(&lease, remote, now(), 300)
                .await
                .unwrap()
                .is_ok()
        );
        let out = engine
            .renew_certificates(&me(), &scope(), &[target("api-prod")], 6, false)
            .await
            .unwrap();
        assert_eq!(out[0].outcome, "refused", "{backend}: {out:?}");
        assert!(engine.store().release_lease(&lease, remote).await.unwrap());
    }
}
