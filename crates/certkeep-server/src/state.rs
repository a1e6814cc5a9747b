//! What every handler gets: the engine (the only door), and the server's settings.

use std::sync::Arc;

use certkeep_engine::Engine;
use certkeep_engine::access::{SessionPolicy, ThrottlePolicy};

use crate::settings::ServerSettings;

#[derive(Clone)]
pub struct AppState {
    pub engine: Arc<Engine>,
    pub settings: Arc<ServerSettings>,
}

impl AppState {
    pub fn sessions(&self) -> SessionPolicy {
        SessionPolicy {
            idle_secs: self.settings.session_idle_secs,
            absolute_secs: self.settings.session_absolute_secs,
        }
    }

    pub fn throttle(&self) -> ThrottlePolicy {
        ThrottlePolicy::default()
    }
}
