//! Conformance: supervisors (OTP 25 `supervisor`, Elixir's `DynamicSupervisor`).
//!
//! Workers here trap exits and log every start and every ordered stop, so a test can
//! read which children ran, with which pids, and in what order they were stopped.
//! This file holds the shared workers and the restart rules; the submodules hold
//! starting, stopping, retries of failed restarts, and the dynamic supervisor.

mod dynamic;
mod retries;
mod shutdown;
mod start;

use std::future::Future;

use crate::common::*;
use otpsim_runtime::supervisor::{
    self, ChildInfo, ChildKind, ChildSpec, ChildStatus, Intensity, Restart, Strategy, SupervisorSpec,
};

/// What a test worker saw happen to itself.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Seen {
    Start(String, Pid),
    Stop(String, Pid),
}

/// Orders to a test worker.
#[derive(Clone, Debug)]
enum Cmd {
    Crash,
    Panic,
    ExitNormally,
}

/// A worker: logs its start, then crashes, panics or exits normally when told; a
/// `shutdown` exit signal is logged as a stop and obeyed.
async fn work(ctx: Ctx, id: String, seen: Log<Seen>) -> Reason {
    ctx.trap_exit(true);
    seen.push(Seen::Start(id.clone(), ctx.pid()));
    loop {
        match ctx.recv().await {
            Message::Exit { reason: Reason::Shutdown, .. } => {
                seen.push(Seen::Stop(id, ctx.pid()));
                return Reason::Shutdown;
            }
            Message::Exit { reason, .. } => return reason,
            msg => match msg.info::<Cmd>() {
                Some(Cmd::Crash) => return Reason::error("crash"),
                Some(Cmd::Panic) => panic!("defect in {id}"),
                Some(Cmd::ExitNormally) => return Reason::Normal,
                None => {}
            },
        }
    }
}

/// A [`work`] child, trapping exits from its spawn on, so a stop is always logged.
fn worker(id: &str, seen: &Log<Seen>) -> ChildSpec {
    let (name, seen) = (id.to_owned(), seen.clone());
    ChildSpec::new(id, move |ctx: &Ctx| {
        let (id, seen) = (name.clone(), seen.clone());
        let pid = ctx.spawn_opts(ctx.node(), trapping().linked(), move |c| work(c, id, seen));
        Box::pin(async move { Ok(pid) })
    })
}

/// A child that traps exits and takes `linger_ms` to finish after a shutdown signal
/// (forever if `None`); it logs its start and the moment it got the signal.
fn slow_child(id: &str, seen: &Log<Seen>, linger_ms: Option<u64>) -> ChildSpec {
    let (name, seen) = (id.to_owned(), seen.clone());
    ChildSpec::process(id, move |ctx| {
        let (id, seen) = (name.clone(), seen.clone());
        async move {
            ctx.trap_exit(true);
            seen.push(Seen::Start(id.clone(), ctx.pid()));
            loop {
                if let Message::Exit { reason: Reason::Shutdown, .. } = ctx.recv().await {
                    seen.push(Seen::Stop(id, ctx.pid()));
                    break;
                }
            }
            match linger_ms {
                Some(linger) => ctx.sleep(ms(linger)).await,
                None => std::future::pending::<()>().await,
            }
            Reason::Shutdown
        }
    })
}

fn spec(strategy: Strategy, intensity: Intensity, children: Vec<ChildSpec>) -> SupervisorSpec {
    SupervisorSpec { strategy, intensity, children }
}

fn intensity(max_restarts: u32, within_ms: u64) -> Intensity {
    Intensity { max_restarts, within: ms(within_ms) }
}

/// Every pid `id` started as, in order.
fn starts(seen: &Log<Seen>, id: &str) -> Vec<Pid> {
    seen.items().into_iter().filter_map(|s| matches!(&s, Seen::Start(i, _) if i == id).then(|| pid_of(&s))).collect()
}

/// The ids stopped by shutdown signals, in order.
fn stops(seen: &Log<Seen>) -> Vec<String> {
    seen.items()
        .into_iter()
        .filter_map(|s| match s {
            Seen::Stop(id, _) => Some(id),
            Seen::Start(..) => None,
        })
        .collect()
}

