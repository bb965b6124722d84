//! Conformance: monitors (`erlang:monitor/2`, `erlang:demonitor/1,2`).
use std::collections::BTreeSet;

use crate::common::*;

#[test]
fn monitor_of_dead_pid_gives_noproc() {
    sim(1, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let dead = cluster.spawn(n, SpawnOpts::default(), |_ctx| async {});
        settle().await;
        assert!(!cluster.is_alive(dead));
        let (_, log) = spawn_watcher(&cluster, n, dead);
        settle().await;
        let downs = log.downs();
        assert_eq!(downs.len(), 1, "{downs:?}");
        assert_eq!((downs[0].pid, downs[0].reason.clone()), (dead, Reason::Noproc));
        assert!(cluster.tables().monitors.is_empty());
    });
}

#[test]
fn exactly_one_down_per_monitor() {
    sim(2, |cluster| async move {
        let nodes = bare_nodes(&cluster, 2);
        let target = cluster.spawn(nodes[1], SpawnOpts::default(), |ctx| exit_after(ctx, 10, Reason::error("boom")));
        let (_, log) = spawn_watcher(&cluster, nodes[0], target);
        wait_ms(50).await;
        // Every later way a DOWN could fire again: a kill, a partition, a node crash and restart.
        cluster.kill(target);
        cluster.partition(&nodes[..1], &nodes[1..]);
        cluster.heal();
        cluster.restart_node(nodes[1]);
        wait_ms(2_000).await;
        let downs = log.downs();
        assert_eq!(downs.len(), 1, "{downs:?}");
        assert_eq!(downs[0].reason, Reason::error("boom"));
    });
}

#[test]
fn down_delivery_removes_the_monitor() {
    sim(3, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let target = cluster.spawn(n, SpawnOpts::default(), |ctx| exit_after(ctx, 20, Reason::Normal));
        let demonitored = Log::new();
        let seen = demonitored.clone();
        let watcher = cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            let mref = ctx.monitor(target);
            let _down = ctx.recv().await;
            seen.push(ctx.demonitor(mref));
            idle(ctx).await;
        });
        wait_ms(10).await;
        let rows = cluster.tables().monitors;
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].watcher, rows[0].target), (watcher, target));
        settle().await;
        assert!(cluster.tables().monitors.is_empty());
        assert_eq!(demonitored.items(), vec![false], "the monitor was gone once its DOWN arrived");
    });
}

#[test]
fn demonitor_flush_removes_queued_down() {
    sim(4, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let target = cluster.spawn(n, SpawnOpts::default(), |ctx| exit_after(ctx, 10, Reason::Normal));
        let seen = Log::new();
        let log = seen.clone();
        cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            let mref = ctx.monitor(target);
            ctx.sleep(ms(50)).await;
            log.push(ctx.mailbox_len());
            ctx.demonitor_flush(mref);
            log.push(ctx.mailbox_len());
            log.push(usize::from(ctx.recv_timeout(ms(500)).await.is_some()));
        });
        wait_ms(1_000).await;
        assert_eq!(seen.items(), vec![1, 0, 0], "[queued before, queued after flush, received later]");
    });
}

#[test]
fn demonitor_flush_removes_down_still_in_flight() {
    sim(5, |cluster| async move {
        let nodes = bare_nodes(&cluster, 2);
        cluster.set_message_faults(MessageFaults { delay: Some((ms(50), ms(50))), ..Default::default() });
        let far = nodes[1];
        let seen = Log::new();
        let log = seen.clone();
        cluster.spawn(nodes[0], SpawnOpts::default(), move |ctx| async move {
            let me = ctx.pid();
            let target = ctx.spawn_opts(far, SpawnOpts::default(), move |ctx| async move {
                ctx.sleep(ms(10)).await;
                ctx.send(me, "before exit");
                Reason::error("gone")
            });
            let mref = ctx.monitor(target);
            ctx.sleep(ms(20)).await;
            ctx.demonitor_flush(mref);
            while let Some(msg) = ctx.recv_timeout(ms(500)).await {
                log.push(msg);
            }
        });
        wait_ms(15).await;
        assert_eq!(cluster.tables().in_flight, 2, "the delayed message and the DOWN queued behind it");
        wait_ms(1_000).await;
        assert_eq!(seen.infos::<&str>(), vec!["before exit"]);
        assert!(seen.downs().is_empty(), "{:?}", seen.items());
        assert_eq!(cluster.tables().in_flight, 0);
    });
}

#[test]
fn demonitor_without_flush_keeps_queued_down() {
    sim(6, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let target = cluster.spawn(n, SpawnOpts::default(), |ctx| exit_after(ctx, 10, Reason::Shutdown));
        let seen = Log::new();
        let log = seen.clone();
        cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            let mref = ctx.monitor(target);
            ctx.sleep(ms(50)).await;
            ctx.demonitor(mref);
            if let Some(msg) = ctx.recv_timeout(ms(100)).await {
                log.push(msg);
            }
        });
        wait_ms(500).await;
        let downs = seen.downs();
        assert_eq!(downs.len(), 1, "{:?}", seen.items());
        assert_eq!((downs[0].pid, downs[0].reason.clone()), (target, Reason::Shutdown));
    });
}

