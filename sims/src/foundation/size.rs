//! What one seed of a foundation scenario costs, estimated from its size before it
//! runs: `check` warns of a slow seed, and loading refuses one that cannot fit in memory.
//!
//! The coefficients were measured on the shipped scenarios (release build): the system
//! emits about 10 trace events per simulated second when idle, about 32 per task and 10
//! per agent; a seed costs about 3 µs per event plus about 110 µs per agent (starting
//! and supervising it: 100,000 agents take 11 s). Memory is about 5 KB per task (the
//! plan, the history, the checked trace lines) and 8 KB per agent (its task, its
//! tables, its lines). An estimate, not a promise: within a small factor is what it
//! is for. A system loaded past what its agents can do costs more than this says.

use otpsim_harness::scenario::{Scenario, ScenarioError};
use otpsim_harness::suite::SeedCost;
use std::path::Path;

use super::schema::Foundation;

/// Memory one seed may need before the scenario is refused as too large: one seed
/// stays under half a gigabyte.
pub const MEMORY_BUDGET_BYTES: u64 = 448 << 20;

const EVENTS_PER_SIM_SECOND: f64 = 10.0;
const EVENTS_PER_TASK: f64 = 32.0;
const EVENTS_PER_AGENT: f64 = 10.0;
const EVENTS_PER_WORKFLOW_STEP: f64 = 20.0;
const SECONDS_PER_EVENT: f64 = 3e-6;
const SECONDS_PER_AGENT: f64 = 110e-6;
const BYTES_BASE: f64 = 8e6;
const BYTES_PER_TASK: f64 = 5e3;
const BYTES_PER_AGENT: f64 = 8e3;

/// The estimated cost of one seed of `scenario`.
pub fn estimate(scenario: &Scenario<Foundation>) -> SeedCost {
    let sim_seconds = (scenario.faults.until.0 + scenario.check.settle.0).as_secs_f64();
    let system = &scenario.system;
    let tasks = f64::from(scenario.workload.tasks);
    let agents = f64::from(system.task_agents);
    let steps = f64::from(system.workflows) * f64::from(system.workflow_steps);
    let events = EVENTS_PER_SIM_SECOND * sim_seconds
        + EVENTS_PER_TASK * tasks
        + EVENTS_PER_AGENT * agents
        + EVENTS_PER_WORKFLOW_STEP * steps;
    SeedCost {
        events: events as u64,
        seconds: SECONDS_PER_EVENT * events + SECONDS_PER_AGENT * agents,
        memory_bytes: (BYTES_BASE + BYTES_PER_TASK * tasks + BYTES_PER_AGENT * agents) as u64,
    }
}

/// Refuses a scenario whose seed would not fit in [`MEMORY_BUDGET_BYTES`].
pub fn check(path: &Path, text: &str, scenario: &Scenario<Foundation>) -> Result<(), ScenarioError> {
    let cost = estimate(scenario);
    if cost.memory_bytes <= MEMORY_BUDGET_BYTES {
        return Ok(());
    }
    let system = &scenario.system;
    let (field, key) =
        if BYTES_PER_TASK * f64::from(scenario.workload.tasks) >= BYTES_PER_AGENT * f64::from(system.task_agents) {
            ("workload.tasks", "tasks")
        } else {
            ("system.task_agents", "task_agents")
        };
    let message = format!(
        "the input is too large: one seed would need about {} MB of memory (at most {} MB)",
        cost.memory_bytes >> 20,
        MEMORY_BUDGET_BYTES >> 20
    );
    Err(ScenarioError::new(path, text, key_span(text, key), field, message)
        .with_hint("split the load over more, smaller scenarios or seeds"))
}

/// Where the line that sets `key` starts, if one does.
fn key_span(text: &str, key: &str) -> Option<std::ops::Range<usize>> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.strip_prefix(key).is_some_and(|rest| rest.trim_start().starts_with('=')) {
            let start = offset + (line.len() - trimmed.len());
            return Some(start..start + key.len());
        }
        offset += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::foundation::bind;

    const CALM: &str = "name = \"calm\"\n[system]\ntask_agents = 8\n[workload]\ntasks = 100\nsubmit_over = \"10s\"\n\
                        [faults]\nuntil = \"15s\"\n[check]\nsettle = \"30s\"\n";

    #[test]
    fn a_calm_seed_is_estimated_near_what_it_emits() {
        let calm = bind(Path::new("calm.toml"), CALM).expect("valid");
        let cost = estimate(&calm.scenario);
        // Measured: 4,244 events in 0.07 s.
        assert!((2_000..9_000).contains(&cost.events), "{cost:?}");
        assert!(cost.seconds < 1.0 && cost.memory_bytes < 64 << 20, "{cost:?}");
    }

    #[test]
    fn a_seed_that_cannot_fit_in_memory_is_refused_at_its_line() {
        let huge = CALM.replace("tasks = 100", "tasks = 10000000");
        let error = bind(Path::new("huge.toml"), &huge).expect_err("too large").to_string();
        assert!(error.starts_with("huge.toml:5:1: `workload.tasks`: the input is too large: "), "{error}");
        let crowd = CALM.replace("task_agents = 8", "task_agents = 100000");
        let error = bind(Path::new("crowd.toml"), &crowd).expect_err("too large").to_string();
        assert!(error.starts_with("crowd.toml:3:1: `system.task_agents`: the input is too large: "), "{error}");
        let fifty_thousand = CALM.replace("task_agents = 8", "task_agents = 50000");
        // Measured: 5 s and 404 MB.
        let cost = estimate(&bind(Path::new("many.toml"), &fifty_thousand).expect("fits").scenario);
        assert!((2.0..20.0).contains(&cost.seconds) && cost.memory_bytes < 448 << 20, "{cost:?}");
        let long = CALM.replace("until = \"15s\"", "until = \"1000h\"");
        let cost = estimate(&bind(Path::new("long.toml"), &long).expect("long but small").scenario);
        assert!(cost.seconds > 60.0 && cost.memory_bytes < 64 << 20, "{cost:?}");
    }
}
