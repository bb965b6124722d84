//! Timers (`erlang:send_after`, `erlang:start_timer`): a message sent later.
//!
//! A timer follows its destination, as OTP's do: one aimed at a pid is cancelled
//! when that process is not alive or exits, and it survives the death of the process
//! that set it. One aimed at a registered name looks the name up when it fires. A
//! timer runs on the node of the process that set it, so a crash of that node loses
//! it.

use std::sync::Arc;
use std::time::Duration;

use crate::call::Dest;
use crate::kernel::Kernel;
use crate::message::Payload;
use crate::pid::{Pid, Ref};

/// What a timer sends when it fires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    /// The bare message (`send_after`).
    Bare,
    /// `{timeout, Ref, Msg}` (`start_timer`).
    Timeout,
}

/// Starts a timer set by `owner`. A pid destination that is not alive, or a dead
/// owner, gives a reference that never fires.
pub(crate) fn start(kernel: &Arc<Kernel>, owner: Pid, dest: Dest, body: Payload, delay: Duration, shape: Shape) -> Ref {
    kernel.act(|state| {
        let tref = state.new_ref();
        let due = madsim::time::TimeHandle::current().now_instant() + delay;
        let Some(node) = state.arm_timer(tref, owner, dest, due, shape == Shape::Timeout) else {
            return tref;
        };
        let k = kernel.clone();
        let task = node.spawn(async move {
            madsim::time::sleep_until(due).await;
            k.act(|s| s.fire(tref, body));
        });
        state.set_timer_task(tref, task.abort_handle());
        tref
    })
}
