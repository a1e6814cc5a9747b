//! Query-string vocabulary shared by the listings: scope, paging, expiry state, tags, sort
//! order; each turned into the engine's query types with the field named on a bad value.

use certkeep_engine::Scope;
use certkeep_engine::views::{ExpiryState, PageRequest, ShowVersions, TagFilter};

use crate::error::ApiError;

pub const THIRTY_DAYS: i64 = 30 * 86_400;
/// The largest `offset` a listing takes (far beyond any inventory; databases count in i64).
pub const MAX_OFFSET: u64 = 1_000_000_000;

pub fn scope(credential: &Option<String>, vault: &Option<String>) -> Scope {
    Scope {
        credential: credential.clone(),
        vault: vault.clone(),
    }
}

pub fn page(offset: Option<u64>, limit: Option<u64>) -> Result<PageRequest, ApiError> {
    let limit = limit.unwrap_or(50);
    if !(1..=certkeep_engine::views::MAX_PAGE_LIMIT).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            format!("must be 1 to {}", certkeep_engine::views::MAX_PAGE_LIMIT),
        ));
    }
    let offset = offset.unwrap_or(0);
    if offset > MAX_OFFSET {
        return Err(ApiError::invalid(
            "offset",
            format!("must be at most {MAX_OFFSET}"),
        ));
    }
    Ok(PageRequest::new(offset, limit))
}

pub fn show(text: &Option<String>) -> Result<ShowVersions, ApiError> {
    match text.as_deref() {
        None | Some("current") => Ok(ShowVersions::Current),
        Some("previous") => Ok(ShowVersions::Previous),
        Some("all") => Ok(ShowVersions::All),
        Some(_) => Err(ApiError::invalid(
            "show",
            "must be current, previous or all",
        )),
    }
}

/// `state` (expired|expiring|healthy|missing) and `expiring_within_days`; `expiring` takes
/// its window from `expiring_within_days` (30 by default), which then narrows no further.
pub fn state(
    text: &Option<String>,
    within_days: Option<i64>,
) -> Result<(Option<ExpiryState>, Option<i64>), ApiError> {
    if within_days.is_some_and(|d| !(0..=36_500).contains(&d)) {
        return Err(ApiError::invalid(
            "expiring_within_days",
            "must be 0 to 36500",
        ));
    }
    let within = within_days.map(|d| d * 86_400);
    Ok(match text.as_deref() {
        None => (None, within),
        Some("expired") => (Some(ExpiryState::Expired), within),
        Some("expiring") => (
            Some(ExpiryState::ExpiringWithin(within.unwrap_or(THIRTY_DAYS))),
            None,
        ),
        Some("healthy") => (Some(ExpiryState::Healthy), within),
        Some("missing") => (Some(ExpiryState::Missing), within),
        Some(_) => {
            return Err(ApiError::invalid(
                "state",
                "must be expired, expiring, healthy or missing",
            ));
        }
    })
}

/// `key` or `key=value`.
pub fn tag(text: &Option<String>) -> Result<Option<TagFilter>, ApiError> {
    let Some(t) = text.as_deref() else {
        return Ok(None);
    };
    let (key, value) = match t.split_once('=') {
        Some((k, v)) => (k, Some(v.to_string())),
        None => (t, None),
    };
    if key.trim().is_empty() {
        return Err(ApiError::invalid("tag", "give key or key=value"));
    }
    Ok(Some(TagFilter {
        key: key.to_string(),
        value,
    }))
}

/// `asc` (default) or `desc`.
pub fn descending(order: &Option<String>) -> Result<bool, ApiError> {
    match order.as_deref() {
        None | Some("asc") => Ok(false),
        Some("desc") => Ok(true),
        Some(_) => Err(ApiError::invalid("order", "must be asc or desc")),
    }
}

/// `sending`, `in_progress`, `completed`, `failed` or `cancelled`.
pub fn request_status(
    text: &Option<String>,
) -> Result<Option<certkeep_engine::requests::RequestStatus>, ApiError> {
    use certkeep_engine::requests::RequestStatus as S;
    text.as_deref()
        .map(|s| {
            Ok(match s {
                "sending" => S::Sending,
                "in_progress" => S::InProgress,
                "completed" => S::Completed,
                "failed" => S::Failed,
                "cancelled" => S::Cancelled,
                _ => {
                    return Err(ApiError::invalid(
                        "status",
                        "must be sending, in_progress, completed, failed or cancelled",
                    ));
                }
            })
        })
        .transpose()
}

/// `key=value,key=value` (a form's tags), each side trimmed; blank entries skipped.
pub fn tag_list(
    field: &str,
    text: &str,
) -> Result<std::collections::BTreeMap<String, String>, ApiError> {
    let mut tags = std::collections::BTreeMap::new();
    for pair in text.split(',').filter(|p| !p.trim().is_empty()) {
        let (k, v) = pair
            .split_once('=')
            .ok_or_else(|| ApiError::invalid(field, format!("'{pair}' is not key=value")))?;
        tags.insert(k.trim().to_string(), v.trim().to_string());
    }
    Ok(tags)
}
