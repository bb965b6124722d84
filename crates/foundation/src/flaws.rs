//! The bug zoo: every real defect of the original system, as a named switch.
//!
//! Each flaw selects a real alternative code path that reproduces the original's
//! behaviour. Nothing here reports a violation: the harness's invariants must find
//! the damage on their own, without knowing which flaws are on.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// One defect of the original system. Names are the ones scenario files use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flaw {
    /// Task and coordinator state only in memory; a crash loses queued and in-flight tasks.
    VolatileState,
    /// A restart restores only some fields of the last snapshot.
    PartialRestore,
    /// All workflows run inside the coordinator process; one crash kills them all.
    GodCoordinator,
    /// Fire-and-forget send to a process that may be dead; the sender is told "ok".
    RawSend,
    /// Any reply, even an error, counts as delivered.
    AckWithoutDelivery,
    /// After a call times out, the same message is sent again raw while the first is queued.
    DuplicateDelivery,
    /// Monitor references dropped from the manager's map while the monitors stay active.
    LeakyMonitor,
    /// Breaker entries never removed when a peer dies; several reset timers per peer.
    BreakerTableGrowth,
    /// A catch-all turns programming bugs into error values.
    BroadRescue,
    /// An execution that returned an error is reported as completed.
    ErrorsAsSuccess,
    /// Thresholds hard-coded (10, 5, 100); configuration ignored.
    MagicThresholds,
    /// Buffered messages replayed newest-first.
    LifoDrain,
    /// Messages that fail during buffer replay are deleted.
    ReplayDrops,
    /// Buffer overflow stores a malformed entry; the next replay crashes the manager.
    BufferOverflowCrash,
    /// The tree uses looser restart limits than production (100 in 10 s).
    LenientSupervision,
    /// A restarted workflow re-runs every step from the first.
    WorkflowRestartFromZero,
    /// Cancel only sets a flag; the workflow keeps running and ends "completed".
    CancelIgnored,
    /// Agents started with a plain link to the caller, outside any supervisor.
    UnsupervisedSpawn,
}

impl Flaw {
    /// Every flaw, in declaration order.
    pub const ALL: [Flaw; 18] = [
        Flaw::VolatileState,
        Flaw::PartialRestore,
        Flaw::GodCoordinator,
        Flaw::RawSend,
        Flaw::AckWithoutDelivery,
        Flaw::DuplicateDelivery,
        Flaw::LeakyMonitor,
        Flaw::BreakerTableGrowth,
        Flaw::BroadRescue,
        Flaw::ErrorsAsSuccess,
        Flaw::MagicThresholds,
        Flaw::LifoDrain,
        Flaw::ReplayDrops,
        Flaw::BufferOverflowCrash,
        Flaw::LenientSupervision,
        Flaw::WorkflowRestartFromZero,
        Flaw::CancelIgnored,
        Flaw::UnsupervisedSpawn,
    ];
}

/// The set of flaws switched on. Empty: the correct system.
pub type Flaws = BTreeSet<Flaw>;
