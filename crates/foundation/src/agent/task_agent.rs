//! TaskAgent: a gen-server that takes tasks, runs them one at a time through
//! ProcessTask, and reports each outcome to the coordinator until it is acknowledged.
//!
//! The agent never blocks: an attempt's work and every wait (backoff, open breaker,
//! pause cooldown, report retry) are timers, so it answers assignments and status
//! calls at any time, and a crash lands in the middle of a task. Its snapshot
//! ([`durable::AgentSnapshot`]) is saved before it acknowledges anything, so a restart
//! resumes the queue, re-runs an interrupted task from its first attempt (outcomes are
//! deterministic) and re-sends unacknowledged outcomes. A task during which the agent
//! crashed with a panic (recorded while unwinding, see [`super::process_task`]) is
//! finished as `crashed` instead of being run again, so a defect cannot crash-loop.
//!
//! Expected errors count towards `max_error_threshold`; at the threshold the agent
//! pauses: it finishes the task in hand, keeps its queue, rejects new assignments, and
//! resumes after `agent_pause_cooldown` or on [`AgentRequest::Resume`]. It also
//! rejects new assignments while its breaker is open, since they could only wait.

use std::sync::Arc;

use otpsim_runtime::gen_server::{CallOutcome, Flow, GenServer};
use otpsim_runtime::{Ctx, Message, Reason, ReplyTo};
use tracing::debug;

use crate::config::Config;
use crate::durable::{self, AgentSnapshot, Assignment, Report};
use crate::events::TARGET;
use crate::flaws::Flaw;
use crate::protocol::{AgentReply, AgentRequest, AgentState, AgentStatus, OutcomeReport, ReportAck};
use crate::task::{self, TaskOutcome};

use super::breaker::{CircuitBreaker, Transition};
use super::process_task::{Next, ProcessTask, Step};

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
    format!("task_agent/{index}")
}

/// The agent's own timers.
#[derive(Clone, Debug)]
enum Tick {
    /// The work of run `seq`'s current attempt is done: evaluate it.
    Attempted(u64),
    /// Run `seq` may try its next attempt (after a backoff or an open breaker).
    Ready(u64),
    /// The pause cooldown is over.
    Cooldown,
    /// Re-send unacknowledged reports.
    Reports,
}

/// The task being executed.
struct Run {
    process: ProcessTask,
    /// Distinguishes this run's timers from an earlier run's.
    seq: u64,
}

/// One task agent's process state.
pub struct TaskAgent {
    index: u32,
    config: Arc<Config>,
    state: AgentSnapshot,
    breaker: CircuitBreaker,
    run: Option<Run>,
    seq: u64,
    cooldown: Option<otpsim_runtime::Ref>,
    reports_armed: bool,
}

impl TaskAgent {
    /// The agent's `init`: registers its name and restores its snapshot.
    pub fn init(ctx: &Ctx, index: u32, config: Arc<Config>) -> Result<Self, Reason> {
        ctx.register(&name(index)).map_err(|e| Reason::error(format!("register {}: {e}", name(index))))?;
        let threshold =
            if config.has(Flaw::MagicThresholds) { MAGIC_BREAKER_THRESHOLD } else { config.circuit_breaker_threshold };
        let breaker = CircuitBreaker::new(threshold, config.breaker_reset);
        let state = durable::restore_agent(ctx, index, &config);
        let mut agent =
            TaskAgent { index, config, state, breaker, run: None, seq: 0, cooldown: None, reports_armed: false };
        if let Some(interrupted) = agent.state.running.take() {
            if agent.state.crashed.contains(&interrupted.task.id) {
                agent.record_outcome(ctx, interrupted, TaskOutcome::Failed(task::CRASHED.to_owned()));
            } else {
                agent.state.queue.push_front(interrupted);
            }
        }
        agent.state.crashed.clear();
        agent.save(ctx);
        for task in agent.state.outbox.keys().copied().collect::<Vec<_>>() {
            agent.send_report(ctx, task);
        }
        agent.arm_reports(ctx);
        if agent.state.paused {
            agent.cooldown = Some(ctx.send_after(ctx.pid(), Tick::Cooldown, agent.config.agent_pause_cooldown));
        }
        agent.start_next(ctx);
        Ok(agent)
    }

