//! The static supervisor process: children with ids, started in order, restarted by
//! strategy (one_for_one, one_for_all, rest_for_one) within the restart intensity.

use std::collections::BTreeMap;

use crate::message::{Payload, ReplyTo};
use crate::pid::Pid;
use crate::process::Ctx;
use crate::reason::Reason;

use super::error::SupervisorError;
use super::events;
use super::intensity::{RestartLog, Verdict};
use super::launch::Starter;
use super::retry::Retries;
use super::serve::{serve, Supervising};
use super::shutdown::stop;
use super::spec::{ChildCounts, ChildInfo, ChildSpec, ChildStatus, Restart, Strategy, SupervisorSpec};

/// The calls a static supervisor answers.
#[derive(Clone, Debug)]
pub(super) enum Request {
    WhichChildren,
    CountChildren,
    StartChild(ChildSpec),
    TerminateChild(String),
    RestartChild(String),
    DeleteChild(String),
}

/// Where one child stands.
#[derive(Clone, Debug)]
enum State {
    Running(Pid),
    /// A restart failed and waits for its retry; `old` is the pid that exited.
    Restarting {
        old: Option<Pid>,
        reason: Reason,
    },
    Undefined,
}

struct Child {
    spec: ChildSpec,
    state: State,
}

struct Supervisor {
    me: Pid,
    strategy: Strategy,
    restarts: RestartLog,
    /// In start order: the youngest last.
    children: Vec<Child>,
    retries: Retries<String>,
}

/// The supervisor's whole life: start the children, answer the starter, then serve
/// until the parent exits or the restart intensity is exceeded.
pub(super) async fn run(ctx: Ctx, starter: Starter, spec: SupervisorSpec) -> Reason {
    let mut sup = Supervisor {
        me: ctx.pid(),
        strategy: spec.strategy,
        restarts: RestartLog::new(spec.intensity),
        children: Vec::with_capacity(spec.children.len()),
        retries: Retries::new(),
    };
    events::supervisor_start(sup.me, spec.strategy.name(), spec.intensity);
    for child in spec.children {
        match child.start(&ctx).await {
            Ok(started) => {
                let state = started_state(sup.me, child.id(), started);
                sup.children.push(Child { spec: child, state });
            }
            Err(reason) => {
                events::child_start_failed(sup.me, child.id(), &reason);
                sup.stop_all(&ctx).await;
                let err = SupervisorError::StartFailed { id: child.id().to_owned(), reason };
                starter.answer(&ctx, Err(err.clone()));
                let reason = Reason::from(err);
                events::supervisor_shutdown(sup.me, &reason);
                return reason;
            }
        }
    }
    let parent = starter.parent();
    starter.answer(&ctx, Ok(()));
    serve(&mut sup, &ctx, parent).await
}

/// A child's state after a start that succeeded: running, or (OTP's `ignore`) kept
/// with no process.
fn started_state(me: Pid, id: &str, started: Option<Pid>) -> State {
    match started {
        Some(pid) => {
            events::child_start(me, id, pid);
            State::Running(pid)
        }
        None => State::Undefined,
    }
}

/// Stops one running child and traces how it ended.
async fn stop_child(ctx: &Ctx, me: Pid, spec: &ChildSpec, pid: Pid) {
    let reasons = stop(ctx, &[(pid, spec.shutdown_mode())]).await;
    events::child_stop(me, spec.id(), pid, &reasons[0]);
}

impl Supervising for Supervisor {
    type Key = String;

    fn retries(&mut self) -> &mut Retries<String> {
        &mut self.retries
    }

    async fn retry(&mut self, ctx: &Ctx, id: String) -> Option<Reason> {
        let i = self.index(&id)?;
        // The child may have been terminated or deleted since the retry was scheduled.
        let State::Restarting { old, reason } = self.children[i].state.clone() else {
            return None;
        };
        self.restart(ctx, id, old, reason).await
    }

