//! `workflow_isolation`: one workflow's crash does not take others down.
//!
//! Always holds: when a process exits abnormally, at most one unfinished workflow was
//! running in it (the `host` of its latest `step_run` / `workflow_status`). Workflows
//! that share a process share its fate, so a defect in one kills the rest.

use std::collections::BTreeMap;

use otpsim_foundation::events::{field, kind};
use otpsim_harness::invariant::{TraceEvent, Violation};

const NAME: &str = "workflow_isolation";

const FINISHED: [&str; 3] = ["completed", "failed", "cancelled"];

/// Checks every abnormal exit against the workflows hosted by the exiting process.
pub fn workflow_isolation(events: &[TraceEvent]) -> Vec<Violation> {
    // workflow -> (host, finished, the event that said so)
    let mut hosted: BTreeMap<&str, (&str, bool, &TraceEvent)> = BTreeMap::new();
    let mut violations = Vec::new();
    for e in events {
        match e.kind.as_str() {
            kind::STEP_RUN | kind::WORKFLOW_STATUS => {
                let (Some(w), Some(host)) = (e.get(field::WORKFLOW), e.get(field::HOST)) else { continue };
                let finished = e.get(field::STATUS).is_some_and(|s| FINISHED.iter().any(|f| s.starts_with(f)));
                hosted.insert(w, (host, finished, e));
            }
            kind::EXIT => {
                let (Some(pid), Some(reason)) = (e.get(field::PID), e.get(field::REASON)) else { continue };
                if reason == "normal" || reason == "shutdown" {
                    continue;
                }
                let victims: Vec<(&str, &TraceEvent)> = hosted
                    .iter()
                    .filter(|(_, (host, finished, _))| *host == pid && !finished)
                    .map(|(w, (_, _, ev))| (*w, *ev))
                    .collect();
                if victims.len() > 1 {
                    let names: Vec<&str> = victims.iter().map(|(w, _)| *w).collect();
                    let message =
                        format!("process {pid} exited ({reason}) with workflows {} inside it", names.join(", "));
                    let mut v = Violation::new(NAME, e.time, message).id("pid", pid);
                    for w in &names {
                        v = v.id("workflow", w);
                    }
                    violations.push(v.evidence(victims.iter().map(|(_, ev)| *ev).chain([e])));
                }
                hosted.retain(|_, (host, _, _)| *host != pid);
            }
            _ => {}
        }
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::events;
    use super::*;

    #[test]
    fn a_crash_of_one_workflows_process_holds() {
        let e = events(&[
            "1.000000000s otpsim::foundation event=step_run workflow=1 step=0 host=<0.5.0>",
            "1.000000000s otpsim::foundation event=step_run workflow=2 step=0 host=<0.6.0>",
            r#"1.500000000s otpsim event=exit pid=<0.5.0> reason="panic: defect""#,
        ]);
        assert!(workflow_isolation(&e).is_empty());
    }

    #[test]
    fn a_crash_taking_two_workflows_down_is_flagged() {
        let e = events(&[
            "1.000000000s otpsim::foundation event=step_run workflow=1 step=0 host=<0.5.0>",
            "1.000000000s otpsim::foundation event=step_run workflow=2 step=3 host=<0.5.0>",
            r#"1.500000000s otpsim event=exit pid=<0.5.0> reason="panic: defect""#,
        ]);
        let v = workflow_isolation(&e);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].ids.len(), 3);
    }

    #[test]
    fn finished_workflows_do_not_count() {
        let e = events(&[
            "1.000000000s otpsim::foundation event=workflow_status workflow=1 status=completed host=<0.5.0>",
            "1.000000000s otpsim::foundation event=step_run workflow=2 step=3 host=<0.5.0>",
            "1.500000000s otpsim event=exit pid=<0.5.0> reason=killed",
        ]);
        assert!(workflow_isolation(&e).is_empty());
    }
}
