//! An event's fields, stored compactly: every text value back to back in one string,
//! numbers and pids as their emitters gave them, and per field its name and value.
//! Keeping an event costs two allocations however many fields it has, not two per
//! field as a map of strings would (keeping events was a tenth of a passing seed's
//! time), and writes no number as text: that is done the first time a reader asks
//! for one as text ([`Fields::get`]), which most kept events never meet. The fields
//! stay in the order they were emitted, so keeping an event sorts nothing: only
//! readers that want name order ([`Fields::iter`], evidence and exports) pay for it.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::fmt;

use otpsim_runtime::Pid;

use super::parse_pid;
use crate::captured::{same_name, write_raw, Raw};

/// The fields of one [`TraceEvent`](super::TraceEvent) besides `event`, read by name
/// ([`get`](Self::get)) or in name order ([`iter`](Self::iter)), as a sorted map reads.
#[derive(Clone, Default)]
pub struct Fields {
    /// The text values, back to back.
    text: String,
    /// One per name, in the order names first appeared; a field written twice keeps
    /// its first place and holds its last value.
    entries: Vec<Entry>,
    /// The numbers' and pids' text, written when one is first read as text.
    numbers: OnceCell<Written>,
}

#[derive(Clone)]
struct Entry {
    name: Cow<'static, str>,
    value: Value,
}

/// Where a field's value is.
#[derive(Clone, Copy)]
enum Value {
    /// Text, at `start..end` of [`Fields::text`].
    Text { start: u32, end: u32 },
    /// A number or pid ([`Raw::Text`] never stands here).
    Raw(Raw),
}

/// The numbers' and pids' text: per entry, where its text is in `text` (empty for a
/// text field).
#[derive(Clone, Default)]
struct Written {
    text: String,
    at: Vec<(u32, u32)>,
}

impl Fields {
    /// Room for `fields` fields whose text values take about `bytes` bytes.
    pub(crate) fn with_capacity(bytes: usize, fields: usize) -> Fields {
        Fields { text: String::with_capacity(bytes), entries: Vec::with_capacity(fields), numbers: OnceCell::new() }
    }

    /// Adds a field after the others (a name given twice keeps its first place and
    /// takes the new value).
    pub(crate) fn push(&mut self, name: Cow<'static, str>, value: &str) {
        self.push_with(name, |text| text.push_str(value));
    }

    /// Adds a field whose value `write` appends to the text.
    pub(crate) fn push_with(&mut self, name: Cow<'static, str>, write: impl FnOnce(&mut String)) {
        let start = offset(self.text.len());
        write(&mut self.text);
        let end = offset(self.text.len());
        self.put(name, Value::Text { start, end });
    }

    /// Adds a field holding a number or pid as its emitter gave it; its text is
    /// written only if a reader asks for it.
    pub(crate) fn push_raw(&mut self, name: Cow<'static, str>, raw: Raw) {
        let value = match raw {
            Raw::Text => Value::Text { start: 0, end: 0 },
            raw => Value::Raw(raw),
        };
        self.put(name, value);
    }

    fn put(&mut self, name: Cow<'static, str>, value: Value) {
        self.numbers.take();
        match self.entries.iter_mut().find(|e| same_name(&e.name, &name)) {
            Some(entry) => entry.value = value,
            None => self.entries.push(Entry { name, value }),
        }
    }

    /// A field's value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.position(name).map(|at| self.value(at))
    }

    /// A field's value read as a pid, if it is one: the pid its emitter gave, or the
    /// pid its text names.
    pub fn pid(&self, name: &str) -> Option<Pid> {
        let at = self.position(name)?;
        match self.entries[at].value {
            Value::Raw(Raw::Pid(pid)) => Some(pid),
            Value::Raw(_) => None,
            Value::Text { .. } => parse_pid(self.value(at)),
        }
    }

    /// A field's value read as an unsigned number, if it is one.
    pub fn number(&self, name: &str) -> Option<u64> {
        let at = self.position(name)?;
        match self.entries[at].value {
            Value::Raw(Raw::Number(n)) => Some(n),
            Value::Raw(_) => None,
            Value::Text { .. } => self.value(at).parse().ok(),
        }
    }

    /// Every field as (name, value), in name order.
    pub fn iter(&self) -> Iter<'_> {
        let mut sorted: Vec<usize> = (0..self.entries.len()).collect();
        sorted.sort_unstable_by(|&a, &b| self.entries[a].name.cmp(&self.entries[b].name));
        Iter { fields: self, entries: sorted.into_iter() }
    }

    /// Every field's value, in name order.
    pub fn values(&self) -> impl Iterator<Item = &str> + '_ {
        self.iter().map(|(_, value)| value)
    }

    /// How many fields there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True if there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every field as (name, value), in the order the names first appeared.
    pub(crate) fn in_emitted_order(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.entries.iter().enumerate().map(|(at, e)| (e.name.as_ref(), self.value(at)))
    }

    fn position(&self, name: &str) -> Option<usize> {
        self.entries.iter().position(|e| same_name(&e.name, name))
    }

    fn value(&self, at: usize) -> &str {
        match self.entries[at].value {
            Value::Text { start, end } => &self.text[start as usize..end as usize],
            Value::Raw(_) => {
                let written = self.numbers.get_or_init(|| self.write_numbers());
                let (start, end) = written.at[at];
                &written.text[start as usize..end as usize]
            }
        }
    }

    /// Writes every number's and pid's text, once, for the readers that want text.
    fn write_numbers(&self) -> Written {
        let mut written = Written { text: String::with_capacity(16 * self.entries.len()), at: Vec::new() };
        for entry in &self.entries {
            let start = offset(written.text.len());
            if let Value::Raw(raw) = entry.value {
                write_raw(raw, &mut written.text);
            }
            written.at.push((start, offset(written.text.len())));
        }
        written
    }
}

