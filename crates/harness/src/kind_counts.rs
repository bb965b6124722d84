//! A trace's events counted by kind, found by callsite: an event's kind is nearly
//! always fixed by where it is emitted, so its count is found by the callsite's
//! address and one comparison, not by a search over every kind's name. Whether the
//! kind is kept is decided once per kind, the same way.

use std::collections::BTreeMap;

use crate::invariant::runtime::RuntimeFold;
use crate::lookup_map::LookupMap;

/// Counts per kind, and which kinds are not kept.
#[derive(Debug, Default)]
pub(crate) struct KindCounts {
    /// Callsite address -> the slot of the kind it emitted last.
    by_callsite: LookupMap<usize, usize>,
    slots: Vec<Slot>,
    skip: &'static [&'static str],
}

#[derive(Debug)]
struct Slot {
    kind: String,
    count: u64,
    seen: Seen,
}

/// What is decided once per kind about its events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Seen {
    /// Not kept.
    pub(crate) skipped: bool,
    /// Read by the runtime invariants' folds ([`RuntimeFold::reads`]).
    pub(crate) folded: bool,
}

impl KindCounts {
    /// Counts that mark the kinds in `skip` as not kept.
    pub(crate) fn skipping(skip: &'static [&'static str]) -> Self {
        KindCounts { skip, ..KindCounts::default() }
    }

    /// Counts one event of `kind` emitted at `callsite`; says whether `kind` is
    /// skipped and whether the folds read it.
    pub(crate) fn count(&mut self, callsite: usize, kind: &str) -> Seen {
        self.count_at(callsite, kind, |slot| slot == kind)
    }

    /// Counts one event of a kind named by a static string, found by its address: the
    /// same address and length are the same bytes, so a known kind is found without
    /// comparing its name.
    pub(crate) fn count_static(&mut self, kind: &'static str) -> Seen {
        self.count_at(kind.as_ptr() as usize, kind, |slot| slot.len() == kind.len())
    }

    fn count_at(&mut self, callsite: usize, kind: &str, same_kind: impl Fn(&str) -> bool) -> Seen {
        let at = match self.by_callsite.get(&callsite) {
            Some(&at) if same_kind(&self.slots[at].kind) => at,
            _ => {
                let at = self.slots.iter().position(|s| s.kind == kind).unwrap_or_else(|| {
                    let seen = Seen { skipped: self.skip.contains(&kind), folded: RuntimeFold::reads(kind) };
                    self.slots.push(Slot { kind: kind.to_owned(), count: 0, seen });
                    self.slots.len() - 1
                });
                self.by_callsite.insert(callsite, at);
                at
            }
        };
        let slot = &mut self.slots[at];
        slot.count += 1;
        slot.seen
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
        assert!(counts.count(1, "deliver").skipped);
        assert!(!counts.count(1, "exit").skipped, "a callsite may emit another kind");
        assert_eq!(counts.count(2, "exit"), Seen { skipped: false, folded: true });
        assert_eq!(counts.count(2, "deliver"), Seen { skipped: true, folded: true });
        assert_eq!(counts.count(3, ""), Seen { skipped: false, folded: false });
        assert_eq!(counts.count(3, "link"), Seen { skipped: false, folded: false });
        // A static kind is found by its address, and counted with the same kind's
        // events from elsewhere.
        let exit: &'static str = "exit";
        assert_eq!(counts.count_static(exit), Seen { skipped: false, folded: true });
        assert_eq!(counts.count_static(exit), Seen { skipped: false, folded: true });
        assert!(counts.count_static("deliver").skipped);
        let map = counts.into_map();
        let counted = [("deliver".to_owned(), 3), ("exit".to_owned(), 4), ("link".to_owned(), 1)];
        assert_eq!(map.into_iter().collect::<Vec<_>>(), counted);
    }
}
