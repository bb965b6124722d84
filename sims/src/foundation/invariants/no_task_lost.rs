//! `no_task_lost`: every task the system acknowledged ends with its true outcome.
//!
//! Eventually holds (judged after faults stop and the system settles): for each
//! submission the coordinator acknowledged, the final status read through the API is
//! completed or failed, and equals `task::true_outcome` of the task's spec under the
//! run's config. A task still queued or running, unknown to the system, or finished
//! with another outcome (an error reported as success, say) is lost. Skips tasks that
//! were never acknowledged: the system promised nothing for them.

use std::collections::BTreeMap;

use otpsim_foundation::task::true_outcome;
use otpsim_harness::invariant::{TraceEvent, Violation};

use super::super::record::{Observed, Record};

const NAME: &str = "no_task_lost";

/// Checks every acknowledged task.
pub fn no_task_lost(record: &Record, events: &[TraceEvent]) -> Vec<Violation> {
    // Evidence is looked up per lost task: one pass over the trace, not one per task
    // (a broken run can lose thousands of tasks over millions of events).
    let mut by_task: BTreeMap<&str, Vec<&TraceEvent>> = BTreeMap::new();
    for event in events {
        if let Some(task) = event.get("task") {
            by_task.entry(task).or_default().push(event);
        }
    }
    let mut violations = Vec::new();
    for planned in &record.plan.tasks {
        let id = planned.spec.id;
        let Some(acked) = record.history.submits.get(&id).and_then(|op| op.acked) else { continue };
        let expected = true_outcome(&planned.spec, &record.config);
        let problem = match record.tasks.get(&id) {
            Some(Observed::Final(outcome)) if *outcome == expected => continue,
            Some(Observed::Final(outcome)) => format!("ended {outcome}, but its true outcome is {expected}"),
            Some(Observed::Pending(status)) => {
                format!("was acknowledged at {}ms and is still {status}", acked.as_millis())
            }
            Some(Observed::NoAnswer(why)) => format!("has no final status: {why}"),
            None => "was never asked about".to_owned(),
        };
        let id_text = id.to_string();
        violations.push(
            Violation::new(NAME, record.end, format!("task {id} {problem}"))
                .id("task", id)
                .evidence(by_task.get(id_text.as_str()).into_iter().flatten().copied()),
        );
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;
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
