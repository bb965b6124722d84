//! `otpsim demo`: a supervised process tree under crashes and message loss, over many
//! seeds; no scenario file needed.
//!
//! Seeds run a chunk at a time and are added up as they finish, so memory does not
//! grow with `--seeds`; an interrupt stops between seeds and still prints the totals.

use std::time::Duration;

use clap::Args;
use otpsim_harness::{run_seeds, RunConfig, Stopwatch, Summary};
use otpsim_sims::demo::{self, Demo, DEFECTS_HIT, KILLS, REQUESTS_COMPLETED, REQUESTS_FAILED, RESTART_EVENT};

use super::{exit, interrupt, out, run};

/// Seeds per worker in one chunk.
const SEEDS_PER_JOB_PER_CHUNK: u64 = 8;

/// Arguments of `otpsim demo`.
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// How many seeds to run (seeds 0 to N-1).
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
    seeds: u64,
    /// Run only this seed (to replay a failure).
    #[arg(long, conflicts_with = "seeds")]
    seed: Option<u64>,
    /// Worker threads [default: available cores; more than the cores only with --force-jobs].
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,
    /// Allow --jobs above the number of cores.
    #[arg(long, requires = "jobs")]
    force_jobs: bool,
}

/// Runs `otpsim demo`; returns the exit code.
pub fn demo(args: &DemoArgs) -> u8 {
    let (first, count) = match args.seed {
        Some(seed) => (seed, 1),
        None => (0, args.seeds),
    };
    let jobs = run::jobs(args.jobs, args.force_jobs);
    let config = RunConfig::default().jobs(jobs).time_limit(Duration::from_secs(60));
    let stopwatch = Stopwatch::start();
    let mut summary = Summary::default();
    let chunk = (jobs as u64).saturating_mul(SEEDS_PER_JOB_PER_CHUNK);
    let mut next = 0;
    while next < count && !interrupt::requested() {
        let seeds: Vec<u64> = (next..count.min(next.saturating_add(chunk))).map(|i| first.wrapping_add(i)).collect();
        next += seeds.len() as u64;
        for report in run_seeds(&|cluster| demo::run(cluster, Demo::default()), &seeds, &config) {
            if args.seed.is_some() || !report.verdict.passed() {
                out::print(&format!("{report}\n"));
            }
            summary.add(&report);
        }
    }
    let elapsed = stopwatch.elapsed();
    out::print(&format!(
        "demo: {summary} in {:.2}s ({:.0} seeds/s on {jobs} jobs)\n",
        elapsed.as_secs_f64(),
        summary.rate(elapsed)
    ));
    out::print(&format!(
        "  restarts seen {}, requests completed {} (failed {}), defects hit {}, kills {}\n",
        summary.kind(RESTART_EVENT),
        summary.counter(REQUESTS_COMPLETED),
        summary.counter(REQUESTS_FAILED),
        summary.counter(DEFECTS_HIT),
        summary.counter(KILLS)
    ));
    if let Some(seed) = summary.failed.first() {
        out::print(&format!("replay: cargo run --release -- demo --seed {seed}\n"));
    }
    if interrupt::requested() {
        out::print(&format!("INTERRUPTED after {} of {count} seeds\n", summary.seeds));
        return exit::INTERRUPTED;
    }
    exit::of(summary.all_passed())
}
