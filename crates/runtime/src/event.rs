//! The trace's vocabulary: the kinds of event the runtime emits and the names of
//! their fields, as constants that emitters and checkers share.
//!
//! Every runtime event has target [`TARGET`] and an `event` field holding one of
//! [`kind`]; the most frequent are emitted as values ([`crate::emit`]), the rest as
//! `tracing` events; a checker matches `e.kind` against these constants
//! and reads fields by [`field`] names, so a renamed kind or field is one edit that
//! the compiler carries to every reader. A system adds its own kinds beside these
//! (the foundation's are in its `events` module). Pids print as
//! `<node.serial.incarnation>`; an event carries a pid as its
//! [`crate::Pid::packed`] number (`pid = pid.packed()`), so a `u128` field is a
//! pid, and the trace recorder writes its text. Supervisor events are listed in
//! [`crate::supervisor`]'s `events` module docs.

/// The tracing target of every runtime event.
pub const TARGET: &str = "otpsim";

/// Event kinds: the value of the `event` field.
pub mod kind {
    /// A process started: `pid`, `label` (if it has one).
    pub const SPAWN: &str = "spawn";
    /// A process ended: `pid`, `reason`.
    pub const EXIT: &str = "exit";
    /// A monitor was set up: `watcher`, `target`, `monitor`.
    pub const MONITOR: &str = "monitor";
    /// A monitor was removed: `watcher`, `monitor`.
    pub const DEMONITOR: &str = "demonitor";
    /// Two processes were linked: `pid`, `other`.
    pub const LINK: &str = "link";
    /// A name was registered: `pid`, `name`.
    pub const REGISTER: &str = "register";
    /// A message arrived: `msg`, `from`, `to`, `kind`, `in_flight_ns` (if delayed);
    /// a DOWN adds `monitor` and `reason`, an EXIT `reason`.
    pub const DELIVER: &str = "deliver";
    /// A message was lost: `cause` (see [`super::cause`]), `msg`, `from`, `to`, `kind`.
    pub const DROP: &str = "drop";
    /// A message was delivered twice: `msg`, `from`, `to`, `kind`.
    pub const DUPLICATE: &str = "duplicate";
    /// A node crashed: `node`.
    pub const NODE_CRASH: &str = "node_crash";
    /// A node restarted: `node`, `incarnation`.
    pub const NODE_RESTART: &str = "node_restart";
    /// The network split in two: `a`, `b` (node lists).
    pub const PARTITION: &str = "partition";
    /// Messages stopped flowing one way: `from`, `to` (nodes).
    pub const PARTITION_ONE_WAY: &str = "partition_one_way";
    /// Partitions healed: `a`, `b` (if between two nodes only).
    pub const HEAL: &str = "heal";
    /// A system's handler is about to hit a programming defect (a panic): `pid`. The
    /// runtime does not emit it; systems that model defects do.
    pub const DEFECT: &str = "defect";
    /// A process was made to hit a programming defect: `pid`.
    pub const DEFECT_INJECTED: &str = "defect_injected";
    /// A supervisor with no parent started: `pid`.
    pub const ROOT_START: &str = "root_start";
    /// A supervisor started: `supervisor`, `strategy`, `max_restarts`, `within_ms`.
    pub const SUPERVISOR_START: &str = "supervisor_start";
    /// A child started: `supervisor`, `child`, `pid`.
    pub const CHILD_START: &str = "child_start";
    /// A child failed to start: `supervisor`, `child`, `reason`.
    pub const CHILD_START_FAILED: &str = "child_start_failed";
    /// A child exited: `supervisor`, `child`, `pid`, `reason`, `restart`.
    pub const CHILD_EXIT: &str = "child_exit";
    /// A supervisor stopped a child: `supervisor`, `child`, `pid`, `reason`.
    pub const CHILD_STOP: &str = "child_stop";
    /// A restart was counted: `supervisor`, `child`, `restarts`, `max_restarts`, `within_ms`.
    pub const RESTART_COUNTED: &str = "restart_counted";
    /// A child started again: `supervisor`, `child`, `old_pid`, `new_pid`, `reason`.
    pub const CHILD_RESTART: &str = "child_restart";
    /// A supervisor gave up: `supervisor`, `child`, `restarts`, `max_restarts`, `within_ms`.
    pub const INTENSITY_EXCEEDED: &str = "intensity_exceeded";
    /// A supervisor shut down: `supervisor`, `reason`.
    pub const SUPERVISOR_SHUTDOWN: &str = "supervisor_shutdown";
    /// The harness injected a fault: `kind` (the fault kind), `target`, `pid` (if one).
    pub const FAULT: &str = "fault";
    /// The harness found nothing to inject a fault into: `kind`, `target`.
    pub const FAULT_SKIPPED: &str = "fault_skipped";
    /// The harness lifted every fault: liveness mode begins.
    pub const FAULTS_LIFTED: &str = "faults_lifted";
}

