//! What a supervisor is told to run: child specs and the supervisor's own flags.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::gen_server::{self, GenServer, Init};
use crate::pid::{NodeId, Pid};
use crate::process::{Ctx, SpawnOpts};
use crate::reason::Reason;

use super::intensity::Intensity;

/// What a start function returns: the new child, linked to the supervisor, or why it
/// could not start.
pub type StartFuture<'a> = Pin<Box<dyn Future<Output = Result<Pid, Reason>> + Send + 'a>>;

/// What a start function that may `ignore` returns: the new child, `None` if it
/// ignored the start (OTP's `ignore`: no pid, not an error), or why it failed.
pub type MaybeStartFuture<'a> = Pin<Box<dyn Future<Output = Result<Option<Pid>, Reason>> + Send + 'a>>;

/// Starts one child. It runs inside the supervisor (the [`Ctx`] is the supervisor's)
/// and must link the new process to it, as OTP's start functions do; it picks the
/// child's node.
pub type StartFn = Arc<dyn for<'a> Fn(&'a Ctx) -> MaybeStartFuture<'a> + Send + Sync>;

/// How a supervisor reacts when one child exits and is to be restarted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Strategy {
    /// Restart only that child.
    #[default]
    OneForOne,
    /// Stop every other child (youngest first), then restart them all in start order.
    OneForAll,
    /// Stop the children started after it (youngest first), then restart it and them
    /// in start order.
    RestForOne,
}

impl Strategy {
    /// The OTP name, for traces.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::OneForOne => "one_for_one",
            Strategy::OneForAll => "one_for_all",
            Strategy::RestForOne => "rest_for_one",
        }
    }
}

/// When a child that exited is restarted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Restart {
    /// Always.
    #[default]
    Permanent,
    /// Only after an abnormal exit (anything but `normal` and `shutdown`).
    Transient,
    /// Never; the child is forgotten when it exits.
    Temporary,
}

impl Restart {
    /// True if a child of this type that exited with `reason` is restarted.
    pub fn restarts_after(self, reason: &Reason) -> bool {
        match self {
            Restart::Permanent => true,
            Restart::Transient => !reason.is_orderly(),
            Restart::Temporary => false,
        }
    }
}

/// How a supervisor stops a child.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shutdown {
    /// An untrappable `kill`, at once.
    BrutalKill,
    /// An exit signal `shutdown`; a `kill` if the child is still alive after this long.
    Timeout(Duration),
    /// An exit signal `shutdown`, then wait as long as it takes (the default for
    /// supervisor children, so a subtree can stop its own children first).
    Infinity,
}

/// The default shutdown of a worker child, as in OTP (5000 ms).
pub const WORKER_SHUTDOWN: Shutdown = Shutdown::Timeout(Duration::from_secs(5));

/// Whether a child is a worker or a supervisor (only reported and counted).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ChildKind {
    /// A worker.
    #[default]
    Worker,
    /// A supervisor.
    Supervisor,
}

/// One child of a supervisor: its id, how to start it, and how to treat its exit.
#[derive(Clone)]
pub struct ChildSpec {
    id: String,
    start: StartFn,
    restart: Restart,
    shutdown: Option<Shutdown>,
    kind: ChildKind,
}

