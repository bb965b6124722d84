//! The event trace of one run: every `otpsim*` tracing event, and every event the
//! runtime emits as a value ([`otpsim_runtime::emit`]), recorded as values (simulated
//! time, target, kind, fields), and a stable hash of them.
//!
//! The runtime marks which process a thread is running ([`otpsim_runtime::running`]);
//! an event emitted while a process runs gets a `by=<pid>` field, so every event says
//! which process acted (the causal evidence reads timelines from it).
//!
//! Two runs of one seed must record the same events, so the hash of the trace is the
//! determinism fingerprint of a run. It is computed over a compact encoding of each
//! event (time as 8 bytes, then target and fields, numbers as numbers: the
//! `encoding` module), never over text. Events are kept when the run's checks need
//! them, and only a kept event's numbers are written as text; text lines are made only
//! when asked (the determinism check and trace export need them; a passing run needs none).

use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use otpsim_runtime::emit::{Emitted, EventSink};
use otpsim_runtime::Pid;
use spin::mutex::{SpinMutex, SpinMutexGuard};
use tracing::span;
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};

use crate::captured::{Captured, Raw};
use crate::emitted::EmittedView;
use crate::encoding::Encoding;
use crate::invariant::runtime::RuntimeFold;
use crate::invariant::{parse_pid, EventView, Fields, TraceEvent};
use crate::kind_counts::{KindCounts, Seen};
use crate::watchdog::Watchdog;

/// Events whose target starts with this are part of the trace.
pub const TARGET_PREFIX: &str = "otpsim";

/// What one run emitted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trace {
    /// A word-wise hash over the compact encoding of every event.
    pub hash: u64,
    /// Number of events.
    pub events: u64,
    /// How many of them were kept for the run's checks (the rest were hashed, counted
    /// and folded, then let go).
    pub kept: u64,
    /// How many events carried each value of the `event` field ("spawn", "exit", …).
    pub kinds: BTreeMap<String, u64>,
    /// The events as text lines ([`TraceEvent::line`]), if they were asked for.
    pub lines: Option<Vec<String>>,
    /// Why the recording's [`LineSink`] failed, if it had one that did.
    pub sink_error: Option<String>,
}

impl Trace {
    /// How many events had `event = kind`.
    pub fn count(&self, kind: &str) -> u64 {
        self.kinds.get(kind).copied().unwrap_or(0)
    }
}

/// A streaming FNV-1a hash (the same function as `otpsim_runtime::rng::fnv1a`), for
/// text hashed as it streams by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fnv64(u64);

