//! Pages of query results, and the filters shared by the paginated queries.

/// The most rows one page returns.
pub const MAX_PAGE_LIMIT: u64 = 1000;
/// The rows a page returns when the caller does not say.
pub const DEFAULT_PAGE_LIMIT: u64 = 50;

/// Which slice of a sorted result to return. `limit` is clamped to `1..=1000` by every query.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PageRequest {
    /// Rows to skip.
    pub offset: u64,
    /// Rows to return (clamped to `1..=1000`).
    pub limit: u64,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            offset: 0,
            limit: DEFAULT_PAGE_LIMIT,
        }
    }
}

impl PageRequest {
    /// A request for `limit` rows after skipping `offset`.
    pub fn new(offset: u64, limit: u64) -> Self {
        Self { offset, limit }
    }

    /// The request with its limit clamped to `1..=MAX_PAGE_LIMIT`.
    pub fn clamped(self) -> Self {
        Self {
            offset: self.offset,
            limit: self.limit.clamp(1, MAX_PAGE_LIMIT),
        }
    }
}

/// One page of a sorted result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page<T> {
    /// The rows of this page, in order.
    pub items: Vec<T>,
    /// How many rows match in all (on every page).
    pub total: u64,
    /// The offset of the first item.
    pub offset: u64,
    /// The limit used (after clamping).
    pub limit: u64,
}

impl<T> Page<T> {
    /// Whether rows follow this page.
    pub fn has_more(&self) -> bool {
        self.offset.saturating_add(self.items.len() as u64) < self.total
    }

    /// The page with each item converted.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            offset: self.offset,
            limit: self.limit,
        }
    }
}

/// An expiry state, evaluated against the filter's `now` (Unix seconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExpiryState {
    /// Present, and its end of validity is at or before now.
    Expired,
    /// Present, not expired, and it ends within this many seconds from now (inclusive).
    ExpiringWithin(i64),
    /// Present, and it ends after the filter's `healthy_after_secs` window (TLS secrets: or has
    /// no expiry at all).
    Healthy,
    /// Marked missing (no longer found by discovery). Selecting this state returns missing rows
    /// whatever `include_missing` says; the other states never return missing rows.
    Missing,
}

/// A tag that must be present (with `value`: with exactly this value). Key and value are
/// compared exactly (case-sensitive).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct TagFilter {
    /// Tag name.
    pub key: String,
    /// Tag value; `None` matches any value.
    pub value: Option<String>,
}

/// The default `healthy_after_secs` of the filters: 30 days.
pub const DEFAULT_HEALTHY_AFTER_SECS: i64 = 30 * 86_400;

/// How many rows are in each expiry state. `expiring_7d` and `expiring_30d` are cumulative (the
/// 30-day count includes the 7-day one), so each equals the count of
/// `ExpiryState::ExpiringWithin(7 or 30 days)`; `healthy` uses the filter's `healthy_after_secs`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize)]
pub struct StateCounts {
    /// Expired (present rows).
    pub expired: u64,
    /// Expiring within 7 days (present rows).
    pub expiring_7d: u64,
    /// Expiring within 30 days (present rows; includes `expiring_7d`).
    pub expiring_30d: u64,
    /// Healthy (present rows).
    pub healthy: u64,
    /// Marked missing.
    pub missing: u64,
}