impl ChildSpec {
    /// A permanent worker started by `start` (which must link the child to the
    /// supervisor whose [`Ctx`] it is given).
    pub fn new<F>(id: impl Into<String>, start: F) -> Self
    where
        F: for<'a> Fn(&'a Ctx) -> StartFuture<'a> + Send + Sync + 'static,
    {
        Self::new_ignorable(id, move |ctx: &Ctx| {
            let started = start(ctx);
            Box::pin(async move { started.await.map(Some) })
        })
    }

    /// Like [`ChildSpec::new`], for a start function that may answer `Ok(None)`
    /// (`ignore`): a static supervisor then keeps the spec with no process, a dynamic
    /// one keeps nothing.
    pub fn new_ignorable<F>(id: impl Into<String>, start: F) -> Self
    where
        F: for<'a> Fn(&'a Ctx) -> MaybeStartFuture<'a> + Send + Sync + 'static,
    {
        ChildSpec {
            id: id.into(),
            start: Arc::new(start),
            restart: Restart::default(),
            shutdown: None,
            kind: ChildKind::Worker,
        }
    }

    /// A gen-server child on the supervisor's node: every (re)start runs `init` in a
    /// fresh process and waits for it, so a failing `init` is a failed start.
    pub fn gen_server<S, I>(id: impl Into<String>, init: I) -> Self
    where
        S: GenServer,
        I: Fn(&Ctx) -> Result<S, Reason> + Send + Sync + 'static,
    {
        Self::gen_server_placed(id, None, SpawnOpts::default(), init)
    }

    /// Like [`ChildSpec::gen_server`], on `node` and spawned with `opts` (e.g. a label
    /// for fault injection). The child is always linked to the supervisor.
    pub fn gen_server_on<S, I>(id: impl Into<String>, node: NodeId, opts: SpawnOpts, init: I) -> Self
    where
        S: GenServer,
        I: Fn(&Ctx) -> Result<S, Reason> + Send + Sync + 'static,
    {
        Self::gen_server_placed(id, Some(node), opts, init)
    }

    /// A gen-server child whose `init` may also say [`Init::Ignore`].
    pub fn gen_server_init<S, I>(id: impl Into<String>, init: I) -> Self
    where
        S: GenServer,
        I: Fn(&Ctx) -> Init<S> + Send + Sync + 'static,
    {
        let init = Arc::new(init);
        ChildSpec::new_ignorable(id, move |ctx: &Ctx| {
            let init = init.clone();
            Box::pin(async move {
                gen_server::start_link_init(ctx, ctx.node(), SpawnOpts::default(), move |c: &Ctx| init(c)).await
            })
        })
    }

    fn gen_server_placed<S, I>(id: impl Into<String>, node: Option<NodeId>, opts: SpawnOpts, init: I) -> Self
    where
        S: GenServer,
        I: Fn(&Ctx) -> Result<S, Reason> + Send + Sync + 'static,
    {
        let init = Arc::new(init);
        ChildSpec::new(id, move |ctx: &Ctx| {
            let (init, opts) = (init.clone(), opts.clone());
            let node = node.unwrap_or(ctx.node());
            Box::pin(async move { gen_server::start_link(ctx, node, opts, move |c: &Ctx| init(c)).await })
        })
    }

    /// A plain process child on the supervisor's node: every (re)start spawns a fresh
    /// `body`, linked. There is no init step, so the start itself never fails.
    pub fn process<F, Fut, R>(id: impl Into<String>, body: F) -> Self
    where
        F: Fn(Ctx) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = R> + Send + 'static,
        R: Into<Reason> + 'static,
    {
        Self::process_placed(id, None, SpawnOpts::default(), body)
    }

    /// Like [`ChildSpec::process`], on `node` and spawned with `opts`.
    pub fn process_on<F, Fut, R>(id: impl Into<String>, node: NodeId, opts: SpawnOpts, body: F) -> Self
    where
        F: Fn(Ctx) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = R> + Send + 'static,
        R: Into<Reason> + 'static,
    {
        Self::process_placed(id, Some(node), opts, body)
    }

    fn process_placed<F, Fut, R>(id: impl Into<String>, node: Option<NodeId>, opts: SpawnOpts, body: F) -> Self
    where
        F: Fn(Ctx) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = R> + Send + 'static,
        R: Into<Reason> + 'static,
    {
        let body = Arc::new(body);
        ChildSpec::new(id, move |ctx: &Ctx| {
            let body = body.clone();
            let pid = ctx.spawn_opts(node.unwrap_or(ctx.node()), opts.clone().linked(), move |c: Ctx| body(c));
            Box::pin(async move { Ok(pid) })
        })
    }

    /// A supervisor child (started linked on the parent's node, shutdown `infinity`).
    pub fn supervisor(id: impl Into<String>, spec: SupervisorSpec) -> Self {
        ChildSpec::new(id, move |ctx: &Ctx| {
            let spec = spec.clone();
            Box::pin(async move { super::start_link(ctx, ctx.node(), spec).await.map_err(Reason::from) })
        })
        .kind(ChildKind::Supervisor)
    }

    /// A dynamic supervisor child (started linked on the parent's node, shutdown
    /// `infinity`).
    pub fn dynamic_supervisor(id: impl Into<String>, spec: super::dynamic::DynamicSpec) -> Self {
        ChildSpec::new(id, move |ctx: &Ctx| {
            Box::pin(async move { super::dynamic::start_link(ctx, ctx.node(), spec).await.map_err(Reason::from) })
        })
        .kind(ChildKind::Supervisor)
    }

    /// Sets when the child is restarted (default: permanent).
    pub fn restart(mut self, restart: Restart) -> Self {
        self.restart = restart;
        self
    }

    /// Sets how the child is stopped (default: 5 s for a worker, infinity for a
    /// supervisor, as in OTP).
    pub fn shutdown(mut self, shutdown: Shutdown) -> Self {
        self.shutdown = Some(shutdown);
        self
    }

    /// Sets whether the child is a worker or a supervisor (default: worker).
    pub fn kind(mut self, kind: ChildKind) -> Self {
        self.kind = kind;
        self
    }

    /// The child's id, unique within its supervisor.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// When the child is restarted.
    pub fn restart_type(&self) -> Restart {
        self.restart
    }

    /// How the child is stopped, with the default for its kind filled in.
    pub fn shutdown_mode(&self) -> Shutdown {
        self.shutdown.unwrap_or(match self.kind {
            ChildKind::Worker => WORKER_SHUTDOWN,
            ChildKind::Supervisor => Shutdown::Infinity,
        })
    }

    /// Whether the child is a worker or a supervisor.
    pub fn child_kind(&self) -> ChildKind {
        self.kind
    }

    /// Runs the start function in the supervisor's process; `Ok(None)`: ignored.
    pub(super) async fn start(&self, ctx: &Ctx) -> Result<Option<Pid>, Reason> {
        (self.start)(ctx).await
    }
}

