//! `no_duplicate_completion`: no task completes twice.
//!
//! Always holds: each task's work is completed at most once (one `task_finished` with
//! a completed outcome over the whole run), and the outcome the coordinator records
//! for a task never changes (all its `task_recorded` events agree). An execution cut
//! short by a crash did not complete, so re-running it after a restart is fine; doing
//! the same work twice to completion — the same request delivered twice — is not.

use std::collections::BTreeMap;

use otpsim_harness::invariant::{TraceEvent, Violation};

use super::mentioning;
use otpsim_foundation::events::{field, kind};

const NAME: &str = "no_duplicate_completion";

/// Checks completions and recorded outcomes per task.
pub fn no_duplicate_completion(events: &[TraceEvent]) -> Vec<Violation> {
    let mut completions: BTreeMap<&str, Vec<&TraceEvent>> = BTreeMap::new();
    let mut recorded: BTreeMap<&str, Vec<&TraceEvent>> = BTreeMap::new();
    for e in events {
        let Some(task) = e.get(field::TASK) else { continue };
        let completed = e.get(field::OUTCOME).is_some_and(|o| o.starts_with("completed"));
        match e.kind.as_str() {
            kind::TASK_FINISHED if completed => completions.entry(task).or_default().push(e),
            kind::TASK_RECORDED => recorded.entry(task).or_default().push(e),
            _ => {}
        }
    }
    let mut violations = Vec::new();
    for (task, done) in completions {
        if done.len() > 1 {
            let message = format!("task {task} completed {} times", done.len());
            violations.push(Violation::new(NAME, done[1].time, message).id("task", task).evidence(mentioning(
                events,
                field::TASK,
                task,
            )));
        }
    }
    for (task, records) in recorded {
        if let Some(changed) = records.iter().find(|r| r.get(field::OUTCOME) != records[0].get(field::OUTCOME)) {
            let message = format!(
                "task {task} was recorded as {} and later as {}",
                records[0].get(field::OUTCOME).unwrap_or("?"),
                changed.get(field::OUTCOME).unwrap_or("?")
            );
            violations
                .push(Violation::new(NAME, changed.time, message).id("task", task).evidence(records.iter().copied()));
        }
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::events;
    use super::*;

    #[test]
    fn one_completion_per_task_holds() {
        let e = events(&[
            "1.000000000s otpsim::foundation event=task_finished task=1 agent=<1.2.0> attempt=1 outcome=completed(7)",
            "1.100000000s otpsim::foundation event=task_recorded task=1 outcome=completed(7)",
            "2.000000000s otpsim::foundation event=task_recorded task=1 outcome=completed(7)",
        ]);
        assert!(no_duplicate_completion(&e).is_empty());
    }

    #[test]
    fn a_task_completed_twice_is_flagged() {
        let e = events(&[
            "1.000000000s otpsim::foundation event=task_finished task=1 agent=<1.2.0> attempt=1 outcome=completed(7)",
            "1.500000000s otpsim::foundation event=task_finished task=1 agent=<1.2.0> attempt=1 outcome=completed(7)",
        ]);
        let v = no_duplicate_completion(&e);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].time_ms, 1500);
    }

    #[test]
    fn a_changed_record_is_flagged() {
        let e = events(&[
            "1.000000000s otpsim::foundation event=task_recorded task=4 outcome=failed(invalid)",
            "2.000000000s otpsim::foundation event=task_recorded task=4 outcome=completed(9)",
        ]);
        assert_eq!(no_duplicate_completion(&e).len(), 1);
    }
}
