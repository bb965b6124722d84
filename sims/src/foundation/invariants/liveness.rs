//! Stuck or slow: what the work still pending at the end of settle waits on, and
//! whether the system was still finishing work when settle ended.
//!
//! A system still finishing tasks in the last [`WINDOW`] of the run is slow, not
//! stuck: its verdict is "settle too short", with the settle it would need at that
//! pace. A system that finished nothing in that window is stuck, and each pending
//! task is reported with its last progress and what it waits on.

use std::time::Duration;

use otpsim_foundation::protocol::AgentState;
use otpsim_harness::invariant::TraceEvent;

use super::super::record::Record;
use otpsim_foundation::events::{field, kind};

/// The last part of the run whose throughput tells slow from stuck.
pub const WINDOW: Duration = Duration::from_secs(10);

/// Tasks whose outcome the coordinator recorded in the last [`WINDOW`] before `end`.
pub fn finished_recently(events: &[TraceEvent], end: Duration) -> usize {
    let from = end.saturating_sub(WINDOW);
    events.iter().filter(|e| e.kind == kind::TASK_RECORDED && e.time >= from).count()
}

/// The verdict for `pending` tasks when `recent` finished in the last window, or
/// `None` if nothing finished (the system is stuck).
pub fn settle_too_short(pending: usize, recent: usize, settle: Duration) -> Option<String> {
    if recent == 0 {
        return None;
    }
    let rate = recent as f64 / WINDOW.as_secs_f64();
    let more = (pending as f64 / rate).ceil() as u64;
    let suggested = settle.as_secs() + more + WINDOW.as_secs();
    Some(format!(
        "settle too short: {recent} tasks finished in the last {} s, about {more} s more needed for the {pending} \
         still pending (hint: try settle = \"{suggested}s\")",
        WINDOW.as_secs()
    ))
}

/// A pending task's last progress and what it waits on, from the trace and the
/// agents' end state.
pub fn waiting_on(record: &Record, events: &[TraceEvent], task: &str) -> String {
    let kinds =
        [kind::TASK_ACCEPTED, kind::TASK_ASSIGNED, kind::TASK_STARTED, kind::TASK_RELEASED, kind::TASK_FINISHED];
    let Some(last) = events.iter().rev().find(|e| e.get(field::TASK) == Some(task) && kinds.contains(&e.kind.as_str()))
    else {
        return "no progress since it was acknowledged".to_owned();
    };
    let at = format!("last progress: {} at {}ms", last.kind, last.time.as_millis());
    let why = match last.kind.as_str() {
        kind::TASK_ASSIGNED | kind::TASK_STARTED => {
            let agent = last.get(field::AGENT).unwrap_or("?");
            let name = record.tables.names.iter().find(|n| n.pid.to_string() == agent).map(|n| n.name.clone());
            let status = name.as_ref().and_then(|n| record.agents.iter().find(|(a, _)| a == n)).map(|(_, s)| s);
            match (name, status) {
                (None, _) => format!("held by agent {agent}, which is no longer alive"),
                (Some(n), Some(Some(s))) if s.status == AgentState::Paused => format!("held by {n}, which is paused"),
                (Some(n), Some(None)) => format!("held by {n}, which does not answer"),
                (Some(n), _) => format!("held by {n}, which is alive and not running it"),
            }
        }
        kind::TASK_FINISHED => "finished by an agent, outcome not recorded by the coordinator".to_owned(),
        _ => {
            let answering: Vec<_> = record.agents.iter().filter_map(|(_, s)| s.as_ref()).collect();
            if answering.is_empty() {
                "queued at the coordinator; no agent alive".to_owned()
            } else if answering.iter().all(|s| s.status == AgentState::Paused) {
                "queued at the coordinator; every agent is paused".to_owned()
            } else {
                "queued at the coordinator, not routed to any agent".to_owned()
            }
        }
    };
    format!("waiting on: {why} ({at})")
}
