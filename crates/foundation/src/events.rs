//! The foundation system's trace events: the contract between the system and the
//! invariants that judge it.
//!
//! Every event is a `tracing` event with target [`TARGET`] and an `event` field naming
//! it; the other fields are listed per event below (pids print as `<node.serial.inc>`,
//! tasks and workflows as their numeric ids). The harness records them with
//! simulated time. Invariants read only these events, the client history, the
//! runtime tables and the system's public API — never which flaws are on.
//!
//! | event | fields | emitted when |
//! |---|---|---|
//! | `task_accepted` | task | the coordinator durably recorded a new task (before acknowledging) |
//! | `route_sent` | task, agent, attempt | the coordinator sent a route of a task to an agent (attempt: the route's number, from 1) |
//! | `route_deferred` | task | the coordinator found no agent up for a task (or its holder down) and waits before trying again |
//! | `route_failed` | task, agent, attempt, rejected | a route came back failed: rejected=true when the agent refused the task, false when the answer was unclear or missing |
//! | `task_assigned` | task, agent, attempt | the coordinator handed a task to an agent (delivery confirmed) |
//! | `task_started` | task, agent, attempt | an agent starts executing a task |
//! | `task_queued` | task, agent, queue_len | an agent queued a task (queue_len: its queue after the push) |
//! | `attempt_failed` | task, agent, failures, error, next, backoff_ns | an attempt failed (failures: this run's failed attempts so far); next=retry after backoff_ns, or next=give_up |
//! | `task_finished` | task, agent, attempt, outcome | an agent finished executing (outcome as [`crate::TaskOutcome`] prints) |
//! | `task_recorded` | task, outcome | the coordinator durably recorded a task's final outcome |
//! | `defect` | task or workflow and step, pid | a task handler or a workflow step is about to hit a programming defect (a panic) |
//! | `agent_error` | agent, error_count | an agent counted an expected error |
//! | `agent_paused` | agent, error_count, threshold | an agent paused itself |
//! | `agent_resumed` | agent | a paused agent resumed |
//! | `task_breaker_opened` | agent, downstream, failures, threshold | an agent's breaker for one downstream (task type) opened (new tasks of that type wait for its reset or go elsewhere) |
//! | `task_handed_back` | task, agent, attempt | an agent took a queued task out of its queue to hand it back (paused, or the task's breaker open); it reports the release until acknowledged |
//! | `task_released` | task, agent | the coordinator took back a queued task an agent could not run soon |
//! | `route_buffered` | task, agent | the coordinator learned that its route of a task to an agent was buffered by the manager |
//! | `report_sent` | task, agent, attempt, report | an agent sent the coordinator a task's outcome (report=outcome) or release (report=release), first or again |
//! | `breaker_opened` | receiver, failures, threshold | the manager opened a receiver's breaker |
//! | `breaker_reset` | receiver | the manager reset a receiver's breaker (it replays the buffer next) |
//! | `breaker_closed` | receiver | a receiver's breaker closed: its buffer replayed to the end |
//! | `delivery_counted` | receiver, failed | the manager fed a direct delivery's result (failed=true or false) to the receiver's breaker |
//! | `buffered` | receiver, msg, seq | a message went into a receiver's buffer (seq: push order) |
//! | `buffer_overflow` | receiver, dropped, max | the buffer was full; the oldest message was dropped (dropped: its msg) |
//! | `replayed` | receiver, msg, seq | a buffered message was replayed (delivered; msg names the request delivered) |
//! | `replay_refused` | receiver, msg, seq | the receiver refused a replayed message (paused, full): it went back to its sender |
//! | `replay_failed` | receiver, msg, seq, kept | replaying failed; kept=true if it stays buffered |
//! | `peer_tracked` | peer | the manager started holding state for a peer (and monitors it) |
//! | `peer_dropped` | peer, cause | the manager dropped all state for a peer (and demonitored it): cause=idle when it had nothing left to remember, cause=down when its monitor of the peer fired |
//! | `step_run` | workflow, step, host | a workflow step starts executing in process `host` |
//! | `step_done` | workflow, step | a step's result was persisted |
//! | `workflow_results` | workflow, results | a workflow completed with these recorded step results (comma-separated, step order) |
//! | `workflow_status` | workflow, status, host | a workflow changed status (initialized, running, completed, failed, cancelled) |
//! | `workflow_cancel` | workflow | a cancel request reached an unfinished workflow (its process, or its durable record while no process runs it) |
//! | `tree_restart` | node, reason | a node's root supervisor gave up (reason) and the node's application master starts its tree again one restart window later |

/// The tracing target of every foundation event.
pub const TARGET: &str = "otpsim::foundation";

/// Event kinds: the runtime's, and the foundation's own.
pub mod kind {
    pub use otpsim_runtime::event::kind::*;

