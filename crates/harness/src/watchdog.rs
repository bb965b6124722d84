//! What a seed's runner does every so many trace events, from the trace recorder (the
//! one hook that sees a simulation's progress without taking part in it, so adding it
//! changes no schedule and no trace).
//!
//! - The wall-time limit (`--seed-timeout`): past it, the simulation's nodes are killed
//!   and the simulated clock is pushed beyond the seed's simulated-time limit, so madsim
//!   stops the run at its next step, and the seed fails with a verdict naming the limit.
//! - An interrupt, for a run that abandons its seed then (a replay): the same stop.
//! - A standing clock: a system in a livelock at one simulated instant (a retry with no
//!   backoff, messages bouncing between two processes) never lets a timer fire; the
//!   clock only creeps by madsim's 50–100 ns per poll, never reaches the seed's limit,
//!   and the seed would spin until the wall-time limit. [`STILL_EVENTS`] events within
//!   [`STILL_SPAN`] of simulated time (a microsecond an event, on average) is far more
//!   than a healthy run records: the same stop, and the seed fails saying where the
//!   clock stood.
//! - Finished tasks: madsim remembers every task a node ever spawned until the node is
//!   killed; a long run spawns millions (one per timer). Asking madsim to count its
//!   tasks makes it drop the finished ones, so memory does not grow with simulated time.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

/// Events between two looks at the wall clock.
const EVENTS_PER_CLOCK_CHECK: u64 = 1 << 10;
/// Events between two sweeps of madsim's finished tasks.
const EVENTS_PER_SWEEP: u64 = 1 << 16;

/// Events within [`STILL_SPAN`] of simulated time that mean the clock stands still:
/// ten times what the largest scenario of the suite records in its whole run.
pub(crate) const STILL_EVENTS: u64 = 1_000_000;
/// The simulated time that must pass over [`STILL_EVENTS`] events for the clock to count
/// as moving (a clock that only creeps, 50–100 ns a poll, covers a tenth of it).
pub(crate) const STILL_SPAN: Duration = Duration::from_secs(1);

/// How often the wall clock ticks.
const TICK: Duration = Duration::from_millis(100);

/// Real time in ticks since the first watchdog. Simulated code cannot read the real
/// clock (madsim answers `Instant::now` with simulated time on its threads), so a
/// thread of its own, outside any simulation, counts real time for the watchdogs.
fn wall_ticks() -> u64 {
    static TICKS: OnceLock<&'static AtomicU64> = OnceLock::new();
    let ticks = TICKS.get_or_init(|| {
        let ticks: &'static AtomicU64 = Box::leak(Box::new(AtomicU64::new(0)));
        #[allow(clippy::disallowed_methods)] // a real clock thread: it never touches a simulation
        std::thread::spawn(move || loop {
            #[allow(clippy::disallowed_methods)] // real time, on a thread outside every simulation
            std::thread::sleep(TICK);
            ticks.fetch_add(1, Ordering::Relaxed);
        });
        ticks
    });
    ticks.load(Ordering::Relaxed)
}

/// One seed's watchdog.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Watchdog {
    started: u64,
    wall_limit: Option<Duration>,
    sim_limit: Duration,
    events: u64,
    expired: bool,
    abandon_on_stop: bool,
    abandoned: bool,
    clock: Stillness,
}

/// Whether simulated time moves: the moment and event count it was last seen moving.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Stillness {
    since: Duration,
    since_events: u64,
    /// Set once the clock stood still: where, and over how many events.
    stood: Option<(Duration, u64)>,
}

impl Stillness {
    /// Looks at the simulated clock, `now`, after `events` events; true once it has
    /// stood still (moved less than [`STILL_SPAN`]) over [`STILL_EVENTS`] events.
    pub(crate) fn look(&mut self, events: u64, now: Duration) -> bool {
        if now >= self.since + STILL_SPAN || now < self.since {
            (self.since, self.since_events) = (now, events);
        } else if events - self.since_events >= STILL_EVENTS {
            self.stood = Some((self.since, events - self.since_events));
        }
        self.stood.is_some()
    }

    /// Where the clock stood, and over how many events, if it did.
    pub(crate) fn stood(&self) -> Option<(Duration, u64)> {
        self.stood
    }
}

impl Watchdog {
    /// A watchdog for a seed that may run `wall_limit` of real time (none: no limit) and
    /// `sim_limit` of simulated time. Made outside the simulation: it may start the
    /// clock thread, which madsim forbids inside one.
    pub(crate) fn new(wall_limit: Option<Duration>, sim_limit: Duration) -> Self {
        // Without a limit the clock thread is not needed (a library user may never start it).
        let started = if wall_limit.is_some() { wall_ticks() } else { 0 };
        Watchdog {
            started,
            wall_limit,
            sim_limit,
            events: 0,
            expired: false,
            abandon_on_stop: false,
            abandoned: false,
            clock: Stillness::default(),
        }
    }

    /// The same watchdog, also stopping the run once a [`stop`](crate::stop) is asked for.
    pub(crate) fn abandoning_on_stop(mut self, abandon: bool) -> Self {
        self.abandon_on_stop = abandon;
        self
    }

