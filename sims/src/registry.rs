//! Finding scenario files and binding each to its sim by the `sim` key.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use otpsim_harness::scenario::{sim_name, ScenarioError};
use otpsim_harness::suite::BoundScenario;

use crate::churn::scenario as churn;
use crate::{foundation, jobqueue};

/// Every sim a scenario file can name (the first is the default).
pub const SIMS: &[&str] = &[foundation::NAME, jobqueue::NAME, churn::NAME];

/// Loads a scenario file and binds it to its sim. Only a regular file is read: a
/// directory, a FIFO or a device is an error (reading a FIFO would block forever).
pub fn load(path: &Path) -> Result<Box<dyn BoundScenario>, ScenarioError> {
    let error = |message: String| ScenarioError::new(path, "", None, "", message);
    let kind = files::kind(path).map_err(|e| error(format!("cannot read: {e}")))?;
    if kind.is_dir() {
        return Err(error("is a directory, not a scenario file".to_owned())
            .with_hint("name one scenario file; `run` and `check` search directories"));
    }
    if !kind.is_file() {
        return Err(error("not a regular file (a FIFO, socket or device): scenario files are read whole".to_owned()));
    }
    let bytes = files::read(path).map_err(|e| error(format!("cannot read: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let text = String::from_utf8_lossy(&e.as_bytes()[..at]).into_owned();
        ScenarioError::new(path, &text, Some(at..at), "", format!("not UTF-8 at byte {at}"))
            .with_hint("scenario files are UTF-8 text")
    })?;
    load_text(path, &text)
}

/// Binds a scenario text (named `path` in errors) to its sim.
pub fn load_text(path: &Path, text: &str) -> Result<Box<dyn BoundScenario>, ScenarioError> {
    match sim_name(path, text)?.as_deref().unwrap_or(foundation::NAME) {
        foundation::NAME => Ok(Box::new(foundation::bind(path, text)?)),
        jobqueue::NAME => Ok(Box::new(jobqueue::bind(path, text)?)),
        churn::NAME => Ok(Box::new(churn::bind(path, text)?)),
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
/// directory (recursively), sorted. Symbolic links are followed, but each directory
/// is listed once and each file found once, by its canonical path: a link to a parent
/// directory cannot loop, and a file reached by two paths runs once.
pub fn discover(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    if !files::is_dir(path) {
        return Ok(vec![path.to_owned()]);
    }
    let mut found = Vec::new();
    let mut seen_dirs = BTreeSet::from([files::canonical(path)?]);
    let mut seen_files = BTreeSet::new();
    let mut pending = vec![path.to_owned()];
    while let Some(dir) = pending.pop() {
        let mut entries = files::list(&dir)?;
        entries.sort();
        for entry in entries {
            // A dangling link has no canonical path: keep it, so loading names the problem.
            let canonical = files::canonical(&entry).unwrap_or_else(|_| entry.clone());
            if files::is_dir(&entry) {
                if seen_dirs.insert(canonical) {
                    pending.push(entry);
                }
            } else if entry.extension().is_some_and(|e| e == "toml") && seen_files.insert(canonical) {
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
    pub(super) fn read(path: &Path) -> std::io::Result<Vec<u8>> {
        std::fs::read(path)
    }

    pub(super) fn kind(path: &Path) -> std::io::Result<std::fs::FileType> {
        std::fs::metadata(path).map(|m| m.file_type())
    }

    pub(super) fn canonical(path: &Path) -> std::io::Result<PathBuf> {
        std::fs::canonicalize(path)
    }

    pub(super) fn is_dir(path: &Path) -> bool {
        path.is_dir()
    }

    #[allow(clippy::disallowed_methods)] // listing scenario files, outside any simulation
    pub(super) fn list(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
        std::fs::read_dir(dir)?.map(|entry| entry.map(|e| e.path())).collect()
    }
}
