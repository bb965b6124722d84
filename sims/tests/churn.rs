//! Churn under every fault the runtime models: each seed replays exactly and ends with
//! consistent tables.

use std::time::Duration;

use otpsim_harness::{check_seeds, run_seeds, RunConfig, Summary};
use otpsim_sims::churn::{self, Churn};

/// Seeds to run: `OTPSIM_SEEDS` overrides the default.
fn seed_count(default: u64) -> u64 {
    std::env::var("OTPSIM_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

#[test]
fn churn_seeds_run_twice_leave_identical_traces_and_consistent_tables() {
    let seeds: Vec<u64> = (0..seed_count(1000)).collect();
    let sim = |cluster| churn::run(cluster, Churn::default());
    // The runtime invariants read the kept events.
    let config = RunConfig::default().time_limit(Duration::from_secs(30)).keep_events(true);
    let results = check_seeds(&sim, &seeds, &config);
    let divergences: Vec<String> = results.iter().filter_map(|r| r.as_ref().err()).map(|d| d.to_string()).collect();
    assert!(divergences.is_empty(), "{} nondeterministic seeds, first:\n{}", divergences.len(), divergences[0]);
    let reports: Vec<_> = results.into_iter().filter_map(Result::ok).collect();
    let summary = Summary::of(&reports);
    let failures: Vec<String> = reports.iter().filter(|r| !r.verdict.passed()).map(|r| r.to_string()).collect();
    assert!(failures.is_empty(), "{summary}; failing seeds:\n{}", failures.join("\n"));
    // The workload must actually churn, or the check proves little.
    for kind in ["spawn", "exit", "node_crash", "node_restart", "drop", "duplicate", "monitor", "link"] {
        assert!(summary.kind(kind) > 0, "no {kind} event in {summary}: {:?}", summary.kinds);
    }
}

#[test]
fn churn_reports_do_not_depend_on_the_number_of_workers() {
    let seeds: Vec<u64> = (0..seed_count(1000).min(200)).collect();
    let sim = |cluster| churn::run(cluster, Churn::default());
    let runs: Vec<Vec<(u64, u64, String)>> = [1, 2]
        .into_iter()
        .map(|jobs| {
            run_seeds(&sim, &seeds, &RunConfig::default().jobs(jobs))
                .into_iter()
                .map(|r| (r.seed, r.trace.hash, r.verdict.to_string()))
                .collect()
        })
        .collect();
    assert_eq!(runs[0], runs[1]);
}
