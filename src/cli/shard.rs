//! Shards: `--shard K/N` splits a run over N machines, as cargo-nextest splits tests.
//!
//! A healthy scenario's seeds are split by number: shard K runs the seeds `s` with
//! `s % N == K - 1`. A flaw scenario cannot be judged on part of its seeds (the seed
//! that finds the flaw may sit on another shard), so flaw scenarios are dealt out
//! whole, round robin in the order they were found.

use std::fmt;
use std::str::FromStr;

/// Shard `index` of `count`, `index` in `1..=count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// Which shard this is, from 1.
    pub index: u64,
    /// How many shards there are.
    pub count: u64,
}

impl Shard {
    /// True if this shard runs the item at `position` (from 0) of a list dealt round robin.
    pub fn owns(&self, position: usize) -> bool {
        position as u64 % self.count == self.index - 1
    }
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let usage = || format!("{text:?} is not a shard: write K/N with 1 <= K <= N, e.g. 2/4");
        let (index, count) = text.split_once('/').ok_or_else(usage)?;
        let index: u64 = index.trim().parse().map_err(|_| usage())?;
        let count: u64 = count.trim().parse().map_err(|_| usage())?;
        if index == 0 || index > count {
            return Err(usage());
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_read_as_k_of_n_counted_from_one() {
        assert_eq!("2/4".parse(), Ok(Shard { index: 2, count: 4 }));
        assert_eq!("1/1".parse::<Shard>().map(|s| s.to_string()), Ok("1/1".to_owned()));
        for bad in ["3/2", "0/2", "x", "1/0", "1/", "/2", "-1/2", "1/2/3"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn round_robin_gives_each_position_to_exactly_one_shard() {
        let shards: Vec<Shard> = (1..=3).map(|index| Shard { index, count: 3 }).collect();
        for position in 0..10 {
            assert_eq!(shards.iter().filter(|s| s.owns(position)).count(), 1);
        }
        assert!(shards[0].owns(0) && shards[1].owns(4) && shards[2].owns(8));
    }
}
