//! The coordination manager, correct: routing, breakers, bounded buffers, FIFO replay,
//! and monitors held exactly for the receivers it holds state for.

mod manager_support;

use manager_support::*;
use otpsim_foundation::events::TARGET;
use otpsim_foundation::manager::{self, BreakerState};
use otpsim_foundation::protocol::RouteOutcome;
use otpsim_foundation::Config;
use otpsim_runtime::supervisor::{self, SupervisorSpec};
use otpsim_runtime::testing::Recorder;
use otpsim_runtime::CallError;

const REJECTED: &str = "rejected: test says no";

fn failed(why: &str) -> Option<Result<RouteOutcome, CallError>> {
    Some(Ok(RouteOutcome::Failed(why.into())))
}

fn answered(outcome: RouteOutcome) -> Option<Result<RouteOutcome, CallError>> {
    Some(Ok(outcome))
}

#[test]
fn a_route_to_an_accepting_agent_is_delivered_and_leaves_no_state() {
    sim(1, || async {
        let rig = Rig::start(Config::default()).await;
        let agent = rig.agent(&[]);
        rig.route(agent.pid, 1, ms(200));
        wait_ms(50).await;
        assert_eq!(rig.outcome(1), answered(RouteOutcome::Delivered));
        assert_eq!(agent.log().executed, vec![1]);
        let stats = rig.stats().await.unwrap();
        assert!(stats.receivers.is_empty() && stats.monitors.is_empty(), "{stats:?}");
        assert!(rig.runtime_monitors().is_empty());
        rig.cluster.halt().await;
    });
}

#[test]
fn the_breaker_opens_after_the_configured_number_of_consecutive_failures() {
    sim(2, || async {
        let rig = Rig::start(small_config(3, 10, 60_000)).await;
        let agent = rig.agent(&[Step::Reject; 10]);
        for id in 1..=3u64 {
            rig.route(agent.pid, id, ms(200));
            wait_ms(20).await;
            assert_eq!(rig.outcome(id), failed(REJECTED));
            let receiver = rig.stats().await.unwrap().receivers[&agent.pid].clone();
            assert_eq!(receiver.failures, id as u32);
            let expected = if id < 3 { BreakerState::Closed } else { BreakerState::Open };
            assert_eq!(receiver.breaker, expected, "after {id} failures");
        }
        rig.route(agent.pid, 4, ms(200));
        wait_ms(20).await;
        assert_eq!(rig.outcome(4), answered(RouteOutcome::Buffered));
        assert_eq!(agent.log().calls, vec![1, 2, 3], "an open breaker keeps requests from the agent");
        rig.cluster.halt().await;
    });
}

#[test]
fn a_full_buffer_drops_its_oldest_request_counts_it_and_reports_it() {
    let recorder = Recorder::of_target(TARGET);
    let _guard = recorder.install();
    sim(3, || async move {
        let rig = Rig::start(small_config(1, 2, 60_000)).await;
        let agent = rig.agent(&[Step::Reject]);
        rig.route(agent.pid, 1, ms(200));
        wait_ms(20).await;
        for id in 2..=4 {
            rig.route(agent.pid, id, ms(200));
            wait_ms(5).await;
            assert_eq!(rig.outcome(id), answered(RouteOutcome::Buffered));
        }
        let stats = rig.stats().await.unwrap();
        assert_eq!((stats.receivers[&agent.pid].buffer_len, stats.overflow_count), (2, 1));
        assert_eq!(rig.settled(), vec![(2, RouteOutcome::Failed("buffer overflow".into()))]);
        let overflows = recorder.named("buffer_overflow");
        assert_eq!(overflows.len(), 1);
        assert_eq!(overflows[0].get("dropped"), "2");
        assert_eq!(overflows[0].get("max"), "2");
        assert_eq!(overflows[0].get("receiver"), agent.pid.to_string());
        let buffered: Vec<String> = recorder.named("buffered").iter().map(|e| e.get("msg").to_owned()).collect();
        assert_eq!(buffered, ["2", "3", "4"]);
        rig.cluster.halt().await;
    });
}

