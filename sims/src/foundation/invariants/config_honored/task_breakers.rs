//! The agents' task breakers of `config_honored`: `breaker_reset`. A breaker that opens
//! at t (`task_breaker_opened`, per agent and downstream) sheds new work of its
//! downstream until t + `breaker_reset`: the agent starts no task of that type before
//! then (`task_started`), unless the breaker closed first: a started task's retries
//! are paced by their own backoff and run while it is open, and one that completes
//! (`task_finished` with a completed outcome) closes it. A restarted agent is a new pid
//! with closed breakers.

use std::collections::BTreeMap;
use std::time::Duration;

use otpsim_foundation::events::{field, kind};
use otpsim_harness::invariant::{TraceEvent, Violation};

use super::super::super::record::Record;
use super::NAME;

/// Checks that no agent starts a task of a downstream while its breaker is open.
pub fn check(record: &Record, events: &[TraceEvent]) -> Vec<Violation> {
    let reset = record.config.breaker_reset;
    // A task's downstream is its type's name, as the event names it: a label, not a
    // judgement, so taking it from the port's type decides nothing.
    let downstream: BTreeMap<String, &str> =
        record.plan.tasks.iter().map(|t| (t.spec.id.to_string(), t.spec.kind.name())).collect();
    let mut open: BTreeMap<(&str, &str), (Duration, &TraceEvent)> = BTreeMap::new();
    let mut violations = Vec::new();
    for e in events {
        let Some(agent) = e.get(field::AGENT) else { continue };
        match e.kind.as_str() {
            kind::TASK_BREAKER_OPENED => {
                if let Some(service) = e.get(field::DOWNSTREAM) {
                    open.insert((agent, service), (e.time + reset, e));
                }
            }
            kind::TASK_FINISHED if e.get(field::OUTCOME).is_some_and(|o| o.starts_with("completed")) => {
                if let Some(service) = e.get(field::TASK).and_then(|task| downstream.get(task)) {
                    open.remove(&(agent, *service));
                }
            }
            kind::TASK_STARTED => {
                let Some(task) = e.get(field::TASK) else { continue };
                let Some(service) = downstream.get(task) else { continue };
                let Some(&(until, opened)) = open.get(&(agent, *service)) else { continue };
                if e.time > opened.time && e.time < until {
                    let message = format!(
                        "agent {agent} started task {task} ({service}) {}ms after its {service} breaker opened, \
                         before breaker_reset ({}ms) passed",
                        (e.time - opened.time).as_millis(),
                        reset.as_millis()
                    );
                    violations.push(Violation::new(NAME, e.time, message).id("pid", agent).evidence([opened, e]));
                }
            }
            _ => {}
        }
    }
    violations
}

#[cfg(test)]
mod tests {
    use otpsim_foundation::task::{Behavior, TaskId, TaskType};

    use super::super::super::fixtures::{events, record_with_task};
    use super::*;

    /// Task 1 is an analysis task, task 2 a validation task; breakers reset after 1 s.
    fn judged(lines: &[&str]) -> Vec<Violation> {
        let mut record = record_with_task(Behavior::Succeed, None);
        let mut validation = record.plan.tasks[0].clone();
        validation.spec.id = TaskId(2);
        validation.spec.kind = TaskType::Validation;
        record.plan.tasks.push(validation);
        record.config.breaker_reset = Duration::from_secs(1);
        check(&record, &events(lines))
    }

    const OPENED: &str =
        "2.000000000s otpsim::foundation event=task_breaker_opened agent=<1.4.0> downstream=analysis failures=3 \
         threshold=3";

    #[test]
    fn a_task_started_while_its_breaker_is_open_is_flagged() {
        let v = judged(&[OPENED, "2.400000000s otpsim::foundation event=task_started task=1 agent=<1.4.0> attempt=1"]);
        assert_eq!(v.len(), 1, "{v:?}");
        let v = judged(&[
            OPENED,
            "2.200000000s otpsim::foundation event=task_finished task=1 agent=<1.4.0> attempt=1 outcome=failed(timeout)",
            "2.400000000s otpsim::foundation event=task_started task=1 agent=<1.4.0> attempt=1",
        ]);
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].message.contains("started task 1 (analysis) 400ms after its analysis breaker opened"), "{}", v[0]);
    }

    #[test]
    fn starts_after_the_reset_or_a_completion_on_other_agents_or_of_other_types_hold() {
        let v = judged(&[
            OPENED,
            "2.100000000s otpsim::foundation event=task_finished task=1 agent=<1.6.0> attempt=1 outcome=completed(7)",
            "2.400000000s otpsim::foundation event=task_started task=1 agent=<1.5.0> attempt=1",
            "2.400000000s otpsim::foundation event=task_started task=2 agent=<1.4.0> attempt=1",
            "3.000000000s otpsim::foundation event=task_started task=1 agent=<1.4.0> attempt=1",
            "3.050000000s otpsim::foundation event=task_breaker_opened agent=<1.4.0> downstream=analysis failures=3 \
             threshold=3",
            "3.100000000s otpsim::foundation event=task_finished task=1 agent=<1.4.0> attempt=1 outcome=completed(7)",
            "3.200000000s otpsim::foundation event=task_started task=1 agent=<1.4.0> attempt=1",
        ]);
        assert!(v.is_empty(), "{v:?}");
    }
}
