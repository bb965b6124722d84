//! Delayed delivery that keeps per-pair FIFO order.
//!
//! A message with a delay waits in its (sender, receiver) queue; anything the same
//! sender sends the same receiver afterwards queues behind it, delayed or not. One
//! pump task per non-empty queue delivers what is due. The pump runs on the sender's
//! node, so a node crash loses what that node had in flight, as a real network does.

use std::sync::Arc;

use crate::kernel::Kernel;
use crate::pid::Pid;

/// Delivers the pair's queue in order until it is empty.
pub(crate) async fn pump(kernel: Arc<Kernel>, pair: (Pid, Pid)) {
    loop {
        let next = kernel.act(|state| state.deliver_due(pair));
        match next {
            Some(at) => madsim::time::sleep_until(at).await,
            None => return,
        }
    }
}