#[test]
fn demonitor_before_exit_prevents_the_down() {
    sim(7, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let target = cluster.spawn(n, SpawnOpts::default(), |ctx| exit_after(ctx, 50, Reason::error("late")));
        let returned = Log::new();
        let r = returned.clone();
        let (_, log) = spawn_recorder(&cluster, n, SpawnOpts::default(), move |ctx| {
            let mref = ctx.monitor(target);
            r.push(ctx.demonitor(mref));
        });
        wait_ms(500).await;
        assert!(!cluster.is_alive(target));
        assert_eq!(returned.items(), vec![true], "the monitor was active when removed");
        assert!(log.items().is_empty(), "{:?}", log.items());
        assert!(cluster.tables().monitors.is_empty());
    });
}

#[test]
fn demonitor_of_stale_ref_is_harmless() {
    sim(8, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let target = cluster.spawn(n, SpawnOpts::default(), |ctx| exit_after(ctx, 10, Reason::Normal));
        let seen = Log::new();
        let log = seen.clone();
        let watcher = cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            let mref = ctx.monitor(target);
            let _down = ctx.recv().await;
            log.push(format!("{} {}", ctx.demonitor(mref), ctx.demonitor_flush(mref)));
            // A fresh monitor still works after the stale demonitors.
            let again = ctx.monitor(target);
            if let Message::Down(down) = ctx.recv().await {
                log.push(format!("{} {}", down.monitor == again, down.reason));
            }
            idle(ctx).await;
        });
        wait_ms(500).await;
        assert!(cluster.is_alive(watcher));
        assert_eq!(seen.items(), vec!["false false".to_string(), "true noproc".to_string()]);
        assert!(cluster.tables().monitors.is_empty());
    });
}

#[test]
fn demonitor_of_foreign_ref_changes_nothing() {
    sim(9, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let target = cluster.spawn(n, SpawnOpts::default(), |ctx| exit_after(ctx, 50, Reason::error("boom")));
        let (owner, log) = spawn_watcher(&cluster, n, target);
        wait_ms(1).await;
        let mref = cluster.tables().monitors[0].monitor;
        let returned = Log::new();
        let r = returned.clone();
        let intruder = cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            r.push(ctx.demonitor(mref));
            r.push(ctx.demonitor_flush(mref));
            idle(ctx).await;
        });
        wait_ms(10).await;
        assert_eq!(returned.items(), vec![false, false]);
        let rows = cluster.tables().monitors;
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].monitor, rows[0].watcher), (mref, owner));
        wait_ms(500).await;
        assert!(cluster.is_alive(intruder));
        let downs = log.downs();
        assert_eq!(downs.len(), 1);
        assert_eq!(downs[0].monitor, mref);
    });
}

#[test]
fn watcher_death_removes_its_monitors() {
    sim(10, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let targets: Vec<Pid> = (0..3).map(|_| spawn_idle(&cluster, n)).collect();
        let watched = targets.clone();
        let watcher = cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            for t in watched {
                ctx.monitor(t);
            }
            exit_after(ctx, 20, Reason::error("watcher gone")).await
        });
        wait_ms(10).await;
        assert_eq!(cluster.tables().monitors.len(), 3);
        settle().await;
        assert!(!cluster.is_alive(watcher));
        assert!(cluster.tables().monitors.is_empty());
        assert!(targets.iter().all(|t| cluster.is_alive(*t)), "a monitor is not a link");
        for t in &targets {
            cluster.kill(*t);
        }
        settle().await;
        assert!(cluster.tables().processes.is_empty());
        assert_eq!(cluster.tables().in_flight, 0);
    });
}

#[test]
fn two_monitors_give_two_downs() {
    sim(11, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let target = cluster.spawn(n, SpawnOpts::default(), |ctx| exit_after(ctx, 10, Reason::Shutdown));
        let refs = Log::new();
        let r = refs.clone();
        let (_, log) = spawn_recorder(&cluster, n, SpawnOpts::default(), move |ctx| {
            r.push(ctx.monitor(target));
            r.push(ctx.monitor(target));
        });
        wait_ms(500).await;
        let refs = refs.items();
        assert_ne!(refs[0], refs[1]);
        let downs: Vec<Ref> = log.downs().iter().map(|d| d.monitor).collect();
        assert_eq!(downs, refs);
    });
}

