//! TaskAgent: a gen-server that takes tasks, runs them through ProcessTask, and
//! reports each outcome to the coordinator until it is acknowledged.
//!
//! The agent never blocks: an attempt's work and every wait (backoff, open breaker,
//! pause cooldown, report retry) are timers, so it answers assignments and status
//! calls at any time, and a crash lands in the middle of a task. One attempt executes
//! at a time; a started task waiting for its retry backoff does not hold the agent,
//! which meanwhile runs the next queued task whose downstream admits it. Each task
//! type calls its own downstream service, so each has its own breaker: one failing
//! service holds back only its own tasks, and only their start (see [`Self::pump`]);
//! queued tasks it holds back are released to the coordinator for other agents. Its snapshot
//! ([`durable::AgentSnapshot`]) is saved before it acknowledges anything, so a restart
//! resumes the queue, re-runs interrupted tasks from their first attempt (outcomes
//! are deterministic) and re-sends unacknowledged outcomes. A task during which the
//! agent crashed with a panic (recorded while unwinding, see [`super::process_task`])
//! is finished as `crashed` instead of being run again, so a defect cannot crash-loop.
//!
//! Errors that signal trouble (transient ones; see [`TaskError::signals_trouble`])
//! count towards `max_error_threshold`; at the threshold the agent pauses: it finishes
//! the tasks in hand, keeps its queue, rejects new assignments, and resumes after
//! `agent_pause_cooldown` or on [`AgentRequest::Resume`]. It also rejects a task whose
//! downstream's breaker is open, since it could only wait.

use std::collections::BTreeMap;
use std::sync::Arc;

use otpsim_runtime::gen_server::{CallOutcome, Flow, GenServer};
use otpsim_runtime::{reached, Cluster, Ctx, Message, NodeId, Reason, ReplyTo};
use tracing::debug;

use crate::config::Config;
use crate::durable::{self, AgentSnapshot, Assignment, Report};
use crate::events::TARGET;
use crate::flaws::Flaw;
use crate::protocol::{
    AgentReply, AgentRequest, AgentState, AgentStatus, OutcomeReport, Release, ReleaseAck, ReportAck,
};
use crate::task::{self, TaskOutcome};

use super::breaker::{CircuitBreaker, Transition};
use super::process_task::{Next, ProcessTask, Step, TaskError};
use crate::events::kind;

/// The label task agents are spawned with (fault injection picks targets by it).
pub const LABEL: &str = "task_agent";

/// The error count at which the original paused, whatever the configuration said
/// (used only under the `magic_thresholds` flaw).
pub const MAGIC_PAUSE_THRESHOLD: u32 = 10;

/// The breaker threshold the original's ProcessTask hard-coded (`magic_thresholds`).
pub const MAGIC_BREAKER_THRESHOLD: u32 = 5;

/// How often unacknowledged outcome reports are sent again.
pub const REPORT_RETRY: std::time::Duration = std::time::Duration::from_millis(500);

/// The name agent `index` registers on its node.
pub fn name(index: u32) -> String {
    let mut name = String::from("task_agent/");
    otpsim_runtime::decimal::push(&mut name, u64::from(index));
    name
}

/// The agent's own timers.
#[derive(Clone, Debug)]
enum Tick {
    /// The work of run `seq`'s current attempt is done: evaluate it.
    Attempted(u64),
    /// Run `seq`'s backoff is over.
    Ready(u64),
    /// The pause cooldown is over.
    Cooldown,
    /// Re-send unacknowledged reports.
    Reports,
}

/// Where a started task stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Its backoff's `Ready` timer is armed.
    Waiting,
    /// May attempt as soon as the agent is free.
    Ready,
    /// Its attempt's work is under way.
    Executing,
}

/// A started task.
struct Run {
    process: ProcessTask,
    /// Distinguishes this run's timers from every other run's.
    seq: u64,
    phase: Phase,
}

/// One task agent's process state.
pub struct TaskAgent {
    index: u32,
    config: Arc<Config>,
    state: AgentSnapshot,
    /// One breaker per downstream (task type), created on first use.
    breakers: BTreeMap<String, CircuitBreaker>,
    /// Started tasks, in start order (the same tasks as `state.running`).
    runs: Vec<Run>,
    seq: u64,
    cooldown: Option<otpsim_runtime::Ref>,
    reports_armed: bool,
    /// Where the agent runs, so its end can tell a node crash from a process exit.
    home: (Cluster, NodeId),
}

