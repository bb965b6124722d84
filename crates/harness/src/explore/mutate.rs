//! Mutations of a fault plan, only within what the scenario file declares.
//!
//! The pool of faults a file can produce is read off the plans it derives for many
//! seeds: every (kind, target) pair those plans hold, and which message fates its
//! rates allow. A mutation mostly stays near what the parent did, because a parent is
//! picked for a rare point it reached and the situation next to it is the likeliest
//! way on: it shifts a fault's time (mostly by a little), adds a fault next to one
//! already there (often the same fault again, a burst), changes a fault's target,
//! drops one, splices in another corpus entry's faults over a stretch of time, flips
//! one message's fate, or, rarely, draws a new run seed (a new workload and new
//! message draws under the same faults).

use std::collections::BTreeMap;
use std::time::Duration;

use otpsim_runtime::rng::Stream;
use rand::Rng;

use crate::plan::{FaultPlan, PlannedFault};
use crate::scenario::{Dur, Fate, FaultKind, MessageFate};
use crate::suite::BoundScenario;

/// Seeds whose derived plans make up the pool.
const POOL_SEEDS: u64 = 64;
/// How many powers of ten below `until` a shift reaches: 30 s of faults are shifted by
/// anything from 10 ms to 30 s.
const DECADES: f64 = 3.5;

/// One candidate run: a seed (workload, message fates) and an explicit fault plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    /// The run's seed.
    pub seed: u64,
    /// The faults it runs under, as an explicit list.
    pub plan: FaultPlan,
}

/// The faults a scenario file can produce: targets by kind, the message fates its
/// rates allow, and when faults stop.
#[derive(Clone, Debug, Default)]
pub struct Pool {
    targets: BTreeMap<FaultKind, Vec<String>>,
    fates: Vec<Fate>,
    until: Duration,
}

/// What a mutation may draw on besides its parent.
pub struct Context<'a> {
    /// What the file allows.
    pub pool: &'a Pool,
    /// Messages the parent's run sent (forced fates are drawn among them).
    pub messages: u64,
    /// Another corpus entry to splice from, if there is one.
    pub donor: Option<&'a Candidate>,
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
            let declared = [
                ("message_loss", [Fate::Drop, Fate::Deliver]),
                ("message_duplication", [Fate::Duplicate, Fate::Deliver]),
            ];
            for (_, fates) in declared.into_iter().filter(|(kind, _)| plan.kinds.contains(kind)) {
                for fate in fates {
                    if !pool.fates.contains(&fate) {
                        pool.fates.push(fate);
                    }
                }
            }
        }
        pool.fates.sort();
        pool
    }

    /// True if the file declares no fault a mutation could change.
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty() && self.fates.is_empty()
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

    /// A shift of a size drawn log-uniformly from `until` / 10^[`DECADES`] to `until`:
    /// every scale is as likely, from a nudge to a jump.
    fn shift(&self, rng: &mut Stream) -> Duration {
        let exponent: f64 = rng.gen_range(0.0..DECADES);
        self.until.mul_f64(10f64.powf(-exponent))
    }

    /// `time` moved by a drawn shift either way, kept inside the fault window.
    fn nudge(&self, time: Duration, rng: &mut Stream) -> Duration {
        let shift = self.shift(rng);
        let moved = if rng.gen_bool(0.5) { time.saturating_sub(shift) } else { time + shift };
        moved.clamp(Duration::from_millis(1), self.until.saturating_sub(Duration::from_millis(1)))
    }
}

/// A mutated copy of `parent`: one to three mutations.
pub fn mutate(parent: &Candidate, context: &Context<'_>, rng: &mut Stream) -> Candidate {
    let mut child = parent.clone();
    for _ in 0..rng.gen_range(1..=3) {
        mutate_once(&mut child, context, rng);
    }
    child.plan.events.sort_by_key(|e| e.time);
    child.plan.message_fates.sort();
    child
}

fn mutate_once(child: &mut Candidate, context: &Context<'_>, rng: &mut Stream) {
    let pool = context.pool;
    let events = &mut child.plan.events;
    let roll: f64 = rng.gen();
    if roll < 0.3 && !events.is_empty() {
        let i = rng.gen_range(0..events.len());
        events[i].time = Dur(pool.nudge(events[i].time.0, rng));
    } else if roll < 0.55 {
        add(events, pool, rng);
    } else if roll < 0.65 && !events.is_empty() {
        let i = rng.gen_range(0..events.len());
        if let Some(targets) = pool.targets.get(&events[i].kind) {
            events[i].target = targets[rng.gen_range(0..targets.len())].clone();
        }
    } else if roll < 0.75 && !events.is_empty() {
        events.remove(rng.gen_range(0..events.len()));
    } else if let Some(donor) = context.donor.filter(|_| roll < 0.85) {
        splice(events, &donor.plan.events, pool, rng);
    } else if roll < 0.95 && !pool.fates.is_empty() {
        flip_fate(&mut child.plan.message_fates, context, rng);
    } else {
        child.seed = rng.gen();
    }
}

