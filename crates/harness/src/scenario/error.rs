//! Scenario errors: what is wrong, in which file, on which line, at which field.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A scenario file that cannot be used. Its message names the file, the line and the
/// dotted field (`faults.node_crash.every`), plus a hint when a fix is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    /// The file.
    pub file: PathBuf,
    /// 1-based line and column, when known.
    pub position: Option<(usize, usize)>,
    /// The dotted path of the field, empty for the document itself.
    pub field: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when known.
    pub hint: Option<String>,
}

impl ScenarioError {
    /// An error at `field`, located by the byte `span` of `text` if given.
    pub fn new(file: &Path, text: &str, span: Option<Range<usize>>, field: &str, message: impl Into<String>) -> Self {
        ScenarioError {
            file: file.to_owned(),
            position: span.map(|s| line_col(text, s.start)),
            field: field.to_owned(),
            message: message.into(),
            hint: None,
        }
    }

    /// The same error with a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some((line, column)) = self.position {
            write!(f, ":{line}:{column}")?;
        }
        if self.field.is_empty() {
            write!(f, ": {}", self.message)?;
        } else {
            write!(f, ": `{}`: {}", self.field, self.message)?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n  (hint: {hint})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}

/// 1-based line and column of byte `offset` in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_lines_and_columns() {
        let text = "a = 1\nbb = 2\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        assert_eq!(line_col(text, 9), (2, 4));
    }

    #[test]
    fn display_names_file_line_field_and_hint() {
        let e =
            ScenarioError::new(Path::new("s.toml"), "x\ny = 1", Some(2..3), "faults.until", "bad").with_hint("fix it");
        assert_eq!(e.to_string(), "s.toml:2:1: `faults.until`: bad\n  (hint: fix it)");
    }
}
