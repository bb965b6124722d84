//! Every scenario file under `scenarios/` as one test, named after its path without
//! `.toml` (`calm`, `flaws/lifo_drain`), so `cargo test crash-storm` filters and
//! cargo-nextest lists and partitions them.
//!
//! A healthy scenario passes when all its seeds hold every invariant; a failing seed is
//! printed with its violations, its fault plan and the command that replays it, and is
//! recorded in the scenario's regression file so later runs try it first. A flaw
//! scenario (`[expect]`) passes when its expected violation shows up within its window.
//!
//! Environment: `OTPSIM_SEEDS=N` runs the first N seeds of every scenario (for a flaw
//! scenario, N is its detection window); `OTPSIM_SEED=S` runs exactly seed S (and wins
//! over `OTPSIM_SEEDS`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Failed, Trial};
use otpsim_harness::regressions::record_regressions;
use otpsim_harness::seeds::ShardOf;
use otpsim_harness::suite::{run_scenario, seed_plan, BoundScenario, ScenarioReport, SeedChoice};
use otpsim_harness::{default_jobs, RunConfig, SeedReport};
use otpsim_sims::registry;

/// Failing seeds printed in full per scenario; the rest are listed by number.
const FAILURES_SHOWN: usize = 3;
/// Violations printed in full per failing seed; the rest are counted.
const VIOLATIONS_SHOWN: usize = 5;

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
            Trial::test(trial_name(&root, &file), move || run(&file, &choice))
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
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
    let plan = seed_plan(scenario.as_ref(), choice, ShardOf::WHOLE).map_err(|e| Failed::from(e.to_string()))?;
    let seeds: Vec<u64> = plan.iter().collect();
    let report = run_scenario(scenario.as_ref(), &seeds, &RunConfig::default().jobs(default_jobs()));
    if report.passed() {
        return Ok(());
    }
    match &report.expect {
        Some(_) => Err(undetected(&report).into()),
        None => {
            let failures = report.failures();
            let mut message = failed_seeds(scenario.as_ref(), &failures);
            let seeds: Vec<(u64, String)> = failures.iter().map(|f| (f.seed, f.verdict.to_string())).collect();
            if let Err(e) = record_regressions(file, &seeds) {
                let _ = write!(message, "\ncannot record the failing seeds as regressions: {e}");
            }
            Err(message.into())
        }
    }
}

/// The message of a flaw scenario whose expected violation never showed up.
fn undetected(report: &ScenarioReport) -> String {
    let expect = report.expect.as_ref().expect("a flaw scenario has an expectation");
    let mut found: BTreeMap<&str, usize> = BTreeMap::new();
    for seed in &report.seeds {
        let mut names: Vec<&str> = seed.violations.iter().map(|v| v.invariant.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        for name in names {
            *found.entry(name).or_default() += 1;
        }
    }
    let mut text = format!(
        "flaw scenario {} ({}): expected violation `{}` not found in {} seeds ({})",
        report.name,
        report.path.display(),
        expect.violation,
        report.seeds.len(),
        seed_list(&report.seeds)
    );
    if found.is_empty() {
        text.push_str("\nno seed violated anything");
    } else {
        let listed: Vec<String> = found.iter().map(|(name, n)| format!("{name} in {n} seeds")).collect();
        let _ = write!(text, "\nother violations found: {}", listed.join(", "));
    }
    let hung: Vec<String> =
        report.seeds.iter().filter(|s| s.violations.is_empty() && !s.verdict.passed()).map(|s| s.to_string()).collect();
    for line in hung.iter().take(FAILURES_SHOWN) {
        let _ = write!(text, "\n{line}");
    }
    text
}

/// The message of a healthy scenario with failing seeds: each one with its violations,
/// its fault plan and the command that replays it.
fn failed_seeds(scenario: &dyn BoundScenario, failures: &[&SeedReport]) -> String {
    let path = scenario.path();
    let shown = path.strip_prefix(workspace()).unwrap_or(path).display().to_string();
    let mut text = format!("scenario {} ({shown}): {} seeds failed", scenario.name(), failures.len());
    for failure in failures.iter().take(FAILURES_SHOWN) {
        let _ = write!(text, "\n\n=== {} seed {}: {}", scenario.name(), failure.seed, failure.verdict);
        for violation in failure.violations.iter().take(VIOLATIONS_SHOWN) {
            let _ = write!(text, "\n{violation}");
        }
        if failure.violations.len() > VIOLATIONS_SHOWN {
            let _ = write!(text, "\n... and {} more violations", failure.violations.len() - VIOLATIONS_SHOWN);
        }
        let _ = write!(text, "\n--- fault plan ---\n{}", scenario.fault_plan(failure.seed).to_toml().trim_end());
        let _ = write!(text, "\n--- replay ---\ncargo run --release -- replay {shown} --seed {}", failure.seed);
    }
    if failures.len() > FAILURES_SHOWN {
        let rest: Vec<String> = failures[FAILURES_SHOWN..].iter().map(|f| f.seed.to_string()).collect();
        let _ = write!(text, "\n\nalso failed: seeds {}", rest.join(", "));
    }
    let _ = write!(text, "\n\nrecorded in {shown}.regressions; they run first next time");
    text
}

/// Seeds run, written compactly when they are a plain range.
fn seed_list(seeds: &[SeedReport]) -> String {
    let numbers: Vec<u64> = seeds.iter().map(|s| s.seed).collect();
    match (numbers.first(), numbers.last()) {
        (Some(first), Some(last)) if numbers.windows(2).all(|w| w[1] == w[0] + 1) && first != last => {
            format!("seeds {first}..={last}")
        }
        _ => format!("seeds {}", numbers.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")),
    }
}
