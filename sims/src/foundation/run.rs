//! The phases of a foundation run the harness calls: build the cluster, start the
//! clients, and (after the harness's faults and settle) read the end state.
//!
//! Clients behave as real ones would: a submission that times out or fails is sent
//! again with the same task id (the idempotency key) after a short backoff, until the
//! coordinator acknowledges it or the client gives up halfway through the settle
//! phase. Whatever the system acknowledged, it owes an answer for.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use otpsim_foundation::app::{self, AppSpec, PRIMARY};
use otpsim_foundation::coordinator::TaskStatus;
use otpsim_foundation::workflow::{self, WorkflowId};
use otpsim_foundation::{api, manager, Config, Flaws};
use otpsim_harness::plan::Topology;
use otpsim_harness::scenario::Scenario;
use otpsim_harness::Run;
use otpsim_runtime::{Cluster, Ctx, NodeId, SpawnOpts};

use super::record::{History, Observed, Op, Record};
use super::schema::Foundation;
use super::workload::{Plan, PlannedTask, PlannedWorkflow};

/// The label of client processes (exempt from supervision checks).
pub const CLIENT_LABEL: &str = "client";
/// Pause between two attempts of one client request.
const RETRY_BACKOFF: Duration = Duration::from_millis(200);
/// Attempts of each end-of-run read before it is recorded as unanswered.
const FINAL_READ_ATTEMPTS: u32 = 5;

/// The system's configuration for a scenario: its `[config]` with its `flaws`.
pub fn config_of(scenario: &Scenario<Foundation>) -> Config {
    let mut config = scenario.config.clone();
    config.flaws.extend(scenario.flaws.iter().copied().collect::<Flaws>());
    config
}

/// The nodes faults may touch: system nodes crash; clients' node only partitions.
pub fn topology(scenario: &Scenario<Foundation>) -> Topology {
    let nodes = scenario.system.nodes;
    Topology { crashable: (0..nodes).collect(), partitionable: (0..=nodes).collect() }
}

/// What a started run leaves for its end: where the clients run, what they were
/// told to do, and the history they are writing.
pub struct Running {
    config: Config,
    layout: AppSpec,
    clients: NodeId,
    plan: Plan,
    history: Arc<Mutex<History>>,
}

/// Adds the system's nodes (each boots the application) and the clients' node.
pub fn build(cluster: &Cluster, run: &Run<'_, Foundation>) -> Running {
    let scenario = run.scenario;
    let config = config_of(scenario);
    let system = &scenario.system;
    let layout = AppSpec { config: config.clone(), nodes: system.nodes, task_agents: system.task_agents };
    for i in 0..system.nodes {
        let spec = layout.clone();
        cluster.add_node(&format!("n{i}"), move |c, node| app::boot(c, node, &spec));
    }
    let clients = cluster.add_node("clients", |_, _| async {});
    let plan = Plan::draw(run.seed, system, &scenario.workload);
    Running { config, layout, clients, plan, history: Arc::new(Mutex::new(History::default())) }
}

/// Starts the clients: they give up on a request halfway through the settle phase.
pub fn workload(cluster: &Cluster, run: &Run<'_, Foundation>, running: &Running) {
    let scenario = run.scenario;
    let timeout = scenario.workload.request_timeout.0;
    let give_up = run.plan.until.0 + scenario.check.settle.0 / 2;
    let clients = scenario.workload.clients;
    spawn_clients(cluster, running.clients, &running.plan, clients, timeout, give_up, &running.history);
}

/// Reads the end state through the system's public API, from a client process.
pub async fn observe(cluster: &Cluster, run: &Run<'_, Foundation>, running: Running) -> Record {
    let Running { config, layout, clients, plan, history } = running;
    let history = history.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let timeout = run.scenario.workload.request_timeout.0;
    let mut record = read_end_state(cluster, clients, config, layout, plan, history, timeout).await;
    record.settle = run.scenario.check.settle.0;
    let plan = run.plan;
    record.network_faults = plan.message_loss > 0.0
        || plan.message_duplication > 0.0
        || plan.message_delay.is_some()
        || !plan.message_fates.is_empty();
    record
}

fn spawn_clients(
    cluster: &Cluster,
    node: NodeId,
    plan: &Plan,
    clients: u32,
    timeout: Duration,
    give_up: Duration,
    history: &Arc<Mutex<History>>,
) {
    for client in 0..clients.max(1) {
        let tasks: Vec<PlannedTask> = plan.tasks.iter().filter(|t| t.client == client).cloned().collect();
        let history = history.clone();
        cluster.spawn(node, SpawnOpts::labelled(CLIENT_LABEL), move |ctx| async move {
            for task in tasks {
                wait_until(task.at).await;
                let spec = task.spec.clone();
                let op = retry(&ctx, give_up, || api::submit(&ctx, spec.clone(), timeout)).await;
                history.lock().unwrap_or_else(|p| p.into_inner()).submits.insert(task.spec.id, op);
            }
        });
    }
    for workflow in plan.workflows.iter().cloned() {
        let history = history.clone();
        cluster.spawn(node, SpawnOpts::labelled(CLIENT_LABEL), move |ctx| async move {
            drive_workflow(&ctx, workflow, timeout, give_up, &history).await;
        });
    }
}

