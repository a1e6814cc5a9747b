//! Safety of certificate requests and renewals (issue 6, §6), through the real binary, on
//! SQLite and on PostgreSQL when `CERTKEEP_TEST_DATABASE_URL` is set:
//!
//! 1. `cert renew --wait` killed with SIGKILL at random points (≥ 20 kills per backend);
//! 2. `cert request --wait` (a new version of one name each round) killed the same way;
//! 3. Key Vault dropping create answers after committing them;
//! 4. listings, `request show` and `cert obtain` sending no write at all.
//!
//! Each kill round asks for exactly one new version: the killed command, then `request poll` /
//! `request wait` (never killed) until no request is open, then — only when the round's
//! request ended failed as interrupted, or was never recorded — the same command again. Key
//! Vault (the emulator's state and per-route counters) must end with exactly one new version
//! per round and exactly one create per version (plus, per round, at most the one create the
//! killed process had sent that the emulator never committed: counted on arrival, cancelled
//! with the connection), every request completed or failed, and the inventory equal to Key
//! Vault's versions.

mod crash_common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use certkeep_emulator::gate::Faults;
use crash_common::{Backend, CREATE, Env, Rng, Snap, VAULT, backends, is_write};
use serde_json::Value;

/// Kills per backend and test.
const MIN_KILLS: usize = 20;
/// Rounds per backend at most (a round whose command ends before its kill is not a kill).
const MAX_ROUNDS: usize = 34;
/// After a kill, time for a create already received to be handled (latency ≤ 50 ms).
const SETTLE: Duration = Duration::from_millis(150);
/// The Self issuer's delay: kills land while the operation is pending, too.
const SELF_DELAY_SECS: f64 = 0.3;

fn kill_faults() -> Faults {
    Faults {
        latency_ms: 20,
        jitter_ms: 30,
        ..Default::default()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    Renew,
    Request,
}

fn action_args(a: Action, name: &str) -> Vec<String> {
    let cn = format!("{}.crash.example.com", name.to_ascii_lowercase());
    let args: Vec<&str> = match a {
        Action::Renew => vec![
            "cert",
            "renew",
            "--vault",
            VAULT,
            name,
            "--validity-months",
            "3",
            "--wait",
            "-o",
            "json",
        ],
        Action::Request => vec![
            "cert",
            "request",
            "--vault",
            VAULT,
            "--name",
            name,
            "--cn",
            &cn,
            // EC: the emulator's key generation is quick, so rounds are short.
            "--key",
            "ec:p-256",
            "--validity-months",
            "3",
            "--wait",
            "-o",
            "json",
        ],
    };
    args.into_iter().map(String::from).collect()
}

/// The request id of an unkilled command's output, which must say completed.
fn completed_request(a: Action, out: &crash_common::Out) -> String {
    let json = out.json();
    let (status, id) = match a {
        Action::Renew => {
            let items = json.as_array().expect("renew prints an array");
            assert_eq!(items.len(), 1, "one outcome per name: {json}");
            (&items[0]["outcome"], &items[0]["request_id"])
        }
        Action::Request => (&json["status"], &json["id"]),
    };
    assert_eq!(
        status.as_str(),
        Some("completed"),
        "certkeep {}: not completed: {json}",
        out.args
    );
    id.as_str().expect("request id").to_string()
}

fn field<'a>(r: &'a Value, f: &str) -> &'a str {
    r[f].as_str().unwrap_or_default()
}

/// Requests of `name` not in `known`.
async fn new_requests(b: &Backend, name: &str, known: &BTreeSet<String>) -> Vec<Value> {
    fresh(b.requests(name).await, known)
}

fn ids(requests: &[Value]) -> BTreeSet<String> {
    requests
        .iter()
        .map(|r| field(r, "id").to_string())
        .collect()
}

fn is_open(r: &Value) -> bool {
    matches!(field(r, "status"), "sending" | "in_progress")
}

