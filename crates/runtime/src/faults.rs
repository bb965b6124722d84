//! The message fault layer: one decision per message, from a seeded stream.
//!
//! Every message between processes passes one decision point (`FaultLayer::fate`). It decides whether
//! the message is delivered, dropped, duplicated or delayed. Whatever is delivered
//! keeps per-pair FIFO order (the transit queues see to that). Runtime signals
//! (DOWN, EXIT) are never dropped: a lost connection is reported as `noconnection`.
//! A fate can also be forced on one message, named by its id (the `msg` of its trace
//! events): the rates still draw as usual, so forcing one fate leaves the draws of
//! every other message where they were.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use rand::Rng;

use crate::pid::NodeId;
use crate::rng::Stream;

/// Which messages the fault rates apply to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FaultScope {
    /// Only messages between different nodes (a real network's faults). The default.
    #[default]
    BetweenNodes,
    /// Every message, including those between processes of one node.
    All,
}

/// Rates of message faults. All zero by default: a reliable network.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MessageFaults {
    /// Probability that a message is dropped.
    pub loss: f64,
    /// Probability that a delivered message is delivered twice.
    pub duplication: f64,
    /// Extra latency drawn uniformly from this range, if set.
    pub delay: Option<(Duration, Duration)>,
    /// Which messages the rates apply to.
    pub scope: FaultScope,
}

/// What happens to one message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    /// Delivered once, after `delay`.
    Deliver {
        /// Extra latency.
        delay: Duration,
    },
    /// Never delivered.
    Drop,
    /// Delivered twice.
    Duplicate {
        /// Latency of the first copy.
        first: Duration,
        /// Latency of the second copy.
        second: Duration,
    },
}

/// A fate forced on one message, whatever the rates draw.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ForcedFate {
    /// Delivered once (a drop or a duplication the rates draw is undone).
    Deliver,
    /// Never delivered.
    Drop,
    /// Delivered twice.
    Duplicate,
}

/// Forced fates by message id.
pub type ForcedFates = BTreeMap<u64, ForcedFate>;

/// Fault rates, partitions and the stream that decides fates.
pub(crate) struct FaultLayer {
    faults: MessageFaults,
    forced: ForcedFates,
    rng: Stream,
    /// Directed node pairs whose messages are dropped: (from, to).
    blocked: BTreeSet<(NodeId, NodeId)>,
}

impl FaultLayer {
    pub(crate) fn new(rng: Stream) -> Self {
        FaultLayer { faults: MessageFaults::default(), forced: ForcedFates::new(), rng, blocked: BTreeSet::new() }
    }

    /// Forces these fates (replacing any forced before); empty: the rates alone decide.
    pub(crate) fn force(&mut self, forced: ForcedFates) {
        self.forced = forced;
    }

    pub(crate) fn set(&mut self, faults: MessageFaults) {
        self.faults = faults;
    }

    pub(crate) fn faults(&self) -> &MessageFaults {
        &self.faults
    }

    /// True if messages from `from` to `to` are cut by a partition.
    pub(crate) fn is_blocked(&self, from: NodeId, to: NodeId) -> bool {
        !self.blocked.is_empty() && self.blocked.contains(&(from, to))
    }

    pub(crate) fn block(&mut self, from: NodeId, to: NodeId) {
        if from != to {
            self.blocked.insert((from, to));
        }
    }

    pub(crate) fn heal_all(&mut self) {
        self.blocked.clear();
    }

    pub(crate) fn heal(&mut self, from: NodeId, to: NodeId) {
        self.blocked.remove(&(from, to));
    }

    pub(crate) fn blocked_pairs(&self) -> Vec<(NodeId, NodeId)> {
        self.blocked.iter().copied().collect()
    }

    /// Decides the fate of faultable message `message` from node `from` to node `to`:
    /// drawn from the rates, then replaced by its forced fate if it has one. Forced
    /// fates follow the scope as rates do.
    ///
    /// Draws nothing when no rate applies, so a calm run's stream is not consumed.
    pub(crate) fn fate(&mut self, from: NodeId, to: NodeId, message: u64) -> Fate {
        let applies = match self.faults.scope {
            FaultScope::BetweenNodes => from != to,
            FaultScope::All => true,
        };
        if !applies {
            return Fate::Deliver { delay: Duration::ZERO };
        }
        let drawn = self.draw();
        match self.forced.get(&message) {
            None => drawn,
            Some(forced) => forced_fate(*forced, drawn),
        }
    }

    /// The fate the rates give one message.
    fn draw(&mut self) -> Fate {
        let f = &self.faults;
        if f.loss <= 0.0 && f.duplication <= 0.0 && f.delay.is_none() {
            return Fate::Deliver { delay: Duration::ZERO };
        }
        if f.loss > 0.0 && self.rng.gen_bool(f.loss.min(1.0)) {
            crate::reached!("message.dropped");
            return Fate::Drop;
        }
        let duplicate = f.duplication > 0.0 && self.rng.gen_bool(f.duplication.min(1.0));
        let first = self.draw_delay();
        if !first.is_zero() {
            crate::reached!("message.delayed");
        }
        if duplicate {
            crate::reached!("message.duplicated");
            let second = self.draw_delay();
            Fate::Duplicate { first, second }
        } else {
            Fate::Deliver { delay: first }
        }
    }

