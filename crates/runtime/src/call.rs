//! Gen-server calls and casts: `call` = monitor + send + wait for the reply, the
//! DOWN, or a timeout. The monitor is always removed, and a reply that arrives after
//! the caller stopped waiting is discarded (as OTP's process aliases do).

use std::time::Duration;

use crate::message::{Message, Payload, ReplyTo, Term};
use crate::pid::{NodeId, Pid, Ref};
use crate::process::Ctx;
use crate::reason::Reason;

/// Who to call or cast to: a pid, or a name registered on a node.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dest {
    /// A process.
    Pid(Pid),
    /// A registered name on a node.
    Name(NodeId, String),
}

impl From<Pid> for Dest {
    fn from(pid: Pid) -> Self {
        Dest::Pid(pid)
    }
}

impl From<(NodeId, &str)> for Dest {
    fn from((node, name): (NodeId, &str)) -> Self {
        Dest::Name(node, name.to_owned())
    }
}

/// Why a call got no answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallError {
    /// No answer within the timeout. The request may still be handled later.
    Timeout,
    /// The server was dead (`noproc`), unreachable (`noconnection`), or exited with
    /// this reason before answering.
    Exit(Reason),
    /// A process called itself, which would deadlock (`calling_self` in OTP).
    CallingSelf,
    /// The answer was not of the expected type.
    BadReply,
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::Timeout => f.write_str("call timed out"),
            CallError::Exit(reason) => write!(f, "server exited: {reason}"),
            CallError::CallingSelf => f.write_str("a process called itself"),
            CallError::BadReply => f.write_str("reply of an unexpected type"),
        }
    }
}

impl std::error::Error for CallError {}

/// Ends a call's wait however the call ends, even when the caller drops the call's
/// future midway (a `select!` or an outer timeout): the monitor goes, and the reply,
/// queued or late, is discarded. It only tidies the caller's own tables, so it sends
/// no signal when a killed process's task is dropped.
struct CallWait<'a> {
    ctx: &'a Ctx,
    tag: Ref,
}

impl Drop for CallWait<'_> {
    fn drop(&mut self) {
        let (me, tag) = (self.ctx.pid, self.tag);
        self.ctx.kernel.act(|s| {
            s.demonitor(me, tag, true);
            s.stop_awaiting(me, tag);
        });
    }
}

impl Ctx {
    fn resolve(&self, dest: &Dest) -> Option<Pid> {
        match dest {
            Dest::Pid(pid) => Some(*pid),
            Dest::Name(node, name) => self.whereis(*node, name),
        }
    }

    /// Calls a gen-server and waits up to `timeout` for its answer. An unknown name
    /// is `Exit(noproc)`, as in OTP.
    pub async fn call<Req: Term, Resp: Term>(
        &self,
        to: impl Into<Dest>,
        request: Req,
        timeout: Duration,
    ) -> Result<Resp, CallError> {
        let dest = to.into();
        let Some(server) = self.resolve(&dest) else {
            // A name on a node that cannot be reached is `noconnection`, as OTP's
            // monitor of `{Name, Node}` reports; a name that is not there is `noproc`.
            let reason = match &dest {
                Dest::Name(node, _) if self.kernel.lock().unreachable(self.node(), *node) => Reason::Noconnection,
                _ => Reason::Noproc,
            };
            return Err(CallError::Exit(reason));
        };
        if server == self.pid {
            return Err(CallError::CallingSelf);
        }
        let me = self.pid;
        let tag = self.kernel.act(|s| {
            let tag = s.monitor(me, server);
            s.await_reply(me, tag);
            s.send(me, server, Message::Call { from: ReplyTo { pid: me, tag }, body: Payload::new(request) });
            tag
        });
        let is_answer = |m: &Message| match m {
            Message::Reply { tag: t, .. } => *t == tag,
            Message::Down(d) => d.monitor == tag,
            _ => false,
        };
        let wait = CallWait { ctx: self, tag };
        let answer = self.recv_match_timeout(is_answer, timeout).await;
        drop(wait);
        match answer {
            None => {
                let state = self.kernel.lock();
                if still_queued(&state, me, server, tag) {
                    crate::reached!("call.timeout_while_queued");
                } else if reply_in_flight(&state, me, server, tag) {
                    crate::reached!("call.timeout_with_reply_in_flight");
                }
                Err(CallError::Timeout)
            }
            Some(Message::Reply { body, .. }) => body.downcast::<Resp>().map_err(|_| CallError::BadReply),
            Some(Message::Down(down)) => Err(CallError::Exit(down.reason)),
            Some(_) => unreachable!("recv_match only accepts the reply or the DOWN"),
        }
    }

    /// Casts to a gen-server: fire and forget. Never fails, even for an unknown name.
    pub fn cast<T: Term>(&self, to: impl Into<Dest>, msg: T) {
        let Some(server) = self.resolve(&to.into()) else {
            return;
        };
        let from = self.pid;
        self.kernel.act(|s| s.send(from, server, Message::Cast { from, body: Payload::new(msg) }));
    }

    /// Answers a call.
    pub fn reply<T: Term>(&self, to: ReplyTo, value: T) {
        let from = self.pid;
        self.kernel.act(|s| s.send(from, to.pid, Message::Reply { tag: to.tag, body: Payload::new(value) }));
    }
}

/// True if the call tagged `tag` is still in flight or in `server`'s mailbox: the
/// caller gave up before the server even read the request.
fn still_queued(state: &crate::kernel::State, caller: Pid, server: Pid, tag: Ref) -> bool {
    let is_request = |m: &Message| matches!(m, Message::Call { from, .. } if from.tag == tag);
    state.in_transit(caller, server, is_request) || state.in_mailbox(server, is_request)
}

/// True if the reply to the call tagged `tag` is on its way back: the server handled
/// the request, but too late for the caller.
fn reply_in_flight(state: &crate::kernel::State, caller: Pid, server: Pid, tag: Ref) -> bool {
    state.in_transit(server, caller, |m| matches!(m, Message::Reply { tag: t, .. } if *t == tag))
}