/// `request poll` (for requests left `sending`) and `request wait` (for those in progress),
/// never killed, until no request of `name` is open; returns the settled Request Status list.
async fn settle_requests(env: &Env, b: &Backend, name: &str) -> Vec<Value> {
    let mut requests = b.requests(name).await;
    for _ in 0..10 {
        if !requests.iter().any(is_open) {
            return requests;
        }
        if requests.iter().any(|r| field(r, "status") == "sending") {
            b.run(&["request", "poll", "-o", "json"]).await.ok();
            requests = b.requests(name).await;
        }
        let in_progress: Vec<String> = requests
            .iter()
            .filter(|r| field(r, "status") == "in_progress")
            .map(|r| field(r, "id").to_string())
            .collect();
        if let Some(op) = env.zombie_pending(name) {
            panic!(
                "{}: EMULATOR BUG, not Certkeep's: Key Vault's pending operation {op} of {name} has no key and never completes (the emulator must finish an accepted create even when the client's connection is gone); requests: {requests:?}",
                b.label
            );
        }
        if !in_progress.is_empty() {
            let mut args: Vec<String> = ["request", "wait"].map(String::from).to_vec();
            args.extend(in_progress);
            args.extend(["--timeout", "30", "-o", "json"].map(String::from));
            b.run_owned(&args).await.ok();
            requests = b.requests(name).await;
        }
    }
    panic!(
        "{}: requests of {name} still open after 10 rounds of poll and wait (a 'sending' one: was the killed sender's lease not taken over?): {requests:?}",
        b.label
    );
}

fn fresh(requests: Vec<Value>, known: &BTreeSet<String>) -> Vec<Value> {
    requests
        .into_iter()
        .filter(|r| !known.contains(field(r, "id")))
        .collect()
}

#[derive(Debug, Default)]
struct Stats {
    rounds: usize,
    kills: usize,
    /// Commands that ended before their kill (not counted as kills).
    ended_before_kill: usize,
    /// Killed before any create reached Key Vault.
    killed_before_create: usize,
    /// Killed after the create reached Key Vault.
    killed_after_create: usize,
    /// The round's request right after the kill: no record, sending, in_progress, completed...
    after_kill: BTreeMap<String, usize>,
    /// Left `sending` with the create committed in Key Vault, then adopted by the poller.
    adopted: usize,
    /// Failed "interrupted, nothing was created" by the poller, then asked again.
    interrupted: usize,
    /// Killed before the request was recorded, then asked again.
    no_record: usize,
    /// Creates counted on arrival whose handling the kill cancelled (nothing committed).
    uncommitted_creates: usize,
    /// Leases a killed command left behind (taken over by the next run).
    orphan_leases: usize,
    reruns: usize,
    expected_creates: u64,
    unkilled: Duration,
    create_at: Duration,
}

