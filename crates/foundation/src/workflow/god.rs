//! The original's "god" design, kept as the `god_coordinator` flaw: every workflow runs
//! inside the coordinator's own process.
//!
//! The coordinator embeds a [`GodWorkflows`] and hands it the messages it sends itself.
//! Workflow state lives only in that process's memory, so one step's defect crashes
//! the coordinator and every workflow with it, and a restarted coordinator knows none
//! of them.

use std::collections::BTreeMap;

use otpsim_runtime::{reached, Ctx, Message, Ref};

use super::{emit_cancel, emit_results, emit_status, emit_step_done, emit_step_run, step_result};
use super::{WorkflowId, WorkflowSpec, WorkflowStatus};
use crate::config::Config;
use crate::flaws::Flaw;

/// The message that ends one step's work (sent by the host to itself).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct StepElapsed {
    workflow: WorkflowId,
    step: usize,
}

/// One workflow, in memory only.
#[derive(Debug)]
struct Run {
    spec: WorkflowSpec,
    status: WorkflowStatus,
    results: Vec<u64>,
    /// Starts per step; like everything here, lost with the process.
    attempts: Vec<u32>,
    timer: Option<Ref>,
}

/// Every workflow of a coordinator, run inside the coordinator's process.
#[derive(Debug)]
pub struct GodWorkflows {
    runs: BTreeMap<WorkflowId, Run>,
    cancel_ignored: bool,
}

impl GodWorkflows {
    /// No workflows yet. Honours the `cancel_ignored` flaw of `config`.
    pub fn new(config: &Config) -> Self {
        GodWorkflows { runs: BTreeMap::new(), cancel_ignored: config.has(Flaw::CancelIgnored) }
    }

    /// Starts `spec` in this process; a known id changes nothing. Answers its status.
    pub fn start(&mut self, ctx: &Ctx, spec: WorkflowSpec) -> WorkflowStatus {
        let id = spec.id;
        if let Some(run) = self.runs.get(&id) {
            return run.status.clone();
        }
        let steps = spec.steps.len();
        let run = Run {
            spec,
            status: WorkflowStatus::Initialized,
            results: Vec::new(),
            attempts: vec![0; steps],
            timer: None,
        };
        emit_status(id, &run.status, ctx.pid());
        self.runs.insert(id, run);
        self.set_status(ctx, id, WorkflowStatus::Running { step: 0 });
        self.begin_step(ctx, id);
        self.status(id)
    }

    /// Cancels workflow `id`; a finished or unknown one changes nothing. Answers its status.
    pub fn cancel(&mut self, ctx: &Ctx, id: WorkflowId) -> WorkflowStatus {
        let Some(run) = self.runs.get_mut(&id) else {
            return WorkflowStatus::Unknown;
        };
        if run.status.is_finished() {
            return run.status.clone();
        }
        emit_cancel(id);
        if self.cancel_ignored {
            // The original set a flag that nothing read, and answered "ok".
            return WorkflowStatus::Cancelled;
        }
        if let Some(timer) = run.timer.take() {
            ctx.cancel_timer(timer);
        }
        self.set_status(ctx, id, WorkflowStatus::Cancelled);
        WorkflowStatus::Cancelled
    }

    /// Workflow `id`'s status as this process remembers it.
    pub fn status(&self, id: WorkflowId) -> WorkflowStatus {
        self.runs.get(&id).map_or(WorkflowStatus::Unknown, |run| run.status.clone())
    }

    /// Takes the message if it is one of this struct's step timers: records the step
    /// and starts the next. A defect step panics here, in the host's process. Returns
    /// false for any other message.
    pub fn handle_info(&mut self, ctx: &Ctx, msg: &Message) -> bool {
        let Some(&StepElapsed { workflow: id, step }) = msg.info::<StepElapsed>() else {
            return false;
        };
        let Some(run) = self.runs.get_mut(&id) else {
            return true;
        };
        if run.status != (WorkflowStatus::Running { step }) {
            return true;
        }
        run.timer = None;
        if run.spec.steps[step].defect && run.attempts[step] == 1 {
            reached!("workflow.step_defect");
            panic!("workflow {id} step {step}: injected defect");
        }
        run.results.push(step_result(id, step));
        emit_step_done(id, step);
        self.set_status(ctx, id, WorkflowStatus::Running { step: step + 1 });
        self.begin_step(ctx, id);
        true
    }

    /// Starts the step the workflow is at, or completes it after the last one.
    fn begin_step(&mut self, ctx: &Ctx, id: WorkflowId) {
        let run = self.runs.get_mut(&id).expect("begin_step of a known workflow");
        let step = run.results.len();
        let Some(work) = run.spec.steps.get(step).map(|s| s.work) else {
            emit_results(id, &run.results);
            self.set_status(ctx, id, WorkflowStatus::Completed);
            return;
        };
        run.attempts[step] += 1;
        emit_step_run(id, step, ctx.pid());
        run.timer = Some(ctx.send_after(ctx.pid(), StepElapsed { workflow: id, step }, work));
    }

    fn set_status(&mut self, ctx: &Ctx, id: WorkflowId, status: WorkflowStatus) {
        let run = self.runs.get_mut(&id).expect("set_status of a known workflow");
        // Steps change the index, not the status: only report a new kind of status.
        let changed = run.status.name() != status.name();
        run.status = status;
        if changed {
            emit_status(id, &run.status, ctx.pid());
        }
    }
}
