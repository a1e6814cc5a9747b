//! The schedule as changed from Admin or the API. It is one row in the store's settings, over
//! the configured schedule (configuration file, environment, flags): every instance's scheduler
//! reads it each tick, so a change applies to all of them without a restart, and removing it
//! goes back to the configuration.

use certkeep_core::duration::{format_duration, parse_duration};
use certkeep_core::request::FieldError;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::scheduler::{DISCOVERY_SLOT_PREFIX, Schedule};
use crate::{Actor, Engine, EngineError};

/// The settings key.
const KEY: &str = "schedule";

/// Bounds of the intervals, in seconds (the configuration's own lower bounds).
const DISCOVERY_MIN: i64 = 10;
const DISCOVERY_MAX: i64 = 30 * 86_400;
const POLL_MIN: i64 = 1;
const POLL_MAX: i64 = 86_400;
const JITTER_MAX_PERCENT: i64 = 50;

/// What is stored.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Stored {
    discovery_secs: i64,
    jitter_percent: i64,
    poll_secs: i64,
}

/// A new schedule as typed in a form or sent to the API.
#[derive(Debug, Clone, Default)]
pub struct ScheduleInput {
    /// A duration: `6h`, `90m`, `1d`.
    pub discovery_interval: String,
    /// A whole number of percent, 0 to 50.
    pub jitter_percent: String,
    /// A duration: `30s`, `5m`.
    pub poll_interval: String,
}

/// One schedule, in seconds and as durations people type.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScheduleValues {
    pub discovery_interval: String,
    pub discovery_secs: i64,
    pub jitter_percent: i64,
    pub poll_interval: String,
    pub poll_secs: i64,
}

/// The schedule in force, where it comes from, and the configured one it overrides.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScheduleView {
    /// What the scheduler runs by.
    pub effective: ScheduleValues,
    /// `configuration`, or `settings` when changed from Admin or the API.
    pub source: &'static str,
    pub updated_at: Option<i64>,
    pub updated_by: Option<String>,
    /// The configuration's schedule (what a reset goes back to).
    pub configured: ScheduleValues,
}

fn values(s: &Schedule) -> ScheduleValues {
    ScheduleValues {
        discovery_interval: format_duration(s.discovery_secs),
        discovery_secs: s.discovery_secs,
        jitter_percent: (s.jitter * 100.0).round() as i64,
        poll_interval: format_duration(s.poll_secs),
        poll_secs: s.poll_secs,
    }
}

/// A stored schedule replaces the configured one whole (it has every field).
fn over(stored: Stored) -> Schedule {
    Schedule {
        discovery_secs: stored.discovery_secs,
        jitter: stored.jitter_percent as f64 / 100.0,
        poll_secs: stored.poll_secs,
    }
}

/// A duration within bounds, or the field's error.
fn interval(
    field: &'static str,
    text: &str,
    min: i64,
    max: i64,
    errors: &mut Vec<FieldError>,
) -> i64 {
    let bounds = format!(
        "must be from {} to {}",
        format_duration(min),
        format_duration(max)
    );
    match parse_duration(text) {
        Ok(secs) if (min..=max).contains(&secs) => secs,
        Ok(_) => {
            errors.push(FieldError::new(field, bounds));
            0
        }
        Err(e) => {
            errors.push(FieldError::new(field, e));
            0
        }
    }
}

/// The input checked: every bad field named at once.
fn checked(input: &ScheduleInput) -> Result<Stored, EngineError> {
    let mut errors = Vec::new();
    let discovery_secs = interval(
        "discovery_interval",
        &input.discovery_interval,
        DISCOVERY_MIN,
        DISCOVERY_MAX,
        &mut errors,
    );
    let poll_secs = interval(
        "poll_interval",
        &input.poll_interval,
        POLL_MIN,
        POLL_MAX,
        &mut errors,
    );
    let jitter_percent = match input.jitter_percent.trim().parse::<i64>() {
        Ok(p) if (0..=JITTER_MAX_PERCENT).contains(&p) => p,
        _ => {
            errors.push(FieldError::new(
                "jitter_percent",
                format!("must be a whole number from 0 to {JITTER_MAX_PERCENT}"),
            ));
            0
        }
    };
    if !errors.is_empty() {
        return Err(EngineError::Fields { errors });
    }
    Ok(Stored {
        discovery_secs,
        jitter_percent,
        poll_secs,
    })
}

