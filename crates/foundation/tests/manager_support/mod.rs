//! Scaffolding for the coordination manager's tests: a manager on one node, scripted
//! test agents, route clients that record what they are told, and a recorder of the
//! foundation's trace events.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use otpsim_foundation::manager::{self, ManagerStats, Settled};
use otpsim_foundation::protocol::{AgentReply, AgentRequest, RouteOutcome};
use otpsim_foundation::{Behavior, Config, TaskId, TaskSpec, TaskType};
use otpsim_runtime::gen_server::{self, CallOutcome, Flow, GenServer};
use otpsim_runtime::{CallError, Cluster, Ctx, Message, MonitorRow, NodeId, Pid, ReplyTo, SpawnOpts, TimerRow};

/// `n` milliseconds.
pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Sleeps `n` milliseconds of simulated time.
pub async fn wait_ms(n: u64) {
    madsim::time::sleep(ms(n)).await;
}

/// Runs `body` on a fresh simulation with `seed`; the body sets up its own cluster.
pub fn sim<Fut: Future<Output = ()>>(seed: u64, body: impl FnOnce() -> Fut) {
    otpsim_runtime::testing::sim(seed, |_| body());
}

/// A config with a small breaker, a small buffer and a short reset (all non-default).
pub fn small_config(threshold: u32, buffer: usize, reset_ms: u64) -> Config {
    Config {
        circuit_breaker_threshold: threshold,
        buffer_max_size: buffer,
        breaker_reset: ms(reset_ms),
        ..Config::default()
    }
}

/// An assignment of task `id` that succeeds.
pub fn assign(id: u64) -> AgentRequest {
    let task = TaskSpec { id: TaskId(id), kind: TaskType::Analysis, work: Duration::ZERO, behavior: Behavior::Succeed };
    AgentRequest::Assign { task, attempt: 1 }
}

/// What a test agent does with its next called assignment.
#[derive(Clone, Copy, Debug)]
pub enum Step {
    /// Execute it and answer `Accepted`.
    Accept,
    /// Answer `Rejected` without executing it.
    Reject,
    /// Stay busy this long, then answer `Rejected`.
    SlowReject(Duration),
    /// Execute it, stay busy this long, then answer `Accepted`.
    Stall(Duration),
    /// Ask the manager for its stats before accepting (an agent calling the manager
    /// while the manager delivers to it).
    AskManager,
}

/// What a test agent saw and did.
#[derive(Clone, Debug, Default)]
pub struct AgentLog {
    /// Task ids of called assignments, in arrival order.
    pub calls: Vec<u64>,
    /// Task ids it executed, in order.
    pub executed: Vec<u64>,
    /// Task ids that arrived as plain messages.
    pub raw: Vec<u64>,
    /// Whether each `AskManager` call got an answer.
    pub asked_manager: Vec<bool>,
}

/// A scripted agent, shaped like the original's: a called assignment is deduplicated
/// by task id, and an assignment that arrives as a plain message is executed as the
/// original executed every instruction it received.
struct TestAgent {
    script: VecDeque<Step>,
    done: BTreeSet<u64>,
    log: Arc<Mutex<AgentLog>>,
}

impl GenServer for TestAgent {
    type Call = AgentRequest;
    type Reply = AgentReply;
    type Cast = ();

    async fn handle_call(&mut self, ctx: &Ctx, request: AgentRequest, _from: ReplyTo) -> CallOutcome<AgentReply> {
        let AgentRequest::Assign { task, .. } = request else {
            return CallOutcome::Reply(AgentReply::Accepted);
        };
        let id = task.id.0;
        self.log.lock().unwrap().calls.push(id);
        match self.script.pop_front().unwrap_or(Step::Accept) {
            Step::Reject => return CallOutcome::Reply(AgentReply::Rejected("test says no".into())),
            Step::SlowReject(busy) => {
                ctx.sleep(busy).await;
                return CallOutcome::Reply(AgentReply::Rejected("test says no".into()));
            }
            Step::Accept => {}
            Step::Stall(busy) => ctx.sleep(busy).await,
            Step::AskManager => {
                let answered = manager::stats(ctx, (ctx.node(), manager::NAME), ms(500)).await.is_ok();
                self.log.lock().unwrap().asked_manager.push(answered);
            }
        }
        if self.done.insert(id) {
            self.log.lock().unwrap().executed.push(id);
        }
        CallOutcome::Reply(AgentReply::Accepted)
    }

    async fn handle_info(&mut self, _ctx: &Ctx, msg: Message) -> Flow {
        if let Some(AgentRequest::Assign { task, .. }) = msg.info::<AgentRequest>() {
            let mut log = self.log.lock().unwrap();
            log.raw.push(task.id.0);
            log.executed.push(task.id.0);
        }
        Flow::Continue
    }
}

/// A running test agent.
#[derive(Clone)]
pub struct Agent {
    pub pid: Pid,
    log: Arc<Mutex<AgentLog>>,
}

