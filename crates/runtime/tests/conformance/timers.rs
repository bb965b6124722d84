//! Conformance: timers (`erlang:send_after/3`, `erlang:cancel_timer/1`).
use crate::common::*;

#[test]
fn timer_fires_after_its_delay() {
    sim(1, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let log = seen.clone();
        cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            let start = ctx.now();
            ctx.send_after(ctx.pid(), "tick", ms(50));
            log.push(ctx.recv_timeout(ms(49)).await.is_some());
            let m = ctx.recv().await;
            log.push(m.info::<&str>() == Some(&"tick"));
            log.push(ctx.now() - start >= ms(50) && ctx.now() - start < ms(51));
        });
        wait_ms(200).await;
        assert_eq!(seen.items(), vec![false, true, true], "[early, tick, on time]");
        assert!(cluster.tables().timers.is_empty());
    });
}

#[test]
fn timers_follow_their_destination_and_survive_their_owner() {
    sim(2, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let (dest, log) = spawn_recorder(&cluster, n, SpawnOpts::default(), |_| {});
        let owner = cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            ctx.send_after(dest, "too late", ms(50));
            exit_after(ctx, 10, Reason::error("owner crashed")).await
        });
        wait_ms(5).await;
        let timers = cluster.tables().timers;
        assert_eq!(timers.len(), 1);
        assert_eq!((timers[0].owner, timers[0].dest.clone()), (owner, Dest::Pid(dest)));
        wait_ms(200).await;
        assert!(!cluster.is_alive(owner));
        assert!(cluster.tables().timers.is_empty());
        assert_eq!(log.items().iter().filter_map(|m| m.info::<&str>().copied()).collect::<Vec<_>>(), vec!["too late"]);
    });
}

#[test]
fn cancel_timer_stops_delivery() {
    sim(3, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let log = seen.clone();
        cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            let timer = ctx.send_after(ctx.pid(), "cancelled", ms(50));
            ctx.sleep(ms(10)).await;
            log.push(ctx.cancel_timer(timer).is_some_and(|left| left > ms(39) && left <= ms(40)));
            log.push(ctx.recv_timeout(ms(200)).await.is_some());
        });
        wait_ms(500).await;
        assert_eq!(seen.items(), vec![true, false], "40 ms were left, and nothing came");
        assert!(cluster.tables().timers.is_empty());
    });
}

#[test]
fn cancel_of_fired_timer_returns_false() {
    sim(4, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let log = seen.clone();
        cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            let timer = ctx.send_after(ctx.pid(), "fired", ms(10));
            let _ = ctx.recv().await;
            log.push(ctx.cancel_timer(timer).is_some());
            log.push(ctx.cancel_timer(timer).is_some());
        });
        settle().await;
        assert_eq!(seen.items(), vec![false, false]);
    });
}

#[test]
fn timer_to_dead_destination_is_dropped_silently() {
    sim(6, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let dest = cluster.spawn(n, SpawnOpts::default(), |ctx| exit_after(ctx, 5, Reason::Normal));
        let owner = cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            ctx.send_after(dest, "nobody home", ms(20));
            idle(ctx).await;
        });
        settle().await;
        assert!(cluster.is_alive(owner));
        let tables = cluster.tables();
        assert!(tables.timers.is_empty());
        assert_eq!(tables.in_flight, 0);
    });
}

#[test]
fn timers_fire_in_deadline_order() {
    sim(7, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let (_, log) = spawn_recorder(&cluster, n, SpawnOpts::default(), |ctx| {
            for delay_ms in [30u64, 10, 20, 5] {
                ctx.send_after(ctx.pid(), delay_ms, ms(delay_ms));
            }
        });
        settle().await;
        assert_eq!(log.infos::<u64>(), vec![5, 10, 20, 30]);
    });
}

#[test]
fn timer_set_by_dead_process_never_fires() {
    sim(8, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let (dest, log) = spawn_recorder(&cluster, n, SpawnOpts::default(), |_| {});
        cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            ctx.exit(ctx.pid(), Reason::Kill);
            // Dead already: the task stops at its next await.
            ctx.send_after(dest, "ghost", ms(10));
        });
        settle().await;
        assert!(log.items().is_empty());
        assert!(cluster.tables().timers.is_empty());
    });
}

#[test]
fn timers_die_with_their_owners_node() {
    sim(9, |cluster| async move {
        let nodes = bare_nodes(&cluster, 2);
        let (dest, log) = spawn_recorder(&cluster, nodes[0], SpawnOpts::default(), |_| {});
        cluster.spawn(nodes[1], SpawnOpts::default(), move |ctx| async move {
            ctx.send_after(dest, "from a dead node", ms(50));
            idle(ctx).await;
        });
        wait_ms(10).await;
        assert_eq!(cluster.tables().timers.len(), 1);
        cluster.crash_node(nodes[1]);
        wait_ms(200).await;
        assert!(cluster.tables().timers.is_empty());
        assert!(log.items().is_empty());
    });
}
