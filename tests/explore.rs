//! `explore` is deterministic for a given seed, whatever the number of workers, and a
//! find written as a scenario file replays to the same violation.

use std::path::{Path, PathBuf};

use otpsim_harness::explore::{self, Progress};
use otpsim_harness::suite::run_scenario;
use otpsim_harness::RunConfig;
use otpsim_sims::registry;

fn flaw() -> Box<dyn otpsim_harness::suite::BoundScenario> {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios/flaws/workflow_restart_from_zero.toml");
    registry::load(&file).expect("the flaw scenario loads")
}

#[test]
fn the_same_seed_explores_the_same_way_and_a_find_replays() {
    let scenario = flaw();
    let mut new_points = Vec::new();
    let one = explore::explore(scenario.as_ref(), 24, 5, &RunConfig::default().jobs(1), |event| {
        if let Progress::NewPoint { run, point } = event {
            new_points.push((run, point.to_owned()));
        }
    });
    let two = explore::explore(scenario.as_ref(), 24, 5, &RunConfig::default().jobs(2), |_| {});
    assert_eq!(one.runs, two.runs);
    assert_eq!(one.seen, two.seen);
    assert!(!new_points.is_empty() && new_points[0].0 == 1, "points are reported as first reached: {new_points:?}");
    let (a, b) = (one.find.expect("the flaw is found"), two.find.expect("the flaw is found"));
    assert_eq!(a.candidate, b.candidate);
    assert_eq!(a.report.trace.hash, b.report.trace.hash);

    let written = scenario.with_plan(&a.candidate.plan).to_toml();
    let replayed = registry::load_text(Path::new("find.toml"), &written).expect("a find is a valid scenario");
    let report = run_scenario(replayed.as_ref(), &[a.candidate.seed], &RunConfig::default().jobs(1));
    assert!(explore::violates(replayed.as_ref(), &report.seeds[0]), "the written find reproduces its violation");
}