    /// True once the run was stopped because a stop was asked for.
    pub(crate) fn abandoned(&self) -> bool {
        self.abandoned
    }

    /// True once the wall-time limit passed.
    pub(crate) fn expired(&self) -> bool {
        self.expired
    }

    /// Where the simulated clock stood still, and over how many events, if it did.
    pub(crate) fn clock_stood(&self) -> Option<(Duration, u64)> {
        self.clock.stood()
    }

    /// Counts one event; returns what to do now (outside the recorder's lock).
    pub(crate) fn on_event(&mut self) -> Chore {
        self.events += 1;
        let checking = self.events.is_multiple_of(EVENTS_PER_CLOCK_CHECK)
            && !self.expired
            && !self.abandoned
            && self.clock.stood().is_none();
        if checking && self.abandon_on_stop && crate::stop::requested() {
            self.abandoned = true;
            return Chore::Stop(self.sim_limit);
        }
        if checking {
            let elapsed = || TICK * u32::try_from(wall_ticks() - self.started).unwrap_or(u32::MAX);
            if self.wall_limit.is_some_and(|limit| elapsed() > limit) {
                self.expired = true;
                return Chore::Stop(self.sim_limit);
            }
            let now = madsim::time::TimeHandle::try_current().map(|time| time.elapsed());
            if now.is_some_and(|now| self.clock.look(self.events, now)) {
                return Chore::Stop(self.sim_limit);
            }
        }
        if self.events.is_multiple_of(EVENTS_PER_SWEEP) {
            return Chore::Sweep;
        }
        Chore::Nothing
    }
}

/// Work the watchdog asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Chore {
    /// Nothing to do.
    Nothing,
    /// Let madsim drop the tasks that finished.
    Sweep,
    /// End the run: push the simulated clock past its limit.
    Stop(Duration),
}

impl Chore {
    /// Does the chore on the runtime of this thread, if there is one.
    pub(crate) fn run(self) {
        // Most events have no chore: skip looking up the runtime for them.
        if self == Chore::Nothing {
            return;
        }
        let Ok(runtime) = madsim::runtime::Handle::try_current() else {
            return;
        };
        match self {
            Chore::Nothing => {}
            Chore::Sweep => {
                runtime.metrics().num_tasks();
            }
            Chore::Stop(sim_limit) => {
                // Killing the nodes drops their tasks, so madsim's step ends even when the
                // work is all at one instant (a hundred thousand processes starting);
                // the clock past its limit then ends the run.
                for name in runtime.metrics().num_tasks_by_node().into_keys() {
                    if !is_unnamed(&name) {
                        runtime.kill(name.as_str());
                    }
                }
                madsim::time::advance(sim_limit);
            }
        }
    }
}

/// madsim's stand-in name for a node without one ("node-0", the node of the main
/// future): it cannot be looked up by that name.
fn is_unnamed(name: &str) -> bool {
    name.strip_prefix("node-").is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_watchdog_sweeps_periodically_and_stops_once_past_its_wall_limit() {
        let mut patient = Watchdog::new(None, Duration::from_secs(9));
        let chores: Vec<Chore> = (0..EVENTS_PER_SWEEP).map(|_| patient.on_event()).collect();
        assert_eq!(chores.iter().filter(|c| **c == Chore::Sweep).count(), 1);
        assert!(!chores.iter().any(|c| matches!(c, Chore::Stop(_))));

        let mut hasty = Watchdog::new(Some(Duration::ZERO), Duration::from_secs(9));
        while wall_ticks() == hasty.started {
            #[allow(clippy::disallowed_methods)] // waits for the real clock thread, outside any simulation
            std::thread::sleep(TICK / 4);
        }
        let stops: Vec<Chore> = (0..3 * EVENTS_PER_CLOCK_CHECK).map(|_| hasty.on_event()).collect();
        assert_eq!(stops.iter().filter(|c| matches!(c, Chore::Stop(_))).count(), 1);
        assert!(hasty.expired());
    }

    #[test]
    fn a_clock_standing_still_over_too_many_events_is_caught() {
        let mut clock = Stillness::default();
        let step = EVENTS_PER_CLOCK_CHECK;
        let at = Duration::from_secs(30);
        assert!(STILL_SPAN < at, "the clock moved from zero to {at:?}");
        assert!(!clock.look(step, at));
        let mut events = step;
        // Time creeps by 100 ns an event, as madsim's polls move it: still standing.
        while !clock.look(events, at + Duration::from_nanos(100 * (events - step))) {
            events += step;
            assert!(events <= STILL_EVENTS + 2 * step, "never caught");
        }
        assert_eq!(clock.stood(), Some((at, events - step)));
    }

    #[test]
    fn a_clock_that_moves_however_busy_is_never_caught() {
        let mut clock = Stillness::default();
        let step = EVENTS_PER_CLOCK_CHECK;
        // A busy run: a whole span every STILL_EVENTS / 2 events, for many spans.
        for i in 0..(8 * STILL_EVENTS / step) {
            let events = i * step;
            let now = STILL_SPAN * u32::try_from(events / (STILL_EVENTS / 2)).unwrap();
            assert!(!clock.look(events, now), "caught at {events} events, {now:?}");
        }
        assert_eq!(clock.stood(), None);
    }
}