/// One round: exactly one new version asked for (see the module's doc).
async fn round(
    env: &Env,
    b: &Backend,
    action: Action,
    name: &str,
    delay: Option<Duration>,
    s: &mut Stats,
    known_out: &mut BTreeSet<String>,
) {
    if std::env::var_os("CRASH_VERBOSE").is_some() {
        eprintln!(
            "{}: round {} of {name}, kill after {delay:?}",
            b.label, s.rounds
        );
    }
    let known_before = known_out.clone();
    let known = &known_before;
    let before = env.snap(name);
    let args = action_args(action, name);
    let mut expected_creates = 1u64;
    let mut settled_list = None;
    match delay {
        None => {
            // Unkilled: measures the command and when its create reaches Key Vault.
            let started = Instant::now();
            let run = b.run_owned(&args);
            tokio::pin!(run);
            let mut create_at = None;
            let out = loop {
                tokio::select! {
                    out = &mut run => break out,
                    _ = tokio::time::sleep(Duration::from_millis(5)) => {
                        if create_at.is_none() && env.count(CREATE) > before.creates {
                            create_at = Some(started.elapsed());
                        }
                    }
                }
            };
            let out = out.ok();
            completed_request(action, &out);
            s.unkilled = out.elapsed;
            s.create_at = create_at.unwrap_or(out.elapsed / 2);
        }
        Some(d) => {
            let (killed, code) = b.run_killed(&args, d).await;
            if killed {
                s.kills += 1;
            } else {
                s.ended_before_kill += 1;
                assert_eq!(code, Some(0), "{name}: unkilled {args:?} exited {code:?}");
            }
            tokio::time::sleep(SETTLE).await;
            let after_kill = env.snap(name);
            let arrived = after_kill.creates - before.creates;
            assert!(
                arrived <= 1,
                "{}: one {action:?} of {name} sent {arrived} creates",
                b.label
            );
            if killed {
                if arrived == 1 {
                    s.killed_after_create += 1;
                } else {
                    s.killed_before_create += 1;
                }
            }
            let recorded = new_requests(b, name, known).await;
            assert!(
                recorded.len() <= 1,
                "{}: one {action:?} recorded {} requests: {recorded:?}",
                b.label,
                recorded.len()
            );
            let state = recorded
                .first()
                .map(|r| field(r, "status").to_string())
                .unwrap_or_else(|| "no record".into());
            *s.after_kill.entry(state.clone()).or_default() += 1;
            // A lease the killed command left behind: the next run must take it over by
            // itself (its holder's process is dead), with no clock moved by the test.
            if b.has_lease(name).await {
                assert!(killed, "{}: a lease outlived a command that ended", b.label);
                s.orphan_leases += 1;
            }
            let settled_requests = settle_requests(env, b, name).await;
            let settled = env.snap(name);
            let committed = settled.committed_since(&before);
            if arrived == 0 {
                assert!(
                    !committed,
                    "{}: Key Vault changed {name} without a create: {before:?} -> {settled:?}",
                    b.label
                );
            }
            let recorded = fresh(settled_requests.clone(), known);
            assert!(recorded.len() <= 1, "{recorded:?}");
            let rerun = match recorded.first() {
                None => {
                    assert!(
                        killed,
                        "{}: an unkilled {action:?} left no request",
                        b.label
                    );
                    s.no_record += 1;
                    true
                }
                Some(r) if field(r, "status") == "completed" => {
                    if state == "sending" {
                        s.adopted += 1;
                    }
                    false
                }
                Some(r)
                    if field(r, "status") == "failed"
                        && field(r, "error_code") == "Interrupted" =>
                {
                    assert!(
                        !committed,
                        "{}: request {} was failed as interrupted (\"nothing was created\") but Key Vault has a new version or operation for {name}: {before:?} -> {settled:?}",
                        b.label,
                        field(r, "id")
                    );
                    s.interrupted += 1;
                    true
                }
                Some(r) => panic!(
                    "{}: killed {action:?} of {name} (state after the kill: {state}) ended neither completed nor failed as interrupted: {r}",
                    b.label
                ),
            };
            if arrived == 1 && !committed {
                s.uncommitted_creates += 1;
                expected_creates += 1;
            }
            if rerun {
                s.reruns += 1;
                let out = b.run_owned(&args).await.ok();
                completed_request(action, &out);
                assert!(
                    !b.has_lease(name).await,
                    "{}: an unkilled {action:?} left its lease",
                    b.label
                );
            } else {
                settled_list = Some(settled_requests);
            }
        }
    }
    let after = env.snap(name);
    assert_eq!(
        after.versions.len(),
        before.versions.len() + 1,
        "{}: round {} of {name} ({action:?}, kill after {delay:?}) must give exactly one new version; Key Vault went from {} to {} versions",
        b.label,
        s.rounds,
        before.versions.len(),
        after.versions.len()
    );
    assert_eq!(
        after.creates - before.creates,
        expected_creates,
        "{}: round {} of {name} ({action:?}, kill after {delay:?}): creates sent vs expected",
        b.label,
        s.rounds
    );
    // The new version is the one the round's completed request created, and is tagged by it.
    let all = match settled_list {
        Some(list) => list,
        None => b.requests(name).await,
    };
    let recorded = fresh(all.clone(), known);
    let completed: Vec<&Value> = recorded
        .iter()
        .filter(|r| field(r, "status") == "completed")
        .collect();
    assert_eq!(completed.len(), 1, "{}: {recorded:?}", b.label);
    let newest = after.versions.last().expect("a version");
    assert_eq!(
        field(completed[0], "version"),
        newest.version,
        "{recorded:?}"
    );
    assert_eq!(
        newest.tags.get("certkeep-request").map(String::as_str),
        Some(field(completed[0], "id")),
        "the new version carries its request's tag"
    );
    s.expected_creates += expected_creates;
    s.rounds += 1;
    known_out.extend(ids(&all));
}

