//! Output files written whole or not at all: the text goes to a temporary file beside
//! the target, which is renamed over it once complete. An interrupt or a full disk
//! leaves the old file (or none), never a file cut off mid-line.

use std::path::{Path, PathBuf};

/// Writes `text` to `path` through a temporary file and a rename.
pub fn write_whole(path: &Path, text: &str) -> std::io::Result<()> {
    write_streamed(path, |out| out.write_all(text.as_bytes()))
}

/// Writes what `write` produces to `path` through a buffered temporary file and a
/// rename, so a large file is never held in memory whole; returns what `write` returned.
#[allow(clippy::disallowed_methods)] // the CLI's output files, written outside any simulation
pub fn write_streamed<T>(
    path: &Path,
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<T>,
) -> std::io::Result<T> {
    let temporary = temporary_beside(path, "tmp");
    let written = std::fs::File::create(&temporary).and_then(|file| {
        let mut out = std::io::BufWriter::new(file);
        let result = write(&mut out)?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        Ok(result)
    });
    let renamed = written.and_then(|result| std::fs::rename(&temporary, path).map(|()| result));
    if renamed.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    renamed
}

/// `dir/.name.otpsim-<pid>.<suffix>`: hidden, in the same directory (a rename within
/// one file system is atomic), and unique to this process.
pub fn temporary_beside(path: &Path, suffix: &str) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.otpsim-{}.{suffix}", std::process::id()))
}

/// Removes the scratch file at `path`, if it is there.
pub fn remove(path: &Path) {
    let _ = std::fs::remove_file(path);
}

/// The lines of the file at `path`, read one at a time.
#[allow(clippy::disallowed_methods)] // the CLI's own scratch file, read outside any simulation
pub fn lines_of(path: &Path) -> std::io::Result<std::io::Lines<std::io::BufReader<std::fs::File>>> {
    use std::io::BufRead;
    Ok(std::io::BufReader::new(std::fs::File::open(path)?).lines())
}

/// True if `a` and `b` name one file (both exist and resolve to the same path).
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// True if something (a file, a directory, a dangling link) is at `path`.
pub fn exists(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

/// Creates the directory `path` goes in, if it is missing.
#[allow(clippy::disallowed_methods)] // the CLI's output directories, outside any simulation
pub fn create_parent(path: &Path) -> std::io::Result<()> {
    match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(dir) => std::fs::create_dir_all(dir),
        None => Ok(()),
    }
}
