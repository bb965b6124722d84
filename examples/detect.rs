//! The detection table: how fast each flaw scenario finds its flaw.
//!
//! Runs every scenario under `scenarios/flaws/` over many consecutive windows of seeds
//! (each window as long as the scenario's `within_seeds`), and prints a markdown table:
//! per flaw, how many windows found the expected violation and the median number of
//! seeds a window needed. The same seeds also run with the flaw switched off, to show
//! that the violation comes from the flaw and not from the system itself.
//!
//! ```text
//! cargo run --release --example detect [-- --windows 20] [-- --window 10] [NAME...]
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use otpsim_harness::suite::{run_scenario, BoundScenario};
use otpsim_harness::{RunConfig, SeedReport, Stopwatch};
use otpsim_sims::registry;

/// Windows per flaw unless `--windows` says otherwise.
const WINDOWS_DEFAULT: u64 = 20;

struct Options {
    windows: u64,
    window: Option<u64>,
    names: Vec<String>,
}

fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("error: {message}\nusage: detect [--windows N] [--window SEEDS] [NAME...]");
            return ExitCode::from(2);
        }
    };
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios").join("flaws");
    let files = match registry::discover(&dir) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("error: cannot list {}: {e}", dir.display());
            return ExitCode::from(2);
        }
    };
    let stopwatch = Stopwatch::start();
    println!("| flaw | expected violation | window (seeds) | windows that found it | median seeds to detect | worst | seeds with it, flaw off |");
    println!("|---|---|---|---|---|---|---|");
    for file in files {
        let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        if !options.names.is_empty() && !options.names.contains(&stem) {
            continue;
        }
        match row(&file, &options) {
            Ok(line) => println!("{line}"),
            Err(message) => println!("| {stem} | error: {} | | | | | |", message.replace('\n', " ")),
        }
    }
    println!("\n{} windows per flaw; {:.0}s wall.", options.windows, stopwatch.elapsed().as_secs_f64());
    ExitCode::SUCCESS
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options { windows: WINDOWS_DEFAULT, window: None, names: Vec::new() };
    while let Some(arg) = args.next() {
        let mut number = |flag: &str| -> Result<u64, String> {
            let value = args.next().ok_or_else(|| format!("{flag} needs a number"))?;
            value.parse().ok().filter(|n| *n > 0).ok_or_else(|| format!("{flag} {value:?} is not a positive number"))
        };
        match arg.as_str() {
            "--windows" => options.windows = number("--windows")?,
            "--window" => options.window = Some(number("--window")?),
            flag if flag.starts_with('-') => return Err(format!("unknown option {flag}")),
            name => options.names.push(name.to_owned()),
        }
    }
    Ok(options)
}

/// One table row: the scenario over `windows` windows, with and without its flaws.
fn row(file: &Path, options: &Options) -> Result<String, String> {
    let scenario = registry::load(file).map_err(|e| e.to_string())?;
    let expect = scenario.expect().ok_or("not a flaw scenario: it has no [expect]")?;
    let window = options.window.unwrap_or(expect.within_seeds);
    let seeds: Vec<u64> = (0..window * options.windows).collect();
    let config = RunConfig::default();
    let with_flaw = run_scenario(scenario.as_ref(), &seeds, &config);
    let found = |report: &SeedReport| report.violations.iter().any(|v| v.invariant == expect.violation);
    let mut to_detect: Vec<u64> = with_flaw
        .seeds
        .chunks(window as usize)
        .filter_map(|chunk| chunk.iter().position(found).map(|i| i as u64 + 1))
        .collect();
    to_detect.sort_unstable();
    let flaw_off = without_flaws(file)?;
    let false_alarms = run_scenario(flaw_off.as_ref(), &seeds, &config).seeds.iter().filter(|r| found(r)).count();
    let (median, worst) = match (to_detect.get(to_detect.len() / 2), to_detect.last()) {
        (Some(median), Some(worst)) => (median.to_string(), worst.to_string()),
        _ => ("-".to_owned(), "-".to_owned()),
    };
    Ok(format!(
        "| {} | `{}` | {window} | {}/{} | {median} | {worst} | {false_alarms}/{} |",
        scenario.name(),
        expect.violation,
        to_detect.len(),
        options.windows,
        seeds.len()
    ))
}

/// The scenario at `file` with its `flaws` removed: the correct system under the same
/// workload and faults.
fn without_flaws(file: &Path) -> Result<Box<dyn BoundScenario>, String> {
    #[allow(clippy::disallowed_methods)] // reads a scenario file, outside any simulation
    let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let mut table: toml::Table = toml::from_str(&text).map_err(|e| e.to_string())?;
    table.remove("flaws");
    let text = toml::to_string(&table).map_err(|e| e.to_string())?;
    registry::load_text(file, &text).map_err(|e| e.to_string())
}