impl fmt::Debug for ChildSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildSpec")
            .field("id", &self.id)
            .field("restart", &self.restart)
            .field("shutdown", &self.shutdown_mode())
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// A static supervisor: its strategy, its restart intensity, and its children in
/// start order.
#[derive(Clone, Debug, Default)]
pub struct SupervisorSpec {
    /// What a restart restarts.
    pub strategy: Strategy,
    /// How many restarts within how long the supervisor tolerates.
    pub intensity: Intensity,
    /// The children, started in this order and stopped in the reverse.
    pub children: Vec<ChildSpec>,
}

impl SupervisorSpec {
    /// The first id that appears twice, if any.
    pub(super) fn duplicate_id(&self) -> Option<&str> {
        let mut seen = std::collections::BTreeSet::new();
        self.children.iter().map(ChildSpec::id).find(|id| !seen.insert(*id))
    }
}

/// What a child is doing now, as `which_children` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChildStatus {
    /// Running as this pid.
    Running(Pid),
    /// Its restart failed; the supervisor will try again.
    Restarting,
    /// Not running (it exited and was not restarted, or was terminated); its spec is kept.
    Undefined,
}

impl ChildStatus {
    /// The pid, if running.
    pub fn pid(self) -> Option<Pid> {
        match self {
            ChildStatus::Running(pid) => Some(pid),
            ChildStatus::Restarting | ChildStatus::Undefined => None,
        }
    }
}

/// One row of `which_children`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChildInfo {
    /// The child's id (`undefined` for a dynamic supervisor's children, as in OTP).
    pub id: String,
    /// What it is doing.
    pub status: ChildStatus,
    /// Worker or supervisor.
    pub kind: ChildKind,
}

/// The answer of `count_children`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChildCounts {
    /// Child specs held (a dynamic supervisor holds one, as simple_one_for_one does).
    pub specs: usize,
    /// Children whose process is alive.
    pub active: usize,
    /// Specs of kind supervisor.
    pub supervisors: usize,
    /// Specs of kind worker.
    pub workers: usize,
}

impl ChildCounts {
    /// Counts one child; `alive` says whether its process lives.
    pub(super) fn add(&mut self, kind: ChildKind, alive: bool) {
        self.specs += 1;
        self.active += usize::from(alive);
        match kind {
            ChildKind::Worker => self.workers += 1,
            ChildKind::Supervisor => self.supervisors += 1,
        }
    }
}