fn pid_of(seen: &Seen) -> Pid {
    match seen {
        Seen::Start(_, pid) | Seen::Stop(_, pid) => *pid,
    }
}

/// The latest pid `id` started as.
fn current(seen: &Log<Seen>, id: &str) -> Pid {
    *starts(seen, id).last().unwrap_or_else(|| panic!("{id} never started"))
}

/// What happened after the first `skip` events: the stops, which must all come
/// before any start, then the ids started, in spawn order (pids order by spawn; the
/// children themselves may run in any order).
fn stops_then_starts(seen: &Log<Seen>, skip: usize) -> (Vec<Seen>, Vec<String>) {
    let events: Vec<Seen> = seen.items().into_iter().skip(skip).collect();
    let split = events.iter().position(|e| matches!(e, Seen::Start(..))).unwrap_or(events.len());
    let (stopped, started) = events.split_at(split);
    assert!(started.iter().all(|e| matches!(e, Seen::Start(..))), "a stop after a restart: {events:?}");
    let mut started: Vec<(Pid, String)> = started
        .iter()
        .map(|e| match e {
            Seen::Start(id, pid) => (*pid, id.clone()),
            Seen::Stop(..) => unreachable!("checked above"),
        })
        .collect();
    started.sort();
    (stopped.to_vec(), started.into_iter().map(|(_, id)| id).collect())
}

/// Runs `f` in a fresh process on `node` and waits (in simulated time) for its result.
async fn probe<T, F, Fut>(cluster: &Cluster, node: NodeId, f: F) -> T
where
    T: Clone + Send + 'static,
    F: FnOnce(Ctx) -> Fut + Send + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    let out = Log::new();
    let sink = out.clone();
    cluster.spawn(node, SpawnOpts::default(), move |ctx| async move { sink.push(f(ctx).await) });
    for _ in 0..100_000 {
        if let Some(result) = out.items().pop() {
            return result;
        }
        wait_ms(1).await;
    }
    panic!("probe did not finish within 100 s");
}

async fn children_of(cluster: &Cluster, sup: Pid) -> Vec<ChildInfo> {
    probe(cluster, sup.node, move |ctx| async move { supervisor::which_children(&ctx, sup).await }).await.unwrap()
}

/// `(id, status)` of each child, youngest first as `which_children` lists them.
async fn table(cluster: &Cluster, sup: Pid) -> Vec<(String, ChildStatus)> {
    children_of(cluster, sup).await.into_iter().map(|c| (c.id, c.status)).collect()
}

/// The DOWN reasons a watcher of `pid` has seen.
fn down_reasons(log: &Log<Message>) -> Vec<Reason> {
    log.downs().into_iter().map(|d| d.reason).collect()
}

#[test]
fn one_for_one_restarts_only_the_failed_child() {
    sim(1, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let children = vec![worker("a", &seen), worker("b", &seen), worker("c", &seen)];
        let sup =
            supervisor::spawn_root(&cluster, n, spec(Strategy::OneForOne, Intensity::default(), children)).unwrap();
        settle().await;
        let (a, b, c) = (current(&seen, "a"), current(&seen, "b"), current(&seen, "c"));
        post(&cluster, n, b, Cmd::Crash);
        settle().await;
        let b2 = current(&seen, "b");
        assert_ne!(b2, b);
        assert_eq!(starts(&seen, "a"), vec![a]);
        assert_eq!(starts(&seen, "c"), vec![c]);
        assert!(stops(&seen).is_empty(), "{:?}", seen.items());
        let expected = vec![
            ("c".into(), ChildStatus::Running(c)),
            ("b".into(), ChildStatus::Running(b2)),
            ("a".into(), ChildStatus::Running(a)),
        ];
        assert_eq!(table(&cluster, sup).await, expected);
    });
}