    /// The coordinator durably recorded a new task.
    pub const TASK_ACCEPTED: &str = "task_accepted";
    /// The coordinator handed a task to an agent.
    pub const TASK_ASSIGNED: &str = "task_assigned";
    /// An agent starts executing a task.
    pub const TASK_STARTED: &str = "task_started";
    /// An agent finished executing a task.
    pub const TASK_FINISHED: &str = "task_finished";
    /// The coordinator durably recorded a task's final outcome.
    pub const TASK_RECORDED: &str = "task_recorded";
    /// An agent counted an expected error.
    pub const AGENT_ERROR: &str = "agent_error";
    /// An agent paused itself.
    pub const AGENT_PAUSED: &str = "agent_paused";
    /// A paused agent resumed.
    pub const AGENT_RESUMED: &str = "agent_resumed";
    /// An agent's breaker for one downstream opened.
    pub const TASK_BREAKER_OPENED: &str = "task_breaker_opened";
    /// The coordinator took back a queued task.
    pub const TASK_RELEASED: &str = "task_released";
    /// The coordinator learned that a route of a task was buffered by the manager.
    pub const ROUTE_BUFFERED: &str = "route_buffered";
    /// An agent sent the coordinator a task's outcome or release.
    pub const REPORT_SENT: &str = "report_sent";
    /// The manager opened a receiver's breaker.
    pub const BREAKER_OPENED: &str = "breaker_opened";
    /// The manager reset a receiver's breaker.
    pub const BREAKER_RESET: &str = "breaker_reset";
    /// A receiver's breaker closed.
    pub const BREAKER_CLOSED: &str = "breaker_closed";
    /// The manager counted a direct delivery's result for the receiver's breaker.
    pub const DELIVERY_COUNTED: &str = "delivery_counted";
    /// A message went into a receiver's buffer.
    pub const BUFFERED: &str = "buffered";
    /// The buffer was full; the oldest message was dropped.
    pub const BUFFER_OVERFLOW: &str = "buffer_overflow";
    /// A buffered message was replayed.
    pub const REPLAYED: &str = "replayed";
    /// The receiver refused a replayed message.
    pub const REPLAY_REFUSED: &str = "replay_refused";
    /// Replaying failed.
    pub const REPLAY_FAILED: &str = "replay_failed";
    /// The manager started holding state for a peer.
    pub const PEER_TRACKED: &str = "peer_tracked";
    /// The manager dropped all state for a peer.
    pub const PEER_DROPPED: &str = "peer_dropped";
    /// A workflow step starts executing.
    pub const STEP_RUN: &str = "step_run";
    /// A step's result was persisted.
    pub const STEP_DONE: &str = "step_done";
    /// A workflow changed status.
    pub const WORKFLOW_STATUS: &str = "workflow_status";
    /// A cancel request reached an unfinished workflow.
    pub const WORKFLOW_CANCEL: &str = "workflow_cancel";
    /// A node's application master starts its tree again.
    pub const TREE_RESTART: &str = "tree_restart";
    /// A task attempt failed; `next` says whether it is retried (`backoff_ns`) or given up.
    pub const ATTEMPT_FAILED: &str = "attempt_failed";
    /// The coordinator sent a route of a task to an agent.
    pub const ROUTE_SENT: &str = "route_sent";
    /// The coordinator found no agent to route a task to, and waits.
    pub const ROUTE_DEFERRED: &str = "route_deferred";
    /// A route of a task came back failed (refused, or unclear).
    pub const ROUTE_FAILED: &str = "route_failed";
    /// An agent queued a task behind its running ones.
    pub const TASK_QUEUED: &str = "task_queued";
    /// An agent took a queued task out of its queue to hand it back.
    pub const TASK_HANDED_BACK: &str = "task_handed_back";
    /// A workflow completed with these recorded step results.
    pub const WORKFLOW_RESULTS: &str = "workflow_results";
}

/// Field names: the runtime's, and the foundation's own.
pub mod field {
    pub use otpsim_runtime::event::field::*;

    /// A task id.
    pub const TASK: &str = "task";
    /// A task agent's pid.
    pub const AGENT: &str = "agent";
    /// Which attempt of a task.
    pub const ATTEMPT: &str = "attempt";
    /// A task's outcome, as [`crate::TaskOutcome`] prints.
    pub const OUTCOME: &str = "outcome";
    /// An agent's error count.
    pub const ERROR_COUNT: &str = "error_count";
    /// A threshold that was reached.
    pub const THRESHOLD: &str = "threshold";
    /// A downstream (task type) of an agent's breaker.
    pub const DOWNSTREAM: &str = "downstream";
    /// Failures counted by a breaker.
    pub const FAILURES: &str = "failures";
    /// The receiver a manager buffer belongs to.
    pub const RECEIVER: &str = "receiver";
    /// A buffered message's position in push order.
    pub const SEQ: &str = "seq";
    /// The message a full buffer dropped.
    pub const DROPPED: &str = "dropped";
    /// A buffer's capacity.
    pub const MAX: &str = "max";
    /// Whether a message whose replay failed stays buffered.
    pub const KEPT: &str = "kept";
    /// Whether a failed route was the agent refusing the task.
    pub const REJECTED: &str = "rejected";
    /// Whether a counted delivery failed.
    pub const FAILED: &str = "failed";
    /// A peer the manager holds state for.
    pub const PEER: &str = "peer";
    /// A workflow id.
    pub const WORKFLOW: &str = "workflow";
    /// A workflow step's index.
    pub const STEP: &str = "step";
    /// The process hosting a workflow.
    pub const HOST: &str = "host";
    /// A workflow's status.
    pub const STATUS: &str = "status";
    /// What follows a failed attempt: `retry` or `give_up`.
    pub const NEXT: &str = "next";
    /// How long before a retry, in nanoseconds.
    pub const BACKOFF_NS: &str = "backoff_ns";
    /// Why a task attempt failed.
    pub const ERROR: &str = "error";
    /// An agent's queue length.
    pub const QUEUE_LEN: &str = "queue_len";
    /// A completed workflow's step results, comma-separated.
    pub const RESULTS: &str = "results";
    /// What an agent reported: `outcome` or `release`.
    pub const REPORT: &str = "report";
}
