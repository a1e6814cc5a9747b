//! Several `certkeep serve` instances on one database (issue 7, §4): two real processes share
//! the store; one leads the scheduler. Killing the leader (SIGKILL) mid-discovery hands the
//! lead to the other within the stated time, the killed run is marked interrupted, each
//! credential's scheduled discovery runs once per interval across both instances, and the
//! inventory converges on Key Vault's. Runs on SQLite, and on PostgreSQL when
//! `CERTKEEP_TEST_DATABASE_URL` is set.

mod crash_common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use certkeep_emulator::gate::Faults;
use certkeep_store::{JobFilter, PageRequest, Store};
use crash_common::{Backend, Env, VAULT};
use tokio::io::{AsyncBufReadExt as _, BufReader};

/// The scheduled discovery interval the instances are given (the smallest allowed).
const INTERVAL_SECS: u64 = 10;
/// Takeover must happen within the leader lease (30 s) plus a tick (5 s).
const TAKEOVER_LIMIT: Duration = Duration::from_secs(35);

struct Instance {
    child: tokio::process::Child,
    url: String,
    pid: u32,
}

/// Starts `certkeep serve` on a free port and waits until it says where it listens.
async fn serve(b: &Backend) -> Instance {
    let args: Vec<String> = [
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--discovery-interval",
        &format!("{INTERVAL_SECS}s"),
        "--poll-interval",
        "5s",
    ]
    .map(String::from)
    .to_vec();
    let mut cmd = b.command(&args);
    cmd.stdout(Stdio::null()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn certkeep serve");
    let pid = child.id().expect("pid");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let url = tokio::time::timeout(Duration::from_secs(60), async {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(rest) = line.strip_prefix("Certkeep is serving ") {
                return rest.split_whitespace().next().map(str::to_string);
            }
        }
        None
    })
    .await
    .expect("serve starts within 60 s")
    .expect("serve prints its URL");
    // Keep draining stderr so the process never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Instance { child, url, pid }
}

/// The pid in the leader lease's holder (`instance ID (pid N on HOST, leader)`).
async fn leader_pid(store: &Store) -> Option<u32> {
    let lease = store.find_lease("scheduler:leader").await.ok()??;
    lease
        .holder
        .split("(pid ")
        .nth(1)?
        .split(' ')
        .next()?
        .parse()
        .ok()
}

async fn discovery_jobs(store: &Store) -> Vec<certkeep_store::Job> {
    let mut jobs = store
        .job_page(
            &JobFilter {
                kind: Some("discovery".into()),
                ..Default::default()
            },
            PageRequest::new(0, 1000),
        )
        .await
        .expect("jobs")
        .items;
    jobs.sort_by_key(|j| j.created_at);
    jobs
}

async fn wait_for<T, F, Fut>(what: &str, limit: Duration, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(
            started.elapsed() < limit,
            "timed out after {limit:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn two_instances(env: &Env, b: &Backend) {
    b.inventory().await;
    let store = Store::connect(&b.url).await.expect("store");
    let a = serve(b).await;
    let bb = serve(b).await;
    let pids = [a.pid, bb.pid];
    let leader = wait_for("a leader", Duration::from_secs(20), || async {
        leader_pid(&store).await.filter(|p| pids.contains(p))
    })
    .await;
    // Both answer the API, leader or not.
    let http = reqwest::Client::new();
    for i in [&a, &bb] {
        let r = http
            .get(format!("{}/readyz", i.url))
            .send()
            .await
            .expect("readyz");
        assert_eq!(r.status(), 200, "{} is ready", i.url);
    }
    // Slow Key Vault: a discovery takes seconds, so the kill lands in one.
    env.set_faults(Faults {
        latency_ms: 150,
        ..Default::default()
    });
    let running = wait_for("a running discovery", Duration::from_secs(30), || async {
        discovery_jobs(&store).await.into_iter().find(|j| {
            j.status == certkeep_store::JobStatus::Running
                && j.instance.contains(&format!("pid {leader} "))
        })
    })
    .await;
    let (mut killed, survivor) = if leader == a.pid { (a, bb) } else { (bb, a) };
    killed.child.start_kill().expect("SIGKILL");
    let _ = killed.child.wait().await;
    let killed_at = Instant::now();
    wait_for("the survivor to lead", TAKEOVER_LIMIT, || async {
        (leader_pid(&store).await == Some(survivor.pid)).then_some(())
    })
    .await;
    let takeover = killed_at.elapsed();
    let interrupted = wait_for(
        "the killed run marked interrupted",
        Duration::from_secs(20),
        || async {
            store
                .find_job(&running.id)
                .await
                .ok()
                .flatten()
                .filter(|j| j.status == certkeep_store::JobStatus::Interrupted)
        },
    )
    .await;
    assert!(interrupted.error.unwrap_or_default().contains("stopped"));
    env.set_faults(Faults::default());
    // The survivor discovers again (the next slot) and the inventory converges.
    let converged = wait_for(
        "a scheduled discovery by the survivor that succeeds",
        Duration::from_secs(INTERVAL_SECS * 3 + 30),
        || async {
            discovery_jobs(&store).await.into_iter().find(|j| {
                j.instance.contains(&format!("pid {} ", survivor.pid))
                    && j.status == certkeep_store::JobStatus::Succeeded
                    && j.created_at > interrupted.created_at
            })
        },
    )
    .await;
    let jobs = discovery_jobs(&store).await;
    // Once per interval: consecutive scheduled starts (one credential) are an interval apart
    // (the slot's jitter only lengthens it), whichever instance ran them.
    for pair in jobs.windows(2) {
        let gap = pair[1].created_at - pair[0].created_at;
        assert!(
            gap >= INTERVAL_SECS as i64 - 1,
            "{}: two scheduled discoveries {gap} s apart (interval {INTERVAL_SECS} s): {:?} then {:?}",
            b.label,
            pair[0].instance,
            pair[1].instance
        );
    }
    // The inventory equals Key Vault's versions of the vault.
    let truth: usize = {
        let w = env.emu.state.world.lock();
        w.vaults[VAULT]
            .certificates
            .values()
            .map(|c| c.versions.len())
            .sum()
    };
    let stored = b
        .run(&[
            "cert", "list", "--vault", VAULT, "--show", "all", "-o", "json",
        ])
        .await
        .ok()
        .json()
        .as_array()
        .map(Vec::len)
        .unwrap_or_default();
    assert_eq!(
        stored, truth,
        "{}: the inventory converged on Key Vault",
        b.label
    );
    eprintln!(
        "{}: leader pid {leader} killed during discovery job {}; pid {} led {:.1} s later (limit {:?}); the killed run was marked interrupted; {} scheduled discoveries, each >= {INTERVAL_SECS} s apart; converged with job {} ({stored} versions)",
        b.label,
        running.id.as_str(),
        survivor.pid,
        takeover.as_secs_f64(),
        TAKEOVER_LIMIT,
        jobs.len(),
        converged.id.as_str()
    );
    let mut survivor = survivor;
    let _ = survivor.child.start_kill();
    let _ = survivor.child.wait().await;
    store.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_leader_killed_mid_discovery_hands_over_and_each_run_happens_once() {
    let env = Env::start("instances", Faults::default(), 0.0, 60).await;
    for b in crash_common::backends(&env, "instances") {
        two_instances(&env, &b).await;
    }
    env.shutdown().await;
}
