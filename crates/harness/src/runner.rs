//! The seed runner: one simulation over many seeds, each on a fresh madsim runtime,
//! spread over worker threads.
//!
//! A simulation is a function from a fresh [`Cluster`] (its seed is the run's seed)
//! to a future that returns a [`SeedOutcome`]. The runner records the run's trace,
//! turns any panic that escapes the simulation (including madsim's time limit) into
//! that seed's failure, and halts the cluster afterwards so no task outlives its
//! runtime. Reports come back in seed order whatever the number of workers.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use otpsim_runtime::coverage::{self, Counts};
use otpsim_runtime::Cluster;

use crate::invariant::{TraceEvent, Violation};
use crate::line_file::LineFile;
use crate::trace::{Keep, Trace, TraceRecorder};
use crate::watchdog::Watchdog;
use crate::{panics, stop};

/// How to run seeds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunConfig {
    /// Worker threads; each runs whole seeds, one at a time.
    pub jobs: usize,
    /// Simulated time after which a seed fails.
    pub time_limit: Duration,
    /// Keep every trace line in the reports (not only the hash).
    pub keep_lines: bool,
    /// Keep the events during the run (for its checks and a violation's evidence),
    /// without making text lines.
    pub keep_events: bool,
    /// Event kinds not kept even with `keep_lines` or `keep_events` (still hashed and
    /// counted): what the simulation never reads, so memory does not grow with it.
    pub skip_kinds: &'static [&'static str],
    /// Fields of the system's events that name one piece of work across processes:
    /// a violation's causal evidence follows them (see [`crate::causal`]).
    pub work_fields: &'static [&'static str],
    /// Real time after which a seed is stopped and fails (none: no limit).
    pub wall_limit: Option<Duration>,
    /// Every trace line also goes to this file as it is recorded (one seed: each run
    /// of it rewrites the file), so a long trace is written without being kept.
    pub stream_lines: Option<PathBuf>,
    /// A [`stop`](crate::stop) request also ends the seeds running (they fail, saying
    /// so): for a replay, whose one seed is all there is to stop.
    pub abandon_on_stop: bool,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            jobs: default_jobs(),
            time_limit: Duration::from_secs(600),
            keep_lines: false,
            keep_events: false,
            skip_kinds: &[],
            work_fields: &[],
            wall_limit: None,
            stream_lines: None,
            abandon_on_stop: false,
        }
    }
}

impl RunConfig {
    /// The same settings with `jobs` workers (at least one).
    pub fn jobs(mut self, jobs: usize) -> Self {
        self.jobs = jobs.max(1);
        self
    }

    /// The same settings with a simulated-time limit per seed.
    pub fn time_limit(mut self, limit: Duration) -> Self {
        self.time_limit = limit;
        self
    }

    /// The same settings, keeping every trace line.
    pub fn keep_lines(mut self, keep: bool) -> Self {
        self.keep_lines = keep;
        self
    }

    /// The same settings, keeping the events (not their lines) during the run.
    pub fn keep_events(mut self, keep: bool) -> Self {
        self.keep_events = keep;
        self
    }

    /// The same settings with a real-time limit per seed.
    pub fn wall_limit(mut self, limit: Option<Duration>) -> Self {
        self.wall_limit = limit;
        self
    }

    /// The same settings, streaming every trace line to `file` as it is recorded.
    pub fn stream_lines(mut self, file: Option<PathBuf>) -> Self {
        self.stream_lines = file;
        self
    }

    /// The same settings, ending running seeds on a stop request.
    pub fn abandon_on_stop(mut self, abandon: bool) -> Self {
        self.abandon_on_stop = abandon;
        self
    }

    /// The same settings, keeping no lines of these event kinds.
    pub fn skip_kinds(mut self, kinds: &'static [&'static str]) -> Self {
        self.skip_kinds = kinds;
        self
    }

    /// The same settings, a violation's evidence following these work fields.
    pub fn work_fields(mut self, fields: &'static [&'static str]) -> Self {
        self.work_fields = fields;
        self
    }
}