#[test]
fn a_reset_replays_the_buffer_oldest_first_then_routes_directly() {
    sim(4, || async {
        let rig = Rig::start(small_config(1, 10, 1000)).await;
        let agent = rig.agent(&[Step::Reject]);
        rig.route_behind_an_opening(agent.pid, 5).await;
        assert!(agent.log().executed.is_empty());
        wait_ms(1100).await;
        assert_eq!(agent.log().executed, vec![2, 3, 4, 5]);
        let delivered: Vec<(u64, RouteOutcome)> = (2..=5).map(|id| (id, RouteOutcome::Delivered)).collect();
        assert_eq!(rig.settled(), delivered);
        let stats = rig.stats().await.unwrap();
        assert!(stats.receivers.is_empty(), "{stats:?}");
        assert!(rig.runtime_monitors().is_empty() && rig.runtime_timers().is_empty());
        rig.route(agent.pid, 6, ms(200));
        wait_ms(20).await;
        assert_eq!(rig.outcome(6), answered(RouteOutcome::Delivered));
        rig.cluster.halt().await;
    });
}

#[test]
fn a_request_that_fails_to_replay_stays_in_its_place_and_the_breaker_reopens() {
    let recorder = Recorder::of_target(TARGET);
    let _guard = recorder.install();
    sim(5, || async move {
        let rig = Rig::start(small_config(1, 10, 1000)).await;
        let agent = rig.agent(&[Step::Reject, Step::Accept, Step::Reject]);
        rig.route_behind_an_opening(agent.pid, 4).await;
        wait_ms(1100).await;
        assert_eq!(agent.log().executed, vec![2]);
        let receiver = rig.stats().await.unwrap().receivers[&agent.pid].clone();
        assert_eq!((receiver.breaker, receiver.buffer_len), (BreakerState::Open, 2));
        let failed = recorder.named("replay_failed");
        assert_eq!((failed.len(), failed[0].get("msg"), failed[0].get("kept")), (1, "3", "true"));
        wait_ms(1000).await;
        assert_eq!(agent.log().calls, vec![1, 2, 3, 3, 4]);
        assert_eq!(agent.log().executed, vec![2, 3, 4]);
        assert!(rig.stats().await.unwrap().receivers.is_empty());
        rig.cluster.halt().await;
    });
}

#[test]
fn a_receivers_down_drops_its_state_its_monitor_and_its_timer_and_settles_its_buffer() {
    let recorder = Recorder::of_target(TARGET);
    let _guard = recorder.install();
    sim(6, || async move {
        let rig = Rig::start(small_config(1, 10, 60_000)).await;
        let agent = rig.agent(&[Step::Reject]);
        rig.route(agent.pid, 1, ms(200));
        wait_ms(20).await;
        rig.route(agent.pid, 2, ms(200));
        wait_ms(5).await;
        rig.route(agent.pid, 3, ms(200));
        wait_ms(20).await;
        let stats = rig.stats().await.unwrap();
        let monitor = stats.receivers[&agent.pid].monitor.expect("a receiver with state is monitored");
        assert_eq!(
            rig.runtime_monitors().iter().map(|m| (m.monitor, m.target)).collect::<Vec<_>>(),
            [(monitor, agent.pid)]
        );
        assert_eq!(rig.runtime_timers().len(), 1);
        rig.cluster.kill(agent.pid);
        wait_ms(20).await;
        let stats = rig.stats().await.unwrap();
        assert!(stats.receivers.is_empty() && stats.monitors.is_empty(), "{stats:?}");
        assert!(rig.runtime_monitors().is_empty() && rig.runtime_timers().is_empty());
        let down = RouteOutcome::Failed("receiver down: killed".into());
        assert_eq!(rig.settled(), vec![(2, down.clone()), (3, down)]);
        let peer = agent.pid.to_string();
        assert_eq!(recorder.named("peer_tracked").iter().filter(|e| e.get("peer") == peer).count(), 1);
        assert_eq!(recorder.named("peer_dropped").iter().filter(|e| e.get("peer") == peer).count(), 1);
        rig.cluster.halt().await;
    });
}

#[test]
fn an_idle_live_receiver_is_not_monitored() {
    let recorder = Recorder::of_target(TARGET);
    let _guard = recorder.install();
    sim(7, || async move {
        let rig = Rig::start(small_config(3, 10, 60_000)).await;
        let agent = rig.agent(&[Step::Reject]);
        rig.route(agent.pid, 1, ms(200));
        wait_ms(20).await;
        assert_eq!(rig.runtime_monitors().len(), 1, "one failure is state: the receiver is monitored");
        rig.route(agent.pid, 2, ms(200));
        wait_ms(20).await;
        assert_eq!(rig.outcome(2), answered(RouteOutcome::Delivered));
        assert!(rig.runtime_monitors().is_empty(), "a success leaves nothing to remember");
        assert!(rig.stats().await.unwrap().receivers.is_empty());
        let peer = agent.pid.to_string();
        assert_eq!(recorder.named("peer_tracked")[0].get("peer"), peer);
        assert_eq!(recorder.named("peer_dropped")[0].get("peer"), peer);
        rig.cluster.halt().await;
    });
}

