//! The dynamic supervisor (Elixir's DynamicSupervisor; OTP's simple_one_for_one):
//! it starts with no children, starts them on demand, and restarts each on its own
//! (one_for_one) within the restart intensity. Children are known by pid; one that
//! is not restarted is forgotten. On exit it stops all its children at once.

use std::collections::BTreeMap;

use crate::call::Dest;
use crate::message::{Payload, ReplyTo};
use crate::pid::{NodeId, Pid};
use crate::process::Ctx;
use crate::reason::Reason;
use crate::Cluster;

use super::error::SupervisorError;
use super::events;
use super::intensity::{Intensity, RestartLog, Verdict};
use super::launch::{self, Starter, SupervisorOpts};
use super::retry::Retries;
use super::serve::{serve, Supervising};
use super::shutdown::stop;
use super::spec::{ChildCounts, ChildInfo, ChildSpec, ChildStatus};
use super::static_sup::Request as StaticRequest;
use super::CALL_TIMEOUT;

/// A dynamic supervisor's flags.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DynamicSpec {
    /// How many restarts within how long it tolerates.
    pub intensity: Intensity,
    /// At most this many children (running or waiting for a restart); `None`: no limit.
    pub max_children: Option<usize>,
}

/// Starts a dynamic supervisor on `node`, linked to the caller.
pub async fn start_link(ctx: &Ctx, node: NodeId, spec: DynamicSpec) -> Result<Pid, SupervisorError> {
    start_link_opts(ctx, node, SupervisorOpts::default(), spec).await
}

/// Like [`start_link`], with a registered name or a label.
pub async fn start_link_opts(
    ctx: &Ctx,
    node: NodeId,
    opts: SupervisorOpts,
    spec: DynamicSpec,
) -> Result<Pid, SupervisorError> {
    launch::start_link(ctx, node, opts, move |c, starter| run(c, starter, spec)).await
}

/// Spawns a dynamic supervisor on `node` with no parent (e.g. from a node's boot
/// function). Nothing links to it.
pub fn spawn_root(cluster: &Cluster, node: NodeId, spec: DynamicSpec) -> Pid {
    spawn_root_opts(cluster, node, SupervisorOpts::default(), spec)
}

/// Like [`spawn_root`], with a registered name or a label.
pub fn spawn_root_opts(cluster: &Cluster, node: NodeId, opts: SupervisorOpts, spec: DynamicSpec) -> Pid {
    launch::spawn_root(cluster, node, opts, move |c, starter| run(c, starter, spec))
}

/// Starts a child from `spec` (its id is only a label here and need not be unique).
/// `Ok(None)` if the child's start said `ignore`: nothing is kept.
pub async fn start_child(ctx: &Ctx, sup: impl Into<Dest>, spec: ChildSpec) -> Result<Option<Pid>, SupervisorError> {
    ctx.call::<_, Result<Option<Pid>, SupervisorError>>(sup, Request::StartChild(spec), CALL_TIMEOUT).await?
}

/// Stops the child `pid` and forgets it, whatever its restart type. A dead pid is
/// `Ok` (as in OTP 25), a live process that is not a child `NotFound`.
pub async fn terminate_child(ctx: &Ctx, sup: impl Into<Dest>, pid: Pid) -> Result<(), SupervisorError> {
    ctx.call::<_, Result<(), SupervisorError>>(sup, Request::TerminateChild(pid), CALL_TIMEOUT).await?
}

/// The children, oldest first; their ids are `undefined`, as OTP reports a
/// simple_one_for_one supervisor's.
pub async fn which_children(ctx: &Ctx, sup: impl Into<Dest>) -> Result<Vec<ChildInfo>, SupervisorError> {
    Ok(ctx.call(sup, Request::WhichChildren, CALL_TIMEOUT).await?)
}

/// One spec (OTP counts a simple_one_for_one supervisor's one child spec), how many
/// children alive, how many of each kind.
pub async fn count_children(ctx: &Ctx, sup: impl Into<Dest>) -> Result<ChildCounts, SupervisorError> {
    Ok(ctx.call(sup, Request::CountChildren, CALL_TIMEOUT).await?)
}