impl Default for Fnv64 {
    fn default() -> Self {
        Fnv64(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv64 {
    /// Feeds bytes.
    pub fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    /// The hash so far.
    pub fn finish(&self) -> u64 {
        self.0
    }
}

/// The trace's hash: each event's encoding, eight bytes at a time (a multiply and a
/// rotate per word), so hashing stays a small part of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct TraceHash(u64);

impl Default for TraceHash {
    fn default() -> Self {
        TraceHash(0xcbf2_9ce4_8422_2325)
    }
}

impl TraceHash {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;

    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in words.by_ref() {
            self.mix(u64::from_le_bytes(word.try_into().unwrap_or([0; 8])));
        }
        let rest = words.remainder();
        let mut last = [0u8; 8];
        last[..rest.len()].copy_from_slice(rest);
        // The length keeps "ab" and "ab\0" apart.
        self.mix(u64::from_le_bytes(last) ^ ((bytes.len() as u64) << 56));
    }

    fn mix(&mut self, word: u64) {
        self.0 = (self.0 ^ word).wrapping_mul(Self::K).rotate_left(29);
    }

    fn finish(&self) -> u64 {
        let h = self.0;
        (h ^ (h >> 32)).wrapping_mul(Self::K) ^ (h >> 29)
    }
}

/// Where every line of a recording also goes, as it is made: a trace file written
/// while the run goes, so a long trace is never held whole.
pub trait LineSink: Send {
    /// Takes the next line (without its newline).
    fn line(&mut self, line: &str) -> std::io::Result<()>;
    /// The recording ended: flush what is pending.
    fn finish(&mut self) -> std::io::Result<()>;
}

/// The trace being recorded, between [`TraceRecorder::start`] and [`TraceRecorder::finish`].
#[derive(Default)]
struct Recording {
    active: bool,
    hash: TraceHash,
    events: u64,
    kinds: KindCounts,
    /// Keep the events (for the run's checks and evidence).
    keep_events: bool,
    /// Render the kept events as text lines at the end.
    keep_lines: bool,
    /// The events kept so far, each numbered by its position in the whole trace.
    kept: Vec<TraceEvent>,
    /// A list handed back after use ([`TraceRecorder::reuse`]), which the next
    /// recording keeps its events in: a seed's list is large, and growing a fresh one
    /// every seed copied it and faulted in new pages.
    spare: Vec<TraceEvent>,
    /// The current `tracing` event's fields.
    captured: Captured,
    /// The current typed event's encoding.
    encoding: Encoding,
    /// The seed's wall-time limit and housekeeping, if the runner set one.
    watchdog: Option<Watchdog>,
    /// The runtime invariants, folded over every event as it is recorded.
    runtime: RuntimeFold,
    /// Where every line also goes, until it fails.
    sink: Option<Box<dyn LineSink>>,
    sink_error: Option<String>,
}

impl Recording {
    /// A fresh recording.
    fn fresh(active: bool, keep: Keep, skip: &'static [&'static str]) -> Recording {
        let (keep_events, keep_lines) = match keep {
            Keep::Hash => (false, false),
            Keep::Events => (true, false),
            Keep::Lines => (true, true),
        };
        Recording { active, keep_events, keep_lines, kinds: KindCounts::skipping(skip), ..Recording::default() }
    }

    /// Records a `tracing` event (a system's, or a runtime event on a thread with no
    /// typed sink).
    fn record(&mut self, event: &Event<'_>) {
        let (time, nanos) = now();
        let target = event.metadata().target();
        self.captured.start(nanos, target);
        event.record(&mut self.captured);
        self.record_captured(std::ptr::from_ref(event.metadata()) as usize, target, time);
    }

    /// Records a runtime event emitted as a value: encoded straight from its fields
    /// (the same bytes as its `tracing` form's) and folded from the value, with no
    /// field captured.
    fn record_emitted(&mut self, event: &Emitted<'_>) {
        let (time, nanos) = now();
        let by = otpsim_runtime::running();
        let encoding = &mut self.encoding;
        encoding.start(nanos, otpsim_runtime::event::TARGET);
        event.record(encoding);
        if let Some(pid) = by {
            encoding.raw("by", Raw::Pid(pid));
        }
        self.hash.write(encoding.end());
        self.events += 1;
        let kind = event.kind();
        let seen = self.kinds.count_static(kind);
        self.take(seen, &EmittedView::new(self.index(), time, by, event));
    }

    /// Hashes, counts and takes the `tracing` event just captured, emitted at
    /// `callsite` (which almost always fixes its kind).
    fn record_captured(&mut self, callsite: usize, target: &'static str, time: Option<Duration>) {
        let mut captured = std::mem::take(&mut self.captured);
        if let Some(pid) = otpsim_runtime::running() {
            captured.push_raw("by", Raw::Pid(pid));
        }
        self.hash.write(captured.end());
        self.events += 1;
        let kind = captured.position("event").map_or("", |at| captured.text_at(at));
        let seen = self.kinds.count(callsite, kind);
        // No number is written as text here: a kept or streamed event's copy writes
        // its own ([`Current::to_event`]), and a fold that reads one as text renders it.
        let current =
            Current { index: self.index(), time, target, kind, captured: &captured, rendered: OnceCell::new() };
        self.take(seen, &current);
        self.captured = captured;
    }

    /// The position of the event just counted.
    fn index(&self) -> usize {
        usize::try_from(self.events).unwrap_or(usize::MAX)
    }

    /// Folds, streams and keeps an event, as its kind says.
    fn take(&mut self, seen: Seen, event: &impl EventView) {
        if seen.folded {
            self.runtime.observe(event);
        }
        // A streamed line is made from the event and written at once, never kept.
        if let Some(sink) = self.sink.as_mut() {
            if let Err(e) = sink.line(&event.to_event().line()) {
                self.sink = None;
                self.sink_error = Some(e.to_string());
            }
        }
        // Kinds that are hashed and counted but not kept: the bulk no checker reads,
        // which would otherwise grow with simulated time.
        if self.keep_events && !seen.skipped {
            self.kept.push(event.to_event());
        }
    }
}

/// The simulated time now, and as nanoseconds for the encoding (`u64::MAX` outside a
/// simulation).
fn now() -> (Option<Duration>, u64) {
    let time = madsim::time::TimeHandle::try_current().map(|time| time.elapsed());
    (time, time.map_or(u64::MAX, |t| u64::try_from(t.as_nanos()).unwrap_or(u64::MAX - 1)))
}

/// The event being recorded, as the folds read it: its fields as captured.
struct Current<'a> {
    index: usize,
    time: Option<Duration>,
    target: &'static str,
    kind: &'a str,
    captured: &'a Captured,
    /// The fields with every number written as text, made the first time a fold
    /// reads a number as text (only evidence does) if they were not already.
    rendered: OnceCell<Captured>,
}