#[test]
fn one_for_all_restarts_every_child() {
    sim(2, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let children = vec![worker("a", &seen), worker("b", &seen), worker("c", &seen)];
        supervisor::spawn_root(&cluster, n, spec(Strategy::OneForAll, Intensity::default(), children)).unwrap();
        settle().await;
        let b = current(&seen, "b");
        post(&cluster, n, b, Cmd::Crash);
        settle().await;
        // The others are stopped youngest first, then all start again in start order.
        let (a1, c1) = (starts(&seen, "a")[0], starts(&seen, "c")[0]);
        let (stopped, restarted) = stops_then_starts(&seen, 3);
        assert_eq!(stopped, vec![Seen::Stop("c".into(), c1), Seen::Stop("a".into(), a1)]);
        assert_eq!(restarted, vec!["a", "b", "c"]);
        assert!(!cluster.is_alive(a1) && !cluster.is_alive(b) && !cluster.is_alive(c1));
    });
}

#[test]
fn rest_for_one_restarts_younger_siblings_only() {
    sim(3, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let ids = ["a", "b", "c", "d"];
        let children = ids.iter().map(|id| worker(id, &seen)).collect();
        supervisor::spawn_root(&cluster, n, spec(Strategy::RestForOne, Intensity::default(), children)).unwrap();
        settle().await;
        let first: Vec<Pid> = ids.iter().map(|id| current(&seen, id)).collect();
        post(&cluster, n, first[1], Cmd::Crash);
        settle().await;
        let (stopped, restarted) = stops_then_starts(&seen, 4);
        assert_eq!(stopped, vec![Seen::Stop("d".into(), first[3]), Seen::Stop("c".into(), first[2])]);
        assert_eq!(restarted, vec!["b", "c", "d"]);
        assert_eq!(starts(&seen, "a"), vec![first[0]], "the older sibling is left alone");
        assert!(cluster.is_alive(first[0]));
    });
}

#[test]
fn a_temporary_sibling_stopped_by_a_restart_is_forgotten_not_restarted() {
    // OTP never restarts a temporary child: one_for_all stops it with the others, and
    // deletes its spec.
    sim(3, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let children = vec![worker("a", &seen), worker("t", &seen).restart(Restart::Temporary), worker("b", &seen)];
        let sup =
            supervisor::spawn_root(&cluster, n, spec(Strategy::OneForAll, Intensity::default(), children)).unwrap();
        settle().await;
        let t = current(&seen, "t");
        post(&cluster, n, current(&seen, "b"), Cmd::Crash);
        settle().await;
        assert_eq!(starts(&seen, "t"), vec![t], "never restarted");
        assert!(!cluster.is_alive(t));
        let ids: Vec<String> = table(&cluster, sup).await.into_iter().map(|(id, _)| id).collect();
        assert_eq!(ids, ["b", "a"]);
    });
}

#[test]
fn transient_child_not_restarted_after_normal_exit() {
    sim(4, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let children = vec![worker("t", &seen).restart(Restart::Transient), worker("p", &seen)];
        let sup =
            supervisor::spawn_root(&cluster, n, spec(Strategy::OneForAll, Intensity::default(), children)).unwrap();
        settle().await;
        let (t, p) = (current(&seen, "t"), current(&seen, "p"));
        post(&cluster, n, t, Cmd::ExitNormally);
        settle().await;
        assert_eq!(starts(&seen, "t"), vec![t]);
        // Not a restart either: one_for_all left the sibling alone.
        assert_eq!(starts(&seen, "p"), vec![p]);
        // The spec stays, not running.
        let expected = vec![("p".into(), ChildStatus::Running(p)), ("t".into(), ChildStatus::Undefined)];
        assert_eq!(table(&cluster, sup).await, expected);
        let counts = probe(&cluster, n, move |ctx| async move { supervisor::count_children(&ctx, sup).await }).await;
        let counts = counts.unwrap();
        assert_eq!((counts.specs, counts.active, counts.workers, counts.supervisors), (2, 1, 2, 0));
    });
}

#[test]
fn transient_child_restarted_after_crash() {
    sim(5, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let children = vec![worker("t", &seen).restart(Restart::Transient)];
        let sup =
            supervisor::spawn_root(&cluster, n, spec(Strategy::OneForOne, Intensity::default(), children)).unwrap();
        settle().await;
        let t = current(&seen, "t");
        post(&cluster, n, t, Cmd::Crash);
        settle().await;
        let t2 = current(&seen, "t");
        assert_eq!(starts(&seen, "t"), vec![t, t2]);
        assert_eq!(table(&cluster, sup).await, vec![("t".into(), ChildStatus::Running(t2))]);
    });
}

