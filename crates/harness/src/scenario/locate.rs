//! Where a key sits in a scenario text, for errors found after parsing (a value the
//! types accept but the system cannot work with).

use std::ops::Range;

/// The byte span of the value of dotted `field` (`config.retry.multiplier`) in `text`:
/// written under its table header (`[config.retry]` then `multiplier = 2`), as a
/// dotted key under a parent header (`[config]` then `retry.multiplier = 2`), or
/// inline in a parent table (`retry = { multiplier = 2 }`). `None` if not written.
pub fn value_span(text: &str, field: &str) -> Option<Range<usize>> {
    let mut table = String::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let trimmed = line.trim();
        if let Some(header) = trimmed.strip_prefix('[').and_then(|h| h.split(']').next()) {
            table = header.trim_matches(['[', ' ']).to_owned();
            continue;
        }
        let Some((key, value)) = trimmed.split_once('=') else { continue };
        let key = key.trim().trim_matches('"');
        let full = if table.is_empty() { key.to_owned() } else { format!("{table}.{key}") };
        let value_at = start + line.find('=').map_or(0, |i| i + 1);
        if full == field {
            return Some(value_at..value_at + value.trim_end().len());
        }
        // An inline table: `retry = { multiplier = 2 }`.
        if let Some(rest) = field.strip_prefix(&format!("{full}.")) {
            let inner = value.find(&format!("{rest} ")).or_else(|| value.find(&format!("{rest}=")))?;
            return Some(value_at + inner..value_at + inner + rest.len());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line_of(text: &str, field: &str) -> Option<usize> {
        value_span(text, field).map(|s| text[..s.start].matches('\n').count() + 1)
    }

    #[test]
    fn keys_are_found_under_headers_dotted_and_inline() {
        let text = "name = \"x\"\n[config]\nmax_error_threshold = 0\nretry.multiplier = 0\n[system]\nnodes = 2\n";
        assert_eq!(line_of(text, "config.max_error_threshold"), Some(3));
        assert_eq!(line_of(text, "config.retry.multiplier"), Some(4));
        assert_eq!(line_of(text, "system.nodes"), Some(6));
        assert_eq!(line_of(text, "system.task_agents"), None);
        let text = "[config.retry]\nmultiplier = 0\n";
        assert_eq!(line_of(text, "config.retry.multiplier"), Some(2));
        let text = "[config]\nretry = { initial_backoff = \"1s\", multiplier = 0 }\n";
        assert_eq!(line_of(text, "config.retry.multiplier"), Some(2));
    }
}
