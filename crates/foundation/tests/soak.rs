//! The soak: 1,000 tasks and 4 workflows on 8 agents over 3 nodes, with process
//! crashes, node crashes with restart, 5% message loss and 1% duplication for the
//! first 40 s; then the faults stop and the system settles.
//!
//! Per seed it checks: every acknowledged task ends with its true outcome; no task
//! finishes with two different outcomes or is recorded twice; every workflow completes;
//! no monitor outlives either end. `OTPSIM_SEEDS` sets the number of seeds (default 4;
//! the soak figure is 200, run in release).

mod tasks_support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use otpsim_foundation::workflow::{StepSpec, WorkflowId, WorkflowSpec, WorkflowStatus};
use otpsim_foundation::{api, Behavior, Config, TaskSpec, TaskType};
use otpsim_runtime::{rng, MessageFaults, NodeId};
use rand::Rng;
use tasks_support::{ms, sim, wrong_outcomes, World};

const NODES: u32 = 3;
const AGENTS: u32 = 8;
const TASKS: u64 = 1000;
const WORKFLOWS: u64 = 4;
const SUBMIT_OVER: Duration = Duration::from_secs(20);
const FAULTS_UNTIL: Duration = Duration::from_secs(40);
const SETTLE: Duration = Duration::from_secs(1200);
const PROCESS_CRASH_EVERY: Duration = Duration::from_secs(1);
const NODE_CRASH_EVERY: Duration = Duration::from_secs(15);
const NODE_DOWN_FOR: Duration = Duration::from_secs(2);
const CRASH_TARGETS: [&str; 4] = ["task_agent", "coordinator", "workflow", "coordination_manager"];

/// The seed's workload: what each task does, drawn from the seed.
fn workload(seed: u64) -> Vec<(Duration, TaskSpec)> {
    let mut rng = rng::stream(seed, "workload");
    (1..=TASKS)
        .map(|id| {
            let at = SUBMIT_OVER.mul_f64(id as f64 / TASKS as f64);
            let roll: f64 = rng.gen();
            let behavior = if roll < 0.01 {
                Behavior::Defect
            } else if roll < 0.03 {
                Behavior::FailPermanently
            } else if roll < 0.08 {
                // Mostly short streaks; one in five outlasts the breaker threshold or
                // the retry budget.
                let times = if rng.gen_bool(0.8) { rng.gen_range(1..=3) } else { rng.gen_range(4..=8) };
                Behavior::FailTransiently { times }
            } else {
                Behavior::Succeed
            };
            let kind = if rng.gen_bool(0.01) { TaskType::Other("unknown".into()) } else { TaskType::DataProcessing };
            let work = ms(rng.gen_range(5..=200));
            (at, TaskSpec { id: otpsim_foundation::TaskId(id), kind, work, behavior })
        })
        .collect()
}

fn workflows() -> Vec<WorkflowSpec> {
    (0..WORKFLOWS)
        .map(|w| WorkflowSpec {
            id: WorkflowId(w),
            steps: (0..5).map(|s| StepSpec { work: ms(300), defect: w == 0 && s == 2 }).collect(),
        })
        .collect()
}

