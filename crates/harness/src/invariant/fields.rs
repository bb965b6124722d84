//! An event's fields, stored compactly: every value back to back in one string, and
//! per field its name and where its value lies. Keeping an event costs two
//! allocations however many fields it has, not two per field as a map of strings
//! would (keeping events was a tenth of a passing seed's time). The fields stay in
//! the order they were emitted, so keeping an event sorts nothing: only readers that
//! want name order ([`Fields::iter`], evidence and exports) pay for it.

use std::borrow::Cow;
use std::fmt;

use crate::captured::same_name;

/// The fields of one [`TraceEvent`](super::TraceEvent) besides `event`, read by name
/// ([`get`](Self::get)) or in name order ([`iter`](Self::iter)), as a sorted map reads.
#[derive(Clone, Default)]
pub struct Fields {
    /// The values, back to back.
    text: String,
    /// One per name, in the order names first appeared; a field written twice keeps
    /// its first place and holds its last value.
    entries: Vec<Entry>,
}

#[derive(Clone)]
struct Entry {
    name: Cow<'static, str>,
    /// Where the value lies in `text`.
    start: u32,
    end: u32,
}

impl Fields {
    /// Room for `fields` fields whose values take about `bytes` bytes.
    pub(crate) fn with_capacity(bytes: usize, fields: usize) -> Fields {
        Fields { text: String::with_capacity(bytes), entries: Vec::with_capacity(fields) }
    }

    /// Adds a field after the others (a name given twice keeps its first place and
    /// takes the new value).
    pub(crate) fn push(&mut self, name: Cow<'static, str>, value: &str) {
        self.push_with(name, |text| text.push_str(value));
    }

    /// Adds a field whose value `write` appends to the text.
    #[inline(always)]
    pub(crate) fn push_with(&mut self, name: Cow<'static, str>, write: impl FnOnce(&mut String)) {
        let start = offset(self.text.len());
        write(&mut self.text);
        let end = offset(self.text.len());
        match self.entries.iter_mut().find(|e| same_name(&e.name, &name)) {
            Some(entry) => (entry.start, entry.end) = (start, end),
            None => self.entries.push(Entry { name, start, end }),
        }
    }

    /// A field's value.
    #[inline]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries.iter().find(|e| same_name(&e.name, name)).map(|e| self.value(e))
    }

    /// Every field as (name, value), in name order.
    pub fn iter(&self) -> Iter<'_> {
        let mut sorted: Vec<&Entry> = self.entries.iter().collect();
        sorted.sort_unstable_by(|a, b| a.name.cmp(&b.name));
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
        self.entries.iter().map(|e| (e.name.as_ref(), self.value(e)))
    }

    #[inline]
    fn value(&self, e: &Entry) -> &str {
        &self.text[e.start as usize..e.end as usize]
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
    entries: std::vec::IntoIter<&'a Entry>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        self.entries.next().map(|e| (e.name.as_ref(), self.fields.value(e)))
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
}
