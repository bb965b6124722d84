//! How fast scenarios run: `cargo bench --bench scenarios`.
//!
//! Prints, from one run over the same seeds of [`SCENARIO`]: seeds per second on one
//! worker, simulated seconds per wall second, and the speed-up of two workers over
//! one, each against its target with PASS or MISS. The one- and two-worker runs are
//! interleaved and the best of [`ROUNDS`] taken, as the machines are shared and noisy.
//! `-- FILE` measures another scenario file.

use std::path::PathBuf;
use std::time::Duration;

use otpsim_harness::suite::{run_scenario, BoundScenario};
use otpsim_harness::{RunConfig, Stopwatch};
use otpsim_sims::registry;

/// The allocator the `otpsim` binary runs with, so the bench measures what users get.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The scenario measured, relative to the repository root.
const SCENARIO: &str = "scenarios/crash-storm.toml";
/// Seeds per measured run: seeds 0 to SEEDS - 1.
const SEEDS: u64 = 64;
/// Measured runs per worker count; the fastest counts.
const ROUNDS: usize = 3;
/// The targets: one worker runs 200 seeds a second, 20,000 times faster than real time.
const SEEDS_PER_SEC_MIN: f64 = 200.0;
const SIM_SPEED_MIN: f64 = 20_000.0;
const SPEEDUP_MIN: f64 = 1.7;

/// One measured run: its real time, the simulated time of all its seeds, and how many failed.
struct Measured {
    wall: Duration,
    sim: Duration,
    failed: usize,
}

fn measure(scenario: &dyn BoundScenario, seeds: &[u64], jobs: usize) -> Measured {
    let stopwatch = Stopwatch::start();
    let report = run_scenario(scenario, seeds, &RunConfig::default().jobs(jobs));
    let wall = stopwatch.elapsed();
    let sim = report.seeds.iter().map(|s| s.sim_time).sum();
    let failed = report.seeds.iter().filter(|s| !s.verdict.passed()).count();
    Measured { wall, sim, failed }
}

fn fastest(runs: Vec<Measured>) -> Measured {
    runs.into_iter().min_by_key(|m| m.wall).expect("at least one round")
}

fn main() {
    // `cargo bench` passes `--bench`; any other argument names the scenario file.
    let file = std::env::args()
        .skip(1)
        .find(|arg| !arg.starts_with("--"))
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(SCENARIO), PathBuf::from);
    let scenario = registry::load(&file).unwrap_or_else(|e| panic!("{e}"));
    let seeds: Vec<u64> = (0..SEEDS).collect();
    println!("scenario {} ({}), seeds 0..{SEEDS}, best of {ROUNDS}", scenario.name(), file.display());
    // One unmeasured seed first, so page faults and lazy statics do not count.
    measure(scenario.as_ref(), &[0], 1);
    let (mut one, mut two) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        one.push(measure(scenario.as_ref(), &seeds, 1));
        two.push(measure(scenario.as_ref(), &seeds, 2));
    }
    let (one, two) = (fastest(one), fastest(two));
    if one.failed + two.failed > 0 {
        println!("note: {} seeds failed on 1 job, {} on 2 jobs (speed still measured)", one.failed, two.failed);
    }

    let seeds_per_sec = SEEDS as f64 / one.wall.as_secs_f64();
    let sim_speed = one.sim.as_secs_f64() / one.wall.as_secs_f64();
    let speedup = one.wall.as_secs_f64() / two.wall.as_secs_f64();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if let Some(load) = load_average() {
        println!("machine: {cores} cores, load average {load} (other work on the cores slows every number)");
    }
    row("seeds per second, 1 job", seeds_per_sec, SEEDS_PER_SEC_MIN, "", "");
    let sim_detail = format!("{:.0} sim s in {:.2} s", one.sim.as_secs_f64(), one.wall.as_secs_f64());
    row("simulated speed, 1 job", sim_speed, SIM_SPEED_MIN, "x", &sim_detail);
    let jobs_detail = format!("{:.2} s vs {:.2} s on {cores} cores", two.wall.as_secs_f64(), one.wall.as_secs_f64());
    row("speed-up, 2 jobs over 1", speedup, SPEEDUP_MIN, "x", &jobs_detail);
}

/// Prints one result: what, how much against its target, PASS or MISS, and the raw numbers.
fn row(what: &str, value: f64, min: f64, unit: &str, detail: &str) {
    let verdict = if value >= min { "PASS" } else { "MISS" };
    let shown = format!("{value:.2}{unit}");
    let target = format!(">= {min}{unit}");
    println!("{what:<25}{shown:>10}   target {target:<9} {verdict}  {detail}");
}

/// The one-minute load average (Linux), to judge a MISS on a shared machine.
#[allow(clippy::disallowed_methods)] // the benchmark reads the real machine's load, not simulated state
fn load_average() -> Option<String> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    text.split_whitespace().next().map(str::to_owned)
}
