//! Signing in and out, and recognising a session. Failed sign-ins are throttled per user name
//! and per client address with growing lockouts; a wrong user and a wrong password get the same
//! answer, and cost the same time. Every sign-in, failure and lockout is audited.

use certkeep_store::{NewSession, UserUpdate};
use serde_json::json;

use super::{Principal, Via, password, secrets};
use crate::{Actor, Engine, EngineError};

/// Session lifetimes.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    pub idle_secs: i64,
    pub absolute_secs: i64,
}

/// When failed sign-ins lock a key out.
#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    /// Failures within `window_secs` before a lockout.
    pub free_failures: i64,
    pub window_secs: i64,
    /// The first lockout; each further failure doubles it, up to `max_lockout_secs`.
    pub first_lockout_secs: i64,
    pub max_lockout_secs: i64,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            free_failures: 5,
            window_secs: 15 * 60,
            first_lockout_secs: 30,
            max_lockout_secs: 15 * 60,
        }
    }
}

impl ThrottlePolicy {
    /// The lockout after `failures` failures in the window (0: none).
    pub fn lockout_secs(&self, failures: i64) -> i64 {
        if failures < self.free_failures {
            return 0;
        }
        let doublings = (failures - self.free_failures).clamp(0, 20) as u32;
        self.first_lockout_secs
            .saturating_mul(1i64 << doublings)
            .min(self.max_lockout_secs)
    }
}

/// A successful sign-in: the session id and CSRF token for the browser (shown once; the store
/// keeps their digests), and who signed in.
#[derive(Debug)]
pub struct LoginOutcome {
    pub session_token: String,
    pub csrf_token: String,
    pub principal: Principal,
    pub expires_at: i64,
}

/// The one answer to a failed sign-in, whatever was wrong.
fn bad_credentials() -> EngineError {
    EngineError::Unauthenticated {
        reason: "wrong user name or password".into(),
    }
}

