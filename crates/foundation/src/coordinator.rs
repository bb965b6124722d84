//! The coordinator (the original's SimplifiedCoordinator): accepts tasks, hands them
//! to task agents through the coordination manager, and records their outcomes.
//!
//! Ownership of a task moves along a chain of durable records, so no acknowledged
//! task can be lost and none can end twice:
//! 1. `submit` writes the task to the log (node 0's Store) and syncs before it acks;
//!    a known id is acked again without any change.
//! 2. A courier (a short-lived process linked to the coordinator, so routing never
//!    blocks it) asks the manager to route an `Assign` to an agent. Only `Delivered`
//!    moves ownership: the agent has saved the task before it said `Accepted`.
//!    `Failed` (or no answer) keeps it here: it is routed again after a short backoff,
//!    to the next agent every second attempt. `Buffered` keeps it here too: it is
//!    routed to the same agent again periodically, which keeps its place in the
//!    manager's buffer, confirms a replay's delivery, or starts afresh if the manager
//!    lost its buffers; if it stays buffered longer than a breaker reset, it goes to
//!    the next agent. New tasks avoid an agent whose route was buffered for one
//!    breaker reset, unless no other agent is up.
//! 3. An agent that cannot run a queued task soon (its downstream's breaker is open,
//!    or it paused) releases it: it never starts it again under that assignment, and
//!    sends the release until acked. The coordinator takes back only the release of
//!    the task's current assignment and routes the task again, to the next agent.
//! 4. The agent reports the outcome until acked; the first outcome recorded (and
//!    synced) wins, later ones are acked and ignored.
//!
//! A restarted coordinator reloads the whole log and routes again every task that no
//! agent owns. Assignments are idempotent on the task id, so a duplicate or a repeat
//! is harmless. Under the `god_coordinator` flaw the coordinator runs every workflow
//! in its own process instead of delegating to the workflow supervisor.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use otpsim_runtime::gen_server::{CallOutcome, Flow, GenServer};
use otpsim_runtime::supervisor::ChildSpec;
use otpsim_runtime::{CallError, Ctx, Message, NodeId, Pid, Reason, ReplyTo, SpawnOpts};
use tracing::debug;

use crate::app::AppSpec;
use crate::config::Config;
use crate::durable::{self, TaskRecord, TaskState};
use crate::events::kind;
use crate::events::TARGET;
use crate::flaws::Flaw;
use crate::protocol::{AgentRequest, OutcomeReport, Release, ReleaseAck, ReportAck, RouteOutcome, REJECTED};
use crate::task::{TaskId, TaskOutcome, TaskSpec};
use crate::workflow::god::GodWorkflows;
use crate::workflow::{self, WorkflowError, WorkflowId, WorkflowSpec, WorkflowStatus};
use crate::{agent, manager};

/// The coordinator's registered name (on node 0).
pub const NAME: &str = "coordinator";
/// The coordinator's process label.
pub const LABEL: &str = "coordinator";
/// The label of the coordinator's routing couriers.
pub const COURIER_LABEL: &str = "coordinator_courier";

/// How long a courier lets the manager wait for an agent's answer.
pub const DELIVERY_TIMEOUT: Duration = Duration::from_secs(1);
/// The first backoff after a failed route; it doubles per failure up to [`ROUTE_BACKOFF_MAX`].
pub const ROUTE_BACKOFF: Duration = Duration::from_millis(50);
/// The largest backoff between routes of one task.
pub const ROUTE_BACKOFF_MAX: Duration = Duration::from_secs(2);
/// The longest pause before routing a task again after the pool refused it.
pub const REJECTED_BACKOFF_MAX: Duration = Duration::from_millis(400);
/// How often a buffered task is routed again (see the module doc).
pub const BUFFERED_REDRIVE: Duration = Duration::from_secs(1);
/// How often the coordinator looks for tasks to route.
pub const TICK: Duration = Duration::from_millis(100);

