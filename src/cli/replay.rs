//! `otpsim replay`: one seed of one scenario, told in full.
//!
//! It prints the seed's fault plan, the verdict with every violation, and the trace's
//! event count, simulated time and hash (the hash `run --json` reports for the same
//! seed: equal hashes mean the same run). `--trace FILE` writes every event as a line
//! of JSON, so two replays of a seed can be compared byte for byte.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::Args;
use otpsim_harness::invariant::TraceEvent;
use otpsim_harness::suite::{run_scenario, ScenarioReport};
use otpsim_harness::RunConfig;

use super::json::{self, TraceLine};
use super::output::{self, counted, indented, violations};
use super::{exit, files, load};

/// Violations of each invariant shown in full; a run shows one, a replay more.
const VIOLATIONS_SHOWN: usize = 10;

/// Arguments of `otpsim replay`.
#[derive(Args, Debug)]
pub struct ReplayArgs {
    /// The scenario file.
    #[arg(value_name = "SCENARIO")]
    path: PathBuf,
    /// The seed to replay.
    #[arg(long, value_name = "S")]
    seed: u64,
    /// Write the trace to FILE, one JSON object per event.
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
}

/// Runs `otpsim replay`; returns the exit code.
pub fn replay(args: &ReplayArgs) -> u8 {
    let Some(scenario) = load::one(&args.path) else {
        return exit::BAD_INPUT;
    };
    let plan = scenario.fault_plan(args.seed);
    println!("replay {} seed {} ({})", output::shown(scenario.name()), args.seed, scenario.path().display());
    println!("fault plan (seed {}):", args.seed);
    print!("{}", indented(plan.to_toml().trim_end(), "  "));
    let report =
        run_scenario(scenario.as_ref(), &[args.seed], &RunConfig::default().jobs(1).keep_lines(args.trace.is_some()));
    print!("{}", told(&report));
    if let Some(file) = &args.trace {
        let lines = report.seeds.first().and_then(|s| s.trace.lines.as_deref()).unwrap_or_default();
        match write_trace(file, lines) {
            Ok(events) => println!("trace: {} written to {}", counted(events, "event"), file.display()),
            Err(e) => {
                eprintln!("{}: cannot write the trace: {e}", file.display());
                return exit::BAD_INPUT;
            }
        }
    }
    exit::of(report.passed())
}

/// The verdict, violations, and trace facts of the one seed in `report`.
fn told(report: &ScenarioReport) -> String {
    let mut text = String::new();
    let Some(seed) = report.seeds.first() else {
        return text;
    };
    let _ = writeln!(text, "verdict: {}", seed.verdict);
    text.push_str(&violations(&seed.violations, VIOLATIONS_SHOWN, "  "));
    if let Some(expect) = &report.expect {
        let found = if report.passed() { "found" } else { "not found" };
        let _ = writeln!(text, "expected violation: {} ({found})", expect.violation);
    }
    let _ = writeln!(text, "events: {}", seed.trace.events);
    let _ = writeln!(text, "sim time: {:.3}s", seed.sim_time.as_secs_f64());
    let _ = writeln!(text, "trace hash: {}", json::trace_hash(seed.trace.hash));
    let _ = writeln!(text, "wall time: {:.2}s", seed.wall_time.as_secs_f64());
    text
}

/// Writes `lines` to `file` as JSON lines, one event at a time; returns how many
/// events were written.
fn write_trace(file: &Path, lines: &[String]) -> std::io::Result<usize> {
    files::write_streamed(file, |out| {
        let mut written = 0;
        for (i, line) in lines.iter().enumerate() {
            if let Some(event) = TraceEvent::parse(i + 1, line) {
                writeln!(out, "{}", json::line(&TraceLine::of(&event)))?;
                written += 1;
            }
        }
        Ok(written)
    })
}
