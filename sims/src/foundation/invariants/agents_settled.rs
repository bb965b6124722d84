//! Part of `no_task_lost`: the agents' own account agrees with the tasks'. When every
//! task the clients submitted reads finished at the end of a settled run, no agent has
//! work left: each agent that answers reports itself idle or paused, never processing,
//! with an empty queue. An agent that still says it runs or holds a task then is
//! either wrong about itself or holds work the coordinator counts as done.

use otpsim_foundation::protocol::AgentState;
use otpsim_harness::invariant::Violation;

use super::super::record::{Observed, Record};

const NAME: &str = "no_task_lost";

/// Flags each agent that reports work when every task is finished.
pub fn agents_settled(record: &Record) -> Vec<Violation> {
    if !record.tasks.values().all(|t| matches!(t, Observed::Final(_))) {
        return Vec::new();
    }
    record
        .agents
        .iter()
        .filter_map(|(name, status)| {
            let status = status.as_ref()?;
            if status.status != AgentState::Processing && status.queue_len == 0 {
                return None;
            }
            let message = format!(
                "every task is finished, but agent {name} reports itself {:?} with {} queued",
                status.status, status.queue_len
            );
            Some(Violation::new(NAME, record.end, message).id("agent", name))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use otpsim_foundation::protocol::AgentStatus;
    use otpsim_foundation::Behavior;

    use super::super::fixtures::*;
    use super::*;

    fn with_agent(observed: Observed, status: AgentState, queue_len: usize) -> Record {
        let mut r = record_with_task(Behavior::Succeed, Some(observed));
        let status = AgentStatus { status, processed_count: 1, error_count: 0, queue_len };
        r.agents.push(("task_agent/0".into(), Some(status)));
        r.agents.push(("task_agent/1".into(), None));
        r
    }

    #[test]
    fn idle_or_paused_agents_when_every_task_is_finished_hold() {
        assert!(agents_settled(&with_agent(final_completed(), AgentState::Idle, 0)).is_empty());
        assert!(agents_settled(&with_agent(final_completed(), AgentState::Paused, 0)).is_empty());
        // A pending task is no_task_lost's to judge.
        let pending = Observed::Pending("running".into());
        assert!(agents_settled(&with_agent(pending, AgentState::Processing, 2)).is_empty());
    }

    #[test]
    fn an_agent_with_work_when_every_task_is_finished_is_flagged() {
        let v = agents_settled(&with_agent(final_completed(), AgentState::Processing, 0));
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].message.contains("agent task_agent/0 reports itself Processing with 0 queued"), "{}", v[0]);
        assert_eq!(agents_settled(&with_agent(final_completed(), AgentState::Idle, 1)).len(), 1);
    }
}
