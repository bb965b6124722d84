//! `per_pair_fifo`: messages between one sender and one receiver arrive in send order.
//!
//! Always holds: for each (sender, receiver) pair, the ids of delivered messages never
//! go down. The runtime numbers every send from one counter, so a lower id delivered
//! after a higher one overtook it. A duplicate keeps its original's id and arrives
//! after it, so equal ids are fine. Skips what was dropped: FIFO is about what arrives.
//!
//! Folded as events arrive: per pair it keeps the last delivered id and where it was
//! in the trace, so its memory grows with the pairs that talked, not with the traffic.
//! The earlier delivery in a violation's evidence is written from what was kept (its
//! id, pair, time and trace number).

use std::collections::BTreeMap;
use std::time::Duration;

use crate::lookup_map::LookupMap;

use super::{field, EventView, TraceEvent, Violation, Who, DELIVER};

const NAME: &str = "per_pair_fifo";

/// The last delivery of one pair: its message id, trace number and time.
#[derive(Clone, Copy, Debug)]
struct Last {
    id: u64,
    index: usize,
    time: Duration,
}

/// Checks delivery order per pair over a whole list of events.
pub fn per_pair_fifo(events: &[TraceEvent]) -> Vec<Violation> {
    let mut fold = PerPairFifo::default();
    events.iter().for_each(|e| fold.observe(e));
    fold.violations
}

/// Delivery order per pair, folded event by event.
#[derive(Debug, Default)]
pub struct PerPairFifo {
    /// (Sender, receiver) -> last delivery, for pairs of pids, keyed by their packed
    /// numbers: this map sees every delivery.
    pids: LookupMap<(u128, u128), Last>,
    /// The same for pairs a hand-written history names by other text.
    others: BTreeMap<(Who, Who), Last>,
    violations: Vec<Violation>,
}

impl PerPairFifo {
    /// Takes the next event of the trace.
    pub fn observe(&mut self, e: &impl EventView) {
        if e.kind() != DELIVER {
            return;
        }
        // Pids and the id are read as numbers: a delivery's text is written only for evidence.
        let (Some(sender), Some(receiver), Some(id)) =
            (Who::of(e, field::FROM), Who::of(e, field::TO), e.number(field::MSG))
        else {
            return;
        };
        let now = Last { id, index: e.index(), time: e.time() };
        let before = match (&sender, &receiver) {
            (Who::Pid(a), Who::Pid(b)) => {
                let last = self.pids.entry((a.packed(), b.packed())).or_insert(now);
                follow(last, now)
            }
            _ => follow(self.others.entry((sender, receiver)).or_insert(now), now),
        };
        if let Some(before) = before {
            self.flag(e, before, id);
        }
    }

    fn flag(&mut self, e: &impl EventView, before: Last, id: u64) {
        let (from, to) = (e.get(field::FROM).unwrap_or_default(), e.get(field::TO).unwrap_or_default());
        let earlier = delivery(before, from, to);
        let message = format!("message #{id} from {from} to {to} arrived after #{}, sent later", before.id);
        let v = Violation::new(NAME, e.time(), message).id("pid", from).id("pid", to);
        self.violations.push(v.evidence([&earlier, &e.to_event()]));
    }

    /// The violations found so far.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }
}

/// Records `now` as its pair's last delivery, unless it overtook that one: then
/// returns the one it overtook (which stays the last, as before).
fn follow(last: &mut Last, now: Last) -> Option<Last> {
    if now.id < last.id {
        return Some(*last);
    }
    *last = now;
    None
}

/// The kept delivery as an event, for evidence.
fn delivery(last: Last, from: &str, to: &str) -> TraceEvent {
    let id = last.id.to_string();
    let fields = [(field::MSG, id.as_str()), (field::FROM, from), (field::TO, to)];
    TraceEvent::new(last.index, last.time, otpsim_runtime::event::TARGET, DELIVER, &fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(lines: &[&str]) -> Vec<Violation> {
        per_pair_fifo(&TraceEvent::parse_strs(lines))
    }

    #[test]
    fn in_order_deliveries_and_duplicates_hold() {
        let v = check(&[
            "1.000000000s otpsim event=deliver msg=3 from=<0.1.0> to=<0.2.0> kind=info",
            "1.000000000s otpsim event=deliver msg=2 from=<0.3.0> to=<0.2.0> kind=info",
            "1.100000000s otpsim event=deliver msg=5 from=<0.1.0> to=<0.2.0> kind=info",
            "1.200000000s otpsim event=deliver msg=5 from=<0.1.0> to=<0.2.0> kind=info",
        ]);
        assert!(v.is_empty(), "{v:?}");
    }

    #[test]
    fn a_message_overtaking_an_earlier_one_is_flagged() {
        let v = check(&[
            "1.000000000s otpsim event=deliver msg=5 from=<0.1.0> to=<0.2.0> kind=info",
            "1.100000000s otpsim event=deliver msg=3 from=<0.1.0> to=<0.2.0> kind=info in_flight_ns=9",
        ]);
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].message.contains("#3 from <0.1.0> to <0.2.0> arrived after #5"), "{}", v[0]);
        assert_eq!(v[0].evidence_indices(), [1, 2]);
        assert!(v[0].evidence[0].ends_with("event=deliver msg=5 from=<0.1.0> to=<0.2.0>"), "{}", v[0].evidence[0]);
    }

    #[test]
    fn pairs_are_told_apart_by_every_number_of_their_pids_and_by_other_text() {
        let v = check(&[
            "1.000000000s otpsim event=deliver msg=5 from=<0.1.0> to=<0.2.0> kind=info",
            "1.000000000s otpsim event=deliver msg=4 from=<0.1.1> to=<0.2.0> kind=info",
            "1.000000000s otpsim event=deliver msg=3 from=<1.1.0> to=<0.2.0> kind=info",
            "1.000000000s otpsim event=deliver msg=2 from=<0.1.0> to=<0.2.1> kind=info",
            "1.000000000s otpsim event=deliver msg=1 from=<0.1.0>x to=<0.2.0> kind=info",
            "1.100000000s otpsim event=deliver msg=0 from=<0.1.0>x to=<0.2.0> kind=info",
        ]);
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].message.contains("#0 from <0.1.0>x to <0.2.0> arrived after #1"), "{}", v[0]);
    }
}
