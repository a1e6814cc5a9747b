//! The dashboard: state counts of certificates and TLS secrets, the expiry timeline by week
//! for the next 12 months (split by vault or by issuer), breakdowns by key type and issuer
//! kind, the soonest expiries and the recent activity. Each part is one bounded query.

use std::collections::HashMap;

use certkeep_store::{
    ExpiryState, ExpiryWeekCount, PageRequest, Show, StateCounts, TlsSecretPageFilter, WEEK_SECS,
};
use serde::Serialize;

use crate::queries::{AuditQuery, FacetCount};
use crate::views::{
    AuditView, CertificateQuery, CertificateSort, CertificateView, Names, Timestamp,
};
use crate::{Engine, EngineError};

/// Weeks on the timeline: the next 12 months.
pub const TIMELINE_WEEKS: u32 = 52;
/// Series drawn on the timeline; the rest are summed as "other".
pub const MAX_SERIES: usize = 6;
/// Rows of the soonest-expiries and recent-activity lists.
const LIST_ROWS: u64 = 10;

/// What the timeline's series are.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimelineSplit {
    #[default]
    Vault,
    Issuer,
}

/// Everything the dashboard shows.
#[derive(Debug, Clone, Serialize)]
pub struct DashboardView {
    pub now: Timestamp,
    /// Current certificate versions (from Key Vault and from TLS secrets).
    pub certificates: StateCounts,
    /// Current TLS secret versions, by their expiry attribute.
    pub tls_secrets: StateCounts,
    pub timeline: ExpiryTimeline,
    pub by_key_type: Vec<FacetCount>,
    pub by_issuer_kind: Vec<FacetCount>,
    /// The next certificates to expire (not yet expired), soonest first.
    pub soonest: Vec<CertificateView>,
    /// The latest audit events.
    pub recent: Vec<AuditView>,
}

/// Expiries per week from `start`, one series per vault or issuer.
#[derive(Debug, Clone, Serialize)]
pub struct ExpiryTimeline {
    pub start: Timestamp,
    pub weeks: u32,
    pub split: TimelineSplit,
    /// The largest series first; "other" last when there were more than [`MAX_SERIES`].
    pub series: Vec<TimelineSeries>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimelineSeries {
    pub label: String,
    /// One count per week.
    pub counts: Vec<u64>,
    pub total: u64,
}

impl ExpiryTimeline {
    /// The sum over every series of week `w`.
    pub fn week_total(&self, w: usize) -> u64 {
        self.series.iter().map(|s| s.counts[w]).sum()
    }
}

/// Groups the counted rows into series by `label`, the largest [`MAX_SERIES`] - 1 kept and
/// the rest summed as "other" (all kept when they fit).
pub fn fold_series(
    rows: &[ExpiryWeekCount],
    weeks: u32,
    label: impl Fn(&ExpiryWeekCount) -> String,
) -> Vec<TimelineSeries> {
    let weeks = weeks as usize;
    let mut by_label: HashMap<String, Vec<u64>> = HashMap::new();
    for r in rows {
        let counts = by_label.entry(label(r)).or_insert_with(|| vec![0; weeks]);
        if let Some(c) = counts.get_mut(r.week as usize) {
            *c += r.count;
        }
    }
    let mut series: Vec<TimelineSeries> = by_label
        .into_iter()
        .map(|(label, counts)| TimelineSeries {
            total: counts.iter().sum(),
            label,
            counts,
        })
        .collect();
    series.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.label.cmp(&b.label)));
    if series.len() > MAX_SERIES {
        let rest = series.split_off(MAX_SERIES - 1);
        let mut counts = vec![0; weeks];
        for s in &rest {
            for (c, n) in counts.iter_mut().zip(&s.counts) {
                *c += n;
            }
        }
        series.push(TimelineSeries {
            label: "other".into(),
            total: counts.iter().sum(),
            counts,
        });
    }
    series
}