#[derive(Clone, Debug)]
enum Request {
    StartChild(ChildSpec),
    TerminateChild(Pid),
    WhichChildren,
    CountChildren,
}

/// A child, keyed by its pid (or, while it waits for a restart retry, by the pid that
/// exited).
struct Child {
    spec: ChildSpec,
    /// `Some(reason)` while a failed restart waits for its retry.
    restarting: Option<Reason>,
}

struct Dynamic {
    me: Pid,
    restarts: RestartLog,
    max_children: Option<usize>,
    children: BTreeMap<Pid, Child>,
    retries: Retries<Pid>,
}

async fn run(ctx: Ctx, starter: Starter, spec: DynamicSpec) -> Reason {
    let mut sup = Dynamic {
        me: ctx.pid(),
        restarts: RestartLog::new(spec.intensity),
        max_children: spec.max_children,
        children: BTreeMap::new(),
        retries: Retries::new(),
    };
    events::supervisor_start(sup.me, "dynamic", spec.intensity);
    let parent = starter.parent();
    starter.answer(&ctx, Ok(()));
    serve(&mut sup, &ctx, parent).await
}

impl Supervising for Dynamic {
    type Key = Pid;

    fn retries(&mut self) -> &mut Retries<Pid> {
        &mut self.retries
    }

    async fn retry(&mut self, ctx: &Ctx, key: Pid) -> Option<Reason> {
        let reason = self.children.get(&key)?.restarting.clone()?;
        self.restart(ctx, key, reason).await
    }

    async fn child_exited(&mut self, ctx: &Ctx, pid: Pid, reason: Reason) -> Option<Reason> {
        let child = self.children.get(&pid).filter(|c| c.restarting.is_none())?;
        let restart = child.spec.restart_type().restarts_after(&reason);
        events::child_exit(self.me, child.spec.id(), pid, &reason, restart);
        if !restart {
            self.children.remove(&pid);
            return None;
        }
        self.restart(ctx, pid, reason).await
    }

    async fn call(&mut self, ctx: &Ctx, from: ReplyTo, body: Payload) -> Result<(), Payload> {
        match body.downcast::<Request>() {
            Ok(request) => self.handle_call(ctx, from, request).await,
            // The calls of the `supervisor` module, as OTP's simple_one_for_one answers them.
            Err(body) => self.handle_static_call(ctx, from, body.downcast::<StaticRequest>()?).await,
        }
        Ok(())
    }

    /// Stops every running child at once and waits for all of them.
    async fn stop_all(&mut self, ctx: &Ctx) {
        let running: Vec<_> = self
            .children
            .iter()
            .filter(|(_, c)| c.restarting.is_none())
            .map(|(pid, c)| (*pid, c.spec.shutdown_mode()))
            .collect();
        let reasons = stop(ctx, &running).await;
        for ((pid, _), reason) in running.iter().zip(&reasons) {
            events::child_stop(self.me, self.children[pid].spec.id(), *pid, reason);
        }
        self.children.clear();
    }
}

impl Dynamic {
    /// One restart of the child keyed `old`; returns the supervisor's exit reason if
    /// the intensity is exceeded.
    async fn restart(&mut self, ctx: &Ctx, old: Pid, reason: Reason) -> Option<Reason> {
        let child = self.children.remove(&old)?;
        let intensity = self.restarts.intensity();
        match self.restarts.record(ctx.now()) {
            Verdict::Exceeded(restarts) => {
                events::intensity_exceeded(self.me, child.spec.id(), restarts, intensity);
                return Some(Reason::Shutdown);
            }
            Verdict::Within(restarts) => events::restart_counted(self.me, child.spec.id(), restarts, intensity),
        }
        match child.spec.start(ctx).await {
            Ok(Some(pid)) => {
                events::child_restart(self.me, child.spec.id(), Some(old), pid, &reason);
                self.children.insert(pid, Child { spec: child.spec, restarting: None });
            }
            // An `ignore` at restart leaves the child stopped: it is forgotten.
            Ok(None) => {}
            Err(failure) => {
                events::child_start_failed(self.me, child.spec.id(), &failure);
                self.children.insert(old, Child { spec: child.spec, restarting: Some(reason) });
                self.retries.schedule(ctx, old);
            }
        }
        None
    }

