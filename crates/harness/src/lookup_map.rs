//! A hash map for the recorder's per-event lookups (a delivery's pair, an event's
//! callsite), where a `BTreeMap`'s search was a visible share of a seed's time.
//!
//! Its hasher is fixed, so the same keys land the same way on every run; and no
//! caller iterates it, so its order can never reach a result or a trace
//! (the determinism rule in docs/design.md).

use std::hash::{BuildHasherDefault, Hasher};

/// A map looked up by key only: never iterate it where the order could show.
pub(crate) type LookupMap<K, V> = hashbrown::HashMap<K, V, BuildHasherDefault<WordHasher>>;

/// Hashes integer keys a word at a time: a multiply and a rotate per word.
#[derive(Default)]
pub(crate) struct WordHasher(u64);

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        bytes.iter().for_each(|&b| self.write_u64(u64::from(b)));
    }

    fn write_u64(&mut self, word: u64) {
        self.0 = (self.0 ^ word).wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(26);
    }

    fn write_u128(&mut self, word: u128) {
        self.write_u64(word as u64);
        self.write_u64((word >> 64) as u64);
    }

    fn write_usize(&mut self, word: usize) {
        self.write_u64(word as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_that_differ_in_either_word_hash_apart_and_the_map_finds_each() {
        let hash = |key: u128| {
            let mut h = WordHasher::default();
            h.write_u128(key);
            h.finish()
        };
        assert_ne!(hash(1), hash(1 << 64));
        assert_ne!(hash(0), hash(1));
        let mut map: LookupMap<(u128, u128), u32> = LookupMap::default();
        for i in 0..1000u32 {
            map.insert((u128::from(i), u128::from(i) << 64), i);
        }
        assert!((0..1000u32).all(|i| map.get(&(u128::from(i), u128::from(i) << 64)) == Some(&i)));
        assert_eq!(map.get(&(1, 1)), None);
    }
}
