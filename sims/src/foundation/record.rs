//! What one run leaves for the invariants: the clients' history and what the system
//! answered through its public API after it settled.

use std::collections::BTreeMap;
use std::time::Duration;

use otpsim_foundation::manager::ManagerStats;
use otpsim_foundation::protocol::AgentStatus;
use otpsim_foundation::workflow::{WorkflowId, WorkflowStatus};
use otpsim_foundation::{Config, TaskId, TaskOutcome};
use otpsim_runtime::{Pid, Tables};

use super::workload::Plan;

/// One client operation: when it was first invoked, and when (if ever) the system
/// acknowledged it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Op {
    /// First invocation.
    pub invoked: Duration,
    /// The acknowledgment, if one came.
    pub acked: Option<Duration>,
    /// Invocations, retries included.
    pub attempts: u32,
}

/// Everything the clients did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct History {
    /// Task submissions.
    pub submits: BTreeMap<TaskId, Op>,
    /// Workflow starts.
    pub starts: BTreeMap<WorkflowId, Op>,
    /// Workflow cancels.
    pub cancels: BTreeMap<WorkflowId, Op>,
}

/// A task's status as the system reported it at the end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Observed {
    /// Completed or failed with this outcome.
    Final(TaskOutcome),
    /// Not finished: queued, running, or unknown to the system (as it said).
    Pending(String),
    /// The system did not answer.
    NoAnswer(String),
}

/// The end state of a run, read through the system's public API.
#[derive(Clone, Debug)]
pub struct Record {
    /// The system's configuration.
    pub config: Config,
    /// The workload the clients ran.
    pub plan: Plan,
    /// What the clients did.
    pub history: History,
    /// Final status of every task the clients submitted.
    pub tasks: BTreeMap<TaskId, Observed>,
    /// Final status of every workflow the clients started (`None`: no answer).
    pub workflows: BTreeMap<WorkflowId, Option<WorkflowStatus>>,
    /// The same workflows' status read straight from their durable records by a
    /// client on another node (the workflow API's remote path), not through the
    /// coordinator (`None`: no answer).
    pub workflow_records: BTreeMap<WorkflowId, Option<WorkflowStatus>>,
    /// The coordination manager and its statistics, if it answered.
    pub manager: Option<(Pid, ManagerStats)>,
    /// Each task agent's name and status, if it answered.
    pub agents: Vec<(String, Option<AgentStatus>)>,
    /// The runtime's tables at the end.
    pub tables: Tables,
    /// Simulated time at the end.
    pub end: Duration,
    /// The scenario's `check.settle` (the liveness verdict suggests a longer one).
    pub settle: Duration,
    /// The seed's network lost, duplicated or delayed messages (or forced fates on
    /// some): faults the checkers' events do not keep.
    pub network_faults: bool,
}