    async fn child_exited(&mut self, ctx: &Ctx, pid: Pid, reason: Reason) -> Option<Reason> {
        let i = self.children.iter().position(|c| matches!(c.state, State::Running(p) if p == pid))?;
        let restart = self.children[i].spec.restart_type().restarts_after(&reason);
        events::child_exit(self.me, self.children[i].spec.id(), pid, &reason, restart);
        if !restart {
            self.forget(i);
            return None;
        }
        let id = self.children[i].spec.id().to_owned();
        self.restart(ctx, id, Some(pid), reason).await
    }

    async fn call(&mut self, ctx: &Ctx, from: ReplyTo, body: Payload) -> Result<(), Payload> {
        self.handle_call(ctx, from, body.downcast::<Request>()?).await;
        Ok(())
    }

    /// Stops every running child, youngest first.
    async fn stop_all(&mut self, ctx: &Ctx) {
        for child in self.children.iter_mut().rev() {
            if let State::Running(pid) = child.state {
                stop_child(ctx, self.me, &child.spec, pid).await;
            }
            child.state = State::Undefined;
        }
    }
}

impl Supervisor {
    fn index(&self, id: &str) -> Option<usize> {
        self.children.iter().position(|c| c.spec.id() == id)
    }

    /// The child is gone for good, or its spec is kept to be restarted by hand
    /// (OTP's `del_child`: temporary children are forgotten).
    fn forget(&mut self, i: usize) {
        if self.children[i].spec.restart_type() == Restart::Temporary {
            self.children.remove(i);
        } else {
            self.children[i].state = State::Undefined;
        }
    }

    /// One restart decision: count it against the intensity, then apply the strategy.
    /// Returns the supervisor's exit reason if the intensity is exceeded.
    async fn restart(&mut self, ctx: &Ctx, id: String, old: Option<Pid>, reason: Reason) -> Option<Reason> {
        let intensity = self.restarts.intensity();
        match self.restarts.record(ctx.now()) {
            Verdict::Exceeded(restarts) => {
                events::intensity_exceeded(self.me, &id, restarts, intensity);
                if let Some(i) = self.index(&id) {
                    self.forget(i);
                }
                return Some(Reason::Shutdown);
            }
            Verdict::Within(restarts) => events::restart_counted(self.me, &id, restarts, intensity),
        }
        let i = self.index(&id)?;
        let from = match self.strategy {
            Strategy::OneForOne | Strategy::RestForOne => i,
            Strategy::OneForAll => 0,
        };
        self.children[i].state = State::Undefined;
        let mut old_pids = BTreeMap::from([(id.clone(), old)]);
        if self.strategy != Strategy::OneForOne {
            self.stop_from(ctx, from, &mut old_pids).await;
        }
        let last = if self.strategy == Strategy::OneForOne { from + 1 } else { self.children.len() };
        for j in from..last {
            let child_id = self.children[j].spec.id().to_owned();
            let was = old_pids.get(&child_id).copied().flatten();
            match self.children[j].spec.start(ctx).await {
                Ok(Some(pid)) => {
                    events::child_restart(self.me, &child_id, was, pid, &reason);
                    self.children[j].state = State::Running(pid);
                }
                // An `ignore` at restart leaves the child stopped, its spec kept.
                Ok(None) => self.children[j].state = State::Undefined,
                Err(failure) => {
                    // The rest stay undefined; the retry starts again from this child.
                    events::child_start_failed(self.me, &child_id, &failure);
                    let old = if child_id == id { old } else { None };
                    self.children[j].state = State::Restarting { old, reason };
                    self.retries.schedule(ctx, child_id);
                    return None;
                }
            }
        }
        None
    }

    /// Stops the children from index `from` on, youngest first, noting their pids;
    /// temporary ones among them are forgotten (they are never restarted).
    async fn stop_from(&mut self, ctx: &Ctx, from: usize, old_pids: &mut BTreeMap<String, Option<Pid>>) {
        for child in self.children[from..].iter_mut().rev() {
            if let State::Running(pid) = child.state {
                stop_child(ctx, self.me, &child.spec, pid).await;
                old_pids.insert(child.spec.id().to_owned(), Some(pid));
            }
            child.state = State::Undefined;
        }
        let mut index = 0;
        self.children.retain(|c| {
            index += 1;
            index <= from || c.spec.restart_type() != Restart::Temporary
        });
    }

