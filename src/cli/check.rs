//! `otpsim check`: validate scenario files without running them.

use std::path::PathBuf;

use clap::Args;

use otpsim_harness::suite::SeedCost;

use super::{exit, load, out};

/// Estimated real seconds per seed past which `check` warns.
const SLOW_SEED_SECONDS: f64 = 60.0;

/// Arguments of `otpsim check`.
#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Scenario files, or directories to search for `*.toml`.
    #[arg(required = true, value_name = "FILE|DIR")]
    paths: Vec<PathBuf>,
}

/// Runs `otpsim check`: `ok <file>` on stdout per good file, each error on stderr,
/// and a warning for a scenario whose seeds will be slow; returns the exit code.
pub fn check(args: &CheckArgs) -> u8 {
    let mut good = true;
    for loaded in load::all(&args.paths) {
        match loaded.scenario {
            Ok(scenario) => {
                out::print(&format!("ok {}\n", loaded.path.display()));
                if let Some(warning) = scenario.seed_cost().and_then(slow) {
                    eprintln!("warning: {}: {warning}", loaded.path.display());
                }
            }
            Err(message) => {
                eprintln!("{message}");
                good = false;
            }
        }
    }
    if good {
        exit::PASS
    } else {
        exit::BAD_INPUT
    }
}

/// The warning for a seed estimated to take longer than [`SLOW_SEED_SECONDS`].
fn slow(cost: SeedCost) -> Option<String> {
    (cost.seconds > SLOW_SEED_SECONDS).then(|| {
        format!(
            "a seed will be slow: about {} trace events, {:.0} s and {} MB each (estimated); \
             `run --seed-timeout` stops a seed that takes too long",
            cost.events,
            cost.seconds,
            cost.memory_bytes >> 20
        )
    })
}
