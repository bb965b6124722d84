//! Supervisors, as OTP 25 defines them.
//!
//! A supervisor is a process that traps exits, starts its children in order, and
//! restarts them when they exit: [`Restart`] says whether a child is restarted,
//! [`Strategy`] which children are restarted with it, [`Intensity`] how many restarts
//! it tolerates before it stops every child (youngest first) and exits with
//! `shutdown`, which its own supervisor sees as a child's exit: escalation. An EXIT
//! from its parent stops it the same way, with the parent's reason.
//!
//! Start one linked from a process with [`start_link`], or as the root of a node's
//! tree with [`spawn_root`] (the `_opts` variants register a name or set a label);
//! talk to it with [`which_children`], [`start_child`],
//! [`terminate_child`] and the rest. [`dynamic`] holds the dynamic supervisor; [`events`]
//! lists what supervisors trace for invariant checkers.
//!
//! ```
//! use std::time::Duration;
//! use otpsim_runtime::supervisor::{self, ChildSpec, Strategy, SupervisorSpec};
//! use otpsim_runtime::{Cluster, SpawnOpts};
//!
//! let rt = madsim::runtime::Runtime::with_seed_and_config(1, Default::default());
//! rt.block_on(async {
//!     let cluster = Cluster::new();
//!     let node = cluster.add_node("n0", |_, _| async {});
//!     let worker = ChildSpec::process_on("worker", node, SpawnOpts::labelled("worker"), |ctx| async move {
//!         ctx.recv().await; // works until told otherwise
//!     });
//!     let spec = SupervisorSpec { strategy: Strategy::OneForOne, children: vec![worker], ..Default::default() };
//!     supervisor::spawn_root(&cluster, node, spec).unwrap();
//!     let workers = |c: &Cluster| c.tables().labelled("worker").map(|p| p.pid).collect::<Vec<_>>();
//!     madsim::time::sleep(Duration::from_millis(10)).await;
//!     let first = workers(&cluster);
//!     cluster.kill(first[0]);
//!     madsim::time::sleep(Duration::from_millis(10)).await;
//!     let second = workers(&cluster);
//!     assert!(second.len() == 1 && second != first, "restarted as a new process");
//!     cluster.halt().await;
//! });
//! ```

pub mod dynamic;
mod error;
pub mod events;
mod intensity;
mod launch;
mod retry;
mod serve;
mod shutdown;
mod spec;
mod static_sup;

use std::time::Duration;

use crate::call::Dest;
use crate::cluster::Cluster;
use crate::pid::{NodeId, Pid};
use crate::process::Ctx;

pub use error::SupervisorError;
pub use intensity::Intensity;
pub use launch::SupervisorOpts;
pub use spec::{
    ChildCounts, ChildInfo, ChildKind, ChildSpec, ChildStatus, MaybeStartFuture, Restart, Shutdown, StartFn,
    StartFuture, Strategy, SupervisorSpec, WORKER_SHUTDOWN,
};

use static_sup::Request;

/// How long calls to a supervisor wait: OTP waits forever (`infinity`); a day of
/// simulated time is as good and cannot overflow the clock.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(24 * 3600);

/// Starts a supervisor on `node`, linked to the caller, and waits until every child
/// has started. Duplicate child ids are refused before anything is spawned; a child
/// that fails to start stops the ones already started and fails the whole start.
pub async fn start_link(ctx: &Ctx, node: NodeId, spec: SupervisorSpec) -> Result<Pid, SupervisorError> {
    start_link_opts(ctx, node, SupervisorOpts::default(), spec).await
}

/// Like [`start_link`], with a registered name or a label.
pub async fn start_link_opts(
    ctx: &Ctx,
    node: NodeId,
    opts: SupervisorOpts,
    spec: SupervisorSpec,
) -> Result<Pid, SupervisorError> {
    let spec = unique_ids(spec)?;
    launch::start_link(ctx, node, opts, move |c, starter| static_sup::run(c, starter, spec)).await
}

/// Spawns a supervisor on `node` with no parent, for a node's boot function. It
/// starts its children on its own; if one fails to start, it exits (traced as
/// `supervisor_shutdown`). Duplicate child ids are refused before anything is spawned.
pub fn spawn_root(cluster: &Cluster, node: NodeId, spec: SupervisorSpec) -> Result<Pid, SupervisorError> {
    spawn_root_opts(cluster, node, SupervisorOpts::default(), spec)
}

/// Like [`spawn_root`], with a registered name or a label.
pub fn spawn_root_opts(
    cluster: &Cluster,
    node: NodeId,
    opts: SupervisorOpts,
    spec: SupervisorSpec,
) -> Result<Pid, SupervisorError> {
    let spec = unique_ids(spec)?;
    Ok(launch::spawn_root(cluster, node, opts, move |c, starter| static_sup::run(c, starter, spec)))
}

/// The spec back if its child ids are unique: a supervisor refuses duplicates before
/// anything is spawned.
fn unique_ids(spec: SupervisorSpec) -> Result<SupervisorSpec, SupervisorError> {
    match spec.duplicate_id() {
        Some(id) => Err(SupervisorError::DuplicateChildId(id.to_owned())),
        None => Ok(spec),
    }
}

/// The children, youngest first (OTP's order).
pub async fn which_children(ctx: &Ctx, sup: impl Into<Dest>) -> Result<Vec<ChildInfo>, SupervisorError> {
    Ok(ctx.call(sup, Request::WhichChildren, CALL_TIMEOUT).await?)
}

/// How many specs, how many alive, how many of each kind.
pub async fn count_children(ctx: &Ctx, sup: impl Into<Dest>) -> Result<ChildCounts, SupervisorError> {
    Ok(ctx.call(sup, Request::CountChildren, CALL_TIMEOUT).await?)
}

/// Adds a child and starts it, after the others; `Ok(None)` if its start said
/// `ignore` (the spec is kept). An id already held is an error: `AlreadyStarted` if it
/// runs, `AlreadyPresent` if not. A dynamic supervisor starts the child as its own
/// [`dynamic::start_child`] does.
pub async fn start_child(ctx: &Ctx, sup: impl Into<Dest>, spec: ChildSpec) -> Result<Option<Pid>, SupervisorError> {
    ctx.call::<_, Result<Option<Pid>, SupervisorError>>(sup, Request::StartChild(spec), CALL_TIMEOUT).await?
}

/// Stops a child. Its spec is kept (for [`restart_child`]) unless it is temporary.
/// A dynamic supervisor answers `SimpleOneForOne` (its children have no ids).
pub async fn terminate_child(ctx: &Ctx, sup: impl Into<Dest>, id: &str) -> Result<(), SupervisorError> {
    ctx.call::<_, Result<(), SupervisorError>>(sup, Request::TerminateChild(id.to_owned()), CALL_TIMEOUT).await?
}

/// Starts again a child whose spec is kept but which is not running (`Ok(None)` if
/// its start said `ignore`).
pub async fn restart_child(ctx: &Ctx, sup: impl Into<Dest>, id: &str) -> Result<Option<Pid>, SupervisorError> {
    ctx.call::<_, Result<Option<Pid>, SupervisorError>>(sup, Request::RestartChild(id.to_owned()), CALL_TIMEOUT).await?
}

/// Forgets the spec of a child that is not running.
pub async fn delete_child(ctx: &Ctx, sup: impl Into<Dest>, id: &str) -> Result<(), SupervisorError> {
    ctx.call::<_, Result<(), SupervisorError>>(sup, Request::DeleteChild(id.to_owned()), CALL_TIMEOUT).await?
}
