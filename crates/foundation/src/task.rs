//! Tasks: what clients submit, how each one behaves when run, and its true outcome.
//!
//! A task's behaviour is part of its spec (the workload decides it from the seed), so
//! its true outcome is a pure function of the spec and the config: [`true_outcome`],
//! which the retry policy follows. The harness's `no_task_lost` does not call it: it
//! judges with the sim's own oracle, written apart from this code.

use std::fmt;
use std::time::Duration;

use otpsim_runtime::IdText;
use serde::{Deserialize, Serialize};

use crate::config::Config;

/// A task's id, unique per run; also the client's idempotency key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TaskId(pub u64);

impl TaskId {
    /// The id's text, as events carry it (`task = id.text().as_str()`), made without
    /// the formatter.
    pub fn text(self) -> IdText {
        IdText::decimal(self.0)
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text().as_str())
    }
}

/// The task types of the original ProcessTask action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskType {
    /// data_processing
    DataProcessing,
    /// validation
    Validation,
    /// transformation
    Transformation,
    /// analysis
    Analysis,
    /// notification
    Notification,
    /// Anything else: fails cleanly as unsupported.
    Other(String),
}

impl TaskType {
    /// The type's name, which is also the downstream service its handler calls (each
    /// has its own circuit breaker in an agent).
    pub fn name(&self) -> &str {
        match self {
            TaskType::DataProcessing => "data_processing",
            TaskType::Validation => "validation",
            TaskType::Transformation => "transformation",
            TaskType::Analysis => "analysis",
            TaskType::Notification => "notification",
            TaskType::Other(name) => name,
        }
    }
}

/// How a task behaves when executed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Behavior {
    /// Succeeds.
    Succeed,
    /// Fails with an expected transient error (timeout, network_error,
    /// service_unavailable) this many times, then succeeds.
    FailTransiently {
        /// Failures before the first success.
        times: u32,
    },
    /// Fails with an expected, permanent error (a validation error).
    FailPermanently,
    /// Hits a programming defect: the handler panics.
    Defect,
}

/// A task as submitted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskSpec {
    /// Its id.
    pub id: TaskId,
    /// Its type.
    pub kind: TaskType,
    /// How long one execution takes.
    pub work: Duration,
    /// What happens when it runs.
    pub behavior: Behavior,
}

/// A task's final outcome.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum TaskOutcome {
    /// It completed with this result.
    Completed(u64),
    /// It failed for this reason.
    Failed(String),
}

impl TaskOutcome {
    /// The outcome's text (`completed(42)`, `failed(invalid)`), as events carry it,
    /// made without the formatter.
    pub fn text(&self) -> String {
        let mut text = String::with_capacity(32);
        match self {
            TaskOutcome::Completed(v) => {
                text.push_str("completed(");
                otpsim_runtime::decimal::push(&mut text, *v);
            }
            TaskOutcome::Failed(r) => {
                text.push_str("failed(");
                text.push_str(r);
            }
        }
        text.push(')');
        text
    }
}

impl fmt::Display for TaskOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text())
    }
}

/// Failure reason of a task type the system does not support.
pub const UNSUPPORTED: &str = "unsupported_task_type";
/// Failure reason of a permanent expected error.
pub const INVALID: &str = "invalid";
/// Failure reason when transient errors outlast the retry policy.
pub const RETRIES_EXHAUSTED: &str = "retries_exhausted";
/// Failure reason of a task that crashed its agent (a programming defect).
pub const CRASHED: &str = "crashed";

/// The result a successful execution of `id` produces (deterministic).
pub fn result_of(id: TaskId) -> u64 {
    otpsim_runtime::rng::fnv1a(&id.0.to_le_bytes())
}

/// The outcome a correct system reports for `spec` under `config`.
///
/// Transient failures are retried with the configured backoff; the task fails with
/// [`RETRIES_EXHAUSTED`] if the next retry would start after `give_up_after`
/// (execution time included).
pub fn true_outcome(spec: &TaskSpec, config: &Config) -> TaskOutcome {
    if let TaskType::Other(_) = spec.kind {
        return TaskOutcome::Failed(UNSUPPORTED.to_owned());
    }
    match spec.behavior {
        Behavior::Succeed => TaskOutcome::Completed(result_of(spec.id)),
        Behavior::FailPermanently => TaskOutcome::Failed(INVALID.to_owned()),
        Behavior::Defect => TaskOutcome::Failed(CRASHED.to_owned()),
        Behavior::FailTransiently { times } => {
            if retries_fit(times, spec.work, config) {
                TaskOutcome::Completed(result_of(spec.id))
            } else {
                TaskOutcome::Failed(RETRIES_EXHAUSTED.to_owned())
            }
        }
    }
}

/// The backoff before retry number `retry` (0-based) under the config's policy.
pub fn backoff(retry: u32, config: &Config) -> Duration {
    let policy = &config.retry;
    let factor = u64::from(policy.multiplier).saturating_pow(retry);
    let nanos = (policy.initial_backoff.as_nanos() as u64).saturating_mul(factor);
    Duration::from_nanos(nanos).min(policy.max_backoff)
}

/// True if `failures` failed attempts and their backoffs still leave the final
/// attempt starting within `give_up_after`.
pub fn retries_fit(failures: u32, work: Duration, config: &Config) -> bool {
    let mut elapsed = Duration::ZERO;
    for retry in 0..failures {
        elapsed += work + backoff(retry, config);
        if elapsed > config.retry.give_up_after {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(behavior: Behavior) -> TaskSpec {
        TaskSpec { id: TaskId(3), kind: TaskType::Analysis, work: Duration::from_millis(100), behavior }
    }

    #[test]
    fn backoff_doubles_from_500ms_and_caps_at_10s() {
        let c = Config::default();
        let got: Vec<u64> = (0..7).map(|r| backoff(r, &c).as_millis() as u64).collect();
        assert_eq!(got, vec![500, 1000, 2000, 4000, 8000, 10000, 10000]);
    }

    #[test]
    fn true_outcome_follows_behaviour_and_retry_budget() {
        let c = Config::default();
        assert_eq!(true_outcome(&spec(Behavior::Succeed), &c), TaskOutcome::Completed(result_of(TaskId(3))));
        assert_eq!(
            true_outcome(&spec(Behavior::FailTransiently { times: 3 }), &c),
            TaskOutcome::Completed(result_of(TaskId(3)))
        );
        assert_eq!(
            true_outcome(&spec(Behavior::FailTransiently { times: 9 }), &c),
            TaskOutcome::Failed(RETRIES_EXHAUSTED.into())
        );
        assert_eq!(true_outcome(&spec(Behavior::Defect), &c), TaskOutcome::Failed(CRASHED.into()));
        let mut other = spec(Behavior::Succeed);
        other.kind = TaskType::Other("x".into());
        assert_eq!(true_outcome(&other, &c), TaskOutcome::Failed(UNSUPPORTED.into()));
    }
}
