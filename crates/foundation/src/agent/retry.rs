//! RetryService: which failed attempts are retried, after what backoff, and when to
//! give up.
//!
//! Only transient errors are retried. The budget is the one [`crate::task::true_outcome`]
//! assumes: the next attempt is allowed if, counting each failed attempt's work and
//! backoff, it starts within `retry.give_up_after`. Time spent waiting for an open
//! circuit breaker (or for a restart) does not count, so neither changes an outcome.

use std::time::Duration;

use otpsim_runtime::reached;

use crate::config::Config;
use crate::task::{self, TaskOutcome};

use super::process_task::TaskError;

/// What to do after a failed attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Run another attempt after this backoff.
    RetryAfter(Duration),
    /// Stop: the task ends with this outcome.
    GiveUp(TaskOutcome),
}

/// Decides after failure number `failures` (1-based, this one included) of a task
/// whose attempts take `work`.
pub fn after_failure(error: &TaskError, failures: u32, work: Duration, config: &Config) -> Decision {
    if !error.is_transient() {
        return Decision::GiveUp(TaskOutcome::Failed(error.reason()));
    }
    if task::retries_fit(failures, work, config) {
        Decision::RetryAfter(task::backoff(failures.saturating_sub(1), config))
    } else {
        reached!("agent.retries_exhausted");
        Decision::GiveUp(TaskOutcome::Failed(task::RETRIES_EXHAUSTED.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::process_task::Transient;
    use crate::task::{Behavior, TaskId, TaskSpec, TaskType};

    /// Runs the retry loop on paper: how a task failing `times` attempts ends.
    fn simulate(times: u32, work: Duration, config: &Config) -> TaskOutcome {
        let mut failures = 0;
        loop {
            if failures == times {
                return TaskOutcome::Completed(task::result_of(TaskId(1)));
            }
            failures += 1;
            match after_failure(&TaskError::Transient(Transient::Timeout), failures, work, config) {
                Decision::RetryAfter(_) => {}
                Decision::GiveUp(outcome) => return outcome,
            }
        }
    }

    #[test]
    fn retry_decisions_agree_with_true_outcome() {
        let mut tight = Config::default();
        tight.retry.give_up_after = Duration::from_secs(3);
        for config in [Config::default(), tight] {
            for times in 0..12 {
                for work_ms in [5u64, 200, 2000] {
                    let work = Duration::from_millis(work_ms);
                    let spec = TaskSpec {
                        id: TaskId(1),
                        kind: TaskType::Analysis,
                        work,
                        behavior: Behavior::FailTransiently { times },
                    };
                    assert_eq!(simulate(times, work, &config), task::true_outcome(&spec, &config), "{times} {work_ms}");
                }
            }
        }
    }

    #[test]
    fn expected_permanent_errors_are_not_retried() {
        let c = Config::default();
        let d = after_failure(&TaskError::Invalid, 1, Duration::ZERO, &c);
        assert_eq!(d, Decision::GiveUp(TaskOutcome::Failed(task::INVALID.into())));
        let d = after_failure(&TaskError::Transient(Transient::NetworkError), 1, Duration::ZERO, &c);
        assert_eq!(d, Decision::RetryAfter(Duration::from_millis(500)));
    }
}