impl Engine {
    /// The dashboard at the engine's time.
    pub async fn dashboard(&self, split: TimelineSplit) -> Result<DashboardView, EngineError> {
        let now = self.now();
        let current = CertificateQuery::default();
        let facets = self.certificate_facets(&current).await?;
        let secrets = self
            .store
            .tls_secret_facets(&TlsSecretPageFilter {
                show: Show::Current,
                now,
                ..Default::default()
            })
            .await?;
        let rows = self.store.expiry_weeks(now, TIMELINE_WEEKS).await?;
        let series = match split {
            TimelineSplit::Vault => {
                // Rows are few (weeks × vaults × issuers): a name per row is cheap.
                let names = Names::load(&self.store).await?;
                fold_series(&rows, TIMELINE_WEEKS, |r| names.of(r.vault_id).1)
            }
            TimelineSplit::Issuer => fold_series(&rows, TIMELINE_WEEKS, |r| {
                r.issuer
                    .clone()
                    .unwrap_or_else(|| "(from TLS secret)".into())
            }),
        };
        let soonest = self
            .list_certificates(&CertificateQuery {
                // Not yet expired, however far away.
                state: Some(ExpiryState::ExpiringWithin(100 * 365 * 86_400)),
                sort: CertificateSort::NotAfter,
                page: PageRequest::new(0, LIST_ROWS),
                ..current
            })
            .await?
            .items;
        let recent = self
            .list_audit(&AuditQuery {
                page: PageRequest::new(0, LIST_ROWS),
                ..Default::default()
            })
            .await?
            .items;
        Ok(DashboardView {
            now: now.into(),
            certificates: facets.by_state,
            tls_secrets: secrets.by_state,
            timeline: ExpiryTimeline {
                start: now.into(),
                weeks: TIMELINE_WEEKS,
                split,
                series,
            },
            by_key_type: facets.by_key_type,
            by_issuer_kind: facets.by_issuer_kind,
            soonest,
            recent,
        })
    }
}

/// The start of week `w` of a timeline that starts at `start`.
pub fn week_start(start: i64, w: u32) -> i64 {
    start.saturating_add(i64::from(w) * WEEK_SECS)
}

#[cfg(test)]
mod tests {
    use certkeep_store::VaultId;

    use super::*;

    fn row(vault: i64, week: u32, count: u64) -> ExpiryWeekCount {
        ExpiryWeekCount {
            vault_id: VaultId(vault),
            issuer: None,
            week,
            count,
        }
    }

    #[test]
    fn series_are_largest_first_and_the_rest_is_other() {
        let mut rows = vec![row(1, 0, 5), row(1, 3, 1), row(2, 0, 2)];
        for v in 3..=9 {
            rows.push(row(v, 51, 1));
        }
        let series = fold_series(&rows, 52, |r| format!("v{}", r.vault_id.0));
        assert_eq!(series.len(), MAX_SERIES);
        assert_eq!(series[0].label, "v1");
        assert_eq!(series[0].total, 6);
        assert_eq!(series[0].counts[3], 1);
        assert_eq!(series[1].label, "v2");
        let other = series.last().unwrap();
        assert_eq!(other.label, "other");
        // Five series are kept (v1, v2 and v3..v5 of the seven series of 1, by name), and
        // the other four (v6..v9) are folded.
        assert_eq!(series[4].label, "v5");
        assert_eq!(other.total, 4);
        assert_eq!(other.counts[51], 4);
        let all: u64 = series.iter().map(|s| s.total).sum();
        assert_eq!(all, 6 + 2 + 7);
    }

    #[test]
    fn a_week_beyond_the_timeline_is_not_counted() {
        let series = fold_series(&[row(1, 52, 4), row(1, 0, 1)], 52, |_| "v".into());
        assert_eq!(series[0].total, 1);
        assert_eq!(series[0].counts.len(), 52);
    }
}