impl Drop for TaskAgent {
    /// Marks the coverage point of an agent that ends (killed, shut down, or with its
    /// node) while it runs tasks. It only counts: a dropped agent must not send anything.
    fn drop(&mut self) {
        let (cluster, node) = &self.home;
        if self.runs.is_empty() {
            return;
        }
        if cluster.is_up(*node) {
            reached!("agent.stopped_with_tasks_running");
        } else {
            reached!("agent.node_crashed_with_tasks_running");
        }
    }
}

impl TaskAgent {
    /// The agent's `init`: registers its name and restores its snapshot.
    pub fn init(ctx: &Ctx, index: u32, config: Arc<Config>) -> Result<Self, Reason> {
        ctx.register(&name(index)).map_err(|e| Reason::error(format!("register {}: {e}", name(index))))?;
        reached!("agent.started");
        let state = durable::restore_agent(ctx, index, &config);
        let mut agent = TaskAgent {
            index,
            config,
            state,
            breakers: BTreeMap::new(),
            runs: Vec::new(),
            seq: 0,
            cooldown: None,
            reports_armed: false,
            home: (ctx.cluster(), ctx.node()),
        };
        let interrupted = std::mem::take(&mut agent.state.running);
        if !interrupted.is_empty() {
            reached!("agent.restarted_with_tasks_running");
        }
        for task in interrupted.into_iter().rev() {
            if agent.state.crashed.contains(&task.task.id) {
                agent.record_outcome(ctx, task, TaskOutcome::Failed(task::CRASHED.to_owned()));
            } else {
                agent.state.queue.push_front(task);
            }
        }
        agent.state.crashed.clear();
        agent.save(ctx);
        for task in agent.state.outbox.keys().copied().collect::<Vec<_>>() {
            agent.send_report(ctx, task);
        }
        for task in agent.unacked_releases() {
            agent.send_release(ctx, task);
        }
        agent.arm_reports(ctx);
        if agent.state.paused {
            agent.cooldown = Some(ctx.send_after(ctx.pid(), Tick::Cooldown, agent.config.agent_pause_cooldown));
        }
        agent.pump(ctx);
        Ok(agent)
    }

    /// The agent's counters.
    pub fn status(&self) -> AgentStatus {
        let status = if self.state.paused {
            AgentState::Paused
        } else if !self.runs.is_empty() {
            AgentState::Processing
        } else {
            AgentState::Idle
        };
        AgentStatus {
            status,
            processed_count: self.state.processed_count,
            error_count: self.state.error_count,
            queue_len: self.state.queue.len(),
        }
    }

    fn save(&self, ctx: &Ctx) {
        durable::save_agent(ctx, self.index, &self.state, &self.config);
    }

    /// Takes a task, idempotent on its id; durable before it answers `Accepted`.
    fn accept(&mut self, ctx: &Ctx, assignment: Assignment) -> AgentReply {
        let id = assignment.task.id;
        match self.state.released.get(&id) {
            // A stale duplicate of an assignment this agent handed back.
            Some(&(attempt, _)) if assignment.attempt <= attempt => return AgentReply::Busy("released".into()),
            Some(_) => {
                let reply = self.enqueue(ctx, assignment);
                if reply == AgentReply::Accepted {
                    self.state.released.remove(&id);
                    self.save(ctx);
                }
                return reply;
            }
            None => {}
        }
        let held = self.state.queue.iter_mut().chain(self.state.running.iter_mut()).find(|a| a.task.id == id);
        if let Some(held) = held {
            // A repeat after a lost answer: remember the newest attempt, the one the
            // coordinator counts as current if this task is ever released.
            if assignment.attempt > held.attempt {
                held.attempt = assignment.attempt;
                self.save(ctx);
            }
            return AgentReply::Accepted;
        }
        if self.state.knows(id) {
            return AgentReply::Accepted;
        }
        self.enqueue(ctx, assignment)
    }