/// Field names.
pub mod field {
    /// The process an event is about.
    pub const PID: &str = "pid";
    /// The process that was running when the event was emitted (added by the recorder).
    pub const BY: &str = "by";
    /// An exit reason.
    pub const REASON: &str = "reason";
    /// A process's label.
    pub const LABEL: &str = "label";
    /// A registered name.
    pub const NAME: &str = "name";
    /// A message's id.
    pub const MSG: &str = "msg";
    /// A message's sender, or the near side of a one-way partition.
    pub const FROM: &str = "from";
    /// A message's receiver, or the far side of a one-way partition.
    pub const TO: &str = "to";
    /// A message's kind, or a fault's kind.
    pub const KIND: &str = "kind";
    /// Why a message was dropped.
    pub const CAUSE: &str = "cause";
    /// How long a delayed message was in flight, in nanoseconds.
    pub const IN_FLIGHT_NS: &str = "in_flight_ns";
    /// The watching side of a monitor.
    pub const WATCHER: &str = "watcher";
    /// A monitor's target, or a fault's target.
    pub const TARGET: &str = "target";
    /// A monitor's ref.
    pub const MONITOR: &str = "monitor";
    /// The other end of a link.
    pub const OTHER: &str = "other";
    /// A node.
    pub const NODE: &str = "node";
    /// A node's incarnation.
    pub const INCARNATION: &str = "incarnation";
    /// One side of a partition.
    pub const A: &str = "a";
    /// The other side of a partition.
    pub const B: &str = "b";
    /// A supervisor's pid.
    pub const SUPERVISOR: &str = "supervisor";
    /// A supervisor's restart strategy.
    pub const STRATEGY: &str = "strategy";
    /// A child's id in its supervisor.
    pub const CHILD: &str = "child";
    /// Whether an exited child will be restarted.
    pub const RESTART: &str = "restart";
    /// Restarts in the supervisor's window.
    pub const RESTARTS: &str = "restarts";
    /// A supervisor's intensity.
    pub const MAX_RESTARTS: &str = "max_restarts";
    /// A supervisor's restart window in milliseconds.
    pub const WITHIN_MS: &str = "within_ms";
    /// A restarted child's previous pid.
    pub const OLD_PID: &str = "old_pid";
    /// A restarted child's new pid.
    pub const NEW_PID: &str = "new_pid";
}

/// Why a message was dropped (the `cause` field of [`kind::DROP`]).
pub mod cause {
    /// Lost by the message fault layer.
    pub const LOSS: &str = "loss";
    /// The sender's and the receiver's nodes were partitioned.
    pub const PARTITION: &str = "partition";
    /// A node crashed with the message in flight.
    pub const NODE_CRASH: &str = "node_crash";
    /// The receiver was dead.
    pub const DEAD: &str = "dead";
    /// A reply came after its call had given up.
    pub const LATE_REPLY: &str = "late_reply";
}