/// One worker per available core.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Whether a seed held.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Everything the simulation checked held.
    Pass,
    /// Something failed; the message says what.
    Fail(String),
}

impl Verdict {
    /// True for [`Verdict::Pass`].
    pub fn passed(&self) -> bool {
        matches!(self, Verdict::Pass)
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Pass => f.write_str("PASS"),
            Verdict::Fail(message) => write!(f, "FAIL: {message}"),
        }
    }
}

/// What a simulation returns for its seed: a verdict and counters of its own
/// ("requests_completed", …), which summaries add up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedOutcome {
    /// Whether the seed held.
    pub verdict: Verdict,
    /// Named counts the simulation wants reported.
    pub counters: BTreeMap<String, u64>,
    /// The invariant violations found, if the simulation checks invariants.
    pub violations: Vec<Violation>,
}

impl SeedOutcome {
    /// A passing seed.
    pub fn pass() -> Self {
        SeedOutcome { verdict: Verdict::Pass, counters: BTreeMap::new(), violations: Vec::new() }
    }

    /// A failing seed.
    pub fn fail(message: impl Into<String>) -> Self {
        SeedOutcome { verdict: Verdict::Fail(message.into()), counters: BTreeMap::new(), violations: Vec::new() }
    }

    /// Passes if no invariant was violated, else fails naming the violated invariants.
    pub fn judged(violations: Vec<Violation>) -> Self {
        let mut outcome = if violations.is_empty() {
            Self::pass()
        } else {
            let mut names: Vec<&str> = violations.iter().map(|v| v.invariant.as_str()).collect();
            names.sort_unstable();
            names.dedup();
            Self::fail(format!("violated: {}", names.join(", ")))
        };
        outcome.violations = violations;
        outcome
    }

    /// Passes if `problems` is empty, else fails listing them.
    pub fn from_problems(problems: Vec<String>) -> Self {
        if problems.is_empty() {
            Self::pass()
        } else {
            Self::fail(problems.join("; "))
        }
    }

    /// Adds a counter.
    pub fn with_counter(mut self, name: &str, value: u64) -> Self {
        self.counters.insert(name.to_owned(), value);
        self
    }
}

/// What happened on one seed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedReport {
    /// The seed.
    pub seed: u64,
    /// Whether it held. An escaping panic or the time limit is a failure.
    pub verdict: Verdict,
    /// The simulation's counters (empty if it panicked).
    pub counters: BTreeMap<String, u64>,
    /// The invariant violations the simulation found.
    pub violations: Vec<Violation>,
    /// The run's trace.
    pub trace: Trace,
    /// The coverage points the seed reached, and how often (teardown excluded).
    pub coverage: Counts,
    /// The planned faults the seed skipped: index in its plan, and why.
    pub skipped_faults: Vec<(usize, &'static str)>,
    /// Simulated time when the simulation ended.
    pub sim_time: Duration,
    /// Real time the seed took, runtime setup and teardown included.
    pub wall_time: Duration,
}

impl SeedReport {
    /// The report of a seed judged with `violations`, and nothing else: no counters,
    /// an empty trace, no coverage, no time taken. What tests of reports and of their
    /// output start from.
    pub fn judged(seed: u64, violations: Vec<Violation>) -> Self {
        let outcome = SeedOutcome::judged(violations);
        SeedReport {
            seed,
            verdict: outcome.verdict,
            counters: outcome.counters,
            violations: outcome.violations,
            trace: Trace::default(),
            coverage: Counts::default(),
            skipped_faults: Vec::new(),
            sim_time: Duration::ZERO,
            wall_time: Duration::ZERO,
        }
    }
}