    /// Queues a task if the agent takes work now, without asking whether it knows it.
    fn enqueue(&mut self, ctx: &Ctx, assignment: Assignment) -> AgentReply {
        if self.state.paused {
            return AgentReply::Busy("paused".to_owned());
        }
        if !self.admits(&assignment, ctx.now()) {
            // Its every attempt would wait for the reset: it is better off elsewhere.
            return AgentReply::Busy("breaker_open".to_owned());
        }
        if self.state.queue.len() >= self.config.agent_queue_capacity {
            return AgentReply::Busy("queue_full".to_owned());
        }
        let task = assignment.task.id;
        self.state.queue.push_back(assignment);
        debug!(target: TARGET, event = kind::TASK_QUEUED, task = task.text().as_str(), agent = ctx.pid().text().as_str(), queue_len = self.state.queue.len());
        self.save(ctx);
        self.pump(ctx);
        AgentReply::Accepted
    }

    /// The breaker of a task's downstream (its type), created closed on first use.
    fn breaker(&mut self, downstream: &str) -> &mut CircuitBreaker {
        let threshold = if self.config.has(Flaw::MagicThresholds) {
            MAGIC_BREAKER_THRESHOLD
        } else {
            self.config.circuit_breaker_threshold
        };
        let reset = self.config.breaker_reset;
        self.breakers.entry(downstream.to_owned()).or_insert_with(|| CircuitBreaker::new(threshold, reset))
    }

    /// True if the breaker of `assignment`'s downstream lets an attempt run at `now`.
    fn admits(&self, assignment: &Assignment, now: std::time::Duration) -> bool {
        self.breakers.get(assignment.task.kind.name()).is_none_or(|b| b.admit(now).is_ok())
    }

    /// Keeps the agent busy: unless an attempt is executing, runs the next attempt of
    /// the first started task whose backoff is over, else (unless paused) starts the
    /// first queued task whose downstream's breaker admits it. The breaker sheds new
    /// work only: a started task's retries are paced by its backoff, so a failing
    /// service cannot hold a task forever, and a trial is always a fresh task.
    fn pump(&mut self, ctx: &Ctx) {
        let now = ctx.now();
        while !self.runs.iter().any(|r| r.phase == Phase::Executing) {
            if let Some(run) = self.runs.iter_mut().find(|r| r.phase == Phase::Ready) {
                run.phase = Phase::Executing;
                ctx.send_after(ctx.pid(), Tick::Attempted(run.seq), run.process.spec().work);
                continue;
            }
            let next = if self.state.paused { None } else { self.state.queue.iter().position(|a| self.admits(a, now)) };
            match next {
                Some(position) => self.start(ctx, position),
                None => break,
            }
        }
        self.release_blocked(ctx, now);
    }

    /// Hands back every queued task that cannot start soon: all of them while paused,
    /// else those whose downstream's breaker is open. Another agent may run them now.
    fn release_blocked(&mut self, ctx: &Ctx, now: std::time::Duration) {
        let paused = self.state.paused;
        let (blocked, kept): (Vec<Assignment>, Vec<Assignment>) =
            std::mem::take(&mut self.state.queue).into_iter().partition(|a| paused || !self.admits(a, now));
        self.state.queue = kept.into();
        if blocked.is_empty() {
            return;
        }
        for assignment in &blocked {
            let (task, attempt) = (assignment.task.id, assignment.attempt);
            debug!(target: TARGET, event = kind::TASK_HANDED_BACK, task = task.text().as_str(), agent = ctx.pid().text().as_str(), attempt);
            self.state.released.insert(task, (attempt, false));
        }
        self.save(ctx);
        for assignment in &blocked {
            self.send_release(ctx, assignment.task.id);
        }
        self.arm_reports(ctx);
    }

    fn send_release(&self, ctx: &Ctx, task: task::TaskId) {
        if let Some(&(attempt, false)) = self.state.released.get(&task) {
            let msg = Release { agent: ctx.pid(), index: self.index, task, attempt };
            // Not registered (the coordinator is restarting): the retry timer sends it again.
            if ctx.send_named(crate::app::PRIMARY, crate::coordinator::NAME, msg).is_ok() {
                debug!(target: TARGET, event = kind::REPORT_SENT, task = task.text().as_str(), agent = ctx.pid().text().as_str(), attempt, report = "release");
            }
        }
    }

    fn unacked_releases(&self) -> Vec<task::TaskId> {
        self.state.released.iter().filter(|(_, (_, acked))| !acked).map(|(id, _)| *id).collect()
    }

