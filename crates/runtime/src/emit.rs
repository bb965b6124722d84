//! The runtime's most frequent trace events as values ([`Emitted`]), and where they go.
//!
//! Message traffic, monitors, links, spawns and exits are most of a trace. A thread
//! that records runs ([`with_sink`]) gets each of them as a value: its pids and numbers
//! as numbers, read without parsing text and without going through `tracing`'s field
//! visitor. Without a sink they are ordinary `tracing` events with the same fields in
//! the same order ([`Emitted::record`] is that order), so a `tracing` subscriber sees
//! the same trace either way. The kinds and field names are [`crate::event`]'s.

use std::cell::RefCell;
use std::rc::Rc;

use tracing::{debug, trace};

use crate::event::{cause, field, kind};
use crate::pid::{Pid, Ref};
use crate::reason::Reason;

/// One runtime event, as emitted.
#[derive(Clone, Copy, Debug)]
pub enum Emitted<'a> {
    /// A process started.
    Spawn {
        /// The new process.
        pid: Pid,
        /// Its label, if it has one.
        label: Option<&'a str>,
    },
    /// A process ended.
    Exit {
        /// The process.
        pid: Pid,
        /// Why.
        reason: &'a Reason,
    },
    /// A monitor was set up.
    Monitor {
        /// The watching process.
        watcher: Pid,
        /// The watched process.
        target: Pid,
        /// The monitor's reference.
        monitor: Ref,
    },
    /// A monitor was removed.
    Demonitor {
        /// The watching process.
        watcher: Pid,
        /// The monitor's reference.
        monitor: Ref,
    },
    /// Two processes were linked.
    Link {
        /// The process that linked.
        pid: Pid,
        /// The other end.
        other: Pid,
    },
    /// A message arrived.
    Deliver(Delivery<'a>),
    /// A message was lost.
    Drop {
        /// Why ([`crate::event::cause`]).
        cause: &'static str,
        /// The message.
        msg: Msg,
    },
    /// A message was delivered twice.
    Duplicate(Msg),
}

/// A message as events name it: its id, ends and kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Msg {
    /// The id the runtime numbered it with.
    pub id: u64,
    /// Its sender.
    pub from: Pid,
    /// Its receiver.
    pub to: Pid,
    /// Its kind (`info`, `call`, `down`, ...).
    pub kind: &'static str,
}

/// A delivered message.
#[derive(Clone, Copy, Debug)]
pub struct Delivery<'a> {
    /// The message.
    pub msg: Msg,
    /// Nanoseconds of simulated time it spent in flight.
    pub in_flight_ns: u64,
    /// What a DOWN or EXIT carries.
    pub signal: Signal<'a>,
}

/// What a delivered signal carries, which runtime invariants judge.
#[derive(Clone, Copy, Debug)]
pub enum Signal<'a> {
    /// Not a DOWN or an EXIT.
    None,
    /// A DOWN: its monitor and its target's exit reason.
    Down {
        /// The monitor's reference.
        monitor: Ref,
        /// The reason it carries.
        reason: &'a Reason,
    },
    /// An EXIT: its reason.
    Exit {
        /// The reason it carries.
        reason: &'a Reason,
    },
}

