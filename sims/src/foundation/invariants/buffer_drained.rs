//! `buffer_drained`: every buffered message is delivered or accounted for.
//!
//! Eventually holds (after faults stop and breakers reset): the manager's buffers are
//! empty, and every message that went into a buffer was replayed (or refused by its
//! receiver and handed back to its sender), dropped by a counted
//! overflow (the manager's `overflow_count` is the overflows it traced), or released because its receiver went down — none deleted silently
//! (`replay_failed` with `kept=false`), lost in a crash of the manager on a defect of
//! its own (a panic no injected fault caused), or left behind. Buffers lost when a
//! fault kills the manager or its node are the fault's doing and are skipped, as is
//! the end-state check when the manager did not answer.

use std::collections::BTreeMap;

use otpsim_foundation::manager;
use otpsim_harness::invariant::{TraceEvent, Violation};

use super::super::record::Record;
use otpsim_foundation::events::{field, kind};

const NAME: &str = "buffer_drained";

/// Checks the fate of every buffered message and the final buffers.
pub fn buffer_drained(record: &Record, events: &[TraceEvent]) -> Vec<Violation> {
    let mut violations = Vec::new();
    let mut pending: BTreeMap<(&str, &str), &TraceEvent> = BTreeMap::new();
    let mut manager_pid = None;
    let mut injected_defects: Vec<&str> = Vec::new();
    for e in events {
        let receiver = e.get(field::RECEIVER).unwrap_or("");
        match e.kind.as_str() {
            kind::CHILD_START | kind::CHILD_RESTART if e.get(field::CHILD) == Some(manager::NAME) => {
                manager_pid = e.get(field::PID).or(e.get(field::NEW_PID));
            }
            kind::FAULT if e.get(field::KIND) == Some("Defect") => injected_defects.extend(e.get(field::PID)),
            kind::EXIT if manager_pid.is_some() && e.get(field::PID) == manager_pid => {
                manager_pid = None;
                let reason = e.get(field::REASON).unwrap_or("");
                let own_defect =
                    reason.starts_with("panic") && !injected_defects.contains(&e.get(field::PID).unwrap_or(""));
                if own_defect && !pending.is_empty() {
                    let message = format!(
                        "{} buffered messages were lost when the manager crashed on its own defect ({reason})",
                        pending.len()
                    );
                    let shown = pending.values().copied().take(5).chain([e]);
                    violations.push(
                        Violation::new(NAME, e.time, message)
                            .id("pid", e.get(field::PID).unwrap_or("?"))
                            .evidence(shown),
                    );
                }
                // The buffers lived in the manager's memory: they are gone either way.
                pending.clear();
            }
            kind::BUFFERED => {
                pending.insert((receiver, e.get(field::MSG).unwrap_or("")), e);
            }
            kind::REPLAYED | kind::REPLAY_REFUSED => {
                pending.remove(&(receiver, e.get(field::MSG).unwrap_or("")));
            }
            kind::BUFFER_OVERFLOW => {
                pending.remove(&(receiver, e.get(field::DROPPED).unwrap_or("")));
            }
            kind::REPLAY_FAILED if e.get(field::KEPT) == Some("false") => {
                let msg = e.get(field::MSG).unwrap_or("");
                let message = format!("buffered message {msg} for {receiver} was deleted after a failed replay");
                let first = pending.remove(&(receiver, msg));
                violations.push(
                    Violation::new(NAME, e.time, message).id("pid", receiver).evidence(first.into_iter().chain([e])),
                );
            }
            kind::PEER_DROPPED => {
                let peer = e.get(field::PEER).unwrap_or("");
                pending.retain(|(r, _), _| *r != peer);
            }
            _ => {}
        }
    }
    if let Some((manager, stats)) = &record.manager {
        let me = manager.to_string();
        let traced: Vec<&TraceEvent> = events
            .iter()
            .filter(|e| e.kind == kind::BUFFER_OVERFLOW && e.get(field::BY) == Some(me.as_str()))
            .collect();
        if traced.len() as u64 != stats.overflow_count {
            let message = format!(
                "manager {me} counts {} overflows, but its buffers dropped {} messages",
                stats.overflow_count,
                traced.len()
            );
            let shown = traced.iter().copied().take(5);
            violations.push(Violation::new(NAME, record.end, message).id("pid", &me).evidence(shown));
        }
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
    fn an_overflow_count_that_is_not_the_traced_overflows_is_flagged() {
        let (mut r, manager, _) = record_with_manager();
        let overflow = format!(
            "1.500000000s otpsim::foundation event=buffer_overflow receiver=<1.2.0> dropped=1 max=1 by={manager}"
        );
        let e = events(&[overflow.as_str()]);
        r.manager.as_mut().unwrap().1.overflow_count = 1;
        assert!(buffer_drained(&r, &e).is_empty(), "{:?}", buffer_drained(&r, &e));
        r.manager.as_mut().unwrap().1.overflow_count = 0;
        let v = buffer_drained(&r, &e);
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].message.contains("counts 0 overflows, but its buffers dropped 1"), "{}", v[0]);
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
    fn buffers_lost_in_a_manager_crash_of_its_own_are_flagged_and_an_injected_one_is_not() {
        let (r, _, _) = record_with_manager();
        let start = "0.100000000s otpsim event=child_start supervisor=<0.1.0> child=coordination_manager pid=<0.2.0>";
        let buffered = "1.000000000s otpsim::foundation event=buffered receiver=<1.2.0> msg=1 seq=1";
        let crash = r#"2.000000000s otpsim event=exit pid=<0.2.0> reason="panic: bad entry""#;
        let v = buffer_drained(&r, &events(&[start, buffered, crash]));
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].message.contains("1 buffered messages were lost"), "{}", v[0].message);
        let injected = "1.900000000s otpsim event=fault kind=Defect target=coordination_manager pid=<0.2.0>";
        assert!(buffer_drained(&r, &events(&[start, buffered, injected, crash])).is_empty());
        let killed = "2.000000000s otpsim event=exit pid=<0.2.0> reason=killed";
        assert!(buffer_drained(&r, &events(&[start, buffered, killed])).is_empty());
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
