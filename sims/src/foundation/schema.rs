//! The foundation sim's part of a scenario file: `[system]`, `[workload]`, and (from
//! the system itself) `[config]` and `flaws`.

use otpsim_harness::scenario::{DelayRange, Dur, Probability, SimSchema};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The foundation sim's schema.
#[derive(Clone, Debug)]
pub struct Foundation;

impl SimSchema for Foundation {
    type System = System;
    type Workload = Workload;
    type Config = otpsim_foundation::Config;
    type Flaw = otpsim_foundation::Flaw;

    fn fault_targets() -> &'static [&'static str] {
        TARGETS
    }
}

/// Process kinds (labels) fault injection may target; a registered name such as
/// `task_agent/2` picks one process.
pub const TARGETS: &[&str] =
    &["task_agent", "coordinator", "workflow", "coordination_manager", "workflow_supervisor", "agent_supervisor"];

/// `[system]`: the cluster and its processes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct System {
    /// Nodes running the system (clients run on one more node of their own).
    pub nodes: u32,
    /// Task agents, spread over the nodes.
    pub task_agents: u32,
    /// Workflows the clients start.
    pub workflows: u32,
    /// Steps per workflow.
    pub workflow_steps: u32,
}

impl Default for System {
    fn default() -> Self {
        System { nodes: 3, task_agents: 8, workflows: 4, workflow_steps: 5 }
    }
}

/// `[workload]`: what the clients do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Workload {
    /// Tasks submitted in all.
    pub tasks: u32,
    /// Client processes sharing the tasks.
    pub clients: u32,
    /// Submissions are spread over this time from the start.
    pub submit_over: Dur,
    /// How long one execution of a task takes: drawn from this range.
    pub task_time: DelayRange,
    /// Tasks that fail with an expected, permanent error.
    pub error_rate: Probability,
    /// Tasks that fail with transient errors (one to three times) before succeeding.
    pub transient_rate: Probability,
    /// Tasks that hit a programming defect (a panic).
    pub defect_rate: Probability,
    /// Tasks of a type the system does not support.
    pub unsupported_rate: Probability,
    /// Workflow steps that hit a programming defect the first time they run.
    pub step_defect_rate: Probability,
    /// Workflows the clients cancel while they run.
    pub cancel_rate: Probability,
    /// How long a client waits for one answer before retrying.
    pub request_timeout: Dur,
}

impl Default for Workload {
    fn default() -> Self {
        Workload {
            tasks: 100,
            clients: 4,
            submit_over: Dur(Duration::from_secs(10)),
            task_time: DelayRange { min: Duration::from_millis(5), max: Duration::from_millis(200) },
            error_rate: Probability(0.05),
            transient_rate: Probability(0.05),
            defect_rate: Probability(0.0),
            unsupported_rate: Probability(0.0),
            step_defect_rate: Probability(0.0),
            cancel_rate: Probability(0.0),
            request_timeout: Dur(Duration::from_secs(2)),
        }
    }
}