impl fmt::Display for SeedReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "seed {} {} ({} events, sim {:.3}s, trace {:016x})",
            self.seed,
            self.verdict,
            self.trace.events,
            self.sim_time.as_secs_f64(),
            self.trace.hash
        )
    }
}

/// Runs `sim` over `seeds` on `config.jobs` worker threads; reports in seed order.
/// After a [`stop`](crate::stop) request, seeds not yet started are left out.
pub fn run_seeds<S, F>(sim: &S, seeds: &[u64], config: &RunConfig) -> Vec<SeedReport>
where
    S: Fn(Cluster) -> F + Sync,
    F: Future<Output = SeedOutcome>,
{
    on_workers(seeds, config.jobs, |recorder, seed| run_on(recorder, sim, seed, config))
}

/// Runs `sim` on one seed, on the calling thread.
pub fn run_seed<S, F>(sim: &S, seed: u64, config: &RunConfig) -> SeedReport
where
    S: Fn(Cluster) -> F,
    F: Future<Output = SeedOutcome>,
{
    let recorder = TraceRecorder::new();
    recorder.installed(|| run_on(&recorder, sim, seed, config))
}

/// Maps `work` over `seeds` on `jobs` threads, each with its own trace recorder
/// installed; results in the order of `seeds`.
pub(crate) fn on_workers<T, W>(seeds: &[u64], jobs: usize, work: W) -> Vec<T>
where
    T: Send,
    W: Fn(&TraceRecorder, u64) -> T + Sync,
{
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, T)>> = Mutex::new(Vec::with_capacity(seeds.len()));
    let worker = || {
        let recorder = TraceRecorder::new();
        recorder.installed(|| loop {
            if stop::requested() {
                return;
            }
            let index = next.fetch_add(1, Ordering::Relaxed);
            let Some(&seed) = seeds.get(index) else {
                return;
            };
            let result = work(&recorder, seed);
            results.lock().unwrap_or_else(|p| p.into_inner()).push((index, result));
        });
    };
    // Real threads are fine here: each one creates and drives whole madsim runtimes,
    // one seed at a time; no simulated code ever sees another thread.
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, seeds.len().max(1)) {
            scope.spawn(worker);
        }
    });
    let mut results = results.into_inner().unwrap_or_else(|p| p.into_inner());
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, result)| result).collect()
}

/// One seed on a fresh runtime, traced by `recorder` (installed on this thread).
///
/// A seed that violated something while its bulk events were skipped runs again with
/// every line kept: the run is the same, and its causal evidence needs the messages.
pub(crate) fn run_on<S, F>(recorder: &TraceRecorder, sim: &S, seed: u64, config: &RunConfig) -> SeedReport
where
    S: Fn(Cluster) -> F,
    F: Future<Output = SeedOutcome>,
{
    let report = run_once(recorder, sim, seed, config);
    if report.violations.is_empty() || config.skip_kinds.is_empty() || !(config.keep_lines || config.keep_events) {
        return report;
    }
    let mut full = run_once(recorder, sim, seed, &config.clone().skip_kinds(&[]));
    full.wall_time += report.wall_time;
    full
}

