//! A runtime event recorded as a value ([`Emitted`]), as the folds read it: pids and
//! numbers straight from the value, a text field written only when read, and a
//! [`TraceEvent`] made only when the event is kept, streamed or shown as evidence.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::time::Duration;

use otpsim_runtime::emit::{Delivery, Emitted, FieldSink, Msg, Signal};
use otpsim_runtime::event::{field, TARGET};
use otpsim_runtime::{IdText, Pid, Reason};

use crate::invariant::{parse_pid, EventView, Fields, TraceEvent};

/// One emitted event, at its place in the trace.
pub(crate) struct EmittedView<'a> {
    index: usize,
    time: Option<Duration>,
    /// The process that was running when it was emitted.
    by: Option<Pid>,
    event: &'a Emitted<'a>,
    reason: OnceCell<String>,
    monitor: OnceCell<IdText>,
    /// The event with every field as text, for a field read as text that the value
    /// does not hold as text (only evidence reads one).
    copy: OnceCell<TraceEvent>,
}

impl<'a> EmittedView<'a> {
    pub(crate) fn new(index: usize, time: Option<Duration>, by: Option<Pid>, event: &'a Emitted<'a>) -> Self {
        let (reason, monitor, copy) = (OnceCell::new(), OnceCell::new(), OnceCell::new());
        EmittedView { index, time, by, event, reason, monitor, copy }
    }

    #[inline(always)]
    fn msg(&self) -> Option<&Msg> {
        match self.event {
            Emitted::Deliver(Delivery { msg, .. }) | Emitted::Drop { msg, .. } | Emitted::Duplicate(msg) => Some(msg),
            _ => None,
        }
    }

    #[inline(always)]
    fn reason(&self) -> Option<&Reason> {
        match *self.event {
            Emitted::Exit { reason, .. }
            | Emitted::Deliver(Delivery { signal: Signal::Down { reason, .. } | Signal::Exit { reason }, .. }) => {
                Some(reason)
            }
            _ => None,
        }
    }

    fn monitor(&self) -> Option<&str> {
        let monitor = match *self.event {
            Emitted::Monitor { monitor, .. }
            | Emitted::Demonitor { monitor, .. }
            | Emitted::Deliver(Delivery { signal: Signal::Down { monitor, .. }, .. }) => monitor,
            _ => return None,
        };
        Some(self.monitor.get_or_init(|| monitor.text()).as_str())
    }
}

impl EventView for EmittedView<'_> {
    fn index(&self) -> usize {
        self.index
    }

    fn time(&self) -> Duration {
        self.time.unwrap_or_default()
    }

    #[inline(always)]
    fn kind(&self) -> &str {
        self.event.kind()
    }

    #[inline(always)]
    fn get(&self, key: &str) -> Option<&str> {
        match key {
            field::KIND => self.msg().map(|msg| msg.kind),
            field::REASON => {
                let reason = self.reason()?;
                Some(self.reason.get_or_init(|| reason.text().into_owned()))
            }
            field::MONITOR => self.monitor(),
            field::LABEL => match self.event {
                Emitted::Spawn { label, .. } => *label,
                _ => None,
            },
            field::CAUSE => match self.event {
                Emitted::Drop { cause, .. } => Some(cause),
                _ => None,
            },
            _ => self.copy.get_or_init(|| self.to_event()).get(key),
        }
    }

    #[inline(always)]
    fn pid(&self, key: &str) -> Option<Pid> {
        match (key, self.event) {
            (field::BY, _) => self.by,
            (field::PID, Emitted::Spawn { pid, .. } | Emitted::Exit { pid, .. } | Emitted::Link { pid, .. }) => {
                Some(*pid)
            }
            (field::WATCHER, Emitted::Monitor { watcher, .. } | Emitted::Demonitor { watcher, .. }) => Some(*watcher),
            (field::TARGET, Emitted::Monitor { target, .. }) => Some(*target),
            (field::OTHER, Emitted::Link { other, .. }) => Some(*other),
            (field::FROM, _) => self.msg().map(|msg| msg.from),
            (field::TO, _) => self.msg().map(|msg| msg.to),
            _ => self.get(key).and_then(parse_pid),
        }
    }

    #[inline(always)]
    fn number(&self, key: &str) -> Option<u64> {
        match (key, self.event) {
            (field::MSG, _) if self.msg().is_some() => self.msg().map(|msg| msg.id),
            (field::IN_FLIGHT_NS, Emitted::Deliver(Delivery { in_flight_ns, signal, .. }))
                if *in_flight_ns != 0 || !matches!(signal, Signal::None) =>
            {
                Some(*in_flight_ns)
            }
            _ => self.get(key).and_then(|text| text.parse().ok()),
        }
    }

    fn to_event(&self) -> TraceEvent {
        let mut copying = Copying(Fields::with_capacity(64, 8));
        self.event.record(&mut copying);
        if let Some(by) = self.by {
            copying.pid(field::BY, by);
        }
        TraceEvent {
            index: self.index,
            time: self.time.unwrap_or_default(),
            target: Cow::Borrowed(TARGET),
            kind: self.event.kind().to_owned(),
            fields: copying.0,
            timed: self.time.is_some(),
        }
    }
}

