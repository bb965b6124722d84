//! Gen-servers: a process that answers calls, casts and plain messages one at a time.
//!
//! Implement [`GenServer`], then run it with [`serve`] inside a process body, or start
//! it linked with [`start_link`], which waits until its `init` has run as
//! `proc_lib:start_link` does.

use std::future::Future;

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
    /// Stop the server with a reason, answering first if a value is given.
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

    /// Runs when the server stops on its own (not when it is killed).
    fn terminate(&mut self, ctx: &Ctx, reason: &Reason) {
        let _ = (ctx, reason);
    }
}

/// Runs `server`'s loop in the current process until a handler stops it.
pub async fn serve<S: GenServer>(ctx: Ctx, mut server: S) -> Reason {
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
                        if let Some(answer) = answer {
                            ctx.reply(from, answer);
                        }
                        Flow::Stop(reason)
                    }
                },
                Err(body) => Flow::Stop(Reason::error(format!("bad call: {body:?}"))),
            },
            Message::Cast { body, .. } => match body.downcast::<S::Cast>() {
                Ok(msg) => server.handle_cast(&ctx, msg).await,
                Err(body) => Flow::Stop(Reason::error(format!("bad cast: {body:?}"))),
            },
            other => server.handle_info(&ctx, other).await,
        };
        if let Flow::Stop(reason) = flow {
            server.terminate(&ctx, &reason);
            return reason;
        }
    }
}

/// A started process's word to its starter that its init has run, or why it failed.
/// Gen-servers and supervisors share it (`E` is their failure type).
#[derive(Clone, Debug)]
pub(crate) struct InitAck<E> {
    pub(crate) tag: Ref,
    pub(crate) result: Result<(), E>,
}

/// Why a start failed: the child refused in its init, or died before answering.
pub(crate) enum InitFailed<E> {
    Refused(E),
    Died(Reason),
}

/// Waits for `child`'s `InitAck<E>` tagged `tag`, or for its death (watched by a
/// monitor that is always removed). A child that died may have sent a trapped EXIT
/// through its link; that message is dropped, as the answer already says it.
pub(crate) async fn await_init<E: Term + Clone>(ctx: &Ctx, child: Pid, tag: Ref) -> Result<Pid, InitFailed<E>> {
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
            Ok(InitAck { result, .. }) => result.map(|()| child).map_err(InitFailed::Refused),
            Err(_) => unreachable!("matched an InitAck above"),
        },
        Message::Down(down) => {
            let _ = ctx.kernel.lock().procs.get_mut(&ctx.pid()).map(|p| {
                p.mailbox.retain(|m| !matches!(m, Message::Exit { from, .. } if *from == child));
            });
            Err(InitFailed::Died(down.reason))
        }
        _ => unreachable!("recv_match only accepts the ack or the DOWN"),
    }
}

/// Spawns a gen-server on `node`, linked to the caller, and waits until `init` has
/// run. If `init` fails the child unlinks, exits with the reason, and the caller gets
/// `Err(reason)`; if it panics, the caller gets `Err(panic)` (and, being linked, the
/// exit signal, which kills it unless it traps exits).
pub async fn start_link<S, I>(ctx: &Ctx, node: NodeId, opts: SpawnOpts, init: I) -> Result<Pid, Reason>
where
    S: GenServer,
    I: FnOnce(&Ctx) -> Result<S, Reason> + Send + 'static,
{
    start_link_with(ctx, node, opts, move |c: &Ctx| init(c).map(|s| move |c: Ctx| serve(c, s))).await
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
    let parent = ctx.pid();
    let tag = ctx.kernel.lock().new_ref();
    let child = ctx.spawn_opts(node, opts.linked(), move |c: Ctx| async move {
        match init(&c) {
            Ok(body) => {
                c.send(parent, InitAck::<Reason> { tag, result: Ok(()) });
                body(c).await.into()
            }
            Err(reason) => {
                c.unlink(parent);
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
