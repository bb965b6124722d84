//! Stopping children the way OTP's supervisor does: monitor, unlink, send the exit
//! signal, and wait for the DOWN (killing after the timeout). Waiting for the DOWN,
//! not the EXIT, means a child that unlinked itself cannot hang the supervisor.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::message::Message;
use crate::pid::{Pid, Ref};
use crate::process::Ctx;
use crate::reason::Reason;

use super::spec::Shutdown;

/// Stops `children` all at once and waits until every one is gone; returns each
/// one's exit reason, in the given order. A static supervisor passes one child at a
/// time (youngest first); a dynamic one passes them all, as OTP's do.
pub(super) async fn stop(ctx: &Ctx, children: &[(Pid, Shutdown)]) -> Vec<Reason> {
    let mut pending: BTreeMap<Ref, (usize, Pid)> = BTreeMap::new();
    let mut deadlines: Vec<(Duration, Ref)> = Vec::new();
    for (i, &(pid, mode)) in children.iter().enumerate() {
        let mref = ctx.monitor(pid);
        // Unlinked, the child's exit sends no EXIT; one already sent stays queued and
        // is read below.
        ctx.unlink(pid);
        match mode {
            Shutdown::BrutalKill => ctx.exit(pid, Reason::Kill),
            Shutdown::Timeout(limit) => {
                ctx.exit(pid, Reason::Shutdown);
                deadlines.push((ctx.now() + limit, mref));
            }
            Shutdown::Infinity => ctx.exit(pid, Reason::Shutdown),
        }
        pending.insert(mref, (i, pid));
    }
    let mut reasons = vec![Reason::Noproc; children.len()];
    while !pending.is_empty() {
        let is_down = |m: &Message| matches!(m, Message::Down(d) if pending.contains_key(&d.monitor));
        let next_deadline = deadlines.iter().map(|(at, _)| *at).min();
        let down = match next_deadline {
            Some(at) => madsim::time::timeout(at.saturating_sub(ctx.now()), ctx.recv_match(is_down)).await.ok(),
            None => Some(ctx.recv_match(is_down).await),
        };
        match down {
            Some(Message::Down(down)) => {
                let (i, pid) = pending.remove(&down.monitor).expect("matched a pending monitor");
                deadlines.retain(|(_, r)| *r != down.monitor);
                // A child that died before the unlink sent an EXIT first (signals from
                // one sender keep their order): its reason is the real one, not `noproc`.
                reasons[i] = take_exit(ctx, pid).unwrap_or(down.reason);
            }
            Some(_) => unreachable!("recv_match only accepts a pending DOWN"),
            None => {
                let now = ctx.now();
                for (_, mref) in deadlines.iter().filter(|(at, _)| *at <= now) {
                    if let Some((_, pid)) = pending.get(mref) {
                        ctx.exit(*pid, Reason::Kill);
                    }
                }
                deadlines.retain(|(at, _)| *at > now);
            }
        }
    }
    reasons
}

/// Removes the first trapped EXIT from `from` in the caller's mailbox, if any, and
/// returns its reason.
pub(super) fn take_exit(ctx: &Ctx, from: Pid) -> Option<Reason> {
    let exit_of = |m: &Message| matches!(m, Message::Exit { from: f, .. } if *f == from);
    match ctx.kernel.lock().take_message(ctx.pid(), exit_of)? {
        Message::Exit { reason, .. } => Some(reason),
        _ => unreachable!("position found an EXIT"),
    }
}
