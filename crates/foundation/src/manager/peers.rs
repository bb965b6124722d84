//! The manager's per-receiver state and the rule that ties it to a monitor: a
//! receiver is monitored exactly while the manager holds state for it.
//!
//! State (a breaker with failures or not closed, a non-empty buffer, a replay in
//! flight) appears on the first failure and goes when the receiver is idle again or
//! dies. Tracking monitors it (`peer_tracked`); dropping demonitors it with flush
//! (`peer_dropped`). Two flaws bend this: `leaky_monitor` forgets the monitor of an
//! idle live receiver without demonitoring it, and `breaker_table_growth` keeps a dead
//! receiver's entry forever.

use std::collections::BTreeMap;

use otpsim_runtime::{reached, Ctx, Down, Pid, Ref};

use super::buffer::{Buffer, MsgKey};
use super::trace;
use super::{BreakerState, ReceiverStats};

/// Where a receiver's breaker is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Requests go straight to the receiver.
    Closed,
    /// Requests are buffered until the reset timer of this generation fires.
    Open { generation: u64 },
    /// The reset timer fired; the buffer is being replayed, this request is in flight.
    Replaying { key: MsgKey },
}

/// What the manager holds for one receiver.
#[derive(Debug)]
pub(crate) struct Peer {
    /// The monitor on the receiver (`None` only for a dead receiver kept by the
    /// `breaker_table_growth` flaw).
    pub monitor: Option<Ref>,
    /// Consecutive failures.
    pub failures: u32,
    pub phase: Phase,
    /// The pending reset timer.
    pub timer: Option<Ref>,
    pub buffer: Buffer,
}

impl Peer {
    /// True while there is anything to remember about the receiver.
    pub fn holds_state(&self) -> bool {
        self.failures > 0 || self.phase != Phase::Closed || !self.buffer.is_empty()
    }

    /// True if `key` waits in the buffer or is being replayed.
    pub fn holds(&self, key: MsgKey) -> bool {
        self.phase == (Phase::Replaying { key }) || self.buffer.holds(key)
    }

    fn stats(&self) -> ReceiverStats {
        ReceiverStats {
            breaker: match self.phase {
                Phase::Closed => BreakerState::Closed,
                Phase::Open { .. } => BreakerState::Open,
                Phase::Replaying { .. } => BreakerState::Replaying,
            },
            failures: self.failures,
            buffer_len: self.buffer.len(),
            monitor: self.monitor,
            reset_timer: self.timer,
        }
    }
}

/// The receivers the manager holds state for.
#[derive(Debug)]
pub(crate) struct Peers {
    map: BTreeMap<Pid, Peer>,
    /// The `leaky_monitor` flaw: forget monitors without demonitoring.
    leaky: bool,
    /// The `breaker_table_growth` flaw: keep dead receivers' entries.
    keep_dead: bool,
}

impl Peers {
    pub fn new(leaky: bool, keep_dead: bool) -> Self {
        Peers { map: BTreeMap::new(), leaky, keep_dead }
    }

    pub fn get_mut(&mut self, receiver: Pid) -> Option<&mut Peer> {
        self.map.get_mut(&receiver)
    }

    /// The receiver's state, created and monitored if the manager held none.
    pub fn track(&mut self, ctx: &Ctx, receiver: Pid) -> &mut Peer {
        self.map.entry(receiver).or_insert_with(|| {
            trace::peer_tracked(receiver);
            Peer {
                monitor: Some(ctx.monitor(receiver)),
                failures: 0,
                phase: Phase::Closed,
                timer: None,
                buffer: Buffer::default(),
            }
        })
    }

    /// Drops the receiver's state if it holds nothing any more.
    pub fn release_if_idle(&mut self, ctx: &Ctx, receiver: Pid) {
        if self.map.get(&receiver).is_some_and(|p| !p.holds_state()) {
            self.drop_peer(ctx, receiver, !self.leaky, "idle");
        }
    }

    /// Handles a DOWN: if it is a tracked receiver's, returns its state, removed
    /// (the caller settles what was buffered). The `breaker_table_growth` path keeps
    /// the entry, without a monitor, and returns nothing.
    pub fn on_down(&mut self, ctx: &Ctx, down: &Down) -> Option<Peer> {
        let peer = self.map.get_mut(&down.pid).filter(|p| p.monitor == Some(down.monitor))?;
        reached!("manager.receiver_down_with_state");
        if self.keep_dead {
            peer.monitor = None;
            return None;
        }
        self.drop_peer(ctx, down.pid, true, "down")
    }

    /// Removes a receiver's state: its reset timer is cancelled and, if `demonitor`,
    /// its monitor removed with any DOWN already queued.
    /// Forgets `receiver`; `cause` says why, as `peer_dropped` traces it.
    fn drop_peer(&mut self, ctx: &Ctx, receiver: Pid, demonitor: bool, cause: &'static str) -> Option<Peer> {
        let peer = self.map.remove(&receiver)?;
        if let (true, Some(monitor)) = (demonitor, peer.monitor) {
            ctx.demonitor_flush(monitor);
        }
        if let Some(timer) = peer.timer {
            ctx.cancel_timer(timer);
        }
        trace::peer_dropped(receiver, cause);
        Some(peer)
    }

    /// Per-receiver statistics.
    pub fn stats(&self) -> BTreeMap<Pid, ReceiverStats> {
        self.map.iter().map(|(pid, p)| (*pid, p.stats())).collect()
    }

    /// The monitors held in this table, by reference.
    pub fn monitors(&self) -> impl Iterator<Item = (Ref, Pid)> + '_ {
        self.map.iter().filter_map(|(pid, p)| p.monitor.map(|m| (m, *pid)))
    }
}
