//! The Workflow process: one per workflow, running its steps in order.
//!
//! Before a step starts, its attempt count is synced; after it ends, its result and
//! the next step index are. A restarted process restores the record and resumes at
//! the first step without a result, so no completed step runs twice. While a step's
//! work goes on the process answers cancel requests, so a cancel never waits for the
//! rest of the workflow.

use std::time::Duration;

use otpsim_runtime::gen_server::start_link_with;
use otpsim_runtime::supervisor::{ChildSpec, Restart};
use otpsim_runtime::{reached, Ctx, Message, Reason, ReplyTo, SpawnOpts};

use super::record::{self, WorkflowRecord};
use super::{
    emit_cancel, emit_results, emit_status, emit_step_done, emit_step_run, step_result, WorkflowId, WorkflowStatus,
};
use crate::config::Config;
use crate::flaws::Flaw;

/// The label of workflow processes (fault injection picks crash targets by it).
pub const LABEL: &str = "workflow";

/// The gen-server call that cancels a workflow; answered with its new status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct CancelRequest;

/// The name workflow `id`'s process registers on node 0: at most one process runs a
/// workflow, even when a start races a restart.
pub(super) fn name(id: WorkflowId) -> String {
    String::from("workflow/") + id.text().as_str()
}

/// The flaws that change what a workflow process does.
#[derive(Clone, Copy, Debug)]
struct Policy {
    restart_from_zero: bool,
    cancel_ignored: bool,
}

impl Policy {
    fn of(config: &Config) -> Self {
        Policy {
            restart_from_zero: config.has(Flaw::WorkflowRestartFromZero),
            cancel_ignored: config.has(Flaw::CancelIgnored),
        }
    }
}

/// The WorkflowSupervisor's child spec for workflow `id`: transient, so a finished
/// (or cancelled) workflow is forgotten and a crashed one restarts from its record.
pub(super) fn child_spec(id: WorkflowId, config: &Config) -> ChildSpec {
    let policy = Policy::of(config);
    ChildSpec::new(name(id), move |ctx: &Ctx| {
        Box::pin(start_link_with(ctx, ctx.node(), SpawnOpts::labelled(LABEL), move |c: &Ctx| {
            let workflow = Workflow::restore(c, id, policy);
            Ok(move |c: Ctx| async move {
                match workflow {
                    Some(workflow) => workflow.run(c).await,
                    None => Reason::Normal,
                }
            })
        }))
    })
    .restart(Restart::Transient)
}

/// A running workflow's state: its record (as last synced, plus what is in progress).
struct Workflow {
    record: WorkflowRecord,
    policy: Policy,
}

impl Workflow {
    /// Restores workflow `id` from its record; `None` if there is nothing to run (it
    /// is finished, unknown, or another process already runs it).
    fn restore(ctx: &Ctx, id: WorkflowId, policy: Policy) -> Option<Self> {
        ctx.register(&name(id)).ok()?;
        let mut record = ctx.with_store(|s| record::load(s, id))?;
        if record.status.is_finished() {
            return None;
        }
        let me = ctx.pid();
        if record.attempts.get(record.next_step).is_some_and(|&n| n > 0) {
            // A step had started and not finished: its process or node crashed in it.
            reached!("workflow.resumed_after_crash_in_step");
            if record.next_step > 0 {
                reached!("workflow.resumed_after_steps_done");
            }
        }
        match record.status {
            WorkflowStatus::Initialized => {
                emit_status(id, &record.status, me);
                record.status = WorkflowStatus::Running { step: record.next_step };
                ctx.with_store(|s| record::save(s, &record));
                emit_status(id, &record.status, me);
            }
            // The original rebuilt a restarted workflow from its start arguments.
            _ if policy.restart_from_zero => {
                record.next_step = 0;
                record.results.clear();
                record.status = WorkflowStatus::Running { step: 0 };
                ctx.with_store(|s| record::save(s, &record));
            }
            _ => {}
        }
        Some(Workflow { record, policy })
    }

    fn id(&self) -> WorkflowId {
        self.record.id()
    }

    fn save(&self, ctx: &Ctx) {
        ctx.with_store(|s| record::save(s, &self.record));
    }

    /// Runs the remaining steps; exits normally once finished.
    async fn run(mut self, ctx: Ctx) -> Reason {
        let id = self.id();
        if self.record.cancel_requested && !self.policy.cancel_ignored {
            return self.finish(&ctx, WorkflowStatus::Cancelled, None);
        }
        loop {
            // A cancel that arrived while the last step was being recorded wins.
            if let Some(caller) = self.serve(&ctx, ctx.now()).await {
                return self.finish(&ctx, WorkflowStatus::Cancelled, Some(caller));
            }
            let step = self.record.next_step;
            let Some(spec) = self.record.spec.steps.get(step).cloned() else {
                return self.finish(&ctx, WorkflowStatus::Completed, None);
            };
            self.record.attempts[step] += 1;
            self.record.status = WorkflowStatus::Running { step };
            self.save(&ctx);
            emit_step_run(id, step, ctx.pid());
            if let Some(caller) = self.serve(&ctx, ctx.now() + spec.work).await {
                return self.finish(&ctx, WorkflowStatus::Cancelled, Some(caller));
            }
            if spec.defect && self.record.attempts[step] == 1 {
                reached!("workflow.step_defect");
                tracing::debug!(target: crate::events::TARGET, event = crate::events::kind::DEFECT, workflow = id.text().as_str(),
                    step = step as u64, pid = ctx.pid().text().as_str());
                panic!("workflow {id} step {step}: injected defect");
            }
            self.record.results.push(step_result(id, step));
            self.record.next_step = step + 1;
            self.save(&ctx);
            emit_step_done(id, step);
        }
    }

    /// Records the final status, answers the canceller if there is one, and exits.
    fn finish(&mut self, ctx: &Ctx, status: WorkflowStatus, caller: Option<ReplyTo>) -> Reason {
        self.record.status = status;
        self.save(ctx);
        emit_status(self.id(), &self.record.status, ctx.pid());
        if self.record.status == WorkflowStatus::Completed {
            emit_results(self.id(), &self.record.results);
        }
        if let Some(caller) = caller {
            ctx.reply(caller, self.record.status.clone());
        }
        Reason::Normal
    }

    /// Answers requests until `deadline` (simulated time), queued ones first.
    /// Returns the caller of a cancel that stops the workflow.
    async fn serve(&mut self, ctx: &Ctx, deadline: Duration) -> Option<ReplyTo> {
        loop {
            let msg = match ctx.try_recv() {
                Some(msg) => msg,
                None => {
                    let left = deadline.saturating_sub(ctx.now());
                    if left.is_zero() {
                        return None;
                    }
                    ctx.recv_timeout(left).await?
                }
            };
            let Message::Call { from, body } = msg else {
                continue;
            };
            if !body.is::<CancelRequest>() {
                continue;
            }
            emit_cancel(self.id());
            if deadline > ctx.now() {
                reached!("workflow.cancel_during_step");
            }
            if !self.policy.cancel_ignored {
                return Some(from);
            }
            // The original set a flag that nothing read, and answered "ok".
            self.record.cancel_requested = true;
            self.save(ctx);
            ctx.reply(from, WorkflowStatus::Cancelled);
        }
    }
}
