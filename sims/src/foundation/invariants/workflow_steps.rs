//! The step record of `workflows_finish`: every workflow persists its steps in order,
//! each exactly once, and a completed one persisted all of them with their results.
//!
//! Always holds: a workflow's `step_done` events name steps 0, 1, 2, … in that order,
//! none twice, step k starts (`step_run`) only after step k-1 is done, and no step is
//! done that never started (a result nothing computed). Eventually
//! holds: a workflow that ended completed persisted every step of its plan and
//! recorded (`workflow_results`) exactly the results the sim's
//! [`oracle`](super::super::oracle) gives for them.

use std::collections::{BTreeMap, BTreeSet};

use otpsim_foundation::events::{field, kind};
use otpsim_foundation::workflow::WorkflowStatus;
use otpsim_harness::invariant::{TraceEvent, Violation};

use super::super::oracle;
use super::super::record::Record;

const NAME: &str = "workflows_finish";

/// One workflow's steps as the trace shows them.
#[derive(Default)]
struct Steps<'a> {
    started: BTreeSet<usize>,
    done: Vec<usize>,
    results: Option<&'a TraceEvent>,
}

/// Checks step order, exactly-once persistence and the recorded results.
pub fn workflow_steps(record: &Record, events: &[TraceEvent]) -> Vec<Violation> {
    let mut violations = Vec::new();
    let mut workflows: BTreeMap<&str, Steps> = BTreeMap::new();
    for e in events {
        let Some(w) = e.get(field::WORKFLOW) else { continue };
        let step = e.get(field::STEP).and_then(|s| s.parse::<usize>().ok());
        let steps = match e.kind.as_str() {
            kind::STEP_RUN | kind::STEP_DONE | kind::WORKFLOW_RESULTS => workflows.entry(w).or_default(),
            _ => continue,
        };
        let next = steps.done.len();
        if let (kind::STEP_RUN, Some(step)) = (e.kind.as_str(), step) {
            steps.started.insert(step);
        }
        let problem = match (e.kind.as_str(), step) {
            (kind::STEP_RUN, Some(step)) if step > next => {
                Some(format!("started step {step} before step {next} was done"))
            }
            (kind::STEP_DONE, Some(step)) if step != next => {
                steps.done.push(step);
                Some(format!("persisted step {step} where step {next} was due"))
            }
            (kind::STEP_DONE, Some(step)) => {
                steps.done.push(step);
                (!steps.started.contains(&step)).then(|| format!("persisted step {step}, which never started"))
            }
            (kind::WORKFLOW_RESULTS, _) => {
                steps.results = Some(e);
                None
            }
            _ => None,
        };
        if let Some(problem) = problem {
            violations
                .push(Violation::new(NAME, e.time, format!("workflow {w} {problem}")).id("workflow", w).evidence([e]));
        }
    }
    for planned in &record.plan.workflows {
        let id = planned.spec.id;
        if record.workflows.get(&id) != Some(&Some(WorkflowStatus::Completed)) {
            continue;
        }
        let id_text = id.to_string();
        let steps = workflows.get(id_text.as_str());
        let done = steps.map_or(&[][..], |s| s.done.as_slice());
        let planned_steps: Vec<usize> = (0..planned.spec.steps.len()).collect();
        let expected: Vec<u64> = planned_steps.iter().map(|&k| oracle::step_result(id, k)).collect();
        let results = steps.and_then(|s| s.results);
        let problem = if done != planned_steps.as_slice() {
            Some(format!("ended completed having persisted steps {done:?}, not each of {planned_steps:?} once"))
        } else {
            match results.and_then(|e| e.get(field::RESULTS)) {
                None => Some("ended completed without recording its results".to_owned()),
                Some(got) if !same_results(got, &expected) => {
                    let expected: Vec<String> = expected.iter().map(u64::to_string).collect();
                    Some(format!("recorded results [{got}], not its steps' results [{}]", expected.join(",")))
                }
                Some(_) => None,
            }
        };
        if let Some(problem) = problem {
            let v = Violation::new(NAME, record.end, format!("workflow {id} {problem}")).id("workflow", id);
            violations.push(v.evidence(results));
        }
    }
    violations
}