/// A call to the coordinator.
#[derive(Clone, Debug)]
pub enum Request {
    /// Accept a task (idempotent on its id).
    Submit(TaskSpec),
    /// A task's status.
    Status(TaskId),
    /// Start a workflow.
    StartWorkflow(WorkflowSpec),
    /// Cancel a workflow.
    CancelWorkflow(WorkflowId),
    /// A workflow's status.
    WorkflowStatus(WorkflowId),
}

/// The coordinator's answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// The task is durably recorded.
    Submitted,
    /// A task's status.
    Task(TaskStatus),
    /// A workflow operation's answer.
    Workflow(Result<WorkflowStatus, WorkflowError>),
}

/// What `status(task)` answers.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TaskStatus {
    /// Not known (never submitted, or forgotten under a persistence flaw).
    Unknown,
    /// Accepted, not yet owned by an agent.
    Queued,
    /// An agent owns it.
    Running,
    /// It completed with this result.
    Completed(u64),
    /// It failed for this reason.
    Failed(String),
}

impl TaskStatus {
    /// The final outcome, if there is one.
    pub fn outcome(&self) -> Option<TaskOutcome> {
        match self {
            TaskStatus::Completed(v) => Some(TaskOutcome::Completed(*v)),
            TaskStatus::Failed(r) => Some(TaskOutcome::Failed(r.clone())),
            _ => None,
        }
    }
}

impl fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskStatus::Unknown => f.write_str("unknown"),
            TaskStatus::Queued => f.write_str("queued"),
            TaskStatus::Running => f.write_str("running"),
            TaskStatus::Completed(v) => write!(f, "completed({v})"),
            TaskStatus::Failed(r) => write!(f, "failed({r})"),
        }
    }
}

/// A courier's report: how one route of `task` went.
#[derive(Clone, Debug)]
struct Routed {
    task: TaskId,
    agent: u32,
    receiver: Pid,
    attempt: u32,
    result: Result<RouteOutcome, CallError>,
}

/// The coordinator's periodic wake-up.
#[derive(Clone, Copy, Debug)]
struct Tick;

/// In-memory routing state of a task no agent owns yet.
#[derive(Clone, Debug, Default)]
struct Routing {
    /// Not before this time (simulated, since the run started).
    not_before: Duration,
    /// A courier is on its way.
    in_flight: bool,
}

/// The coordinator's process state.
pub struct Coordinator {
    config: Arc<Config>,
    layout: AppSpec,
    log: BTreeMap<TaskId, TaskRecord>,
    /// Tasks without a final outcome and owned by no agent.
    unowned: BTreeMap<TaskId, Routing>,
    /// Agents whose route answered `Buffered` (their breaker at the manager is open),
    /// with the time until which new tasks go elsewhere.
    avoid: BTreeMap<u32, Duration>,
    god: Option<GodWorkflows>,
}

impl Coordinator {
    /// The coordinator's `init`: registers, reloads the log, starts routing.
    pub fn init(ctx: &Ctx, layout: AppSpec) -> Result<Self, Reason> {
        ctx.register(NAME).map_err(|e| Reason::error(format!("register {NAME}: {e}")))?;
        let config = Arc::new(layout.config.clone());
        let log = durable::load_tasks(ctx, &config);
        let unowned = log
            .values()
            .filter(|r| matches!(r.state, TaskState::Queued | TaskState::Buffered { .. }))
            .map(|r| (r.id, Routing::default()))
            .collect();
        let god = config.has(Flaw::GodCoordinator).then(|| GodWorkflows::new(&config));
        ctx.send(ctx.pid(), Tick);
        Ok(Coordinator { config, layout, log, unowned, avoid: BTreeMap::new(), god })
    }

    fn save(&self, ctx: &Ctx, id: TaskId) {
        if let Some(record) = self.log.get(&id) {
            durable::save_task(ctx, record, &self.config);
        }
    }