async fn drive_workflow(
    ctx: &Ctx,
    workflow: PlannedWorkflow,
    timeout: Duration,
    give_up: Duration,
    history: &Mutex<History>,
) {
    wait_until(workflow.at).await;
    let id = workflow.spec.id;
    let started = retry(ctx, give_up, || api::start_workflow(ctx, workflow.spec.clone(), timeout)).await;
    history.lock().unwrap_or_else(|p| p.into_inner()).starts.insert(id, started);
    if let (Some(at), Some(_)) = (workflow.cancel_at, started.acked) {
        wait_until(at).await;
        let cancelled = retry(ctx, give_up, || api::cancel_workflow(ctx, id, timeout)).await;
        history.lock().unwrap_or_else(|p| p.into_inner()).cancels.insert(id, cancelled);
    }
}

/// Calls `attempt` until it succeeds or `give_up` passes; records the operation.
async fn retry<T, E, F, Fut>(ctx: &Ctx, give_up: Duration, mut attempt: F) -> Op
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
{
    let mut op = Op { invoked: ctx.now(), acked: None, attempts: 0 };
    while ctx.now() < give_up {
        op.attempts += 1;
        if attempt().await.is_ok() {
            op.acked = Some(ctx.now());
            break;
        }
        ctx.sleep(RETRY_BACKOFF).await;
    }
    op
}

async fn wait_until(at: Duration) {
    let now = madsim::time::TimeHandle::current().elapsed();
    if at > now {
        madsim::time::sleep(at - now).await;
    }
}

/// Reads every task's and workflow's status, the manager's stats and the agents'
/// status through the public API, from a client process.
async fn read_end_state(
    cluster: &Cluster,
    clients: NodeId,
    config: Config,
    layout: AppSpec,
    plan: Plan,
    history: History,
    timeout: Duration,
) -> Record {
    let slot: Arc<Mutex<Option<Record>>> = Arc::new(Mutex::new(None));
    let out = slot.clone();
    let reader_cluster = cluster.clone();
    cluster.spawn(clients, SpawnOpts::labelled(CLIENT_LABEL), move |ctx| async move {
        let mut record = Record {
            config,
            plan,
            history,
            tasks: Default::default(),
            workflows: Default::default(),
            workflow_records: Default::default(),
            manager: None,
            agents: Vec::new(),
            tables: Default::default(),
            end: Duration::ZERO,
            settle: Duration::ZERO,
            network_faults: false,
        };
        for id in record.history.submits.keys().copied().collect::<Vec<_>>() {
            let observed = match read(|| api::status(&ctx, id, timeout)).await {
                Ok(status) => match status.outcome() {
                    Some(outcome) => Observed::Final(outcome),
                    None => Observed::Pending(pending_name(&status)),
                },
                Err(e) => Observed::NoAnswer(e),
            };
            record.tasks.insert(id, observed);
        }
        let started: Vec<WorkflowId> = record.history.starts.keys().copied().collect();
        for id in started {
            let status = read(|| api::workflow_status(&ctx, id, timeout)).await.ok();
            record.workflows.insert(id, status);
            let stored = read(|| workflow::status(&ctx, PRIMARY, id)).await.ok();
            record.workflow_records.insert(id, stored);
        }
        if let Ok(stats) = read(|| manager::stats(&ctx, (PRIMARY, manager::NAME), timeout)).await {
            if let Some(pid) = ctx.whereis(PRIMARY, manager::NAME) {
                record.manager = Some((pid, stats));
            }
        }
        for index in 0..layout.task_agents {
            let status = read(|| api::agent_status(&ctx, &layout, index, timeout)).await.ok();
            record.agents.push((otpsim_foundation::agent::name(index), status));
        }
        record.tables = reader_cluster.tables();
        record.end = ctx.now();
        *out.lock().unwrap_or_else(|p| p.into_inner()) = Some(record);
    });
    loop {
        if let Some(record) = slot.lock().unwrap_or_else(|p| p.into_inner()).take() {
            return record;
        }
        madsim::time::sleep(Duration::from_millis(10)).await;
    }
}

fn pending_name(status: &TaskStatus) -> String {
    match status {
        TaskStatus::Unknown => "unknown to the coordinator".to_owned(),
        TaskStatus::Queued => "queued".to_owned(),
        TaskStatus::Running => "running".to_owned(),
        other => format!("{other:?}"),
    }
}

async fn read<T, E: std::fmt::Display, F, Fut>(mut attempt: F) -> Result<T, String>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
{
    let mut last = String::new();
    for _ in 0..FINAL_READ_ATTEMPTS {
        match attempt().await {
            Ok(value) => return Ok(value),
            Err(e) => last = e.to_string(),
        }
        madsim::time::sleep(RETRY_BACKOFF).await;
    }
    Err(last)
}
