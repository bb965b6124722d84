//! Conformance: the dynamic supervisor.

use super::*;
use otpsim_runtime::supervisor::dynamic::{self, DynamicSpec};
use otpsim_runtime::supervisor::{Shutdown, SupervisorError};

/// Starts each of `specs` under the dynamic supervisor `sup`, from a probe on `node`.
async fn start_all(cluster: &Cluster, node: NodeId, sup: Pid, specs: Vec<ChildSpec>) -> Vec<Pid> {
    probe(cluster, node, move |ctx| async move {
        let mut pids = Vec::new();
        for spec in specs {
            pids.push(dynamic::start_child(&ctx, sup, spec).await.unwrap().expect("started"));
        }
        pids
    })
    .await
}

#[test]
fn dynamic_supervisor_starts_and_removes_children() {
    sim(21, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let sup = dynamic::spawn_root(&cluster, n, DynamicSpec::default());
        let jobs =
            [("transient", Restart::Transient), ("temporary", Restart::Temporary), ("permanent", Restart::Permanent)];
        let specs: Vec<ChildSpec> = jobs.iter().map(|(id, r)| worker(id, &seen).restart(*r)).collect();
        let pids = start_all(&cluster, n, sup, specs).await;
        let listed =
            probe(&cluster, n, move |ctx| async move { dynamic::which_children(&ctx, sup).await.unwrap() }).await;
        let running: Vec<_> = listed.iter().map(|c| (c.id.as_str(), c.status)).collect();
        assert_eq!(
            running,
            vec![
                ("undefined", ChildStatus::Running(pids[0])),
                ("undefined", ChildStatus::Running(pids[1])),
                ("undefined", ChildStatus::Running(pids[2]))
            ]
        );
        post(&cluster, n, pids[0], Cmd::ExitNormally);
        post(&cluster, n, pids[1], Cmd::Crash);
        post(&cluster, n, pids[2], Cmd::Crash);
        settle().await;
        let restarted = current(&seen, "permanent");
        assert_ne!(restarted, pids[2]);
        assert_eq!(starts(&seen, "transient").len() + starts(&seen, "temporary").len(), 2, "neither came back");
        let (listed, stop, unknown, after) = probe(&cluster, n, move |ctx| async move {
            let listed = dynamic::which_children(&ctx, sup).await.unwrap();
            let stop = dynamic::terminate_child(&ctx, sup, restarted).await;
            let unknown = dynamic::terminate_child(&ctx, sup, restarted).await;
            let after = dynamic::count_children(&ctx, sup).await.unwrap();
            (listed, stop, unknown, after)
        })
        .await;
        assert_eq!(listed.iter().map(|c| c.status).collect::<Vec<_>>(), vec![ChildStatus::Running(restarted)]);
        assert_eq!(stop, Ok(()));
        assert_eq!(unknown, Ok(()), "a dead pid is ok, as OTP 25 answers");
        assert_eq!((after.specs, after.active), (1, 0), "one spec, as simple_one_for_one counts");
        assert!(!cluster.is_alive(restarted));
        assert_eq!(stops(&seen), vec!["permanent".to_owned()]);
    });
}

#[test]
fn dynamic_supervisor_respects_max_children() {
    sim(22, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let sup = dynamic::spawn_root(&cluster, n, DynamicSpec { max_children: Some(2), ..Default::default() });
        let specs: Vec<ChildSpec> = (0..4).map(|_| worker("job", &seen)).collect();
        let answers = probe(&cluster, n, move |ctx| async move {
            let mut specs = specs.into_iter();
            let mut next = || specs.next().unwrap();
            let first = dynamic::start_child(&ctx, sup, next()).await.unwrap().expect("started");
            let second = dynamic::start_child(&ctx, sup, next()).await;
            let refused = dynamic::start_child(&ctx, sup, next()).await;
            dynamic::terminate_child(&ctx, sup, first).await.unwrap();
            let third = dynamic::start_child(&ctx, sup, next()).await;
            (second.is_ok(), refused, third.is_ok())
        })
        .await;
        assert_eq!(answers, (true, Err(SupervisorError::MaxChildren(2)), true));
        assert_eq!(starts(&seen, "job").len(), 3, "the refused child was never started");
    });
}

#[test]
fn dynamic_supervisor_exceeding_intensity_stops_all_children() {
    sim(23, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let sup = dynamic::spawn_root(&cluster, n, DynamicSpec { intensity: intensity(1, 5000), ..Default::default() });
        let (_, watch) = spawn_watcher(&cluster, n, sup);
        let specs = vec![worker("crashy", &seen), worker("bystander", &seen)];
        let pids = start_all(&cluster, n, sup, specs).await;
        post(&cluster, n, pids[0], Cmd::Crash);
        settle().await;
        post(&cluster, n, current(&seen, "crashy"), Cmd::Crash);
        settle().await;
        assert_eq!(down_reasons(&watch), vec![Reason::Shutdown]);
        assert_eq!(stops(&seen), vec!["bystander".to_owned()]);
        assert!(!cluster.is_alive(pids[1]));
    });
}

