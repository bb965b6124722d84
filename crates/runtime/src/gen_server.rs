//! Gen-servers: a process that answers calls, casts and plain messages one at a time.
//!
//! Implement [`GenServer`], then run it with [`serve`] inside a process body, or start
//! it linked with [`start_link`], which waits until its `init` has run as
//! `proc_lib:start_link` does.

use std::future::Future;
use std::time::Duration;

use crate::call::{CallError, Dest};
use crate::message::{Message, ReplyTo, Term};
use crate::pid::{NodeId, Pid, Ref};
use crate::process::{Ctx, SpawnOpts};
use crate::reason::Reason;

/// What a call handler does with the call.
#[derive(Debug)]
pub enum CallOutcome<R> {
    /// Answer now.
    Reply(R),
    /// Answer later with [`Ctx::reply`] (or never).
    NoReply,
    /// Stop the server with a reason; `terminate` runs, then the answer (if a value
    /// is given) goes out, as OTP's `{stop, Reason, Reply, State}` does.
    Stop(Reason, Option<R>),
}

/// Whether the server goes on after a cast or a plain message.
#[derive(Debug, PartialEq, Eq)]
pub enum Flow {
    /// Wait for the next message.
    Continue,
    /// Stop with this reason.
    Stop(Reason),
}

/// A gen-server's callbacks. A request or cast of the wrong type stops the server
/// with an error reason, as a `function_clause` would.
pub trait GenServer: Send + Sized + 'static {
    /// Call requests.
    type Call: Term;
    /// Call answers.
    type Reply: Term;
    /// Casts.
    type Cast: Term;

    /// Handles a call.
    fn handle_call(
        &mut self,
        ctx: &Ctx,
        request: Self::Call,
        from: ReplyTo,
    ) -> impl Future<Output = CallOutcome<Self::Reply>> + Send;

    /// Handles a cast. Ignores it by default.
    fn handle_cast(&mut self, ctx: &Ctx, msg: Self::Cast) -> impl Future<Output = Flow> + Send {
        let _ = (ctx, msg);
        async { Flow::Continue }
    }

    /// Handles any other message (plain sends, DOWN, trapped EXIT). Ignores it by default.
    fn handle_info(&mut self, ctx: &Ctx, msg: Message) -> impl Future<Output = Flow> + Send {
        let _ = (ctx, msg);
        async { Flow::Continue }
    }

    /// Runs when the server stops: a handler said stop, it was asked to [`stop`], or
    /// (when it traps exits) its parent's EXIT came. Not when it is killed.
    fn terminate(&mut self, ctx: &Ctx, reason: &Reason) {
        let _ = (ctx, reason);
    }
}

/// Runs `server`'s loop in the current process until a handler stops it, a [`stop`]
/// request comes, or (when it traps exits) its parent's EXIT comes: then `terminate`
/// runs and the process exits with the reason.
pub async fn serve<S: GenServer>(ctx: Ctx, mut server: S) -> Reason {
    let parent = ctx.parent();
    loop {
        let flow = match ctx.recv().await {
            Message::Call { from, body } => match body.downcast::<S::Call>() {
                Ok(request) => match server.handle_call(&ctx, request, from).await {
                    CallOutcome::Reply(answer) => {
                        ctx.reply(from, answer);
                        Flow::Continue
                    }
                    CallOutcome::NoReply => Flow::Continue,
                    CallOutcome::Stop(reason, answer) => {
                        server.terminate(&ctx, &reason);
                        if let Some(answer) = answer {
                            ctx.reply(from, answer);
                        }
                        return reason;
                    }
                },
                Err(body) => Flow::Stop(Reason::error(format!("bad call: {body:?}"))),
            },
            Message::Cast { body, .. } => match body.downcast::<S::Cast>() {
                Ok(msg) => server.handle_cast(&ctx, msg).await,
                Err(body) => Flow::Stop(Reason::error(format!("bad cast: {body:?}"))),
            },
            Message::Exit { from, reason } if Some(from) == parent => Flow::Stop(reason),
            Message::Info { body, .. } if body.is::<StopRequest>() => match body.downcast::<StopRequest>() {
                Ok(StopRequest(reason)) => Flow::Stop(reason),
                Err(_) => unreachable!("checked the type above"),
            },
            other => server.handle_info(&ctx, other).await,
        };
        if let Flow::Stop(reason) = flow {
            server.terminate(&ctx, &reason);
            return reason;
        }
    }
}

