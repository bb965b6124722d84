//! The compact encoding of one event that the trace hash reads: numbers as numbers,
//! never as text, so hashing a run writes no number out.
//!
//! Per event: the time in nanoseconds as 8 bytes, the target, then per field
//! `0 name = tag value` (tag 0: text bytes; 1: a number as 8 bytes; 2: a negative
//! number's magnitude as 8 bytes; 3: a pid as its 16-byte packed number), and a final
//! newline. Every run's trace hash stands on these bytes: `captured`'s tests pin them.

use otpsim_runtime::emit::FieldSink;
use otpsim_runtime::Pid;

use crate::captured::Raw;

/// One event's encoding, written as its fields come.
#[derive(Clone, Debug, Default)]
pub(crate) struct Encoding {
    bytes: Vec<u8>,
}

impl Encoding {
    /// Starts the next event, at `nanos` of simulated time and of `target`.
    pub(crate) fn start(&mut self, nanos: u64, target: &str) {
        self.bytes.clear();
        self.bytes.extend_from_slice(&nanos.to_le_bytes());
        self.bytes.extend_from_slice(target.as_bytes());
    }

    /// Ends the event: its whole encoding.
    pub(crate) fn end(&mut self) -> &[u8] {
        self.bytes.push(b'\n');
        &self.bytes
    }

    // Inlined into each typed event's encoder, where names are constants: their
    // bytes are then copied without a call.
    #[inline(always)]
    fn name(&mut self, name: &str, tag: u8) {
        self.bytes.push(0);
        self.bytes.extend_from_slice(name.as_bytes());
        self.bytes.extend_from_slice(&[b'=', tag]);
    }

    /// Adds a field holding `value` as given (a text value's bytes come separately).
    #[inline(always)]
    pub(crate) fn raw(&mut self, name: &str, value: Raw) {
        match value {
            Raw::Text => self.name(name, 0),
            Raw::Number(n) => {
                self.name(name, 1);
                self.bytes.extend_from_slice(&n.to_le_bytes());
            }
            Raw::Negative(n) => {
                self.name(name, 2);
                self.bytes.extend_from_slice(&n.to_le_bytes());
            }
            Raw::Pid(pid) => {
                self.name(name, 3);
                self.bytes.extend_from_slice(&pid.packed().to_le_bytes());
            }
        }
    }

    /// Adds a text field.
    #[inline(always)]
    pub(crate) fn text(&mut self, name: &str, value: &str) {
        self.name(name, 0);
        self.bytes.extend_from_slice(value.as_bytes());
    }
}

/// A typed event is encoded straight from its fields, with nothing else captured.
impl FieldSink for Encoding {
    #[inline(always)]
    fn text(&mut self, name: &'static str, value: &str) {
        Encoding::text(self, name, value);
    }

    #[inline(always)]
    fn number(&mut self, name: &'static str, value: u64) {
        self.raw(name, Raw::Number(value));
    }

    #[inline(always)]
    fn pid(&mut self, name: &'static str, value: Pid) {
        self.raw(name, Raw::Pid(value));
    }

    #[inline(always)]
    fn text_in_parts(&mut self, name: &'static str, parts: &[&str]) {
        self.name(name, 0);
        for part in parts {
            self.bytes.extend_from_slice(part.as_bytes());
        }
    }
}
