//! A populated estate for the walks over every route (the role matrix, the OpenAPI walk): the
//! demo credential with certificates and TLS secrets discovered, requests in every state
//! (in progress, cancelled, waiting for an external CA's certificate), exclusions, a job, and
//! one set of per-walk resources (what a walk deletes or finishes is its own).

use std::collections::BTreeMap;

use certkeep_engine::secret_discovery::SecretKind;
use certkeep_engine::{Actor, NoProgress, Scope};
use serde_json::json;

use crate::common::{
    DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_SUBSCRIPTIONS, DEMO_TENANT, Session, Stack, Who,
    fresh_password,
};

pub const VAULT: &str = "kv-prod-web";
/// Where the setup's requests and exclusions live (away from the walks' vault).
const SIDE_VAULT: &str = "kv-prod-shared";
const EXCLUDED_VAULT: &str = "kv-prod-api";
/// Names of certificates in every demo vault.
const NAMES: [&str; 12] = [
    "www",
    "api",
    "login",
    "portal",
    "mail",
    "vpn",
    "intranet",
    "shop",
    "cdn",
    "grafana",
    "payments",
    "partner-sso",
];

/// A CA that signs the CSRs of `Unknown`-issuer requests.
pub struct TestCa {
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
    pub cert_der: Vec<u8>,
}

impl TestCa {
    pub fn new() -> Self {
        let key = rcgen::KeyPair::generate().expect("key");
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Certkeep Server Tests CA");
        let cert = params.self_signed(&key).expect("CA");
        Self {
            cert_der: cert.der().to_vec(),
            issuer: rcgen::Issuer::new(params, key),
        }
    }

    /// The signed certificate of a PEM CSR, PEM.
    pub fn sign(&self, csr_pem: &str) -> String {
        let csr = rcgen::CertificateSigningRequestParams::from_pem(csr_pem).expect("CSR parses");
        let der = csr.signed_by(&self.issuer).expect("signs").der().to_vec();
        certkeep_core::pem::encode_block("CERTIFICATE", &der)
    }
}

/// A certificate with its key (PEM: leaf then PRIVATE KEY), and the same as a PFX.
pub struct Upload {
    pub pem: Vec<u8>,
    pub leaf: Vec<u8>,
    pub key_der: Vec<u8>,
}

pub fn upload(cn: &str) -> Upload {
    let ca = TestCa::new();
    let key = rcgen::KeyPair::generate().expect("key");
    let mut params = rcgen::CertificateParams::new(vec![cn.to_string()]).expect("params");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, cn);
    let leaf = params
        .signed_by(&key, &ca.issuer)
        .expect("leaf")
        .der()
        .to_vec();
    let mut pem = certkeep_core::pem::encode_block("CERTIFICATE", &leaf);
    pem.push_str(&certkeep_core::pem::encode_block(
        "CERTIFICATE",
        &ca.cert_der,
    ));
    pem.push_str(&certkeep_core::pem::encode_block(
        "PRIVATE KEY",
        &key.serialize_der(),
    ));
    Upload {
        pem: pem.into_bytes(),
        leaf,
        key_der: key.serialize_der(),
    }
}

impl Upload {
    pub fn pfx(&self, password: &str) -> Vec<u8> {
        certkeep_core::pfx::write_pfx(&self.key_der, std::slice::from_ref(&self.leaf), password)
            .expect("PFX")
    }
}

/// What the walks use. Per-walk lists are indexed by the walk's number (0..7).
pub struct Estate {
    pub cert: String,
    pub renew_cert: String,
    pub delete_certs: Vec<String>,
    pub secret: String,
    pub request: String,
    pub csr_request: String,
    pub cancel_requests: Vec<String>,
    pub cancelled_requests: Vec<String>,
    pub merge_requests: Vec<String>,
    pub merge_pems: Vec<String>,
    pub exclusions: Vec<i64>,
    pub job: String,
    pub upload_pem: String,
    pub victim_users: BTreeMap<&'static str, String>,
}

async fn new_request(s: &Stack, admin: &Who, name: &str, issuer: &str) -> String {
    let r = s
        .post(
            admin,
            "/api/v1/requests",
            json!({"credential": "prod", "vault": SIDE_VAULT, "name": name,
                "common_name": format!("{name}.contoso.com"), "issuer": issuer}),
        )
        .await;
    assert_eq!(r.status, 201, "{}: request {name}: {r:?}", s.backend);
    let v = r.json();
    assert_eq!(v["status"], "in_progress", "{}: {v}", s.backend);
    v["id"].as_str().expect("request id").to_string()
}

