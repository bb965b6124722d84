//! Coverage points: named situations a run has reached, counted per run.
//!
//! A system marks a rare situation with [`reached!`](crate::reached)`("area.situation")`
//! where it happens (a breaker opening, a call timing out while its request is still
//! queued). The harness resets the counts before each seed and takes them after it, so
//! a run can say what it exercised, a scenario can require points, and exploration can
//! steer toward the points that are rare.
//!
//! The counts live in a thread-local map keyed by `&'static str`: a seed runs on one
//! thread from start to end, so the map is that seed's alone, and marking a point costs a
//! map lookup, never a formatted string. The same code runs outside a simulation, where
//! nobody takes the counts: marking a point stays cheap and changes nothing.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};

/// Every point the runtime itself marks (a test keeps this list in step with the code).
pub const POINTS: &[&str] = &[
    "call.timeout_while_queued",
    "call.timeout_with_reply_in_flight",
    "message.delayed",
    "message.dropped",
    "message.duplicated",
    "supervisor.intensity_exceeded",
];

/// Points reached and how often, by name.
pub type Counts = BTreeMap<Cow<'static, str>, u64>;

/// Whether points are counted at all: on unless a benchmark measures what counting costs.
static COUNTING: AtomicBool = AtomicBool::new(true);

/// Switches counting on or off for the whole process (a benchmark's comparison).
pub fn set_counting(on: bool) {
    COUNTING.store(on, Ordering::Relaxed);
}

thread_local! {
    static COUNTS: RefCell<Counts> = const { RefCell::new(BTreeMap::new()) };
}

/// Marks `point` as reached once more. Use the [`reached!`](crate::reached) macro.
pub fn hit(point: &'static str) {
    if !COUNTING.load(Ordering::Relaxed) {
        return;
    }
    COUNTS.with(|counts| {
        let mut counts = counts.borrow_mut();
        match counts.get_mut(point) {
            Some(n) => *n += 1,
            None => {
                counts.insert(Cow::Borrowed(point), 1);
            }
        }
    });
}

/// Marks a point whose name is built at run time (a fault's kind and target): for
/// code off the hot path only.
pub fn hit_named(point: String) {
    if !COUNTING.load(Ordering::Relaxed) {
        return;
    }
    COUNTS.with(|counts| *counts.borrow_mut().entry(Cow::Owned(point)).or_default() += 1);
}

/// Forgets every count on this thread: the start of a seed.
pub fn reset() {
    COUNTS.with(|counts| counts.borrow_mut().clear());
}

/// The counts on this thread so far, leaving none behind: the end of a seed.
pub fn take() -> Counts {
    COUNTS.with(|counts| std::mem::take(&mut *counts.borrow_mut()))
}

/// Marks a named coverage point as reached: `reached!("breaker.opened")`.
///
/// Names are `area.situation`, lower case; the harness reports each point with the
/// seeds that reached it and its total hits.
#[macro_export]
macro_rules! reached {
    ($point:literal) => {
        $crate::coverage::hit($point)
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_are_counted_until_taken_and_reset_clears_them() {
        reset();
        crate::reached!("test.one");
        crate::reached!("test.one");
        hit_named(format!("test.{}", "two"));
        let counts = take();
        assert_eq!(counts.get("test.one"), Some(&2));
        assert_eq!(counts.get("test.two"), Some(&1));
        assert!(take().is_empty(), "take leaves nothing behind");
        crate::reached!("test.one");
        reset();
        assert!(take().is_empty());
        // Switched off (a benchmark measuring what counting costs), nothing counts.
        // The switch is global: the other tests of this binary read no counts.
        set_counting(false);
        crate::reached!("test.one");
        hit_named("test.two".to_owned());
        let while_off = take();
        set_counting(true);
        assert!(while_off.is_empty(), "{while_off:?}");
        crate::reached!("test.one");
        assert_eq!(take().get("test.one"), Some(&1));
    }

    #[test]
    fn the_list_names_exactly_the_points_the_runtime_marks() {
        let found = crate::testing::marked_points(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
        let listed: std::collections::BTreeSet<String> = POINTS.iter().map(|p| p.to_string()).collect();
        assert_eq!(found, listed);
    }
}
