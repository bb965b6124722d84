//! The messages between the coordinator, the coordination manager and task agents.
//!
//! These are the seams between components: the manager routes [`AgentRequest`]s to
//! agents with gen-server calls and answers the coordinator with a [`RouteOutcome`].

use std::fmt;

use crate::task::TaskSpec;

/// A gen-server call to a task agent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AgentRequest {
    /// Take this task (idempotent on the task id); `attempt` counts the coordinator's assignments.
    Assign {
        /// The task.
        task: TaskSpec,
        /// The coordinator's assignment attempt (1-based), for traces.
        attempt: u32,
    },
    /// Report [`AgentStatus`].
    Status,
    /// Leave the paused state.
    Resume,
}

/// A task agent's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AgentReply {
    /// The task is durably queued (or was already known).
    Accepted,
    /// The agent refuses the request: a failed delivery, which a receiver's breaker
    /// counts.
    Rejected(String),
    /// The agent is healthy but takes no new work now (paused, queue full, the task's
    /// downstream breaker open, or an assignment it released): assign it elsewhere.
    /// Flow control, not a failure: no breaker counts it.
    Busy(String),
    /// The agent's status.
    Status(AgentStatus),
}

/// What a task agent is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AgentState {
    /// Nothing to run.
    Idle,
    /// Running a task.
    Processing,
    /// Paused after too many errors; takes no new tasks.
    Paused,
}

impl fmt::Display for AgentState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AgentState::Idle => "idle",
            AgentState::Processing => "processing",
            AgentState::Paused => "paused",
        })
    }
}

/// A task agent's counters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentStatus {
    /// Idle, processing or paused.
    pub status: AgentState,
    /// Tasks finished (any outcome).
    pub processed_count: u64,
    /// Expected errors counted since the last resume.
    pub error_count: u32,
    /// Tasks queued, not yet running.
    pub queue_len: usize,
}

/// How a `Failed` route starts when the agent itself answered `Rejected` or `Busy`: a definite
/// "I do not take (and do not hold) this task", unlike a timeout or a lost answer.
pub const REJECTED: &str = "rejected: ";

/// What `manager::route` answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RouteOutcome {
    /// The agent accepted the request.
    Delivered,
    /// The receiver's breaker is open; the request waits in its buffer.
    Buffered,
    /// Delivery failed (the agent rejected it, is down, or did not answer).
    Failed(String),
}

/// An agent's report of a finished task to the coordinator (a plain message, sent
/// again until a [`ReportAck`] comes back, so the agent never blocks on the coordinator).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutcomeReport {
    /// The reporting agent, where the ack goes.
    pub agent: otpsim_runtime::Pid,
    /// The task.
    pub task: crate::task::TaskId,
    /// Its outcome.
    pub outcome: crate::task::TaskOutcome,
    /// The assignment attempt it ran under.
    pub attempt: u32,
}

/// The coordinator durably recorded the outcome of `task` (or already had one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReportAck {
    /// The task.
    pub task: crate::task::TaskId,
}

/// An agent hands back a queued task it cannot run soon (its downstream's breaker is
/// open, or the agent paused). Sent again until a [`ReleaseAck`] comes back; the agent
/// never starts the task meanwhile, so the task has one owner at every moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Release {
    /// The releasing agent, where the ack goes.
    pub agent: otpsim_runtime::Pid,
    /// The agent's index in the pool.
    pub index: u32,
    /// The task.
    pub task: crate::task::TaskId,
    /// The assignment attempt that delivered it (a stale or duplicated release, of an
    /// earlier assignment, is acknowledged and otherwise ignored).
    pub attempt: u32,
}

/// The coordinator owns `task` again (or it already had it back, or it is finished).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReleaseAck {
    /// The task.
    pub task: crate::task::TaskId,
}