#[test]
fn a_non_default_config_sets_threshold_buffer_and_reset_time() {
    let recorder = Recorder::of_target(TARGET);
    let _guard = recorder.install();
    sim(8, || async move {
        let rig = Rig::start(small_config(2, 3, 700)).await;
        let agent = rig.agent(&[Step::Reject, Step::Reject]);
        for id in 1..=2 {
            rig.route(agent.pid, id, ms(200));
            wait_ms(10).await;
        }
        for id in 3..=6 {
            rig.route(agent.pid, id, ms(200));
            wait_ms(10).await;
        }
        let opened = recorder.named("breaker_opened");
        assert_eq!((opened.len(), opened[0].get("failures"), opened[0].get("threshold")), (1, "2", "2"));
        let stats = rig.stats().await.unwrap();
        assert_eq!((stats.receivers[&agent.pid].buffer_len, stats.overflow_count), (3, 1));
        wait_ms(600).await;
        assert!(agent.log().executed.is_empty(), "the breaker resets after 700ms, not before");
        wait_ms(200).await;
        assert_eq!(agent.log().executed, vec![4, 5, 6]);
        rig.cluster.halt().await;
    });
}

#[test]
fn the_manager_keeps_routing_while_a_delivery_is_slow() {
    sim(9, || async {
        let rig = Rig::start(Config::default()).await;
        let slow = rig.agent(&[Step::Stall(ms(5000))]);
        let fast = rig.agent(&[]);
        rig.route(slow.pid, 1, ms(1000));
        wait_ms(10).await;
        rig.route(fast.pid, 2, ms(1000));
        wait_ms(10).await;
        assert_eq!(rig.outcome(2), answered(RouteOutcome::Delivered));
        assert_eq!(rig.outcome(1), None);
        wait_ms(1000).await;
        assert_eq!(rig.outcome(1), failed("call timed out"));
        rig.cluster.halt().await;
    });
}

#[test]
fn an_agent_calling_the_manager_during_its_delivery_does_not_deadlock() {
    sim(10, || async {
        let rig = Rig::start(Config::default()).await;
        let agent = rig.agent(&[Step::AskManager]);
        rig.route(agent.pid, 1, ms(1000));
        wait_ms(50).await;
        assert_eq!(rig.outcome(1), answered(RouteOutcome::Delivered));
        assert_eq!(agent.log().asked_manager, vec![true]);
        rig.cluster.halt().await;
    });
}

#[test]
fn re_driving_a_buffered_request_keeps_one_copy_in_its_place() {
    sim(11, || async {
        let rig = Rig::start(small_config(1, 10, 1000)).await;
        let agent = rig.agent(&[Step::Reject]);
        rig.route(agent.pid, 1, ms(200));
        wait_ms(20).await;
        for id in [2, 3, 2] {
            rig.route(agent.pid, id, ms(200));
            wait_ms(5).await;
        }
        assert_eq!(rig.stats().await.unwrap().receivers[&agent.pid].buffer_len, 2);
        wait_ms(1100).await;
        assert_eq!(agent.log().calls, vec![1, 2, 3]);
        assert_eq!(rig.settled(), vec![(2, RouteOutcome::Delivered), (3, RouteOutcome::Delivered)]);
        rig.cluster.halt().await;
    });
}

#[test]
fn the_child_spec_starts_the_manager_registered_and_labelled_and_restartable() {
    sim(12, || async {
        let cluster = otpsim_runtime::Cluster::new();
        let node = cluster.add_node("n0", |_, _| async {});
        let spec = SupervisorSpec { children: vec![manager::child_spec(&Config::default())], ..Default::default() };
        supervisor::spawn_root(&cluster, node, spec).unwrap();
        wait_ms(10).await;
        let first = cluster.whereis(node, manager::NAME).expect("registered");
        assert_eq!(cluster.tables().process(first).unwrap().label.as_deref(), Some(manager::LABEL));
        cluster.kill(first);
        wait_ms(10).await;
        let second = cluster.whereis(node, manager::NAME).expect("restarted and registered again");
        assert_ne!(first, second);
        cluster.halt().await;
    });
}
