//! `otpsim demo`: a supervised process tree under crashes and message loss, over many
//! seeds; no scenario file needed.

use std::time::Duration;

use clap::Args;
use otpsim_harness::{default_jobs, run_seeds, RunConfig, Stopwatch, Summary};
use otpsim_sims::demo::{self, Demo, DEFECTS_HIT, KILLS, REQUESTS_COMPLETED, REQUESTS_FAILED, RESTART_EVENT};

use super::exit;

/// Arguments of `otpsim demo`.
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// How many seeds to run (seeds 0 to N-1).
    #[arg(long, default_value_t = 300)]
    seeds: u64,
    /// Run only this seed (to replay a failure).
    #[arg(long, conflicts_with = "seeds")]
    seed: Option<u64>,
    /// Worker threads [default: available cores].
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,
}

/// Runs `otpsim demo`; returns the exit code.
pub fn demo(args: &DemoArgs) -> u8 {
    let seeds: Vec<u64> = match args.seed {
        Some(seed) => vec![seed],
        None => (0..args.seeds).collect(),
    };
    let jobs = args.jobs.map_or_else(default_jobs, usize::from);
    let config = RunConfig::default().jobs(jobs).time_limit(Duration::from_secs(60));
    let stopwatch = Stopwatch::start();
    let reports = run_seeds(&|cluster| demo::run(cluster, Demo::default()), &seeds, &config);
    let elapsed = stopwatch.elapsed();
    for report in reports.iter().filter(|r| args.seed.is_some() || !r.verdict.passed()) {
        println!("{report}");
    }
    let summary = Summary::of(&reports);
    println!("demo: {summary} in {:.2}s ({:.0} seeds/s on {jobs} jobs)", elapsed.as_secs_f64(), summary.rate(elapsed));
    println!(
        "  restarts seen {}, requests completed {} (failed {}), defects hit {}, kills {}",
        summary.kind(RESTART_EVENT),
        summary.counter(REQUESTS_COMPLETED),
        summary.counter(REQUESTS_FAILED),
        summary.counter(DEFECTS_HIT),
        summary.counter(KILLS)
    );
    if let Some(seed) = summary.failed.first() {
        println!("replay: cargo run --release -- demo --seed {seed}");
    }
    exit::of(summary.all_passed())
}
