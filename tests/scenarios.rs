//! Every scenario file under `scenarios/` as one test, named after its path without
//! `.toml` (`calm`, `flaws/lifo_drain`), so `cargo test crash-storm` filters and
//! cargo-nextest lists and partitions them.
//!
//! A healthy scenario passes when all its seeds hold every invariant; a failing seed is
//! printed as `otpsim run` prints it (its violations and their evidence, its fault
//! plan's summary and file, and the command that replays it), and is recorded in the
//! scenario's regression file so later runs try it first. A flaw
//! scenario (`[expect]`) passes when its expected violation shows up within its window.
//!
//! Environment: `OTPSIM_SEEDS=N` runs the first N seeds of every scenario (for a flaw
//! scenario, N is its detection window); `OTPSIM_SEED=S` runs exactly seed S (and wins
//! over `OTPSIM_SEEDS`); `OTPSIM_REGRESSIONS=off` neither tries nor records regression
//! seeds, as mutation testing needs: a mutant's failing seeds are the mutant's, and
//! recording them would change what the suite runs for every later mutant;
//! `OTPSIM_FAIL_FAST=1` fails every scenario after the first failing one at once, without
//! running it (a mutation campaign only needs to know that the suite fails).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use libtest_mimic::{Arguments, Failed, Trial};
use otpsim_harness::regressions::{self, record_regressions};
use otpsim_harness::seeds::ShardOf;
use otpsim_harness::suite::{fresh_seed_plan, run_scenario, seed_plan, SeedChoice};
use otpsim_harness::tally::Tally;
use otpsim_harness::{default_jobs, RunConfig, Stopwatch};
use otpsim_sims::registry;

use cli::output::Recorded;

/// The CLI's report code itself, so a failing test prints what `otpsim run` prints.
// The CLI's other printers are not needed here; its unit tests are compiled without
// running (this target has no test harness), so their imports go unused.
#[allow(dead_code, unused_imports)]
#[path = "../src/cli"]
mod cli {
    pub mod coverage_view;
    pub mod output;
    pub mod plan_view;
}

fn main() {
    let mut args = Arguments::from_args();
    // Each trial already runs its seeds on every core: running trials side by side
    // as well would only oversubscribe the machine.
    args.test_threads = args.test_threads.or(Some(1));
    let choice = match seed_choice() {
        Ok(choice) => choice,
        Err(message) => {
            eprintln!("error: {message}");
            std::process::exit(2);
        }
    };
    let root = workspace().join("scenarios");
    let files = registry::discover(&root).unwrap_or_else(|e| panic!("cannot list {}: {e}", root.display()));
    let trials = files
        .into_iter()
        .map(|file| {
            let choice = choice.clone();
            Trial::test(trial_name(&root, &file), move || {
                if fail_fast() && FAILED.load(Ordering::Relaxed) {
                    return Err("not run: an earlier scenario failed (OTPSIM_FAIL_FAST=1)".into());
                }
                let verdict = run(&file, &choice);
                FAILED.fetch_or(verdict.is_err(), Ordering::Relaxed);
                verdict
            })
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}

/// Set once a scenario failed, for `OTPSIM_FAIL_FAST`.
static FAILED: AtomicBool = AtomicBool::new(false);

/// True when `OTPSIM_FAIL_FAST=1`: the first failing scenario ends the suite.
fn fail_fast() -> bool {
    std::env::var("OTPSIM_FAIL_FAST").is_ok_and(|value| value.trim() == "1")
}

/// The seeds the environment asks for.
fn seed_choice() -> Result<SeedChoice, String> {
    let number = |var: &str| -> Result<Option<u64>, String> {
        match std::env::var(var) {
            Ok(text) => text.trim().parse().map(Some).map_err(|_| format!("{var}={text:?} is not a number")),
            Err(_) => Ok(None),
        }
    };
    Ok(match (number("OTPSIM_SEED")?, number("OTPSIM_SEEDS")?) {
        (Some(seed), _) => SeedChoice::One(seed),
        (None, Some(0)) => return Err("OTPSIM_SEEDS must be at least 1".to_owned()),
        (None, Some(count)) => SeedChoice::Count(count),
        (None, None) => SeedChoice::Default,
    })
}

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `scenarios/flaws/lifo_drain.toml` → `flaws/lifo_drain`.
fn trial_name(root: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(root).unwrap_or(file).with_extension("");
    relative.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// Runs one scenario file over its seeds and judges it.
fn run(file: &Path, choice: &SeedChoice) -> Result<(), Failed> {
    let scenario = registry::load(file).map_err(|e| Failed::from(e.to_string()))?;
    let regressions = !regressions::off_in_env();
    let plan = if regressions {
        seed_plan(scenario.as_ref(), choice, ShardOf::WHOLE).map_err(|e| Failed::from(e.to_string()))?
    } else {
        fresh_seed_plan(scenario.as_ref(), choice, ShardOf::WHOLE)
    };
    let seeds: Vec<u64> = plan.iter().collect();
    let stopwatch = Stopwatch::start();
    let report = run_scenario(scenario.as_ref(), &seeds, &RunConfig::default().jobs(default_jobs()));
    let mut tally = Tally::new(scenario.as_ref());
    for seed in report.seeds {
        tally.add(seed);
    }
    // The tally judges vacuity too: a run that exercised nothing fails.
    if tally.passed() {
        return Ok(());
    }
    let failures: Vec<(u64, String)> = tally.failures().iter().map(|f| (f.seed, f.reason.clone())).collect();
    let (recorded, problem) = match regressions.then(|| record_regressions(file, &failures)) {
        None => (Recorded::Off, None),
        Some(Ok(_)) => (Recorded::Yes, None),
        Some(Err(e)) => (Recorded::Failed, Some(e)),
    };
    // The same report `otpsim run` prints: verdict, violations with their evidence, the
    // plan's summary and file, and the replay command.
    let mut message = cli::output::scenario(scenario.as_ref(), &tally, stopwatch.elapsed(), recorded);
    if let Some(e) = problem {
        let _ = write!(message, "\ncannot record the failing seeds as regressions: {e}");
    }
    Err(message.into())
}
