//! `otpsim shrink`: a failing seed, cut down to a small scenario file that still fails.
//!
//! The output file has the seed's faults as an explicit `[[faults.at]]` list, with
//! every fault that was not needed for the violation removed; replaying it with the
//! same seed gives the same violation.

use std::path::PathBuf;

use clap::Args;
use otpsim_harness::shrink::shrink as shrink_seed;
use otpsim_harness::RunConfig;

use super::{exit, files, load};

/// Arguments of `otpsim shrink`.
#[derive(Args, Debug)]
pub struct ShrinkArgs {
    /// The scenario file.
    #[arg(value_name = "SCENARIO")]
    path: PathBuf,
    /// The failing seed.
    #[arg(long, value_name = "S")]
    seed: u64,
    /// Where to write the shrunk scenario (a new file: never the scenario itself).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Overwrite FILE if it exists.
    #[arg(long)]
    force: bool,
}

/// Runs `otpsim shrink`; returns the exit code.
pub fn shrink(args: &ShrinkArgs) -> u8 {
    let Some(scenario) = load::one(&args.path, false) else {
        return exit::BAD_INPUT;
    };
    if files::same_file(&args.out, &args.path) {
        eprintln!("{}: --out is the scenario being shrunk; write the result to another file", args.out.display());
        return exit::BAD_INPUT;
    }
    if files::exists(&args.out) && !args.force {
        eprintln!("{}: already exists; pass --force to overwrite it", args.out.display());
        return exit::BAD_INPUT;
    }
    let shrunk = match shrink_seed(scenario.as_ref(), args.seed, &RunConfig::default().jobs(1)) {
        Ok(shrunk) => shrunk,
        Err(e) => {
            eprintln!("{}: seed {}: {e}", args.path.display(), args.seed);
            return exit::BAD_INPUT;
        }
    };
    let header = format!(
        "# Shrunk by `otpsim shrink` from {} seed {}: {} of {} faults still violate {}.\n\
         # Replay: cargo run --release -- replay {} --seed {}\n\n",
        args.path.display(),
        args.seed,
        shrunk.faults_after,
        shrunk.faults_before,
        shrunk.invariant,
        args.out.display(),
        args.seed
    );
    if let Err(e) = files::write_whole(&args.out, &(header + &shrunk.scenario.to_toml())) {
        eprintln!("{}: cannot write: {e}", args.out.display());
        return exit::BAD_INPUT;
    }
    println!(
        "shrunk {} seed {}: {} of {} faults still violate {} ({} runs)",
        scenario.name(),
        args.seed,
        shrunk.faults_after,
        shrunk.faults_before,
        shrunk.invariant,
        shrunk.runs
    );
    println!("wrote {}", args.out.display());
    println!("replay: cargo run --release -- replay {} --seed {}", args.out.display(), args.seed);
    exit::PASS
}