/// `gen_server:stop`'s request (a system message in OTP).
#[derive(Clone, Debug)]
struct StopRequest(Reason);

/// Stops a gen-server with `reason` and waits up to `timeout` until it is gone
/// (`gen_server:stop/3`): its `terminate` runs. `Exit(noproc)` if it is not alive,
/// `Exit(r)` if it exited with another reason `r` meanwhile, `Timeout` if it did not
/// stop in time.
pub async fn stop(ctx: &Ctx, server: impl Into<Dest>, reason: Reason, timeout: Duration) -> Result<(), CallError> {
    let pid = match server.into() {
        Dest::Pid(pid) => pid,
        Dest::Name(node, name) => ctx.whereis(node, &name).ok_or(CallError::Exit(Reason::Noproc))?,
    };
    let watch = ctx.monitor(pid);
    ctx.send(pid, StopRequest(reason.clone()));
    let down = ctx.recv_match_timeout(|m| matches!(m, Message::Down(d) if d.monitor == watch), timeout).await;
    match down {
        Some(Message::Down(d)) if d.reason == reason => Ok(()),
        Some(Message::Down(d)) => Err(CallError::Exit(d.reason)),
        Some(_) => unreachable!("recv_match only accepts the DOWN"),
        None => {
            ctx.demonitor_flush(watch);
            Err(CallError::Timeout)
        }
    }
}

/// What a gen-server's `init` decided (OTP's `{ok, State}`, `ignore`, `{stop, Reason}`).
#[derive(Debug)]
pub enum Init<S> {
    /// Run with this state.
    Run(S),
    /// Do not run: the process exits `normal` and the start returns no pid.
    Ignore,
    /// Do not run: the start fails and the process exits with this reason.
    Stop(Reason),
}

impl<S> From<Result<S, Reason>> for Init<S> {
    fn from(result: Result<S, Reason>) -> Self {
        match result {
            Ok(state) => Init::Run(state),
            Err(reason) => Init::Stop(reason),
        }
    }
}

/// A started process's word to its starter that its init has run, or why it failed.
/// Gen-servers and supervisors share it (`E` is their failure type).
#[derive(Clone, Debug)]
pub(crate) struct InitAck<E> {
    pub(crate) tag: Ref,
    /// `Ok(false)`: init said `ignore`.
    pub(crate) result: Result<bool, E>,
}

/// Why a start failed: the child refused in its init, or died before answering.
pub(crate) enum InitFailed<E> {
    Refused(E),
    Died(Reason),
}

/// Waits for `child`'s `InitAck<E>` tagged `tag`, or for its death (watched by a
/// monitor that is always removed); `Ok(None)` if init said `ignore`. A child that
/// died before answering may have sent a trapped EXIT through its link; that message
/// is taken, as `proc_lib:start_link` takes it. A child that answered and then exited
/// (a refused or ignored init) leaves its EXIT queued, as in OTP 25.
pub(crate) async fn await_init<E: Term + Clone>(ctx: &Ctx, child: Pid, tag: Ref) -> Result<Option<Pid>, InitFailed<E>> {
    let watch = ctx.monitor(child);
    let answer = ctx
        .recv_match(|m| match m {
            Message::Info { from, body } => {
                *from == child && body.downcast_ref::<InitAck<E>>().is_some_and(|a| a.tag == tag)
            }
            Message::Down(d) => d.monitor == watch,
            _ => false,
        })
        .await;
    ctx.demonitor_flush(watch);
    match answer {
        Message::Info { body, .. } => match body.downcast::<InitAck<E>>() {
            Ok(InitAck { result, .. }) => result.map(|started| started.then_some(child)).map_err(InitFailed::Refused),
            Err(_) => unreachable!("matched an InitAck above"),
        },
        Message::Down(down) => {
            let exit_of_child = |m: &Message| matches!(m, Message::Exit { from, .. } if *from == child);
            ctx.kernel.lock().discard_messages(ctx.pid(), exit_of_child);
            Err(InitFailed::Died(down.reason))
        }
        _ => unreachable!("recv_match only accepts the ack or the DOWN"),
    }
}

