//! Conformance: how supervisors stop children (shutdown modes, order, parent exit)
//! and the calls that stop, restart and delete one.

use std::time::Duration;

use super::*;
use otpsim_runtime::supervisor::{Shutdown, SupervisorError};

#[test]
fn children_shut_down_in_reverse_start_order() {
    sim(10, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let children = vec![worker("a", &seen), worker("b", &seen), worker("c", &seen)];
        // No restarts tolerated: the first crash stops the supervisor and its children.
        let sup = supervisor::spawn_root(&cluster, n, spec(Strategy::OneForOne, intensity(0, 1000), children)).unwrap();
        let (_, watch) = spawn_watcher(&cluster, n, sup);
        settle().await;
        let (a, b, c) = (current(&seen, "a"), current(&seen, "b"), current(&seen, "c"));
        post(&cluster, n, b, Cmd::Crash);
        settle().await;
        assert_eq!(stops(&seen), vec!["c".to_owned(), "a".to_owned()]);
        assert_eq!(down_reasons(&watch), vec![Reason::Shutdown]);
        assert!(![a, b, c, sup].iter().any(|p| cluster.is_alive(*p)));
        assert_eq!(cluster.tables().processes.len(), 1, "only the watcher is left");
    });
}

#[test]
fn a_child_already_dead_when_it_is_shut_down_does_not_disturb_the_shutdown() {
    let (b, recorder) = traced(28, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let children = vec![worker("a", &seen), worker("b", &seen)];
        let sup = supervisor::spawn_root(&cluster, n, spec(Strategy::OneForOne, intensity(0, 1000), children)).unwrap();
        let (_, watch) = spawn_watcher(&cluster, n, sup);
        settle().await;
        let (a, b) = (current(&seen, "a"), current(&seen, "b"));
        // Both die at once: a's exit exceeds the intensity, and b's exit is still
        // queued when the supervisor shuts b down (OTP's monitor_child takes it).
        cluster.kill(a);
        cluster.kill(b);
        settle().await;
        assert_eq!(down_reasons(&watch), vec![Reason::Shutdown]);
        assert_eq!(starts(&seen, "a"), vec![a], "no restart");
        assert_eq!(starts(&seen, "b"), vec![b], "no restart");
        assert_eq!(cluster.tables().processes.len(), 1, "only the watcher is left");
        b
    });
    // b's stop reports how it really ended, read from the EXIT it sent before the
    // unlink, not the `noproc` of a monitor set on a dead process.
    let stops = recorder.named(event::kind::CHILD_STOP);
    let fields: Vec<_> = stops.iter().map(|e| (e.get("pid"), e.get("reason"))).collect();
    let (b, killed) = (b.to_string(), Reason::Killed.to_string());
    assert_eq!(fields, vec![(b.as_str(), killed.as_str())]);
}

/// Terminates child `id` through the supervisor; returns how long the call took.
async fn timed_terminate(cluster: &Cluster, sup: Pid, id: &'static str) -> Duration {
    probe(cluster, sup.node, move |ctx| async move {
        let before = ctx.now();
        supervisor::terminate_child(&ctx, sup, id).await.unwrap();
        ctx.now() - before
    })
    .await
}

#[test]
fn shutdown_timeout_falls_back_to_kill() {
    sim(11, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let children = vec![slow_child("stubborn", &seen, None).shutdown(Shutdown::Timeout(ms(200)))];
        let sup =
            supervisor::spawn_root(&cluster, n, spec(Strategy::OneForOne, Intensity::default(), children)).unwrap();
        settle().await;
        let child = current(&seen, "stubborn");
        let (_, watch) = spawn_watcher(&cluster, n, child);
        settle().await;
        let took = timed_terminate(&cluster, sup, "stubborn").await;
        assert!(took >= ms(200) && took < ms(210), "took {took:?}");
        assert_eq!(stops(&seen), vec!["stubborn".to_owned()], "it got the shutdown signal first");
        assert_eq!(down_reasons(&watch), vec![Reason::Killed]);
    });
}

#[test]
fn infinity_shutdown_waits_for_the_child() {
    sim(12, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let children = vec![slow_child("careful", &seen, Some(3000)).shutdown(Shutdown::Infinity)];
        let sup =
            supervisor::spawn_root(&cluster, n, spec(Strategy::OneForOne, Intensity::default(), children)).unwrap();
        settle().await;
        let child = current(&seen, "careful");
        let (_, watch) = spawn_watcher(&cluster, n, child);
        settle().await;
        let took = timed_terminate(&cluster, sup, "careful").await;
        assert!(took >= ms(3000) && took < ms(3010), "took {took:?}");
        assert_eq!(down_reasons(&watch), vec![Reason::Shutdown]);
    });
}