impl Current<'_> {
    /// The fields, every one readable as text.
    fn as_text(&self) -> &Captured {
        if self.captured.rendered {
            return self.captured;
        }
        self.rendered.get_or_init(|| {
            let mut copy = self.captured.clone();
            copy.render();
            copy
        })
    }
}

impl EventView for Current<'_> {
    fn index(&self) -> usize {
        self.index
    }

    fn time(&self) -> Duration {
        self.time.unwrap_or_default()
    }

    fn kind(&self) -> &str {
        self.kind
    }

    fn get(&self, key: &str) -> Option<&str> {
        // A field written twice holds its last value, as in a `TraceEvent`.
        let at = self.captured.position(key)?;
        match self.captured.raw[at] {
            Raw::Text => Some(self.captured.text_at(at)),
            _ => Some(self.as_text().text_at(at)),
        }
    }

    fn pid(&self, key: &str) -> Option<Pid> {
        let at = self.captured.position(key)?;
        match self.captured.raw[at] {
            Raw::Pid(pid) => Some(pid),
            Raw::Text => parse_pid(self.captured.text_at(at)),
            Raw::Number(_) | Raw::Negative(_) => None,
        }
    }

    fn number(&self, key: &str) -> Option<u64> {
        let at = self.captured.position(key)?;
        match self.captured.raw[at] {
            Raw::Number(n) => Some(n),
            Raw::Text => self.captured.text_at(at).parse().ok(),
            Raw::Negative(_) | Raw::Pid(_) => None,
        }
    }

    /// Numbers are written straight into the copy's text: the event itself is never
    /// rendered for it. `event` is the kind, not a field.
    fn to_event(&self) -> TraceEvent {
        let captured = self.captured;
        let mut fields = Fields::with_capacity(captured.text.len() + 16 * captured.raw.len(), captured.fields.len());
        for (at, (name, _)) in captured.fields.iter().enumerate().filter(|(_, (name, _))| *name != "event") {
            fields.push_with(Cow::Borrowed(*name), |text| captured.write_value(at, text));
        }
        TraceEvent {
            index: self.index,
            time: self.time.unwrap_or_default(),
            target: Cow::Borrowed(self.target),
            kind: self.kind.to_owned(),
            fields,
            timed: self.time.is_some(),
        }
    }
}

/// What a recording keeps besides the hash and the counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keep {
    /// Nothing: a plain run needs the hash alone.
    Hash,
    /// The events, for the run's checks and a violation's evidence.
    Events,
    /// The events, and their text lines in the trace at the end.
    Lines,
}

