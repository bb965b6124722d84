//! `no_task_lost`: every task the system acknowledged ends with its true outcome.
//!
//! Eventually holds (judged after faults stop and the system settles): for each
//! submission the coordinator acknowledged, the final status read through the API is
//! completed or failed, and equals the sim's own [`oracle::true_outcome`] of the task's
//! spec under the run's config. A task still queued or running, unknown to the system, or finished
//! with another outcome (an error reported as success, say) is lost. Pending tasks get
//! a liveness diagnosis ([`super::liveness`]): if the system still finished tasks in
//! the last part of settle, one "settle too short" verdict with the settle it needs;
//! otherwise each stuck task with its last progress and what it waits on. Skips tasks
//! that were never acknowledged: the system promised nothing for them. When every
//! task is finished, the agents must say they have no work left:
//! [`super::agents_settled`].

use std::cell::OnceCell;
use std::collections::BTreeMap;

use otpsim_harness::invariant::{TraceEvent, Violation};

use super::super::oracle;
use super::super::record::{Observed, Record};
use super::liveness;
use otpsim_foundation::events::field;

const NAME: &str = "no_task_lost";

/// Checks every acknowledged task.
pub fn no_task_lost(record: &Record, events: &[TraceEvent]) -> Vec<Violation> {
    // Evidence is looked up per lost task: one pass over the trace, not one per task
    // (a broken run can lose thousands of tasks over millions of events), and only
    // once a task is lost (a passing run needs none).
    let by_task = OnceCell::new();
    let mut violations = Vec::new();
    let pending: Vec<_> = record
        .plan
        .tasks
        .iter()
        .map(|p| p.spec.id)
        .filter(|id| record.history.submits.get(id).is_some_and(|op| op.acked.is_some()))
        .filter(|id| matches!(record.tasks.get(id), Some(Observed::Pending(_))))
        .collect();
    // Built on the first stuck task: a passing run needs none of it.
    let traffic = OnceCell::new();
    let window = liveness::window(&record.config);
    let recent = liveness::finished_recently(events, record.end, window);
    let slow = liveness::settle_too_short("tasks", pending.len(), recent, window, record.settle);
    if let (Some(verdict), false) = (&slow, pending.is_empty()) {
        let mut v = Violation::new(NAME, record.end, verdict.clone());
        for id in pending.iter().take(5) {
            v = v.id("task", id);
        }
        violations.push(v);
    }
    for planned in &record.plan.tasks {
        let id = planned.spec.id;
        let Some(acked) = record.history.submits.get(&id).and_then(|op| op.acked) else { continue };
        let expected = oracle::true_outcome(&planned.spec, &record.config);
        let problem = match record.tasks.get(&id) {
            Some(Observed::Final(outcome)) if *outcome == expected => continue,
            Some(Observed::Final(outcome)) => format!("ended {outcome}, but its true outcome is {expected}"),
            Some(Observed::Pending(_)) if slow.is_some() => continue,
            Some(Observed::Pending(status)) => {
                let id_text = id.to_string();
                let own = by_task.get_or_init(|| events_by_task(events)).get(id_text.as_str());
                let own = own.map_or(&[][..], Vec::as_slice);
                let traffic = traffic.get_or_init(|| liveness::AgentTraffic::of(events));
                let why = liveness::waiting_on(record, traffic, own, oracle::downstream(&planned.spec.kind));
                format!("was acknowledged at {}ms and is still {status}, stuck: {why}", acked.as_millis())
            }
            Some(Observed::NoAnswer(why)) => format!("has no final status: {why}"),
            None => "was never asked about".to_owned(),
        };
        let id_text = id.to_string();
        let by_task = by_task.get_or_init(|| events_by_task(events));
        violations.push(
            Violation::new(NAME, record.end, format!("task {id} {problem}"))
                .id("task", id)
                .evidence(by_task.get(id_text.as_str()).into_iter().flatten().copied()),
        );
    }
    violations.extend(super::agents_settled::agents_settled(record, events));
    violations
}