    fn draw_delay(&mut self) -> Duration {
        match self.faults.delay {
            Some((low, high)) if high > low => self.rng.gen_range(low..=high),
            Some((low, _)) => low,
            None => Duration::ZERO,
        }
    }
}

/// `forced` in place of the `drawn` fate, keeping the drawn delay.
fn forced_fate(forced: ForcedFate, drawn: Fate) -> Fate {
    let delay = match drawn {
        Fate::Deliver { delay } | Fate::Duplicate { first: delay, .. } => delay,
        Fate::Drop => Duration::ZERO,
    };
    match forced {
        ForcedFate::Deliver => Fate::Deliver { delay },
        ForcedFate::Drop => {
            crate::reached!("message.dropped");
            Fate::Drop
        }
        ForcedFate::Duplicate => {
            crate::reached!("message.duplicated");
            Fate::Duplicate { first: delay, second: delay }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    fn layer(faults: MessageFaults) -> FaultLayer {
        let mut layer = FaultLayer::new(stream(1, "message_fates"));
        layer.set(faults);
        layer
    }

    #[test]
    fn local_messages_are_reliable_by_default() {
        let mut l = layer(MessageFaults { loss: 1.0, ..Default::default() });
        assert_eq!(l.fate(NodeId(0), NodeId(0), 1), Fate::Deliver { delay: Duration::ZERO });
        assert_eq!(l.fate(NodeId(0), NodeId(1), 2), Fate::Drop);
    }

    #[test]
    fn loss_rate_is_roughly_honoured() {
        let mut l = layer(MessageFaults { loss: 0.25, scope: FaultScope::All, ..Default::default() });
        let dropped = (0..4000).filter(|_| l.fate(NodeId(0), NodeId(0), 1) == Fate::Drop).count();
        assert!((800..1200).contains(&dropped), "dropped {dropped} of 4000");
    }

    #[test]
    fn delays_stay_in_range() {
        let (lo, hi) = (Duration::from_millis(1), Duration::from_millis(10));
        let mut l = layer(MessageFaults { delay: Some((lo, hi)), ..Default::default() });
        let delays: Vec<Duration> = (0..100)
            .map(|m| match l.fate(NodeId(0), NodeId(1), m) {
                Fate::Deliver { delay } => delay,
                other => panic!("unexpected fate {other:?}"),
            })
            .collect();
        assert!(delays.iter().all(|d| (lo..=hi).contains(d)), "{delays:?}");
        // Drawn across the range, not pinned to one end of it.
        let mid = (lo + hi) / 2;
        assert!(delays.iter().any(|d| *d < mid) && delays.iter().any(|d| *d > mid), "{delays:?}");
    }

    #[test]
    fn a_point_or_reversed_delay_range_delays_every_message_by_its_low_end() {
        // The range is a plain public field: given high end first, it is no panic.
        let (lo, hi) = (Duration::from_millis(5), Duration::from_millis(2));
        for range in [(lo, lo), (lo, hi)] {
            let mut l = layer(MessageFaults { delay: Some(range), ..Default::default() });
            for m in 0..20 {
                assert_eq!(l.fate(NodeId(0), NodeId(1), m), Fate::Deliver { delay: lo }, "{range:?}");
            }
        }
    }

    #[test]
    fn a_forced_fate_replaces_the_drawn_one_and_leaves_the_other_draws_alone() {
        let faults = MessageFaults { loss: 0.3, duplication: 0.2, ..Default::default() };
        let mut free = layer(faults.clone());
        let drawn: Vec<Fate> = (0..200).map(|m| free.fate(NodeId(0), NodeId(1), m)).collect();
        let mut forced = layer(faults);
        let (dropped, doubled) = (drawn.iter().position(|f| *f == Fate::Drop).expect("a drop"), 7);
        forced.force(ForcedFates::from([(dropped as u64, ForcedFate::Deliver), (doubled, ForcedFate::Duplicate)]));
        for (m, fate) in drawn.iter().enumerate() {
            let got = forced.fate(NodeId(0), NodeId(1), m as u64);
            if m == dropped {
                assert_eq!(got, Fate::Deliver { delay: Duration::ZERO });
            } else if m as u64 == doubled {
                assert!(matches!(got, Fate::Duplicate { .. }), "message 7: {got:?}");
            } else {
                assert_eq!(got, *fate, "message {m}");
            }
        }
        // A forced fate follows the scope: a message within a node stays reliable.
        forced.force(ForcedFates::from([(500, ForcedFate::Drop)]));
        assert_eq!(forced.fate(NodeId(1), NodeId(1), 500), Fate::Deliver { delay: Duration::ZERO });
        assert_eq!(forced.fate(NodeId(1), NodeId(2), 500), Fate::Drop);
    }
}