/// Builds the estate on `s` (a private emulator: this writes to Key Vault), as `admin`.
/// `walks` is how many per-walk resources to make.
pub async fn build(s: &Stack, admin: &Session, walks: usize) -> Estate {
    let a = Who::Session(admin.clone());
    let setup = Actor::user("setup");
    s.demo_estate().await;
    s.engine
        .discover_secrets(
            &setup,
            &Scope::vault("prod", VAULT),
            SecretKind::TlsOnly,
            true,
            &NoProgress,
        )
        .await
        .expect("secret discovery");
    for v in ["victim-s", "victim-t"] {
        s.add_demo_credential(v).await;
    }
    let mut victim_users = BTreeMap::new();
    for v in ["victim-s", "victim-t"] {
        s.post(
            &a,
            "/api/v1/users",
            json!({"username": v, "password": fresh_password(), "role": "auditor"}),
        )
        .await
        .expect(201);
        let id = s
            .store
            .find_user_by_name(v)
            .await
            .unwrap()
            .unwrap()
            .id
            .as_str()
            .to_string();
        victim_users.insert(v, id);
    }
    // Exclusions: certificates of another vault deleted from Certkeep with exclusion.
    let excluded: Vec<String> = NAMES[..walks].iter().map(|n| format!("{n}-prod")).collect();
    s.engine
        .delete_certificates(
            &setup,
            &Scope::vault("prod", EXCLUDED_VAULT),
            &excluded,
            None,
            true,
        )
        .await
        .expect("local delete");
    let exclusions: Vec<i64> = s
        .engine
        .list_exclusions(&Scope::vault("prod", EXCLUDED_VAULT))
        .await
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(exclusions.len(), walks, "{}", s.backend);

    let ca = TestCa::new();
    let request = new_request(s, &a, "setup-request", "Self").await;
    let csr_request = new_request(s, &a, "setup-csr", "Unknown").await;
    let mut cancel_requests = Vec::new();
    let mut cancelled_requests = Vec::new();
    let mut merge_requests = Vec::new();
    let mut merge_pems = Vec::new();
    for w in 0..walks {
        cancel_requests.push(new_request(s, &a, &format!("setup-cancel-{w}"), "Self").await);
        // An external CA's request cancels at Key Vault's next tick; a poll records it.
        let c = new_request(s, &a, &format!("setup-cancelled-{w}"), "Unknown").await;
        let r = s
            .post(&a, &format!("/api/v1/requests/{c}/cancel"), json!({}))
            .await;
        assert_eq!(r.status, 200, "{}: cancel in setup: {r:?}", s.backend);
        cancelled_requests.push(c);
        let m = new_request(s, &a, &format!("setup-merge-{w}"), "Unknown").await;
        let csr = s.engine.request_csr(&m).await.expect("CSR");
        merge_pems.push(ca.sign(&csr));
        merge_requests.push(m);
    }
    let done = s
        .engine
        .wait_for_requests(
            &setup,
            &cancelled_requests,
            std::time::Duration::from_secs(30),
        )
        .await
        .expect("wait for the cancellations");
    assert!(
        done.iter().all(|r| r.status == "cancelled"),
        "{}: {:?}",
        s.backend,
        done.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    let job = s.post(&a, "/api/v1/requests/poll", json!({})).await;
    assert_eq!(job.status, 202, "{}: {job:?}", s.backend);
    let job = job.json()["id"].as_str().unwrap().to_string();
    let upload_pem = String::from_utf8(upload("upload.contoso.com").pem).unwrap();
    Estate {
        cert: "www-prod".into(),
        renew_cert: "api-prod".into(),
        delete_certs: NAMES[2..2 + walks]
            .iter()
            .map(|n| format!("{n}-prod"))
            .collect(),
        secret: format!("tls-prod-lb-{}", 0),
        request,
        csr_request,
        cancel_requests,
        cancelled_requests,
        merge_requests,
        merge_pems,
        exclusions,
        job,
        upload_pem,
        victim_users,
    }
}

impl Estate {
    /// The placeholders of walk `w`, as `user` (whose `password` is current), deleting the
    /// victims with `suffix` (`s` or `t`).
    pub fn vars(
        &self,
        w: usize,
        walk: &str,
        user: &Session,
        password: &str,
        suffix: &str,
        own_token: &str,
    ) -> BTreeMap<&'static str, String> {
        let mut v = BTreeMap::new();
        let mut put = |k: &'static str, val: String| {
            v.insert(k, val);
        };
        put("who", walk.to_string());
        put("username", user.username.clone());
        put("password", password.to_string());
        put("new_password", fresh_password());
        put("fresh", fresh_password());
        put("tenant", DEMO_TENANT.to_string());
        put("subscription", DEMO_SUBSCRIPTIONS[0].to_string());
        put("client", DEMO_CLIENT_ID.to_string());
        put("secret", DEMO_CLIENT_SECRET.to_string());
        put("credential", "prod".into());
        put("vault", VAULT.into());
        put("cert", self.cert.clone());
        put("renew_cert", self.renew_cert.clone());
        put("delete_cert", self.delete_certs[w].clone());
        put("tls_secret", self.secret.clone());
        put("request", self.request.clone());
        put("missing_request", uuid::Uuid::new_v4().to_string());
        put("csr_request", self.csr_request.clone());
        put("cancel_request", self.cancel_requests[w].clone());
        put("cancelled_request", self.cancelled_requests[w].clone());
        put("merge_request", self.merge_requests[w].clone());
        put("merge_pem", self.merge_pems[w].clone());
        put("exclusion", self.exclusions[w].to_string());
        put("job", self.job.clone());
        put("upload_pem", self.upload_pem.clone());
        put("own_token", own_token.to_string());
        put(
            "victim_user",
            self.victim_users[if suffix == "s" {
                "victim-s"
            } else {
                "victim-t"
            }]
            .clone(),
        );
        put("victim_credential", format!("victim-{suffix}"));
        v
    }
}
