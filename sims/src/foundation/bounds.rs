//! Values a scenario's types accept but the healthy system cannot work with. Each
//! bound comes from what the value means to the system; `check` rejects a value
//! below it with that reason, at the value's file, line and field.

use std::path::Path;
use std::time::Duration;

use otpsim_harness::scenario::{value_span, FaultKind, Scenario, ScenarioError};

use super::schema::Foundation;

/// One lower bound: the dotted field, its value, the least value that works, and why.
struct Bound {
    field: &'static str,
    value: u128,
    least: u128,
    why: &'static str,
}

/// Every bound the foundation sim knows, with the scenario's values.
fn bounds(s: &Scenario<Foundation>) -> Vec<Bound> {
    let (system, workload, config) = (&s.system, &s.workload, &s.config);
    let ms = |d: Duration| d.as_millis();
    vec![
        Bound { field: "system.nodes", value: system.nodes.into(), least: 1, why: "no node could run the system" },
        Bound {
            field: "system.task_agents",
            value: system.task_agents.into(),
            least: 1,
            why: "no agent could ever run a task",
        },
        Bound {
            field: "workload.clients",
            value: workload.clients.into(),
            least: 1,
            why: "no client would submit the tasks",
        },
        Bound {
            field: "workload.request_timeout",
            value: ms(workload.request_timeout.0),
            least: 1,
            why: "every client request would time out before any answer (write at least \"1ms\")",
        },
        Bound {
            field: "config.max_error_threshold",
            value: config.max_error_threshold.into(),
            least: 1,
            why: "an agent pauses when its error count reaches the threshold; a count of 0 is reached before any error",
        },
        Bound {
            field: "config.circuit_breaker_threshold",
            value: config.circuit_breaker_threshold.into(),
            least: 1,
            why: "a breaker opens at this many consecutive failures; 0 would mean open before any failure",
        },
        Bound {
            field: "config.buffer_max_size",
            value: config.buffer_max_size as u128,
            least: 1,
            why: "a receiver's buffer could hold nothing: every message routed while its breaker is open would be dropped",
        },
        Bound {
            field: "config.agent_queue_capacity",
            value: config.agent_queue_capacity as u128,
            least: 1,
            why: "no agent could accept a task",
        },
        Bound {
            field: "config.retry.multiplier",
            value: config.retry.multiplier.into(),
            least: 1,
            why: "every backoff after the first would be zero: retries would spin",
        },
    ]
}

/// Rejects an explicit node crash or restart aimed at the clients' node: it would
/// stop the workload, not the system, so the run would test nothing.
fn check_node_targets(path: &Path, text: &str, scenario: &Scenario<Foundation>) -> Result<(), ScenarioError> {
    let clients = scenario.system.nodes;
    for (i, at) in scenario.faults.at.iter().enumerate() {
        let Some(target) =
            at.target.as_ref().filter(|_| matches!(at.kind, FaultKind::NodeCrash | FaultKind::NodeRestart))
        else {
            continue;
        };
        if target.get_ref().trim().parse::<u32>() == Ok(clients) {
            return Err(ScenarioError::new(
                path,
                text,
                Some(target.span()),
                &format!("faults.at[{i}].target"),
                format!(
                    "node {clients} is the clients' node: node faults hit the system's nodes, 0 to {}",
                    clients - 1
                ),
            )
            .with_hint("aim the fault at a system node, or partition the clients' node instead"));
        }
    }
    Ok(())
}

/// Rejects the first value below its bound, in the order of the docs' tables, then
/// a node fault aimed at the clients' node.
pub fn check(path: &Path, text: &str, scenario: &Scenario<Foundation>) -> Result<(), ScenarioError> {
    match bounds(scenario).into_iter().find(|b| b.value < b.least) {
        None => check_node_targets(path, text, scenario),
        Some(b) => {
            let leaf = b.field.rsplit('.').next().unwrap_or(b.field);
            let shown = if b.field == "workload.request_timeout" { "\"0\"".to_owned() } else { b.value.to_string() };
            Err(ScenarioError::new(
                path,
                text,
                value_span(text, b.field),
                b.field,
                format!("{leaf} = {shown}: {}", b.why),
            )
            .with_hint(format!("the least value that works is {}; see docs/scenarios.md", b.least)))
        }
    }
}
