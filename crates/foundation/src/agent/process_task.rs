//! ProcessTask: validate a task, then run its attempts through the circuit breaker and
//! RetryService.
//!
//! Only expected errors are values here: a transient error (timeout, network_error,
//! service_unavailable), a permanent one (invalid) and an unsupported task type. A
//! programming defect is a panic and stays one: it crashes the agent that runs the
//! attempt, whose supervisor restarts it. An unwind hook records durably that the
//! task crashed its agent (the agent's restart then fails it as `crashed` instead of
//! running it again); a kill or a node crash does not unwind, so it is not recorded.
//!
//! Flaws on this path: `broad_rescue` catches the panic and turns it into an error
//! value; `errors_as_success` lets a returned error pass the breaker as a success
//! (the original's breaker only counted exceptions), so it is reported as completed.

use std::panic::AssertUnwindSafe;
use std::time::Duration;

use otpsim_runtime::{reached, Ctx};
use tracing::debug;

use crate::config::Config;
use crate::events::TARGET;
use crate::flaws::Flaw;
use crate::task::{self, Behavior, TaskOutcome, TaskSpec, TaskType};

use super::breaker::{CircuitBreaker, Transition};
use super::retry::{self, Decision};
use crate::events::kind;

/// A transient error, retried with backoff.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transient {
    /// The service did not answer in time.
    Timeout,
    /// The network failed.
    NetworkError,
    /// The service refused for now.
    ServiceUnavailable,
}

impl Transient {
    /// The error a failing attempt number `attempt` (0-based) returns: the three rotate.
    pub fn of_attempt(attempt: u32) -> Self {
        match attempt % 3 {
            0 => Transient::Timeout,
            1 => Transient::NetworkError,
            _ => Transient::ServiceUnavailable,
        }
    }

    /// The original's atom.
    pub fn name(self) -> &'static str {
        match self {
            Transient::Timeout => "timeout",
            Transient::NetworkError => "network_error",
            Transient::ServiceUnavailable => "service_unavailable",
        }
    }
}

/// An error an attempt returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TaskError {
    /// Expected and transient.
    Transient(Transient),
    /// Expected and permanent (validation failed).
    Invalid,
    /// The task type has no handler.
    Unsupported,
    /// A panic turned into a value (only under the `broad_rescue` flaw).
    Exception(String),
}

impl TaskError {
    /// True if RetryService retries it.
    pub fn is_transient(&self) -> bool {
        matches!(self, TaskError::Transient(_))
    }

    /// True if the error says the service or the agent is in trouble: a transient
    /// error, or an exception. A permanent error (invalid input, an unsupported type)
    /// is the task's own answer: it counts neither towards the breaker nor towards the
    /// agent's pause, or a stream of bad input would stall a healthy pool.
    pub fn signals_trouble(&self) -> bool {
        matches!(self, TaskError::Transient(_) | TaskError::Exception(_))
    }

    /// The failure reason a task that ends with this error reports.
    pub fn reason(&self) -> String {
        match self {
            TaskError::Transient(t) => t.name().to_owned(),
            TaskError::Invalid => task::INVALID.to_owned(),
            TaskError::Unsupported => task::UNSUPPORTED.to_owned(),
            TaskError::Exception(message) => format!("exception: {message}"),
        }
    }
}

/// What an attempt (or validation) leads to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Next {
    /// The task is finished.
    Done(TaskOutcome),
    /// Run another attempt after this backoff.
    RetryAfter(Duration),
}

/// The result of one step of a task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// What comes next.
    pub next: Next,
    /// The expected error this step returned, which the agent counts.
    pub error: Option<TaskError>,
    /// What the step did to the breaker.
    pub breaker: Transition,
}

/// One task's run on one agent: the attempts failed so far.
#[derive(Clone, Debug)]
pub struct ProcessTask {
    spec: TaskSpec,
    failures: u32,
}

impl ProcessTask {
    /// A run that has not attempted anything yet.
    pub fn new(spec: TaskSpec) -> Self {
        ProcessTask { spec, failures: 0 }
    }

    /// The task.
    pub fn spec(&self) -> &TaskSpec {
        &self.spec
    }

    /// Validation before any attempt: an unsupported type fails at once.
    pub fn validate(&self) -> Option<Step> {
        if let TaskType::Other(_) = self.spec.kind {
            let error = TaskError::Unsupported;
            let next = Next::Done(TaskOutcome::Failed(error.reason()));
            return Some(Step { next, error: Some(error), breaker: Transition::None });
        }
        None
    }