/// The events that name each task, in trace order.
fn events_by_task(events: &[TraceEvent]) -> BTreeMap<&str, Vec<&TraceEvent>> {
    let mut by_task: BTreeMap<&str, Vec<&TraceEvent>> = BTreeMap::new();
    for event in events {
        if let Some(task) = event.get(field::TASK) {
            by_task.entry(task).or_default().push(event);
        }
    }
    by_task
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;
    use otpsim_foundation::protocol::{AgentState, AgentStatus};
    use otpsim_foundation::{Behavior, TaskOutcome};

    #[test]
    fn acknowledged_tasks_with_their_true_outcome_hold() {
        let r = record_with_task(Behavior::Succeed, Some(final_completed()));
        assert!(no_task_lost(&r, &[]).is_empty());
    }

    #[test]
    fn an_acknowledged_task_still_queued_is_lost() {
        let r = record_with_task(Behavior::Succeed, Some(Observed::Pending("queued".into())));
        let v = no_task_lost(&r, &events(&["1.000000000s otpsim::foundation event=task_accepted task=1"]));
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].ids[0], ("task".to_owned(), "1".to_owned()));
        assert_eq!(v[0].evidence.len(), 1);
    }

    #[test]
    fn a_stuck_task_names_what_it_waits_on() {
        let mut r = record_with_task(Behavior::Succeed, Some(Observed::Pending("running".into())));
        let agent = pid(7);
        r.tables.names.push(otpsim_runtime::NameRow { node: agent.node, name: "task_agent/0".into(), pid: agent });
        let paused = AgentStatus { status: AgentState::Paused, processed_count: 0, error_count: 1, queue_len: 0 };
        r.agents.push(("task_agent/0".into(), Some(paused)));
        let started = format!("2.000000000s otpsim::foundation event=task_started task=1 agent={agent} attempt=1");
        let v = no_task_lost(&r, &events(&["1.000000000s otpsim::foundation event=task_accepted task=1", &started]));
        assert_eq!(v.len(), 1);
        assert!(v[0].message.contains("stuck: waiting on: held by task_agent/0, which is paused"), "{}", v[0]);
        assert!(v[0].message.contains("last progress: task_started at 2000ms"), "{}", v[0]);
    }

    #[test]
    fn a_stuck_task_held_by_a_live_agent_names_its_open_breaker_or_buffered_messages() {
        let mut r = record_with_task(Behavior::Succeed, Some(Observed::Pending("running".into())));
        let agent = pid(7);
        r.tables.names.push(otpsim_runtime::NameRow { node: agent.node, name: "task_agent/0".into(), pid: agent });
        let running = AgentStatus { status: AgentState::Processing, processed_count: 0, error_count: 0, queue_len: 1 };
        r.agents.push(("task_agent/0".into(), Some(running)));
        let assigned = format!("2.000000000s otpsim::foundation event=task_assigned task=1 agent={agent} attempt=1");
        let opened =
            format!("3.000000000s otpsim::foundation event=task_breaker_opened agent={agent} downstream=analysis");
        let v = no_task_lost(&r, &events(&[&assigned, &opened]));
        assert!(v[0].message.contains("held by task_agent/0, whose breaker for analysis tasks is open"), "{}", v[0]);
        let buffered = format!("3.000000000s otpsim::foundation event=buffered receiver={agent} msg=m1 seq=1");
        let v = no_task_lost(&r, &events(&[&assigned, &buffered]));
        assert!(v[0].message.contains("1 messages to it are buffered behind the manager's open breaker"), "{}", v[0]);
    }

    #[test]
    fn a_system_still_finishing_work_gets_settle_too_short_with_a_suggested_settle() {
        let mut r = record_with_task(Behavior::Succeed, Some(Observed::Pending("queued".into())));
        r.settle = std::time::Duration::from_secs(30);
        // The configuration's waits are all shorter than the 10 s window.
        r.config.breaker_reset = std::time::Duration::from_secs(5);
        // Five tasks recorded in the last 10 s of a run that ends at 60 s: 0.5 per second.
        let lines: Vec<String> =
            (0..5).map(|i| format!("5{i}.000000000s otpsim::foundation event=task_recorded task={}", i + 10)).collect();
        let v = no_task_lost(&r, &events(&lines.iter().map(String::as_str).collect::<Vec<_>>()));
        assert_eq!(v.len(), 1, "{v:?}");
        let m = &v[0].message;
        assert!(m.starts_with("settle too short: 5 tasks finished in the last 10 s, about 2 s more needed"), "{m}");
        assert!(m.contains("try settle = \"42s\""), "{m}");
        assert!(!m.contains("lost"), "{m}");
    }

    #[test]
    fn a_system_sitting_out_a_long_pause_cooldown_is_slow_not_stuck() {
        let mut r = record_with_task(Behavior::Succeed, Some(Observed::Pending("queued".into())));
        r.config.agent_pause_cooldown = std::time::Duration::from_secs(20);
        r.config.breaker_reset = std::time::Duration::from_secs(5);
        // The last task was recorded 15 s before the end: outside 10 s, inside the 20 s cooldown.
        let v = no_task_lost(&r, &events(&["45.000000000s otpsim::foundation event=task_recorded task=9"]));
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].message.starts_with("settle too short: 1 tasks finished in the last 20 s"), "{}", v[0]);
        r.config.agent_pause_cooldown = std::time::Duration::from_secs(5);
        let v = no_task_lost(&r, &events(&["45.000000000s otpsim::foundation event=task_recorded task=9"]));
        assert!(v[0].message.contains("stuck"), "{}", v[0]);
    }

    #[test]
    fn an_error_reported_as_success_is_lost() {
        let r = record_with_task(Behavior::FailPermanently, Some(final_completed()));
        let v = no_task_lost(&r, &[]);
        assert!(v[0].message.contains("true outcome is failed"), "{}", v[0]);
    }

    #[test]
    fn unacknowledged_tasks_are_skipped() {
        let mut r = record_with_task(Behavior::Succeed, Some(Observed::Pending("unknown".into())));
        r.history.submits.clear();
        assert!(no_task_lost(&r, &[]).is_empty());
        let _ = TaskOutcome::Failed(String::new());
    }
}