/// One fault of the plan.
#[derive(Clone, Debug)]
enum Fault {
    Kill(&'static str),
    CrashNode(NodeId),
    RestartNode(NodeId),
}

fn fault_plan(seed: u64) -> Vec<(Duration, Fault)> {
    let mut rng = rng::stream(seed, "faults");
    let mut plan = Vec::new();
    let mut t = PROCESS_CRASH_EVERY;
    while t < FAULTS_UNTIL {
        plan.push((t, Fault::Kill(CRASH_TARGETS[rng.gen_range(0..CRASH_TARGETS.len())])));
        t += PROCESS_CRASH_EVERY.mul_f64(rng.gen_range(0.5..1.5));
    }
    let mut t = NODE_CRASH_EVERY.mul_f64(rng.gen_range(0.3..1.0));
    while t + NODE_DOWN_FOR < FAULTS_UNTIL {
        let node = NodeId(rng.gen_range(0..NODES));
        plan.push((t, Fault::CrashNode(node)));
        plan.push((t + NODE_DOWN_FOR, Fault::RestartNode(node)));
        t += NODE_CRASH_EVERY;
    }
    plan.sort_by_key(|(t, _)| *t);
    plan
}

/// What one seed found: problems (empty if it held), counts for the report, and the
/// fingerprint of its events.
struct SeedResult {
    problems: Vec<String>,
    counts: BTreeMap<&'static str, u64>,
    fingerprint: u64,
}

fn run_seed(seed: u64) -> SeedResult {
    let result = std::sync::Arc::new(Mutex::new(None));
    let out = result.clone();
    sim(seed, move |events| async move {
        let config = Config::default();
        let world = World::boot(config.clone(), NODES, AGENTS).await;
        let start = madsim::time::TimeHandle::current().elapsed();
        world.cluster.set_message_faults(MessageFaults { loss: 0.05, duplication: 0.01, ..Default::default() });
        let tasks = workload(seed);
        let specs: Vec<TaskSpec> = tasks.iter().map(|(_, t)| t.clone()).collect();
        let mut acked = Vec::new();
        for chunk in tasks.chunks(tasks.len().div_ceil(4)) {
            acked.push(world.submit_all(chunk.to_vec()));
        }
        let started = world.on_client(|ctx| async move {
            let mut started = 0;
            for spec in workflows() {
                // Node 0 may be down for a while: retry until well after the faults end.
                while ctx.now() < FAULTS_UNTIL * 2 {
                    if api::start_workflow(&ctx, spec.clone(), ms(2000)).await.is_ok() {
                        started += 1;
                        break;
                    }
                    ctx.sleep(ms(200)).await;
                }
            }
            started
        });
        let faults = async {
            let mut rng = rng::stream(seed, "fault_targets");
            let mut injected = 0u64;
            for (at, fault) in fault_plan(seed) {
                let now = madsim::time::TimeHandle::current().elapsed() - start;
                if at > now {
                    madsim::time::sleep(at - now).await;
                }
                match fault {
                    Fault::Kill(label) => {
                        let tables = world.cluster.tables();
                        let live: Vec<_> = tables.labelled(label).map(|p| p.pid).collect();
                        if !live.is_empty() {
                            world.cluster.kill(live[rng.gen_range(0..live.len())]);
                            injected += 1;
                        }
                    }
                    Fault::CrashNode(node) => world.cluster.crash_node(node),
                    Fault::RestartNode(node) => world.cluster.restart_node(node),
                }
            }
            injected
        };
        let (started, kills) = futures_join(started, faults).await;
        let now = madsim::time::TimeHandle::current().elapsed() - start;
        if FAULTS_UNTIL > now {
            madsim::time::sleep(FAULTS_UNTIL - now).await;
        }
        world.cluster.set_message_faults(MessageFaults::default());
        world.cluster.heal();
        // Clients retry until every submit is acknowledged.
        let all_acked = || acked.iter().map(|a| a.lock().unwrap().len()).sum::<usize>() == specs.len();
        while !all_acked() && madsim::time::TimeHandle::current().elapsed() - start < FAULTS_UNTIL + SETTLE {
            madsim::time::sleep(ms(100)).await;
        }
        let acked: BTreeSet<_> = acked.iter().flat_map(|a| a.lock().unwrap().clone()).collect();
        let statuses = world.settle(&acked, SETTLE).await;
        let settled_at = madsim::time::TimeHandle::current().elapsed() - start;
        let mut problems = wrong_outcomes(&specs, &acked, &statuses, &config);
        problems.extend(events.conflicting_completions());
        let finished = world
            .on_client(|ctx| async move {
                let mut statuses = BTreeMap::new();
                for spec in workflows() {
                    let status = loop {
                        match api::workflow_status(&ctx, spec.id, ms(2000)).await {
                            Ok(s) if s.is_finished() => break s,
                            _ => ctx.sleep(ms(500)).await,
                        }
                        if ctx.now() > FAULTS_UNTIL + SETTLE * 2 {
                            break WorkflowStatus::Unknown;
                        }
                    };
                    statuses.insert(spec.id, status);
                }
                statuses
            })
            .await;
        if started != WORKFLOWS {
            problems.push(format!("only {started} of {WORKFLOWS} workflows started"));
        }
        for (id, status) in &finished {
            if *status != WorkflowStatus::Completed {
                problems.push(format!("workflow {id} ended {status}"));
            }
        }
        let tables = world.cluster.tables();
        for m in &tables.monitors {
            if !world.cluster.is_alive(m.watcher) || !world.cluster.is_alive(m.target) {
                problems.push(format!("monitor {} of {} on {} outlived an end", m.monitor, m.watcher, m.target));
            }
        }
        let mut counts = BTreeMap::new();
        counts.insert("acked", acked.len() as u64);
        counts.insert("workflows", started);
        counts.insert("kills", kills);
        counts.insert("defects", events.named("defect").len() as u64);
        counts.insert("pauses", events.named("agent_paused").len() as u64);
        counts.insert("node_crashes", events.named("node_crash").len() as u64);
        counts.insert("tree_restarts", events.named("tree_restart").len() as u64);
        counts.insert("breaker_openings", events.named("task_breaker_opened").len() as u64);
        counts.insert("settled_ms", settled_at.as_millis() as u64);
        let fingerprint = events.fingerprint();
        *out.lock().unwrap() = Some(SeedResult { problems, counts, fingerprint });
        world.cluster.halt().await;
    });
    let outcome = result.lock().unwrap().take();
    outcome.expect("the seed ran to its end")
}

/// Runs two futures to completion side by side (the driver is not a process).
async fn futures_join<A, B>(
    a: impl std::future::Future<Output = A>,
    b: impl std::future::Future<Output = B>,
) -> (A, B) {
    let (mut a, mut b) = (std::pin::pin!(a), std::pin::pin!(b));
    let (mut ra, mut rb) = (None, None);
    std::future::poll_fn(|cx| {
        if ra.is_none() {
            if let std::task::Poll::Ready(v) = a.as_mut().poll(cx) {
                ra = Some(v);
            }
        }
        if rb.is_none() {
            if let std::task::Poll::Ready(v) = b.as_mut().poll(cx) {
                rb = Some(v);
            }
        }
        if ra.is_some() && rb.is_some() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    (ra.expect("ready"), rb.expect("ready"))
}

#[test]
fn no_acknowledged_task_is_lost_under_crashes_loss_and_duplication() {
    let seeds: u64 = std::env::var("OTPSIM_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(4);
    let jobs = std::thread::available_parallelism().map_or(1, |n| n.get()).min(seeds as usize).max(1);
    let next = AtomicUsize::new(1);
    let results = Mutex::new(BTreeMap::new());
    // Real threads only run whole simulations side by side; each seed's runtime stays
    // on its thread.
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| loop {
                let seed = next.fetch_add(1, Ordering::Relaxed) as u64;
                if seed > seeds {
                    return;
                }
                let outcome = run_seed(seed);
                results.lock().unwrap().insert(seed, outcome);
            });
        }
    });
    let results = results.into_inner().unwrap();
    let mut totals: BTreeMap<&str, u64> = BTreeMap::new();
    let mut failed = Vec::new();
    for (seed, r) in &results {
        for (k, v) in &r.counts {
            *totals.entry(k).or_default() += v;
        }
        if !r.problems.is_empty() {
            failed.push(format!("seed {seed}: {}", r.problems.join("; ")));
        }
    }
    eprintln!("soak: {} seeds, {} failed, totals {totals:?}", results.len(), failed.len());
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

#[test]
fn a_soak_seed_replays_exactly() {
    let (first, second) = (run_seed(3), run_seed(3));
    assert_eq!(first.counts, second.counts);
    assert_eq!(first.fingerprint, second.fingerprint, "seed 3 took a different path on its second run");
}
