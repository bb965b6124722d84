//! The buffer bound of `config_honored`: a receiver's buffer never holds more than
//! `buffer_max_size` messages, and does not drop its oldest message before it is full.
//! Its contents are what was pushed: it holds each message once (a request re-driven
//! while held keeps its one place), and the replay of push number `seq` delivers the
//! message pushed as `seq`.

use std::collections::BTreeMap;

use otpsim_foundation::events::{field, kind};
use otpsim_foundation::manager;
use otpsim_harness::invariant::{TraceEvent, Violation};

use super::NAME;

/// The checker's model of each receiver's buffer, from the manager's events.
///
/// `held` counts the messages buffered and not yet replayed, dropped or released,
/// including the one a replay has taken out (it is not in the buffer while it is
/// delivered, and comes back if the delivery fails). A push over the bound is judged
/// once the events of that push are all seen: the manager may trace `buffered` before
/// the `buffer_overflow` that makes room. Buffers live in the manager's memory: when
/// the manager process exits, they are gone.
pub(super) struct Buffers<'a> {
    pub(super) max: u64,
    pub(super) receivers: BTreeMap<&'a str, Occupancy<'a>>,
    /// The manager's current pid, from the supervisor's `child_start`/`child_restart`.
    pub(super) manager: Option<&'a str>,
}

#[derive(Default)]
pub(super) struct Occupancy<'a> {
    held: u64,
    replaying: bool,
    over: Option<&'a TraceEvent>,
    /// The messages held, by push number: what each `buffered` event pushed.
    contents: BTreeMap<u64, &'a TraceEvent>,
}

impl<'a> Occupancy<'a> {
    /// Messages in the buffer proper: a replay in flight holds one outside it.
    fn in_buffer(&self) -> u64 {
        self.held - u64::from(self.replaying && self.held > 0)
    }

    /// Follows `e` in the buffer's contents; flags a message pushed while already held,
    /// and a replay that delivers another message than the one pushed under its number.
    fn contents_after(&mut self, e: &'a TraceEvent) -> Option<Violation> {
        let receiver = e.get(field::RECEIVER).unwrap_or("?");
        let seq = e.get(field::SEQ).and_then(|s| s.parse::<u64>().ok());
        let msg = e.get(field::MSG);
        match e.kind.as_str() {
            kind::BUFFERED => {
                let held = self.contents.values().find(|pushed| pushed.get(field::MSG) == msg).copied();
                self.contents.insert(seq?, e);
                let first = held?;
                let message = format!(
                    "buffer of {receiver} holds message {} twice (pushes #{} and #{})",
                    msg.unwrap_or("?"),
                    first.get(field::SEQ).unwrap_or("?"),
                    seq?
                );
                Some(Violation::new(NAME, e.time, message).evidence([first, e]))
            }
            kind::REPLAYED => {
                let pushed = self.contents.remove(&seq?)?;
                if pushed.get(field::MSG) == msg {
                    return None;
                }
                let message = format!(
                    "buffer of {receiver} replayed push #{} as message {}, but it was pushed as message {}",
                    seq?,
                    msg.unwrap_or("?"),
                    pushed.get(field::MSG).unwrap_or("?")
                );
                Some(Violation::new(NAME, e.time, message).evidence([pushed, e]))
            }
            kind::REPLAY_REFUSED => {
                self.contents.remove(&seq?);
                None
            }
            kind::REPLAY_FAILED if e.get(field::KEPT) == Some("false") => {
                self.contents.remove(&seq?);
                None
            }
            kind::BUFFER_OVERFLOW => {
                let dropped = e.get(field::DROPPED);
                let oldest = self.contents.iter().find(|(_, pushed)| pushed.get(field::MSG) == dropped)?;
                let oldest = *oldest.0;
                self.contents.remove(&oldest);
                None
            }
            _ => None,
        }
    }
}

impl<'a> Buffers<'a> {
    pub(super) fn see(&mut self, e: &'a TraceEvent) -> Option<Violation> {
        let receiver = match e.kind.as_str() {
            kind::CHILD_START | kind::CHILD_RESTART if e.get(field::CHILD) == Some(manager::NAME) => {
                self.manager = e.get(field::PID).or(e.get(field::NEW_PID));
                return None;
            }
            kind::EXIT if self.manager.is_some() && e.get(field::PID) == self.manager => {
                self.manager = None;
                let lost = self.finish();
                self.receivers.clear();
                return lost.into_iter().next();
            }
            kind::PEER_DROPPED => {
                let gone = self.receivers.remove(e.get(field::PEER)?)?;
                return gone.over.map(|over| self.too_full(over, gone.in_buffer()));
            }
            kind::BUFFERED
            | kind::BUFFER_OVERFLOW
            | kind::BREAKER_RESET
            | kind::REPLAYED
            | kind::REPLAY_REFUSED
            | kind::REPLAY_FAILED => e.get(field::RECEIVER)?,
            _ => return None,
        };
        let max = self.max;
        let state = self.receivers.entry(receiver).or_default();
        let mut flagged = None;
        if e.kind != kind::BUFFER_OVERFLOW {
            if let Some(over) = state.over.take() {
                flagged = Some((over, state.in_buffer()));
            }
        }
        if let Some(wrong) = state.contents_after(e) {
            return Some(wrong);
        }
        match e.kind.as_str() {
            kind::BUFFERED => {
                state.held += 1;
                if state.in_buffer() > max {
                    state.over = Some(e);
                }
            }
            kind::BUFFER_OVERFLOW => {
                let before = state.in_buffer();
                state.held = state.held.saturating_sub(1);
                if state.in_buffer() <= max {
                    state.over = None;
                }
                if before < max {
                    let message = format!("buffer of {receiver} dropped a message at {before} of {max}");
                    return Some(Violation::new(NAME, e.time, message).evidence([e]));
                }
            }
            kind::BREAKER_RESET => state.replaying = state.held > 0,
            kind::REPLAYED | kind::REPLAY_REFUSED => {
                state.held = state.held.saturating_sub(1);
                state.replaying = state.held > 0;
            }
            _ => {
                if e.get(field::KEPT) == Some("false") {
                    state.held = state.held.saturating_sub(1);
                }
                state.replaying = false;
            }
        }
        flagged.map(|(over, held)| self.too_full(over, held))
    }

    pub(super) fn finish(&mut self) -> Vec<Violation> {
        let over: Vec<(&TraceEvent, u64)> =
            self.receivers.values_mut().filter_map(|s| Some((s.over.take()?, s.in_buffer()))).collect();
        over.into_iter().map(|(e, held)| self.too_full(e, held)).collect()
    }

    fn too_full(&self, e: &TraceEvent, held: u64) -> Violation {
        let receiver = e.get(field::RECEIVER).unwrap_or("?");
        let message = format!("buffer of {receiver} holds {held} messages, more than {}", self.max);
        Violation::new(NAME, e.time, message).evidence([e])
    }
}
