//! `otpsim replay`: one seed of one scenario, told in full.
//!
//! It prints the seed's fault plan (counts, the faults nearest the violation, and the
//! file holding all of it), the verdict with every violation in time order and its
//! causal evidence, and the trace's event count, simulated time and hash (the hash
//! `run --json` reports for the same seed: equal hashes mean the same run). On
//! request it writes the trace as typed JSON lines (`--trace`), a self-contained HTML
//! sequence chart (`--html`) and a Chrome/Perfetto trace (`--chrome-trace`); `--json`
//! prints the result as one JSON object instead of text.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::Args;
use otpsim_harness::export::{self, Picture};
use otpsim_harness::invariant::TraceEvent;
use otpsim_harness::suite::{run_scenario, BoundScenario, ScenarioReport};
use otpsim_harness::RunConfig;
use serde_json::json;

use super::output::{self, counted, violations};
use super::{exit, files, interrupt, json, load, plan_view};

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
    /// Write the trace to FILE: a header line, then one typed JSON object per event
    /// (schema in docs/trace.md).
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
    /// Write the run as a self-contained HTML sequence chart to FILE.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Write the run as Chrome trace-event JSON to FILE (opens in ui.perfetto.dev).
    #[arg(long = "chrome-trace", value_name = "FILE")]
    chrome_trace: Option<PathBuf>,
    /// Print the result as one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// Runs `otpsim replay`; returns the exit code.
pub fn replay(args: &ReplayArgs) -> u8 {
    let Some(scenario) = load::one(&args.path, args.json) else {
        return exit::BAD_INPUT;
    };
    // The trace file's raw lines stream to a scratch file beside it while the seed runs
    // (a long run's trace is never held); the charts need every line in memory.
    let raw_lines = args.trace.as_deref().map(|file| files::temporary_beside(file, "lines"));
    let keep_lines = args.html.is_some() || args.chrome_trace.is_some();
    let config =
        RunConfig::default().jobs(1).keep_lines(keep_lines).stream_lines(raw_lines.clone()).abandon_on_stop(true);
    let report = run_scenario(scenario.as_ref(), &[args.seed], &config);
    if interrupt::requested() {
        // The seed was abandoned (or ran to its end): its files are not wanted any more.
        if let Some(raw) = &raw_lines {
            files::remove(raw);
        }
        eprintln!("interrupted: replay wrote no files");
        return exit::INTERRUPTED;
    }
    let Some(seed) = report.seeds.first() else {
        return exit::BAD_INPUT;
    };
    let lines = seed.trace.lines.as_deref().unwrap_or_default();
    let mut written: Vec<(&str, &Path, String)> = Vec::new();
    let mut failed_write = None;
    if let (Some(file), Some(raw)) = (&args.trace, &raw_lines) {
        let write = |out: &mut dyn std::io::Write| match &seed.trace.sink_error {
            Some(e) => Err(std::io::Error::other(e.clone())),
            None => export::write_json_lines(out, scenario.name(), args.seed, seed.trace.hash, || files::lines_of(raw)),
        };
        match files::write_streamed(file, write) {
            Ok(events) => written.push(("trace", file, counted(events, "event"))),
            Err(e) => failed_write = Some(format!("{}: cannot write the trace: {e}", file.display())),
        }
        files::remove(raw);
    }
    let title = format!("{} seed {}", scenario.name(), args.seed);
    let picture =
        (args.html.is_some() || args.chrome_trace.is_some()).then(|| Picture::of(&TraceEvent::parse_all(lines)));
    let pictures: [(&str, &Option<PathBuf>); 2] = [("html", &args.html), ("chrome_trace", &args.chrome_trace)];
    for (what, file) in pictures {
        let (Some(file), Some(picture)) = (file, &picture) else { continue };
        let text = match what {
            "html" => export::html(&title, picture, &seed.violations),
            _ => export::chrome_trace(picture, &seed.violations),
        };
        match files::write_whole(file, &text) {
            Ok(()) => written.push((what, file, format!("{} bytes", text.len()))),
            Err(e) => failed_write = Some(format!("{}: cannot write the {what}: {e}", file.display())),
        }
    }
    if args.json {
        print_json(scenario.as_ref(), &report, &written, failed_write.as_deref());
    } else {
        print!("{}", told(scenario.as_ref(), &report));
        for (what, file, size) in &written {
            println!("{}: {size} written to {}", what.replace('_', " "), file.display());
        }
        if let Some(message) = &failed_write {
            eprintln!("{message}");
        }
    }
    if failed_write.is_some() {
        return exit::BAD_INPUT;
    }
    exit::of(report.passed())
}

/// The plan, verdict, violations, and trace facts of the one seed in `report`.
fn told(scenario: &dyn BoundScenario, report: &ScenarioReport) -> String {
    let mut text = String::new();
    let Some(seed) = report.seeds.first() else {
        return text;
    };
    let _ =
        writeln!(text, "replay {} seed {} ({})", output::shown(scenario.name()), seed.seed, scenario.path().display());
    let mut plan = scenario.fault_plan(seed.seed);
    plan.mark_skipped(&seed.skipped_faults);
    text.push_str(&plan_view::report(scenario.name(), &plan, &seed.violations, ""));
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

/// The replay as one JSON object: the seed's line as `run --json` prints it, plus
/// the plan and the files written.
fn print_json(
    scenario: &dyn BoundScenario,
    report: &ScenarioReport,
    written: &[(&str, &Path, String)],
    error: Option<&str>,
) {
    let Some(seed) = report.seeds.first() else { return };
    let mut plan = scenario.fault_plan(seed.seed);
    plan.mark_skipped(&seed.skipped_faults);
    let line = json::SeedLine::of(scenario, report.expect.as_ref(), seed);
    let mut value = serde_json::to_value(&line).unwrap_or_default();
    value["type"] = json!("replay");
    value["plan"] = serde_json::to_value(&plan).unwrap_or_default();
    value["files"] =
        written.iter().map(|(what, file, _)| (what.to_string(), json!(file.display().to_string()))).collect();
    if let Some(expect) = &report.expect {
        value["expect"] = json!(expect.violation);
        value["expected_found"] = json!(report.passed());
    }
    println!("{value}");
    if let Some(message) = error {
        println!("{}", json!({"type": "error", "message": message}));
    }
}
