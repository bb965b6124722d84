//! The circuit breaker ProcessTask runs every attempt through.
//!
//! It counts consecutive failed attempts; at the threshold it opens for the reset
//! period, then lets one trial attempt through (half-open): a success closes it, a
//! failure opens it again. An open breaker only holds back the start of new tasks of
//! its downstream (the agent releases them to others); started tasks keep their
//! retry schedule, so a task's outcome never depends on the breaker.

use std::time::Duration;

/// One agent's breaker. Times are simulated time since the run started (`Ctx::now`).
#[derive(Clone, Debug)]
pub struct CircuitBreaker {
    threshold: u32,
    reset: Duration,
    failures: u32,
    /// While open: when the next trial attempt may run.
    open_until: Option<Duration>,
}

/// What recording an attempt did to the breaker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transition {
    /// Nothing worth reporting.
    None,
    /// It opened (or re-opened after a failed trial) with this many failures counted.
    Opened(u32),
    /// A successful trial closed it.
    Closed,
}

impl CircuitBreaker {
    /// A closed breaker that opens after `threshold` consecutive failures and stays
    /// open for `reset`.
    pub fn new(threshold: u32, reset: Duration) -> Self {
        CircuitBreaker { threshold, reset, failures: 0, open_until: None }
    }

    /// The failures after which it opens.
    pub fn threshold(&self) -> u32 {
        self.threshold
    }

    /// `Ok` if an attempt may run at `now`, or how long to wait until it may.
    pub fn admit(&self, now: Duration) -> Result<(), Duration> {
        match self.open_until {
            Some(until) if now < until => Err(until - now),
            _ => Ok(()),
        }
    }

    /// Records the result of an attempt that finished at `now`.
    pub fn record(&mut self, success: bool, now: Duration) -> Transition {
        if success {
            self.failures = 0;
            return match self.open_until.take() {
                Some(_) => Transition::Closed,
                None => Transition::None,
            };
        }
        self.failures = self.failures.saturating_add(1);
        let trial_failed = self.open_until.is_some();
        if trial_failed || self.failures >= self.threshold {
            self.open_until = Some(now + self.reset);
            Transition::Opened(self.failures)
        } else {
            Transition::None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RESET: Duration = Duration::from_secs(30);

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn breaker_opens_at_the_threshold_of_consecutive_failures() {
        let mut b = CircuitBreaker::new(3, RESET);
        assert_eq!(b.record(false, ms(1)), Transition::None);
        assert_eq!(b.record(true, ms(2)), Transition::None);
        assert_eq!(b.record(false, ms(3)), Transition::None);
        assert_eq!(b.record(false, ms(4)), Transition::None);
        assert!(b.admit(ms(5)).is_ok());
        assert_eq!(b.record(false, ms(5)), Transition::Opened(3));
        assert_eq!(b.admit(ms(6)), Err(RESET - ms(1)));
    }

    #[test]
    fn a_trial_after_the_reset_closes_on_success_and_reopens_on_failure() {
        let mut b = CircuitBreaker::new(1, RESET);
        assert_eq!(b.record(false, ms(0)), Transition::Opened(1));
        assert!(b.admit(RESET).is_ok());
        assert_eq!(b.record(false, RESET), Transition::Opened(2));
        assert!(b.admit(RESET + ms(1)).is_err());
        assert_eq!(b.record(true, RESET * 2), Transition::Closed);
        assert!(b.admit(RESET * 2).is_ok());
    }
}
