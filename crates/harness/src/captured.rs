//! One `tracing` event's fields as the trace recorder captures them: text values as
//! text, numbers and pids as the numbers their emitters gave. (The runtime's frequent
//! events come as values and are read where they stand: `emitted`.)
//!
//! The trace hash reads the numbers as they are (the event's encoding, written field
//! by field as the fields are captured: [`Captured::start`]), and the
//! runtime invariants read pids and numbers without text, so a number's decimal text
//! is written only when the event is kept, streamed, or read as text
//! ([`Captured::render`]).

use std::fmt::{self, Write as _};
use std::ops::Range;

use otpsim_runtime::emit::FieldSink;
use otpsim_runtime::Pid;
use tracing::field::{Field, Visit};

use crate::encoding::Encoding;

/// A field's value as its emitter gave it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Raw {
    /// Text, in [`Captured::text`] at the field's range.
    Text,
    /// An unsigned number (`u64`, or an `i64` that is not negative).
    Number(u64),
    /// A negative `i64`, by its magnitude.
    Negative(u64),
    /// A pid ([`Pid::packed`] is how events carry one).
    Pid(Pid),
}

/// The fields of the event being recorded.
#[derive(Clone, Debug, Default)]
pub(crate) struct Captured {
    /// The text values back to back, and (once rendered) the numbers' text after them.
    pub(crate) text: String,
    /// Each field's name and where its text is (empty for a number not yet rendered).
    pub(crate) fields: Vec<(&'static str, Range<usize>)>,
    /// Each field's value as given, in the same order as `fields`.
    pub(crate) raw: Vec<Raw>,
    /// Whether every field's text is in `text`.
    pub(crate) rendered: bool,
    /// The event's compact encoding so far: the bytes the trace hash reads.
    encoding: Encoding,
}

impl Captured {
    /// Starts the next event, at `nanos` of simulated time and of `target`: forgets
    /// the last event's fields. Its [`Encoding`] is written as the fields come.
    pub(crate) fn start(&mut self, nanos: u64, target: &str) {
        self.text.clear();
        self.fields.clear();
        self.raw.clear();
        self.rendered = false;
        self.encoding.start(nanos, target);
    }

    /// Ends the event: its whole encoding.
    pub(crate) fn end(&mut self) -> &[u8] {
        self.encoding.end()
    }

    /// Adds a field holding a number or pid (its text is written by [`render`](Self::render)).
    pub(crate) fn push_raw(&mut self, name: &'static str, value: Raw) {
        self.fields.push((name, self.text.len()..self.text.len()));
        self.raw.push(value);
        self.rendered = false;
        self.encoding.raw(name, value);
    }

    /// Adds a text field whose value is `text[start..]`, just written.
    fn push_written(&mut self, name: &'static str, start: usize) {
        let range = start..self.text.len();
        self.encoding.text(name, &self.text[range.clone()]);
        self.fields.push((name, range));
        self.raw.push(Raw::Text);
    }

    /// Where the field `name` is (its last value, if written twice).
    pub(crate) fn position(&self, name: &str) -> Option<usize> {
        self.fields.iter().rposition(|(n, _)| same_name(n, name))
    }

    /// The text of a text field (a number's, once rendered).
    pub(crate) fn text_at(&self, at: usize) -> &str {
        &self.text[self.fields[at].1.clone()]
    }

    /// Appends the text of field `at` to `out`: its text, or its number written out
    /// (as [`render`](Self::render) writes it), without rendering the rest.
    #[inline(always)]
    pub(crate) fn write_value(&self, at: usize, out: &mut String) {
        if self.rendered {
            out.push_str(self.text_at(at));
            return;
        }
        match self.raw[at] {
            Raw::Text => out.push_str(self.text_at(at)),
            Raw::Number(n) => otpsim_runtime::decimal::push(out, n),
            Raw::Negative(n) => {
                out.push('-');
                otpsim_runtime::decimal::push(out, n);
            }
            Raw::Pid(pid) => pid.push_text(out),
        }
    }

    /// Writes every number's and pid's text after the text values, so each field
    /// reads as text.
    pub(crate) fn render(&mut self) {
        if self.rendered {
            return;
        }
        let mut text = std::mem::take(&mut self.text);
        for at in 0..self.fields.len() {
            if self.raw[at] == Raw::Text {
                continue;
            }
            let start = text.len();
            self.write_value(at, &mut text);
            self.fields[at].1 = start..text.len();
        }
        self.text = text;
        self.rendered = true;
    }

