//! Starting a supervisor process: spawn it trapping exits, let it start its
//! children, and wait for its word that it did (`proc_lib:start_link`). Its init is
//! asynchronous (each child start waits for that child's own init), which is why this
//! is not [`crate::gen_server::start_link_with`].

use std::future::Future;
use std::sync::Arc;

use crate::pid::{NodeId, Pid, Ref};
use crate::process::{Ctx, SpawnOpts};
use crate::reason::Reason;

use super::error::SupervisorError;
use crate::gen_server::{await_init, InitAck, InitFailed};

/// The label supervisor processes carry in the tables.
pub(super) const LABEL: &str = "supervisor";

/// Who waits for a starting supervisor, if anyone (a root supervisor has no starter).
pub(super) struct Starter {
    waiting: Option<(Pid, Ref)>,
}

impl Starter {
    /// The parent this supervisor obeys: an EXIT from it stops the supervisor.
    pub(super) fn parent(&self) -> Option<Pid> {
        self.waiting.map(|(pid, _)| pid)
    }

    /// Reports the outcome of init. On failure the supervisor then exits still
    /// linked, as OTP 25's does: a starter that traps exits gets that EXIT too.
    pub(super) fn answer(self, ctx: &Ctx, result: Result<(), SupervisorError>) {
        if let Some((parent, tag)) = self.waiting {
            ctx.send(parent, InitAck { tag, result: result.map(|()| true) });
        }
    }
}

/// How a supervisor process is spawned: a registered name, a label.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SupervisorOpts {
    /// Register the supervisor under this name on its node before it starts any child
    /// (OTP's `{local, Name}`); the start fails if the name is taken.
    pub name: Option<String>,
    /// The label it carries in the tables and fault injection sees (default
    /// `"supervisor"`).
    pub label: Option<String>,
}

impl SupervisorOpts {
    /// Options with a registered name.
    pub fn named(name: impl Into<String>) -> Self {
        SupervisorOpts { name: Some(name.into()), label: None }
    }

    /// The same options with a label.
    pub fn labelled(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    fn spawn_opts(&self) -> SpawnOpts {
        let label = self.label.as_deref().unwrap_or(LABEL);
        SpawnOpts { link: false, trap_exit: true, label: Some(Arc::from(label)) }
    }
}

/// Registers the supervisor's name, if it has one; on failure tells the starter and
/// returns the reason to exit with.
fn register(ctx: &Ctx, opts: &SupervisorOpts, starter: Starter) -> Result<Starter, Reason> {
    let Some(name) = &opts.name else {
        return Ok(starter);
    };
    match ctx.register(name) {
        Ok(()) => Ok(starter),
        Err(error) => {
            let err = SupervisorError::Register { name: name.clone(), error };
            starter.answer(ctx, Err(err.clone()));
            let reason = Reason::from(err);
            super::events::supervisor_shutdown(ctx.pid(), &reason);
            Err(reason)
        }
    }
}

/// The process body: register, then run the supervisor.
async fn body<B, Fut>(ctx: Ctx, opts: SupervisorOpts, starter: Starter, run: B) -> Reason
where
    B: FnOnce(Ctx, Starter) -> Fut,
    Fut: Future<Output = Reason>,
{
    match register(&ctx, &opts, starter) {
        Ok(starter) => run(ctx, starter).await,
        Err(reason) => reason,
    }
}

/// Spawns a supervisor running `run` on `node`, linked to the caller, and waits for
/// its init.
pub(super) async fn start_link<B, Fut>(
    ctx: &Ctx,
    node: NodeId,
    opts: SupervisorOpts,
    run: B,
) -> Result<Pid, SupervisorError>
where
    B: FnOnce(Ctx, Starter) -> Fut + Send + 'static,
    Fut: Future<Output = Reason> + Send + 'static,
{
    let tag = ctx.kernel.lock().new_ref();
    let starter = Starter { waiting: Some((ctx.pid(), tag)) };
    let child = ctx.spawn_opts(node, opts.spawn_opts().linked(), move |c: Ctx| body(c, opts, starter, run));
    match await_init::<SupervisorError>(ctx, child, tag).await {
        Ok(started) => Ok(started.expect("a supervisor's init never answers ignore")),
        Err(InitFailed::Refused(error)) => Err(error),
        Err(InitFailed::Died(reason)) => Err(SupervisorError::Exited(reason)),
    }
}

/// Spawns a supervisor running `run` on `node` with no parent; it runs its init on
/// its own. Traced as `root_start`.
pub(super) fn spawn_root<B, Fut>(cluster: &crate::Cluster, node: NodeId, opts: SupervisorOpts, run: B) -> Pid
where
    B: FnOnce(Ctx, Starter) -> Fut + Send + 'static,
    Fut: Future<Output = Reason> + Send + 'static,
{
    let starter = Starter { waiting: None };
    let pid = cluster.spawn(node, opts.spawn_opts(), move |c: Ctx| body(c, opts, starter, run));
    super::events::root_start(pid);
    pid
}
