//! The invariants that need the foundation system's API, plus the dispatch of every
//! invariant a foundation scenario can name.
//!
//! Each checker is one file named after its invariant. None of them reads which flaws
//! are switched on: only the trace, the clients' history, the runtime's tables and
//! what the system answered at the end.

mod agents_settled;
mod buffer_drained;
mod config_honored;
mod fifo_delivery;
pub mod liveness;
mod monitors_never_leak;
mod no_duplicate_completion;
mod no_task_lost;
mod reports_acknowledged;
mod workflow_isolation;
mod workflow_records;
mod workflow_steps;
mod workflow_trace;
mod workflows_finish;

#[cfg(test)]
mod fixtures;

use std::time::Duration;

use otpsim_harness::invariant::{self, TraceEvent};
use otpsim_harness::Invariant;

use super::record::Record;

pub use buffer_drained::buffer_drained;
pub use config_honored::config_honored;
pub use fifo_delivery::fifo_delivery;
pub use monitors_never_leak::monitors_never_leak;
pub use no_duplicate_completion::no_duplicate_completion;
pub use no_task_lost::no_task_lost;
pub use reports_acknowledged::reports_acknowledged;
pub use workflow_isolation::workflow_isolation;
pub use workflows_finish::workflows_finish;

/// Process labels that have no supervisor by design: clients, each node's application
/// master (the parent of its root supervisor), and couriers that are linked to the
/// process that started them and die with it.
pub const EXEMPT: &[&str] =
    &["client", otpsim_foundation::app::MASTER_LABEL, "coordination_courier", "coordinator_courier"];

/// How long a process may take to crash after it hit a defect.
const DEFECT_GRACE: Duration = Duration::from_secs(1);

/// Every invariant a foundation scenario can name, each with when it must hold.
pub fn all() -> Vec<Invariant<Record>> {
    vec![
        Invariant::eventually("no_task_lost", no_task_lost),
        Invariant::always("no_duplicate_completion", |_, events| no_duplicate_completion(events)),
        Invariant::at_end("monitors_never_leak", |record, _| monitors_never_leak(record)),
        Invariant::at_end("no_orphan_processes", |record, events| {
            invariant::no_orphan_processes(events, &record.tables, EXEMPT, record.end)
        }),
        Invariant::always("fifo_delivery", |_, events| fifo_delivery(events)),
        Invariant::always("defects_crash", |record, events| invariant::defects_crash(events, record.end, DEFECT_GRACE)),
        Invariant::always("restart_intensity", |record, events| {
            invariant::restart_intensity(events, record.config.max_restarts, record.config.restart_window)
        }),
        Invariant::always("workflow_isolation", |_, events| workflow_isolation(events)),
        Invariant::eventually("workflows_finish", workflows_finish),
        Invariant::always("config_honored", config_honored),
        Invariant::eventually("buffer_drained", buffer_drained),
        Invariant::eventually("reports_acknowledged", reports_acknowledged),
    ]
}

/// The names of [`all`], as scenario files and reports write them.
pub fn names() -> Vec<&'static str> {
    all().iter().map(|i| i.name).collect()
}

/// Events that mention `key=value`, for evidence.
pub(crate) fn mentioning<'a>(
    events: &'a [TraceEvent],
    key: &'a str,
    value: &'a str,
) -> impl Iterator<Item = &'a TraceEvent> + 'a {
    events.iter().filter(move |e| e.get(key) == Some(value))
}