    /// Adds a field as its value's `Debug` text (a `%` field's `Debug` is its `Display`).
    fn push_text(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let start = self.text.len();
        let _ = write!(self.text, "{value:?}");
        self.push_written(field.name(), start);
    }
}

/// Whether two field names are the same. Names are a few bytes long and looked up
/// several times per event, by every fold and checker: compared byte by byte inline
/// (the first byte or the length tells most apart), not by a call to `memcmp`.
#[inline]
pub(crate) fn same_name(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

/// The runtime's typed events fill the same fields, and so the same encoding, as
/// their `tracing` form does through [`Visit`].
impl FieldSink for Captured {
    fn text(&mut self, name: &'static str, value: &str) {
        let start = self.text.len();
        self.text.push_str(value);
        self.push_written(name, start);
    }

    fn number(&mut self, name: &'static str, value: u64) {
        self.push_raw(name, Raw::Number(value));
    }

    fn pid(&mut self, name: &'static str, value: Pid) {
        self.push_raw(name, Raw::Pid(value));
    }

    fn text_in_parts(&mut self, name: &'static str, parts: &[&str]) {
        let start = self.text.len();
        parts.iter().for_each(|part| self.text.push_str(part));
        self.push_written(name, start);
    }
}

impl Visit for Captured {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.text(field.name(), value);
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.number(field.name(), value);
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        let raw = if value < 0 { Raw::Negative(value.unsigned_abs()) } else { Raw::Number(value.unsigned_abs()) };
        self.push_raw(field.name(), raw);
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.record_str(field, if value { "true" } else { "false" });
    }

    /// A `u128` is a pid ([`Pid::packed`]).
    fn record_u128(&mut self, field: &Field, value: u128) {
        self.pid(field.name(), Pid::from_packed(value));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.push_text(field, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_only_when_rendered_and_then_read_as_display_writes_them() {
        let pid = Pid { serial: 12, node: otpsim_runtime::NodeId(3), incarnation: 1 };
        let mut captured = Captured::default();
        captured.start(5, "otpsim");
        FieldSink::text(&mut captured, "event", "deliver");
        captured.push_raw("msg", Raw::Number(40));
        captured.push_raw("neg", Raw::Negative(7));
        captured.push_raw("to", Raw::Pid(pid));
        assert_eq!(captured.text, "deliver", "no number is written before it is rendered");
        captured.render();
        captured.render();
        let texts: Vec<&str> = (0..4).map(|at| captured.text_at(at)).collect();
        assert_eq!(texts, ["deliver", "40", "-7", "<3.12.1>"]);
        // The encoding, byte by byte: the trace hash of every run stands on it.
        let mut expected = 5u64.to_le_bytes().to_vec();
        expected.extend_from_slice(b"otpsim\0event=\0deliver\0msg=\x01");
        expected.extend_from_slice(&40u64.to_le_bytes());
        expected.extend_from_slice(b"\0neg=\x02");
        expected.extend_from_slice(&7u64.to_le_bytes());
        expected.extend_from_slice(b"\0to=\x03");
        expected.extend_from_slice(&(1u128 << 96 | 3u128 << 64 | 12).to_le_bytes());
        expected.push(b'\n');
        assert_eq!(captured.end(), expected, "rendering does not change the encoding");
        assert_eq!(captured.position("to"), Some(3));
        assert_eq!((captured.position("t"), captured.position("tox"), captured.position("neh")), (None, None, None));
        assert!(same_name("msg", "msg") && !same_name("msg", "msh") && !same_name("ms", "msg") && same_name("", ""));
        captured.start(6, "t");
        assert!(captured.fields.is_empty() && captured.text.is_empty() && !captured.rendered);
        assert_eq!(captured.end(), [&6u64.to_le_bytes()[..], b"t\n"].concat(), "the last event's encoding is gone");
    }

    #[test]
    fn the_encoding_tells_values_of_different_kinds_apart() {
        let encoded = |raw: Raw, text: &str| {
            let mut captured = Captured::default();
            captured.start(0, "t");
            match raw {
                Raw::Text => FieldSink::text(&mut captured, "n", text),
                raw => captured.push_raw("n", raw),
            }
            captured.end().to_vec()
        };
        let pid = Pid { serial: 1, node: otpsim_runtime::NodeId(0), incarnation: 0 };
        let all = [
            encoded(Raw::Number(1), ""),
            encoded(Raw::Negative(1), ""),
            encoded(Raw::Pid(pid), ""),
            encoded(Raw::Text, "1"),
            encoded(Raw::Number(2), ""),
        ];
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }
}