/// Spawns a gen-server on `node`, linked to the caller, and waits until `init` has
/// run. If `init` fails the caller gets `Err(reason)` and the child exits with that
/// reason, still linked, as in OTP 25: a caller that traps exits then gets its EXIT,
/// one that does not is killed by it (unless it is `normal`). If `init` panics, the
/// caller gets `Err(panic)` and the exit signal the same way.
pub async fn start_link<S, I>(ctx: &Ctx, node: NodeId, opts: SpawnOpts, init: I) -> Result<Pid, Reason>
where
    S: GenServer,
    I: FnOnce(&Ctx) -> Result<S, Reason> + Send + 'static,
{
    let started = start_link_init(ctx, node, opts, move |c: &Ctx| Init::from(init(c))).await?;
    Ok(started.expect("an init that cannot ignore started the server"))
}

/// Like [`start_link`], for an `init` that may also say [`Init::Ignore`]: then the
/// answer is `Ok(None)` and the child exits `normal`.
pub async fn start_link_init<S, I>(ctx: &Ctx, node: NodeId, opts: SpawnOpts, init: I) -> Result<Option<Pid>, Reason>
where
    S: GenServer,
    I: FnOnce(&Ctx) -> Init<S> + Send + 'static,
{
    let body = move |c: &Ctx| match init(c) {
        Init::Run(s) => Init::Run(move |c: Ctx| serve(c, s)),
        Init::Ignore => Init::Ignore,
        Init::Stop(reason) => Init::Stop(reason),
    };
    start_body(ctx, node, opts, body).await
}

/// Like [`start_link`], for any process body: `init` runs in the child and returns
/// the body to run next, or the reason the start failed.
pub async fn start_link_with<I, B, Fut, R>(ctx: &Ctx, node: NodeId, opts: SpawnOpts, init: I) -> Result<Pid, Reason>
where
    I: FnOnce(&Ctx) -> Result<B, Reason> + Send + 'static,
    B: FnOnce(Ctx) -> Fut + Send + 'static,
    Fut: Future<Output = R> + Send + 'static,
    R: Into<Reason> + 'static,
{
    let started = start_body(ctx, node, opts, move |c: &Ctx| Init::from(init(c))).await?;
    Ok(started.expect("an init that cannot ignore started the body"))
}

/// The shared start: spawn linked, run `init` in the child, answer, then run the body.
async fn start_body<I, B, Fut, R>(ctx: &Ctx, node: NodeId, opts: SpawnOpts, init: I) -> Result<Option<Pid>, Reason>
where
    I: FnOnce(&Ctx) -> Init<B> + Send + 'static,
    B: FnOnce(Ctx) -> Fut + Send + 'static,
    Fut: Future<Output = R> + Send + 'static,
    R: Into<Reason> + 'static,
{
    let parent = ctx.pid();
    let tag = ctx.kernel.lock().new_ref();
    let child = ctx.spawn_opts(node, opts.linked(), move |c: Ctx| async move {
        match init(&c) {
            Init::Run(body) => {
                c.send(parent, InitAck::<Reason> { tag, result: Ok(true) });
                body(c).await.into()
            }
            Init::Ignore => {
                c.send(parent, InitAck::<Reason> { tag, result: Ok(false) });
                Reason::Normal
            }
            Init::Stop(reason) => {
                c.send(parent, InitAck { tag, result: Err(reason.clone()) });
                reason
            }
        }
    });
    await_init::<Reason>(ctx, child, tag).await.map_err(|failed| match failed {
        InitFailed::Refused(reason) | InitFailed::Died(reason) => reason,
    })
}

/// A plain message's body, if it is a `T` (a helper for `handle_info`).
pub fn info_as<T: Term + Clone>(msg: &Message) -> Option<T> {
    msg.info::<T>().cloned()
}
