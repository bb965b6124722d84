//! The coordination manager's flaws: each runs a small fixed schedule with the flaw on
//! and off, and the damage shows only with it on.

mod manager_support;

use manager_support::*;
use otpsim_foundation::protocol::RouteOutcome;
use otpsim_foundation::{Config, Flaw};
use otpsim_runtime::{CallError, Pid};

fn with_flaw(mut config: Config, flaw: Flaw, on: bool) -> Config {
    if on {
        config.flaws.insert(flaw);
    }
    config
}

/// Runs `schedule` once with `flaw` off and once with it on; returns (off, on).
fn off_and_on<T: Default + Send + 'static, Fut>(seed: u64, schedule: impl Fn(bool) -> Fut) -> (T, T)
where
    Fut: std::future::Future<Output = T>,
{
    let mut seen = [T::default(), T::default()];
    for (i, on) in [false, true].into_iter().enumerate() {
        sim(seed, || async { seen[i] = schedule(on).await });
    }
    let [off, on] = seen;
    (off, on)
}

type Outcome = Option<Result<RouteOutcome, CallError>>;
type Notices = Vec<(u64, RouteOutcome)>;

#[test]
fn raw_send_claims_delivery_of_a_request_to_a_dead_agent() {
    let (off, on): ((Outcome, Vec<u64>), _) = off_and_on(21, |on| async move {
        let rig = Rig::start(with_flaw(Config::default(), Flaw::RawSend, on)).await;
        let agent = rig.agent(&[]);
        rig.cluster.kill(agent.pid);
        rig.route(agent.pid, 1, ms(200));
        wait_ms(50).await;
        let seen = (rig.outcome(1), agent.log().executed);
        rig.cluster.halt().await;
        seen
    });
    assert_eq!(off, (Some(Ok(RouteOutcome::Failed("server exited: noproc".into()))), vec![]));
    assert_eq!(on, (Some(Ok(RouteOutcome::Delivered)), vec![]), "told delivered, never executed");
}

#[test]
fn ack_without_delivery_takes_a_rejection_for_a_delivery() {
    let (off, on): ((Outcome, Vec<u64>), _) = off_and_on(22, |on| async move {
        let rig = Rig::start(with_flaw(Config::default(), Flaw::AckWithoutDelivery, on)).await;
        let agent = rig.agent(&[Step::Reject]);
        rig.route(agent.pid, 1, ms(200));
        wait_ms(50).await;
        let seen = (rig.outcome(1), agent.log().executed);
        rig.cluster.halt().await;
        seen
    });
    assert_eq!(off, (Some(Ok(RouteOutcome::Failed("rejected: test says no".into()))), vec![]));
    assert_eq!(on, (Some(Ok(RouteOutcome::Delivered)), vec![]), "told delivered, never executed");
}

#[test]
fn duplicate_delivery_makes_a_busy_agent_execute_a_request_twice() {
    let (off, on): ((Outcome, Vec<u64>), _) = off_and_on(23, |on| async move {
        let rig = Rig::start(with_flaw(Config::default(), Flaw::DuplicateDelivery, on)).await;
        let agent = rig.agent(&[Step::Stall(ms(2000))]);
        rig.route(agent.pid, 1, ms(500));
        wait_ms(2500).await;
        let seen = (rig.outcome(1), agent.log().executed);
        rig.cluster.halt().await;
        seen
    });
    let timed_out = Some(Ok(RouteOutcome::Failed("call timed out".into())));
    assert_eq!(off, (timed_out.clone(), vec![1]));
    assert_eq!(on, (timed_out, vec![1, 1]), "the raw resend runs the task a second time");
}

#[test]
fn leaky_monitor_leaves_idle_live_agents_monitored() {
    // (monitors the runtime holds for the manager, monitors the manager knows of)
    let (off, on): ((usize, usize), _) = off_and_on(24, |on| async move {
        let rig = Rig::start(with_flaw(small_config(3, 10, 60_000), Flaw::LeakyMonitor, on)).await;
        let script = [Step::Reject, Step::Accept, Step::Reject, Step::Accept, Step::Reject, Step::Accept];
        let agent = rig.agent(&script);
        for id in 1..=6 {
            rig.route(agent.pid, id, ms(200));
            wait_ms(20).await;
        }
        assert!(rig.runtime_monitors().iter().all(|m| m.target == agent.pid));
        let seen = (rig.runtime_monitors().len(), rig.stats().await.unwrap().monitors.len());
        rig.cluster.halt().await;
        seen
    });
    assert_eq!(off, (0, 0));
    assert_eq!(on, (3, 0), "one leaked monitor per failure-and-recovery cycle");
}

