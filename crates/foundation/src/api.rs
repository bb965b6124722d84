//! The client API: thin wrappers over calls, each with a timeout.
//!
//! Task and workflow operations go to the coordinator on node 0; agent operations go
//! straight to the agent. A timeout says nothing about whether the request was
//! handled: `submit` is idempotent on the task id, so a client retries it with the
//! same task until it is acknowledged.

use std::fmt;
use std::time::Duration;

use otpsim_runtime::{CallError, Ctx, Dest};

use crate::app::{AppSpec, PRIMARY};
use crate::coordinator::{Reply, Request, TaskStatus, NAME};
use crate::protocol::{AgentReply, AgentRequest, AgentStatus};
use crate::task::{TaskId, TaskSpec};
use crate::workflow::{WorkflowError, WorkflowId, WorkflowSpec, WorkflowStatus};

/// Why a client call failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiError {
    /// No answer (timeout, or the server was down).
    Call(CallError),
    /// The workflow side failed.
    Workflow(WorkflowError),
    /// An answer of the wrong kind.
    BadReply,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Call(e) => e.fmt(f),
            ApiError::Workflow(e) => e.fmt(f),
            ApiError::BadReply => f.write_str("answer of an unexpected kind"),
        }
    }
}

impl std::error::Error for ApiError {}

impl From<CallError> for ApiError {
    fn from(e: CallError) -> Self {
        ApiError::Call(e)
    }
}

async fn coordinator(ctx: &Ctx, request: Request, timeout: Duration) -> Result<Reply, ApiError> {
    Ok(ctx.call((PRIMARY, NAME), request, timeout).await?)
}

/// Submits a task; `Ok` once the coordinator recorded it durably.
pub async fn submit(ctx: &Ctx, task: TaskSpec, timeout: Duration) -> Result<(), ApiError> {
    match coordinator(ctx, Request::Submit(task), timeout).await? {
        Reply::Submitted => Ok(()),
        _ => Err(ApiError::BadReply),
    }
}

/// A task's status.
pub async fn status(ctx: &Ctx, task: TaskId, timeout: Duration) -> Result<TaskStatus, ApiError> {
    match coordinator(ctx, Request::Status(task), timeout).await? {
        Reply::Task(status) => Ok(status),
        _ => Err(ApiError::BadReply),
    }
}

async fn workflow(ctx: &Ctx, request: Request, timeout: Duration) -> Result<WorkflowStatus, ApiError> {
    match coordinator(ctx, request, timeout).await? {
        Reply::Workflow(answer) => answer.map_err(ApiError::Workflow),
        _ => Err(ApiError::BadReply),
    }
}

/// Starts a workflow (idempotent on its id); answers its status.
pub async fn start_workflow(ctx: &Ctx, spec: WorkflowSpec, timeout: Duration) -> Result<WorkflowStatus, ApiError> {
    workflow(ctx, Request::StartWorkflow(spec), timeout).await
}

/// Cancels a workflow; answers its status.
pub async fn cancel_workflow(ctx: &Ctx, id: WorkflowId, timeout: Duration) -> Result<WorkflowStatus, ApiError> {
    workflow(ctx, Request::CancelWorkflow(id), timeout).await
}

/// A workflow's status.
pub async fn workflow_status(ctx: &Ctx, id: WorkflowId, timeout: Duration) -> Result<WorkflowStatus, ApiError> {
    workflow(ctx, Request::WorkflowStatus(id), timeout).await
}

async fn agent(
    ctx: &Ctx,
    layout: &AppSpec,
    index: u32,
    request: AgentRequest,
    timeout: Duration,
) -> Result<AgentStatus, ApiError> {
    let dest = Dest::Name(layout.agent_node(index), crate::agent::name(index));
    match ctx.call(dest, request, timeout).await? {
        AgentReply::Status(status) => Ok(status),
        _ => Err(ApiError::BadReply),
    }
}

/// Agent `index`'s status.
pub async fn agent_status(ctx: &Ctx, layout: &AppSpec, index: u32, timeout: Duration) -> Result<AgentStatus, ApiError> {
    agent(ctx, layout, index, AgentRequest::Status, timeout).await
}

/// Resumes agent `index` if it is paused; answers its status.
pub async fn resume_agent(ctx: &Ctx, layout: &AppSpec, index: u32, timeout: Duration) -> Result<AgentStatus, ApiError> {
    agent(ctx, layout, index, AgentRequest::Resume, timeout).await
}
