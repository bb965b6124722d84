//! The regression file of a scenario: `<scenario>.regressions` beside it, one failing
//! seed per line with a comment saying why, run first by later runs (as proptest keeps
//! its failure cases).
//!
//! Many writers share one file: two terminals, or shards of one scenario on machines
//! that share a checkout. A run appends all of its new seeds in one write, under an
//! exclusive lock on the file, after re-reading it under that lock; so no writer loses
//! another's seeds, and the header is written once, by whoever finds the file empty.
//! A file that cannot be read as a regression file (a directory, not UTF-8) is an
//! error, never replaced.

use std::fmt;
use std::io::{self, Read as _, Seek as _, Write as _};
use std::path::{Path, PathBuf};

/// The first line of every regression file.
pub const HEADER: &str = "# Seeds that once failed this scenario; otpsim runs them first.";

/// The environment variable that, set to `off`, keeps a run from trying and recording
/// regression seeds: mutation testing and hand-run experiments judge the code alone, and
/// must not leave a mutant's failing seeds behind for the real code to run.
pub const SWITCH: &str = "OTPSIM_REGRESSIONS";

/// True when [`SWITCH`] is `off`.
pub fn off_in_env() -> bool {
    std::env::var(SWITCH).is_ok_and(|value| value.trim() == "off")
}

/// Longest reason kept after a seed.
const REASON_CHARS: usize = 120;

/// The regression file of a scenario: `<file>.regressions` beside it.
pub fn regression_path(scenario: &Path) -> PathBuf {
    let mut name = scenario.as_os_str().to_owned();
    name.push(".regressions");
    PathBuf::from(name)
}

/// Why a regression file could not be read or written.
#[derive(Debug)]
pub struct RegressionError {
    /// The regression file.
    pub file: PathBuf,
    /// What went wrong.
    pub problem: String,
}

impl fmt::Display for RegressionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file.display(), self.problem)
    }
}

impl std::error::Error for RegressionError {}

fn error(file: &Path, problem: impl Into<String>) -> RegressionError {
    RegressionError { file: file.to_owned(), problem: problem.into() }
}

/// Seeds recorded as failing for the scenario at `scenario`, in file order (none if
/// there is no file).
pub fn read_regressions(scenario: &Path) -> Result<Vec<u64>, RegressionError> {
    let file = regression_path(scenario);
    let bytes = match files::read(&file) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(error(&file, format!("cannot read: {e}"))),
    };
    parse(&file, &bytes)
}

/// The seeds of a regression file's text.
fn parse(file: &Path, bytes: &[u8]) -> Result<Vec<u64>, RegressionError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        error(file, format!("not UTF-8 at byte {}; fix or remove the file (it was left as it is)", e.valid_up_to()))
    })?;
    Ok(text.lines().filter_map(|line| line.split('#').next()).filter_map(|seed| seed.trim().parse().ok()).collect())
}

/// Appends the `failures` (seed, reason) that the file does not hold yet, in one write
/// under an exclusive lock; returns how many seeds were added.
pub fn record_regressions(scenario: &Path, failures: &[(u64, String)]) -> Result<usize, RegressionError> {
    let path = regression_path(scenario);
    if failures.is_empty() {
        return Ok(0);
    }
    let io_error = |what: &str, e: io::Error| error(&path, format!("cannot {what}: {e}"));
    let mut file = files::open_append(&path).map_err(|e| io_error("open for writing", e))?;
    // The lock is released when `file` is closed, at the end of this function.
    file.lock().map_err(|e| io_error("lock", e))?;
    let mut bytes = Vec::new();
    file.rewind().and_then(|_| file.read_to_end(&mut bytes)).map_err(|e| io_error("read", e))?;
    let mut known = parse(&path, &bytes)?;
    let mut text = String::new();
    if bytes.is_empty() {
        text.push_str(HEADER);
        text.push('\n');
    } else if !bytes.ends_with(b"\n") {
        text.push('\n');
    }
    let mut added = 0;
    for (seed, why) in failures {
        if known.contains(seed) {
            continue;
        }
        known.push(*seed);
        let why: String = why.lines().next().unwrap_or("").chars().take(REASON_CHARS).collect();
        text.push_str(&format!("{seed} # {why}\n"));
        added += 1;
    }
    if added > 0 {
        file.write_all(text.as_bytes()).and_then(|_| file.flush()).map_err(|e| io_error("write", e))?;
    }
    Ok(added)
}