/// Key Vault versions == initial + rounds, one create per version, no request open, the
/// inventory equal to Key Vault.
async fn final_checks(env: &Env, b: &Backend, name: &str, initial: &Snap, s: &Stats) {
    let truth = env.snap(name);
    assert_eq!(
        truth.versions.len(),
        initial.versions.len() + s.rounds,
        "{}: {name} has initial + rounds versions",
        b.label
    );
    assert_eq!(
        truth.creates - initial.creates,
        s.expected_creates,
        "{}: creates of {name}: one per new version, plus the {} the kills cancelled before the emulator committed them",
        b.label,
        s.uncommitted_creates
    );
    assert_eq!(
        s.expected_creates - s.uncommitted_creates as u64,
        s.rounds as u64,
        "{}: exactly one committed create per new version",
        b.label
    );
    let distinct: BTreeSet<_> = truth.versions.iter().map(|v| &v.x5t).collect();
    assert_eq!(distinct.len(), truth.versions.len(), "no duplicate x5t");
    let requests = b.requests(name).await;
    for r in &requests {
        assert!(
            matches!(field(r, "status"), "completed" | "failed"),
            "{}: request stuck: {r}",
            b.label
        );
    }
    let completed = requests
        .iter()
        .filter(|r| field(r, "status") == "completed")
        .count();
    let failed = requests.len() - completed;
    assert_eq!(
        completed, s.rounds,
        "{}: one completed request per round",
        b.label
    );
    assert_eq!(
        failed, s.interrupted,
        "{}: only interrupted requests failed",
        b.label
    );
    let stored: BTreeSet<(String, String)> = b
        .inventory_of(name)
        .await
        .into_iter()
        .map(|(v, x, _)| (v, x))
        .collect();
    let expected: BTreeSet<(String, String)> = truth
        .versions
        .iter()
        .map(|v| (v.version.clone(), v.x5t.clone()))
        .collect();
    assert_eq!(
        stored, expected,
        "{}: the inventory of {name} equals Key Vault's versions",
        b.label
    );
    let current: Vec<String> = b
        .inventory_of(name)
        .await
        .into_iter()
        .filter(|(_, _, c)| *c)
        .map(|(v, _, _)| v)
        .collect();
    assert_eq!(
        current,
        vec![truth.versions.last().expect("versions").version.clone()],
        "{}: exactly Key Vault's newest version is current",
        b.label
    );
}

/// One backend's kill rounds, on its own emulator (so its counters are its own).
async fn kill_phase(test: &str, action: Action, env: &Env, b: &Backend, name: &str) {
    let phase = Instant::now();
    b.inventory().await;
    let initial = env.snap(name);
    let mut known = ids(&b.requests(name).await);
    let mut rng = Rng::new(&format!("{test}/{}", b.label));
    let mut s = Stats::default();
    round(env, b, action, name, None, &mut s, &mut known).await;
    let (full, create_at) = (s.unkilled, s.create_at);
    while s.kills < MIN_KILLS {
        assert!(
            s.rounds < MAX_ROUNDS,
            "{}: only {} kills in {} rounds",
            b.label,
            s.kills,
            s.rounds
        );
        // Half the kills anywhere in an unkilled run, half around its create.
        let delay = if rng.next().is_multiple_of(2) {
            rng.below(full)
        } else {
            create_at.saturating_sub(Duration::from_millis(150))
                + rng.below(Duration::from_millis(250))
        };
        round(env, b, action, name, Some(delay), &mut s, &mut known).await;
    }
    final_checks(env, b, name, &initial, &s).await;
    eprintln!(
        "{test}/{}: {} SIGKILLs in {} rounds ({} commands ended before their kill); killed before the create reached Key Vault: {}, after: {}; \
         request right after the kill: {:?}; adopted by the poller: {}, failed as interrupted and asked again: {}, never recorded and asked again: {}; \
         creates cancelled uncommitted by the kill: {}; orphaned leases taken over by the next run: {}; \
         Key Vault: {} -> {} versions, {} creates; unkilled run {} ms (create at {} ms); phase {:.1} s",
        b.label,
        s.kills,
        s.rounds,
        s.ended_before_kill,
        s.killed_before_create,
        s.killed_after_create,
        s.after_kill,
        s.adopted,
        s.interrupted,
        s.no_record,
        s.uncommitted_creates,
        s.orphan_leases,
        initial.versions.len(),
        env.snap(name).versions.len(),
        s.expected_creates,
        full.as_millis(),
        create_at.as_millis(),
        phase.elapsed().as_secs_f64()
    );
}

