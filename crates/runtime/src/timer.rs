//! Timers (`erlang:send_after`): a message sent later, owned by the process that set
//! it and cancelled when that process dies.

use std::sync::Arc;
use std::time::Duration;

use crate::kernel::Kernel;
use crate::message::{Message, Payload};
use crate::pid::{Pid, Ref};

/// Starts a timer on the owner's node. A dead owner gets a reference that never fires.
pub(crate) fn start(kernel: &Arc<Kernel>, owner: Pid, dest: Pid, body: Payload, delay: Duration) -> Ref {
    kernel.act(|state| {
        let Some(tref) = state.add_timer(owner, dest) else {
            return state.new_ref();
        };
        let Some(node) = state.madsim_handle(owner.node) else {
            return tref;
        };
        let k = kernel.clone();
        let task = node.spawn(async move {
            madsim::time::sleep(delay).await;
            k.act(|s| {
                if let Some((owner, dest)) = s.take_timer(tref) {
                    s.send(owner, dest, Message::Info { from: owner, body });
                }
            });
        });
        state.set_timer_task(tref, task.abort_handle());
        tref
    })
}
