//! Stuck or slow: what the work still pending at the end of settle waits on, and
//! whether the system was still finishing work when settle ended.
//!
//! A system still finishing work (tasks, or workflow steps) in the last [`window`] of
//! the run is slow, not stuck: its verdict is "settle too short", with the settle it
//! would need at that pace. A system that finished nothing in that window is stuck,
//! and each pending task or workflow is reported with its last progress and what it
//! waits on. The window is at least [`WINDOW_MIN`], and never shorter than the longest
//! wait the configuration itself imposes (a pause cooldown, a breaker reset, a retry
//! backoff): a system sitting out one of its own timers is slow, not stuck.

use std::collections::BTreeMap;
use std::time::Duration;

use otpsim_foundation::protocol::AgentState;
use otpsim_foundation::workflow::{WorkflowId, WorkflowStatus};
use otpsim_foundation::Config;
use otpsim_harness::invariant::TraceEvent;

use super::super::record::Record;
use otpsim_foundation::events::{field, kind};

/// The shortest last part of the run whose throughput tells slow from stuck.
pub const WINDOW_MIN: Duration = Duration::from_secs(10);

/// The last part of the run whose throughput tells slow from stuck under `config`.
pub fn window(config: &Config) -> Duration {
    [config.agent_pause_cooldown, config.breaker_reset, config.retry.max_backoff]
        .into_iter()
        .fold(WINDOW_MIN, Duration::max)
}

/// Events that `counts` in the last `window` before `end`.
fn recent(events: &[TraceEvent], end: Duration, window: Duration, counts: impl Fn(&TraceEvent) -> bool) -> usize {
    let from = end.saturating_sub(window);
    events.iter().filter(|e| e.time >= from && counts(e)).count()
}

/// Tasks whose outcome the coordinator recorded in the last `window` before `end`.
pub fn finished_recently(events: &[TraceEvent], end: Duration, window: Duration) -> usize {
    recent(events, end, window, |e| e.kind == kind::TASK_RECORDED)
}

/// Workflow steps completed in the last `window` before `end`.
pub fn steps_done_recently(events: &[TraceEvent], end: Duration, window: Duration) -> usize {
    recent(events, end, window, |e| e.kind == kind::STEP_DONE)
}

/// The verdict for `pending` items (`what`: "tasks", "workflow steps") when `recent`
/// finished in the last `window`, or `None` if nothing finished (the system is stuck).
pub fn settle_too_short(
    what: &str,
    pending: usize,
    recent: usize,
    window: Duration,
    settle: Duration,
) -> Option<String> {
    if recent == 0 {
        return None;
    }
    let rate = recent as f64 / window.as_secs_f64();
    let more = (pending as f64 / rate).ceil() as u64;
    let suggested = settle.as_secs() + more + window.as_secs();
    Some(format!(
        "settle too short: {recent} {what} finished in the last {} s, about {more} s more needed for the {pending} \
         still pending (hint: try settle = \"{suggested}s\")",
        window.as_secs()
    ))
}

/// What the agents were sent and did over the run, gathered in one pass so that a
/// diagnosis per stuck task costs no pass over the trace (a broken run can leave
/// thousands of tasks stuck over millions of events).
#[derive(Default)]
pub struct AgentTraffic<'a> {
    /// Per receiving agent: messages buffered behind the manager's open breaker and not
    /// replayed or refused since.
    buffered: BTreeMap<&'a str, isize>,
    /// Per agent: its task breakers' openings, as (event index, downstream kind).
    breakers_opened: BTreeMap<&'a str, Vec<(usize, &'a str)>>,
}

impl<'a> AgentTraffic<'a> {
    /// Reads the run's events once.
    pub fn of(events: &'a [TraceEvent]) -> Self {
        let mut traffic = AgentTraffic::default();
        for e in events {
            let kind = e.kind.as_str();
            if let (kind::BUFFERED | kind::REPLAYED | kind::REPLAY_REFUSED, Some(agent)) =
                (kind, e.get(field::RECEIVER))
            {
                *traffic.buffered.entry(agent).or_default() += if kind == kind::BUFFERED { 1 } else { -1 };
            }
            if let (kind::TASK_BREAKER_OPENED, Some(agent), Some(downstream)) =
                (kind, e.get(field::AGENT), e.get(field::DOWNSTREAM))
            {
                traffic.breakers_opened.entry(agent).or_default().push((e.index, downstream));
            }
        }
        traffic
    }