    fn submit(&mut self, ctx: &Ctx, spec: TaskSpec) -> Reply {
        let id = spec.id;
        if self.log.contains_key(&id) {
            return Reply::Submitted;
        }
        self.log.insert(id, TaskRecord { id, spec: Some(spec), state: TaskState::Queued, attempts: 0, holder: None });
        self.save(ctx, id);
        debug!(target: TARGET, event = kind::TASK_ACCEPTED, task = id.text().as_str());
        self.unowned.insert(id, Routing::default());
        self.route(ctx, id);
        Reply::Submitted
    }

    fn status(&self, id: TaskId) -> TaskStatus {
        match self.log.get(&id).map(|r| &r.state) {
            None => TaskStatus::Unknown,
            Some(TaskState::Queued | TaskState::Buffered { .. }) => TaskStatus::Queued,
            Some(TaskState::Assigned { .. }) => TaskStatus::Running,
            Some(TaskState::Final(TaskOutcome::Completed(v))) => TaskStatus::Completed(*v),
            Some(TaskState::Final(TaskOutcome::Failed(r))) => TaskStatus::Failed(r.clone()),
        }
    }

    /// Sends a courier with task `id` to the next live agent, if it is due.
    fn route(&mut self, ctx: &Ctx, id: TaskId) {
        let now = ctx.now();
        let Some(routing) = self.unowned.get_mut(&id).filter(|r| !r.in_flight && r.not_before <= now) else {
            return;
        };
        let Some(record) = self.log.get_mut(&id) else {
            return;
        };
        let Some(spec) = record.spec.clone() else {
            return;
        };
        let agents = self.layout.task_agents.max(1);
        let avoid = &self.avoid;
        let up = |i: u32| ctx.whereis(self.layout.agent_node(i), &agent::name(i)).is_some();
        let candidates = || (0..agents).map(|step| candidate(id, record.attempts, step, agents));
        // A task stays with the agent that may hold it (see `TaskRecord::holder`).
        let target = record.holder.or_else(|| {
            candidates()
                .find(|&i| up(i) && avoid.get(&i).is_none_or(|&until| until <= now))
                .or_else(|| candidates().find(|&i| up(i)))
        });
        let receiver = target.and_then(|i| ctx.whereis(self.layout.agent_node(i), &agent::name(i)).map(|p| (i, p)));
        let Some((agent, receiver)) = receiver else {
            // No agent is up, or the holder is down (it comes back with its node and
            // its durable queue): try again later.
            record.attempts += 1;
            routing.not_before = now + route_backoff(record.attempts);
            debug!(target: TARGET, event = kind::ROUTE_DEFERRED, task = id.text().as_str());
            return;
        };
        if record.holder.is_none() {
            record.holder = Some(agent);
            durable::save_task(ctx, record, &self.config);
        }
        routing.in_flight = true;
        let attempt = record.attempts + 1;
        let coordinator = ctx.pid();
        let request = AgentRequest::Assign { task: spec, attempt };
        debug!(target: TARGET, event = kind::ROUTE_SENT, task = id.text().as_str(), agent = receiver.text().as_str(), attempt);
        ctx.spawn_opts(ctx.node(), SpawnOpts::labelled(COURIER_LABEL).linked(), move |c: Ctx| async move {
            let manager = (crate::app::PRIMARY, manager::NAME);
            let result = manager::route(&c, manager, receiver, request, DELIVERY_TIMEOUT).await;
            c.send(coordinator, Routed { task: id, agent, receiver, attempt, result });
        });
    }

