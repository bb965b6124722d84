//! The demo: a supervised process tree doing request/response work while its
//! processes are killed, its handlers panic, and messages between nodes are lost.
//!
//! Node `app` runs a root supervisor (one_for_one) over two pools: `pool_a`
//! (one_for_one) and `pool_b` (rest_for_one), each supervising three registered
//! gen-server workers. Node `client` runs clients that call random workers by name.
//! A few requests hit a defect (the handler panics); the driver kills workers and
//! now and then a pool. When the faults stop and the run settles, every supervisor
//! must have all its children running again, and the tables must hold no dead ends.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use otpsim_harness::invariant::runtime::no_dead_ends;
use otpsim_harness::SeedOutcome;
use otpsim_runtime::rng::stream;
use otpsim_runtime::supervisor::{self, ChildSpec, ChildStatus, Intensity, Strategy, SupervisorSpec};
use otpsim_runtime::{
    CallError, CallOutcome, Cluster, Ctx, FaultScope, GenServer, MessageFaults, NodeId, Pid, Reason, ReplyTo, SpawnOpts,
};
use rand::Rng;

/// The demo's knobs.
#[derive(Clone, Debug, PartialEq)]
pub struct Demo {
    /// Simulated time with clients and faults running.
    pub duration: Duration,
    /// Calm time after the faults stop, before the tree is checked.
    pub settle: Duration,
    /// Client processes.
    pub clients: usize,
    /// Share of requests that hit a defect (the worker panics).
    pub defect_rate: f64,
    /// Share of messages between nodes that are lost.
    pub loss: f64,
    /// The driver kills a process every this long, on average.
    pub kill_every: Duration,
}

impl Default for Demo {
    fn default() -> Self {
        Demo {
            duration: Duration::from_secs(5),
            settle: Duration::from_secs(1),
            clients: 4,
            defect_rate: 0.02,
            loss: 0.03,
            kill_every: Duration::from_millis(150),
        }
    }
}

/// Counter: calls answered correctly.
pub const REQUESTS_COMPLETED: &str = "requests_completed";
/// Counter: calls that timed out or whose worker died.
pub const REQUESTS_FAILED: &str = "requests_failed";
/// Counter: calls that made their worker panic.
pub const DEFECTS_HIT: &str = "defects_hit";
/// Counter: processes the driver killed.
pub const KILLS: &str = "kills";
/// The trace event of a supervisor restarting a child.
pub const RESTART_EVENT: &str = "child_restart";

const WORKER: &str = "worker";
const POOLS: [(&str, Strategy); 2] = [("pool_a", Strategy::OneForOne), ("pool_b", Strategy::RestForOne)];
const WORKERS_PER_POOL: usize = 3;
const CALL_TIMEOUT: Duration = Duration::from_millis(100);

/// A request to a worker.
#[derive(Clone, Debug)]
enum Request {
    /// Work for `ms` milliseconds, then answer `id`.
    Work { id: u64, ms: u64 },
    /// A request that trips a defect in the handler.
    Defect,
}

/// A worker: answers work requests, and panics on a defect.
struct Worker;

impl GenServer for Worker {
    type Call = Request;
    type Reply = u64;
    type Cast = ();

    async fn handle_call(&mut self, ctx: &Ctx, request: Request, _from: ReplyTo) -> CallOutcome<u64> {
        match request {
            Request::Work { id, ms } => {
                ctx.sleep(Duration::from_millis(ms)).await;
                CallOutcome::Reply(id)
            }
            Request::Defect => panic!("defect hit in worker {}", ctx.pid()),
        }
    }
}

/// What the clients saw.
#[derive(Clone, Copy, Debug, Default)]
struct Tally {
    completed: u64,
    failed: u64,
    defects: u64,
    /// Answers that belong to another request: the runtime mixed up replies.
    wrong: u64,
}

fn worker_names() -> Vec<String> {
    POOLS.iter().flat_map(|(pool, _)| (0..WORKERS_PER_POOL).map(move |i| format!("{pool}/w{i}"))).collect()
}

fn tree(app: NodeId) -> SupervisorSpec {
    let pools = POOLS.iter().map(|&(pool, strategy)| {
        let workers = (0..WORKERS_PER_POOL)
            .map(|i| {
                let name = format!("{pool}/w{i}");
                ChildSpec::gen_server_on(format!("w{i}"), app, SpawnOpts::labelled(WORKER), move |ctx: &Ctx| {
                    ctx.register(&name).map_err(|e| Reason::error(e.to_string()))?;
                    Ok(Worker)
                })
            })
            .collect();
        let intensity = Intensity { max_restarts: 5, within: Duration::from_secs(1) };
        ChildSpec::supervisor(pool, SupervisorSpec { strategy, intensity, children: workers })
    });
    SupervisorSpec {
        strategy: Strategy::OneForOne,
        intensity: Intensity { max_restarts: 20, within: Duration::from_secs(1) },
        children: pools.collect(),
    }
}

