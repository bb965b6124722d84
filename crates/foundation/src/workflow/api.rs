//! The client side of workflows: start, cancel and status, idempotent on the id.
//!
//! Each runs where the records are, on the workflow supervisor's node (node 0). A
//! caller on another node runs it through a short-lived process spawned there, as
//! `rpc:call` does, so the answer always comes from node 0's durable records.

use otpsim_runtime::supervisor::dynamic;
use otpsim_runtime::{CallError, Ctx, Dest, Message, NodeId, Reason, SpawnOpts};

use super::record::{self, WorkflowRecord};
use super::workflow::{self, CancelRequest};
use super::{emit_cancel, WorkflowError, WorkflowId, WorkflowSpec, WorkflowStatus, CALL_TIMEOUT};
use crate::config::Config;

/// Starts workflow `spec` under the workflow supervisor `sup`, after durably recording
/// it. Starting an id that is already known changes nothing and answers its status.
pub async fn start(
    ctx: &Ctx,
    sup: impl Into<Dest>,
    spec: WorkflowSpec,
    config: &Config,
) -> Result<WorkflowStatus, WorkflowError> {
    let sup = sup.into();
    let home = home(&sup);
    on_node(ctx, home, Op::Start { sup, spec, config: Box::new(config.clone()) }).await
}

/// Cancels workflow `id` of the workflow supervisor `sup`; answers `Cancelled` once the
/// cancel is durable. Cancelling a finished or unknown workflow changes nothing and
/// answers its status.
pub async fn cancel(ctx: &Ctx, sup: impl Into<Dest>, id: WorkflowId) -> Result<WorkflowStatus, WorkflowError> {
    on_node(ctx, home(&sup.into()), Op::Cancel { id }).await
}

/// Workflow `id`'s status, from its durable record on `node0` (`Unknown` if it was
/// never started).
pub async fn status(ctx: &Ctx, node0: NodeId, id: WorkflowId) -> Result<WorkflowStatus, WorkflowError> {
    on_node(ctx, node0, Op::Status { id }).await
}

/// One client-side operation, to run on node 0.
#[derive(Clone, Debug)]
enum Op {
    Start { sup: Dest, spec: WorkflowSpec, config: Box<Config> },
    Cancel { id: WorkflowId },
    Status { id: WorkflowId },
}

/// The answer of an operation run on another node.
#[derive(Clone, Debug)]
struct RpcAnswer(Result<WorkflowStatus, WorkflowError>);

/// The node a supervisor runs on.
fn home(sup: &Dest) -> NodeId {
    match sup {
        Dest::Pid(pid) => pid.node,
        Dest::Name(node, _) => *node,
    }
}

/// Runs `op` on `node`: here if this process is there, else in a process spawned there.
async fn on_node(ctx: &Ctx, node: NodeId, op: Op) -> Result<WorkflowStatus, WorkflowError> {
    if ctx.node() == node {
        return perform(ctx, op).await;
    }
    let caller = ctx.pid();
    let worker = ctx.spawn_opts(node, SpawnOpts::default(), move |c: Ctx| async move {
        let answer = perform(&c, op).await;
        c.send(caller, RpcAnswer(answer));
    });
    let watch = ctx.monitor(worker);
    let is_answer = |m: &Message| match m {
        Message::Info { from, body } => *from == worker && body.is::<RpcAnswer>(),
        Message::Down(down) => down.monitor == watch,
        _ => false,
    };
    // The worker may itself wait for a call of CALL_TIMEOUT before it answers.
    let answer = madsim::time::timeout(CALL_TIMEOUT * 2, ctx.recv_match(is_answer)).await;
    ctx.demonitor_flush(watch);
    match answer {
        Ok(Message::Info { body, .. }) => match body.downcast::<RpcAnswer>() {
            Ok(RpcAnswer(answer)) => answer,
            Err(_) => unreachable!("recv_match only accepts an RpcAnswer from the worker"),
        },
        // It exited without an answer (lost on the way, or the node went down).
        Ok(Message::Down(down)) => Err(WorkflowError::Unreachable(CallError::Exit(down.reason))),
        Ok(_) => unreachable!("recv_match only accepts the answer or the DOWN"),
        Err(_) => {
            ctx.exit(worker, Reason::Kill);
            Err(WorkflowError::Unreachable(CallError::Timeout))
        }
    }
}

async fn perform(ctx: &Ctx, op: Op) -> Result<WorkflowStatus, WorkflowError> {
    match op {
        Op::Start { sup, spec, config } => start_here(ctx, sup, spec, &config).await,
        Op::Cancel { id } => cancel_here(ctx, id).await,
        Op::Status { id } => Ok(status_here(ctx, id)),
    }
}

fn status_here(ctx: &Ctx, id: WorkflowId) -> WorkflowStatus {
    ctx.with_store(|s| record::load(s, id)).map_or(WorkflowStatus::Unknown, |r| r.status)
}

async fn start_here(
    ctx: &Ctx,
    sup: Dest,
    spec: WorkflowSpec,
    config: &Config,
) -> Result<WorkflowStatus, WorkflowError> {
    let id = spec.id;
    match ctx.with_store(|s| record::load(s, id)) {
        Some(known) if known.status.is_finished() || ctx.whereis(ctx.node(), &workflow::name(id)).is_some() => {
            return Ok(known.status);
        }
        // Recorded but not running (its restart is pending): starting it again is
        // harmless, as a second process for one workflow leaves at once.
        Some(_) => {}
        None => ctx.with_store(|s| record::save(s, &WorkflowRecord::new(spec))),
    }
    dynamic::start_child(ctx, sup, workflow::child_spec(id, config)).await.map_err(WorkflowError::Start)?;
    Ok(status_here(ctx, id))
}

async fn cancel_here(ctx: &Ctx, id: WorkflowId) -> Result<WorkflowStatus, WorkflowError> {
    loop {
        let Some(mut known) = ctx.with_store(|s| record::load(s, id)) else {
            return Ok(WorkflowStatus::Unknown);
        };
        if known.status.is_finished() {
            return Ok(known.status);
        }
        let Some(process) = ctx.whereis(ctx.node(), &workflow::name(id)) else {
            // Nobody runs it right now (its restart is pending): the request waits in
            // the record, where the restarted process finds it.
            emit_cancel(id);
            known.cancel_requested = true;
            ctx.with_store(|s| record::save(s, &known));
            return Ok(WorkflowStatus::Cancelled);
        };
        match ctx.call::<_, WorkflowStatus>(process, CancelRequest, CALL_TIMEOUT).await {
            // It exited before answering (finished or crashed): look again.
            Err(CallError::Exit(_)) => continue,
            answer => return answer.map_err(WorkflowError::Unreachable),
        }
    }
}
