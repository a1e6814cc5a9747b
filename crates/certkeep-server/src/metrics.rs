//! `GET /metrics`: the engine's metrics in Prometheus' text exposition format (0.0.4). Open to
//! loopback clients only, unless a metrics token is configured: then to anyone who sends it as
//! `Authorization: Bearer …`, and to no one else.

use std::fmt::Write;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use certkeep_engine::metrics::{ExpiryGauge, MetricsSnapshot, Place};
use certkeep_engine::views::StateCounts;
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};

use crate::auth::client::client_info;
use crate::state::AppState;

const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Why a request may not read the metrics: its status and a line saying what would work.
type Refusal = (StatusCode, &'static str);

fn refused((status, why): Refusal) -> Response {
    (status, why).into_response()
}

/// Whether the request may read the metrics.
fn allowed(st: &AppState, req: &Request) -> Result<(), Refusal> {
    match &st.settings.metrics_token {
        Some(token) => {
            let sent = req
                .headers()
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .unwrap_or_default();
            // Digests compared, so the comparison's time says nothing about the token.
            let digest = |s: &str| Sha256::digest(s.as_bytes());
            if digest(sent) == digest(token.expose_secret()) {
                Ok(())
            } else {
                Err((
                    StatusCode::UNAUTHORIZED,
                    "send the metrics token as a bearer token\n",
                ))
            }
        }
        None => match client_info(st, req).addr {
            Some(ip) if ip.is_loopback() => Ok(()),
            _ => Err((
                StatusCode::FORBIDDEN,
                "metrics are served to loopback clients only (or configure a metrics token)\n",
            )),
        },
    }
}

pub(crate) async fn metrics(State(st): State<AppState>, req: Request) -> Response {
    if let Err(refusal) = allowed(&st, &req) {
        return refused(refusal);
    }
    match st.engine.metrics(&st.settings.metrics_tags).await {
        Ok(snapshot) => {
            let mut r = render(&snapshot).into_response();
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
            r
        }
        Err(e) => {
            tracing::warn!("metrics: {e}");
            refused((
                StatusCode::SERVICE_UNAVAILABLE,
                "metrics are unavailable: see the server log\n",
            ))
        }
    }
}

/// A label value escaped as the text format requires (`\`, `"` and line feeds).
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// A tag key as a label name: `tag_` and the key with anything but `[a-zA-Z0-9_]` as `_`.
pub(crate) fn tag_label(key: &str) -> String {
    let mut out = String::from("tag_");
    out.extend(key.chars().map(|c| {
        if c.is_ascii_alphanumeric() || c == '_' {
            c
        } else {
            '_'
        }
    }));
    out
}

/// `{a="x",b="y"}` from pairs.
fn labels(pairs: &[(&str, &str)]) -> String {
    let body: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
        .collect();
    format!("{{{}}}", body.join(","))
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn place_labels(p: &Place) -> Vec<(&'static str, &str)> {
    vec![
        ("credential", p.credential.as_str()),
        ("subscription", p.subscription.as_str()),
        ("vault", p.vault.as_str()),
    ]
}

fn gauges(out: &mut String, name: &str, help: &str, rows: &[ExpiryGauge], tag_labels: &[String]) {
    family(out, name, "gauge", help);
    for g in rows {
        let mut pairs = place_labels(&g.place);
        pairs.push(("name", g.name.as_str()));
        if let Some(kind) = g.issuer_kind {
            pairs.push(("issuer_kind", kind));
        }
        if let Some(managed) = g.managed {
            pairs.push(("managed", if managed { "true" } else { "false" }));
        }
        for (label, value) in tag_labels.iter().zip(&g.tags) {
            pairs.push((label.as_str(), value.as_str()));
        }
        let _ = writeln!(out, "{name}{} {}", labels(&pairs), g.at);
    }
}

fn states(out: &mut String, name: &str, help: &str, s: &StateCounts) {
    family(out, name, "gauge", help);
    for (state, n) in [
        ("expired", s.expired),
        ("expiring_7d", s.expiring_7d),
        ("expiring_30d", s.expiring_30d),
        ("healthy", s.healthy),
        ("missing", s.missing),
    ] {
        let _ = writeln!(out, "{name}{} {n}", labels(&[("state", state)]));
    }
}

/// The whole exposition.
pub(crate) fn render(m: &MetricsSnapshot) -> String {
    let tag_labels: Vec<String> = m.tag_keys.iter().map(|k| tag_label(k)).collect();
    let mut out = String::new();
    gauges(
        &mut out,
        "certkeep_certificate_expiry_timestamp_seconds",
        "notAfter of the current version of each Key Vault certificate, Unix seconds.",
        &m.certificates,
        &tag_labels,
    );
    gauges(
        &mut out,
        "certkeep_tls_secret_expiry_timestamp_seconds",
        "The exp attribute of the current version of each TLS secret, Unix seconds.",
        &m.secret_expiries,
        &tag_labels,
    );
    gauges(
        &mut out,
        "certkeep_tls_secret_certificate_expiry_timestamp_seconds",
        "notAfter of the certificate inside the current version of each TLS secret, Unix seconds.",
        &m.secret_certificates,
        &tag_labels,
    );
    states(
        &mut out,
        "certkeep_certificates",
        "Current certificate versions by expiry state (expiring_30d includes expiring_7d).",
        &m.certificate_states,
    );
    states(
        &mut out,
        "certkeep_tls_secrets",
        "Current TLS secret versions by expiry state of their exp attribute (expiring_30d includes expiring_7d).",
        &m.secret_states,
    );
    let name = "certkeep_sync_runs_total";
    family(
        &mut out,
        name,
        "counter",
        "Discovery and import runs by kind and outcome, on every instance.",
    );
    for r in &m.runs {
        let pairs = [("kind", r.kind.as_str()), ("outcome", r.outcome.as_str())];
        let _ = writeln!(out, "{name}{} {}", labels(&pairs), r.count);
    }
    let name = "certkeep_sync_last_duration_seconds";
    family(
        &mut out,
        name,
        "gauge",
        "How long the last finished run of each kind took, per vault.",
    );
    for r in &m.last_runs {
        let mut pairs = place_labels(&r.place);
        pairs.push(("kind", r.kind.as_str()));
        let _ = writeln!(out, "{name}{} {}", labels(&pairs), r.duration_secs);
    }
    let name = "certkeep_sync_last_finished_timestamp_seconds";
    family(
        &mut out,
        name,
        "gauge",
        "When the last run of each kind finished, per vault, with its outcome, Unix seconds.",
    );
    for r in &m.last_runs {
        let mut pairs = place_labels(&r.place);
        pairs.push(("kind", r.kind.as_str()));
        pairs.push(("outcome", r.outcome));
        let _ = writeln!(out, "{name}{} {}", labels(&pairs), r.finished_at);
    }
    let name = "certkeep_azure_requests_total";
    family(
        &mut out,
        name,
        "counter",
        "Tries of requests to Azure by this process, by service, route and status (error: no answer).",
    );
    for r in &m.azure_requests {
        let pairs = [
            ("service", r.service),
            ("route", r.route.as_str()),
            ("status", r.status.as_str()),
        ];
        let _ = writeln!(out, "{name}{} {}", labels(&pairs), r.count);
    }
    let name = "certkeep_azure_throttle_wait_seconds_total";
    family(
        &mut out,
        name,
        "counter",
        "Time this process paused because Azure throttled it (Retry-After).",
    );
    let _ = writeln!(out, "{name} {}", m.throttle_wait_secs);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped_and_tag_keys_sanitised() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
        assert_eq!(tag_label("cost-center.id"), "tag_cost_center_id");
        assert_eq!(labels(&[("a", "x"), ("b", "\"")]), "{a=\"x\",b=\"\\\"\"}");
    }
}
