//! Runs-to-detect, random seeds against `otpsim explore`, on flaw scenarios built so
//! that the flawed path is rare under the file's own random fault plans.
//!
//! For each scenario: how many of `--random` consecutive random seeds reach the point
//! the flaw needs and how many find the violation (runs-to-detect for random seeds is
//! their count over the finds), then the median runs `explore` needed over
//! `--explorations` exploration seeds (a search that spends its budget counts as the
//! budget). Also times crash-storm with coverage counting against the same seeds with
//! it switched off. Printed side by side, from one run: these machines are shared.
//!
//! ```text
//! cargo run --release --example explore_bench [-- --random 600] [-- --explorations 10] [-- --budget 600]
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use otpsim_harness::explore;
use otpsim_harness::suite::{run_scenario, BoundScenario};
use otpsim_harness::{RunConfig, Stopwatch};
use otpsim_sims::registry;

/// The check every hard scenario ends with.
const CHECK: &str = "[check]\nsettle = \"30s\"\n";

/// The hard scenarios: (name, file text without the common part).
const HARD: &[(&str, &str)] = &[
    (
        "restart-from-zero, one short workflow",
        r#"name = "hard-restart-from-zero"
flaws = ["workflow_restart_from_zero"]
[system]
nodes = 2
task_agents = 2
workflows = 1
workflow_steps = 3
[workload]
tasks = 4
submit_over = "30s"
task_time = ["100ms", "150ms"]
[faults]
until = "30s"
process_crash = { every = "40s", targets = ["workflow", "task_agent"] }
[expect]
violation = "workflows_finish"
reached = ["workflow.resumed_after_crash_in_step"]
"#,
    ),
    (
        "cancel ignored, a cancel during one short step",
        r#"name = "hard-cancel-ignored"
flaws = ["cancel_ignored"]
[system]
nodes = 2
task_agents = 2
workflows = 1
workflow_steps = 2
[workload]
tasks = 4
submit_over = "30s"
task_time = ["50ms", "80ms"]
cancel_rate = 1.0
[faults]
until = "30s"
process_crash = { every = "40s", targets = ["workflow"] }
[expect]
violation = "workflows_finish"
reached = ["workflow.cancel_during_step"]
"#,
    ),
    (
        "god coordinator, a step defect while two workflows run",
        r#"name = "hard-god-coordinator"
flaws = ["god_coordinator"]
[system]
nodes = 2
task_agents = 2
workflows = 2
workflow_steps = 2
[workload]
tasks = 4
submit_over = "30s"
task_time = ["100ms", "150ms"]
[faults]
until = "30s"
defect = { every = "40s", targets = ["coordinator", "task_agent"] }
[expect]
violation = "workflow_isolation"
reached = ["fault.applied.defect.coordinator"]
"#,
    ),
    (
        "partial restore, an agent killed while it runs a task",
        r#"name = "hard-partial-restore"
flaws = ["partial_restore"]
[system]
nodes = 2
task_agents = 4
workflows = 0
[workload]
tasks = 3
submit_over = "30s"
task_time = ["100ms", "200ms"]
error_rate = 0
transient_rate = 0
[faults]
until = "30s"
process_crash = { every = "40s", targets = ["task_agent/1", "coordinator"] }
[expect]
violation = "no_task_lost"
reached = ["agent.stopped_with_tasks_running"]
"#,
    ),
];

struct Options {
    random: u64,
    explorations: u64,
    budget: u64,
}

fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("error: {message}\nusage: explore_bench [--random N] [--explorations N] [--budget N]");
            return ExitCode::from(2);
        }
    };
    let config = RunConfig::default();
    println!("| scenario | random seeds reaching the flawed path | random runs-to-detect | explore runs-to-detect (median of {}) | explore / random |", options.explorations);
    println!("|---|---|---|---|---|");
    for (title, text) in HARD {
        let text = format!("{text}{CHECK}");
        let scenario = match registry::load_text(Path::new("hard.toml"), &text) {
            Ok(scenario) => scenario,
            Err(e) => {
                println!("| {title} | error: {} | | | |", e.to_string().replace('\n', " "));
                continue;
            }
        };
        println!("{}", row(title, scenario.as_ref(), &options, &config));
    }
    println!();
    println!("{}", overhead(&config));
    ExitCode::SUCCESS
}

/// One table row: the random baseline, then exploration.
fn row(title: &str, scenario: &dyn BoundScenario, options: &Options, config: &RunConfig) -> String {
    let seeds: Vec<u64> = (0..options.random).collect();
    let report = run_scenario(scenario, &seeds, config);
    let point = scenario.requirements().points.first().cloned().unwrap_or_default();
    let reaching = report.seeds.iter().filter(|s| s.coverage.contains_key(point.as_str())).count();
    let finds = report.seeds.iter().filter(|s| explore::violates(scenario, s)).count() as u64;
    let random = if finds == 0 { options.random as f64 } else { options.random as f64 / finds as f64 };
    let random_shown =
        if finds == 0 { format!("> {}", options.random) } else { format!("{random:.0} ({finds} finds)") };
    let mut explored: Vec<u64> = (0..options.explorations)
        .map(|seed| {
            let outcome = explore::explore(scenario, options.budget, seed, config, |_| {});
            if outcome.find.is_some() {
                outcome.runs
            } else {
                options.budget + 1
            }
        })
        .collect();
    explored.sort_unstable();
    let median = explored[explored.len() / 2];
    let shown = if median > options.budget { format!("> {}", options.budget) } else { median.to_string() };
    let reach_pct = 100.0 * reaching as f64 / options.random as f64;
    format!(
        "| {title} | {reaching}/{} ({reach_pct:.2} %) `{point}` | {random_shown} | {shown} (runs: {explored:?}) | {:.2} |",
        options.random,
        median as f64 / random
    )
}

/// Seeds per second of crash-storm with coverage counted and with counting switched
/// off, interleaved over the same seeds so machine noise hits both alike.
fn overhead(config: &RunConfig) -> String {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios/crash-storm.toml");
    let Ok(scenario) = registry::load(&file) else {
        return "crash-storm: cannot load".to_owned();
    };
    let seeds: Vec<u64> = (0..16).collect();
    let (mut on, mut off) = (0.0, 0.0);
    for round in 0..10 {
        let counting = round % 2 == 0;
        otpsim_runtime::coverage::set_counting(counting);
        let stopwatch = Stopwatch::start();
        run_scenario(scenario.as_ref(), &seeds, config);
        let secs = stopwatch.elapsed().as_secs_f64();
        if counting {
            on += secs;
        } else {
            off += secs;
        }
    }
    otpsim_runtime::coverage::set_counting(true);
    let runs = 5.0 * seeds.len() as f64;
    let (with, without) = (runs / on, runs / off);
    format!(
        "crash-storm ({} seeds x 5 rounds each, interleaved): {with:.1} seeds/s with coverage, {without:.1} seeds/s \
         without: coverage costs {:.1} % of seeds/s",
        seeds.len(),
        100.0 * (1.0 - with / without)
    )
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options { random: 600, explorations: 10, budget: 600 };
    while let Some(arg) = args.next() {
        let value = args.next().ok_or_else(|| format!("{arg} needs a number"))?;
        let number: u64 =
            value.parse().ok().filter(|n| *n > 0).ok_or_else(|| format!("{arg} {value:?} is not a positive number"))?;
        match arg.as_str() {
            "--random" => options.random = number,
            "--explorations" => options.explorations = number,
            "--budget" => options.budget = number,
            other => return Err(format!("unknown option {other:?}")),
        }
    }
    Ok(options)
}
