//! Scaffolding for the task-path tests: a cluster booted with the production tree, a
//! client node that submits and polls through the public API, and a recorder of the
//! foundation's trace events.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use otpsim_foundation::app::{self, AppSpec};
use otpsim_foundation::coordinator::TaskStatus;
use otpsim_foundation::events::TARGET;
use otpsim_foundation::{api, Behavior, Config, TaskId, TaskOutcome, TaskSpec, TaskType};
use otpsim_runtime::testing::{self, Recorder};
use otpsim_runtime::{Cluster, Ctx, NodeId, Pid, SpawnOpts};
use tracing::Metadata;

/// `n` milliseconds.
pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Sleeps `n` milliseconds of simulated time (in the driver).
pub async fn wait_ms(n: u64) {
    madsim::time::sleep(ms(n)).await;
}

/// Runs `body` on a fresh simulation with `seed`, recording foundation events, and
/// answers what it returns. A run over an hour of simulated time is a hang. The body
/// boots its own cluster ([`World::boot`]).
pub fn sim<T, Fut: Future<Output = T>>(seed: u64, body: impl FnOnce(Events) -> Fut) -> T {
    let events = Events(Recorder::new(kept));
    let _guard = events.0.install();
    testing::sim(seed, |_| body(events))
}

/// A booted cluster: app nodes `0..nodes` and one extra client node outside the app.
pub struct World {
    /// The cluster.
    pub cluster: Cluster,
    /// What every app node booted.
    pub spec: AppSpec,
    /// The node client processes run on.
    pub client: NodeId,
}

impl World {
    /// Boots `nodes` app nodes with `task_agents` agents, then a client node.
    pub async fn boot(config: Config, nodes: u32, task_agents: u32) -> World {
        let cluster = Cluster::new();
        let spec = AppSpec { config, nodes, task_agents };
        for n in 0..nodes {
            let boot = spec.clone();
            cluster.add_node(&format!("n{n}"), move |c, node| app::boot(c, node, &boot));
        }
        let client = cluster.add_node("client", |_, _| async {});
        wait_ms(50).await;
        World { cluster, spec, client }
    }

    /// Runs `f` in a process on the client node and waits for its answer.
    pub async fn on_client<T, F, Fut>(&self, f: F) -> T
    where
        T: Send + 'static,
        F: FnOnce(Ctx) -> Fut + Send + 'static,
        Fut: Future<Output = T> + Send + 'static,
    {
        let slot: Arc<Mutex<Option<T>>> = Arc::new(Mutex::new(None));
        let out = slot.clone();
        let pid = self.cluster.spawn(self.client, SpawnOpts::default(), move |ctx| async move {
            let value = f(ctx).await;
            *out.lock().unwrap() = Some(value);
        });
        loop {
            if let Some(value) = slot.lock().unwrap().take() {
                return value;
            }
            assert!(self.cluster.is_alive(pid), "the client process died without an answer");
            wait_ms(5).await;
        }
    }

    /// Starts a client that submits each task at its time after now, in order
    /// (retrying each until acked); the returned set fills with the acknowledged ids.
    pub fn submit_all(&self, tasks: Vec<(Duration, TaskSpec)>) -> Arc<Mutex<BTreeSet<TaskId>>> {
        let acked = Arc::new(Mutex::new(BTreeSet::new()));
        let out = acked.clone();
        self.cluster.spawn(self.client, SpawnOpts::labelled("client"), move |ctx| async move {
            let start = ctx.now();
            for (at, task) in tasks {
                let now = ctx.now();
                if start + at > now {
                    ctx.sleep(start + at - now).await;
                }
                submit_until_acked(&ctx, task.clone()).await;
                out.lock().unwrap().insert(task.id);
            }
        });
        acked
    }

    /// Polls until every task in `ids` has a final status or `limit` passed; answers
    /// the last statuses.
    pub async fn settle(&self, ids: &BTreeSet<TaskId>, limit: Duration) -> BTreeMap<TaskId, TaskStatus> {
        let ids = ids.clone();
        self.on_client(move |ctx| async move {
            let deadline = ctx.now() + limit;
            let mut statuses = BTreeMap::new();
            loop {
                for id in &ids {
                    if statuses.get(id).is_some_and(|s: &TaskStatus| s.outcome().is_some()) {
                        continue;
                    }
                    if let Ok(status) = api::status(&ctx, *id, ms(500)).await {
                        statuses.insert(*id, status);
                    }
                }
                let done = ids.iter().all(|id| statuses.get(id).is_some_and(|s| s.outcome().is_some()));
                if done || ctx.now() >= deadline {
                    return statuses;
                }
                ctx.sleep(ms(200)).await;
            }
        })
        .await
    }

