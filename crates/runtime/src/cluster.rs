//! The cluster: nodes, their crashes and restarts, partitions, and the tables.
//!
//! Faults come in pairs: [`Cluster::crash_node`] / [`Cluster::restart_node`],
//! [`Cluster::partition`] / [`Cluster::heal`]. What survives each is said on the verb.

use std::future::Future;
use std::sync::{Arc, Weak};

use madsim::runtime::Handle;

use crate::faults::{ForcedFates, MessageFaults};
use crate::kernel::Kernel;
use crate::pid::{NodeId, Pid};
use crate::process::{spawn_process, Ctx, SpawnOpts};
use crate::reason::Reason;
use crate::store::Store;
use crate::tables::Tables;

/// A handle on one simulated cluster. Cheap to clone. Create it inside a madsim
/// runtime; its random streams derive from that runtime's seed.
#[derive(Clone)]
pub struct Cluster {
    pub(crate) kernel: Arc<Kernel>,
}

impl Default for Cluster {
    fn default() -> Self {
        Self::new()
    }
}

impl Cluster {
    /// An empty cluster in the current madsim runtime.
    ///
    /// # Panics
    /// Outside a madsim runtime (there is no simulation to run in).
    pub fn new() -> Self {
        let seed = Handle::current().seed();
        Cluster { kernel: Kernel::new(seed) }
    }

    /// The run's seed.
    pub fn seed(&self) -> u64 {
        self.kernel.lock().seed
    }

