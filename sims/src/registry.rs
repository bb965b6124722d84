//! Finding scenario files and binding each to its sim by the `sim` key.

use std::path::{Path, PathBuf};

use otpsim_harness::scenario::{sim_name, ScenarioError};
use otpsim_harness::suite::BoundScenario;

use crate::foundation;

/// Every sim a scenario file can name.
pub const SIMS: &[&str] = &[foundation::NAME];

/// Loads a scenario file and binds it to its sim.
pub fn load(path: &Path) -> Result<Box<dyn BoundScenario>, ScenarioError> {
    let text = files::read(path).map_err(|e| ScenarioError::new(path, "", None, "", format!("cannot read: {e}")))?;
    load_text(path, &text)
}

/// Binds a scenario text (named `path` in errors) to its sim.
pub fn load_text(path: &Path, text: &str) -> Result<Box<dyn BoundScenario>, ScenarioError> {
    match sim_name(path, text)?.as_str() {
        foundation::NAME => Ok(Box::new(foundation::bind(path, text)?)),
        other => {
            // The line that starts with `sim`: the word may also sit earlier in a comment or a name.
            let line_start = |i: usize| text[..i].rsplit('\n').next().is_some_and(|before| before.trim().is_empty());
            let span = text.match_indices("sim").map(|(i, _)| i).find(|&i| line_start(i)).map(|i| i..i + 3);
            Err(ScenarioError::new(path, text, span, "sim", format!("unknown sim {other:?}"))
                .with_hint(format!("sims: {}", SIMS.join(", "))))
        }
    }
}

/// The scenario files at `path`: the file itself, or every `*.toml` under the
/// directory (recursively), sorted.
pub fn discover(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    if !files::is_dir(path) {
        return Ok(vec![path.to_owned()]);
    }
    let mut found = Vec::new();
    let mut pending = vec![path.to_owned()];
    while let Some(dir) = pending.pop() {
        for entry in files::list(&dir)? {
            if files::is_dir(&entry) {
                pending.push(entry);
            } else if entry.extension().is_some_and(|e| e == "toml") {
                found.push(entry);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Real file access: scenario files are read by the CLI and the test runner, never by
/// simulated code.
mod files {
    use std::path::{Path, PathBuf};

    #[allow(clippy::disallowed_methods)] // reading a scenario file, outside any simulation
    pub(super) fn read(path: &Path) -> std::io::Result<String> {
        std::fs::read_to_string(path)
    }

    pub(super) fn is_dir(path: &Path) -> bool {
        path.is_dir()
    }

    #[allow(clippy::disallowed_methods)] // listing scenario files, outside any simulation
    pub(super) fn list(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
        std::fs::read_dir(dir)?.map(|entry| entry.map(|e| e.path())).collect()
    }
}