/// A `tracing` subscriber that records the trace of one run at a time.
///
/// Install it on a worker thread with `tracing::subscriber::with_default`; call
/// [`start`](Self::start) before a run and [`finish`](Self::finish) after it.
/// Events outside a recording, and events of other targets, are ignored.
///
/// The recording sits behind a spin lock: only the thread the recorder is installed
/// on takes it, once per event, and releasing it is a plain store (releasing a
/// `std` mutex is an atomic swap, a measurable share of recording an event).
#[derive(Clone, Default)]
pub struct TraceRecorder {
    recording: Arc<SpinMutex<Recording>>,
}

impl TraceRecorder {
    /// A recorder that records nothing until started.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> SpinMutexGuard<'_, Recording> {
        self.recording.lock()
    }

    /// Runs `f` with this recorder taking the thread's events: `tracing` events and
    /// the runtime's typed ones ([`otpsim_runtime::emit`]).
    pub fn installed<R>(&self, f: impl FnOnce() -> R) -> R {
        let sink: Rc<dyn EventSink> = Rc::new(self.clone());
        tracing::subscriber::with_default(self.clone(), || otpsim_runtime::emit::with_sink(sink, f))
    }

    /// Records one event with `record` if a recording is on, then does the watchdog's
    /// chore outside the lock.
    fn record_with(&self, record: impl FnOnce(&mut Recording)) {
        let mut recording = self.lock();
        if recording.active {
            record(&mut recording);
            let chore = recording.watchdog.as_mut().map(Watchdog::on_event);
            drop(recording);
            if let Some(chore) = chore {
                chore.run();
            }
        }
    }

    /// Starts a fresh recording; `keep_lines` keeps every event and its line, not
    /// just the hash.
    pub fn start(&self, keep_lines: bool) {
        self.start_keeping(if keep_lines { Keep::Lines } else { Keep::Hash }, &[]);
    }

    /// Starts a fresh recording that keeps what `keep` says, except events whose
    /// `event` is one of `skip`; every event is still hashed and counted.
    pub fn start_keeping(&self, keep: Keep, skip: &'static [&'static str]) {
        let mut recording = self.lock();
        let spare = std::mem::take(&mut recording.spare);
        *recording = Recording::fresh(true, keep, skip);
        if recording.keep_events {
            recording.kept = spare;
        } else {
            recording.spare = spare;
        }
    }

    /// Takes back a list of events [`finish_with_events`](Self::finish_with_events)
    /// returned, once read: the next recording keeps its events in it.
    pub fn reuse(&self, mut events: Vec<TraceEvent>) {
        events.clear();
        self.lock().spare = events;
    }

    /// Watches the recording started last with `watchdog` (see [`crate::watchdog`]).
    pub(crate) fn watch(&self, watchdog: Watchdog) {
        self.lock().watchdog = Some(watchdog);
    }

    /// Sends every line of the recording started last to `sink` as well.
    pub fn stream_to(&self, sink: Box<dyn LineSink>) {
        self.lock().sink = Some(sink);
    }

    /// True if the watched recording ran past its wall-time limit.
    pub(crate) fn expired(&self) -> bool {
        self.lock().watchdog.is_some_and(|w| w.expired())
    }

    /// Where the watched recording's simulated clock stood still, and over how many
    /// events, if it did (see [`crate::watchdog`]).
    pub(crate) fn clock_stood(&self) -> Option<(Duration, u64)> {
        self.lock().watchdog.and_then(|w| w.clock_stood())
    }

    /// True if the watched recording was abandoned on a stop request.
    pub(crate) fn abandoned(&self) -> bool {
        self.lock().watchdog.is_some_and(|w| w.abandoned())
    }

    /// Ends the recording and returns its trace.
    pub fn finish(&self) -> Trace {
        self.finish_with_events().0
    }

    /// Ends the recording and returns its trace and the events it kept.
    pub fn finish_with_events(&self) -> (Trace, Vec<TraceEvent>) {
        let mut guard = self.lock();
        let mut recording = std::mem::replace(&mut *guard, Recording::fresh(false, Keep::Hash, &[]));
        drop(guard);
        if let Some(Err(e)) = recording.sink.as_mut().map(|sink| sink.finish()) {
            recording.sink_error = Some(e.to_string());
        }
        let lines = recording.keep_lines.then(|| recording.kept.iter().map(TraceEvent::line).collect());
        let trace = Trace {
            hash: recording.hash.finish(),
            events: recording.events,
            kept: recording.kept.len() as u64,
            kinds: recording.kinds.into_map(),
            lines,
            sink_error: recording.sink_error,
        };
        (trace, recording.kept)
    }
}