    /// Runs one attempt (its work has already taken its time) through the breaker and
    /// RetryService. A defect panics out of here; `on_unwind` runs while it unwinds.
    pub fn attempt(
        &mut self,
        ctx: &Ctx,
        config: &Config,
        breaker: &mut CircuitBreaker,
        on_unwind: impl FnMut(),
    ) -> Step {
        let raw = {
            let _hook = OnUnwind(on_unwind);
            if config.has(Flaw::BroadRescue) {
                std::panic::catch_unwind(AssertUnwindSafe(|| handle(ctx, &self.spec, self.failures)))
                    .unwrap_or_else(|panic| Err(TaskError::Exception(otpsim_runtime::panic_message(panic.as_ref()))))
            } else {
                handle(ctx, &self.spec, self.failures)
            }
        };
        match &raw {
            Err(TaskError::Exception(_)) => reached!("agent.defect_rescued"),
            Err(_) => reached!("agent.task_attempt_failed"),
            Ok(_) => {}
        }
        let result = match raw {
            Err(error) if config.has(Flaw::ErrorsAsSuccess) && !matches!(error, TaskError::Exception(_)) => {
                Ok(error_as_value(&error))
            }
            other => other,
        };
        let transition = match &result {
            Ok(_) => breaker.record(true, ctx.now()),
            Err(error) if error.signals_trouble() => breaker.record(false, ctx.now()),
            Err(_) => Transition::None,
        };
        match result {
            Ok(value) => Step { next: Next::Done(TaskOutcome::Completed(value)), error: None, breaker: transition },
            Err(error) => {
                self.failures += 1;
                let next = match retry::after_failure(&error, self.failures, self.spec.work, config) {
                    Decision::RetryAfter(backoff) => Next::RetryAfter(backoff),
                    Decision::GiveUp(outcome) => Next::Done(outcome),
                };
                self.emit_failed(ctx, &error, &next);
                Step { next, error: Some(error), breaker: transition }
            }
        }
    }
}

impl ProcessTask {
    /// The `attempt_failed` event: what the retry policy decided after this failure.
    fn emit_failed(&self, ctx: &Ctx, error: &TaskError, next: &Next) {
        let (task, agent, failures, error) = (self.spec.id, ctx.pid(), self.failures, error.reason());
        match next {
            Next::RetryAfter(backoff) => {
                let backoff_ns = u64::try_from(backoff.as_nanos()).unwrap_or(u64::MAX);
                debug!(target: TARGET, event = kind::ATTEMPT_FAILED, task = task.text().as_str(), agent = agent.text().as_str(), failures, error,
                    next = "retry", backoff_ns);
            }
            Next::Done(_) => {
                debug!(target: TARGET, event = kind::ATTEMPT_FAILED, task = task.text().as_str(), agent = agent.text().as_str(), failures, error,
                    next = "give_up");
            }
        }
    }
}

/// The task handler, dispatching on the task's behaviour: attempt number `attempt`
/// (0-based). A defect emits `defect`, then panics.
fn handle(ctx: &Ctx, spec: &TaskSpec, attempt: u32) -> Result<u64, TaskError> {
    match spec.behavior {
        Behavior::Succeed => Ok(task::result_of(spec.id)),
        Behavior::FailTransiently { times } if attempt < times => {
            Err(TaskError::Transient(Transient::of_attempt(attempt)))
        }
        Behavior::FailTransiently { .. } => Ok(task::result_of(spec.id)),
        Behavior::FailPermanently => Err(TaskError::Invalid),
        Behavior::Defect => {
            reached!("agent.task_defect");
            debug!(target: TARGET, event = kind::DEFECT, task = spec.id.text().as_str(), pid = ctx.pid().text().as_str());
            panic!("programming defect in the handler of task {}", spec.id)
        }
    }
}

/// The value the original reported when a returned error passed as a success: the
/// error term itself, here its reason's hash.
pub fn error_as_value(error: &TaskError) -> u64 {
    otpsim_runtime::rng::fnv1a(error.reason().as_bytes())
}

/// Runs its closure if dropped while the thread unwinds from a panic.
struct OnUnwind<F: FnMut()>(F);

impl<F: FnMut()> Drop for OnUnwind<F> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            (self.0)();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_errors_rotate_through_the_three_kinds() {
        let names: Vec<&str> = (0..4).map(|a| Transient::of_attempt(a).name()).collect();
        assert_eq!(names, ["timeout", "network_error", "service_unavailable", "timeout"]);
    }

    #[test]
    fn unsupported_types_fail_validation_with_an_expected_error() {
        let spec = TaskSpec {
            id: task::TaskId(1),
            kind: TaskType::Other("x".into()),
            work: Duration::ZERO,
            behavior: Behavior::Succeed,
        };
        let step = ProcessTask::new(spec).validate().expect("unsupported");
        assert_eq!(step.next, Next::Done(TaskOutcome::Failed(task::UNSUPPORTED.into())));
        assert_eq!(step.error, Some(TaskError::Unsupported));
    }
}
