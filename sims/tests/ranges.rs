//! `[low, high]` ranges in a scenario's own tables: each seed draws its values, shows
//! them in its plan, replays them exactly, and narrows to them when written out.

use std::path::Path;

use otpsim_harness::suite::run_scenario;
use otpsim_harness::RunConfig;
use otpsim_sims::registry::load_text;

const RANGED: &str = r#"
name = "ranged"
seeds = 4

[system]
nodes = [1, 4]
task_agents = [1, 8]
workflows = 1
workflow_steps = 2

[workload]
tasks = [5, 30]
submit_over = ["500ms", "3s"]
task_time = ["1ms", "20ms"]
error_rate = [0.0, 0.3]

[faults]
until = "4s"

[config]
circuit_breaker_threshold = [1, 20]
retry = { initial_backoff = ["1ms", "2s"], multiplier = [1, 4] }

[check]
settle = "20s"
"#;

#[test]
fn each_seed_draws_every_range_and_its_plan_shows_the_values() {
    let scenario = load_text(Path::new("ranged.toml"), RANGED).expect("the ranged scenario is valid");
    let plans: Vec<_> = (0..16).map(|seed| scenario.fault_plan(seed).drawn).collect();
    let fields = [
        "config.circuit_breaker_threshold",
        "config.retry.initial_backoff",
        "config.retry.multiplier",
        "system.nodes",
        "system.task_agents",
        "workload.error_rate",
        "workload.submit_over",
        "workload.tasks",
    ];
    for drawn in &plans {
        assert_eq!(drawn.keys().map(String::as_str).collect::<Vec<_>>(), fields, "task_time keeps its pair");
    }
    let nodes: std::collections::BTreeSet<&str> = plans.iter().map(|d| d["system.nodes"].as_str()).collect();
    assert!(nodes.len() >= 3, "16 seeds drew only {nodes:?} nodes");
    assert_eq!(scenario.fault_plan(5).drawn, plans[5], "a seed draws the same values every time");
}

#[test]
fn a_seed_replays_exactly_and_narrows_to_what_it_drew() {
    let scenario = load_text(Path::new("ranged.toml"), RANGED).expect("the ranged scenario is valid");
    let config = RunConfig::default();
    let seeds = [3, 11];
    let first = run_scenario(scenario.as_ref(), &seeds, &config);
    let again = run_scenario(scenario.as_ref(), &seeds, &config);
    let hashes = |r: &otpsim_harness::suite::ScenarioReport| r.seeds.iter().map(|s| s.trace.hash).collect::<Vec<_>>();
    assert_eq!(hashes(&first), hashes(&again), "a ranged seed replays exactly");
    assert_ne!(hashes(&first)[0], hashes(&first)[1]);
    for (i, &seed) in seeds.iter().enumerate() {
        let plan = scenario.fault_plan(seed);
        let text = scenario.with_plan(&plan).to_toml();
        assert!(text.contains(&format!("nodes = {}\n", plan.drawn["system.nodes"])), "{text}");
        assert!(text.contains(&format!("tasks = {}\n", plan.drawn["workload.tasks"])), "{text}");
        let narrowed = load_text(Path::new("narrowed.toml"), &text).expect("the narrowed file is valid");
        assert!(narrowed.fault_plan(seed).drawn.is_empty(), "the narrowed file has no range left:\n{text}");
        let rerun = run_scenario(narrowed.as_ref(), &[seed], &config);
        assert_eq!(rerun.seeds[0].trace.hash, first.seeds[i].trace.hash, "the narrowed file runs the same seed");
    }
}