impl EventSink for TraceRecorder {
    fn event(&self, event: &Emitted<'_>) {
        self.record_with(|recording| recording.record_emitted(event));
    }
}

fn traced(metadata: &Metadata<'_>) -> bool {
    metadata.is_event() && metadata.target().starts_with(TARGET_PREFIX)
}

impl Subscriber for TraceRecorder {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if traced(metadata) {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        traced(metadata)
    }

    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::TRACE)
    }

    /// Spans are not recorded (see [`traced`]); the id is never used.
    fn new_span(&self, _span: &span::Attributes<'_>) -> span::Id {
        span::Id::from_u64(1)
    }

    fn record(&self, _span: &span::Id, _values: &span::Record<'_>) {}

    fn record_follows_from(&self, _span: &span::Id, _follows: &span::Id) {}

    fn event(&self, event: &Event<'_>) {
        self.record_with(|recording| recording.record(event));
    }

    fn enter(&self, _span: &span::Id) {}

    fn exit(&self, _span: &span::Id) {}
}

/// Runs `f` on the events kept so far by the recorder installed on this thread (none
/// if it keeps none): how the harness hands a run's events to its checks, and how a
/// scenario that runs its own seeds reads them.
pub fn with_current_events<R>(f: impl FnOnce(&[TraceEvent]) -> R) -> R {
    let mut f = Some(f);
    let result = tracing::dispatcher::get_default(|dispatch| {
        let recorder = dispatch.downcast_ref::<TraceRecorder>()?;
        let recording = recorder.lock();
        let events = if recording.active { &recording.kept[..] } else { &[] };
        f.take().map(|f| f(events))
    });
    match (result, f) {
        (Some(result), _) => result,
        (None, Some(f)) => f(&[]),
        (None, None) => unreachable!("f runs at most once, and only when it returns a result"),
    }
}

