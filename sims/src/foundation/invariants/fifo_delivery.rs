//! `fifo_delivery`: buffered messages are replayed in the order they were buffered.
//!
//! Always holds: for each receiver, the `replayed` events' buffer sequence numbers
//! rise strictly over the run — oldest first, each message once. (The runtime's own
//! per-pair FIFO order of direct messages holds by construction and is covered by its
//! conformance suite.)

use std::collections::BTreeMap;

use otpsim_foundation::events::{field, kind};
use otpsim_harness::invariant::{of_kind, TraceEvent, Violation};

const NAME: &str = "fifo_delivery";

/// Checks replay order per receiver.
pub fn fifo_delivery(events: &[TraceEvent]) -> Vec<Violation> {
    let mut last: BTreeMap<&str, (u64, &TraceEvent)> = BTreeMap::new();
    let mut violations = Vec::new();
    for e in of_kind(events, kind::REPLAYED) {
        let (Some(receiver), Some(seq)) =
            (e.get(field::RECEIVER), e.get(field::SEQ).and_then(|s| s.parse::<u64>().ok()))
        else {
            continue;
        };
        if let Some((previous, before)) = last.get(receiver) {
            if seq <= *previous {
                let message = format!("receiver {receiver} got buffered message #{seq} after #{previous}");
                violations.push(Violation::new(NAME, e.time, message).id("pid", receiver).evidence([*before, e]));
            }
        }
        last.insert(receiver, (seq, e));
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::events;
    use super::*;

    #[test]
    fn oldest_first_replay_holds() {
        let e = events(&[
            "1.000000000s otpsim::foundation event=replayed receiver=<1.2.0> msg=4 seq=1",
            "1.000000100s otpsim::foundation event=replayed receiver=<1.2.0> msg=5 seq=2",
            "1.000000100s otpsim::foundation event=replayed receiver=<1.3.0> msg=6 seq=1",
        ]);
        assert!(fifo_delivery(&e).is_empty());
    }

    #[test]
    fn newest_first_replay_is_flagged() {
        let e = events(&[
            "1.000000000s otpsim::foundation event=replayed receiver=<1.2.0> msg=5 seq=2",
            "1.000000100s otpsim::foundation event=replayed receiver=<1.2.0> msg=4 seq=1",
        ]);
        let v = fifo_delivery(&e);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].evidence.len(), 2);
    }
}