impl Engine {
    /// Signs `username` in from `client_addr`. Throttled keys are refused before the password
    /// is looked at.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        client_addr: Option<&str>,
        user_agent: Option<&str>,
        sessions: SessionPolicy,
        throttle: ThrottlePolicy,
    ) -> Result<LoginOutcome, EngineError> {
        let name = username.trim().to_ascii_lowercase();
        // A name no user can have (too long, control characters) fails like a wrong user,
        // counted against the client address only.
        let plausible =
            !name.is_empty() && name.len() <= 128 && !name.chars().any(char::is_control);
        let name = if plausible {
            name
        } else {
            "(invalid user name)".to_string()
        };
        let actor = Actor::user(&name);
        let now = self.now();
        let keys: Vec<String> = plausible
            .then(|| format!("user:{name}"))
            .into_iter()
            .chain(client_addr.map(|a| format!("addr:{a}")))
            .collect();
        for key in &keys {
            if let Some(t) = self.store.find_login_throttle(key).await?
                && let Some(until) = t.locked_until.filter(|u| *u > now)
            {
                self.audit_event(
                    &actor,
                    "user.login",
                    &name,
                    "refused",
                    json!({"locked_by": key_kind(key), "until": until}),
                )
                .await;
                return Err(EngineError::RateLimited {
                    retry_after_secs: until - now,
                });
            }
        }
        let user = match plausible {
            true => self.store.find_user_by_name(&name).await?,
            false => None,
        };
        let hash = user
            .as_ref()
            .map_or(password::decoy_hash(), |u| u.password_hash.as_str())
            .to_string();
        let password = password.to_string();
        let matches = tokio::task::spawn_blocking(move || password::verify(&password, &hash))
            .await
            .unwrap_or(false);
        let user = match user {
            Some(u) if matches && !u.disabled => u,
            _ => {
                let mut locked = None;
                for key in &keys {
                    let t = self
                        .store
                        .record_login_failure(key, now, throttle.window_secs)
                        .await?;
                    let secs = throttle.lockout_secs(t.failures);
                    if secs > 0 {
                        self.store.set_login_lockout(key, now + secs).await?;
                        locked = Some((key.clone(), secs));
                    }
                }
                self.audit_event(
                    &actor,
                    "user.login",
                    &name,
                    "failed",
                    json!({"client": client_addr}),
                )
                .await;
                if let Some((key, secs)) = locked {
                    self.audit_event(
                        &actor,
                        "user.lockout",
                        &name,
                        "locked",
                        json!({"key": key_kind(&key), "seconds": secs, "client": client_addr}),
                    )
                    .await;
                }
                return Err(bad_credentials());
            }
        };
        for key in &keys {
            self.store.clear_login_throttle(key).await?;
        }
        let session_token = secrets::new_secret("")?;
        let csrf_token = secrets::new_secret("")?;
        let expires_at = now + sessions.absolute_secs;
        let session = self
            .store
            .create_session(NewSession {
                id_hash: secrets::digest(&session_token),
                user_id: user.id.clone(),
                csrf_hash: secrets::digest(&csrf_token),
                created_at: now,
                expires_at,
                client_addr: client_addr.map(str::to_string),
                user_agent: user_agent.map(str::to_string),
            })
            .await?;
        self.store
            .update_user(
                &user.id,
                UserUpdate {
                    last_login_at: Some(now),
                    ..Default::default()
                },
                Some(self.audit(
                    &actor,
                    "user.login",
                    &name,
                    "succeeded",
                    json!({"client": client_addr}),
                )),
            )
            .await?;
        Ok(LoginOutcome {
            session_token,
            csrf_token,
            expires_at,
            principal: Principal {
                actor,
                user_id: user.id,
                username: user.username,
                role: user.role,
                must_change_password: user.must_change_password,
                via: Via::Session {
                    id_hash: session.id_hash,
                    csrf_hash: session.csrf_hash,
                },
            },
        })
    }

    /// The principal of a session cookie, if the session is live (idle and absolute limits)
    /// and its user enabled; a live session's last-seen time moves on.
    pub async fn authenticate_session(
        &self,
        session_token: &str,
        sessions: SessionPolicy,
    ) -> Result<Option<Principal>, EngineError> {
        let now = self.now();
        let id_hash = secrets::digest(session_token);
        let Some((session, user)) = self.store.find_session_with_user(&id_hash).await? else {
            return Ok(None);
        };
        if !session.is_live_at(now, sessions.idle_secs) {
            self.store.delete_session(&id_hash).await?;
            return Ok(None);
        }
        let Some(user) = user else {
            return Ok(None);
        };
        if user.disabled {
            return Ok(None);
        }
        // Touch at most once a minute: a busy page does not write on every request.
        if now - session.last_seen_at >= 60 {
            self.store.touch_session(&id_hash, now).await?;
        }
        Ok(Some(Principal {
            actor: Actor::user(&user.username),
            user_id: user.id,
            username: user.username,
            role: user.role,
            must_change_password: user.must_change_password,
            via: Via::Session {
                id_hash,
                csrf_hash: session.csrf_hash,
            },
        }))
    }

    /// Ends a session on the server.
    pub async fn logout(&self, principal: &Principal) -> Result<(), EngineError> {
        if let Via::Session { id_hash, .. } = &principal.via {
            self.store.delete_session(id_hash).await?;
            self.audit_event(
                &principal.actor,
                "user.logout",
                &principal.username,
                "succeeded",
                json!({}),
            )
            .await;
        }
        Ok(())
    }

    /// Removes sessions past their limits (the scheduler runs it).
    pub async fn purge_sessions(&self, sessions: SessionPolicy) -> Result<usize, EngineError> {
        let now = self.now();
        Ok(self
            .store
            .purge_sessions(now, now - sessions.idle_secs)
            .await?)
    }

    /// Appends one audit event (a failure to record is logged).
    pub(crate) async fn audit_event(
        &self,
        actor: &Actor,
        action: &str,
        target: &str,
        outcome: &str,
        detail: serde_json::Value,
    ) {
        let event = self.audit(actor, action, target, outcome, detail);
        if let Err(e) = self.store.record_audit_event(event).await {
            tracing::warn!("recording {action} in the audit log failed: {e}");
        }
    }
}

fn key_kind(key: &str) -> &str {
    key.split(':').next().unwrap_or(key)
}

#[cfg(test)]
mod tests {
    use super::ThrottlePolicy;

    #[test]
    fn lockouts_start_after_the_free_failures_and_double_to_the_cap() {
        let p = ThrottlePolicy::default();
        assert_eq!(
            (1..=12).map(|f| p.lockout_secs(f)).collect::<Vec<_>>(),
            vec![0, 0, 0, 0, 30, 60, 120, 240, 480, 900, 900, 900]
        );
    }
}