/// Runs `f` on the runtime invariants' fold over the events recorded so far by the
/// recorder installed on this thread (an empty fold if none records).
pub fn with_runtime_fold<R>(f: impl FnOnce(&RuntimeFold) -> R) -> R {
    let mut f = Some(f);
    let result = tracing::dispatcher::get_default(|dispatch| {
        let recorder = dispatch.downcast_ref::<TraceRecorder>()?;
        let recording = recorder.lock();
        let idle = RuntimeFold::default();
        let fold = if recording.active { &recording.runtime } else { &idle };
        f.take().map(|f| f(fold))
    });
    match (result, f) {
        (Some(result), _) => result,
        (None, Some(f)) => f(&RuntimeFold::default()),
        (None, None) => unreachable!("f runs at most once, and only when it returns a result"),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    fn recorded(keep_lines: bool, emit: impl FnOnce()) -> Trace {
        let recorder = TraceRecorder::new();
        recorder.start(keep_lines);
        tracing::subscriber::with_default(recorder.clone(), emit);
        recorder.finish()
    }

    #[test]
    fn events_become_canonical_lines_with_quoted_free_text() {
        let trace = recorded(true, || {
            tracing::trace!(target: "otpsim", event = "exit", pid = %"<1.4.0>", reason = %"panic: boom");
            tracing::debug!(target: "otpsim_demo", event = "restart", count = 3u64, ok = true);
        });
        let lines = trace.lines.as_deref().expect("kept");
        assert_eq!(lines[0], r#"- otpsim event=exit pid=<1.4.0> reason="panic: boom""#);
        assert_eq!(lines[1], "- otpsim_demo event=restart count=3 ok=true");
        assert_eq!((trace.events, trace.count("exit"), trace.count("restart")), (2, 1, 1));
    }

    #[test]
    fn numbers_and_flags_read_as_they_would_through_display() {
        let trace = recorded(true, || {
            tracing::trace!(target: "otpsim", event = "n", zero = 0u64, max = u64::MAX, min = i64::MIN, neg = -7i64, no = false);
        });
        let lines = trace.lines.expect("kept");
        let expected = format!("- otpsim event=n zero=0 max={} min={} neg=-7 no=false", u64::MAX, i64::MIN);
        assert_eq!(lines, [expected]);
    }

    #[test]
    fn other_targets_and_idle_recorders_record_nothing() {
        let trace = recorded(true, || tracing::info!(target: "madsim", event = "kill"));
        assert_eq!(trace.events, 0);
        let recorder = TraceRecorder::new();
        tracing::subscriber::with_default(recorder.clone(), || tracing::info!(target: "otpsim", event = "x"));
        assert_eq!(recorder.finish().events, 0);
    }

    #[test]
    fn the_hash_is_the_same_whether_lines_are_kept_or_not() {
        let emit = || {
            for i in 0..5u64 {
                tracing::debug!(target: "otpsim", event = "spawn", serial = i);
            }
        };
        let (kept, hashed) = (recorded(true, emit), recorded(false, emit));
        assert_eq!(kept.hash, hashed.hash);
        assert!(hashed.lines.is_none());
        assert_eq!((kept.count("spawn"), hashed.count("spawn")), (5, 5), "counted whether kept or not");
        // The hash is over the compact encoding, never over the text lines.
        let mut hash = TraceHash::default();
        for i in 0..5u64 {
            let mut captured = Captured::default();
            captured.start(u64::MAX, "otpsim");
            otpsim_runtime::emit::FieldSink::text(&mut captured, "event", "spawn");
            captured.push_raw("serial", Raw::Number(i));
            hash.write(captured.end());
        }
        assert_eq!(hash.finish(), kept.hash);
        let mut other = TraceHash::default();
        other.write(b"ab");
        let mut padded = TraceHash::default();
        padded.write(b"ab\0");
        assert_ne!(other.finish(), padded.finish());
        assert_eq!(Fnv64::default().finish(), otpsim_runtime::rng::fnv1a(b""));
    }

    #[test]
    fn events_a_process_emits_say_which_process_acted_even_from_its_drop_guards() {
        struct Guard;
        impl Drop for Guard {
            fn drop(&mut self) {
                tracing::debug!(target: "otpsim", event = "dropped");
            }
        }
        let trace = recorded(true, || {
            let rt = madsim::runtime::Runtime::with_seed_and_config(1, madsim::Config::default());
            rt.block_on(async {
                let cluster = otpsim_runtime::Cluster::new();
                let node = cluster.add_node("n0", |_, _| async {});
                let opts = otpsim_runtime::SpawnOpts::default();
                cluster.spawn(node, opts.clone(), |ctx| async move {
                    tracing::debug!(target: "otpsim", event = "tick", to = ctx.pid().packed());
                });
                let sleeper = cluster.spawn(node, opts, |ctx| async move {
                    let _guard = Guard;
                    ctx.sleep(Duration::from_secs(9)).await;
                });
                madsim::time::sleep(Duration::from_millis(5)).await;
                tracing::debug!(target: "otpsim", event = "tock");
                cluster.kill(sleeper);
                madsim::time::sleep(Duration::from_millis(5)).await;
                cluster.halt().await;
            });
        });
        let lines: Vec<String> = (trace.lines.expect("kept").into_iter())
            .filter(|l| ["tick", "tock", "dropped"].iter().any(|k| l.contains(&format!("event={k}"))))
            .map(|l| l.split_once(' ').map(|(_, rest)| rest.to_owned()).unwrap_or(l))
            .collect();
        assert_eq!(
            lines,
            ["otpsim event=tick to=<0.1.0> by=<0.1.0>", "otpsim event=tock", "otpsim event=dropped by=<0.2.0>"]
        );
        assert_eq!(otpsim_runtime::running(), None);
    }

    #[test]
    fn skipped_kinds_are_hashed_and_counted_but_not_kept() {
        let emit = || {
            for i in 0..4u64 {
                tracing::debug!(target: "otpsim", event = "deliver", serial = i);
                tracing::debug!(target: "otpsim", event = "exit", serial = i);
            }
        };
        let all = recorded(true, emit);
        let recorder = TraceRecorder::new();
        recorder.start_keeping(Keep::Lines, &["deliver"]);
        let numbers = tracing::subscriber::with_default(recorder.clone(), || {
            emit();
            with_current_events(|events| {
                assert!(events.iter().all(|e| e.kind == "exit"));
                events.iter().map(|e| e.index).collect::<Vec<_>>()
            })
        });
        let lean = recorder.finish();
        assert_eq!((lean.hash, lean.events, lean.count("deliver")), (all.hash, 8, 4));
        assert_eq!(lean.lines.map(|l| l.len()), Some(4));
        assert_eq!(numbers, [2, 4, 6, 8]);
    }

    #[test]
    fn a_list_handed_back_holds_only_the_next_recordings_events() {
        let recorder = TraceRecorder::new();
        let emit = |n: u64| {
            for i in 0..n {
                tracing::debug!(target: "otpsim", event = "exit", serial = i);
            }
        };
        recorder.start_keeping(Keep::Events, &[]);
        tracing::subscriber::with_default(recorder.clone(), || emit(5));
        let (_, first) = recorder.finish_with_events();
        let room = first.capacity();
        recorder.reuse(first);
        recorder.start_keeping(Keep::Events, &[]);
        tracing::subscriber::with_default(recorder.clone(), || emit(2));
        let (trace, second) = recorder.finish_with_events();
        assert_eq!((trace.events, second.len(), second.capacity()), (2, 2, room));
        assert_eq!(second.iter().map(|e| e.get("serial")).collect::<Vec<_>>(), [Some("0"), Some("1")]);
    }

    /// A sink that keeps what it got, failing once it holds `room` lines.
    struct Shared(Arc<Mutex<Vec<String>>>, usize);

    impl LineSink for Shared {
        fn line(&mut self, line: &str) -> std::io::Result<()> {
            let mut lines = self.0.lock().unwrap();
            if lines.len() == self.1 {
                return Err(std::io::Error::other("disk full"));
            }
            lines.push(line.to_owned());
            Ok(())
        }

        fn finish(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_sink_gets_every_line_even_skipped_ones_and_its_failure_is_reported() {
        let emit = || {
            for i in 0..3u64 {
                tracing::debug!(target: "otpsim", event = "deliver", serial = i);
                tracing::debug!(target: "otpsim", event = "exit", serial = i);
            }
        };
        let streamed = |keep: Keep, room: usize| {
            let got = Arc::new(Mutex::new(Vec::new()));
            let recorder = TraceRecorder::new();
            recorder.start_keeping(keep, &["deliver"]);
            recorder.stream_to(Box::new(Shared(got.clone(), room)));
            tracing::subscriber::with_default(recorder.clone(), emit);
            let (trace, kept) = recorder.finish_with_events();
            let got = got.lock().unwrap().clone();
            (trace, kept, got)
        };
        let (trace, kept, got) = streamed(Keep::Lines, usize::MAX);
        assert_eq!(got, recorded(true, emit).lines.expect("kept"));
        assert_eq!((trace.lines.map(|l| l.len()), kept.len(), trace.sink_error), (Some(3), 3, None));
        // Streaming alone keeps no event: the file holds them.
        let (trace, kept, got) = streamed(Keep::Hash, usize::MAX);
        assert_eq!((got.len(), trace.lines, kept.len()), (6, None, 0));
        let (trace, _, got) = streamed(Keep::Lines, 2);
        assert_eq!((got.len(), trace.events, trace.sink_error.as_deref()), (2, 6, Some("disk full")));
    }

    #[test]
    fn lines_carry_simulated_time() {
        let rt = madsim::runtime::Runtime::with_seed_and_config(1, Default::default());
        let trace = recorded(true, || {
            rt.block_on(async {
                madsim::time::sleep(Duration::from_millis(1500)).await;
                tracing::debug!(target: "otpsim", event = "tick");
            })
        });
        let line = &trace.lines.expect("kept")[0];
        assert!(line.starts_with("1.50") && line.ends_with("s otpsim event=tick"), "{line}");
    }
}
