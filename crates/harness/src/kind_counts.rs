//! A trace's events counted by kind, found by callsite: an event's kind is nearly
//! always fixed by where it is emitted, so its count is found by the callsite's
//! address and one comparison, not by a search over every kind's name. Whether the
//! kind is kept is decided once per kind, the same way.

use std::collections::BTreeMap;

/// Counts per kind, and which kinds are not kept.
#[derive(Debug, Default)]
pub(crate) struct KindCounts {
    /// Callsite address -> the slot of the kind it emitted last.
    by_callsite: BTreeMap<usize, usize>,
    slots: Vec<Slot>,
    skip: &'static [&'static str],
}

#[derive(Debug)]
struct Slot {
    kind: String,
    count: u64,
    skipped: bool,
}

impl KindCounts {
    /// Counts that mark the kinds in `skip` as not kept.
    pub(crate) fn skipping(skip: &'static [&'static str]) -> Self {
        KindCounts { skip, ..KindCounts::default() }
    }

    /// Counts one event of `kind` emitted at `callsite`; true if `kind` is skipped.
    pub(crate) fn count(&mut self, callsite: usize, kind: &str) -> bool {
        let at = match self.by_callsite.get(&callsite) {
            Some(&at) if self.slots[at].kind == kind => at,
            _ => {
                let at = self.slots.iter().position(|s| s.kind == kind).unwrap_or_else(|| {
                    let skipped = self.skip.contains(&kind);
                    self.slots.push(Slot { kind: kind.to_owned(), count: 0, skipped });
                    self.slots.len() - 1
                });
                self.by_callsite.insert(callsite, at);
                at
            }
        };
        let slot = &mut self.slots[at];
        slot.count += 1;
        slot.skipped
    }

    /// The count of every named kind (events without a kind are not counted).
    pub(crate) fn into_map(self) -> BTreeMap<String, u64> {
        self.slots.into_iter().filter(|s| !s.kind.is_empty()).map(|s| (s.kind, s.count)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_counted_whichever_callsite_emits_them() {
        let mut counts = KindCounts::skipping(&["deliver"]);
        assert!(counts.count(1, "deliver"));
        assert!(!counts.count(1, "exit"), "a callsite may emit another kind");
        assert!(!counts.count(2, "exit"));
        assert!(counts.count(2, "deliver"));
        assert!(!counts.count(3, ""));
        let map = counts.into_map();
        assert_eq!(map.into_iter().collect::<Vec<_>>(), [("deliver".to_owned(), 2), ("exit".to_owned(), 2)]);
    }
}