    /// The pid of agent `index`, if it is registered.
    pub fn agent(&self, index: u32) -> Option<Pid> {
        self.cluster.whereis(self.spec.agent_node(index), &otpsim_foundation::agent::name(index))
    }

    /// The coordinator's pid, if it is registered.
    pub fn coordinator(&self) -> Option<Pid> {
        self.cluster.whereis(app::PRIMARY, otpsim_foundation::coordinator::NAME)
    }
}

/// Submits `task` until the coordinator acknowledges it.
pub async fn submit_until_acked(ctx: &Ctx, task: TaskSpec) {
    while api::submit(ctx, task.clone(), ms(1000)).await.is_err() {
        ctx.sleep(ms(100)).await;
    }
}

/// A task of a supported type.
pub fn task(id: u64, work_ms: u64, behavior: Behavior) -> TaskSpec {
    TaskSpec { id: TaskId(id), kind: TaskType::Analysis, work: ms(work_ms), behavior }
}

/// Every task whose reported status is not its true outcome, described.
pub fn wrong_outcomes(
    tasks: &[TaskSpec],
    acked: &BTreeSet<TaskId>,
    statuses: &BTreeMap<TaskId, TaskStatus>,
    config: &Config,
) -> Vec<String> {
    let mut wrong = Vec::new();
    for spec in tasks.iter().filter(|t| acked.contains(&t.id)) {
        let want = otpsim_foundation::task::true_outcome(spec, config);
        let got = statuses.get(&spec.id).cloned().unwrap_or(TaskStatus::Unknown);
        if got.outcome().as_ref() != Some(&want) {
            wrong.push(format!("task {} ({:?}): want {want}, got {got}", spec.id, spec.behavior));
        }
    }
    wrong
}

/// The foundation's events of one run, and the runtime's debug-level ones; see [`kept`].
#[derive(Clone)]
pub struct Events(Recorder);

impl std::ops::Deref for Events {
    type Target = Recorder;

    fn deref(&self) -> &Recorder {
        &self.0
    }
}

impl Events {
    /// Tasks whose executions finished with different outcomes, or whose outcome was
    /// recorded more than once, described.
    pub fn conflicting_completions(&self) -> Vec<String> {
        let mut finished: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for e in self.named("task_finished") {
            finished.entry(e.get("task").to_owned()).or_default().insert(e.get("outcome").to_owned());
        }
        let mut recorded: BTreeMap<String, u32> = BTreeMap::new();
        for e in self.named("task_recorded") {
            *recorded.entry(e.get("task").to_owned()).or_default() += 1;
        }
        let mut problems = Vec::new();
        for (task, outcomes) in finished.iter().filter(|(_, o)| o.len() > 1) {
            problems.push(format!("task {task} finished with different outcomes {outcomes:?}"));
        }
        for (task, n) in recorded.iter().filter(|(_, n)| **n > 1) {
            problems.push(format!("task {task} recorded {n} times"));
        }
        problems
    }

    /// The outcome the coordinator recorded for each task.
    pub fn recorded_outcomes(&self) -> BTreeMap<TaskId, String> {
        self.named("task_recorded")
            .into_iter()
            .map(|e| (TaskId(e.get("task").parse().unwrap()), e.get("outcome").to_owned()))
            .collect()
    }
}

/// How an outcome prints in events.
pub fn printed(outcome: &TaskOutcome) -> String {
    outcome.to_string()
}

/// Foundation events, and the runtime's debug-level events (spawns, exits, supervisor
/// decisions, node crashes), not its per-message traces.
fn kept(metadata: &Metadata<'_>) -> bool {
    metadata.target() == TARGET || (metadata.target() == "otpsim" && *metadata.level() <= tracing::Level::DEBUG)
}

/// The supervisor processes in `tables`: the node roots and the agent supervisors
/// (labelled with their id, as fault targets name them).
pub fn supervisors(tables: &otpsim_runtime::Tables) -> BTreeSet<Pid> {
    let agent_sups = tables.labelled(otpsim_foundation::agent::SUPERVISOR_ID);
    tables.labelled("supervisor").chain(agent_sups).map(|p| p.pid).collect()
}
