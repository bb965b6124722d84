//! Restart intensity: how many restarts within how long a supervisor tolerates
//! before it gives up and exits, escalating the failure to its parent.

use std::collections::VecDeque;
use std::time::Duration;

/// At most `max_restarts` restarts within any window of length `within`; one more
/// makes the supervisor stop its children and exit with `shutdown`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Intensity {
    /// Restarts tolerated within the window (0: the first restart is already too many).
    pub max_restarts: u32,
    /// The window's length, in simulated time.
    pub within: Duration,
}

impl Default for Intensity {
    /// 3 restarts in 5 s: the reference system's production value.
    fn default() -> Self {
        Intensity { max_restarts: 3, within: Duration::from_secs(5) }
    }
}

/// The verdict on one more restart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Verdict {
    /// Allowed; this many restarts are now in the window (this one included).
    Within(usize),
    /// Too many; this many restarts would be in the window.
    Exceeded(usize),
}

/// The times of recent restarts, oldest first.
#[derive(Clone, Debug)]
pub(super) struct RestartLog {
    intensity: Intensity,
    times: VecDeque<Duration>,
}

impl RestartLog {
    pub(super) fn new(intensity: Intensity) -> Self {
        RestartLog { intensity, times: VecDeque::new() }
    }

    pub(super) fn intensity(&self) -> Intensity {
        self.intensity
    }

    /// Records a restart at `now` after forgetting those older than the window (a
    /// restart exactly `within` ago still counts, as OTP's `R >= Now - Period` does).
    pub(super) fn record(&mut self, now: Duration) -> Verdict {
        while self.times.front().is_some_and(|t| now.saturating_sub(*t) > self.intensity.within) {
            self.times.pop_front();
        }
        self.times.push_back(now);
        let count = self.times.len();
        if count <= self.intensity.max_restarts as usize {
            Verdict::Within(count)
        } else {
            Verdict::Exceeded(count)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(max_restarts: u32, within_ms: u64) -> RestartLog {
        RestartLog::new(Intensity { max_restarts, within: Duration::from_millis(within_ms) })
    }

    #[test]
    fn one_restart_more_than_the_maximum_is_exceeded() {
        let mut l = log(3, 5000);
        for (i, t) in [0u64, 10, 20].into_iter().enumerate() {
            assert_eq!(l.record(Duration::from_millis(t)), Verdict::Within(i + 1));
        }
        assert_eq!(l.record(Duration::from_millis(30)), Verdict::Exceeded(4));
    }

    #[test]
    fn restarts_older_than_the_window_are_forgotten_and_the_boundary_counts() {
        let mut l = log(2, 1000);
        assert_eq!(l.record(Duration::from_millis(0)), Verdict::Within(1));
        assert_eq!(l.record(Duration::from_millis(500)), Verdict::Within(2));
        // 0 ms is more than 1000 ms before 1001 ms; 500 ms is not.
        assert_eq!(l.record(Duration::from_millis(1001)), Verdict::Within(2));
        // 500 ms is exactly 1000 ms before 1500 ms: still in the window.
        assert_eq!(l.record(Duration::from_millis(1500)), Verdict::Exceeded(3));
    }

    #[test]
    fn zero_max_restarts_refuses_the_first() {
        assert_eq!(log(0, 1000).record(Duration::ZERO), Verdict::Exceeded(1));
    }
}
