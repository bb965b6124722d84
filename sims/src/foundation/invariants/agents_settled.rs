//! Part of `no_task_lost`: the agents' own account agrees with the tasks' and with the
//! trace.
//! - Every agent that answers counts as processed exactly the tasks its processes
//!   traced finishing (`task_finished`, under any of its pids): the count is durable,
//!   so restarts keep it.
//! - When every task the clients submitted reads finished at the end of a settled run,
//!   no agent has work left: each agent answers its status call, and reports itself
//!   idle or paused, never processing, with an empty queue. An agent that still says
//!   it runs or holds a task then is either wrong about itself or holds work the
//!   coordinator counts as done; one that does not answer after the faults were lifted
//!   and the system settled is down or deaf for good.

use std::collections::BTreeMap;

use otpsim_foundation::events::{field, kind};
use otpsim_foundation::protocol::AgentState;
use otpsim_harness::invariant::{TraceEvent, Violation};

use super::super::record::{Observed, Record};

const NAME: &str = "no_task_lost";

/// Flags agents whose processed count is not what their processes finished, and, when
/// every task is finished, agents that report work or do not answer.
pub fn agents_settled(record: &Record, events: &[TraceEvent]) -> Vec<Violation> {
    let mut violations = processed_counts(record, events);
    if !record.tasks.values().all(|t| matches!(t, Observed::Final(_))) {
        return violations;
    }
    violations.extend(record.agents.iter().filter_map(|(name, status)| {
        let message = match status {
            None => format!("every task is finished, but agent {name} does not answer its status call"),
            Some(s) if s.status != AgentState::Processing && s.queue_len == 0 => return None,
            Some(s) => format!(
                "every task is finished, but agent {name} reports itself {:?} with {} queued",
                s.status, s.queue_len
            ),
        };
        Some(Violation::new(NAME, record.end, message).id("agent", name))
    }));
    violations
}

/// Each answering agent's `processed_count` against the `task_finished` events of the
/// pids registered under its name.
fn processed_counts(record: &Record, events: &[TraceEvent]) -> Vec<Violation> {
    let mut name_of: BTreeMap<&str, &str> = BTreeMap::new();
    let mut finished: BTreeMap<&str, (u64, Option<&TraceEvent>)> = BTreeMap::new();
    for e in events {
        match e.kind.as_str() {
            kind::REGISTER => {
                if let (Some(pid), Some(name)) = (e.get(field::PID), e.get(field::NAME)) {
                    name_of.insert(pid, name);
                }
            }
            kind::TASK_FINISHED => {
                let Some(name) = e.get(field::AGENT).and_then(|pid| name_of.get(pid)) else { continue };
                let count = finished.entry(name).or_default();
                count.0 += 1;
                count.1 = Some(e);
            }
            _ => {}
        }
    }
    record
        .agents
        .iter()
        .filter_map(|(name, status)| {
            let status = status.as_ref()?;
            let (traced, last) = finished.get(name.as_str()).copied().unwrap_or_default();
            if status.processed_count == traced {
                return None;
            }
            let message = format!(
                "agent {name} reports {} tasks processed, but its processes traced {traced} finishing",
                status.processed_count
            );
            Some(Violation::new(NAME, record.end, message).id("agent", name).evidence(last))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use otpsim_foundation::protocol::AgentStatus;
    use otpsim_foundation::Behavior;

    use super::super::fixtures::*;
    use super::*;

    /// Agent 0 (pids `<1.4.0>` then `<1.9.0>` after a restart) finished task 1 once per pid.
    fn two_finishes() -> Vec<TraceEvent> {
        events(&[
            "0.100000000s otpsim event=register pid=<1.4.0> name=task_agent/0",
            "1.000000000s otpsim::foundation event=task_finished task=1 agent=<1.4.0> attempt=1 outcome=completed(7)",
            "2.000000000s otpsim event=register pid=<1.9.0> name=task_agent/0",
            "3.000000000s otpsim::foundation event=task_finished task=1 agent=<1.9.0> attempt=2 outcome=completed(7)",
        ])
    }

    fn with_agent(observed: Observed, status: AgentState, queue_len: usize, processed_count: u64) -> Record {
        let mut r = record_with_task(Behavior::Succeed, Some(observed));
        let status = AgentStatus { status, processed_count, error_count: 0, queue_len };
        r.agents.push(("task_agent/0".into(), Some(status)));
        r
    }

    #[test]
    fn idle_or_paused_agents_when_every_task_is_finished_hold() {
        let events = two_finishes();
        assert!(agents_settled(&with_agent(final_completed(), AgentState::Idle, 0, 2), &events).is_empty());
        assert!(agents_settled(&with_agent(final_completed(), AgentState::Paused, 0, 2), &events).is_empty());
        // A pending task is no_task_lost's to judge, and agents may then be busy or silent.
        let pending = Observed::Pending("running".into());
        let mut busy = with_agent(pending, AgentState::Processing, 2, 2);
        busy.agents.push(("task_agent/1".into(), None));
        assert!(agents_settled(&busy, &events).is_empty());
    }

    #[test]
    fn an_agent_with_work_when_every_task_is_finished_is_flagged() {
        let events = two_finishes();
        let v = agents_settled(&with_agent(final_completed(), AgentState::Processing, 0, 2), &events);
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].message.contains("agent task_agent/0 reports itself Processing with 0 queued"), "{}", v[0]);
        assert_eq!(agents_settled(&with_agent(final_completed(), AgentState::Idle, 1, 2), &events).len(), 1);
    }

    #[test]
    fn a_silent_agent_when_every_task_is_finished_is_flagged() {
        let mut record = with_agent(final_completed(), AgentState::Idle, 0, 2);
        record.agents.push(("task_agent/1".into(), None));
        let v = agents_settled(&record, &two_finishes());
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].message.contains("agent task_agent/1 does not answer"), "{}", v[0]);
    }

    #[test]
    fn a_processed_count_other_than_the_traced_finishes_is_flagged() {
        let events = two_finishes();
        for wrong in [0, 1, 3] {
            let v = agents_settled(&with_agent(final_completed(), AgentState::Idle, 0, wrong), &events);
            assert_eq!(v.len(), 1, "{wrong}: {v:?}");
            let expected = format!("reports {wrong} tasks processed, but its processes traced 2 finishing");
            assert!(v[0].message.contains(&expected), "{}", v[0]);
        }
        // Judged whether or not every task is finished.
        let pending = Observed::Pending("running".into());
        assert_eq!(agents_settled(&with_agent(pending, AgentState::Processing, 0, 5), &events).len(), 1);
    }
}
