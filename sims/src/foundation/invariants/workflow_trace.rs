//! Part of `workflows_finish`: the trace tells the story the API tells. A workflow the
//! coordinator reports completed or cancelled at the end of a run traced that final
//! status (`workflow_status`), and a cancelled one also traced the cancel that reached
//! it (`workflow_cancel`): the checks that read the trace (a cancel before completion,
//! workflow isolation, the liveness verdict) judge only what it holds, so a finish or
//! cancel missing from it would pass them unseen.

use std::collections::BTreeSet;

use otpsim_foundation::events::{field, kind};
use otpsim_foundation::workflow::WorkflowStatus;
use otpsim_harness::invariant::{TraceEvent, Violation};

use super::super::record::Record;

const NAME: &str = "workflows_finish";

/// Flags each finished workflow whose end the trace does not show.
pub fn workflow_trace(record: &Record, events: &[TraceEvent]) -> Vec<Violation> {
    let mut statuses: BTreeSet<(&str, &str)> = BTreeSet::new();
    let mut cancels: BTreeSet<&str> = BTreeSet::new();
    for e in events {
        let Some(workflow) = e.get(field::WORKFLOW) else { continue };
        match e.kind.as_str() {
            kind::WORKFLOW_STATUS => {
                statuses.insert((workflow, e.get(field::STATUS).unwrap_or("?")));
            }
            kind::WORKFLOW_CANCEL => {
                cancels.insert(workflow);
            }
            _ => {}
        }
    }
    let mut violations = Vec::new();
    for (id, status) in &record.workflows {
        let (name, cancelled) = match status {
            Some(WorkflowStatus::Completed) => ("completed", false),
            Some(WorkflowStatus::Cancelled) => ("cancelled", true),
            _ => continue,
        };
        let id_text = id.to_string();
        let mut missing = Vec::new();
        if !statuses.contains(&(id_text.as_str(), name)) {
            missing.push(format!("no workflow_status {name}"));
        }
        if cancelled && !cancels.contains(id_text.as_str()) {
            missing.push("no workflow_cancel".to_owned());
        }
        if !missing.is_empty() {
            let message =
                format!("workflow {id} is {name} through the coordinator, but its trace has {}", missing.join(" and "));
            violations.push(Violation::new(NAME, record.end, message).id("workflow", id));
        }
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;

    const COMPLETED: &str =
        "5.000000000s otpsim::foundation event=workflow_status workflow=1 status=completed host=<0.9.0>";
    const CANCEL: &str = "4.000000000s otpsim::foundation event=workflow_cancel workflow=1";
    const CANCELLED: &str =
        "4.000000000s otpsim::foundation event=workflow_status workflow=1 status=cancelled host=<0.9.0>";

    #[test]
    fn finished_workflows_that_traced_their_end_hold() {
        let completed = record_with_workflow(Some(WorkflowStatus::Completed), false);
        assert!(workflow_trace(&completed, &events(&[COMPLETED])).is_empty());
        let cancelled = record_with_workflow(Some(WorkflowStatus::Cancelled), true);
        assert!(workflow_trace(&cancelled, &events(&[CANCEL, CANCELLED])).is_empty());
        let running = record_with_workflow(Some(WorkflowStatus::Running { step: 1 }), false);
        assert!(workflow_trace(&running, &[]).is_empty());
    }

    #[test]
    fn a_finish_or_cancel_missing_from_the_trace_is_flagged() {
        let completed = record_with_workflow(Some(WorkflowStatus::Completed), false);
        let v = workflow_trace(&completed, &events(&[CANCELLED]));
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].message.ends_with("its trace has no workflow_status completed"), "{}", v[0]);
        let cancelled = record_with_workflow(Some(WorkflowStatus::Cancelled), true);
        let v = workflow_trace(&cancelled, &events(&[CANCELLED]));
        assert!(v[0].message.ends_with("its trace has no workflow_cancel"), "{}", v[0]);
    }
}
