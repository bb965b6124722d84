//! Workflows: multi-step jobs, each in its own process under a dynamic supervisor.
//!
//! A workflow runs its steps in order. After every step its progress (step index,
//! step results, attempt counts) is synced to node 0's Store, so a workflow that
//! crashes — its process, its supervisor or its whole node — resumes at the first
//! incomplete step and never re-runs a completed one. A finished workflow exits
//! normally and its supervisor forgets it.
//!
//! - [`supervisor_child_spec`]: the WorkflowSupervisor, for the production tree.
//! - [`start`], [`cancel`], [`status`]: the client side, idempotent on the workflow id.
//! - [`god::GodWorkflows`]: the original's design (the `god_coordinator` flaw), every
//!   workflow inside the coordinator's own process.

use std::fmt;
use std::time::Duration;

use crate::events::kind;
use otpsim_runtime::supervisor::SupervisorError;
use otpsim_runtime::{CallError, IdText, Pid};
use serde::{Deserialize, Serialize};

mod api;
pub mod god;
pub mod record;
mod supervisor;
// The Workflow process, named as the original names it.
#[allow(clippy::module_inception)]
mod workflow;

pub use api::{cancel, start, status};
pub use supervisor::{supervisor_child_spec, LABEL as SUPERVISOR_LABEL, NAME as SUPERVISOR_NAME};
pub use workflow::LABEL as WORKFLOW_LABEL;

/// How long the client side waits for node 0 or a workflow to answer: OTP's default
/// call timeout.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// A workflow's id, unique per run; also the idempotency key of [`start`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct WorkflowId(pub u64);

impl WorkflowId {
    /// The id's text, as events carry it, made without the formatter.
    pub fn text(self) -> IdText {
        IdText::decimal(self.0)
    }
}

impl fmt::Display for WorkflowId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text().as_str())
    }
}

/// One step of a workflow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepSpec {
    /// How long the step's work takes.
    pub work: Duration,
    /// An injected programming defect: the step panics the first time it runs and
    /// succeeds when it is run again after the restart.
    pub defect: bool,
}

/// A workflow as started.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkflowSpec {
    /// Its id.
    pub id: WorkflowId,
    /// Its steps, run in order.
    pub steps: Vec<StepSpec>,
}

/// Where a workflow is in its life.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum WorkflowStatus {
    /// Recorded, not yet running.
    Initialized,
    /// Running (or about to run) step `step`, counted from 0.
    Running {
        /// The step's index.
        step: usize,
    },
    /// Every step ran.
    Completed,
    /// It stopped for this reason (the original's status set; this port's steps never fail for good).
    Failed(String),
    /// It was cancelled.
    Cancelled,
    /// No workflow with this id is known.
    Unknown,
}

impl WorkflowStatus {
    /// True once the workflow will never run again.
    pub fn is_finished(&self) -> bool {
        matches!(self, WorkflowStatus::Completed | WorkflowStatus::Failed(_) | WorkflowStatus::Cancelled)
    }

    /// The name the `workflow_status` event uses.
    pub fn name(&self) -> &'static str {
        match self {
            WorkflowStatus::Initialized => "initialized",
            WorkflowStatus::Running { .. } => "running",
            WorkflowStatus::Completed => "completed",
            WorkflowStatus::Failed(_) => "failed",
            WorkflowStatus::Cancelled => "cancelled",
            WorkflowStatus::Unknown => "unknown",
        }
    }
}

impl fmt::Display for WorkflowStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WorkflowStatus::Running { step } => write!(f, "running({step})"),
            WorkflowStatus::Failed(reason) => write!(f, "failed({reason})"),
            other => f.write_str(other.name()),
        }
    }
}

/// Why a client-side workflow operation got no answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WorkflowError {
    /// Node 0 or the workflow's process could not be reached or did not answer.
    Unreachable(CallError),
    /// The workflow supervisor refused or failed to start the workflow's process.
    Start(SupervisorError),
}

impl fmt::Display for WorkflowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WorkflowError::Unreachable(err) => write!(f, "workflow side unreachable: {err}"),
            WorkflowError::Start(err) => write!(f, "workflow did not start: {err}"),
        }
    }
}

impl std::error::Error for WorkflowError {}

/// The result step `step` of workflow `id` produces (deterministic).
pub fn step_result(id: WorkflowId, step: usize) -> u64 {
    let mut key = String::from("workflow/");
    key.push_str(id.text().as_str());
    key.push_str("/step/");
    otpsim_runtime::decimal::push(&mut key, step as u64);
    otpsim_runtime::rng::fnv1a(key.as_bytes())
}

/// The `step_run` event: step `step` starts executing in process `host`.
fn emit_step_run(id: WorkflowId, step: usize, host: Pid) {
    tracing::debug!(target: "otpsim::foundation", event = kind::STEP_RUN, workflow = id.text().as_str(), step = step as u64, host = host.text().as_str());
}

/// The `step_done` event: step `step`'s result is recorded.
fn emit_step_done(id: WorkflowId, step: usize) {
    tracing::debug!(target: "otpsim::foundation", event = kind::STEP_DONE, workflow = id.text().as_str(), step = step as u64);
}

/// The `workflow_results` event: workflow `id` completed with these recorded results.
fn emit_results(id: WorkflowId, results: &[u64]) {
    let mut text = String::with_capacity(results.len() * 21);
    for (at, result) in results.iter().enumerate() {
        if at > 0 {
            text.push(',');
        }
        otpsim_runtime::decimal::push(&mut text, *result);
    }
    tracing::debug!(target: "otpsim::foundation", event = kind::WORKFLOW_RESULTS, workflow = id.text().as_str(), results = text.as_str());
}

/// The `workflow_status` event: the workflow hosted by `host` changed status.
fn emit_status(id: WorkflowId, status: &WorkflowStatus, host: Pid) {
    tracing::debug!(target: "otpsim::foundation", event = kind::WORKFLOW_STATUS, workflow = id.text().as_str(), status = status.name(), host = host.text().as_str());
}

/// The `workflow_cancel` event: a cancel request reached the workflow side.
fn emit_cancel(id: WorkflowId) {
    tracing::debug!(target: "otpsim::foundation", event = kind::WORKFLOW_CANCEL, workflow = id.text().as_str());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_completed_failed_and_cancelled_are_finished() {
        assert!(WorkflowStatus::Completed.is_finished());
        assert!(WorkflowStatus::Cancelled.is_finished());
        assert!(WorkflowStatus::Failed("x".into()).is_finished());
        assert!(!WorkflowStatus::Initialized.is_finished());
        assert!(!WorkflowStatus::Running { step: 2 }.is_finished());
        assert!(!WorkflowStatus::Unknown.is_finished());
        assert_eq!(WorkflowStatus::Running { step: 2 }.to_string(), "running(2)");
    }

    #[test]
    fn step_results_differ_per_step_and_workflow() {
        let a = step_result(WorkflowId(1), 0);
        assert_eq!(a, step_result(WorkflowId(1), 0));
        assert_ne!(a, step_result(WorkflowId(1), 1));
        assert_ne!(a, step_result(WorkflowId(2), 0));
    }
}