#[test]
fn down_carries_the_exit_reason() {
    sim(12, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let normal = cluster.spawn(n, SpawnOpts::default(), |ctx| exit_after(ctx, 10, Reason::Normal));
        let error = cluster.spawn(n, SpawnOpts::default(), |ctx| exit_after(ctx, 10, Reason::error("bad state")));
        let killed = spawn_idle(&cluster, n);
        let (_, log) = spawn_recorder(&cluster, n, SpawnOpts::default(), move |ctx| {
            for t in [normal, error, killed] {
                ctx.monitor(t);
            }
        });
        wait_ms(20).await;
        cluster.kill(killed);
        settle().await;
        // The first two exit at the same instant, in an order the scheduler picks.
        let reasons: BTreeSet<(Pid, Reason)> = log.downs().into_iter().map(|d| (d.pid, d.reason)).collect();
        let expected = [(normal, Reason::Normal), (error, Reason::error("bad state")), (killed, Reason::Killed)];
        assert_eq!(reasons, BTreeSet::from(expected));
    });
}

#[test]
fn panic_in_process_is_its_crash_and_simulation_goes_on() {
    sim(13, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let target = cluster.spawn(n, SpawnOpts::default(), |ctx| panic_after(ctx, 10, "injected defect"));
        let (watcher, log) = spawn_watcher(&cluster, n, target);
        settle().await;
        assert_eq!(log.downs()[0].reason, Reason::Panic("injected defect".into()));
        assert!(cluster.is_alive(watcher));
        // The simulation still runs: time passes and new processes work.
        let later = cluster.spawn(n, SpawnOpts::default(), |ctx| exit_after(ctx, 10, Reason::Normal));
        let (_, again) = spawn_watcher(&cluster, n, later);
        settle().await;
        assert_eq!(again.downs()[0].reason, Reason::Normal);
    });
}

#[test]
fn monitor_is_not_a_link() {
    sim(14, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let target = cluster.spawn(n, SpawnOpts::default(), |ctx| exit_after(ctx, 10, Reason::error("crash")));
        let (watcher, log) = spawn_watcher(&cluster, n, target);
        settle().await;
        assert_eq!(log.downs().len(), 1);
        assert!(cluster.is_alive(watcher));
    });
}

#[test]
fn monitor_of_self_never_fires_and_is_removed_at_exit() {
    sim(15, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let me = cluster.spawn(n, SpawnOpts::default(), |ctx| async move {
            ctx.monitor(ctx.pid());
            exit_after(ctx, 20, Reason::error("bye")).await
        });
        wait_ms(10).await;
        assert_eq!(cluster.tables().monitors.len(), 1);
        settle().await;
        assert!(!cluster.is_alive(me));
        assert!(cluster.tables().monitors.is_empty());
        assert_eq!(cluster.tables().in_flight, 0);
    });
}

#[test]
fn down_arrives_after_messages_sent_before_the_exit() {
    for seed in 0..8 {
        sim(seed, |cluster| async move {
            let nodes = bare_nodes(&cluster, 2);
            cluster.set_message_faults(MessageFaults { delay: Some((ms(1), ms(30))), ..Default::default() });
            let far = nodes[1];
            let (_, log) = spawn_recorder(&cluster, nodes[0], SpawnOpts::default(), move |ctx| {
                let me = ctx.pid();
                let target = ctx.spawn_opts(far, SpawnOpts::default(), move |ctx| async move {
                    for i in 0..20u32 {
                        ctx.send(me, i);
                    }
                    Reason::error("done")
                });
                ctx.monitor(target);
            });
            wait_ms(500).await;
            let items = log.items();
            assert_eq!(items.len(), 21, "seed {seed}: {items:?}");
            assert_eq!(log.infos::<u32>(), (0..20).collect::<Vec<_>>(), "seed {seed}");
            assert!(matches!(items.last(), Some(Message::Down(_))), "seed {seed}: {items:?}");
        });
    }
}

#[test]
fn down_in_flight_is_not_lost_when_the_targets_node_crashes() {
    sim(16, |cluster| async move {
        let nodes = bare_nodes(&cluster, 2);
        cluster.set_message_faults(MessageFaults { delay: Some((ms(50), ms(50))), ..Default::default() });
        let far = nodes[1];
        let (_, log) = spawn_recorder(&cluster, nodes[0], SpawnOpts::default(), move |ctx| {
            let me = ctx.pid();
            let target = ctx.spawn_opts(far, SpawnOpts::default(), move |ctx| async move {
                ctx.sleep(ms(10)).await;
                ctx.send(me, "delayed");
                Reason::error("exited")
            });
            ctx.monitor(target);
        });
        // The target has exited; its DOWN waits behind the delayed message when its node dies.
        wait_ms(20).await;
        assert!(cluster.tables().monitors.is_empty());
        cluster.crash_node(far);
        wait_ms(500).await;
        assert_eq!(log.downs().len(), 1, "the watcher must learn of the exit: {:?}", log.items());
    });
}
