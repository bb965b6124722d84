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
//! cargo run --release --example explore_bench [-- --random 2000] [-- --explorations 10] [-- --budget 600]
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use otpsim_harness::explore;
use otpsim_harness::suite::{run_scenario, BoundScenario};
use otpsim_harness::{RunConfig, Stopwatch};
use otpsim_sims::registry;

/// The check every hard scenario ends with.
const CHECK: &str = "[check]\nsettle = \"30s\"\n";

/// The hard scenarios: (title, file text without the common part). Each names in
/// `reached` the point that marks its flawed path; `None` there means the flawed path
/// is the violation itself (no point marks it apart).
const HARD: &[(&str, &str)] = &[
    (
        "lenient supervision: four restarts of one agent inside production's 5 s window",
        r#"name = "hard-lenient-supervision"
flaws = ["lenient_supervision"]
[system]
nodes = 2
task_agents = 2
workflows = 0
[workload]
tasks = 6
submit_over = "60s"
[faults]
until = "60s"
process_crash = { every = "3100ms", targets = ["task_agent/1"] }
[expect]
violation = "restart_intensity"
"#,
    ),
    (
        "restart from zero: a crash after a short workflow's first step is done",
        r#"name = "hard-restart-from-zero"
flaws = ["workflow_restart_from_zero"]
[system]
nodes = 2
task_agents = 2
workflows = 1
workflow_steps = 2
[workload]
tasks = 4
submit_over = "30s"
task_time = ["100ms", "150ms"]
[faults]
until = "30s"
process_crash = { every = "12s", targets = ["workflow"] }
[expect]
violation = "workflows_finish"
reached = ["workflow.resumed_after_steps_done"]
"#,
    ),
    (
        "partial restore: an agent killed while it runs one of a few tasks",
        r#"name = "hard-partial-restore"
flaws = ["partial_restore"]
[system]
nodes = 2
task_agents = 2
workflows = 0
[workload]
tasks = 6
submit_over = "30s"
task_time = ["100ms", "200ms"]
error_rate = 0
transient_rate = 0
[faults]
until = "30s"
process_crash = { every = "10s", targets = ["task_agent/1"] }
[expect]
violation = "no_task_lost"
reached = ["agent.stopped_with_tasks_running"]
"#,
    ),
    (
        "lifo drain: three route failures in a row open a breaker under 3 % message loss",
        r#"name = "hard-lifo-drain"
flaws = ["lifo_drain"]
[system]
nodes = 2
task_agents = 2
workflows = 0
[workload]
tasks = 60
submit_over = "20s"
task_time = ["50ms", "150ms"]
[faults]
until = "20s"
message_loss = 0.03
[config]
agent_queue_capacity = 2
circuit_breaker_threshold = 3
buffer_max_size = 2
breaker_reset = "1s"
[expect]
violation = "fifo_delivery"
reached = ["manager.breaker_opened"]
"#,
    ),
];

/// What explore must do at least as well as: this share of random seeds' runs.
const BAR: f64 = 0.2;

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
    println!(
        "| scenario | flawed path | random seeds reaching it | random runs-to-detect | explore runs-to-detect \
         (median of {}) | explore / random | explore <= 1/5 |",
        options.explorations
    );
    println!("|---|---|---|---|---|---|---|");
    for (title, text) in HARD {
        let text = format!("{text}{CHECK}");
        let scenario = match registry::load_text(Path::new("hard.toml"), &text) {
            Ok(scenario) => scenario,
            Err(e) => {
                println!("| {title} | error: {} | | | | | |", e.to_string().replace('\n', " "));
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
    let point = scenario.requirements().points.first().cloned();
    let finds = report.seeds.iter().filter(|s| explore::violates(scenario, s)).count() as u64;
    let (path, reaching) = match &point {
        Some(point) => {
            let reaching = report.seeds.iter().filter(|s| s.coverage.contains_key(point.as_str())).count() as u64;
            (format!("`{point}`"), reaching)
        }
        None => ("the violation itself".to_owned(), finds),
    };
    // Expected runs to the first find at the random seeds' hit rate.
    let random = options.random as f64 / finds.max(1) as f64;
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
    let ratio = median as f64 / random;
    // With no random find the ratio is an upper bound; with no exploration find, a lower one.
    let verdict = match (median > options.budget, ratio <= BAR) {
        (true, _) => "MISS",
        (false, true) => "PASS",
        (false, false) if finds == 0 => "MISS (bound)",
        (false, false) => "MISS",
    };
    let bound = match (finds == 0, median > options.budget) {
        (true, false) => "< ",
        (false, true) => "> ",
        _ => "",
    };
    format!(
        "| {title} | {path} | {reaching}/{} ({:.2} %) | {random_shown} | {shown} (runs: {explored:?}) | {bound}{ratio:.2} \
         | {verdict} |",
        options.random,
        100.0 * reaching as f64 / options.random as f64,
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
    let mut options = Options { random: 2000, explorations: 10, budget: 600 };
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
