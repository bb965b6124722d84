//! Runtime invariants: OTP guarantees any system on the runtime relies on, judged on
//! every run of every scenario, whatever the system.
//!
//! They read only the runtime's own trace events and its end-of-run tables, in one
//! cheap pass each: [`per_pair_fifo`], [`one_down_per_monitor`], [`exit_reasons`] and
//! [`no_dead_ends`]. The event kinds and field names they read are listed here, once,
//! as [`KINDS`]; they are the runtime's own constants
//! ([`otpsim_runtime::event`]).

mod exit_reasons;
mod no_dead_ends;
mod one_down_per_monitor;
mod per_pair_fifo;

pub use exit_reasons::exit_reasons;
pub use no_dead_ends::no_dead_ends;
pub use one_down_per_monitor::one_down_per_monitor;
pub use per_pair_fifo::per_pair_fifo;

use std::time::Duration;

use otpsim_runtime::Tables;

use super::{TraceEvent, Violation};

/// The runtime invariants' names, as reports write them.
pub const NAMES: [&str; 4] = ["per_pair_fifo", "one_down_per_monitor", "exit_reasons", "no_dead_ends"];

use otpsim_runtime::event::field;
use otpsim_runtime::event::kind::{DELIVER, EXIT, FAULT, NODE_CRASH, NODE_RESTART, SPAWN};

/// Every event kind the runtime invariants read: a sim must keep these events.
pub const KINDS: [&str; 6] = [DELIVER, EXIT, NODE_CRASH, NODE_RESTART, FAULT, SPAWN];

/// The `kind` of a delivered DOWN message, and of an EXIT message.
const DOWN_KIND: &str = "down";
const EXIT_KIND: &str = "exit";

/// Runs every runtime invariant over a run's events (at least those of [`KINDS`]) and
/// its tables as read at `end`, after the run settled.
pub fn check(events: &[TraceEvent], tables: &Tables, end: Duration) -> Vec<Violation> {
    let mut violations = per_pair_fifo(events);
    violations.extend(one_down_per_monitor(events));
    violations.extend(exit_reasons(events));
    violations.extend(no_dead_ends(tables, end));
    violations
}

/// The node of a pid written `<node.serial.incarnation>`.
fn node_of(pid: &str) -> Option<&str> {
    pid.strip_prefix('<')?.split('.').next()
}
