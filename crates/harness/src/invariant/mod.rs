//! Invariants: named properties that judge a run from what happened.
//!
//! A checker reads the run's trace events, the runtime's tables, the clients'
//! history and what the system answers through its public API; never which flaws are
//! switched on. The generic checkers live here; a sim adds the ones that need its
//! system's API. Names are part of the user contract ([`NAMES`]).

mod defects_crash;
mod event;
mod no_orphan_processes;
mod restart_intensity;
pub mod runtime;
mod violation;

pub use defects_crash::defects_crash;
pub use event::TraceEvent;
pub use no_orphan_processes::no_orphan_processes;
pub use restart_intensity::restart_intensity;
pub use violation::Violation;

/// Every invariant name, as scenario files and reports write them.
pub const NAMES: [&str; 11] = [
    "no_task_lost",
    "no_duplicate_completion",
    "monitors_never_leak",
    "no_orphan_processes",
    "fifo_delivery",
    "defects_crash",
    "restart_intensity",
    "workflow_isolation",
    "workflows_finish",
    "config_honored",
    "buffer_drained",
];

/// The events of kind `kind`, in trace order.
pub fn of_kind<'a>(events: &'a [TraceEvent], kind: &'a str) -> impl Iterator<Item = &'a TraceEvent> + 'a {
    events.iter().filter(move |e| e.kind == kind)
}