#[test]
fn breaker_table_growth_keeps_a_dead_agents_entry_and_arms_a_timer_per_failure() {
    // (dead receivers still in the table, manager timers pending)
    let (off, on): ((Vec<Pid>, usize), _) = off_and_on(25, |on| async move {
        let rig = Rig::start(with_flaw(small_config(1, 10, 60_000), Flaw::BreakerTableGrowth, on)).await;
        let agent = rig.agent(&[Step::SlowReject(ms(100)); 3]);
        for id in 1..=3 {
            rig.route(agent.pid, id, ms(1000));
            wait_ms(1).await;
        }
        wait_ms(400).await;
        rig.cluster.kill(agent.pid);
        wait_ms(20).await;
        let kept = rig.stats().await.unwrap().receivers.into_keys().collect();
        let seen = (kept, rig.runtime_timers().len());
        rig.cluster.halt().await;
        seen
    });
    assert_eq!(off, (vec![], 0));
    assert_eq!(on.1, 3, "three failures, three reset timers");
    assert_eq!(on.0.len(), 1, "the dead agent's entry stays");
}

#[test]
fn lifo_drain_replays_the_newest_request_first() {
    let (off, on): (Vec<u64>, _) = off_and_on(26, |on| async move {
        let rig = Rig::start(with_flaw(small_config(1, 10, 1000), Flaw::LifoDrain, on)).await;
        let agent = rig.agent(&[Step::Reject]);
        rig.route_behind_an_opening(agent.pid, 4).await;
        wait_ms(1100).await;
        let seen = agent.log().executed;
        rig.cluster.halt().await;
        seen
    });
    assert_eq!(off, vec![2, 3, 4]);
    assert_eq!(on, vec![4, 3, 2]);
}

#[test]
fn replay_drops_deletes_a_request_whose_replay_failed() {
    // (executed by the agent, notices received)
    let (off, on): ((Vec<u64>, Notices), _) = off_and_on(27, |on| async move {
        let rig = Rig::start(with_flaw(small_config(1, 10, 1000), Flaw::ReplayDrops, on)).await;
        let agent = rig.agent(&[Step::Reject, Step::Reject]);
        rig.route_behind_an_opening(agent.pid, 3).await;
        wait_ms(2200).await;
        let seen = (agent.log().executed, rig.settled());
        rig.cluster.halt().await;
        seen
    });
    assert_eq!(off, (vec![2, 3], vec![(2, RouteOutcome::Delivered), (3, RouteOutcome::Delivered)]));
    assert_eq!(on, (vec![3], vec![(3, RouteOutcome::Delivered)]), "request 2 vanished without a notice");
}

#[test]
fn buffer_overflow_crash_kills_the_manager_at_the_next_replay_losing_every_buffer() {
    // (manager alive, executed by agent a, executed by agent b)
    let (off, on): ((bool, Vec<u64>, Vec<u64>), _) = off_and_on(28, |on| async move {
        let rig = Rig::start(with_flaw(small_config(1, 2, 1000), Flaw::BufferOverflowCrash, on)).await;
        let (a, b) = (rig.agent(&[Step::Reject]), rig.agent(&[Step::Reject]));
        rig.route_behind_an_opening(a.pid, 4).await;
        wait_ms(300).await;
        rig.route(b.pid, 5, ms(200));
        wait_ms(20).await;
        rig.route(b.pid, 6, ms(200));
        wait_ms(2000).await;
        let seen = (rig.cluster.is_alive(rig.manager), a.log().executed, b.log().executed);
        rig.cluster.halt().await;
        seen
    });
    assert_eq!(off, (true, vec![3, 4], vec![6]));
    assert_eq!(on, (false, vec![3], vec![]), "the crash lost a's malformed entry and b's whole buffer");
}

#[test]
fn magic_thresholds_ignore_the_configured_threshold_and_buffer_size() {
    // (calls that reached the agent, overflows)
    let (off, on): ((Vec<u64>, u64), _) = off_and_on(29, |on| async move {
        let rig = Rig::start(with_flaw(small_config(2, 3, 60_000), Flaw::MagicThresholds, on)).await;
        let agent = rig.agent(&[Step::Reject; 10]);
        for id in 1..=10 {
            rig.route(agent.pid, id, ms(200));
            wait_ms(10).await;
        }
        let seen = (agent.log().calls, rig.stats().await.unwrap().overflow_count);
        rig.cluster.halt().await;
        seen
    });
    assert_eq!(off, (vec![1, 2], 5));
    assert_eq!(on, (vec![1, 2, 3, 4, 5], 0), "opens at 5 and buffers 100 whatever the config says");
}