    fn routed(&mut self, ctx: &Ctx, routed: Routed) {
        let id = routed.task;
        let now = ctx.now();
        let (Some(routing), Some(record)) = (self.unowned.get_mut(&id), self.log.get_mut(&id)) else {
            return;
        };
        routing.in_flight = false;
        match routed.result {
            Ok(RouteOutcome::Delivered) => {
                record.state = TaskState::Assigned { agent: routed.agent };
                self.unowned.remove(&id);
                self.save(ctx, id);
                debug!(target: TARGET, event = kind::TASK_ASSIGNED, task = id.text().as_str(), agent = routed.receiver.text().as_str(),
                    attempt = routed.attempt);
            }
            Ok(RouteOutcome::Buffered) => {
                self.avoid.insert(routed.agent, now + self.config.breaker_reset);
                record.state = TaskState::Buffered { agent: routed.agent };
                routing.not_before = now + BUFFERED_REDRIVE;
                self.save(ctx, id);
                debug!(target: TARGET, event = kind::ROUTE_BUFFERED, task = id.text().as_str(), agent = routed.receiver.text().as_str());
            }
            Ok(RouteOutcome::Failed(why)) if why.starts_with(REJECTED) => {
                // The agent answered that it does not take the task: it does not hold
                // it, so the next agent may have it.
                record.state = TaskState::Queued;
                record.holder = None;
                record.attempts = (record.attempts / 2 + 1) * 2;
                routing.not_before = now + rejected_backoff(record.attempts, self.layout.task_agents);
                self.save(ctx, id);
                debug!(target: TARGET, event = kind::ROUTE_FAILED, task = id.text().as_str(), agent = routed.receiver.text().as_str(),
                    attempt = routed.attempt, rejected = true);
            }
            Ok(RouteOutcome::Failed(_)) | Err(_) => {
                // No answer, or an unclear one: the holder may have the task; try it again.
                record.state = TaskState::Queued;
                record.attempts += 1;
                routing.not_before = now + route_backoff(record.attempts);
                self.save(ctx, id);
                debug!(target: TARGET, event = kind::ROUTE_FAILED, task = id.text().as_str(), agent = routed.receiver.text().as_str(),
                    attempt = routed.attempt, rejected = false);
            }
        }
    }

    /// Records an agent's outcome report (first outcome wins) and acks it.
    fn reported(&mut self, ctx: &Ctx, report: OutcomeReport) {
        let id = report.task;
        let known_final = matches!(self.log.get(&id).map(|r| &r.state), Some(TaskState::Final(_)));
        if !known_final {
            let record = self.log.entry(id).or_insert(TaskRecord {
                id,
                spec: None,
                state: TaskState::Queued,
                attempts: 0,
                holder: None,
            });
            record.state = TaskState::Final(report.outcome.clone());
            self.unowned.remove(&id);
            self.save(ctx, id);
            debug!(target: TARGET, event = kind::TASK_RECORDED, task = id.text().as_str(), outcome = report.outcome.text().as_str());
        }
        ctx.send(report.agent, ReportAck { task: id });
    }

    /// Takes back a task an agent released: it is routed again, to the next agent.
    /// Only the release of the task's current assignment counts; a release that races
    /// ahead of its own delivery's confirmation is left unanswered (the agent sends it
    /// again), and any other (stale, duplicated, or of a finished task) is acked.
    fn released(&mut self, ctx: &Ctx, release: Release) {
        let id = release.task;
        let Some(record) = self.log.get_mut(&id) else {
            return;
        };
        let current = record.attempts + 1 == release.attempt;
        match record.state {
            TaskState::Assigned { agent } if agent == release.index && current => {
                record.state = TaskState::Queued;
                record.holder = None;
                record.attempts = (record.attempts / 2 + 1) * 2;
                self.unowned.insert(id, Routing { not_before: ctx.now() + route_backoff(1), in_flight: false });
                self.save(ctx, id);
                debug!(target: TARGET, event = kind::TASK_RELEASED, task = id.text().as_str(), agent = release.agent.text().as_str());
            }
            TaskState::Final(_) => {}
            _ if current => return,
            _ => {}
        }
        ctx.send(release.agent, ReleaseAck { task: id });
    }

