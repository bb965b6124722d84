//! Nodes: adding, crashing and restarting them, partitions, and whether one node can
//! reach another.

use std::sync::Arc;

use madsim::runtime::NodeHandle;
use tracing::debug;

use super::State;
use crate::emit::{emit, Emitted, Msg};
use crate::message::{Down, Message};
use crate::pid::{NodeId, Pid, Ref};
use crate::reason::Reason;
use crate::store::Store;

pub(super) struct NodeEntry {
    name: Arc<str>,
    handle: NodeHandle,
    pub(super) incarnation: u32,
    up: bool,
    store: Store,
}

impl State {
    pub(crate) fn add_node(&mut self, name: Arc<str>, handle: NodeHandle) -> NodeId {
        let id = NodeId(self.nodes.len() as u32);
        let store = Store::new(crate::rng::stream(self.seed, &format!("store/{id}")));
        self.nodes.push(NodeEntry { name, handle, incarnation: 0, up: true, store });
        id
    }

    pub(crate) fn next_node_id(&self) -> NodeId {
        NodeId(self.nodes.len() as u32)
    }

    pub(crate) fn node_ids(&self) -> Vec<NodeId> {
        (0..self.nodes.len() as u32).map(NodeId).collect()
    }

    pub(crate) fn node_name(&self, node: NodeId) -> Option<Arc<str>> {
        self.nodes.get(node.0 as usize).map(|n| n.name.clone())
    }

    pub(crate) fn node_is_up(&self, node: NodeId) -> bool {
        self.nodes.get(node.0 as usize).is_some_and(|n| n.up)
    }

    /// The incarnation a pid spawned on `node` now gets.
    pub(super) fn incarnation(&self, node: NodeId) -> u32 {
        self.nodes.get(node.0 as usize).map_or(0, |n| n.incarnation)
    }

    pub(crate) fn madsim_handle(&self, node: NodeId) -> Option<NodeHandle> {
        self.nodes.get(node.0 as usize).map(|n| n.handle.clone())
    }

    pub(crate) fn store_mut(&mut self, node: NodeId) -> Option<&mut Store> {
        self.nodes.get_mut(node.0 as usize).map(|n| &mut n.store)
    }

    /// True if `to`'s node cannot currently be reached from `from`'s node: it is down,
    /// or a partition blocks the way. The one rule every operation across nodes obeys.
    pub(crate) fn unreachable(&self, from: NodeId, to: NodeId) -> bool {
        !self.node_is_up(to) || self.faults.is_blocked(from, to)
    }

    /// Marks a node down and kills every process on it, as seen from the rest of the
    /// cluster: remote watchers get DOWN `noconnection`, remote links an EXIT
    /// `noconnection`. Messages still in flight from the node are lost with it.
    pub(crate) fn crash_node(&mut self, node: NodeId) {
        let Some(entry) = self.nodes.get_mut(node.0 as usize) else {
            return;
        };
        if !entry.up {
            return;
        }
        entry.up = false;
        entry.store.lose_unsynced();
        debug!(target: "otpsim", event = crate::event::kind::NODE_CRASH, node = node.text().as_str());
        // Messages in flight from the node are lost with it, but a DOWN or EXIT already
        // sent stands: its monitor or link is gone, so dropping it would lose the signal.
        let now = super::mailbox::now();
        for ((from, to), queue) in self.transit.take_from_node(node) {
            for f in queue {
                if f.msg.is_faultable() {
                    let msg = Msg { id: f.id, from, to, kind: f.msg.kind() };
                    emit(Emitted::Drop { cause: crate::event::cause::NODE_CRASH, msg });
                } else {
                    self.deliver_now(from, to, f, now);
                }
            }
        }
        let doomed: Vec<Pid> = self.procs.keys().filter(|p| p.node == node).copied().collect();
        for pid in doomed {
            self.terminate(pid, Reason::Noconnection);
        }
        // Timers run on their owner's node and die with it.
        let lost: Vec<Ref> = self.timers.iter().filter(|(_, t)| t.owner.node == node).map(|(r, _)| *r).collect();
        for tref in lost {
            self.take_timer(tref);
        }
    }

    /// Marks a crashed node up again with the next incarnation and the handle of its
    /// restarted madsim node; returns the incarnation.
    pub(crate) fn mark_restarted(&mut self, node: NodeId, handle: NodeHandle) -> u32 {
        let entry = &mut self.nodes[node.0 as usize];
        entry.incarnation += 1;
        entry.up = true;
        entry.handle = handle;
        debug!(target: "otpsim", event = crate::event::kind::NODE_RESTART, node = node.text().as_str(), incarnation = entry.incarnation);
        entry.incarnation
    }

    /// A symmetric partition: the two sides disconnect, as distribution does when a
    /// connection is lost. Monitors across fire `noconnection`, links across break
    /// with an exit signal `noconnection`.
    pub(crate) fn partition(&mut self, side_a: &[NodeId], side_b: &[NodeId]) {
        for &a in side_a {
            for &b in side_b {
                self.faults.block(a, b);
                self.faults.block(b, a);
            }
        }
        debug!(target: "otpsim", event = crate::event::kind::PARTITION, a = ?side_a, b = ?side_b);
        let across = |x: NodeId, y: NodeId| {
            (side_a.contains(&x) && side_b.contains(&y)) || (side_b.contains(&x) && side_a.contains(&y))
        };
        let cut: Vec<Ref> =
            self.monitors.iter().filter(|(_, m)| across(m.watcher.node, m.target.node)).map(|(r, _)| *r).collect();
        for mref in cut {
            if let Some(m) = self.remove_monitor(mref) {
                let down = Down { monitor: mref, pid: m.target, name: m.name, reason: Reason::Noconnection };
                self.deliver_signal(m.target, m.watcher, Message::Down(down));
            }
        }
        let links: Vec<(Pid, Pid)> = self
            .procs
            .iter()
            .flat_map(|(p, rec)| rec.links.iter().map(move |q| (*p, *q)))
            .filter(|(p, q)| p < q && across(p.node, q.node))
            .collect();
        for (p, q) in links {
            self.unlink(p, q);
            self.exit_signal(q, p, Reason::Noconnection);
            self.exit_signal(p, q, Reason::Noconnection);
        }
    }

    /// A one-way partition: messages from `from` to `to` are dropped. The connection
    /// stays up, so monitors and links are not affected.
    pub(crate) fn partition_one_way(&mut self, from: NodeId, to: NodeId) {
        self.faults.block(from, to);
        debug!(target: "otpsim", event = crate::event::kind::PARTITION_ONE_WAY, from = from.text().as_str(), to = to.text().as_str());
    }

    pub(crate) fn heal(&mut self) {
        self.faults.heal_all();
        debug!(target: "otpsim", event = crate::event::kind::HEAL);
    }

    pub(crate) fn heal_between(&mut self, a: NodeId, b: NodeId) {
        self.faults.heal(a, b);
        self.faults.heal(b, a);
        debug!(target: "otpsim", event = crate::event::kind::HEAL, a = a.text().as_str(), b = b.text().as_str());
    }
}
