//! `otpsim check`: validate scenario files without running them.

use std::path::PathBuf;

use clap::Args;

use otpsim_harness::suite::SeedCost;

use super::seed_timeout::{SeedTimeout, DEFAULT as DEFAULT_TIMEOUT};
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

/// The warning for a seed estimated to take longer than [`SLOW_SEED_SECONDS`]; past
/// the default `--seed-timeout` it says the seed will be stopped.
fn slow(cost: SeedCost) -> Option<String> {
    let timeout = DEFAULT_TIMEOUT.parse::<SeedTimeout>().map_or(f64::INFINITY, |t| t.0.as_secs_f64());
    let estimate = format!(
        "about {} trace events, {:.0} s and {} MB each (estimated)",
        cost.events,
        cost.seconds,
        cost.memory_bytes >> 20
    );
    if cost.seconds > timeout {
        Some(format!(
            "a seed is too large for the default limits: {estimate}; it will fail with a timeout after \
             {DEFAULT_TIMEOUT} unless `run --seed-timeout` allows longer"
        ))
    } else if cost.seconds > SLOW_SEED_SECONDS {
        Some(format!("a seed will be slow: {estimate}; `run --seed-timeout` stops a seed that takes too long"))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_past_the_default_timeout_is_called_too_large_and_a_slow_one_slow() {
        let cost = |seconds| SeedCost { events: 1000, seconds, memory_bytes: 10 << 20 };
        assert_eq!(slow(cost(1.0)), None);
        assert!(slow(cost(120.0)).is_some_and(|w| w.starts_with("a seed will be slow: about 1000 trace events, 120 s")));
        let too_large = slow(cost(7000.0)).expect("warned");
        assert!(too_large.starts_with("a seed is too large for the default limits") && too_large.contains("600s"));
    }
}
