//! Runs-to-detect, random seeds against `otpsim explore`, on flaw scenarios built so
//! that the flawed path is rare under the file's own random fault plans.
//!
//! For each scenario: how many of `--random` consecutive random seeds reach the point
//! the flaw needs and how many find the violation (runs-to-detect for random seeds is
//! their count over the finds: the expected runs to the first find), then the median
//! runs `explore` needed over `--explorations` exploration seeds (a search that spends
//! its budget counts as one run more), their ratio, and whether explore needed at most
//! a fifth of the runs. Also times crash-storm with coverage counting against the same
//! seeds with it switched off. Printed side by side, from one run: these machines are
//! shared.
//!
//! Coverage guidance pays where a flaw needs a chain of situations: a stepping stone a
//! few random plans reach, then a narrow timing given it. A flaw behind one narrow
//! window with no point before it gains little: a crash after a short workflow's first
//! step (`workflow_restart_from_zero`, 1 workflow of 2 steps over 30 s) took explore
//! about 0.4 of random seeds' runs when this bench was written.
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
const CHECK: &str = "[check]\nsettle = \"40s\"\n";

/// The lenient-supervision scenario: no point apart from the violation itself (four
/// restarts within production's window are the flaw's damage). It needs a burst: random
/// crashes about every 3.1 s rarely put four inside 5 s, and explore's "the same fault
/// again, next to it" does.
const LENIENT: (&str, &str) = (
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
);

/// The breaker scenarios: (title, flaw, buffer size, violation, the point that marks
/// the flawed path). Each is [`BREAKER`] with these filled in.
const BREAKER_FLAWS: &[(&str, &str, u32, &str, &str)] = &[
    (
        "lifo drain: a breaker opened by a one-way partition replays a backlog of two",
        "lifo_drain",
        4,
        "fifo_delivery",
        "manager.replay_with_backlog",
    ),
    (
        "replay drops: a breaker's replay fails because its partition outlasts the reset",
        "replay_drops",
        4,
        "buffer_drained",
        "manager.replay_failed",
    ),
    (
        "buffer overflow crash: a breaker's buffer overflows while its partition lasts",
        "buffer_overflow_crash",
        2,
        "buffer_drained",
        "manager.buffer_overflow",
    ),
];

/// The hard scenarios as (title, whole file text).
fn hard_scenarios() -> Vec<(&'static str, String)> {
    let (title, text) = LENIENT;
    let mut all = vec![(title, format!("{text}{CHECK}"))];
    for &(title, flaw, buffer, violation, point) in BREAKER_FLAWS {
        let name = flaw.replace('_', "-");
        all.push((
            title,
            format!(
                "name = \"hard-{name}\"\nflaws = [\"{flaw}\"]\n{BREAKER}buffer_max_size = {buffer}\n\
                 [expect]\nviolation = \"{violation}\"\nreached = [\"{point}\"]\n{CHECK}"
            ),
        ));
    }
    all
}

/// The part the breaker scenarios share: tasks routed over two nodes, short one-way
/// partitions (rarely long enough for three route failures in a row, the breaker's
/// threshold) and a little message loss. The chain each flaw needs: the breaker opens
/// (about 4 % of random seeds), requests wait in its buffer, and then the replay has a
/// backlog, fails, or the buffer overflows (each under 1 %).
const BREAKER: &str = r#"[system]
nodes = 2
task_agents = 2
workflows = 0
[workload]
tasks = 40
submit_over = "20s"
task_time = ["50ms", "150ms"]
error_rate = 0
transient_rate = 0
[faults]
until = "20s"
partition = { every = "6s", lasting = "1200ms", shape = "one_way" }
message_loss = 0.01
[config]
agent_queue_capacity = 2
circuit_breaker_threshold = 3
breaker_reset = "1s"
"#;

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
    for (title, text) in hard_scenarios() {
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
