//! Turns an Azure SDK error into an [`AzureError`] a user can act on.
//!
//! The SDK wraps what matters: Entra ID failures arrive as `Credential` errors (often wrapped again
//! by the retry policy, whose `Display` then shows only its own context), and identity 1.0 fails to
//! parse Entra's `error_description` when it holds `\r\n`, leaving a `DataConversion` error whose
//! text still names the `AADSTSnnnn` code. So the whole `source()` chain is read.

use std::error::Error as StdError;

use azure_core::error::ErrorKind;

use crate::AzureError;
use crate::gate::ForeignHostRefused;

/// Classifies an SDK error. Never includes a secret: the SDK's texts hold Entra's and Azure's
/// messages, not the client secret or tokens.
pub fn classify(e: &azure_core::Error) -> AzureError {
    if let Some(f) = chain(e).find_map(|c| c.downcast_ref::<ForeignHostRefused>()) {
        return AzureError::ForeignHost {
            host: f.host.clone(),
            expected: f.expected.clone(),
        };
    }
    let text = chain_text(e);
    let mut codes = aadsts_codes(&text);
    codes.extend(entra_error_codes(e));
    for code in codes {
        match code {
            7000215 => return AzureError::WrongClientSecret,
            7000222 => return AzureError::ClientSecretExpired,
            700016 => return AzureError::UnknownApplication,
            90002 => return AzureError::UnknownTenant,
            _ => {}
        }
    }
    if let Some((status, code, message)) = http_failure(e) {
        return from_status(status, code, message);
    }
    if let Some(unreachable) = unreachable(e) {
        return unreachable;
    }
    AzureError::Sdk(text)
}

/// Like [`classify`], for a call to one vault: a 403 becomes [`AzureError::VaultAccessDenied`].
pub fn classify_vault(e: &azure_core::Error, vault: &str) -> AzureError {
    match classify(e) {
        AzureError::Http { status: 403, .. } => AzureError::VaultAccessDenied {
            vault: vault.to_string(),
        },
        other => other,
    }
}

fn from_status(status: u16, code: Option<String>, message: String) -> AzureError {
    let code_is = |c: &str| code.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(c));
    match status {
        429 => AzureError::Throttled,
        403 if code_is("AuthorizationFailed") => AzureError::NoSubscriptionAccess,
        404 if code_is("SubscriptionNotFound") => AzureError::SubscriptionNotFound,
        404 => AzureError::NotFound { message },
        _ => AzureError::Http {
            status,
            code,
            message,
        },
    }
}

/// The first HTTP failure in the chain: status, service error code, message.
fn http_failure(e: &azure_core::Error) -> Option<(u16, Option<String>, String)> {
    azure_errors(e).find_map(|err| match err.kind() {
        ErrorKind::HttpResponse {
            status, error_code, ..
        } => Some((u16::from(*status), error_code.clone(), err.to_string())),
        _ => None,
    })
}

/// Entra error codes that identity parsed into `HttpResponse { error_code }` (digits only).
fn entra_error_codes(e: &azure_core::Error) -> Vec<u32> {
    azure_errors(e)
        .filter_map(|err| match err.kind() {
            ErrorKind::HttpResponse {
                error_code: Some(code),
                ..
            } => Some(code.as_str()),
            _ => None,
        })
        .flat_map(|codes| codes.split(','))
        .filter_map(|c| c.trim().trim_start_matches("AADSTS").parse().ok())
        .collect()
}

/// A transport failure: connection refused, DNS, TLS, timeout, a connection dropped mid-answer.
fn unreachable(e: &azure_core::Error) -> Option<AzureError> {
    if let Some(r) = chain(e).find_map(|c| c.downcast_ref::<reqwest::Error>()) {
        let host = r
            .url()
            .and_then(|u| {
                u.host_str()
                    .map(|h| u.port().map_or(h.to_string(), |p| format!("{h}:{p}")))
            })
            .unwrap_or_else(|| "Azure".into());
        let reason = if r.is_timeout() {
            "the request timed out".to_string()
        } else {
            innermost(r)
        };
        return Some(AzureError::Unreachable { host, reason });
    }
    azure_errors(e)
        .find(|err| matches!(err.kind(), ErrorKind::Connection))
        .map(|err| AzureError::Unreachable {
            host: "Azure".into(),
            reason: innermost(err),
        })
}

/// The error and its sources.
fn chain<'a>(
    e: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(e), |c: &&'a (dyn StdError + 'static)| (*c).source())
}

fn azure_errors(e: &azure_core::Error) -> impl Iterator<Item = &azure_core::Error> {
    chain(e).filter_map(|c| c.downcast_ref::<azure_core::Error>())
}

fn innermost(e: &(dyn StdError + 'static)) -> String {
    chain(e).last().map(|c| c.to_string()).unwrap_or_default()
}

/// Every distinct message in the chain, joined with " | ".
pub(crate) fn chain_text(e: &azure_core::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in chain(e) {
        let s = c.to_string();
        if !s.is_empty() && !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
    }
    parts.join(" | ")
}

/// The numbers following every `AADSTS` in the text.
fn aadsts_codes(text: &str) -> Vec<u32> {
    text.match_indices("AADSTS")
        .filter_map(|(i, m)| {
            let digits: String = text[i + m.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        })
        .collect()
}

#[cfg(test)]
#[path = "classify_tests.rs"]
mod tests;