impl Engine {
    async fn stored_schedule(
        &self,
    ) -> Result<Option<(Stored, certkeep_store::Setting)>, EngineError> {
        let Some(setting) = self.store.find_setting(KEY).await? else {
            return Ok(None);
        };
        let stored: Stored = serde_json::from_str(&setting.value)
            .map_err(|e| certkeep_store::StoreError::Corrupt(format!("settings.{KEY}: {e}")))?;
        Ok(Some((stored, setting)))
    }

    /// The schedule the scheduler runs by: the stored one over `configured`.
    pub async fn effective_schedule(&self, configured: &Schedule) -> Result<Schedule, EngineError> {
        Ok(match self.stored_schedule().await? {
            Some((stored, _)) => over(stored),
            None => *configured,
        })
    }

    /// The schedule in force and where it comes from.
    pub async fn schedule(&self, configured: &Schedule) -> Result<ScheduleView, EngineError> {
        Ok(match self.stored_schedule().await? {
            Some((stored, setting)) => ScheduleView {
                effective: values(&over(stored)),
                source: "settings",
                updated_at: Some(setting.updated_at),
                updated_by: Some(setting.updated_by),
                configured: values(configured),
            },
            None => ScheduleView {
                effective: values(configured),
                source: "configuration",
                updated_at: None,
                updated_by: None,
                configured: values(configured),
            },
        })
    }

    /// Sets the schedule for every instance (audited). A shorter discovery interval also
    /// shortens the slots already taken, so the next runs follow it.
    pub async fn set_schedule(
        &self,
        actor: &Actor,
        configured: &Schedule,
        input: &ScheduleInput,
    ) -> Result<ScheduleView, EngineError> {
        let stored = checked(input)?;
        let value = serde_json::to_string(&stored)
            .map_err(|e| certkeep_store::StoreError::Invalid(format!("settings.{KEY}: {e}")))?;
        let detail = json!({
            "discovery_secs": stored.discovery_secs,
            "jitter_percent": stored.jitter_percent,
            "poll_secs": stored.poll_secs,
        });
        self.store
            .put_setting(
                KEY,
                &value,
                &actor.audit_name(),
                self.audit(actor, "settings.schedule.set", KEY, "succeeded", detail),
            )
            .await?;
        self.store
            .cap_leases(DISCOVERY_SLOT_PREFIX, over(stored).longest_discovery_slot())
            .await?;
        self.schedule(configured).await
    }

    /// Goes back to the configured schedule (audited when a stored one was removed).
    pub async fn reset_schedule(
        &self,
        actor: &Actor,
        configured: &Schedule,
    ) -> Result<ScheduleView, EngineError> {
        let event = self.audit(
            actor,
            "settings.schedule.reset",
            KEY,
            "succeeded",
            json!({}),
        );
        if self.store.delete_setting(KEY, event).await? {
            self.store
                .cap_leases(DISCOVERY_SLOT_PREFIX, configured.longest_discovery_slot())
                .await?;
        }
        self.schedule(configured).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(d: &str, j: &str, p: &str) -> ScheduleInput {
        ScheduleInput {
            discovery_interval: d.into(),
            jitter_percent: j.into(),
            poll_interval: p.into(),
        }
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let Err(EngineError::Fields { errors }) = checked(&input("5s", "x", "2d")) else {
            panic!("refused");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            ["discovery_interval", "poll_interval", "jitter_percent"]
        );
        assert!(
            errors[0].reason.contains("from 10s to 30d"),
            "{}",
            errors[0].reason
        );
        let Err(EngineError::Fields { errors }) = checked(&input("six", "51", "30s")) else {
            panic!("refused");
        };
        assert_eq!(errors.len(), 2);
        assert!(errors[0].reason.contains("not a duration"));
    }

    #[test]
    fn a_good_schedule_is_stored_in_seconds_and_shown_as_typed() {
        let Ok(s) = checked(&input(" 90m ", "15", "45s")) else {
            panic!("accepted");
        };
        assert_eq!(
            (s.discovery_secs, s.jitter_percent, s.poll_secs),
            (5_400, 15, 45)
        );
        let shown = values(&over(s));
        assert_eq!(
            (
                shown.discovery_interval.as_str(),
                shown.jitter_percent,
                shown.poll_interval.as_str()
            ),
            ("90m", 15, "45s")
        );
    }
}