    /// Adds a node. `boot` runs now and again after every restart: it starts the
    /// node's application (spawns its root processes) and returns.
    pub fn add_node<B, Fut>(&self, name: &str, boot: B) -> NodeId
    where
        B: Fn(Cluster, NodeId) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        let id = self.kernel.lock().next_node_id();
        let weak: Weak<Kernel> = Arc::downgrade(&self.kernel);
        let boot = Arc::new(boot);
        let handle = Handle::current()
            .create_node()
            .name(name)
            .init(move || {
                let (weak, boot) = (weak.clone(), boot.clone());
                async move {
                    if let Some(kernel) = weak.upgrade() {
                        boot(Cluster { kernel }, id).await;
                    }
                    // The node lives on after booting; madsim ends a node whose init returns.
                    std::future::pending::<()>().await;
                }
            })
            .build();
        let added = self.kernel.lock().add_node(name.into(), handle);
        debug_assert_eq!(added, id);
        id
    }

    /// Every node, in creation order.
    pub fn nodes(&self) -> Vec<NodeId> {
        self.kernel.lock().node_ids()
    }

    /// A node's name.
    pub fn node_name(&self, node: NodeId) -> Option<String> {
        self.kernel.lock().node_name(node).map(|n| n.to_string())
    }

    /// True if the node is running.
    pub fn is_up(&self, node: NodeId) -> bool {
        self.kernel.lock().node_is_up(node)
    }

    /// Crashes a node: every process on it dies at once (remote watchers see
    /// `noconnection`), its in-flight messages and unsynced writes may be lost.
    /// Synced storage survives. Crashing a node that is down does nothing.
    pub fn crash_node(&self, node: NodeId) {
        let handle = self.kernel.act(|s| {
            let up = s.node_is_up(node);
            s.crash_node(node);
            s.madsim_handle(node).filter(|_| up)
        });
        if let Some(handle) = handle {
            Handle::current().kill(handle.id());
        }
    }

    /// Restarts a node (crashing it first if it is up): a new incarnation boots
    /// from its synced storage.
    pub fn restart_node(&self, node: NodeId) {
        self.crash_node(node);
        let Some(old) = self.kernel.lock().madsim_handle(node) else {
            return;
        };
        let runtime = Handle::current();
        runtime.restart(old.id());
        let fresh = runtime.get_node(old.id()).expect("madsim keeps restarted nodes");
        self.kernel.act(|s| s.mark_restarted(node, fresh));
    }

    /// Cuts every link between the two sides, both ways, until [`Cluster::heal`].
    /// Connections drop: monitors and links across fire `noconnection`.
    pub fn partition(&self, side_a: &[NodeId], side_b: &[NodeId]) {
        self.kernel.act(|s| s.partition(side_a, side_b));
    }

    /// Drops messages from `from` to `to` (not the other way) until healed. Monitors
    /// and links stay: only messages are lost.
    pub fn partition_one_way(&self, from: NodeId, to: NodeId) {
        self.kernel.act(|s| s.partition_one_way(from, to));
    }

    /// Heals every partition.
    pub fn heal(&self) {
        self.kernel.act(|s| s.heal());
    }

    /// Heals the partition between two nodes, both ways.
    pub fn heal_between(&self, a: NodeId, b: NodeId) {
        self.kernel.act(|s| s.heal_between(a, b));
    }

    /// Node pairs (from, to) whose messages are currently dropped.
    pub fn partitions(&self) -> Vec<(NodeId, NodeId)> {
        self.kernel.lock().faults.blocked_pairs()
    }

    /// Sets the rates of message loss, duplication and delay.
    pub fn set_message_faults(&self, faults: MessageFaults) {
        self.kernel.lock().faults.set(faults);
    }

    /// Forces the fate of single messages, by the id their trace events carry (`msg`),
    /// replacing what was forced before; the rates decide every other message.
    pub fn force_fates(&self, forced: ForcedFates) {
        self.kernel.lock().faults.force(forced);
    }

    /// The current message fault rates.
    pub fn message_faults(&self) -> MessageFaults {
        self.kernel.lock().faults.faults().clone()
    }

    /// Spawns a process on `node` with no parent.
    pub fn spawn<F, Fut, R>(&self, node: NodeId, opts: SpawnOpts, body: F) -> Pid
    where
        F: FnOnce(Ctx) -> Fut + Send + 'static,
        Fut: Future<Output = R> + Send + 'static,
        R: Into<Reason> + 'static,
    {
        spawn_process(&self.kernel, node, None, opts, false, body).0
    }

    /// Injects a programming defect (fault injection): the process panics the next time
    /// it waits for a message, as a handler bug would crash it. Returns false if the
    /// process is not alive.
    pub fn inject_defect(&self, pid: Pid) -> bool {
        self.kernel.act(|s| s.inject_defect(pid))
    }

    /// Kills a process from outside (fault injection): untrappable, reason `killed`.
    pub fn kill(&self, pid: Pid) {
        self.kernel.act(|s| s.terminate(pid, Reason::Killed));
    }

    /// True if `pid` is alive.
    pub fn is_alive(&self, pid: Pid) -> bool {
        self.kernel.lock().is_alive(pid)
    }

    /// The process registered as `name` on `node`, if any.
    pub fn whereis(&self, node: NodeId, name: &str) -> Option<Pid> {
        self.kernel.lock().whereis(node, name)
    }

    /// A snapshot of the runtime's tables.
    pub fn tables(&self) -> Tables {
        self.kernel.lock().tables()
    }

    /// Runs `f` on a node's durable store (`None` for an unknown node).
    pub fn with_store<R>(&self, node: NodeId, f: impl FnOnce(&mut Store) -> R) -> Option<R> {
        self.kernel.lock().store_mut(node).map(f)
    }

    /// Ends the simulation's activity: kills every node without signals and steps the
    /// scheduler once so their tasks are dropped (madsim leaks them otherwise).
    pub async fn halt(&self) {
        let handles: Vec<_> = {
            let s = self.kernel.lock();
            s.node_ids().into_iter().filter(|n| s.node_is_up(*n)).filter_map(|n| s.madsim_handle(n)).collect()
        };
        for handle in handles {
            Handle::current().kill(handle.id());
        }
        self.kernel.lock().clear();
        madsim::time::sleep(std::time::Duration::from_millis(1)).await;
    }
}