    async fn handle_call(&mut self, ctx: &Ctx, from: ReplyTo, request: Request) {
        match request {
            Request::StartChild(spec) => {
                let answer = self.start_child(ctx, spec).await;
                ctx.reply(from, answer);
            }
            Request::TerminateChild(pid) => {
                let answer = self.terminate_child(ctx, pid).await;
                ctx.reply(from, answer);
            }
            Request::WhichChildren => ctx.reply(from, self.which_children()),
            Request::CountChildren => ctx.reply(from, self.count_children()),
        }
    }

    async fn handle_static_call(&mut self, ctx: &Ctx, from: ReplyTo, request: StaticRequest) {
        match request {
            StaticRequest::WhichChildren => ctx.reply(from, self.which_children()),
            StaticRequest::CountChildren => ctx.reply(from, self.count_children()),
            StaticRequest::StartChild(spec) => {
                let answer = self.start_child(ctx, spec).await;
                ctx.reply(from, answer);
            }
            StaticRequest::TerminateChild(_) | StaticRequest::DeleteChild(_) => {
                ctx.reply(from, Err::<(), _>(SupervisorError::SimpleOneForOne));
            }
            StaticRequest::RestartChild(_) => ctx.reply(from, Err::<Option<Pid>, _>(SupervisorError::SimpleOneForOne)),
        }
    }

    async fn start_child(&mut self, ctx: &Ctx, spec: ChildSpec) -> Result<Option<Pid>, SupervisorError> {
        if let Some(max) = self.max_children.filter(|max| self.children.len() >= *max) {
            return Err(SupervisorError::MaxChildren(max));
        }
        match spec.start(ctx).await {
            Ok(Some(pid)) => {
                events::child_start(self.me, spec.id(), pid);
                self.children.insert(pid, Child { spec, restarting: None });
                Ok(Some(pid))
            }
            Ok(None) => Ok(None),
            Err(reason) => {
                events::child_start_failed(self.me, spec.id(), &reason);
                Err(SupervisorError::StartFailed { id: spec.id().to_owned(), reason })
            }
        }
    }

    async fn terminate_child(&mut self, ctx: &Ctx, pid: Pid) -> Result<(), SupervisorError> {
        let Some(child) = self.children.remove(&pid) else {
            // OTP 25 answers `ok` for a pid that is dead (a child already gone) and
            // `not_found` only for a live process that is not its child.
            return if ctx.is_alive(pid) { Err(SupervisorError::NotFound(pid.to_string())) } else { Ok(()) };
        };
        if child.restarting.is_none() {
            let reasons = stop(ctx, &[(pid, child.spec.shutdown_mode())]).await;
            events::child_stop(self.me, child.spec.id(), pid, &reasons[0]);
        }
        Ok(())
    }

    fn which_children(&self) -> Vec<ChildInfo> {
        let info = |(pid, c): (&Pid, &Child)| ChildInfo {
            id: "undefined".to_owned(),
            status: if c.restarting.is_some() { ChildStatus::Restarting } else { ChildStatus::Running(*pid) },
            kind: c.spec.child_kind(),
        };
        self.children.iter().map(info).collect()
    }

    /// As OTP 25's simple_one_for_one counts: every child not waiting for a restart
    /// retry is active, even one whose exit is still queued (no liveness check).
    fn count_children(&self) -> ChildCounts {
        let mut counts = ChildCounts::default();
        for c in self.children.values() {
            counts.add(c.spec.child_kind(), c.restarting.is_none());
        }
        counts.specs = 1;
        counts
    }
}
