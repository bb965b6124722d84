//! Which seeds a run covers: a scenario's recorded regression seeds first, then a range
//! of seeds, optionally one shard of them, produced one at a time.
//!
//! Nothing here builds the list: a plan is a few numbers and the regression seeds, its
//! length is arithmetic, and its iterator steps straight from one seed of the shard to
//! the next. `--seeds 1000000000000 --shard 7/1000` starts its first seed at once.

use std::collections::BTreeSet;

/// Shard `index` of `count` (`index` in `1..=count`): the seeds `s` with
/// `s % count == index - 1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShardOf {
    /// Which shard, from 1.
    pub index: u64,
    /// How many shards.
    pub count: u64,
}

impl ShardOf {
    /// Every seed in one shard.
    pub const WHOLE: ShardOf = ShardOf { index: 1, count: 1 };

    /// True if `seed` belongs to this shard.
    pub fn holds(&self, seed: u64) -> bool {
        seed % self.count == (self.index - 1) % self.count
    }

    /// The first seed of the shard.
    fn first(&self) -> u64 {
        (self.index - 1) % self.count
    }
}

/// The seeds of one scenario's run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedPlan {
    /// Regression seeds in this shard, in file order, each once.
    regressions: Vec<u64>,
    /// The same seeds, for skipping them in the range.
    seen: BTreeSet<u64>,
    /// Seeds `0..range_end` of the shard follow the regression seeds.
    range_end: u64,
    shard: ShardOf,
}

impl SeedPlan {
    /// Exactly `seed`, no regression seeds.
    pub fn one(seed: u64) -> Self {
        SeedPlan { regressions: vec![seed], seen: BTreeSet::from([seed]), range_end: 0, shard: ShardOf::WHOLE }
    }

    /// `regressions` (those in `shard`) first, then the seeds of `0..count` in `shard`.
    pub fn new(regressions: &[u64], count: u64, shard: ShardOf) -> Self {
        let mut seen = BTreeSet::new();
        let regressions: Vec<u64> = regressions.iter().copied().filter(|&s| shard.holds(s) && seen.insert(s)).collect();
        SeedPlan { regressions, seen, range_end: count, shard }
    }

    /// How many seeds the plan runs.
    pub fn len(&self) -> u64 {
        let first = self.shard.first();
        let in_range = if self.range_end > first { (self.range_end - 1 - first) / self.shard.count + 1 } else { 0 };
        let overlap = self.seen.range(..self.range_end).filter(|&&s| self.shard.holds(s)).count() as u64;
        self.regressions.len() as u64 + in_range - overlap
    }

    /// True if the plan runs no seed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The seeds, in run order.
    pub fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        let step = usize::try_from(self.shard.count).unwrap_or(usize::MAX);
        let range = (self.shard.first()..self.range_end).step_by(step);
        self.regressions.iter().copied().chain(range.filter(|s| !self.seen.contains(s)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shard(index: u64, count: u64) -> ShardOf {
        ShardOf { index, count }
    }

    #[test]
    fn regression_seeds_run_first_and_once() {
        let plan = SeedPlan::new(&[7, 2, 7, 40], 5, ShardOf::WHOLE);
        assert_eq!(plan.iter().collect::<Vec<_>>(), vec![7, 2, 40, 0, 1, 3, 4]);
        assert_eq!(plan.len(), 7);
        assert_eq!(SeedPlan::one(9).iter().collect::<Vec<_>>(), vec![9]);
    }

    #[test]
    fn shards_split_every_seed_exactly_once_and_know_their_length() {
        let regressions = [11, 3, 30, 4];
        let whole: BTreeSet<u64> = SeedPlan::new(&regressions, 23, ShardOf::WHOLE).iter().collect();
        let mut union = BTreeSet::new();
        for index in 1..=4 {
            let plan = SeedPlan::new(&regressions, 23, shard(index, 4));
            let seeds: Vec<u64> = plan.iter().collect();
            assert_eq!(plan.len(), seeds.len() as u64, "shard {index}");
            assert!(seeds.iter().all(|s| s % 4 == index - 1));
            for seed in seeds {
                assert!(union.insert(seed), "seed {seed} twice");
            }
        }
        assert_eq!(union, whole);
        assert!(SeedPlan::new(&[], 2, shard(5, 5)).is_empty());
    }

    #[test]
    fn a_huge_range_costs_nothing_until_iterated() {
        let plan = SeedPlan::new(&[], 1_000_000_000_000, shard(400_000, 400_000));
        assert_eq!(plan.len(), 2_500_000);
        assert_eq!(plan.iter().take(2).collect::<Vec<_>>(), vec![399_999, 799_999]);
        let last = SeedPlan::new(&[], u64::MAX, shard(u64::MAX, u64::MAX));
        assert_eq!(last.iter().take(2).collect::<Vec<_>>(), vec![u64::MAX - 1]);
        assert_eq!(last.len(), 1);
    }
}
