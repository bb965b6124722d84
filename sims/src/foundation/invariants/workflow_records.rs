//! Part of `workflows_finish`: the workflow API tells one story however a caller
//! reaches it. A workflow the coordinator reports finished (completed, failed or
//! cancelled) at the end of a run reads the same from its durable record on node 0,
//! asked by a client on another node through the workflow API (which runs the read in
//! a process it spawns on node 0 and waits for that process's answer). A finished
//! status never changes, so the two reads agree whichever came first; a read that got
//! no answer after the system settled is a broken path, not a slow one.

use otpsim_foundation::workflow::WorkflowStatus;
use otpsim_harness::invariant::Violation;

use super::super::record::Record;

const NAME: &str = "workflows_finish";

/// Compares each finished workflow's status through the coordinator with its record's.
pub fn workflow_records(record: &Record) -> Vec<Violation> {
    let mut violations = Vec::new();
    for (id, answered) in &record.workflows {
        let Some(status @ (WorkflowStatus::Completed | WorkflowStatus::Failed(_) | WorkflowStatus::Cancelled)) =
            answered
        else {
            continue;
        };
        let stored = record.workflow_records.get(id).cloned().flatten();
        if stored.as_ref() == Some(status) {
            continue;
        }
        let read = stored.map_or_else(|| "got no answer".to_owned(), |s| format!("answered {s}"));
        let message = format!(
            "workflow {id} is {status} through the coordinator, but a read of its record from another node {read}"
        );
        violations.push(Violation::new(NAME, record.end, message).id("workflow", id));
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;
    use otpsim_foundation::workflow::WorkflowId;

    #[test]
    fn the_same_finished_status_both_ways_and_unfinished_ones_hold() {
        assert!(workflow_records(&record_with_workflow(Some(WorkflowStatus::Completed), false)).is_empty());
        let mut r = record_with_workflow(Some(WorkflowStatus::Running { step: 1 }), false);
        r.workflow_records.insert(WorkflowId(1), Some(WorkflowStatus::Running { step: 2 }));
        assert!(workflow_records(&r).is_empty());
    }

    #[test]
    fn a_record_read_with_no_answer_or_another_status_is_flagged() {
        let mut r = record_with_workflow(Some(WorkflowStatus::Cancelled), true);
        r.workflow_records.insert(WorkflowId(1), None);
        let v = workflow_records(&r);
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].message.contains("is cancelled through the coordinator, but a read"), "{}", v[0]);
        assert!(v[0].message.contains("got no answer"), "{}", v[0]);
        r.workflow_records.insert(WorkflowId(1), Some(WorkflowStatus::Unknown));
        assert!(workflow_records(&r)[0].message.contains("answered unknown"), "{:?}", workflow_records(&r));
    }
}