#[test]
fn brutal_kill_kills_at_once() {
    sim(13, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let children = vec![slow_child("doomed", &seen, Some(3000)).shutdown(Shutdown::BrutalKill)];
        let sup =
            supervisor::spawn_root(&cluster, n, spec(Strategy::OneForOne, Intensity::default(), children)).unwrap();
        settle().await;
        let child = current(&seen, "doomed");
        let (_, watch) = spawn_watcher(&cluster, n, child);
        settle().await;
        let took = timed_terminate(&cluster, sup, "doomed").await;
        assert!(took < ms(5), "took {took:?}");
        assert!(stops(&seen).is_empty(), "it never saw a shutdown signal");
        assert_eq!(down_reasons(&watch), vec![Reason::Killed]);
    });
}

#[test]
fn terminated_child_keeps_its_spec_until_deleted() {
    sim(18, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let children = vec![worker("a", &seen), worker("tmp", &seen).restart(Restart::Temporary)];
        let sup =
            supervisor::spawn_root(&cluster, n, spec(Strategy::OneForOne, Intensity::default(), children)).unwrap();
        settle().await;
        let answers = probe(&cluster, n, move |ctx| async move {
            let running = (
                supervisor::restart_child(&ctx, sup, "a").await.err(),
                supervisor::delete_child(&ctx, sup, "a").await.err(),
            );
            supervisor::terminate_child(&ctx, sup, "a").await.unwrap();
            supervisor::terminate_child(&ctx, sup, "tmp").await.unwrap();
            let stopped = supervisor::which_children(&ctx, sup).await.unwrap();
            let restarted = supervisor::restart_child(&ctx, sup, "a").await;
            ctx.sleep(ms(10)).await; // let it run before it is stopped again
            supervisor::terminate_child(&ctx, sup, "a").await.unwrap();
            let deleted = supervisor::delete_child(&ctx, sup, "a").await;
            let gone = (
                supervisor::restart_child(&ctx, sup, "a").await.err(),
                supervisor::terminate_child(&ctx, sup, "tmp").await.err(),
            );
            let last = supervisor::which_children(&ctx, sup).await.unwrap();
            (running, stopped, restarted, deleted, gone, last)
        })
        .await;
        let (running, stopped, restarted, deleted, gone, last) = answers;
        let a = SupervisorError::Running("a".into());
        assert_eq!(running, (Some(a.clone()), Some(a)));
        let only_a = vec![ChildInfo { id: "a".into(), status: ChildStatus::Undefined, kind: ChildKind::Worker }];
        assert_eq!(stopped, only_a, "a's spec is kept, the temporary one's is not");
        assert_eq!(restarted, Ok(Some(current(&seen, "a"))));
        assert_eq!(starts(&seen, "a").len(), 2);
        assert_eq!(deleted, Ok(()));
        let not_found = |id: &str| Some(SupervisorError::NotFound(id.into()));
        assert_eq!(gone, (not_found("a"), not_found("tmp")));
        assert!(last.is_empty());
    });
}

#[test]
fn parent_exit_shuts_down_children() {
    sim(19, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let children = vec![worker("a", &seen), worker("b", &seen)];
        let sup_spec = spec(Strategy::OneForOne, Intensity::default(), children);
        let sups = Log::new();
        let found = sups.clone();
        let parent = cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            found.push(supervisor::start_link(&ctx, n, sup_spec).await.unwrap());
            ctx.recv().await;
            Reason::error("parent gone")
        });
        settle().await;
        let sup = sups.items()[0];
        let (_, watch) = spawn_watcher(&cluster, n, sup);
        settle().await; // the watcher monitors first
        let (a, b) = (current(&seen, "a"), current(&seen, "b"));
        post(&cluster, n, parent, "go");
        settle().await;
        assert_eq!(down_reasons(&watch), vec![Reason::error("parent gone")], "it exits with its parent's reason");
        assert_eq!(stops(&seen), vec!["b".to_owned(), "a".to_owned()]);
        assert!(!cluster.is_alive(a) && !cluster.is_alive(b));
    });
}

#[test]
fn each_child_a_supervisor_stops_is_traced_with_the_reason_it_ended() {
    // One obeys its shutdown; the other ignores it and is killed when the timeout passes.
    let ((obeys, ignores), recorder) = traced(21, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let deaf = slow_child("ignores", &seen, None).shutdown(Shutdown::Timeout(ms(50)));
        let children = vec![worker("obeys", &seen), deaf];
        let sup =
            supervisor::spawn_root(&cluster, n, spec(Strategy::OneForOne, Intensity::default(), children)).unwrap();
        settle().await;
        let pids = (current(&seen, "obeys"), current(&seen, "ignores"));
        timed_terminate(&cluster, sup, "obeys").await;
        timed_terminate(&cluster, sup, "ignores").await;
        pids
    });
    let stops = recorder.named(event::kind::CHILD_STOP);
    let fields: Vec<_> = stops.iter().map(|e| (e.get("child"), e.get("pid"), e.get("reason"))).collect();
    let (obeys, ignores) = (obeys.to_string(), ignores.to_string());
    let (shutdown, killed) = (Reason::Shutdown.to_string(), Reason::Killed.to_string());
    assert_eq!(
        fields,
        vec![("obeys", obeys.as_str(), shutdown.as_str()), ("ignores", ignores.as_str(), killed.as_str())]
    );
}