/// File access for scenario bookkeeping, outside any simulation.
mod files {
    use std::fs::File;
    use std::path::Path;

    #[allow(clippy::disallowed_methods)] // regression files are read by the runner, not by simulated code
    pub(super) fn read(path: &Path) -> std::io::Result<Vec<u8>> {
        std::fs::read(path)
    }

    #[allow(clippy::disallowed_methods)] // regression files are written by the runner, not by simulated code
    pub(super) fn open_append(path: &Path) -> std::io::Result<File> {
        std::fs::OpenOptions::new().read(true).append(true).create(true).open(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scratch directory for one test.
    #[allow(clippy::disallowed_methods)] // test scaffolding on the real file system
    fn scratch(test: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("otpsim-regressions-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn failing(seeds: &[u64]) -> Vec<(u64, String)> {
        seeds.iter().map(|&s| (s, format!("violated: no_task_lost\nsecond line of seed {s}"))).collect()
    }

    #[test]
    #[allow(clippy::disallowed_methods)] // test scaffolding on the real file system
    fn seeds_round_trip_once_each_under_one_header() {
        let dir = scratch("round-trip");
        let scenario = dir.join("calm.toml");
        assert!(read_regressions(&scenario).unwrap().is_empty());
        assert_eq!(record_regressions(&scenario, &failing(&[17, 4])).unwrap(), 2);
        assert_eq!(record_regressions(&scenario, &failing(&[4, 9])).unwrap(), 1);
        assert_eq!(read_regressions(&scenario).unwrap(), vec![17, 4, 9]);
        let text = std::fs::read_to_string(regression_path(&scenario)).unwrap();
        assert_eq!(text.matches(HEADER).count(), 1);
        assert!(text.starts_with(HEADER));
        assert!(text.contains("17 # violated: no_task_lost\n"), "{text}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    #[allow(clippy::disallowed_methods)] // test scaffolding on the real file system
    fn threads_appending_at_once_lose_no_seed() {
        let dir = scratch("threads");
        let scenario = dir.join("calm.toml");
        std::thread::scope(|scope| {
            for writer in 0..8u64 {
                let scenario = &scenario;
                scope.spawn(move || {
                    for batch in 0..10u64 {
                        let seeds: Vec<u64> = (0..5).map(|i| writer * 1000 + batch * 10 + i).collect();
                        record_regressions(scenario, &failing(&seeds)).unwrap();
                    }
                });
            }
        });
        let mut seeds = read_regressions(&scenario).unwrap();
        seeds.sort_unstable();
        assert_eq!(seeds.len(), 8 * 10 * 5);
        let text = std::fs::read_to_string(regression_path(&scenario)).unwrap();
        assert!(text.starts_with(HEADER) && text.matches(HEADER).count() == 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    #[allow(clippy::disallowed_methods)] // test scaffolding on the real file system
    fn a_file_that_is_not_a_regression_file_is_an_error_and_left_alone() {
        let dir = scratch("bad");
        let scenario = dir.join("calm.toml");
        let bytes = b"# header\n12 # once\n\xff\xfe 13\n".to_vec();
        std::fs::write(regression_path(&scenario), &bytes).unwrap();
        let read = read_regressions(&scenario).unwrap_err().to_string();
        assert!(read.contains("not UTF-8 at byte 19"), "{read}");
        let write = record_regressions(&scenario, &failing(&[5])).unwrap_err().to_string();
        assert!(write.contains("not UTF-8"), "{write}");
        assert_eq!(std::fs::read(regression_path(&scenario)).unwrap(), bytes);

        let other = dir.join("other.toml");
        std::fs::create_dir(regression_path(&other)).unwrap();
        assert!(read_regressions(&other).unwrap_err().to_string().contains("cannot read"));
        assert!(record_regressions(&other, &failing(&[5])).unwrap_err().to_string().contains("cannot open"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
