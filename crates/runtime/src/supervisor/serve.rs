//! The one loop every supervisor runs once its children are started: take the next
//! message or restart retry, act on it, and stop the children when it must exit.

use crate::message::{Message, Payload, ReplyTo};
use crate::pid::Pid;
use crate::process::Ctx;
use crate::reason::Reason;

use super::events;
use super::retry::{Next, Retries};

/// What differs between the kinds of supervisor: how they key their children, and
/// what they do with an exit, a retry and a call. Each answers `Some(reason)` when
/// the supervisor must exit with that reason.
pub(super) trait Supervising {
    /// How a pending restart retry names its child.
    type Key;

    fn retries(&mut self) -> &mut Retries<Self::Key>;
    async fn retry(&mut self, ctx: &Ctx, key: Self::Key) -> Option<Reason>;
    async fn child_exited(&mut self, ctx: &Ctx, pid: Pid, reason: Reason) -> Option<Reason>;
    /// A call; a body it does not understand is `Err(body)` (OTP's supervisor has no
    /// clause for a foreign call and crashes).
    async fn call(&mut self, ctx: &Ctx, from: ReplyTo, body: Payload) -> Result<(), Payload>;
    /// Stops every child as the supervisor exits.
    async fn stop_all(&mut self, ctx: &Ctx);
}

/// Serves until `parent` exits, a foreign call comes or the restart intensity is
/// exceeded; then stops every child, traces the shutdown and returns the reason.
pub(super) async fn serve<S: Supervising>(sup: &mut S, ctx: &Ctx, parent: Option<Pid>) -> Reason {
    let reason = loop {
        let next = sup.retries().next(ctx).await;
        let exit = match next {
            Next::Retry(key) => sup.retry(ctx, key).await,
            Next::Message(Message::Exit { from, reason }) if Some(from) == parent => Some(reason),
            Next::Message(Message::Exit { from, reason }) => sup.child_exited(ctx, from, reason).await,
            Next::Message(Message::Call { from, body }) => {
                sup.call(ctx, from, body).await.err().map(|body| Reason::error(format!("bad call: {body:?}")))
            }
            // OTP logs and ignores anything else.
            Next::Message(_) => None,
        };
        if let Some(reason) = exit {
            break reason;
        }
    };
    sup.stop_all(ctx).await;
    events::supervisor_shutdown(ctx.pid(), &reason);
    reason
}
