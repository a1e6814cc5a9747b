//! The scheduler loop of `serve`: every tick the engine renews this instance's leadership and,
//! when it leads, starts what is due. Stopped at shutdown, giving the leadership up.

use std::time::Duration;

use crate::state::AppState;

pub(crate) struct Running {
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
    state: AppState,
}

pub(crate) fn start(state: AppState) -> Running {
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let st = state.clone();
    let task = tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(st.settings.tick_secs));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut led = false;
        loop {
            tokio::select! {
                _ = every.tick() => {}
                _ = stopped.changed() => break,
            }
            let tick = st
                .engine
                .scheduler_tick(&st.settings.schedule, st.sessions())
                .await;
            if tick.leader != led {
                tracing::info!(
                    instance = st.engine.instance_id(),
                    "scheduler: this instance {} the leader",
                    if tick.leader {
                        "is now"
                    } else {
                        "is no longer"
                    }
                );
                led = tick.leader;
            }
            for job in &tick.started {
                tracing::info!(job = %job.id, kind = %job.kind, "scheduler started a job");
            }
        }
    });
    Running { stop, task, state }
}

impl Running {
    pub(crate) async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
        self.state.engine.resign().await;
    }
}