/// Whether `got`, the comma-separated results an event recorded, are `expected`, each
/// in its decimal text.
fn same_results(got: &str, expected: &[u64]) -> bool {
    let mut got = got.split(',').filter(|r| !r.is_empty());
    let mut digits = otpsim_runtime::decimal::Buffer::new();
    expected.iter().all(|&result| got.next() == Some(digits.format(result))) && got.next().is_none()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use otpsim_foundation::workflow::StepSpec;

    use super::super::fixtures::*;
    use super::*;

    fn completed_with_two_steps() -> Record {
        let mut r = record_with_workflow(Some(WorkflowStatus::Completed), false);
        let step = StepSpec { work: Duration::from_millis(10), defect: false };
        r.plan.workflows[0].spec.steps = vec![step.clone(), step];
        r
    }

    fn results_line(results: &[u64]) -> String {
        let text: Vec<String> = results.iter().map(u64::to_string).collect();
        format!("2.000000000s otpsim::foundation event=workflow_results workflow=1 results={}", text.join(","))
    }

    fn history(extra: &[String]) -> Vec<TraceEvent> {
        let mut lines = vec![
            "1.000000000s otpsim::foundation event=step_run workflow=1 step=0 host=<0.5.0>".to_owned(),
            "1.100000000s otpsim::foundation event=step_run workflow=1 step=0 host=<0.6.0>".to_owned(),
            "1.200000000s otpsim::foundation event=step_done workflow=1 step=0".to_owned(),
        ];
        lines.extend(extra.iter().cloned());
        events(&lines.iter().map(String::as_str).collect::<Vec<_>>())
    }

    fn oracle_results() -> Vec<u64> {
        vec![
            oracle::step_result(otpsim_foundation::workflow::WorkflowId(1), 0),
            oracle::step_result(otpsim_foundation::workflow::WorkflowId(1), 1),
        ]
    }

    #[test]
    fn steps_once_in_order_with_their_results_hold() {
        let e = history(&[
            "1.300000000s otpsim::foundation event=step_run workflow=1 step=1 host=<0.6.0>".to_owned(),
            "1.400000000s otpsim::foundation event=step_done workflow=1 step=1".to_owned(),
            results_line(&oracle_results()),
        ]);
        let v = workflow_steps(&completed_with_two_steps(), &e);
        assert!(v.is_empty(), "{v:?}");
    }

    #[test]
    fn a_skipped_step_is_flagged() {
        let e = history(&[
            "1.300000000s otpsim::foundation event=step_run workflow=1 step=2 host=<0.6.0>".to_owned(),
            results_line(&oracle_results()[..1]),
        ]);
        let v = workflow_steps(&completed_with_two_steps(), &e);
        assert_eq!(v.len(), 2, "{v:?}");
        assert!(v[0].message.contains("started step 2 before step 1 was done"), "{}", v[0]);
        assert!(v[1].message.contains("persisted steps [0], not each of [0, 1] once"), "{}", v[1]);
    }

    #[test]
    fn a_step_persisted_twice_is_flagged() {
        let e = history(&["1.300000000s otpsim::foundation event=step_done workflow=1 step=0".to_owned()]);
        let v = workflow_steps(&completed_with_two_steps(), &e);
        assert!(v[0].message.contains("persisted step 0 where step 1 was due"), "{}", v[0]);
    }

    #[test]
    fn a_step_done_that_never_started_is_flagged() {
        let e = history(&[
            "1.400000000s otpsim::foundation event=step_done workflow=1 step=1".to_owned(),
            results_line(&oracle_results()),
        ]);
        let v = workflow_steps(&completed_with_two_steps(), &e);
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].message.contains("persisted step 1, which never started"), "{}", v[0]);
    }

    #[test]
    fn wrong_or_missing_results_are_flagged() {
        let steps = [
            "1.300000000s otpsim::foundation event=step_run workflow=1 step=1 host=<0.6.0>".to_owned(),
            "1.400000000s otpsim::foundation event=step_done workflow=1 step=1".to_owned(),
        ];
        let v = workflow_steps(&completed_with_two_steps(), &history(&steps));
        assert!(v[0].message.contains("without recording its results"), "{}", v[0]);
        let mut wrong = steps.to_vec();
        wrong.push(results_line(&[oracle_results()[0], 7]));
        let v = workflow_steps(&completed_with_two_steps(), &history(&wrong));
        assert!(v[0].message.contains("not its steps' results"), "{}", v[0]);
        // Too few or too many results, or one written with a leading zero.
        let [first, second] = [oracle_results()[0], oracle_results()[1]];
        for results in [vec![first], vec![first, second, second]] {
            let mut odd = steps.to_vec();
            odd.push(results_line(&results));
            let v = workflow_steps(&completed_with_two_steps(), &history(&odd));
            assert!(v[0].message.contains("not its steps' results"), "{results:?}: {v:?}");
        }
        let mut padded = steps.to_vec();
        padded.push(results_line(&oracle_results()).replace(&format!(",{second}"), &format!(",0{second}")));
        let v = workflow_steps(&completed_with_two_steps(), &history(&padded));
        assert!(v[0].message.contains("not its steps' results"), "{v:?}");
    }
}