/// SQLite and (when configured) PostgreSQL side by side, each on its own emulator.
async fn kill_test(test: &str, action: Action) {
    let started = Instant::now();
    let name = |label: &str| match action {
        Action::Renew => "cert-00000".to_string(),
        Action::Request => format!("crash-req-{label}"),
    };
    let sqlite_env = Env::start(&format!("{test}-sqlite"), kill_faults(), SELF_DELAY_SECS, 2).await;
    let sqlite = crash_common::sqlite_backend(&sqlite_env);
    let pg_env = Env::start(&format!("{test}-pg"), kill_faults(), SELF_DELAY_SECS, 2).await;
    let pg = crash_common::pg_backend(&pg_env, test);
    let (sqlite_name, pg_name) = (name(sqlite.label), name("postgres"));
    tokio::join!(
        kill_phase(test, action, &sqlite_env, &sqlite, &sqlite_name),
        async {
            if let Some(pg) = &pg {
                kill_phase(test, action, &pg_env, pg, &pg_name).await;
            }
        }
    );
    drop((sqlite, pg));
    sqlite_env.shutdown().await;
    pg_env.shutdown().await;
    eprintln!("{test}: {:.1} s", started.elapsed().as_secs_f64());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renew_killed_at_random_points_gives_exactly_the_versions_asked_for() {
    kill_test("renew", Action::Renew).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_killed_at_random_points_gives_exactly_the_versions_asked_for() {
    kill_test("request", Action::Request).await;
}

/// One unkilled command with Key Vault dropping create answers: each name it names gets
/// exactly one new version from exactly one create, tagged by its completed request.
async fn dropped_round(env: &Env, b: &Backend, action: Action, names: &[&str]) {
    let before: Vec<Snap> = names.iter().map(|n| env.snap(n)).collect();
    let creates = env.count(CREATE);
    let args = match (action, names) {
        (Action::Request, [name]) => action_args(action, name),
        (Action::Request, _) => unreachable!("one name per request"),
        (Action::Renew, _) => {
            let mut a: Vec<String> = ["cert", "renew", "--vault", VAULT]
                .map(String::from)
                .to_vec();
            a.extend(names.iter().map(|n| n.to_string()));
            a.extend(["--validity-months", "3", "--wait", "-o", "json"].map(String::from));
            a
        }
    };
    let out = b.run_owned(&args).await.ok();
    let json = out.json();
    let outcomes: Vec<(String, String, String)> = match action {
        Action::Request => vec![(
            field(&json, "certificate").to_string(),
            field(&json, "status").to_string(),
            field(&json, "id").to_string(),
        )],
        Action::Renew => json
            .as_array()
            .expect("renew prints an array")
            .iter()
            .map(|o| {
                (
                    field(o, "name").to_string(),
                    field(o, "outcome").to_string(),
                    field(o, "request_id").to_string(),
                )
            })
            .collect(),
    };
    assert_eq!(outcomes.len(), names.len(), "{json}");
    for (name, before) in names.iter().zip(&before) {
        let after = env.snap(name);
        assert_eq!(
            after.versions.len(),
            before.versions.len() + 1,
            "{}: {name} gets exactly one new version despite dropped create answers",
            b.label
        );
        let (_, status, id) = outcomes
            .iter()
            .find(|(n, _, _)| n.eq_ignore_ascii_case(name))
            .expect("an outcome per name");
        assert_eq!(status, "completed", "{}: {name}: {json}", b.label);
        assert_eq!(
            after
                .versions
                .last()
                .and_then(|v| v.tags.get("certkeep-request")),
            Some(id),
            "{name}: the new version is its request's"
        );
    }
    assert_eq!(
        env.count(CREATE) - creates,
        names.len() as u64,
        "{}: {args:?}: exactly one create per new version",
        b.label
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_create_answers_give_exactly_one_create_per_version() {
    let started = Instant::now();
    let env = Env::start("drop", Faults::default(), SELF_DELAY_SECS, 3).await;
    for b in backends(&env, "drop") {
        let phase = Instant::now();
        env.set_faults(Faults::default());
        b.inventory().await;
        let request_name = format!("crash-drop-{}", b.label);
        let renew_names = ["cert-00000", "cert-00001", "cert-00002"];
        let initial: Vec<Snap> = renew_names
            .iter()
            .chain([&request_name.as_str()])
            .map(|n| env.snap(n))
            .collect();
        let drops = env.counters().dropped_after_commit;
        let creates = env.count(CREATE);
        env.set_faults(Faults {
            latency_ms: 5,
            drop_after_commit_route: Some(CREATE.into()),
            drop_after_commit_rate: 0.5,
            ..Default::default()
        });
        let mut asked = 0;
        for n in renew_names.iter().cycle().take(5) {
            dropped_round(&env, &b, Action::Renew, &[n]).await;
            asked += 1;
        }
        dropped_round(&env, &b, Action::Renew, &renew_names).await;
        asked += renew_names.len();
        for _ in 0..5 {
            dropped_round(&env, &b, Action::Request, &[&request_name]).await;
            asked += 1;
        }
        env.set_faults(Faults::default());
        let dropped = env.counters().dropped_after_commit - drops;
        assert!(
            dropped > 0,
            "{}: the fault never fired in {asked} creates",
            b.label
        );
        let mut new_versions = 0;
        for (n, before) in renew_names
            .iter()
            .chain([&request_name.as_str()])
            .zip(&initial)
        {
            new_versions += env.snap(n).versions.len() - before.versions.len();
            for r in b.requests(n).await {
                assert_eq!(
                    field(&r, "status"),
                    "completed",
                    "{}: no request left open or failed: {r}",
                    b.label
                );
            }
        }
        assert_eq!(new_versions, asked);
        assert_eq!(env.count(CREATE) - creates, asked as u64);
        eprintln!(
            "drop/{}: {asked} versions asked for, {asked} created by {asked} creates; {dropped} create answers dropped after commit; {:.1} s",
            b.label,
            phase.elapsed().as_secs_f64()
        );
    }
    env.shutdown().await;
    eprintln!("drop: {:.1} s", started.elapsed().as_secs_f64());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listings_show_and_obtain_send_no_write() {
    let env = Env::start("reads", Faults::default(), 0.0, 2).await;
    for b in backends(&env, "reads") {
        b.inventory().await;
        let out = b
            .run_owned(&action_args(Action::Renew, "cert-00000"))
            .await
            .ok();
        let id = completed_request(Action::Renew, &out);
        env.clear_counters();
        let commands: Vec<Vec<&str>> = vec![
            vec!["cert", "list"],
            vec!["cert", "list", "--show", "all", "-o", "json"],
            vec!["cert", "list", "--vault", VAULT, "-o", "csv"],
            vec!["request", "list"],
            vec!["request", "list", "-o", "json"],
            vec!["request", "show", &id],
            vec!["request", "show", &id, "-o", "json"],
            vec!["request", "poll"],
            vec!["cert", "obtain", "--vault", VAULT, "cert-00001"],
            vec![
                "cert",
                "obtain",
                "--vault",
                VAULT,
                "cert-00001",
                "--history",
            ],
        ];
        let mut report = Vec::new();
        for args in commands {
            let before = env.counters();
            b.run(&args).await.ok();
            let after = env.counters();
            let delta: BTreeMap<&String, u64> = after
                .by_route
                .iter()
                .map(|(r, n)| (r, n - before.by_route.get(r).copied().unwrap_or(0)))
                .filter(|(_, n)| *n > 0)
                .collect();
            let writes: Vec<_> = delta.iter().filter(|(r, _)| is_write(r)).collect();
            assert!(
                writes.is_empty(),
                "{}: certkeep {} sent writes: {writes:?}",
                b.label,
                args.join(" ")
            );
            if args[1] == "obtain" {
                assert!(
                    delta.contains_key(&"kv.certificates.get".to_string()),
                    "{}: obtain reads Key Vault (counters are live): {delta:?}",
                    b.label
                );
            }
            report.push(format!(
                "{}: {} requests",
                args.join(" "),
                after.total - before.total
            ));
        }
        eprintln!("reads/{}: zero writes; {}", b.label, report.join("; "));
    }
    env.shutdown().await;
}