/// [`run_on`] without the second run.
fn run_once<S, F>(recorder: &TraceRecorder, sim: &S, seed: u64, config: &RunConfig) -> SeedReport
where
    S: Fn(Cluster) -> F,
    F: Future<Output = SeedOutcome>,
{
    let stopwatch = Stopwatch::start();
    let mut rt = madsim::runtime::Runtime::with_seed_and_config(seed, madsim::Config::default());
    rt.set_time_limit(config.time_limit);
    let keep = match (config.keep_lines, config.keep_events) {
        (true, _) => Keep::Lines,
        (false, true) => Keep::Events,
        (false, false) => Keep::Hash,
    };
    recorder.start_keeping(keep, config.skip_kinds);
    recorder.watch(Watchdog::new(config.wall_limit, config.time_limit).abandoning_on_stop(config.abandon_on_stop));
    if let Some(file) = &config.stream_lines {
        recorder.stream_to(Box::new(LineFile::create(file)));
    }
    let (cluster, outcome) = panics::quietly(|| {
        let cluster = rt.block_on(async { Cluster::new() });
        coverage::reset();
        crate::inject::take_skipped();
        let run = std::panic::catch_unwind(AssertUnwindSafe(|| rt.block_on(sim(cluster.clone()))));
        let outcome = run.unwrap_or_else(|payload| {
            let message = panics::last_panic().unwrap_or_else(|| otpsim_runtime::panic_message(payload.as_ref()));
            SeedOutcome::fail(format!("simulation panicked: {message}"))
        });
        (cluster, outcome)
    });
    let outcome = match config.wall_limit.filter(|_| recorder.expired()) {
        Some(limit) => SeedOutcome::fail(format!(
            "timed out: the seed ran longer than its wall-time limit of {}s (--seed-timeout)",
            limit.as_secs_f64()
        )),
        None if recorder.abandoned() => SeedOutcome::fail("interrupted: the seed was abandoned before its end"),
        None => match recorder.clock_stood() {
            Some((at, events)) => SeedOutcome::fail(format!(
                "livelock: the simulated clock stood still from {:.3}s: {events} events in less than {}s of \
                 simulated time (no timer ever fired)",
                at.as_secs_f64(),
                crate::watchdog::STILL_SPAN.as_secs()
            )),
            None => outcome,
        },
    };
    let (trace, events) = recorder.finish_with_events();
    let reached = coverage::take();
    let skipped_faults = crate::inject::take_skipped();
    // A lean trace lacks the messages the evidence follows: `run_on` runs again in full.
    let violations = if config.skip_kinds.is_empty() {
        explained(outcome.violations, &events, config.work_fields)
    } else {
        outcome.violations
    };
    recorder.reuse(events);
    // Teardown must run even past the time limit: kill every node and step once so
    // madsim drops their tasks (a runtime dropped with waiting tasks leaks them).
    rt.set_time_limit(Duration::MAX);
    let teardown = panics::quietly(|| {
        std::panic::catch_unwind(AssertUnwindSafe(|| {
            rt.block_on(async move {
                let sim_time = madsim::time::TimeHandle::current().elapsed();
                cluster.halt().await;
                sim_time
            })
        }))
    });
    drop(rt);
    let (sim_time, verdict) = match teardown {
        Ok(sim_time) => (sim_time, outcome.verdict),
        Err(payload) => {
            let message = panics::last_panic().unwrap_or_else(|| otpsim_runtime::panic_message(payload.as_ref()));
            (Duration::ZERO, Verdict::Fail(format!("teardown panicked: {message}")))
        }
    };
    SeedReport {
        seed,
        verdict,
        counters: outcome.counters,
        violations,
        trace,
        coverage: reached,
        skipped_faults,
        sim_time,
        wall_time: stopwatch.elapsed(),
    }
}

/// The violations in time order, their evidence traced back to its causes (following
/// `work_fields`) when the trace's events were kept.
fn explained(violations: Vec<Violation>, events: &[TraceEvent], work_fields: &[&str]) -> Vec<Violation> {
    if violations.is_empty() || events.is_empty() {
        return violations;
    }
    crate::causal::explain(violations, events, work_fields)
}

/// Real time elapsed since it was started: how long seeds take to run, never seen by
/// simulated code.
#[derive(Clone, Copy, Debug)]
pub struct Stopwatch(std::time::Instant);

impl Stopwatch {
    /// Starts measuring.
    #[allow(clippy::disallowed_methods)] // measures the runner itself, outside any simulation
    pub fn start() -> Self {
        Stopwatch(std::time::Instant::now())
    }

    /// Real time since the start.
    pub fn elapsed(&self) -> Duration {
        self.0.elapsed()
    }
}