#[test]
fn temporary_child_never_restarted() {
    sim(6, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let children = vec![worker("keep", &seen), worker("tmp", &seen).restart(Restart::Temporary)];
        let sup =
            supervisor::spawn_root(&cluster, n, spec(Strategy::OneForOne, Intensity::default(), children)).unwrap();
        settle().await;
        let tmp = current(&seen, "tmp");
        post(&cluster, n, tmp, Cmd::Crash);
        settle().await;
        assert_eq!(starts(&seen, "tmp"), vec![tmp]);
        // A temporary child is forgotten altogether.
        assert_eq!(table(&cluster, sup).await, vec![("keep".into(), ChildStatus::Running(current(&seen, "keep")))]);
    });
}

#[test]
fn permanent_child_restarted_after_normal_exit() {
    sim(7, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let children = vec![worker("p", &seen).restart(Restart::Permanent)];
        supervisor::spawn_root(&cluster, n, spec(Strategy::OneForOne, Intensity::default(), children)).unwrap();
        settle().await;
        let p = current(&seen, "p");
        post(&cluster, n, p, Cmd::ExitNormally);
        settle().await;
        assert_eq!(starts(&seen, "p").len(), 2);
        assert!(cluster.is_alive(current(&seen, "p")));
    });
}

#[test]
fn intensity_exceeded_escalates_to_parent() {
    sim(8, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let inner = spec(Strategy::OneForOne, intensity(1, 5000), vec![worker("sibling", &seen), worker("w", &seen)]);
        let outer = spec(Strategy::OneForOne, Intensity::default(), vec![ChildSpec::supervisor("inner", inner)]);
        let root = supervisor::spawn_root(&cluster, n, outer).unwrap();
        settle().await;
        let inner_1 = children_of(&cluster, root).await[0].status.pid().unwrap();
        let (_, inner_watch) = spawn_watcher(&cluster, n, inner_1);
        settle().await; // the watcher monitors first
        let sibling_1 = current(&seen, "sibling");
        post(&cluster, n, current(&seen, "w"), Cmd::Crash); // restart 1 of 1: tolerated
        settle().await;
        assert!(cluster.is_alive(inner_1));
        post(&cluster, n, current(&seen, "w"), Cmd::Crash); // restart 2 of 1: too many
        settle().await;
        // The inner supervisor stopped its other child and exited with `shutdown` ...
        assert!(stops(&seen).contains(&"sibling".to_owned()), "{:?}", seen.items());
        assert!(!cluster.is_alive(sibling_1));
        assert_eq!(down_reasons(&inner_watch), vec![Reason::Shutdown]);
        // ... which its parent took as a child exit: a new inner supervisor, new children.
        let info = children_of(&cluster, root).await;
        let inner_2 = info[0].status.pid().unwrap();
        assert_ne!(inner_2, inner_1);
        assert_eq!(info[0].kind, ChildKind::Supervisor);
        assert_eq!(starts(&seen, "w").len(), 3);
        assert_eq!(starts(&seen, "sibling").len(), 2);
        assert!(cluster.is_alive(root));
    });
}

#[test]
fn intensity_window_forgets_old_restarts() {
    sim(9, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let children = vec![worker("w", &seen)];
        let sup = supervisor::spawn_root(&cluster, n, spec(Strategy::OneForOne, intensity(2, 1000), children)).unwrap();
        let (_, watch) = spawn_watcher(&cluster, n, sup);
        settle().await;
        // Two crashes 400 ms apart, a pause longer than the window, two more: never
        // more than two restarts within 1 s.
        for pause_ms in [400, 1200, 400, 400] {
            post(&cluster, n, current(&seen, "w"), Cmd::Crash);
            wait_ms(pause_ms).await;
        }
        assert!(cluster.is_alive(sup), "supervisor died: {:?}", down_reasons(&watch));
        assert_eq!(starts(&seen, "w").len(), 5);
        // A third crash within the window is one too many.
        post(&cluster, n, current(&seen, "w"), Cmd::Crash);
        wait_ms(100).await;
        post(&cluster, n, current(&seen, "w"), Cmd::Crash);
        settle().await;
        assert_eq!(down_reasons(&watch), vec![Reason::Shutdown]);
    });
}