#[test]
fn a_dynamic_supervisor_that_gives_up_kills_a_child_deaf_to_its_shutdown() {
    // On its way out the supervisor stops its children itself (shutdown, then a kill
    // once the timeout passes); its link's exit signal alone would leave a child that
    // traps exits running.
    sim(25, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let sup = dynamic::spawn_root(&cluster, n, DynamicSpec { intensity: intensity(0, 5000), ..Default::default() });
        let deaf = slow_child("deaf", &seen, None).shutdown(Shutdown::Timeout(ms(50)));
        let pids = start_all(&cluster, n, sup, vec![worker("crashy", &seen), deaf]).await;
        let (_, watch) = spawn_watcher(&cluster, n, pids[1]);
        settle().await;
        post(&cluster, n, pids[0], Cmd::Crash);
        settle().await;
        assert!(!cluster.is_alive(sup));
        assert_eq!(stops(&seen), vec!["deaf".to_owned()], "it got the shutdown signal first");
        assert_eq!(down_reasons(&watch), vec![Reason::Killed]);
    });
}

#[test]
fn children_stopped_together_are_each_killed_when_their_own_timeout_passes() {
    // The dynamic supervisor stops its children at once, as Elixir's does; each deaf
    // child is killed at its own shutdown timeout, the later one too.
    sim(26, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let sup = dynamic::spawn_root(&cluster, n, DynamicSpec { intensity: intensity(0, 5000), ..Default::default() });
        let quick = slow_child("quick", &seen, None).shutdown(Shutdown::Timeout(ms(50)));
        let slow = slow_child("slow", &seen, None).shutdown(Shutdown::Timeout(ms(200)));
        let pids = start_all(&cluster, n, sup, vec![worker("crashy", &seen), quick, slow]).await;
        let (_, quick_watch) = spawn_watcher(&cluster, n, pids[1]);
        let (_, slow_watch) = spawn_watcher(&cluster, n, pids[2]);
        settle().await;
        post(&cluster, n, pids[0], Cmd::Crash);
        wait_ms(120).await;
        assert_eq!(down_reasons(&quick_watch), vec![Reason::Killed]);
        assert!(cluster.is_alive(pids[2]), "its own timeout has not passed yet");
        wait_ms(200).await;
        assert_eq!(down_reasons(&slow_watch), vec![Reason::Killed]);
        assert!(!cluster.is_alive(sup));
    });
}

#[test]
fn dynamic_supervisor_retries_a_failed_restart() {
    // A dynamic child whose first restart fails: the supervisor tries again, as
    // simple_one_for_one's `try_again_restart` does, and the child runs once more.
    sim(24, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let (seen, attempts) = (Log::new(), Log::new());
        let flaky = flaky_on_first_restart(&seen, &attempts);
        let sup = dynamic::spawn_root(&cluster, n, DynamicSpec { intensity: intensity(2, 5000), ..Default::default() });
        let first = start_all(&cluster, n, sup, vec![flaky]).await[0];
        post(&cluster, n, first, Cmd::Crash);
        settle().await;
        assert_eq!(attempts.len(), 3, "started, restart failed, retried");
        let again = current(&seen, "flaky");
        assert_ne!(again, first);
        assert!(cluster.is_alive(again) && cluster.is_alive(sup));
        let counts =
            probe(&cluster, n, move |ctx| async move { dynamic::count_children(&ctx, sup).await.unwrap() }).await;
        assert_eq!(counts.active, 1);
    });
}

#[test]
fn dynamic_count_children_counts_a_child_active_until_its_exit_is_handled() {
    // As OTP 25's simple_one_for_one counts: every child not waiting for a restart is
    // active, one whose exit is still queued behind the call included.
    sim(31, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let sup = dynamic::spawn_root(&cluster, n, DynamicSpec::default());
        let first = start_all(&cluster, n, sup, vec![worker("a", &seen)]).await[0];
        let log = seen.clone();
        let slow = ChildSpec::new("slow", move |ctx: &Ctx| {
            let log = log.clone();
            Box::pin(async move {
                ctx.sleep(ms(100)).await;
                Ok(ctx.spawn_link(move |c| work(c, "slow".into(), log)))
            })
        });
        // The supervisor is busy starting `slow`; the call queues, then `a` dies.
        cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            let _ = dynamic::start_child(&ctx, sup, slow).await;
        });
        wait_ms(10).await;
        cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            ctx.sleep(ms(10)).await;
            ctx.exit(first, Reason::Kill);
        });
        let counts =
            probe(&cluster, n, move |ctx| async move { dynamic::count_children(&ctx, sup).await.unwrap() }).await;
        assert!(!cluster.is_alive(first));
        assert_eq!((counts.specs, counts.active, counts.workers), (1, 2, 2));
    });
}

#[test]
fn a_call_to_a_supervisor_waits_as_long_as_the_supervisor_takes() {
    // OTP's supervisor API calls with `infinity`: a child whose start takes hours keeps
    // the caller waiting that long, and the answer still comes.
    otpsim_runtime::testing::sim_within(32, ms(5 * 3600 * 1000), |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let sup = dynamic::spawn_root(&cluster, n, DynamicSpec::default());
        let log = seen.clone();
        let hours = ChildSpec::new("hours", move |ctx: &Ctx| {
            let log = log.clone();
            Box::pin(async move {
                ctx.sleep(ms(3 * 3600 * 1000)).await;
                Ok(ctx.spawn_link(move |c| work(c, "hours".into(), log)))
            })
        });
        let answers = Log::new();
        let answer = answers.clone();
        cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            let asked = ctx.now();
            let started = dynamic::start_child(&ctx, sup, hours).await;
            answer.push((started.is_ok_and(|pid| pid.is_some()), ctx.now() - asked));
        });
        wait_ms(4 * 3600 * 1000).await;
        let [(started, waited)] = answers.items()[..] else { panic!("no answer in 4 hours: {:?}", answers.items()) };
        assert!(started, "the start failed");
        assert!(waited >= ms(3 * 3600 * 1000), "answered after {waited:?}");
    });
}
