//! Runs that exercise nothing fail: each way a scenario file can test nothing, as a
//! new user might write it, is rejected by `check` or fails its run as vacuous.

use std::path::Path;

use otpsim_harness::suite::{run_scenario, BoundScenario};
use otpsim_harness::tally::Tally;
use otpsim_harness::RunConfig;
use otpsim_sims::registry;

/// A small healthy scenario with lines added to its `[system]`, `[workload]`, `[faults]`
/// and `[check]` tables.
fn scenario(system: &str, workload: &str, faults: &str, check: &str) -> String {
    format!(
        "name = \"probe\"\nseeds = 3\n[system]\nnodes = 2\ntask_agents = 2\nworkflows = 1\n{system}\n\
         [workload]\ntasks = 10\nsubmit_over = \"2s\"\n{workload}\n\
         [faults]\nuntil = \"4s\"\n{faults}\n[check]\nsettle = \"20s\"\n{check}\n"
    )
}

fn load(text: &str) -> Box<dyn BoundScenario> {
    registry::load_text(Path::new("probe.toml"), text).unwrap_or_else(|e| panic!("valid scenario: {e}\n{text}"))
}

/// Runs the scenario's seeds and folds them as `otpsim run` does.
fn tally(text: &str) -> Tally {
    let scenario = load(text);
    let seeds: Vec<u64> = (0..scenario.seeds()).collect();
    let report = run_scenario(scenario.as_ref(), &seeds, &RunConfig::default().jobs(1));
    let mut tally = Tally::new(scenario.as_ref());
    for seed in report.seeds {
        tally.add(seed);
    }
    tally
}

fn assert_vacuous_because(tally: &Tally, reason: &str) {
    let reasons = tally.vacuous();
    assert!(!tally.passed(), "a vacuous run must fail; reasons: {reasons:?}");
    assert!(reasons.iter().any(|r| r.contains(reason)), "expected a reason containing {reason:?}, got {reasons:?}");
}

#[test]
fn a_scenario_with_no_node_is_rejected_by_check() {
    let text = scenario("", "", "", "").replace("nodes = 2", "nodes = 0");
    let error = registry::load_text(Path::new("probe.toml"), &text).err().expect("nodes = 0 is rejected");
    assert!(error.to_string().contains("system.nodes"), "{error}");
}

#[test]
fn a_run_in_which_nothing_is_acknowledged_is_vacuous() {
    // Submissions spread over 200 s, the run lasts 24 s: the first comes too late.
    let text = scenario("", "", "", "").replace("submit_over = \"2s\"", "submit_over = \"2000s\"");
    let text = text.replace("workflows = 1", "workflows = 0").replace("tasks = 10", "tasks = 1");
    assert_vacuous_because(&tally(&text), "no task or workflow was acknowledged");
}

#[test]
fn node_faults_aimed_at_the_clients_node_are_rejected_by_check() {
    let faults = "[[faults.at]]\ntime = \"1s\"\nkind = \"node_crash\"\ntarget = \"2\"\n";
    let error = registry::load_text(Path::new("probe.toml"), &scenario("", "", faults, "")).err().expect("rejected");
    assert!(error.to_string().contains("faults.at[0].target"), "{error}");
    assert!(error.to_string().contains("clients' node"), "{error}");
}

#[test]
fn a_fault_that_never_lands_makes_the_run_vacuous() {
    // Node 7 does not exist: every seed skips the crash.
    let faults = "[[faults.at]]\ntime = \"1s\"\nkind = \"node_crash\"\ntarget = \"7\"\n";
    assert_vacuous_because(&tally(&scenario("", "", faults, "")), "faults.at[0] (node_crash 7) never applied");
}

#[test]
fn a_run_that_checks_no_invariant_is_vacuous() {
    assert_vacuous_because(&tally(&scenario("", "", "", "invariants = []")), "no invariant was checked");
}

#[test]
fn the_agent_supervisor_target_fires() {
    let faults = "process_crash = { every = \"1s\", targets = [\"agent_supervisor\"] }\n\
                  [[faults.at]]\ntime = \"2s\"\nkind = \"crash\"\ntarget = \"agent_supervisor/0\"\n";
    let tally = tally(&scenario("", "", faults, ""));
    assert!(tally.coverage.get("fault.applied.crash.agent_supervisor").is_some_and(|c| c.seeds == 3));
    assert!(tally.coverage.get("fault.applied.crash.agent_supervisor/0").is_some_and(|c| c.seeds == 3));
    assert_eq!(tally.vacuous(), Vec::<String>::new());
    assert!(tally.passed(), "{:?}", tally.failed);
}

#[test]
fn a_required_point_never_reached_makes_the_run_vacuous() {
    let text = scenario("", "", "", "") + "[expect]\nreached = [\"manager.buffer_overflow\"]\n";
    assert_vacuous_because(&tally(&text), "never reached manager.buffer_overflow");
}

#[test]
fn a_misspelt_required_point_is_rejected_by_check() {
    let text = scenario("", "", "", "") + "[expect]\nreached = [\"agent.pasued\"]\n";
    let error = registry::load_text(Path::new("probe.toml"), &text).err().expect("rejected");
    assert!(error.to_string().contains("expect.reached[0]"), "{error}");
}