/// Writes an emitted event's fields as text, as a kept event holds them; `event` is
/// the kind, not a field.
struct Copying(Fields);

impl FieldSink for Copying {
    fn text(&mut self, name: &'static str, value: &str) {
        if name != "event" {
            self.0.push(Cow::Borrowed(name), value);
        }
    }

    fn number(&mut self, name: &'static str, value: u64) {
        self.0.push_with(Cow::Borrowed(name), |text| otpsim_runtime::decimal::push(text, value));
    }

    fn pid(&mut self, name: &'static str, value: Pid) {
        self.0.push_with(Cow::Borrowed(name), |text| value.push_text(text));
    }

    fn text_in_parts(&mut self, name: &'static str, parts: &[&str]) {
        self.0.push_with(Cow::Borrowed(name), |text| parts.iter().for_each(|part| text.push_str(part)));
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use otpsim_runtime::{Cluster, MessageFaults, Reason, SpawnOpts};

    use super::*;
    use crate::trace::{Keep, TraceRecorder};

    /// A run that emits every typed kind: traffic through loss, duplication and delay,
    /// monitors, a demonitor, links, crashes (DOWN and EXIT), a message to the dead and
    /// messages lost with a crashed node.
    fn workload() {
        let rt = madsim::runtime::Runtime::with_seed_and_config(3, madsim::Config::default());
        rt.block_on(async {
            let cluster = Cluster::new();
            let (n0, n1) = (cluster.add_node("n0", |_, _| async {}), cluster.add_node("n1", |_, _| async {}));
            let delay = Some((Duration::from_millis(1), Duration::from_millis(3)));
            cluster.set_message_faults(MessageFaults {
                loss: 0.2,
                duplication: 0.2,
                delay,
                ..MessageFaults::default()
            });
            let echo = cluster.spawn(n1, SpawnOpts::labelled("echo"), |ctx| async move {
                while ctx.recv_timeout(Duration::from_secs(5)).await.is_some() {}
            });
            let doomed =
                cluster.spawn(n0, SpawnOpts::default(), |ctx| async move { ctx.sleep(Duration::from_secs(60)).await });
            cluster.spawn(n0, SpawnOpts::default(), move |ctx| async move {
                let watched = ctx.monitor(echo);
                ctx.demonitor(ctx.monitor(doomed));
                ctx.trap_exit(true);
                let _ = ctx.link(doomed);
                ctx.monitor(doomed);
                for i in 0..40u64 {
                    ctx.send(echo, i);
                }
                ctx.exit(doomed, Reason::Kill);
                ctx.sleep(Duration::from_millis(50)).await;
                ctx.send(doomed, 0u64);
                let me = ctx.pid();
                ctx.spawn_opts(n1, SpawnOpts::default(), move |ctx| async move {
                    for i in 0..20u64 {
                        ctx.send(me, i);
                    }
                    ctx.cluster().crash_node(ctx.node());
                });
                ctx.recv_match(|m| matches!(m, otpsim_runtime::Message::Down(d) if d.monitor == watched)).await;
            });
            madsim::time::sleep(Duration::from_secs(1)).await;
        });
    }

    fn recorded(typed: bool) -> (crate::trace::Trace, Vec<TraceEvent>) {
        let recorder = TraceRecorder::new();
        recorder.start_keeping(Keep::Lines, &[]);
        if typed {
            recorder.installed(workload);
        } else {
            tracing::subscriber::with_default(recorder.clone(), workload);
        }
        recorder.finish_with_events()
    }

    #[test]
    fn typed_events_record_exactly_as_their_tracing_form() {
        let (typed, _) = recorded(true);
        let (traced, _) = recorded(false);
        assert_eq!(typed.lines, traced.lines);
        assert_eq!((typed.hash, typed.events), (traced.hash, traced.events));
        let kinds = ["spawn", "exit", "monitor", "demonitor", "link", "deliver", "drop", "duplicate"];
        for kind in kinds {
            assert!(typed.count(kind) > 0, "no {kind} event: {:?}", typed.kinds);
        }
        let lines = typed.lines.expect("kept");
        for (cause, kind) in [("dead", "drop"), ("loss", "drop"), ("node_crash", "drop")] {
            assert!(lines.iter().any(|l| l.contains(&format!("event={kind} cause={cause}"))), "no {cause} {kind}");
        }
        for signal in ["kind=down", "kind=exit", "in_flight_ns="] {
            assert!(
                lines.iter().any(|l| l.contains("event=deliver") && l.contains(signal)),
                "no delivery with {signal}"
            );
        }
    }

    #[test]
    fn a_view_reads_every_field_as_its_copy_does() {
        let names = [
            "pid",
            "by",
            "reason",
            "label",
            "msg",
            "from",
            "to",
            "kind",
            "cause",
            "in_flight_ns",
            "watcher",
            "target",
            "monitor",
            "other",
            "event",
            "missing",
        ];
        let pid = |serial| Pid { serial, node: otpsim_runtime::NodeId(1), incarnation: 2 };
        let monitor = otpsim_runtime::Ref(7);
        let (killed, normal) = (Reason::Killed, Reason::Normal);
        let msg = Msg { id: 9, from: pid(1), to: pid(2), kind: "info" };
        let events = [
            Emitted::Spawn { pid: pid(1), label: Some("worker") },
            Emitted::Spawn { pid: pid(1), label: None },
            Emitted::Exit { pid: pid(1), reason: &killed },
            Emitted::Monitor { watcher: pid(1), target: pid(2), monitor },
            Emitted::Demonitor { watcher: pid(1), monitor },
            Emitted::Link { pid: pid(1), other: pid(2) },
            Emitted::Deliver(Delivery { msg, in_flight_ns: 0, signal: Signal::None }),
            Emitted::Deliver(Delivery { msg, in_flight_ns: 5, signal: Signal::None }),
            Emitted::Deliver(Delivery { msg, in_flight_ns: 0, signal: Signal::Down { monitor, reason: &normal } }),
            Emitted::Deliver(Delivery { msg, in_flight_ns: 0, signal: Signal::Exit { reason: &killed } }),
            Emitted::Drop { cause: "loss", msg },
            Emitted::Duplicate(msg),
        ];
        for event in &events {
            for by in [None, Some(pid(3))] {
                let view = EmittedView::new(4, Some(Duration::from_millis(2)), by, event);
                let copy = view.to_event();
                assert_eq!((copy.index, copy.kind.as_str(), view.kind()), (4, event.kind(), event.kind()));
                for name in names {
                    let context = format!("{name} of {event:?} by {by:?}");
                    assert_eq!(view.get(name), copy.get(name), "{context}");
                    assert_eq!(view.pid(name), copy.pid(name), "{context}");
                    assert_eq!(view.number(name), copy.number(name), "{context}");
                }
            }
        }
    }
}
