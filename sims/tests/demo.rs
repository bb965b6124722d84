//! The demo: a supervised tree under kills, panics and message loss recovers on every
//! seed, and a worker whose handler panics is restarted by its supervisor.

use std::time::Duration;

use otpsim_harness::{check_seeds, run_seeds, RunConfig, Summary};
use otpsim_sims::demo::{self, Demo, DEFECTS_HIT, KILLS, REQUESTS_COMPLETED, RESTART_EVENT};

fn config() -> RunConfig {
    RunConfig::default().time_limit(Duration::from_secs(60))
}

/// The value of `key=` in a trace line.
fn field<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    line.split(' ').find_map(|word| word.strip_prefix(key)?.strip_prefix('='))
}

#[test]
fn the_tree_recovers_on_every_seed_and_work_gets_done() {
    let seeds: Vec<u64> = (0..40).collect();
    let reports = run_seeds(&|cluster| demo::run(cluster, Demo::default()), &seeds, &config());
    let summary = Summary::of(&reports);
    let failures: Vec<String> = reports.iter().filter(|r| !r.verdict.passed()).map(|r| r.to_string()).collect();
    assert!(failures.is_empty(), "{summary}:\n{}", failures.join("\n"));
    for counter in [REQUESTS_COMPLETED, DEFECTS_HIT, KILLS] {
        assert!(summary.counter(counter) > 0, "{counter} is zero: {:?}", summary.counters);
    }
    assert!(summary.kind(RESTART_EVENT) > summary.counter(KILLS) / 2, "{:?}", summary.kinds);
}

#[test]
fn a_worker_whose_handler_panics_is_restarted_by_its_supervisor() {
    let config = config().keep_lines(true);
    let reports = run_seeds(&|cluster| demo::run(cluster, Demo::default()), &[1, 2, 3], &config);
    let (mut restarted, mut escalated) = (0, 0);
    for report in &reports {
        assert!(report.verdict.passed(), "{report}");
        let lines = report.trace.lines.as_deref().expect("kept");
        for (at, line) in lines.iter().enumerate() {
            if field(line, "event") != Some("child_exit") || !line.contains("reason=\"panic: defect hit") {
                continue;
            }
            assert_eq!(field(line, "restart"), Some("true"), "{line}");
            let (sup, child, pid) = (field(line, "supervisor"), field(line, "child"), field(line, "pid"));
            // The supervisor's next decision on this child: restart it, or give up
            // (too many restarts) and leave the restart to its own supervisor.
            let next = lines[at + 1..].iter().find(|l| {
                let event = field(l, "event");
                field(l, "supervisor") == sup
                    && field(l, "child") == child
                    && (event == Some(RESTART_EVENT) || event == Some("intensity_exceeded"))
            });
            let next = next.unwrap_or_else(|| panic!("no restart decision after {line}"));
            if field(next, "event") == Some(RESTART_EVENT) {
                assert_eq!(field(next, "old_pid"), pid, "{next}");
                restarted += 1;
            } else {
                escalated += 1;
            }
        }
    }
    assert!(restarted > 0, "no panicking worker was restarted in seeds 1..=3 ({escalated} escalations)");
}

#[test]
fn demo_seeds_run_twice_leave_identical_traces() {
    let seeds: Vec<u64> = (100..120).collect();
    for result in check_seeds(&|cluster| demo::run(cluster, Demo::default()), &seeds, &config()) {
        if let Err(divergence) = result {
            panic!("{divergence}");
        }
    }
}
