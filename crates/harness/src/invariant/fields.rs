//! An event's fields, stored compactly: every value back to back in one string, and
//! per field its name and where its value lies. Keeping an event costs two
//! allocations however many fields it has, not two per field as a map of strings
//! would (keeping events was a tenth of a passing seed's time).

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

/// The fields of one [`TraceEvent`](super::TraceEvent) besides `event`, read by name
/// ([`get`](Self::get)) or in name order ([`iter`](Self::iter)), as a sorted map reads.
#[derive(Clone, Default)]
pub struct Fields {
    /// The values, back to back.
    text: String,
    /// One per name, sorted by name; a field written twice holds its last value.
    entries: Vec<Entry>,
}

#[derive(Clone)]
struct Entry {
    name: Cow<'static, str>,
    /// Where the value lies in `text`.
    start: u32,
    end: u32,
    /// Where the name first appeared among the fields, for the text line.
    rank: u32,
}

impl Fields {
    /// Fields whose values lie in `text` at the given ranges, in emitted order
    /// (`event` is not a field: it is the event's kind, and is left out).
    pub(crate) fn from_ranges(text: &str, ranges: &[(&'static str, Range<usize>)]) -> Fields {
        let mut fields = Fields { text: text.to_owned(), entries: Vec::with_capacity(ranges.len()) };
        for (name, range) in ranges.iter().filter(|(name, _)| *name != "event") {
            fields.place(Cow::Borrowed(*name), range.clone());
        }
        fields
    }

    /// Adds a field after the others (a name given twice keeps its first place and
    /// takes the new value).
    pub(crate) fn push(&mut self, name: Cow<'static, str>, value: &str) {
        let start = self.text.len();
        self.text.push_str(value);
        self.place(name, start..self.text.len());
    }

    fn place(&mut self, name: Cow<'static, str>, range: Range<usize>) {
        let (start, end) = (offset(range.start), offset(range.end));
        match self.entries.binary_search_by(|e| e.name.as_ref().cmp(name.as_ref())) {
            Ok(at) => (self.entries[at].start, self.entries[at].end) = (start, end),
            Err(at) => {
                let rank = offset(self.entries.len());
                self.entries.insert(at, Entry { name, start, end, rank });
            }
        }
    }

    /// A field's value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries.iter().find(|e| e.name == name).map(|e| self.value(e))
    }

    /// Every field as (name, value), in name order.
    pub fn iter(&self) -> Iter<'_> {
        Iter { fields: self, entries: self.entries.iter() }
    }

    /// Every field's value, in name order.
    pub fn values(&self) -> impl Iterator<Item = &str> + '_ {
        self.entries.iter().map(|e| self.value(e))
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
    pub(crate) fn in_emitted_order(&self) -> Vec<(&str, &str)> {
        let mut entries: Vec<&Entry> = self.entries.iter().collect();
        entries.sort_unstable_by_key(|e| e.rank);
        entries.into_iter().map(|e| (e.name.as_ref(), self.value(e))).collect()
    }

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
        self.in_emitted_order() == other.in_emitted_order()
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
    entries: std::slice::Iter<'a, Entry>,
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
        assert_eq!(fields.in_emitted_order(), [("to", "<0.3.0>"), ("from", "<0.1.0>"), ("msg", "7")]);
        assert_eq!(fields.len(), 3);
    }

    #[test]
    fn fields_made_from_ranges_leave_the_kind_out_and_equal_pushed_ones() {
        let text = "deliver7<0.1.0>";
        let ranges = [("event", 0..7), ("msg", 7..8), ("from", 8..15)];
        let made = Fields::from_ranges(text, &ranges);
        let mut pushed = Fields::default();
        pushed.push(Cow::Owned("msg".to_owned()), "7");
        pushed.push(Cow::Borrowed("from"), "<0.1.0>");
        assert_eq!(made, pushed);
        assert_eq!(made.get("event"), None);
        pushed.push(Cow::Borrowed("msg"), "8");
        assert_ne!(made, pushed);
        assert_eq!(format!("{made:?}"), r#"{"from": "<0.1.0>", "msg": "7"}"#);
    }
}
