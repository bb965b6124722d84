//! Turning the paths on the command line into loaded scenarios, or into the errors
//! that name what is wrong with each.

use std::path::{Path, PathBuf};

use otpsim_harness::suite::BoundScenario;
use otpsim_sims::registry;

use super::exit;
use super::json::{self, ErrorLine};

/// One scenario file and what loading it gave: the scenario, or the error to print.
pub struct Loaded {
    /// The file (or the path that held no file).
    pub path: PathBuf,
    /// The bound scenario, or the error message (a `ScenarioError`'s text).
    pub scenario: Result<Box<dyn BoundScenario>, String>,
}

/// Loads every scenario file at `paths`: files as given, directories searched for
/// `*.toml`. A file named twice is loaded once. A directory without scenario files,
/// or one that cannot be listed, is an error of its own.
pub fn all(paths: &[PathBuf]) -> Vec<Loaded> {
    let mut loaded: Vec<Loaded> = Vec::new();
    for path in paths {
        match files(path) {
            Ok(files) => {
                for file in files {
                    if loaded.iter().all(|l| l.path != file) {
                        let scenario = registry::load(&file).map_err(|e| e.to_string());
                        loaded.push(Loaded { path: file, scenario });
                    }
                }
            }
            Err(message) => loaded.push(Loaded { path: path.clone(), scenario: Err(message) }),
        }
    }
    loaded
}

/// Every scenario at `paths`, or `None` after printing each load error (as a JSON
/// `error` line on stdout when `as_json`: `--json` readers parse stdout only).
pub fn all_or_report(paths: &[PathBuf], as_json: bool) -> Option<Vec<Box<dyn BoundScenario>>> {
    let mut scenarios = Vec::new();
    let mut good = true;
    for loaded in all(paths) {
        match loaded.scenario {
            Ok(scenario) => scenarios.push(scenario),
            Err(message) => {
                report(&loaded.path, &message, as_json);
                good = false;
            }
        }
    }
    good.then_some(scenarios)
}

/// The one scenario file at `path` (for `replay` and `shrink`), or `None` after
/// printing why not. A directory is an error: picking one of its files would be a guess.
pub fn one(path: &Path, as_json: bool) -> Option<Box<dyn BoundScenario>> {
    registry::load(path).map_err(|e| report(path, &e.to_string(), as_json)).ok()
}

/// Prints a load error: to stderr, or as a JSON `error` line on stdout.
fn report(path: &Path, message: &str, as_json: bool) {
    if as_json {
        let error =
            ErrorLine { kind: "error", path: Some(path.display().to_string()), message, exit_code: exit::BAD_INPUT };
        println!("{}", json::line(&error));
    } else {
        eprintln!("{message}");
    }
}

fn files(path: &Path) -> Result<Vec<PathBuf>, String> {
    let files = registry::discover(path).map_err(|e| format!("{}: cannot list: {e}", path.display()))?;
    if files.is_empty() {
        return Err(format!("{}: no scenario files (*.toml) in this directory", path.display()));
    }
    Ok(files)
}