    fn tick(&mut self, ctx: &Ctx) {
        let due: Vec<TaskId> = self.unowned.keys().copied().collect();
        for id in due {
            self.route(ctx, id);
        }
        ctx.send_after(ctx.pid(), Tick, TICK);
    }

    async fn workflow_call(&mut self, ctx: &Ctx, request: Request) -> Result<WorkflowStatus, WorkflowError> {
        let sup = (crate::app::PRIMARY, workflow::SUPERVISOR_NAME);
        match (request, self.god.as_mut()) {
            (Request::StartWorkflow(spec), Some(god)) => Ok(god.start(ctx, spec)),
            (Request::CancelWorkflow(id), Some(god)) => Ok(god.cancel(ctx, id)),
            (Request::WorkflowStatus(id), Some(god)) => Ok(god.status(id)),
            (Request::StartWorkflow(spec), None) => workflow::start(ctx, sup, spec, &self.config).await,
            (Request::CancelWorkflow(id), None) => workflow::cancel(ctx, sup, id).await,
            (Request::WorkflowStatus(id), None) => workflow::status(ctx, crate::app::PRIMARY, id).await,
            (Request::Submit(_) | Request::Status(_), _) => unreachable!("task requests are handled by handle_call"),
        }
    }
}

/// The agent index to try for task `id` after `attempts` failed routes, skipping
/// `step` agents that are down: each agent gets two tries, then the next one.
fn candidate(id: TaskId, attempts: u32, step: u32, agents: u32) -> u32 {
    ((id.0 % u64::from(agents)) as u32 + attempts / 2 + step) % agents
}

/// The pause before routing a task again after a rejection: short while untried
/// agents remain, then doubling with every round of refusals (every agent paused or
/// full) up to [`REJECTED_BACKOFF_MAX`], so a pool that refuses everything is not
/// flooded with routes, and one whose queues free up gets work again soon.
fn rejected_backoff(attempts: u32, agents: u32) -> Duration {
    route_backoff(1 + attempts / 2 / agents.max(1)).min(REJECTED_BACKOFF_MAX)
}

fn route_backoff(attempts: u32) -> Duration {
    let factor = 1u32 << attempts.saturating_sub(1).min(10);
    (ROUTE_BACKOFF * factor).min(ROUTE_BACKOFF_MAX)
}

impl GenServer for Coordinator {
    type Call = Request;
    type Reply = Reply;
    type Cast = ();

    async fn handle_call(&mut self, ctx: &Ctx, request: Request, _from: ReplyTo) -> CallOutcome<Reply> {
        let reply = match request {
            Request::Submit(spec) => self.submit(ctx, spec),
            Request::Status(id) => Reply::Task(self.status(id)),
            workflow_request => Reply::Workflow(self.workflow_call(ctx, workflow_request).await),
        };
        CallOutcome::Reply(reply)
    }

    async fn handle_info(&mut self, ctx: &Ctx, msg: Message) -> Flow {
        if let Some(god) = self.god.as_mut() {
            if god.handle_info(ctx, &msg) {
                return Flow::Continue;
            }
        }
        if let Some(report) = msg.info::<OutcomeReport>() {
            self.reported(ctx, report.clone());
        } else if let Some(release) = msg.info::<Release>() {
            self.released(ctx, release.clone());
        } else if let Some(routed) = msg.info::<Routed>() {
            self.routed(ctx, routed.clone());
            self.route(ctx, routed.task);
        } else if msg.info::<Tick>().is_some() {
            self.tick(ctx);
        }
        Flow::Continue
    }
}

/// The coordinator as a child of node 0's tree.
pub fn child_spec(layout: &AppSpec, node: NodeId) -> ChildSpec {
    let layout = layout.clone();
    ChildSpec::gen_server_on(NAME, node, SpawnOpts::labelled(LABEL), move |ctx: &Ctx| {
        Coordinator::init(ctx, layout.clone())
    })
}