    fn buffered_to(&self, agent: &str) -> usize {
        self.buffered.get(agent).map_or(0, |n| usize::try_from(*n).unwrap_or(0))
    }

    fn breaker_opened_after(&self, agent: &str, index: usize, downstream: &str) -> bool {
        self.breakers_opened.get(agent).into_iter().flatten().any(|(at, kind)| *at > index && *kind == downstream)
    }
}

/// A pending task's last progress and what it waits on, from its own events (in trace
/// order), its kind (the downstream its agent's breaker guards), what the agents were
/// sent, and the agents' end state.
pub fn waiting_on(record: &Record, traffic: &AgentTraffic<'_>, task_events: &[&TraceEvent], task_kind: &str) -> String {
    let kinds =
        [kind::TASK_ACCEPTED, kind::TASK_ASSIGNED, kind::TASK_STARTED, kind::TASK_RELEASED, kind::TASK_FINISHED];
    let Some(last) = task_events.iter().rev().find(|e| kinds.contains(&e.kind.as_str())) else {
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
                (Some(n), _) => held_by_live_agent(traffic, task_kind, last, agent, &n),
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

/// Why a live, unpaused agent that holds `task` has not finished it: messages to it
/// buffered behind the manager's open breaker, its own breaker for the task's type
/// open, or (once started) a retry backoff or an attempt in progress.
fn held_by_live_agent(
    traffic: &AgentTraffic<'_>,
    task_kind: &str,
    last: &TraceEvent,
    agent: &str,
    name: &str,
) -> String {
    let buffered = traffic.buffered_to(agent);
    if buffered > 0 {
        return format!("held by {name}; {buffered} messages to it are buffered behind the manager's open breaker");
    }
    match (traffic.breaker_opened_after(agent, last.index, task_kind), last.kind.as_str()) {
        (true, _) => format!("held by {name}, whose breaker for {task_kind} tasks is open"),
        (_, kind::TASK_STARTED) => {
            format!(
                "held by {name}, which started it and has not finished it (a retry backoff or an attempt in progress)"
            )
        }
        _ => format!("held by {name}, which is alive and not running it"),
    }
}

/// Steps workflow `id` still has to run, from its status and its planned steps.
pub fn steps_left(record: &Record, id: WorkflowId, status: &WorkflowStatus) -> usize {
    let steps = record.plan.workflows.iter().find(|w| w.spec.id == id).map_or(0, |w| w.spec.steps.len());
    match status {
        WorkflowStatus::Running { step } => steps.saturating_sub(*step).max(1),
        _ => steps.max(1),
    }
}

/// A pending workflow's last progress and what it waits on, from its own events (in
/// trace order) and the runtime's tables: its process, alive or not, and the step it runs.
pub fn workflow_waiting_on(record: &Record, workflow_events: &[&TraceEvent], id: WorkflowId) -> String {
    let kinds = [kind::STEP_RUN, kind::STEP_DONE, kind::WORKFLOW_STATUS, kind::WORKFLOW_CANCEL];
    let Some(last) = workflow_events.iter().rev().find(|e| kinds.contains(&e.kind.as_str())) else {
        return "waiting on: a process to run it; no step ever started (no progress since it was acknowledged)"
            .to_owned();
    };
    let at = format!("last progress: {} at {}ms", describe(last), last.time.as_millis());
    let registered = format!("workflow/{id}");
    let process = record.tables.names.iter().find(|n| n.name == registered).map(|n| n.pid);
    let host = workflow_events.iter().rev().find_map(|e| e.get(field::HOST)).unwrap_or("?");
    let why = match process {
        None => format!("its process {host} is gone and nothing restarted it"),
        Some(pid) => {
            let mailbox = record.tables.processes.iter().find(|p| p.pid == pid).map_or(0, |p| p.mailbox_len);
            match last.kind.as_str() {
                kind::STEP_RUN => format!("its process {pid} is alive and has not finished {}", describe(last)),
                _ => format!("its process {pid} is alive and starts no next step ({mailbox} messages in its mailbox)"),
            }
        }
    };
    format!("waiting on: {why} ({at})")
}

fn describe(e: &TraceEvent) -> String {
    match (e.kind.as_str(), e.get(field::STEP), e.get(field::STATUS)) {
        (kind::STEP_RUN, Some(step), _) => format!("step {step}"),
        (kind::STEP_DONE, Some(step), _) => format!("step_done of step {step}"),
        (_, _, Some(status)) => format!("{} {status}", e.kind),
        (kind, _, _) => kind.to_owned(),
    }
}