    /// The agent's counters.
    pub fn status(&self) -> AgentStatus {
        let status = if self.state.paused {
            AgentState::Paused
        } else if self.run.is_some() {
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
        if self.state.knows(assignment.task.id) {
            return AgentReply::Accepted;
        }
        self.enqueue(ctx, assignment)
    }

    /// Queues a task if the agent takes work now, without asking whether it knows it.
    fn enqueue(&mut self, ctx: &Ctx, assignment: Assignment) -> AgentReply {
        if self.state.paused {
            return AgentReply::Rejected("paused".to_owned());
        }
        if self.breaker.is_open(ctx.now()) {
            // Every attempt waits for the reset: new work is better off elsewhere.
            return AgentReply::Rejected("breaker_open".to_owned());
        }
        if self.state.queue.len() >= self.config.agent_queue_capacity {
            return AgentReply::Rejected("queue_full".to_owned());
        }
        self.state.queue.push_back(assignment);
        self.save(ctx);
        self.start_next(ctx);
        AgentReply::Accepted
    }

    /// Starts the next queued task unless one is running or the agent is paused.
    fn start_next(&mut self, ctx: &Ctx) {
        if self.run.is_some() || self.state.paused {
            return;
        }
        let Some(next) = self.state.queue.pop_front() else {
            return;
        };
        self.state.running = Some(next.clone());
        self.save(ctx);
        let (task, attempt) = (next.task.id, next.attempt);
        debug!(target: TARGET, event = "task_started", task = %task, agent = %ctx.pid(), attempt);
        self.seq += 1;
        let process = ProcessTask::new(next.task);
        let invalid = process.validate();
        self.run = Some(Run { process, seq: self.seq });
        match invalid {
            Some(step) => self.apply(ctx, step),
            None => self.try_attempt(ctx),
        }
    }

    /// Starts the current run's next attempt, or waits for the breaker to admit it.
    fn try_attempt(&mut self, ctx: &Ctx) {
        let Some(run) = &self.run else {
            return;
        };
        match self.breaker.admit(ctx.now()) {
            Ok(()) => ctx.send_after(ctx.pid(), Tick::Attempted(run.seq), run.process.spec().work),
            Err(wait) => ctx.send_after(ctx.pid(), Tick::Ready(run.seq), wait),
        };
    }

    /// Evaluates the attempt whose work just ended. A defect panics out of here.
    fn attempted(&mut self, ctx: &Ctx, seq: u64) {
        let TaskAgent { index, config, breaker, run, .. } = self;
        let Some(run) = run.as_mut().filter(|r| r.seq == seq) else {
            return;
        };
        let task = run.process.spec().id;
        let (index, config) = (*index, config.clone());
        let step = run.process.attempt(ctx, &config, breaker, || durable::record_crash(ctx, index, task, &config));
        self.apply(ctx, step);
    }

    fn apply(&mut self, ctx: &Ctx, step: Step) {
        if step.error.is_some() {
            self.count_error(ctx);
        }
        if let Transition::Opened(failures) = step.breaker {
            debug!(target: TARGET, event = "task_breaker_opened", agent = %ctx.pid(), failures,
                threshold = self.breaker.threshold());
        }
        match step.next {
            Next::Done(outcome) => self.finish(ctx, outcome),
            Next::RetryAfter(backoff) => {
                if let Some(run) = &self.run {
                    ctx.send_after(ctx.pid(), Tick::Ready(run.seq), backoff);
                }
            }
        }
    }

    fn count_error(&mut self, ctx: &Ctx) {
        self.state.error_count = self.state.error_count.saturating_add(1);
        let error_count = self.state.error_count;
        debug!(target: TARGET, event = "agent_error", agent = %ctx.pid(), error_count);
        let threshold = if self.config.has(Flaw::MagicThresholds) {
            MAGIC_PAUSE_THRESHOLD
        } else {
            self.config.max_error_threshold
        };
        if !self.state.paused && error_count >= threshold {
            self.state.paused = true;
            debug!(target: TARGET, event = "agent_paused", agent = %ctx.pid(), error_count, threshold);
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
        debug!(target: TARGET, event = "agent_resumed", agent = %ctx.pid());
        self.save(ctx);
        self.start_next(ctx);
    }

    /// The current run ended with `outcome`.
    fn finish(&mut self, ctx: &Ctx, outcome: TaskOutcome) {
        self.run = None;
        if let Some(done) = self.state.running.take() {
            self.record_outcome(ctx, done, outcome);
        }
        self.start_next(ctx);
    }

    /// Moves a finished task to the outbox (durably) and reports it.
    fn record_outcome(&mut self, ctx: &Ctx, done: Assignment, outcome: TaskOutcome) {
        let task = done.task.id;
        debug!(target: TARGET, event = "task_finished", task = %task, agent = %ctx.pid(), attempt = done.attempt,
            outcome = %outcome);
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
            let _ = ctx.send_named(crate::app::PRIMARY, crate::coordinator::NAME, msg);
        }
    }

    fn arm_reports(&mut self, ctx: &Ctx) {
        if !self.reports_armed && !self.state.outbox.is_empty() {
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
            Tick::Attempted(seq) => self.attempted(ctx, seq),
            Tick::Ready(seq) => {
                if self.run.as_ref().is_some_and(|r| r.seq == seq) {
                    self.try_attempt(ctx);
                }
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
