//! Durable storage, one store per node, with an explicit sync.
//!
//! Writes land in a pending log; `sync` makes them durable. A process crash loses
//! nothing (the node's "OS" still holds the log). A node crash keeps everything
//! synced and a random prefix of the pending log, drawn from the node's seeded
//! stream: unsynced writes may or may not survive, in write order, as on a disk
//! without a barrier. Values are kept as Rust values; a production store would
//! serialize them.

use std::collections::BTreeMap;

use rand::Rng;

use crate::message::{Payload, Term};
use crate::rng::Stream;

/// One node's durable store.
pub struct Store {
    synced: BTreeMap<String, Payload>,
    /// Unsynced writes in order: `None` deletes the key.
    pending: Vec<(String, Option<Payload>)>,
    rng: Stream,
}

impl Store {
    pub(crate) fn new(rng: Stream) -> Self {
        Store { synced: BTreeMap::new(), pending: Vec::new(), rng }
    }

    /// Writes `value` under `key`; durable only after [`Store::sync`].
    pub fn put<T: Term>(&mut self, key: impl Into<String>, value: T) {
        self.pending.push((key.into(), Some(Payload::new(value))));
    }

    /// Deletes `key`; durable only after [`Store::sync`].
    pub fn delete(&mut self, key: impl Into<String>) {
        self.pending.push((key.into(), None));
    }

    /// The latest value of `key`, synced or not, if it is a `T`.
    pub fn get<T: Term + Clone>(&self, key: &str) -> Option<T> {
        let latest = self.pending.iter().rev().find(|(k, _)| k == key);
        let value = match latest {
            Some((_, value)) => value.as_ref(),
            None => self.synced.get(key),
        };
        value.and_then(|p| p.downcast_ref::<T>()).cloned()
    }

    /// Keys (synced or not) that start with `prefix`, sorted.
    pub fn keys(&self, prefix: &str) -> Vec<String> {
        let mut live: BTreeMap<&str, bool> =
            self.synced.keys().filter(|k| k.starts_with(prefix)).map(|k| (k.as_str(), true)).collect();
        for (k, v) in &self.pending {
            if k.starts_with(prefix) {
                live.insert(k.as_str(), v.is_some());
            }
        }
        live.into_iter().filter(|(_, present)| *present).map(|(k, _)| k.to_owned()).collect()
    }

    /// Makes every pending write durable.
    pub fn sync(&mut self) {
        for (key, value) in self.pending.drain(..) {
            match value {
                Some(v) => self.synced.insert(key, v),
                None => self.synced.remove(&key),
            };
        }
    }

    /// Number of writes not yet synced.
    pub fn unsynced(&self) -> usize {
        self.pending.len()
    }

    /// The node crashed: a random prefix of the pending writes reaches the disk.
    pub(crate) fn lose_unsynced(&mut self) {
        let survivors = self.rng.gen_range(0..=self.pending.len());
        self.pending.truncate(survivors);
        self.sync();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    #[test]
    fn synced_writes_survive_a_crash_and_unsynced_survive_as_a_prefix() {
        for seed in 0..20 {
            let mut s = Store::new(stream(seed, "store"));
            s.put("a", 1u32);
            s.sync();
            s.put("b", 2u32);
            s.put("c", 3u32);
            s.lose_unsynced();
            assert_eq!(s.get::<u32>("a"), Some(1));
            let (b, c) = (s.get::<u32>("b"), s.get::<u32>("c"));
            assert!(b.is_some() || c.is_none(), "c survived without b (seed {seed})");
            assert_eq!(s.unsynced(), 0);
        }
    }

    #[test]
    fn reads_see_pending_writes_and_deletes() {
        let mut s = Store::new(stream(1, "store"));
        s.put("k", 1u32);
        s.sync();
        s.delete("k");
        assert_eq!(s.get::<u32>("k"), None);
        assert!(s.keys("").is_empty());
        s.put("k", 5u32);
        assert_eq!(s.get::<u32>("k"), Some(5));
        assert_eq!(s.keys("k"), vec!["k".to_string()]);
    }
}
