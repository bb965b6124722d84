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
//! | `task_assigned` | task, agent, attempt | the coordinator handed a task to an agent (delivery confirmed) |
//! | `task_started` | task, agent, attempt | an agent starts executing a task |
//! | `task_queued` | task, agent, queue_len | an agent queued a task (queue_len: its queue after the push) |
//! | `attempt_failed` | task, agent, failures, error, next, backoff_ns | an attempt failed (failures: this run's failed attempts so far); next=retry after backoff_ns, or next=give_up |
//! | `task_finished` | task, agent, attempt, outcome | an agent finished executing (outcome as [`crate::TaskOutcome`] prints) |
//! | `task_recorded` | task, outcome | the coordinator durably recorded a task's final outcome |
//! | `defect` | task, pid | a handler is about to hit a programming defect (a panic) |
//! | `agent_error` | agent, error_count | an agent counted an expected error |
//! | `agent_paused` | agent, error_count, threshold | an agent paused itself |
//! | `agent_resumed` | agent | a paused agent resumed |
//! | `task_breaker_opened` | agent, downstream, failures, threshold | an agent's breaker for one downstream (task type) opened (new tasks of that type wait for its reset or go elsewhere) |
//! | `task_released` | task, agent | the coordinator took back a queued task an agent could not run soon |
//! | `breaker_opened` | receiver, failures, threshold | the manager opened a receiver's breaker |
//! | `breaker_reset` | receiver | the manager reset a receiver's breaker |
//! | `buffered` | receiver, msg, seq | a message went into a receiver's buffer (seq: push order) |
//! | `buffer_overflow` | receiver, dropped, max | the buffer was full; the oldest message was dropped (dropped: its msg) |
//! | `replayed` | receiver, msg, seq | a buffered message was replayed (delivered) |
//! | `replay_refused` | receiver, msg, seq | the receiver refused a replayed message (paused, full): it went back to its sender |
//! | `replay_failed` | receiver, msg, seq, kept | replaying failed; kept=true if it stays buffered |
//! | `peer_tracked` | peer | the manager started holding state for a peer (and monitors it) |
//! | `peer_dropped` | peer | the manager dropped all state for a peer (and demonitored it) |
//! | `step_run` | workflow, step, host | a workflow step starts executing in process `host` |
//! | `step_done` | workflow, step | a step's result was persisted |
//! | `workflow_results` | workflow, results | a workflow completed with these recorded step results (comma-separated, step order) |
//! | `workflow_status` | workflow, status, host | a workflow changed status (initialized, running, completed, failed, cancelled) |
//! | `workflow_cancel` | workflow | a cancel request reached an unfinished workflow (its process, or its durable record while no process runs it) |
//! | `tree_restart` | node, reason | a node's root supervisor gave up (reason) and the node's application master starts its tree again one restart window later |

/// The tracing target of every foundation event.
pub const TARGET: &str = "otpsim::foundation";
