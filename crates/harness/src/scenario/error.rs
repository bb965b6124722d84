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
    pub position: Option<(u32, u32)>,
    /// The dotted path of the field, empty for the document itself.
    pub field: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when known.
    pub hint: Option<String>,
    /// The next error of the same file in source order, if any: a file is reported
    /// whole, not one error per edit-and-rerun round.
    pub next: Option<Box<ScenarioError>>,
}

impl ScenarioError {
    /// An error at `field`, located by the byte `span` of `text` if given.
    pub fn new(file: &Path, text: &str, span: Option<Range<usize>>, field: &str, message: impl Into<String>) -> Self {
        ScenarioError {
            file: file.to_owned(),
            position: span.map(|s| {
                let (line, column) = line_col(text, s.start);
                (u32::try_from(line).unwrap_or(u32::MAX), u32::try_from(column).unwrap_or(u32::MAX))
            }),
            field: field.to_owned(),
            message: message.into(),
            hint: None,
            next: None,
        }
    }

    /// `errors` as one error, the first in source order carrying the rest; `Ok` if
    /// there are none.
    pub fn all(mut errors: Vec<ScenarioError>) -> Result<(), ScenarioError> {
        errors.sort_by_key(|e| e.position.unwrap_or((u32::MAX, u32::MAX)));
        let mut chain: Option<ScenarioError> = None;
        for mut error in errors.into_iter().rev() {
            error.next = chain.map(Box::new);
            chain = Some(error);
        }
        chain.map_or(Ok(()), Err)
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
        if let Some(next) = &self.next {
            write!(f, "\n{next}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}

/// An error of the TOML reader, made specific: the dotted key of the line it points at,
/// a plain message for a number out of TOML's range, and a line for nesting too deep
/// (which the reader reports without one).
pub fn toml_syntax(path: &Path, text: &str, span: Option<Range<usize>>, message: &str) -> ScenarioError {
    let too_deep = message.contains("recursion limit");
    let span = match span {
        None if too_deep => deepest_key(text),
        span => span,
    };
    let message = if too_deep {
        "keys are nested too deeply".to_owned()
    } else if message.contains("too large") || message.contains("as i128") {
        format!("number out of range: TOML integers lie between {} and {}", i64::MIN, i64::MAX)
    } else {
        message.to_owned()
    };
    // A key nested too deeply is too long to be worth printing: the line says where.
    let field = span.as_ref().filter(|_| !too_deep).map(|s| dotted_key_at(text, s.start)).unwrap_or_default();
    ScenarioError::new(path, text, span, &field, message).with_hint("the file is not valid TOML")
}

/// The line whose key has the most dots: where a too-deep nesting is.
fn deepest_key(text: &str) -> Option<Range<usize>> {
    let mut offset = 0;
    let mut deepest: Option<(usize, Range<usize>)> = None;
    for line in text.split_inclusive('\n') {
        let key = line.split('=').next().unwrap_or("");
        let dots = key.matches('.').count();
        if dots > 0 && deepest.as_ref().is_none_or(|(most, _)| dots > *most) {
            deepest = Some((dots, offset..offset + line.trim_end().len()));
        }
        offset += line.len();
    }
    deepest.map(|(_, span)| span)
}

/// The dotted key set on the line holding `offset` (`workload.tasks`), under the last
/// table header before it; empty if the line sets no key.
fn dotted_key_at(text: &str, offset: usize) -> String {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next().unwrap_or("");
    let Some((key, _)) = line.split_once('=') else {
        return String::new();
    };
    let key = key.trim();
    let table = text[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|header| header.trim_matches(|c| c == '[' || c == ']').trim());
    match table {
        Some(table) if !table.is_empty() => format!("{table}.{key}"),
        _ => key.to_owned(),
    }
}

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
    fn toml_errors_name_the_key_of_their_line_and_a_plain_range() {
        let text = "name = \"x\"\n[workload]\ntasks = 18446744073709551615\n";
        let e = toml_syntax(Path::new("s.toml"), text, Some(30..31), "u64 value was too large");
        assert_eq!((e.position, e.field.as_str()), (Some((3, 9)), "workload.tasks"));
        assert!(e.message.starts_with("number out of range: TOML integers lie between -9223372036854775808"));
        let deep = format!("name = \"x\"\na{} = 1\n", ".a".repeat(300));
        let e = toml_syntax(Path::new("s.toml"), &deep, None, "recursion limit");
        assert_eq!((e.position, e.message.as_str()), (Some((2, 1)), "keys are nested too deeply"));
    }

    #[test]
    fn all_errors_come_as_one_in_source_order() {
        let at = |start: usize, field: &str| {
            ScenarioError::new(Path::new("s.toml"), "a\nb\nc\n", Some(start..start), field, "bad")
        };
        let error = ScenarioError::all(vec![at(4, "c"), at(0, "a"), at(2, "b")]).unwrap_err();
        assert_eq!(error.to_string(), "s.toml:1:1: `a`: bad\ns.toml:2:1: `b`: bad\ns.toml:3:1: `c`: bad");
        assert!(ScenarioError::all(Vec::new()).is_ok());
    }

    #[test]
    fn display_names_file_line_field_and_hint() {
        let e =
            ScenarioError::new(Path::new("s.toml"), "x\ny = 1", Some(2..3), "faults.until", "bad").with_hint("fix it");
        assert_eq!(e.to_string(), "s.toml:2:1: `faults.until`: bad\n  (hint: fix it)");
    }
}
