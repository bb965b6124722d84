//! `workflows_finish`: every started workflow finishes, no completed step runs again,
//! and a cancel stops the workflow.
//!
//! Eventually holds (after the system settles): each workflow the system acknowledged
//! starting ends completed, or cancelled if a client cancelled it; never failed, never
//! still running, and never completed after a cancel reached it (`workflow_cancel`
//! before its completion: a cancel lost on the way is no cancel). Always holds: once a step's result is persisted
//! (`step_done`), that step never starts again (`step_run`), and once a cancel is
//! acknowledged the workflow starts no further step. Steps run once each, in order,
//! with their results recorded: [`super::workflow_steps`]. A finished workflow's status
//! is the same through the coordinator and read from its record on another node:
//! [`super::workflow_records`]. The trace shows each completed or cancelled
//! workflow's end: [`super::workflow_trace`].

use std::cell::OnceCell;
use std::collections::BTreeMap;

use otpsim_foundation::workflow::{WorkflowId, WorkflowStatus};
use otpsim_harness::invariant::{TraceEvent, Violation};

use super::super::record::Record;
use super::liveness;
use otpsim_foundation::events::{field, kind};

const NAME: &str = "workflows_finish";

/// Checks final statuses, step re-runs and cancels.
pub fn workflows_finish(record: &Record, events: &[TraceEvent]) -> Vec<Violation> {
    let mut violations = Vec::new();
    let completed_at: BTreeMap<&str, usize> = events
        .iter()
        .filter(|e| e.kind == kind::WORKFLOW_STATUS && e.get(field::STATUS) == Some("completed"))
        .filter_map(|e| Some((e.get(field::WORKFLOW)?, e.index)))
        .collect();
    let mut cancel_reached: BTreeMap<&str, usize> = BTreeMap::new();
    for e in events.iter().filter(|e| e.kind == kind::WORKFLOW_CANCEL) {
        if let Some(w) = e.get(field::WORKFLOW) {
            cancel_reached.entry(w).or_insert(e.index);
        }
    }
    let pending: Vec<(WorkflowId, WorkflowStatus)> = record
        .history
        .starts
        .iter()
        .filter(|(_, op)| op.acked.is_some())
        .filter_map(|(id, _)| match record.workflows.get(id) {
            Some(Some(status @ (WorkflowStatus::Initialized | WorkflowStatus::Running { .. }))) => {
                Some((*id, status.clone()))
            }
            _ => None,
        })
        .collect();
    let window = liveness::window(&record.config);
    let steps_left: usize = pending.iter().map(|(id, status)| liveness::steps_left(record, *id, status)).sum();
    let recent = liveness::steps_done_recently(events, record.end, window);
    let slow = liveness::settle_too_short("workflow steps", steps_left, recent, window, record.settle);
    if let (Some(verdict), false) = (&slow, pending.is_empty()) {
        let mut v = Violation::new(NAME, record.end, verdict.clone());
        for (id, _) in pending.iter().take(5) {
            v = v.id("workflow", id);
        }
        violations.push(v);
    }
    // Each workflow's own events, gathered on the first problem: one pass over the trace,
    // not one per workflow (a broken run can leave thousands stuck).
    let by_workflow = OnceCell::new();
    let own = |id: &str| -> Vec<&TraceEvent> {
        let index = by_workflow.get_or_init(|| {
            let mut index: BTreeMap<&str, Vec<&TraceEvent>> = BTreeMap::new();
            for e in events {
                if let Some(w) = e.get(field::WORKFLOW) {
                    index.entry(w).or_default().push(e);
                }
            }
            index
        });
        index.get(id).cloned().unwrap_or_default()
    };
    for (id, op) in &record.history.starts {
        if op.acked.is_none() {
            continue;
        }
        let text = id.text();
        let id_text = text.as_str();
        let cancel = record.history.cancels.get(id);
        let cancelled_first = cancel_reached
            .get(id_text)
            .is_some_and(|reached| completed_at.get(id_text).is_none_or(|done| reached < done));
        let status = record.workflows.get(id).cloned().flatten();
        let problem = match status {
            Some(WorkflowStatus::Completed) if !cancelled_first => None,
            Some(WorkflowStatus::Cancelled) if cancel.is_some() => None,
            Some(WorkflowStatus::Completed) => {
                Some("was cancelled before it completed, yet ended completed".to_owned())
            }
            Some(WorkflowStatus::Initialized | WorkflowStatus::Running { .. }) if slow.is_some() => None,
            Some(status @ (WorkflowStatus::Initialized | WorkflowStatus::Running { .. })) => {
                let why = liveness::workflow_waiting_on(record, &own(id_text), *id);
                Some(format!("is still {status:?}, stuck: {why}"))
            }
            Some(other) => Some(format!("ended {other:?}")),
            None => Some("has no final status".to_owned()),
        };
        if let Some(problem) = problem {
            violations.push(
                Violation::new(NAME, record.end, format!("workflow {id} {problem}"))
                    .id("workflow", id)
                    .evidence(own(id_text)),
            );
        }
    }
    let mut done: BTreeMap<(&str, &str), &TraceEvent> = BTreeMap::new();
    for e in events {
        let (Some(w), Some(step)) = (e.get(field::WORKFLOW), e.get(field::STEP)) else { continue };
        match e.kind.as_str() {
            kind::STEP_DONE => {
                done.insert((w, step), e);
            }
            kind::STEP_RUN => {
                if let Some(first) = done.get(&(w, step)) {
                    let message = format!("workflow {w} ran step {step} again after it completed");
                    violations.push(Violation::new(NAME, e.time, message).id("workflow", w).evidence([*first, e]));
                }
            }
            _ => {}
        }
    }
    for (id, cancel) in &record.history.cancels {
        let Some(acked) = cancel.acked else { continue };
        let text = id.text();
        let id_text = text.as_str();
        if let Some(late) = events
            .iter()
            .find(|e| e.kind == kind::STEP_RUN && e.get(field::WORKFLOW) == Some(id_text) && e.time > acked)
        {
            let message = format!(
                "workflow {id} started step {} after its cancel was acknowledged",
                late.get(field::STEP).unwrap_or("?")
            );
            violations.push(Violation::new(NAME, late.time, message).id("workflow", id).evidence([late]));
        }
    }
    violations.extend(super::workflow_steps::workflow_steps(record, events));
    violations.extend(super::workflow_records::workflow_records(record));
    violations.extend(super::workflow_trace::workflow_trace(record, events));
    violations
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;

    #[test]
    fn a_completed_workflow_holds() {
        let r = record_with_workflow(Some(WorkflowStatus::Completed), false);
        let e = events(&[
            "1.000000000s otpsim::foundation event=workflow_status workflow=1 status=running host=<0.5.0>",
            "1.500000000s otpsim::foundation event=workflow_status workflow=1 status=completed host=<0.5.0>",
            "1.500000000s otpsim::foundation event=workflow_results workflow=1 results=",
        ]);
        assert!(workflows_finish(&r, &e).is_empty(), "{:?}", workflows_finish(&r, &e));
    }

    #[test]
    fn a_workflow_still_running_is_flagged() {
        let r = record_with_workflow(Some(WorkflowStatus::Running { step: 2 }), false);
        assert_eq!(workflows_finish(&r, &[]).len(), 1);
    }

    #[test]
    fn a_stuck_workflow_names_its_last_progress_and_what_it_waits_on() {
        let mut r = record_with_workflow(Some(WorkflowStatus::Running { step: 1 }), false);
        let host = pid(5);
        r.tables.names.push(otpsim_runtime::NameRow { node: host.node, name: "workflow/1".into(), pid: host });
        let e = events(&[
            &format!("1.000000000s otpsim::foundation event=step_run workflow=1 step=0 host={host}"),
            "1.100000000s otpsim::foundation event=step_done workflow=1 step=0",
            &format!("1.100000000s otpsim::foundation event=step_run workflow=1 step=1 host={host}"),
        ]);
        let v = workflows_finish(&r, &e);
        assert_eq!(v.len(), 1, "{v:?}");
        let m = &v[0].message;
        assert!(m.contains("is still Running { step: 1 }, stuck: waiting on: its process"), "{m}");
        assert!(m.contains("is alive and has not finished step 1 (last progress: step 1 at 1100ms)"), "{m}");
        // Its process gone and not restarted.
        r.tables.names.clear();
        let v = workflows_finish(&r, &e);
        assert!(v[0].message.contains(&format!("its process {host} is gone and nothing restarted it")), "{}", v[0]);
    }

    #[test]
    fn a_workflow_system_still_finishing_steps_gets_settle_too_short() {
        let mut r = record_with_workflow(Some(WorkflowStatus::Running { step: 0 }), false);
        r.config.breaker_reset = std::time::Duration::from_secs(5);
        r.plan.workflows[0].spec.steps =
            vec![otpsim_foundation::workflow::StepSpec { work: std::time::Duration::from_secs(1), defect: false }; 4];
        // Two steps of other workflows done in the last 10 s of a run that ends at 60 s.
        let e = events(&[
            "51.000000000s otpsim::foundation event=step_run workflow=2 step=0 host=<0.5.0>",
            "52.000000000s otpsim::foundation event=step_done workflow=2 step=0",
            "56.000000000s otpsim::foundation event=step_run workflow=3 step=0 host=<0.6.0>",
            "57.000000000s otpsim::foundation event=step_done workflow=3 step=0",
        ]);
        let v = workflows_finish(&r, &e);
        assert_eq!(v.len(), 1, "{v:?}");
        let m = &v[0].message;
        assert!(m.starts_with("settle too short: 2 workflow steps finished in the last 10 s, about 20 s more"), "{m}");
        assert!(m.contains("for the 4 still pending (hint: try settle = \"60s\")"), "{m}");
    }

    #[test]
    fn a_cancelled_workflow_that_completed_is_flagged() {
        let r = record_with_workflow(Some(WorkflowStatus::Completed), true);
        let e = events(&[
            "1.000000000s otpsim::foundation event=workflow_cancel workflow=1",
            "1.500000000s otpsim::foundation event=workflow_status workflow=1 status=completed host=<0.5.0>",
        ]);
        let v = workflows_finish(&r, &e);
        assert!(v.iter().any(|v| v.message.contains("cancelled before it completed")), "{v:?}");
    }

    #[test]
    fn a_cancel_that_reached_the_workflow_only_after_it_completed_holds() {
        let r = record_with_workflow(Some(WorkflowStatus::Completed), true);
        let e = events(&[
            "1.000000000s otpsim::foundation event=workflow_status workflow=1 status=running host=<0.5.0>",
            "1.500000000s otpsim::foundation event=workflow_status workflow=1 status=completed host=<0.5.0>",
            "1.500000000s otpsim::foundation event=workflow_results workflow=1 results=",
            "3.000000000s otpsim::foundation event=workflow_cancel workflow=1",
        ]);
        assert!(workflows_finish(&r, &e).is_empty(), "{:?}", workflows_finish(&r, &e));
    }

    #[test]
    fn a_completed_step_running_again_is_flagged() {
        let r = record_with_workflow(Some(WorkflowStatus::Completed), false);
        let e = events(&[
            "1.000000000s otpsim::foundation event=step_run workflow=1 step=0 host=<0.5.0>",
            "1.100000000s otpsim::foundation event=step_done workflow=1 step=0",
            "2.000000000s otpsim::foundation event=step_run workflow=1 step=0 host=<0.7.0>",
        ]);
        let v = workflows_finish(&r, &e);
        assert!(v.iter().any(|v| v.message.contains("ran step 0 again after it completed")), "{v:?}");
    }
}
