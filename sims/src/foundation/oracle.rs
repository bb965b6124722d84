//! The sim's own model of what a correct system produces: each task's true outcome,
//! its retry schedule, and each workflow step's result.
//!
//! Written from the system's documented contract (docs/scenarios.md and the doc
//! comments of its API), not from its code: nothing here calls into the system under test, so a
//! bug in the system's retry arithmetic or result derivation shows up as a
//! disagreement instead of being copied into the verdict. Reasons are spelled as the
//! API reports them.

use std::time::Duration;

use otpsim_foundation::workflow::WorkflowId;
use otpsim_foundation::{Behavior, Config, TaskId, TaskOutcome, TaskSpec, TaskType};

/// The errors the retry policy retries: transient ones, as the handler names them.
pub const TRANSIENT_ERRORS: [&str; 3] = ["timeout", "network_error", "service_unavailable"];

/// The outcome a correct system reports for `spec` under `config`.
pub fn true_outcome(spec: &TaskSpec, config: &Config) -> TaskOutcome {
    let failed = |reason: &str| TaskOutcome::Failed(reason.to_owned());
    if matches!(spec.kind, TaskType::Other(_)) {
        return failed("unsupported_task_type");
    }
    match spec.behavior {
        Behavior::Succeed => TaskOutcome::Completed(task_result(spec.id)),
        Behavior::FailPermanently => failed("invalid"),
        Behavior::Defect => failed("crashed"),
        Behavior::FailTransiently { times } if retries_after(times, spec.work, config) => {
            TaskOutcome::Completed(task_result(spec.id))
        }
        Behavior::FailTransiently { .. } => failed("retries_exhausted"),
    }
}

/// The task types the contract supports, each with the downstream service it calls
/// (named after it, as events name it; an agent keeps one breaker per downstream).
pub const SERVICES: [(TaskType, &str); 5] = [
    (TaskType::DataProcessing, "data_processing"),
    (TaskType::Validation, "validation"),
    (TaskType::Transformation, "transformation"),
    (TaskType::Analysis, "analysis"),
    (TaskType::Notification, "notification"),
];

/// The downstream service a task of type `kind` calls: an unsupported type names
/// its own.
pub fn downstream(kind: &TaskType) -> &str {
    match kind {
        TaskType::Other(name) => name,
        known => SERVICES.iter().find(|(supported, _)| supported == known).map_or("", |(_, service)| service),
    }
}

/// True if, after `failures` failed attempts of `work` each, one more attempt is
/// allowed: the failed attempts and the backoffs after them end within
/// `retry.give_up_after` of the first attempt's start. Zero failures: always.
pub fn retries_after(failures: u32, work: Duration, config: &Config) -> bool {
    let give_up_after = config.retry.give_up_after.as_nanos();
    let mut spent: u128 = 0;
    for backoff in schedule(config).take(failures as usize) {
        spent = spent.saturating_add(work.as_nanos()).saturating_add(backoff);
        if spent > give_up_after {
            return false;
        }
    }
    true
}

/// The backoff (nanoseconds) after failure number `failures` (1-based).
pub fn backoff_after(failures: u32, config: &Config) -> u128 {
    schedule(config).nth(failures.saturating_sub(1) as usize).unwrap_or(0)
}

/// Backoffs in nanoseconds, one per failure: the first is `initial_backoff`, each next
/// one `multiplier` times the last, never above `max_backoff`.
fn schedule(config: &Config) -> impl Iterator<Item = u128> {
    let policy = &config.retry;
    let (max, multiplier) = (policy.max_backoff.as_nanos(), u128::from(policy.multiplier));
    std::iter::successors(Some(policy.initial_backoff.as_nanos().min(max)), move |last| {
        Some(last.saturating_mul(multiplier).min(max))
    })
}

/// True if an attempt of `spec` takes its `work` (every type but an unsupported one,
/// which fails validation at once).
pub fn attempt_takes_work(spec: &TaskSpec) -> bool {
    !matches!(spec.kind, TaskType::Other(_))
}

/// The result a successful execution of task `id` produces: FNV-1a of its id's
/// little-endian bytes, as the API documents it.
pub fn task_result(id: TaskId) -> u64 {
    fnv1a(&id.0.to_le_bytes())
}

/// The result step `step` of workflow `id` records: FNV-1a of `workflow/<id>/step/<step>`.
pub fn step_result(id: WorkflowId, step: usize) -> u64 {
    let mut key = String::from("workflow/");
    otpsim_runtime::decimal::push(&mut key, id.0);
    key.push_str("/step/");
    otpsim_runtime::decimal::push(&mut key, step as u64);
    fnv1a(key.as_bytes())
}

/// 64-bit FNV-1a.
fn fnv1a(bytes: &[u8]) -> u64 {
    const OFFSET: u64 = 14_695_981_039_346_656_037;
    const PRIME: u64 = 1_099_511_628_211;
    bytes.iter().fold(OFFSET, |hash, byte| (hash ^ u64::from(*byte)).wrapping_mul(PRIME))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_result_is_the_hash_of_its_documented_key() {
        assert_eq!(step_result(WorkflowId(12), 3), fnv1a(b"workflow/12/step/3"));
        assert_eq!(step_result(WorkflowId(0), 10), fnv1a(b"workflow/0/step/10"));
    }

    fn config(give_up_ms: u64) -> Config {
        let mut c = Config::default();
        c.retry.give_up_after = Duration::from_millis(give_up_ms);
        c
    }

    fn spec(behavior: Behavior) -> TaskSpec {
        TaskSpec { id: TaskId(3), kind: TaskType::Analysis, work: Duration::from_millis(100), behavior }
    }

    #[test]
    fn backoffs_double_from_500ms_and_cap_at_10s_by_default() {
        let c = Config::default();
        let got: Vec<u128> = (1..=7).map(|f| backoff_after(f, &c) / 1_000_000).collect();
        assert_eq!(got, vec![500, 1000, 2000, 4000, 8000, 10000, 10000]);
    }

    #[test]
    fn the_budget_counts_work_and_backoff_of_every_failure() {
        // 100ms work: after 1 failure 600ms spent, after 2 1.7s, after 3 3.8s.
        let c = config(1700);
        assert!(retries_after(2, Duration::from_millis(100), &c));
        assert!(!retries_after(3, Duration::from_millis(100), &c));
        assert!(retries_after(0, Duration::from_secs(99), &c));
    }

    #[test]
    fn true_outcomes_follow_behaviour_and_budget() {
        let c = config(1700);
        assert_eq!(
            true_outcome(&spec(Behavior::FailTransiently { times: 2 }), &c),
            TaskOutcome::Completed(task_result(TaskId(3)))
        );
        assert_eq!(
            true_outcome(&spec(Behavior::FailTransiently { times: 3 }), &c),
            TaskOutcome::Failed("retries_exhausted".into())
        );
        assert_eq!(true_outcome(&spec(Behavior::FailPermanently), &c), TaskOutcome::Failed("invalid".into()));
        assert_eq!(true_outcome(&spec(Behavior::Defect), &c), TaskOutcome::Failed("crashed".into()));
        let mut other = spec(Behavior::Succeed);
        other.kind = TaskType::Other("x".into());
        assert_eq!(true_outcome(&other, &c), TaskOutcome::Failed("unsupported_task_type".into()));
    }

    #[test]
    fn fnv1a_matches_the_published_test_vectors() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }
}