/// A position in an event's text: events are short, so it fits in 32 bits.
fn offset(at: usize) -> u32 {
    u32::try_from(at).expect("an event's fields are under 4 GB")
}

impl PartialEq for Fields {
    /// Equal if they hold the same values under the same names, first emitted in the
    /// same order (where the values lie in the text does not matter).
    fn eq(&self, other: &Self) -> bool {
        self.in_emitted_order().eq(other.in_emitted_order())
    }
}

impl Eq for Fields {}

impl fmt::Debug for Fields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// The fields as (name, value), in name order.
pub struct Iter<'a> {
    fields: &'a Fields,
    entries: std::vec::IntoIter<usize>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        self.entries.next().map(|at| (self.fields.entries[at].name.as_ref(), self.fields.value(at)))
    }
}

impl<'a> IntoIterator for &'a Fields {
    type Item = (&'a str, &'a str);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_read_by_name_in_name_order_and_keep_their_emitted_order() {
        let mut fields = Fields::default();
        for (name, value) in [("to", "<0.2.0>"), ("from", "<0.1.0>"), ("msg", "7"), ("to", "<0.3.0>")] {
            fields.push(Cow::Borrowed(name), value);
        }
        assert_eq!((fields.get("to"), fields.get("msg"), fields.get("kind")), (Some("<0.3.0>"), Some("7"), None));
        assert_eq!(fields.iter().collect::<Vec<_>>(), [("from", "<0.1.0>"), ("msg", "7"), ("to", "<0.3.0>")]);
        let emitted: Vec<_> = fields.in_emitted_order().collect();
        assert_eq!(emitted, [("to", "<0.3.0>"), ("from", "<0.1.0>"), ("msg", "7")]);
        assert_eq!(fields.len(), 3);
    }

    #[test]
    fn fields_written_alike_are_equal_wherever_their_values_lie() {
        let mut made = Fields::with_capacity(8, 2);
        made.push_with(Cow::Borrowed("msg"), |text| text.push('7'));
        made.push(Cow::Borrowed("from"), "<0.1.0>");
        let mut pushed = Fields::default();
        pushed.push(Cow::Owned("msg".to_owned()), "6");
        pushed.push(Cow::Owned("msg".to_owned()), "7");
        pushed.push(Cow::Borrowed("from"), "<0.1.0>");
        assert_eq!(made, pushed);
        pushed.push(Cow::Borrowed("msg"), "8");
        assert_ne!(made, pushed);
        assert_eq!(format!("{made:?}"), r#"{"from": "<0.1.0>", "msg": "7"}"#);
    }

    #[test]
    fn numbers_and_pids_read_as_text_as_they_were_given_and_equal_their_text() {
        let pid = Pid { serial: 4, node: otpsim_runtime::NodeId(1), incarnation: 2 };
        let mut raw = Fields::default();
        raw.push_raw(Cow::Borrowed("to"), Raw::Pid(pid));
        raw.push(Cow::Borrowed("kind"), "info");
        raw.push_raw(Cow::Borrowed("msg"), Raw::Number(17));
        raw.push_raw(Cow::Borrowed("delta"), Raw::Negative(3));
        assert_eq!((raw.pid("to"), raw.number("msg")), (Some(pid), Some(17)));
        assert_eq!((raw.pid("msg"), raw.number("to"), raw.number("delta"), raw.pid("kind")), (None, None, None, None));
        assert_eq!((raw.get("to"), raw.get("msg"), raw.get("delta")), (Some("<1.4.2>"), Some("17"), Some("-3")));
        let mut text = Fields::default();
        for (name, value) in [("to", "<1.4.2>"), ("kind", "info"), ("msg", "17"), ("delta", "-3")] {
            text.push(Cow::Borrowed(name), value);
        }
        assert_eq!(raw, text);
        assert_eq!((text.pid("to"), text.number("msg")), (Some(pid), Some(17)), "text reads as the numbers it names");
        // A value given again after a read replaces the text read before.
        raw.push_raw(Cow::Borrowed("msg"), Raw::Number(18));
        assert_eq!(raw.get("msg"), Some("18"));
        assert_eq!(raw.values().collect::<Vec<_>>(), ["-3", "info", "18", "<1.4.2>"]);
    }
}