impl Agent {
    pub fn log(&self) -> AgentLog {
        self.log.lock().unwrap().clone()
    }
}

/// A manager on one node, plus the clients that routed through it.
pub struct Rig {
    pub cluster: Cluster,
    pub node: NodeId,
    pub manager: Pid,
    outcomes: Arc<Mutex<BTreeMap<u64, Result<RouteOutcome, CallError>>>>,
    settled: Arc<Mutex<Vec<(u64, RouteOutcome)>>>,
}

impl Rig {
    /// A one-node cluster running a manager with `config`, started from a host
    /// process that traps exits (so a manager crash ends only the manager).
    pub async fn start(config: Config) -> Rig {
        let cluster = Cluster::new();
        let node = cluster.add_node("n0", |_, _| async {});
        let slot = Arc::new(Mutex::new(None));
        let host_slot = slot.clone();
        let host = SpawnOpts { trap_exit: true, ..Default::default() };
        cluster.spawn::<_, _, ()>(node, host, move |ctx: Ctx| async move {
            let started = manager::start_link(&ctx, config).await;
            *host_slot.lock().unwrap() = Some(started);
            loop {
                ctx.recv().await;
            }
        });
        let manager = loop {
            wait_ms(1).await;
            if let Some(started) = slot.lock().unwrap().take() {
                break started.expect("the manager starts");
            }
        };
        Rig { cluster, node, manager, outcomes: Default::default(), settled: Default::default() }
    }

    /// Spawns a test agent following `script` (then accepting everything).
    pub fn agent(&self, script: &[Step]) -> Agent {
        let log = Arc::new(Mutex::new(AgentLog::default()));
        let agent = TestAgent { script: script.iter().copied().collect(), done: BTreeSet::new(), log: log.clone() };
        let pid = self.cluster.spawn(self.node, SpawnOpts::labelled("task_agent"), move |ctx: Ctx| async move {
            gen_server::serve(ctx, agent).await
        });
        Agent { pid, log }
    }

    /// Routes an assignment of task `id` to `receiver` from a fresh client, which
    /// records the answer and any `Settled` notice it gets later.
    pub fn route(&self, receiver: Pid, id: u64, timeout: Duration) {
        let (outcomes, settled) = (self.outcomes.clone(), self.settled.clone());
        let manager = (self.node, manager::NAME);
        self.cluster.spawn::<_, _, ()>(self.node, SpawnOpts::default(), move |ctx: Ctx| async move {
            let outcome = manager::route(&ctx, manager, receiver, assign(id), timeout).await;
            outcomes.lock().unwrap().insert(id, outcome);
            loop {
                if let Some(notice) = ctx.recv().await.info::<Settled>() {
                    settled.lock().unwrap().push((id, notice.outcome.clone()));
                }
            }
        });
    }

    /// Routes task 1 to `receiver`, whose rejection opens its breaker (at a threshold
    /// of one), then tasks 2 to `last` 5 ms apart, each held in its buffer while open.
    pub async fn route_behind_an_opening(&self, receiver: Pid, last: u64) {
        self.route(receiver, 1, ms(200));
        wait_ms(20).await;
        for id in 2..=last {
            self.route(receiver, id, ms(200));
            wait_ms(5).await;
        }
    }

    /// What the route of task `id` answered (`None` while it waits).
    pub fn outcome(&self, id: u64) -> Option<Result<RouteOutcome, CallError>> {
        self.outcomes.lock().unwrap().get(&id).cloned()
    }

    /// The `Settled` notices received, as (task id, outcome), by task id (each client
    /// is its own process, so the order they record in is the scheduler's).
    pub fn settled(&self) -> Vec<(u64, RouteOutcome)> {
        let mut settled = self.settled.lock().unwrap().clone();
        settled.sort_by_key(|(id, _)| *id);
        settled
    }

    /// The manager's stats, asked by a probe process.
    pub async fn stats(&self) -> Result<ManagerStats, CallError> {
        let slot = Arc::new(Mutex::new(None));
        let probe_slot = slot.clone();
        let manager = self.manager;
        self.cluster.spawn(self.node, SpawnOpts::default(), move |ctx: Ctx| async move {
            let stats = manager::stats(&ctx, manager, ms(500)).await;
            *probe_slot.lock().unwrap() = Some(stats);
        });
        loop {
            wait_ms(1).await;
            if let Some(stats) = slot.lock().unwrap().take() {
                return stats;
            }
        }
    }

    /// The monitors the runtime holds for the manager, as its tables show them.
    pub fn runtime_monitors(&self) -> Vec<MonitorRow> {
        self.cluster.tables().monitors.into_iter().filter(|m| m.watcher == self.manager).collect()
    }

    /// The manager's pending timers, as the runtime's tables show them.
    pub fn runtime_timers(&self) -> Vec<TimerRow> {
        self.cluster.tables().timers.into_iter().filter(|t| t.owner == self.manager).collect()
    }
}