    /// Starts queued task number `position`: validation, then it is ready to attempt.
    fn start(&mut self, ctx: &Ctx, position: usize) {
        let Some(next) = self.state.queue.remove(position) else {
            return;
        };
        self.state.running.push(next.clone());
        self.save(ctx);
        let (task, attempt) = (next.task.id, next.attempt);
        debug!(target: TARGET, event = kind::TASK_STARTED, task = task.text().as_str(), agent = ctx.pid().text().as_str(), attempt);
        self.seq += 1;
        let process = ProcessTask::new(next.task);
        let invalid = process.validate();
        self.runs.push(Run { process, seq: self.seq, phase: Phase::Ready });
        if let Some(step) = invalid {
            self.apply(ctx, self.seq, step);
        }
    }

    /// Evaluates the attempt whose work just ended. A defect panics out of here.
    fn attempted(&mut self, ctx: &Ctx, seq: u64) {
        let Some(i) = self.runs.iter().position(|r| r.seq == seq && r.phase == Phase::Executing) else {
            return;
        };
        let (index, config) = (self.index, self.config.clone());
        let downstream = self.runs[i].process.spec().kind.name().to_owned();
        let task = self.runs[i].process.spec().id;
        self.breaker(&downstream);
        let TaskAgent { breakers, runs, .. } = self;
        let (Some(breaker), Some(run)) = (breakers.get_mut(&downstream), runs.get_mut(i)) else {
            return;
        };
        let step = run.process.attempt(ctx, &config, breaker, || durable::record_crash(ctx, index, task, &config));
        if let Transition::Opened(failures) = step.breaker {
            reached!("agent.task_breaker_opened");
            debug!(target: TARGET, event = kind::TASK_BREAKER_OPENED, agent = ctx.pid().text().as_str(), downstream = downstream.as_str(),
                failures, threshold = breaker.threshold());
        }
        self.apply(ctx, seq, step);
    }

    /// Applies the step run `seq` took: counts its error, then finishes it or lets it
    /// wait for its backoff.
    fn apply(&mut self, ctx: &Ctx, seq: u64, step: Step) {
        if step.error.as_ref().is_some_and(TaskError::signals_trouble) {
            self.count_error(ctx);
        }
        match step.next {
            Next::Done(outcome) => self.finish(ctx, seq, outcome),
            Next::RetryAfter(backoff) => {
                if let Some(run) = self.runs.iter_mut().find(|r| r.seq == seq) {
                    run.phase = Phase::Waiting;
                    ctx.send_after(ctx.pid(), Tick::Ready(seq), backoff);
                }
            }
        }
    }

    fn count_error(&mut self, ctx: &Ctx) {
        self.state.error_count = self.state.error_count.saturating_add(1);
        let error_count = self.state.error_count;
        debug!(target: TARGET, event = kind::AGENT_ERROR, agent = ctx.pid().text().as_str(), error_count);
        let threshold = if self.config.has(Flaw::MagicThresholds) {
            MAGIC_PAUSE_THRESHOLD
        } else {
            self.config.max_error_threshold
        };
        if !self.state.paused && error_count >= threshold {
            self.state.paused = true;
            debug!(target: TARGET, event = kind::AGENT_PAUSED, agent = ctx.pid().text().as_str(), error_count, threshold);
            reached!("agent.paused");
            self.cooldown = Some(ctx.send_after(ctx.pid(), Tick::Cooldown, self.config.agent_pause_cooldown));
        }
        self.save(ctx);
    }

    fn resume(&mut self, ctx: &Ctx) {
        if !self.state.paused {
            return;
        }
        if let Some(timer) = self.cooldown.take() {
            ctx.cancel_timer(timer);
        }
        self.state.paused = false;
        self.state.error_count = 0;
        debug!(target: TARGET, event = kind::AGENT_RESUMED, agent = ctx.pid().text().as_str());
        reached!("agent.resumed");
        self.save(ctx);
        self.pump(ctx);
    }

    /// Run `seq` ended with `outcome`.
    fn finish(&mut self, ctx: &Ctx, seq: u64, outcome: TaskOutcome) {
        let Some(i) = self.runs.iter().position(|r| r.seq == seq) else {
            return;
        };
        let run = self.runs.remove(i);
        let id = run.process.spec().id;
        if let Some(at) = self.state.running.iter().position(|a| a.task.id == id) {
            let done = self.state.running.remove(at);
            self.record_outcome(ctx, done, outcome);
        }
    }