/// Runs the demo on `cluster` (a simulation for the harness's runner).
pub async fn run(cluster: Cluster, demo: Demo) -> SeedOutcome {
    let app = cluster.add_node("app", |_, _| async {});
    let client_node = cluster.add_node("client", |_, _| async {});
    let root = match supervisor::spawn_root(&cluster, app, tree(app)) {
        Ok(root) => root,
        Err(e) => return SeedOutcome::fail(format!("the tree did not start: {e}")),
    };
    cluster.set_message_faults(MessageFaults {
        loss: demo.loss,
        duplication: demo.loss / 3.0,
        delay: Some((Duration::ZERO, Duration::from_millis(5))),
        scope: FaultScope::BetweenNodes,
    });
    let tally = Arc::new(Mutex::new(Tally::default()));
    let deadline = madsim::time::TimeHandle::current().elapsed() + demo.duration;
    for index in 0..demo.clients {
        let (tally, demo) = (tally.clone(), demo.clone());
        cluster.spawn(client_node, SpawnOpts::labelled("client"), move |ctx: Ctx| async move {
            client(ctx, index as u64, app, deadline, demo.defect_rate, tally).await;
        });
    }
    let kills = inject_kills(&cluster, root, &demo, deadline).await;
    cluster.set_message_faults(MessageFaults::default());
    madsim::time::sleep(CALL_TIMEOUT + demo.settle).await;
    let mut problems = check_tree(&cluster, app, root).await;
    let (tables, end) = (cluster.tables(), madsim::time::TimeHandle::current().elapsed());
    problems.extend(no_dead_ends(&tables, end).into_iter().map(|v| v.message));
    if tables.in_flight > 0 {
        problems.push(format!("{} messages still in flight after settling", tables.in_flight));
    }
    let tally = *tally.lock().unwrap_or_else(|p| p.into_inner());
    if tally.wrong > 0 {
        problems.push(format!("{} calls got another request's answer", tally.wrong));
    }
    if tally.completed == 0 {
        problems.push("no request completed".to_owned());
    }
    SeedOutcome::from_problems(problems)
        .with_counter(REQUESTS_COMPLETED, tally.completed)
        .with_counter(REQUESTS_FAILED, tally.failed)
        .with_counter(DEFECTS_HIT, tally.defects)
        .with_counter(KILLS, kills)
}

/// Calls random workers until `deadline`, tallying what comes back.
async fn client(ctx: Ctx, index: u64, app: NodeId, deadline: Duration, defect_rate: f64, tally: Arc<Mutex<Tally>>) {
    let mut rng = stream(ctx.cluster().seed(), &format!("demo/client/{index}"));
    let names = worker_names();
    let mut id = index << 32;
    while ctx.now() < deadline {
        id += 1;
        let name = &names[rng.gen_range(0..names.len())];
        let defect = rng.gen_bool(defect_rate);
        let request = if defect { Request::Defect } else { Request::Work { id, ms: rng.gen_range(0..=3) } };
        let answer = ctx.call::<Request, u64>((app, name.as_str()), request, CALL_TIMEOUT).await;
        {
            let mut t = tally.lock().unwrap_or_else(|p| p.into_inner());
            match answer {
                Ok(got) if got == id && !defect => t.completed += 1,
                Ok(_) => t.wrong += 1,
                Err(CallError::Exit(Reason::Panic(_))) if defect => t.defects += 1,
                Err(_) => t.failed += 1,
            }
        }
        ctx.sleep(Duration::from_millis(rng.gen_range(1..=10))).await;
    }
}

/// Until `deadline`, kills a worker (or, one time in eight, a pool) now and then;
/// returns how many processes it killed.
async fn inject_kills(cluster: &Cluster, root: Pid, demo: &Demo, deadline: Duration) -> u64 {
    let mut rng = stream(cluster.seed(), "demo/faults");
    let mut kills = 0;
    let mean_ms = demo.kill_every.as_millis().max(1) as u64;
    loop {
        madsim::time::sleep(Duration::from_millis(rng.gen_range(1..=2 * mean_ms))).await;
        if madsim::time::TimeHandle::current().elapsed() >= deadline {
            return kills;
        }
        let tables = cluster.tables();
        let label = if rng.gen_bool(0.125) { "supervisor" } else { WORKER };
        let targets: Vec<Pid> = tables.labelled(label).map(|p| p.pid).filter(|p| *p != root).collect();
        if !targets.is_empty() {
            cluster.kill(targets[rng.gen_range(0..targets.len())]);
            kills += 1;
        }
    }
}

/// Asks every supervisor for its children from a process on `app`; lists what is not
/// back to full strength.
async fn check_tree(cluster: &Cluster, app: NodeId, root: Pid) -> Vec<String> {
    if !cluster.is_alive(root) {
        return vec![format!("the root supervisor {root} died")];
    }
    let supervisors: Vec<Pid> = cluster.tables().labelled("supervisor").map(|p| p.pid).collect();
    let expected = (1 + POOLS.len(), POOLS.len() * WORKERS_PER_POOL);
    let found = (supervisors.len(), cluster.tables().labelled(WORKER).count());
    let mut problems = Vec::new();
    if found != expected {
        problems.push(format!("{found:?} (supervisors, workers) alive, expected {expected:?}"));
    }
    let seen: Arc<Mutex<Option<Vec<String>>>> = Arc::default();
    let report = seen.clone();
    cluster.spawn(app, SpawnOpts::labelled("checker"), move |ctx: Ctx| async move {
        let mut problems = Vec::new();
        for sup in supervisors {
            match supervisor::which_children(&ctx, sup).await {
                Ok(children) => {
                    for child in children {
                        match child.status {
                            ChildStatus::Running(pid) if ctx.is_alive(pid) => {}
                            status => problems.push(format!("child {} of {sup} is {status:?}", child.id)),
                        }
                    }
                }
                Err(e) => problems.push(format!("supervisor {sup} did not answer: {e}")),
            }
        }
        *report.lock().unwrap_or_else(|p| p.into_inner()) = Some(problems);
    });
    madsim::time::sleep(Duration::from_millis(100)).await;
    match seen.lock().unwrap_or_else(|p| p.into_inner()).take() {
        Some(found) => problems.extend(found),
        None => problems.push("the supervisors did not answer which_children within 100ms".to_owned()),
    }
    problems
}