#[test]
fn panicking_child_is_restarted_and_simulation_goes_on() {
    sim(16, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let sup = supervisor::spawn_root(
            &cluster,
            n,
            spec(Strategy::OneForOne, Intensity::default(), vec![worker("w", &seen)]),
        )
        .unwrap();
        settle().await;
        let w = current(&seen, "w");
        let (_, watch) = spawn_watcher(&cluster, n, w);
        settle().await; // the watcher monitors first
        post(&cluster, n, w, Cmd::Panic);
        settle().await;
        assert!(matches!(down_reasons(&watch).as_slice(), [Reason::Panic(m)] if m.contains("defect in w")));
        let w2 = current(&seen, "w");
        assert_ne!(w2, w);
        assert_eq!(table(&cluster, sup).await, vec![("w".into(), ChildStatus::Running(w2))]);
    });
}

/// A worker "flaky" whose start fails on its second attempt (its first restart);
/// `attempts` counts every attempt.
fn flaky_on_first_restart(seen: &Log<Seen>, attempts: &Log<()>) -> ChildSpec {
    let (log, tries) = (seen.clone(), attempts.clone());
    ChildSpec::new("flaky", move |ctx: &Ctx| {
        tries.push(());
        let first_restart = tries.len() == 2;
        let log = log.clone();
        Box::pin(async move {
            if first_restart {
                return Err(Reason::error("not yet"));
            }
            Ok(ctx.spawn_link(move |c| work(c, "flaky".into(), log)))
        })
    })
}

#[test]
fn failed_restart_is_retried_and_counts_against_intensity() {
    // A child whose second start fails: the retry succeeds if the intensity allows
    // two restarts, and stops the supervisor if it allows only one.
    for (max_restarts, survives) in [(2, true), (1, false)] {
        sim(17, move |cluster| async move {
            let n = bare_nodes(&cluster, 1)[0];
            let (seen, attempts) = (Log::new(), Log::new());
            let children = vec![flaky_on_first_restart(&seen, &attempts)];
            let sup =
                supervisor::spawn_root(&cluster, n, spec(Strategy::OneForOne, intensity(max_restarts, 5000), children))
                    .unwrap();
            let (_, watch) = spawn_watcher(&cluster, n, sup);
            settle().await;
            post(&cluster, n, current(&seen, "flaky"), Cmd::Crash);
            settle().await;
            if survives {
                assert_eq!(attempts.len(), 3);
                assert_eq!(starts(&seen, "flaky").len(), 2);
                assert!(cluster.is_alive(current(&seen, "flaky")));
            } else {
                assert_eq!(attempts.len(), 2, "no retry once the intensity is exceeded");
                assert_eq!(down_reasons(&watch), vec![Reason::Shutdown]);
            }
        });
    }
}

#[test]
fn child_runs_on_the_node_its_start_function_chooses() {
    sim(20, |cluster| async move {
        let nodes = bare_nodes(&cluster, 2);
        let seen = Log::new();
        let log = seen.clone();
        let remote = ChildSpec::process_on("remote", nodes[1], SpawnOpts::labelled("far"), move |ctx| {
            work(ctx, "remote".into(), log.clone())
        });
        let children = vec![remote];
        supervisor::spawn_root(&cluster, nodes[0], spec(Strategy::OneForOne, Intensity::default(), children)).unwrap();
        settle().await;
        let first = current(&seen, "remote");
        assert_eq!(first.node, nodes[1]);
        assert_eq!(cluster.tables().process(first).and_then(|p| p.label.clone()), Some("far".into()));
        cluster.kill(first);
        settle().await;
        let second = current(&seen, "remote");
        assert_ne!(second, first);
        assert_eq!(second.node, nodes[1]);
    });
}