    /// Moves a finished task to the outbox (durably) and reports it.
    fn record_outcome(&mut self, ctx: &Ctx, done: Assignment, outcome: TaskOutcome) {
        let task = done.task.id;
        debug!(target: TARGET, event = kind::TASK_FINISHED, task = task.text().as_str(), agent = ctx.pid().text().as_str(), attempt = done.attempt,
            outcome = outcome.text().as_str());
        self.state.processed_count += 1;
        self.state.outbox.insert(task, Report { outcome, attempt: done.attempt });
        self.save(ctx);
        self.send_report(ctx, task);
        self.arm_reports(ctx);
    }

    fn send_report(&self, ctx: &Ctx, task: task::TaskId) {
        if let Some(report) = self.state.outbox.get(&task) {
            let msg =
                OutcomeReport { agent: ctx.pid(), task, outcome: report.outcome.clone(), attempt: report.attempt };
            // Not registered (the coordinator is restarting): the retry timer sends it again.
            if ctx.send_named(crate::app::PRIMARY, crate::coordinator::NAME, msg).is_ok() {
                debug!(target: TARGET, event = kind::REPORT_SENT, task = task.text().as_str(), agent = ctx.pid().text().as_str(), attempt = report.attempt, report = "outcome");
            }
        }
    }

    fn arm_reports(&mut self, ctx: &Ctx) {
        let unacked = !self.state.outbox.is_empty() || self.state.released.values().any(|(_, acked)| !acked);
        if !self.reports_armed && unacked {
            self.reports_armed = true;
            ctx.send_after(ctx.pid(), Tick::Reports, REPORT_RETRY);
        }
    }

    fn acked(&mut self, ctx: &Ctx, task: task::TaskId) {
        if self.state.outbox.remove(&task).is_some() {
            self.state.finished.insert(task);
            self.save(ctx);
        }
    }

    fn tick(&mut self, ctx: &Ctx, tick: Tick) {
        match tick {
            Tick::Attempted(seq) => {
                self.attempted(ctx, seq);
                self.pump(ctx);
            }
            Tick::Ready(seq) => {
                if let Some(run) = self.runs.iter_mut().find(|r| r.seq == seq && r.phase == Phase::Waiting) {
                    run.phase = Phase::Ready;
                }
                self.pump(ctx);
            }
            Tick::Cooldown => {
                self.cooldown = None;
                self.resume(ctx);
            }
            Tick::Reports => {
                self.reports_armed = false;
                for task in self.state.outbox.keys().copied().collect::<Vec<_>>() {
                    self.send_report(ctx, task);
                }
                for task in self.unacked_releases() {
                    self.send_release(ctx, task);
                }
                self.arm_reports(ctx);
            }
        }
    }

    fn request(&mut self, ctx: &Ctx, request: AgentRequest) -> AgentReply {
        match request {
            AgentRequest::Assign { task, attempt } => self.accept(ctx, Assignment { task, attempt }),
            AgentRequest::Status => AgentReply::Status(self.status()),
            AgentRequest::Resume => {
                self.resume(ctx);
                AgentReply::Status(self.status())
            }
        }
    }
}

impl GenServer for TaskAgent {
    type Call = AgentRequest;
    type Reply = AgentReply;
    type Cast = ();

    async fn handle_call(&mut self, ctx: &Ctx, request: AgentRequest, _from: ReplyTo) -> CallOutcome<AgentReply> {
        CallOutcome::Reply(self.request(ctx, request))
    }

    async fn handle_info(&mut self, ctx: &Ctx, msg: Message) -> Flow {
        if let Some(tick) = msg.info::<Tick>() {
            self.tick(ctx, tick.clone());
        } else if let Some(ack) = msg.info::<ReportAck>() {
            self.acked(ctx, ack.task);
        } else if let Some(ack) = msg.info::<ReleaseAck>() {
            if let Some((_, acked)) = self.state.released.get_mut(&ack.task).filter(|(_, acked)| !*acked) {
                *acked = true;
                self.save(ctx);
            }
        } else if let Some(request) = msg.info::<AgentRequest>() {
            // A plain send, which only the manager's flaw paths (`raw_send`,
            // `duplicate_delivery`) use. It carries no reply and no idempotency
            // contract, so the agent treats it as the original agent treated every
            // message: an assignment is new work, queued again even if the same task
            // arrived before by a call.
            match request.clone() {
                AgentRequest::Assign { task, attempt } => {
                    self.enqueue(ctx, Assignment { task, attempt });
                }
                other => {
                    self.request(ctx, other);
                }
            }
        }
        Flow::Continue
    }
}
