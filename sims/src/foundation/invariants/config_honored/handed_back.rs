//! What an agent does with its queue when it stops taking work, for `config_honored`'s
//! `max_error_threshold` and `circuit_breaker_threshold`: the moment an agent pauses
//! (`agent_paused`) it hands back (`task_handed_back`) every task in its queue, and the
//! moment one of its task breakers opens (`task_breaker_opened`) it hands back every
//! queued task of that downstream, so another agent can run them meanwhile. Both
//! happen in the same step as the pause or opening, so the hand-back carries the same
//! instant.
//!
//! The queue is what the trace shows of it: tasks a pid queued (`task_queued`) and has
//! neither started nor handed back. A restarted agent's queue, restored from its
//! durable state, is not in the trace; its pid is judged on the tasks it queues itself.

use std::collections::{BTreeMap, BTreeSet};

use otpsim_foundation::events::{field, kind};
use otpsim_harness::invariant::{TraceEvent, Violation};

use super::{Downstreams, NAME};

/// Flags each queued task an agent kept when it paused or its task's breaker opened.
pub fn check(downstream: &Downstreams, events: &[TraceEvent]) -> Vec<Violation> {
    let mut queues: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    // Tasks due to be handed back, by (agent, task), with what made them due.
    let mut due: BTreeMap<(&str, &str), &TraceEvent> = BTreeMap::new();
    let mut violations = Vec::new();
    for e in events {
        let overdue: Vec<_> = due.iter().filter(|(_, cause)| cause.time < e.time).map(|(k, c)| (*k, *c)).collect();
        for ((agent, task), cause) in overdue {
            due.remove(&(agent, task));
            let why = match cause.get(field::DOWNSTREAM) {
                Some(service) => format!("its {service} breaker opened"),
                None => "it paused".to_owned(),
            };
            let message = format!(
                "agent {agent} kept queued task {task} when {why} at {}ms, instead of handing it back",
                cause.time.as_millis()
            );
            violations
                .push(Violation::new(NAME, cause.time, message).id("pid", agent).id("task", task).evidence([cause]));
        }
        let task = e.get(field::TASK);
        match e.kind.as_str() {
            kind::EXIT => {
                if let Some(pid) = e.get(field::PID) {
                    queues.remove(pid);
                    due.retain(|(agent, _), _| *agent != pid);
                }
            }
            kind::TASK_QUEUED => {
                if let (Some(agent), Some(task)) = (e.get(field::AGENT), task) {
                    queues.entry(agent).or_default().insert(task);
                }
            }
            kind::TASK_STARTED | kind::TASK_HANDED_BACK => {
                if let (Some(agent), Some(task)) = (e.get(field::AGENT), task) {
                    queues.entry(agent).or_default().remove(task);
                    due.remove(&(agent, task));
                }
            }
            kind::AGENT_PAUSED | kind::TASK_BREAKER_OPENED => {
                let Some(agent) = e.get(field::AGENT) else { continue };
                let service = e.get(field::DOWNSTREAM);
                for &task in queues.get(agent).into_iter().flatten() {
                    if service.is_none() || service == downstream.get(task).copied() {
                        due.insert((agent, task), e);
                    }
                }
            }
            _ => {}
        }
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::super::super::fixtures::{events, record_with_two_task_types};
    use super::*;

    const QUEUED: [&str; 2] = [
        "1.000000000s otpsim::foundation event=task_queued task=1 agent=<1.4.0> queue_len=1",
        "1.100000000s otpsim::foundation event=task_queued task=2 agent=<1.4.0> queue_len=2",
    ];

    fn run(lines: &[&str]) -> Vec<Violation> {
        let lines: Vec<&str> = QUEUED.iter().copied().chain(lines.iter().copied()).collect();
        check(&super::super::downstreams(&record_with_two_task_types()), &events(&lines))
    }

    #[test]
    fn handing_back_the_queue_on_pause_and_the_type_on_opening_holds() {
        let paused = run(&[
            "2.000000000s otpsim::foundation event=agent_paused agent=<1.4.0> error_count=3 threshold=3",
            "2.000000000s otpsim::foundation event=task_handed_back task=1 agent=<1.4.0> attempt=1",
            "2.000000000s otpsim::foundation event=task_handed_back task=2 agent=<1.4.0> attempt=1",
            "3.000000000s otpsim::foundation event=agent_resumed agent=<1.4.0>",
        ]);
        assert!(paused.is_empty(), "{paused:?}");
        // Task 2 is a validation task, task 1 an analysis task; a task started is out of the queue.
        let opened = run(&[
            "1.500000000s otpsim::foundation event=task_started task=1 agent=<1.4.0> attempt=1",
            "2.000000000s otpsim::foundation event=task_breaker_opened agent=<1.4.0> downstream=analysis failures=2 threshold=2",
            "2.000000000s otpsim::foundation event=task_breaker_opened agent=<1.4.0> downstream=validation failures=2 threshold=2",
            "2.000000000s otpsim::foundation event=task_handed_back task=2 agent=<1.4.0> attempt=1",
            "5.000000000s otpsim::foundation event=agent_resumed agent=<1.4.0>",
        ]);
        assert!(opened.is_empty(), "{opened:?}");
        // A pid that exits in the step it paused in hands back nothing: its queue is durable.
        let died = run(&[
            "2.000000000s otpsim::foundation event=agent_paused agent=<1.4.0> error_count=3 threshold=3",
            "2.000000000s otpsim event=exit pid=<1.4.0> reason=killed",
            "3.000000000s otpsim::foundation event=agent_resumed agent=<1.5.0>",
        ]);
        assert!(died.is_empty(), "{died:?}");
    }

    #[test]
    fn a_task_kept_on_pause_or_opening_is_flagged() {
        let paused = run(&[
            "2.000000000s otpsim::foundation event=agent_paused agent=<1.4.0> error_count=3 threshold=3",
            "2.000000000s otpsim::foundation event=task_handed_back task=2 agent=<1.4.0> attempt=1",
            "2.500000000s otpsim::foundation event=task_handed_back task=1 agent=<1.4.0> attempt=1",
        ]);
        assert_eq!(paused.len(), 1, "{paused:?}");
        assert!(paused[0].message.contains("kept queued task 1 when it paused at 2000ms"), "{}", paused[0]);
        let opened = run(&[
            "2.000000000s otpsim::foundation event=task_breaker_opened agent=<1.4.0> downstream=validation failures=2 threshold=2",
            "3.000000000s otpsim::foundation event=agent_resumed agent=<1.4.0>",
        ]);
        assert_eq!(opened.len(), 1, "{opened:?}");
        assert!(opened[0].message.contains("kept queued task 2 when its validation breaker opened"), "{}", opened[0]);
    }
}
