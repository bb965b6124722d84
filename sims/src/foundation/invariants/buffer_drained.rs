//! `buffer_drained`: every buffered message is delivered or accounted for.
//!
//! Eventually holds (after faults stop and breakers reset): the manager's buffers are
//! empty, and every message that went into a buffer was replayed, dropped by a counted
//! overflow, or released because its receiver went down — none deleted silently
//! (`replay_failed` with `kept=false`) or left behind. Skips the end-state check when
//! the manager did not answer.

use std::collections::BTreeMap;

use otpsim_harness::invariant::{TraceEvent, Violation};

use super::super::record::Record;

const NAME: &str = "buffer_drained";

/// Checks the fate of every buffered message and the final buffers.
pub fn buffer_drained(record: &Record, events: &[TraceEvent]) -> Vec<Violation> {
    let mut violations = Vec::new();
    let mut pending: BTreeMap<(&str, &str), &TraceEvent> = BTreeMap::new();
    for e in events {
        let receiver = e.get("receiver").unwrap_or("");
        match e.kind.as_str() {
            "buffered" => {
                pending.insert((receiver, e.get("msg").unwrap_or("")), e);
            }
            "replayed" => {
                pending.remove(&(receiver, e.get("msg").unwrap_or("")));
            }
            "buffer_overflow" => {
                pending.remove(&(receiver, e.get("dropped").unwrap_or("")));
            }
            "replay_failed" if e.get("kept") == Some("false") => {
                let msg = e.get("msg").unwrap_or("");
                let message = format!("buffered message {msg} for {receiver} was deleted after a failed replay");
                let first = pending.remove(&(receiver, msg));
                violations.push(
                    Violation::new(NAME, e.time, message).id("pid", receiver).evidence(first.into_iter().chain([e])),
                );
            }
            "peer_dropped" => {
                let peer = e.get("peer").unwrap_or("");
                pending.retain(|(r, _), _| *r != peer);
            }
            _ => {}
        }
    }
    if let Some((_, stats)) = &record.manager {
        for (receiver, state) in stats.receivers.iter().filter(|(_, s)| s.buffer_len > 0) {
            let message =
                format!("{} messages still buffered for {receiver} after the system settled", state.buffer_len);
            let receiver_text = receiver.to_string();
            let shown = pending.iter().filter(|((r, _), _)| *r == receiver_text).map(|(_, e)| *e);
            violations.push(Violation::new(NAME, record.end, message).id("pid", receiver).evidence(shown));
        }
    }
    violations
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;

    #[test]
    fn replayed_and_counted_messages_hold() {
        let (r, _, _) = record_with_manager();
        let e = events(&[
            "1.000000000s otpsim::foundation event=buffered receiver=<1.2.0> msg=1 seq=1",
            "1.000000000s otpsim::foundation event=buffered receiver=<1.2.0> msg=2 seq=2",
            "1.500000000s otpsim::foundation event=buffer_overflow receiver=<1.2.0> dropped=1 max=1",
            "2.000000000s otpsim::foundation event=replayed receiver=<1.2.0> msg=2 seq=2",
        ]);
        assert!(buffer_drained(&r, &e).is_empty());
    }

    #[test]
    fn a_message_deleted_after_a_failed_replay_is_flagged() {
        let (r, _, _) = record_with_manager();
        let e = events(&[
            "1.000000000s otpsim::foundation event=buffered receiver=<1.2.0> msg=1 seq=1",
            "2.000000000s otpsim::foundation event=replay_failed receiver=<1.2.0> msg=1 seq=1 kept=false",
        ]);
        let v = buffer_drained(&r, &e);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].evidence.len(), 2);
    }

    #[test]
    fn messages_left_in_a_buffer_are_flagged() {
        let (mut r, _, agent) = record_with_manager();
        let mut stats = receiver_stats();
        stats.buffer_len = 2;
        r.manager.as_mut().unwrap().1.receivers.insert(agent, stats);
        assert_eq!(buffer_drained(&r, &[]).len(), 1);
    }
}
