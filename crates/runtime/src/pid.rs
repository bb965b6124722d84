//! Identities: nodes, processes and references.
//!
//! otpsim numbers these itself, from counters that live in one simulation, so the
//! same seed gives the same ids (madsim task ids are process-global and are not).

use std::fmt;

/// A node of the simulated cluster, numbered from 0 in creation order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub u32);

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "n{}", self.0)
    }
}

/// A process id: unique within a run and never reused.
///
/// `serial` comes first so pids order by spawn order; `incarnation` is the node's
/// restart count when the process was spawned (Erlang's "creation").
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pid {
    /// Spawn order within the run.
    pub serial: u64,
    /// The node the process runs on.
    pub node: NodeId,
    /// How many times that node had restarted when the process was spawned.
    pub incarnation: u32,
}

impl Pid {
    /// No process: what a DOWN names as its pid when its monitor was set on a
    /// registered name that nobody held. Serial 0 is never given to a process.
    pub fn nobody(node: NodeId) -> Pid {
        Pid { serial: 0, node, incarnation: 0 }
    }
}

impl fmt::Display for Pid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{}.{}.{}>", self.node.0, self.serial, self.incarnation)
    }
}

/// A unique reference: names a monitor, a call, or a timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ref(pub u64);

impl fmt::Display for Ref {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#Ref<{}>", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pids_display_like_erlang_and_order_by_spawn() {
        let a = Pid { serial: 7, node: NodeId(2), incarnation: 1 };
        let b = Pid { serial: 8, node: NodeId(0), incarnation: 0 };
        assert_eq!(a.to_string(), "<2.7.1>");
        assert!(a < b);
    }
}
