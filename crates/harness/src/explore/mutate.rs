//! Mutations of a fault plan, only within what the scenario file declares.
//!
//! The pool of faults a file can produce is read off the plans it derives for many
//! seeds: every (kind, target) pair those plans hold. A mutation shifts a fault's
//! time, changes its target to another the file allows for that kind, adds a fault
//! from the pool, drops one, or draws a new run seed (a new workload and new message
//! fates under the same faults).

use std::collections::BTreeMap;
use std::time::Duration;

use otpsim_runtime::rng::Stream;
use rand::Rng;

use crate::plan::{FaultPlan, PlannedFault};
use crate::scenario::{Dur, FaultKind};
use crate::suite::BoundScenario;

/// Seeds whose derived plans make up the pool.
const POOL_SEEDS: u64 = 64;

/// One candidate run: a seed (workload, message fates) and an explicit fault plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    /// The run's seed.
    pub seed: u64,
    /// The faults it runs under, as an explicit list.
    pub plan: FaultPlan,
}

/// The faults a scenario file can produce: targets by kind, and when faults stop.
#[derive(Clone, Debug, Default)]
pub struct Pool {
    targets: BTreeMap<FaultKind, Vec<String>>,
    until: Duration,
}

impl Pool {
    /// The pool of `scenario`, from the plans of its first seeds.
    pub fn of(scenario: &dyn BoundScenario) -> Pool {
        let mut pool = Pool::default();
        for seed in 0..POOL_SEEDS {
            let plan = scenario.fault_plan(seed);
            pool.until = plan.until.0;
            for event in plan.events.iter().filter(|e| e.time < plan.until) {
                let targets = pool.targets.entry(event.kind).or_default();
                if !targets.contains(&event.target) {
                    targets.push(event.target.clone());
                }
            }
        }
        pool
    }

    /// True if the file declares no timed fault at all.
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    fn random_fault(&self, rng: &mut Stream) -> Option<PlannedFault> {
        let kinds: Vec<&FaultKind> = self.targets.keys().collect();
        let kind = **kinds.get(rng.gen_range(0..kinds.len().max(1)))?;
        let targets = &self.targets[&kind];
        let target = targets[rng.gen_range(0..targets.len())].clone();
        Some(PlannedFault { time: Dur(self.random_time(rng)), kind, target, skipped: None })
    }

    fn random_time(&self, rng: &mut Stream) -> Duration {
        let until_ns = u64::try_from(self.until.as_nanos()).unwrap_or(u64::MAX).max(2);
        Duration::from_nanos(rng.gen_range(1..until_ns))
    }
}

/// A mutated copy of `parent`: one to three mutations.
pub fn mutate(parent: &Candidate, pool: &Pool, rng: &mut Stream) -> Candidate {
    let mut child = parent.clone();
    for _ in 0..rng.gen_range(1..=3) {
        mutate_once(&mut child, pool, rng);
    }
    child.plan.events.sort_by_key(|e| e.time);
    child
}

fn mutate_once(child: &mut Candidate, pool: &Pool, rng: &mut Stream) {
    let events = &mut child.plan.events;
    let until = pool.until;
    match rng.gen_range(0..5) {
        0 if !events.is_empty() => {
            let i = rng.gen_range(0..events.len());
            // Shifts of every scale: a near miss needs a nudge, a far one a jump.
            let scale = until.as_nanos() / [4, 40, 400][rng.gen_range(0..3)];
            let shift = Duration::from_nanos(rng.gen_range(0..u64::try_from(scale).unwrap_or(u64::MAX).max(1)));
            let time =
                if rng.gen_bool(0.5) { events[i].time.0.saturating_sub(shift) } else { events[i].time.0 + shift };
            events[i].time = Dur(time.clamp(Duration::from_millis(1), until.saturating_sub(Duration::from_millis(1))));
        }
        1 if !events.is_empty() => {
            let i = rng.gen_range(0..events.len());
            if let Some(targets) = pool.targets.get(&events[i].kind) {
                events[i].target = targets[rng.gen_range(0..targets.len())].clone();
            }
        }
        2 => {
            if let Some(mut fault) = pool.random_fault(rng) {
                // Half the time near a fault already there: a second try at what it hit.
                if let Some(near) =
                    (!events.is_empty() && rng.gen_bool(0.5)).then(|| events[rng.gen_range(0..events.len())].time.0)
                {
                    let jitter = Duration::from_nanos(
                        rng.gen_range(0..u64::try_from(until.as_nanos() / 40).unwrap_or(1).max(1)),
                    );
                    fault.time = Dur((near + jitter).min(until.saturating_sub(Duration::from_millis(1))));
                }
                events.push(fault);
            }
        }
        3 if !events.is_empty() => {
            let i = rng.gen_range(0..events.len());
            events.remove(i);
        }
        _ => child.seed = rng.gen(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool() -> Pool {
        let mut targets = BTreeMap::new();
        targets.insert(FaultKind::Crash, vec!["workflow".to_owned(), "task_agent".to_owned()]);
        Pool { targets, until: Duration::from_secs(10) }
    }

    fn parent() -> Candidate {
        let plan = FaultPlan {
            seed: 1,
            kinds: vec!["process_crash"],
            message_loss: 0.0,
            message_duplication: 0.0,
            message_delay: None,
            until: Dur(Duration::from_secs(10)),
            events: vec![PlannedFault {
                time: Dur(Duration::from_secs(2)),
                kind: FaultKind::Crash,
                target: "workflow".into(),
                skipped: None,
            }],
            drawn: BTreeMap::new(),
        };
        Candidate { seed: 1, plan }
    }

    #[test]
    fn mutants_stay_within_the_declared_kinds_targets_and_time() {
        let pool = pool();
        let mut rng = otpsim_runtime::rng::stream(3, "explore");
        let mut changed = 0;
        for _ in 0..200 {
            let child = mutate(&parent(), &pool, &mut rng);
            changed += usize::from(child != parent());
            for e in &child.plan.events {
                assert_eq!(e.kind, FaultKind::Crash);
                assert!(e.target == "workflow" || e.target == "task_agent");
                assert!(e.time.0 > Duration::ZERO && e.time.0 < Duration::from_secs(10));
            }
            assert!(child.plan.events.windows(2).all(|w| w[0].time <= w[1].time));
        }
        assert!(changed > 150, "mutations change the plan: {changed}");
    }

    #[test]
    fn the_same_stream_mutates_the_same_way() {
        let pool = pool();
        let a: Vec<Candidate> =
            (0..20).scan(otpsim_runtime::rng::stream(9, "explore"), |r, _| Some(mutate(&parent(), &pool, r))).collect();
        let b: Vec<Candidate> =
            (0..20).scan(otpsim_runtime::rng::stream(9, "explore"), |r, _| Some(mutate(&parent(), &pool, r))).collect();
        assert_eq!(a, b);
    }
}
