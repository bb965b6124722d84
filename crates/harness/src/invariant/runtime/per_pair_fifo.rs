//! `per_pair_fifo`: messages between one sender and one receiver arrive in send order.
//!
//! Always holds: for each (sender, receiver) pair, the ids of delivered messages never
//! go down. The runtime numbers every send from one counter, so a lower id delivered
//! after a higher one overtook it. A duplicate keeps its original's id and arrives
//! after it, so equal ids are fine. Skips what was dropped: FIFO is about what arrives.

use std::collections::BTreeMap;

use super::{field, TraceEvent, Violation, DELIVER};

const NAME: &str = "per_pair_fifo";

/// Checks delivery order per pair.
pub fn per_pair_fifo(events: &[TraceEvent]) -> Vec<Violation> {
    let mut last: BTreeMap<(&str, &str), (u64, &TraceEvent)> = BTreeMap::new();
    let mut violations = Vec::new();
    for e in events.iter().filter(|e| e.kind == DELIVER) {
        let (Some(from), Some(to), Some(id)) =
            (e.get(field::FROM), e.get(field::TO), e.get(field::MSG).and_then(|m| m.parse().ok()))
        else {
            continue;
        };
        match last.get(&(from, to)) {
            Some(&(before, earlier)) if id < before => {
                let message = format!("message #{id} from {from} to {to} arrived after #{before}, sent later");
                violations
                    .push(Violation::new(NAME, e.time, message).id("pid", from).id("pid", to).evidence([earlier, e]));
            }
            _ => {
                last.insert((from, to), (id, e));
            }
        }
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_order_deliveries_and_duplicates_hold() {
        let e = TraceEvent::parse_strs(&[
            "1.000000000s otpsim event=deliver msg=3 from=<0.1.0> to=<0.2.0> kind=info",
            "1.000000000s otpsim event=deliver msg=2 from=<0.3.0> to=<0.2.0> kind=info",
            "1.100000000s otpsim event=deliver msg=5 from=<0.1.0> to=<0.2.0> kind=info",
            "1.200000000s otpsim event=deliver msg=5 from=<0.1.0> to=<0.2.0> kind=info",
        ]);
        assert!(per_pair_fifo(&e).is_empty());
    }

    #[test]
    fn a_message_overtaking_an_earlier_one_is_flagged() {
        let e = TraceEvent::parse_strs(&[
            "1.000000000s otpsim event=deliver msg=5 from=<0.1.0> to=<0.2.0> kind=info",
            "1.100000000s otpsim event=deliver msg=3 from=<0.1.0> to=<0.2.0> kind=info in_flight_ns=9",
        ]);
        let v = per_pair_fifo(&e);
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].message.contains("#3 from <0.1.0> to <0.2.0> arrived after #5"), "{}", v[0]);
    }
}
