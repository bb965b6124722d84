//! Invariants: named properties that judge a run from what happened.
//!
//! A checker reads the run's trace events, the runtime's tables, the clients'
//! history and what the system answers through its public API; never which flaws are
//! switched on. The checkers here judge any system built on the runtime; a system
//! declares which ones it is judged by, beside its own ([`crate::system::Invariant`]).

mod defects_crash;
mod event;
mod fields;
mod no_orphan_processes;
mod restart_intensity;
pub mod runtime;
mod violation;

pub use defects_crash::defects_crash;
pub(crate) use event::parse_pid;
pub use event::{EventView, TraceEvent};
pub use fields::Fields;
pub use no_orphan_processes::no_orphan_processes;
pub use restart_intensity::restart_intensity;
pub use violation::Violation;

/// The events of kind `kind`, in trace order.
pub fn of_kind<'a>(events: &'a [TraceEvent], kind: &'a str) -> impl Iterator<Item = &'a TraceEvent> + 'a {
    events.iter().filter(move |e| e.kind == kind)
}
