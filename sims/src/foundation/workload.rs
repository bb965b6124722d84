//! The workload of one seed: every task and workflow the clients will submit, drawn
//! from the seed's "workload" stream before the run starts.

use std::time::Duration;

use otpsim_foundation::workflow::{StepSpec, WorkflowId, WorkflowSpec};
use otpsim_foundation::{Behavior, TaskId, TaskSpec, TaskType};
use otpsim_runtime::rng::stream;
use rand::Rng;

use super::oracle;
use super::schema::{System, Workload};

/// A task and when its client submits it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedTask {
    /// When the client submits it.
    pub at: Duration,
    /// Which client submits it.
    pub client: u32,
    /// The task.
    pub spec: TaskSpec,
}

/// A workflow, when it starts, and when (if ever) a client cancels it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedWorkflow {
    /// When a client starts it.
    pub at: Duration,
    /// When a client cancels it, if it does.
    pub cancel_at: Option<Duration>,
    /// The workflow.
    pub spec: WorkflowSpec,
}

/// Everything the clients of one seed do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Tasks in submission order.
    pub tasks: Vec<PlannedTask>,
    /// Workflows in start order.
    pub workflows: Vec<PlannedWorkflow>,
}

impl Plan {
    /// Draws the workload of `seed`.
    pub fn draw(seed: u64, system: &System, workload: &Workload) -> Plan {
        let mut rng = stream(seed, "workload");
        let over = workload.submit_over.0.as_nanos() as u64;
        let (low, high) = (workload.task_time.min, workload.task_time.max);
        let time_in = |rng: &mut otpsim_runtime::rng::Stream| Duration::from_nanos(rng.gen_range(0..=over));
        let mut tasks: Vec<PlannedTask> = (0..workload.tasks)
            .map(|i| {
                let at = time_in(&mut rng);
                let work = draw_between(&mut rng, low, high);
                let roll: f64 = rng.gen();
                let w = workload;
                let behavior = if roll < w.defect_rate.0 {
                    Behavior::Defect
                } else if roll < w.defect_rate.0 + w.error_rate.0 {
                    Behavior::FailPermanently
                } else if roll < w.defect_rate.0 + w.error_rate.0 + w.transient_rate.0 {
                    Behavior::FailTransiently { times: rng.gen_range(1..=3) }
                } else {
                    Behavior::Succeed
                };
                let kind = if rng.gen_bool(w.unsupported_rate.0) {
                    TaskType::Other("legacy_export".to_owned())
                } else {
                    oracle::SERVICES[rng.gen_range(0..oracle::SERVICES.len())].0.clone()
                };
                let spec = TaskSpec { id: TaskId(u64::from(i) + 1), kind, work, behavior };
                PlannedTask { at, client: i % workload.clients.max(1), spec }
            })
            .collect();
        tasks.sort_by_key(|t| (t.at, t.spec.id));
        let workflows = (0..system.workflows)
            .map(|i| {
                let at = time_in(&mut rng);
                let steps = (0..system.workflow_steps)
                    .map(|_| StepSpec {
                        work: draw_between(&mut rng, low, high),
                        defect: rng.gen_bool(workload.step_defect_rate.0),
                    })
                    .collect::<Vec<_>>();
                let total: Duration = steps.iter().map(|s| s.work).sum();
                let cancel_at = rng
                    .gen_bool(workload.cancel_rate.0)
                    .then(|| at + draw_between(&mut rng, Duration::ZERO, total.max(Duration::from_millis(1))));
                PlannedWorkflow { at, cancel_at, spec: WorkflowSpec { id: WorkflowId(u64::from(i) + 1), steps } }
            })
            .collect();
        Plan { tasks, workflows }
    }
}

fn draw_between(rng: &mut otpsim_runtime::rng::Stream, low: Duration, high: Duration) -> Duration {
    if high <= low {
        return low;
    }
    Duration::from_nanos(rng.gen_range(low.as_nanos() as u64..=high.as_nanos() as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_draws_the_same_workload() {
        let (s, w) = (System::default(), Workload::default());
        assert_eq!(Plan::draw(5, &s, &w), Plan::draw(5, &s, &w));
        assert_ne!(Plan::draw(5, &s, &w), Plan::draw(6, &s, &w));
    }

    #[test]
    fn rates_shape_the_tasks() {
        let w = Workload { tasks: 2000, error_rate: otpsim_harness::scenario::Probability(0.5), ..Workload::default() };
        let plan = Plan::draw(1, &System::default(), &w);
        let failing = plan.tasks.iter().filter(|t| t.spec.behavior == Behavior::FailPermanently).count();
        assert!((800..1200).contains(&failing), "{failing} of 2000");
        assert!(plan.tasks.windows(2).all(|p| p[0].at <= p[1].at));
        assert_eq!(plan.workflows.len(), 4);
    }
}
