//! Scaffolding for tests of code that runs on the runtime (cargo feature `testing`,
//! meant for dev-dependencies): run a body in a fresh simulation, record the trace
//! events it emits, and find the coverage points a crate's source marks.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::future::Future;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tracing::field::{Field, Visit};
use tracing::span;
use tracing::subscriber::{DefaultGuard, Interest};
use tracing::{Event, Metadata, Subscriber};

use crate::Cluster;

/// Simulated time after which a test run counts as hung (madsim stops it with a panic).
pub const TIME_LIMIT: Duration = Duration::from_secs(3600);

/// Runs `body` with a fresh cluster in a fresh simulation seeded with `seed`, halts
/// the cluster, and returns what the body returned.
pub fn sim<T, F, Fut>(seed: u64, body: F) -> T
where
    F: FnOnce(Cluster) -> Fut,
    Fut: Future<Output = T>,
{
    sim_within(seed, TIME_LIMIT, body)
}

/// [`sim`] with another time limit: for tests of waits longer than [`TIME_LIMIT`].
pub fn sim_within<T, F, Fut>(seed: u64, limit: Duration, body: F) -> T
where
    F: FnOnce(Cluster) -> Fut,
    Fut: Future<Output = T>,
{
    let mut rt = madsim::runtime::Runtime::with_seed_and_config(seed, madsim::Config::default());
    rt.set_time_limit(limit);
    rt.block_on(async move {
        let cluster = Cluster::new();
        let result = body(cluster.clone()).await;
        cluster.halt().await;
        result
    })
}

/// One recorded event: when, its `event` field, and its other fields as text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    /// Simulated time since the run started.
    pub at: Duration,
    /// The event's `event` field (its kind).
    pub event: String,
    /// Every other field, its value as `Display` or `Debug` prints it.
    pub fields: BTreeMap<String, String>,
}

impl Recorded {
    /// A field's value, or "" if the event has no such field.
    pub fn get(&self, field: &str) -> &str {
        self.fields.get(field).map_or("", String::as_str)
    }
}

/// Which events a [`Recorder`] keeps.
type Keep = Arc<dyn Fn(&Metadata<'_>) -> bool + Send + Sync>;

/// A `tracing` subscriber that keeps the events a filter accepts, in order. Cheap to
/// clone: clones share what was recorded.
#[derive(Clone)]
pub struct Recorder {
    events: Arc<Mutex<Vec<Recorded>>>,
    keep: Keep,
}

impl Recorder {
    /// A recorder of the events whose metadata `keep` accepts.
    pub fn new(keep: impl Fn(&Metadata<'_>) -> bool + Send + Sync + 'static) -> Self {
        Recorder { events: Arc::default(), keep: Arc::new(keep) }
    }

    /// A recorder of the events with target `target`.
    pub fn of_target(target: &'static str) -> Self {
        Recorder::new(move |metadata| metadata.target() == target)
    }

    /// Makes this recorder the current thread's subscriber until the guard drops.
    pub fn install(&self) -> DefaultGuard {
        tracing::subscriber::set_default(self.clone())
    }

    /// Every recorded event, in order.
    pub fn all(&self) -> Vec<Recorded> {
        self.lock().clone()
    }

    /// The recorded events of kind `event`, in order.
    pub fn named(&self, event: &str) -> Vec<Recorded> {
        self.lock().iter().filter(|e| e.event == event).cloned().collect()
    }

    /// A hash of every event with its time: equal for two runs that took the same path.
    pub fn fingerprint(&self) -> u64 {
        let mut text = String::new();
        for e in self.lock().iter() {
            let _ = writeln!(text, "{:?} {} {:?}", e.at, e.event, e.fields);
        }
        crate::rng::fnv1a(text.as_bytes())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Recorded>> {
        self.events.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Every `reached!("…")` name in the `.rs` files under `dir`, outside comments and
/// `#[cfg(test)]` code: a crate's test compares it with the list of points it
/// publishes, so the list cannot drift from the source.
///
/// # Panics
/// If `dir` or a file under it cannot be read.
pub fn marked_points(dir: &Path) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    #[allow(clippy::disallowed_methods)] // reads a crate's own source, outside any simulation
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    for path in entries.flatten().map(|entry| entry.path()) {
        if path.is_dir() {
            found.extend(marked_points(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            #[allow(clippy::disallowed_methods)] // as above
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
                for part in line.split("reached!(\"").skip(1) {
                    found.insert(part.split('"').next().unwrap_or_default().to_owned());
                }
            }
        }
    }
    found
}

struct Fields<'a>(&'a mut Recorded);

impl Fields<'_> {
    fn put(&mut self, field: &Field, value: String) {
        if field.name() == "event" {
            self.0.event = value;
        } else {
            self.0.fields.insert(field.name().to_owned(), value);
        }
    }
}

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, value.to_owned());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, value.to_string());
    }

    /// A `u128` is a pid ([`crate::Pid::packed`]).
    fn record_u128(&mut self, field: &Field, value: u128) {
        self.put(field, crate::Pid::from_packed(value).to_string());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.put(field, format!("{value:?}"));
    }
}

impl Subscriber for Recorder {
    /// Asked per event: recorders with other filters may be installed on other threads.
    fn register_callsite(&self, _: &'static Metadata<'static>) -> Interest {
        Interest::sometimes()
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        (self.keep)(metadata)
    }

    fn new_span(&self, _: &span::Attributes<'_>) -> span::Id {
        span::Id::from_u64(1)
    }

    fn record(&self, _: &span::Id, _: &span::Record<'_>) {}

    fn record_follows_from(&self, _: &span::Id, _: &span::Id) {}

    fn event(&self, event: &Event<'_>) {
        let at = madsim::time::TimeHandle::try_current().map_or(Duration::ZERO, |t| t.elapsed());
        let mut recorded = Recorded { at, event: String::new(), fields: BTreeMap::new() };
        event.record(&mut Fields(&mut recorded));
        self.lock().push(recorded);
    }

    fn enter(&self, _: &span::Id) {}

    fn exit(&self, _: &span::Id) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sim_returns_the_body_result_and_records_only_kept_events() {
        let recorder = Recorder::of_target("kept");
        let _guard = recorder.install();
        let answer = sim(5, |cluster| async move {
            tracing::info!(target: "kept", event = "hello", n = 3u64, who = "me");
            tracing::info!(target: "other", event = "ignored");
            cluster.seed()
        });
        assert_eq!(answer, 5);
        let all = recorder.all();
        assert_eq!(all.len(), 1);
        assert_eq!((all[0].event.as_str(), all[0].get("n"), all[0].get("who")), ("hello", "3", "me"));
        assert_eq!(all[0].get("missing"), "");
        assert_eq!(recorder.named("hello"), all);
    }

    #[test]
    fn fingerprints_differ_when_the_events_do() {
        let run = |n: u64| {
            let recorder = Recorder::of_target("kept");
            let _guard = recorder.install();
            sim(1, |_| async move { tracing::info!(target: "kept", event = "e", n) });
            recorder.fingerprint()
        };
        assert_eq!(run(1), run(1));
        assert_ne!(run(1), run(2));
    }
}