    async fn handle_call(&mut self, ctx: &Ctx, from: ReplyTo, request: Request) {
        match request {
            Request::WhichChildren => ctx.reply(from, self.which_children()),
            Request::CountChildren => ctx.reply(from, self.count_children(ctx)),
            Request::StartChild(spec) => {
                let answer = self.start_child(ctx, spec).await;
                ctx.reply(from, answer);
            }
            Request::TerminateChild(id) => {
                let answer = self.terminate_child(ctx, &id).await;
                ctx.reply(from, answer);
            }
            Request::RestartChild(id) => {
                let answer = self.restart_child(ctx, &id).await;
                ctx.reply(from, answer);
            }
            Request::DeleteChild(id) => ctx.reply(from, self.delete_child(&id)),
        }
    }

    /// Youngest first, as OTP lists them.
    fn which_children(&self) -> Vec<ChildInfo> {
        let status = |state: &State| match state {
            State::Running(pid) => ChildStatus::Running(*pid),
            State::Restarting { .. } => ChildStatus::Restarting,
            State::Undefined => ChildStatus::Undefined,
        };
        let info =
            |c: &Child| ChildInfo { id: c.spec.id().to_owned(), status: status(&c.state), kind: c.spec.child_kind() };
        self.children.iter().rev().map(info).collect()
    }

    fn count_children(&self, ctx: &Ctx) -> ChildCounts {
        let mut counts = ChildCounts::default();
        for c in &self.children {
            let alive = matches!(c.state, State::Running(pid) if ctx.is_alive(pid));
            counts.add(c.spec.child_kind(), alive);
        }
        counts
    }

    async fn start_child(&mut self, ctx: &Ctx, spec: ChildSpec) -> Result<Option<Pid>, SupervisorError> {
        if let Some(i) = self.index(spec.id()) {
            return Err(match self.children[i].state {
                State::Running(pid) => SupervisorError::AlreadyStarted(spec.id().to_owned(), pid),
                State::Restarting { .. } | State::Undefined => SupervisorError::AlreadyPresent(spec.id().to_owned()),
            });
        }
        match spec.start(ctx).await {
            Ok(started) => {
                let state = started_state(self.me, spec.id(), started);
                self.children.push(Child { spec, state });
                Ok(started)
            }
            Err(reason) => {
                events::child_start_failed(self.me, spec.id(), &reason);
                Err(SupervisorError::StartFailed { id: spec.id().to_owned(), reason })
            }
        }
    }

    async fn terminate_child(&mut self, ctx: &Ctx, id: &str) -> Result<(), SupervisorError> {
        let i = self.index(id).ok_or_else(|| SupervisorError::NotFound(id.to_owned()))?;
        if let State::Running(pid) = self.children[i].state {
            stop_child(ctx, self.me, &self.children[i].spec, pid).await;
        }
        self.forget(i);
        Ok(())
    }

    async fn restart_child(&mut self, ctx: &Ctx, id: &str) -> Result<Option<Pid>, SupervisorError> {
        let i = self.index(id).ok_or_else(|| SupervisorError::NotFound(id.to_owned()))?;
        match self.children[i].state {
            State::Running(_) => return Err(SupervisorError::Running(id.to_owned())),
            State::Restarting { .. } => return Err(SupervisorError::Restarting(id.to_owned())),
            State::Undefined => {}
        }
        match self.children[i].spec.start(ctx).await {
            Ok(started) => {
                self.children[i].state = started_state(self.me, id, started);
                Ok(started)
            }
            Err(reason) => {
                events::child_start_failed(self.me, id, &reason);
                Err(SupervisorError::StartFailed { id: id.to_owned(), reason })
            }
        }
    }

    fn delete_child(&mut self, id: &str) -> Result<(), SupervisorError> {
        let i = self.index(id).ok_or_else(|| SupervisorError::NotFound(id.to_owned()))?;
        match self.children[i].state {
            State::Running(_) => Err(SupervisorError::Running(id.to_owned())),
            State::Restarting { .. } => Err(SupervisorError::Restarting(id.to_owned())),
            State::Undefined => {
                self.children.remove(i);
                Ok(())
            }
        }
    }
}
