//! A process's one wake-up timer, shared by its timed receives.
//!
//! madsim's `Sleep` adds a timer each time it is polled while pending and never takes
//! it back, so a `timeout` around every call leaves a timer behind per call: a million
//! calls with a 5 s timeout hold a million timers, each waking the caller once, late.
//! A process's timed waits share one alarm instead: a wait arms it only when no alarm
//! for the same task is due by the wait's deadline. A wait woken early by an earlier
//! alarm sees its deadline has not come and arms again, so each wait still ends at its
//! deadline exactly.

use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Waker};

use madsim::time::{Instant, Sleep};

/// The pending wake-up of one process, if any.
#[derive(Default)]
pub(crate) struct Alarm {
    /// Boxed: most processes never wait with a timeout.
    armed: Mutex<Option<Box<Armed>>>,
}

struct Armed {
    sleep: Sleep,
    waker: Waker,
}

impl Alarm {
    /// Makes sure the task behind `cx` is woken at `deadline` at the latest; `deadline`
    /// must be later than now.
    pub(crate) fn wake_by(&self, deadline: Instant, cx: &mut Context<'_>) {
        let mut armed = self.armed.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(a) = armed.as_deref() {
            // A due alarm has fired already (madsim fires timers as the clock passes them).
            if a.sleep.deadline() <= deadline && !a.sleep.is_elapsed() && a.waker.will_wake(cx.waker()) {
                return;
            }
        }
        let mut sleep = madsim::time::sleep_until(deadline);
        // `sleep_until` waits at least 1 ms; a wait woken early may have less left.
        Pin::new(&mut sleep).reset(deadline);
        if Pin::new(&mut sleep).poll(cx).is_ready() {
            cx.waker().wake_by_ref();
            return;
        }
        match armed.as_deref_mut() {
            Some(a) => {
                a.sleep = sleep;
                a.waker.clone_from(cx.waker());
            }
            None => *armed = Some(Box::new(Armed { sleep, waker: cx.waker().clone() })),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use crate::{Cluster, SpawnOpts};

    #[test]
    fn a_timed_wait_ends_at_its_deadline_after_an_earlier_alarm_woke_it() {
        let rt = madsim::runtime::Runtime::with_seed_and_config(3, Default::default());
        let waited = rt.block_on(async {
            let cluster = Cluster::new();
            let node = cluster.add_node("n0", |_, _| async {});
            let waited = Arc::new(Mutex::new(None));
            let record = waited.clone();
            let pid = cluster.spawn(node, SpawnOpts::default(), move |ctx| async move {
                // Arms the alarm for 5 ms, then is answered after 1 ms.
                assert!(ctx.recv_timeout(Duration::from_millis(5)).await.is_some());
                let start = ctx.now();
                // Woken by the 5 ms alarm with less than 1 ms of this wait left.
                let nothing = ctx.recv_timeout(Duration::from_micros(4_500)).await;
                *record.lock().unwrap() = Some((nothing.is_none(), ctx.now() - start));
            });
            cluster.spawn(node, SpawnOpts::default(), move |ctx| async move {
                ctx.sleep(Duration::from_millis(1)).await;
                ctx.send(pid, "now");
            });
            madsim::time::sleep(Duration::from_millis(20)).await;
            cluster.halt().await;
            let waited = *waited.lock().unwrap();
            waited
        });
        let (timed_out, waited) = waited.expect("the process finished its waits");
        assert!(timed_out);
        assert!(waited >= Duration::from_micros(4_500) && waited < Duration::from_micros(4_510), "{waited:?}");
    }
}