/// Takes an event's fields in order, each as its emitter holds it.
pub trait FieldSink {
    /// A text field.
    fn text(&mut self, name: &'static str, value: &str);
    /// An unsigned number.
    fn number(&mut self, name: &'static str, value: u64);
    /// A pid.
    fn pid(&mut self, name: &'static str, value: Pid);
    /// A text field whose value is `parts` back to back (an exit reason with a term:
    /// [`Reason::text_parts`]), so no one pieces it together with the formatter.
    fn text_in_parts(&mut self, name: &'static str, parts: &[&str]);
}

impl Emitted<'_> {
    /// The `event` field's value.
    pub fn kind(&self) -> &'static str {
        match self {
            Emitted::Spawn { .. } => kind::SPAWN,
            Emitted::Exit { .. } => kind::EXIT,
            Emitted::Monitor { .. } => kind::MONITOR,
            Emitted::Demonitor { .. } => kind::DEMONITOR,
            Emitted::Link { .. } => kind::LINK,
            Emitted::Deliver(_) => kind::DELIVER,
            Emitted::Drop { .. } => kind::DROP,
            Emitted::Duplicate(_) => kind::DUPLICATE,
        }
    }

    /// Hands every field to `out` in the order the `tracing` event has them, `event`
    /// first.
    #[inline]
    pub fn record(&self, out: &mut impl FieldSink) {
        out.text("event", self.kind());
        match *self {
            Emitted::Spawn { pid, label } => {
                out.pid(field::PID, pid);
                if let Some(label) = label {
                    out.text(field::LABEL, label);
                }
            }
            Emitted::Exit { pid, reason } => {
                out.pid(field::PID, pid);
                out.text_in_parts(field::REASON, &reason.text_parts());
            }
            Emitted::Monitor { watcher, target, monitor } => {
                out.pid(field::WATCHER, watcher);
                out.pid(field::TARGET, target);
                out.text(field::MONITOR, monitor.text().as_str());
            }
            Emitted::Demonitor { watcher, monitor } => {
                out.pid(field::WATCHER, watcher);
                out.text(field::MONITOR, monitor.text().as_str());
            }
            Emitted::Link { pid, other } => {
                out.pid(field::PID, pid);
                out.pid(field::OTHER, other);
            }
            Emitted::Deliver(Delivery { msg, in_flight_ns, signal }) => {
                record_msg(out, msg);
                // A signal always says how long it was in flight; other messages only
                // when they were delayed.
                if in_flight_ns != 0 || !matches!(signal, Signal::None) {
                    out.number(field::IN_FLIGHT_NS, in_flight_ns);
                }
                match signal {
                    Signal::None => {}
                    Signal::Down { monitor, reason } => {
                        out.text(field::MONITOR, monitor.text().as_str());
                        out.text_in_parts(field::REASON, &reason.text_parts());
                    }
                    Signal::Exit { reason } => out.text_in_parts(field::REASON, &reason.text_parts()),
                }
            }
            Emitted::Drop { cause, msg } => {
                out.text(field::CAUSE, cause);
                record_msg(out, msg);
            }
            Emitted::Duplicate(msg) => record_msg(out, msg),
        }
    }

    /// The event as a `tracing` event of target [`crate::event::TARGET`], for a thread
    /// with no sink. Message traffic, monitors and links are at `TRACE`, the rest at
    /// `DEBUG`.
    fn trace(&self) {
        match *self {
            Emitted::Spawn { pid, label: Some(label) } => {
                debug!(target: "otpsim", event = kind::SPAWN, pid = pid.packed(), label)
            }
            Emitted::Spawn { pid, label: None } => debug!(target: "otpsim", event = kind::SPAWN, pid = pid.packed()),
            Emitted::Exit { pid, reason } => {
                debug!(target: "otpsim", event = kind::EXIT, pid = pid.packed(), reason = &*reason.text())
            }
            Emitted::Monitor { watcher, target, monitor } => {
                let monitor = monitor.text();
                trace!(target: "otpsim", event = kind::MONITOR, watcher = watcher.packed(), target = target.packed(), monitor = monitor.as_str());
            }
            Emitted::Demonitor { watcher, monitor } => {
                let monitor = monitor.text();
                trace!(target: "otpsim", event = kind::DEMONITOR, watcher = watcher.packed(), monitor = monitor.as_str());
            }
            Emitted::Link { pid, other } => {
                trace!(target: "otpsim", event = kind::LINK, pid = pid.packed(), other = other.packed())
            }
            Emitted::Deliver(Delivery { msg: m, in_flight_ns, signal }) => {
                let (msg, from, to, kind) = (m.id, m.from.packed(), m.to.packed(), m.kind);
                match signal {
                    Signal::Down { monitor, reason } => {
                        let monitor = monitor.text();
                        trace!(target: "otpsim", event = kind::DELIVER, msg, from, to, kind, in_flight_ns, monitor = monitor.as_str(), reason = &*reason.text());
                    }
                    Signal::Exit { reason } => {
                        trace!(target: "otpsim", event = kind::DELIVER, msg, from, to, kind, in_flight_ns, reason = &*reason.text());
                    }
                    Signal::None if in_flight_ns == 0 => {
                        trace!(target: "otpsim", event = kind::DELIVER, msg, from, to, kind)
                    }
                    Signal::None => trace!(target: "otpsim", event = kind::DELIVER, msg, from, to, kind, in_flight_ns),
                }
            }
            Emitted::Drop { cause, msg: m } => {
                let (msg, from, to, kind) = (m.id, m.from.packed(), m.to.packed(), m.kind);
                if cause == cause::LOSS || cause == cause::NODE_CRASH {
                    debug!(target: "otpsim", event = kind::DROP, cause, msg, from, to, kind);
                } else {
                    trace!(target: "otpsim", event = kind::DROP, cause, msg, from, to, kind);
                }
            }
            Emitted::Duplicate(m) => {
                let (msg, from, to, kind) = (m.id, m.from.packed(), m.to.packed(), m.kind);
                debug!(target: "otpsim", event = kind::DUPLICATE, msg, from, to, kind);
            }
        }
    }
}

#[inline]
fn record_msg(out: &mut impl FieldSink, msg: Msg) {
    out.number(field::MSG, msg.id);
    out.pid(field::FROM, msg.from);
    out.pid(field::TO, msg.to);
    out.text(field::KIND, msg.kind);
}

/// What takes the runtime's events on a thread that records them.
pub trait EventSink {
    /// Takes one event, as it is emitted.
    fn event(&self, event: &Emitted<'_>);
}

thread_local! {
    /// Each simulation runs on one thread: its events go to that thread's sink.
    static SINK: RefCell<Option<Rc<dyn EventSink>>> = const { RefCell::new(None) };
}

/// Runs `f` with `sink` taking this thread's runtime events, then puts back the sink
/// that was there before.
pub fn with_sink<R>(sink: Rc<dyn EventSink>, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<Rc<dyn EventSink>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let before = self.0.take();
            SINK.with(|sink| *sink.borrow_mut() = before);
        }
    }
    let _restore = Restore(SINK.with(|slot| slot.borrow_mut().replace(sink)));
    f()
}

/// Emits `event`: to this thread's sink, or as a `tracing` event if it has none.
pub(crate) fn emit(event: Emitted<'_>) {
    SINK.with(|sink| match &*sink.borrow() {
        Some(sink) => sink.event(&event),
        None => event.trace(),
    });
}
