//! A process's monitor references, in order.
//!
//! Every call adds a monitor and removes it again, on both the caller and the
//! server: with a `BTreeSet` that is a tree search and rebalance four times a call.
//! References only grow, so a sorted deque takes new ones at the back, and calls
//! answered in order leave from the front; both are O(1). Iteration is in reference
//! order, as a `BTreeSet`'s is.

use std::collections::VecDeque;

use crate::pid::Ref;

/// A set of references, kept sorted.
#[derive(Debug, Default)]
pub(crate) struct RefSet(VecDeque<Ref>);

impl RefSet {
    pub(crate) fn insert(&mut self, r: Ref) {
        match self.0.back() {
            Some(last) if *last >= r => {
                if let Err(i) = self.0.binary_search(&r) {
                    self.0.insert(i, r);
                }
            }
            _ => self.0.push_back(r),
        }
    }

    pub(crate) fn remove(&mut self, r: &Ref) -> bool {
        match self.0.binary_search(r) {
            Ok(i) => {
                self.0.remove(i);
                true
            }
            Err(_) => false,
        }
    }
}

impl<'a> IntoIterator for &'a RefSet {
    type Item = &'a Ref;
    type IntoIter = std::collections::vec_deque::Iter<'a, Ref>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_stay_sorted_and_unique_in_any_insertion_order() {
        let mut set = RefSet::default();
        for r in [5, 1, 9, 5, 3, 12] {
            set.insert(Ref(r));
        }
        assert!(set.remove(&Ref(9)));
        assert!(!set.remove(&Ref(9)));
        let mut refs = Vec::new();
        for r in &set {
            refs.push(r.0);
        }
        assert_eq!(refs, vec![1, 3, 5, 12]);
    }
}
