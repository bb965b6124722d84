//! The invariants that need the foundation system's API, plus the dispatch of every
//! invariant a foundation scenario can name.
//!
//! Each checker is one file named after its invariant. None of them reads which flaws
//! are switched on: only the trace, the clients' history, the runtime's tables and
//! what the system answered at the end.

mod buffer_drained;
mod config_honored;
mod fifo_delivery;
pub mod liveness;
mod monitors_never_leak;
mod no_duplicate_completion;
mod no_task_lost;
mod workflow_isolation;
mod workflow_steps;
mod workflows_finish;

#[cfg(test)]
mod fixtures;

use std::time::Duration;

use otpsim_harness::invariant::{self, TraceEvent, Violation};

use super::record::Record;

pub use buffer_drained::buffer_drained;
pub use config_honored::config_honored;
pub use fifo_delivery::fifo_delivery;
pub use monitors_never_leak::monitors_never_leak;
pub use no_duplicate_completion::no_duplicate_completion;
pub use no_task_lost::no_task_lost;
pub use workflow_isolation::workflow_isolation;
pub use workflows_finish::workflows_finish;

/// Process labels that have no supervisor by design: clients, each node's application
/// master (the parent of its root supervisor), and couriers that are linked to the
/// process that started them and die with it.
pub const EXEMPT: &[&str] =
    &["client", otpsim_foundation::app::MASTER_LABEL, "coordination_courier", "coordinator_courier"];

/// How long a process may take to crash after it hit a defect.
const DEFECT_GRACE: Duration = Duration::from_secs(1);

/// Runs the invariant `name` over a run.
pub fn check(name: &str, record: &Record, events: &[TraceEvent]) -> Vec<Violation> {
    let config = &record.config;
    match name {
        "no_task_lost" => no_task_lost(record, events),
        "no_duplicate_completion" => no_duplicate_completion(events),
        "monitors_never_leak" => monitors_never_leak(record),
        "no_orphan_processes" => invariant::no_orphan_processes(events, &record.tables, EXEMPT, record.end),
        "fifo_delivery" => fifo_delivery(events),
        "defects_crash" => invariant::defects_crash(events, record.end, DEFECT_GRACE),
        "restart_intensity" => invariant::restart_intensity(events, config.max_restarts, config.restart_window),
        "workflow_isolation" => workflow_isolation(events),
        "workflows_finish" => workflows_finish(record, events),
        "config_honored" => config_honored(record, events),
        "buffer_drained" => buffer_drained(record, events),
        other => vec![Violation::new(other, record.end, "unknown invariant")],
    }
}

/// Events that mention `key=value`, for evidence.
pub(crate) fn mentioning<'a>(
    events: &'a [TraceEvent],
    key: &'a str,
    value: &'a str,
) -> impl Iterator<Item = &'a TraceEvent> + 'a {
    events.iter().filter(move |e| e.get(key) == Some(value))
}
