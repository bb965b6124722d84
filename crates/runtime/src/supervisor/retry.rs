//! Retries of failed restarts. OTP's supervisor casts itself `try_again_restart`, so
//! a retry waits behind the messages already queued (a shutdown request, say). The
//! retry is kept here instead of being sent, because a message to oneself could be
//! dropped by the fault layer; each retry remembers how many messages were ahead.

use std::collections::VecDeque;

use crate::message::Message;
use crate::process::Ctx;

/// What a supervisor handles next.
pub(super) enum Next<K> {
    /// A message from its mailbox.
    Message(Message),
    /// The retry of the restart keyed `K`.
    Retry(K),
}

/// Pending retries, in the order they were scheduled.
pub(super) struct Retries<K> {
    pending: VecDeque<(K, usize)>,
}

impl<K> Retries<K> {
    pub(super) fn new() -> Self {
        Retries { pending: VecDeque::new() }
    }

    /// Schedules a retry behind everything now in `ctx`'s mailbox.
    pub(super) fn schedule(&mut self, ctx: &Ctx, key: K) {
        self.pending.push_back((key, ctx.mailbox_len()));
    }

    /// The next message or retry, in the order OTP would see them.
    pub(super) async fn next(&mut self, ctx: &Ctx) -> Next<K> {
        let Some(ahead) = self.pending.front().map(|(_, ahead)| *ahead) else {
            return Next::Message(ctx.recv().await);
        };
        // Messages taken out of order meanwhile (by a selective receive) shrink the
        // mailbox: when it is empty, nothing is ahead of any retry any more.
        let taken = if ahead > 0 { ctx.try_recv() } else { None };
        match taken {
            Some(msg) => {
                for (_, ahead) in self.pending.iter_mut() {
                    *ahead = ahead.saturating_sub(1);
                }
                Next::Message(msg)
            }
            None => {
                if ahead > 0 {
                    for (_, ahead) in self.pending.iter_mut() {
                        *ahead = 0;
                    }
                }
                let (key, _) = self.pending.pop_front().expect("front exists");
                Next::Retry(key)
            }
        }
    }
}
