//! A trace's lines streamed to a file as the run makes them (a [`LineSink`]): a
//! replay of a long run writes its trace without holding it.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use crate::trace::LineSink;

/// The lines of one recording, one per line, in a file it creates (or empties).
pub struct LineFile {
    /// The open file, or why it could not be opened (reported at the first line).
    out: Result<BufWriter<File>, Option<io::Error>>,
}

impl LineFile {
    /// Creates (or empties) the file at `path`; a failure shows at the first line.
    #[allow(clippy::disallowed_methods)] // a real output file, written by the runner outside the simulation
    pub fn create(path: &Path) -> Self {
        LineFile { out: File::create(path).map(BufWriter::new).map_err(Some) }
    }

    fn out(&mut self) -> io::Result<&mut BufWriter<File>> {
        self.out.as_mut().map_err(|e| e.take().unwrap_or_else(|| io::Error::other("the trace file failed before")))
    }
}

impl LineSink for LineFile {
    fn line(&mut self, line: &str) -> io::Result<()> {
        let out = self.out()?;
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out()?.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_land_in_the_file_and_a_file_that_cannot_open_says_why() {
        let dir = std::env::temp_dir().join(format!("otpsim-line-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("lines");
        let mut file = LineFile::create(&path);
        file.line("a b").unwrap();
        file.line("c").unwrap();
        file.finish().unwrap();
        #[allow(clippy::disallowed_methods)] // reads back the test's own file
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, "a b\nc\n");
        let mut nowhere = LineFile::create(&dir.join("missing").join("lines"));
        let error = nowhere.line("x").expect_err("no such directory");
        assert_eq!(error.kind(), io::ErrorKind::NotFound);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