/// Adds a fault: mostly next to one already there (the same fault again, or another
/// from the pool), otherwise anywhere.
fn add(events: &mut Vec<PlannedFault>, pool: &Pool, rng: &mut Stream) {
    if events.is_empty() || rng.gen_bool(0.3) {
        events.extend(pool.random_fault(rng));
        return;
    }
    let near = events[rng.gen_range(0..events.len())].clone();
    let fault = if rng.gen_bool(0.5) { Some(near.clone()) } else { pool.random_fault(rng) };
    if let Some(mut fault) = fault {
        fault.time = Dur(pool.nudge(near.time.0, rng));
        fault.skipped = None;
        events.push(fault);
    }
}

/// Replaces the parent's faults in a random stretch of time with the donor's.
fn splice(events: &mut Vec<PlannedFault>, donor: &[PlannedFault], pool: &Pool, rng: &mut Stream) {
    let (a, b) = (pool.random_time(rng), pool.random_time(rng));
    let (from, to) = (a.min(b), a.max(b));
    let inside = |e: &PlannedFault| e.time.0 >= from && e.time.0 < to;
    events.retain(|e| !inside(e));
    events.extend(donor.iter().filter(|e| inside(e)).cloned());
}

/// Forces a fate on one message the parent's run sent (next to one already forced,
/// half the time), or takes a forced fate back.
fn flip_fate(fates: &mut Vec<MessageFate>, context: &Context<'_>, rng: &mut Stream) {
    if !fates.is_empty() && rng.gen_bool(0.2) {
        fates.remove(rng.gen_range(0..fates.len()));
        return;
    }
    let message = if !fates.is_empty() && rng.gen_bool(0.5) {
        let near = fates[rng.gen_range(0..fates.len())].message;
        near.saturating_add_signed(rng.gen_range(-16..=16)).max(1)
    } else {
        rng.gen_range(1..=context.messages.max(1))
    };
    let fate = context.pool.fates[rng.gen_range(0..context.pool.fates.len())];
    fates.retain(|f| f.message != message);
    fates.push(MessageFate { message, fate });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool() -> Pool {
        let mut targets = BTreeMap::new();
        targets.insert(FaultKind::Crash, vec!["workflow".to_owned(), "task_agent".to_owned()]);
        Pool { targets, fates: vec![Fate::Drop, Fate::Deliver], until: Duration::from_secs(10) }
    }

    fn parent() -> Candidate {
        let plan = FaultPlan {
            seed: 1,
            kinds: vec!["process_crash", "message_loss"],
            message_loss: 0.01,
            message_duplication: 0.0,
            message_delay: None,
            until: Dur(Duration::from_secs(10)),
            events: vec![PlannedFault {
                time: Dur(Duration::from_secs(2)),
                kind: FaultKind::Crash,
                target: "workflow".into(),
                skipped: None,
            }],
            message_fates: Vec::new(),
            drawn: BTreeMap::new(),
        };
        Candidate { seed: 1, plan }
    }

    #[test]
    fn mutants_stay_within_the_declared_kinds_targets_fates_and_time() {
        let pool = pool();
        let donor = parent();
        let context = Context { pool: &pool, messages: 300, donor: Some(&donor) };
        let mut rng = otpsim_runtime::rng::stream(3, "explore");
        let (mut changed, mut flipped) = (0, 0);
        for _ in 0..300 {
            let child = mutate(&parent(), &context, &mut rng);
            changed += usize::from(child != parent());
            flipped += usize::from(!child.plan.message_fates.is_empty());
            for e in &child.plan.events {
                assert_eq!(e.kind, FaultKind::Crash);
                assert!(e.target == "workflow" || e.target == "task_agent");
                assert!(e.time.0 > Duration::ZERO && e.time.0 < Duration::from_secs(10));
            }
            assert!(child.plan.events.windows(2).all(|w| w[0].time <= w[1].time));
            for f in &child.plan.message_fates {
                assert!(f.fate != Fate::Duplicate, "duplication is not declared: {f:?}");
                assert!((1..=300).contains(&f.message));
            }
        }
        assert!(changed > 250, "mutations change the plan: {changed}");
        assert!(flipped > 10, "message fates are flipped: {flipped}");
    }

    #[test]
    fn a_file_without_message_faults_has_no_fate_to_flip() {
        let pool = Pool { fates: Vec::new(), ..pool() };
        let context = Context { pool: &pool, messages: 300, donor: None };
        let mut rng = otpsim_runtime::rng::stream(4, "explore");
        assert!((0..200).all(|_| mutate(&parent(), &context, &mut rng).plan.message_fates.is_empty()));
    }

    #[test]
    fn the_same_stream_mutates_the_same_way() {
        let pool = pool();
        let context = Context { pool: &pool, messages: 100, donor: None };
        let run = || -> Vec<Candidate> {
            (0..20)
                .scan(otpsim_runtime::rng::stream(9, "explore"), |r, _| Some(mutate(&parent(), &context, r)))
                .collect()
        };
        assert_eq!(run(), run());
    }
}
