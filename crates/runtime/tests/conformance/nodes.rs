//! Conformance: nodes (crash, restart, partitions) and durable storage.
use std::collections::BTreeSet;

use crate::common::*;

#[test]
fn node_crash_gives_noconnection_down() {
    sim(1, |cluster| async move {
        let nodes = bare_nodes(&cluster, 2);
        let target = spawn_idle(&cluster, nodes[1]);
        let (_, log) = spawn_watcher(&cluster, nodes[0], target);
        wait_ms(10).await;
        cluster.crash_node(nodes[1]);
        settle().await;
        let downs = log.downs();
        assert_eq!(downs.len(), 1, "{downs:?}");
        assert_eq!((downs[0].pid, downs[0].reason.clone()), (target, Reason::Noconnection));
        assert!(cluster.tables().monitors.is_empty());
    });
}

#[test]
fn node_crash_kills_every_process_on_it() {
    sim(2, |cluster| async move {
        let nodes = bare_nodes(&cluster, 2);
        let survivor = spawn_idle(&cluster, nodes[0]);
        let doomed: Vec<Pid> = (0..5)
            .map(|i| {
                let opts = if i % 2 == 0 { trapping() } else { SpawnOpts::default() };
                cluster.spawn(nodes[1], opts, move |ctx| async move {
                    ctx.register(&format!("p{i}")).expect("free name");
                    ctx.send_after(ctx.pid(), "tick", ms(1_000));
                    idle(ctx).await;
                })
            })
            .collect();
        wait_ms(10).await;
        assert_eq!(cluster.tables().processes.len(), 6);
        cluster.crash_node(nodes[1]);
        settle().await;
        assert!(!cluster.is_up(nodes[1]));
        assert!(doomed.iter().all(|p| !cluster.is_alive(*p)), "trapping exits does not save a process");
        let tables = cluster.tables();
        assert_eq!(tables.processes.iter().map(|p| p.pid).collect::<Vec<_>>(), vec![survivor]);
        assert!(tables.names.is_empty() && tables.timers.is_empty() && tables.monitors.is_empty());
    });
}

#[test]
fn node_restart_reruns_boot_with_new_incarnation() {
    sim(3, |cluster| async move {
        let booted = Log::new();
        let b = booted.clone();
        let n = cluster.add_node("app", move |cluster, node| {
            let b = b.clone();
            async move {
                b.push(cluster.spawn(node, SpawnOpts::default(), |ctx| async move {
                    ctx.register("app").expect("the old holder's name is free");
                    idle(ctx).await;
                }));
            }
        });
        settle().await;
        assert_eq!(booted.len(), 1);
        cluster.restart_node(n);
        settle().await;
        let pids = booted.items();
        assert_eq!(pids.len(), 2, "boot ran again");
        assert_eq!((pids[0].incarnation, pids[1].incarnation), (0, 1));
        assert!(!cluster.is_alive(pids[0]) && cluster.is_alive(pids[1]));
        assert_eq!(cluster.whereis(n, "app"), Some(pids[1]));
        assert!(cluster.is_up(n));
    });
}

#[test]
fn pids_are_never_reused() {
    sim(4, |cluster| async move {
        let nodes = bare_nodes(&cluster, 2);
        let mut seen = Vec::new();
        for round in 0..3 {
            for &node in &nodes {
                for _ in 0..5 {
                    seen.push(cluster.spawn(node, SpawnOpts::default(), |ctx| exit_after(ctx, 1, Reason::Normal)));
                }
                seen.push(spawn_idle(&cluster, node));
            }
            settle().await;
            cluster.restart_node(nodes[round % 2]);
            settle().await;
        }
        let distinct: BTreeSet<(u64, NodeId, u32)> = seen.iter().map(|p| (p.serial, p.node, p.incarnation)).collect();
        assert_eq!(distinct.len(), seen.len());
        let serials: BTreeSet<u64> = seen.iter().map(|p| p.serial).collect();
        assert_eq!(serials.len(), seen.len(), "serials alone are unique across nodes and restarts");
    });
}

#[test]
fn pid_of_old_incarnation_stays_dead_after_restart() {
    sim(5, |cluster| async move {
        let nodes = bare_nodes(&cluster, 2);
        let old = spawn_idle(&cluster, nodes[1]);
        wait_ms(1).await;
        cluster.restart_node(nodes[1]);
        settle().await;
        let (_, log) = spawn_recorder(&cluster, nodes[0], SpawnOpts::default(), move |ctx| {
            ctx.send(old, "hello?");
            ctx.monitor(old);
        });
        settle().await;
        assert!(!cluster.is_alive(old));
        let downs = log.downs();
        assert_eq!(downs.len(), 1);
        assert_eq!(downs[0].reason, Reason::Noproc, "the node is back, the process is not");
        assert_eq!(cluster.tables().in_flight, 0);
    });
}

#[test]
fn node_crash_breaks_links_with_noconnection() {
    sim(6, |cluster| async move {
        let nodes = bare_nodes(&cluster, 2);
        let far = spawn_idle(&cluster, nodes[1]);
        let (trapper, trapped) = spawn_recorder(&cluster, nodes[0], trapping(), move |ctx| {
            let _ = ctx.link(far);
        });
        let (plain, _) = spawn_recorder(&cluster, nodes[0], SpawnOpts::default(), move |ctx| {
            let _ = ctx.link(far);
        });
        let (_, watcher) = spawn_watcher(&cluster, nodes[0], plain);
        wait_ms(10).await;
        cluster.crash_node(nodes[1]);
        settle().await;
        assert!(cluster.is_alive(trapper));
        assert_eq!(trapped.exits(), vec![(far, Reason::Noconnection)]);
        assert_eq!(watcher.downs()[0].reason, Reason::Noconnection);
        assert!(cluster.tables().links.is_empty());
    });
}

#[test]
fn spawn_on_down_node_gives_noconnection() {
    sim(7, |cluster| async move {
        let nodes = bare_nodes(&cluster, 2);
        cluster.crash_node(nodes[1]);
        let far = nodes[1];
        let ran = Log::new();
        let r = ran.clone();
        let (parent, log) = spawn_recorder(&cluster, nodes[0], trapping(), move |ctx| {
            let child = ctx.spawn_opts(far, SpawnOpts::default().linked(), move |_ctx| async move { r.push(()) });
            ctx.monitor(child);
        });
        settle().await;
        assert!(ran.items().is_empty(), "the child never runs");
        assert!(cluster.is_alive(parent));
        assert_eq!(log.exits().len(), 1);
        assert_eq!(log.exits()[0].1, Reason::Noconnection);
        assert_eq!(log.downs()[0].reason, Reason::Noconnection);
        assert_eq!(cluster.tables().processes.len(), 1);
    });
}

#[test]
fn messages_in_flight_from_crashed_node_are_lost() {
    sim(8, |cluster| async move {
        let nodes = bare_nodes(&cluster, 2);
        cluster.set_message_faults(MessageFaults { delay: Some((ms(50), ms(50))), ..Default::default() });
        let (receiver, log) = spawn_recorder(&cluster, nodes[0], SpawnOpts::default(), |_| {});
        cluster.spawn(nodes[1], SpawnOpts::default(), move |ctx| async move {
            ctx.send(receiver, "lost with the node");
            idle(ctx).await;
        });
        wait_ms(10).await;
        assert_eq!(cluster.tables().in_flight, 1);
        cluster.crash_node(nodes[1]);
        wait_ms(200).await;
        assert!(log.items().is_empty(), "{:?}", log.items());
        assert_eq!(cluster.tables().in_flight, 0);
    });
}

#[test]
fn crashing_a_down_node_changes_nothing() {
    sim(9, |cluster| async move {
        let nodes = bare_nodes(&cluster, 2);
        let target = spawn_idle(&cluster, nodes[1]);
        let (_, log) = spawn_watcher(&cluster, nodes[0], target);
        wait_ms(1).await;
        cluster.crash_node(nodes[1]);
        settle().await;
        let before = cluster.tables();
        cluster.crash_node(nodes[1]);
        settle().await;
        assert_eq!(cluster.tables(), before);
        assert_eq!(log.downs().len(), 1);
    });
}

#[test]
fn partition_gives_noconnection_to_monitors_across() {
    sim(10, |cluster| async move {
        let nodes = bare_nodes(&cluster, 3);
        let across = spawn_idle(&cluster, nodes[2]);
        let same_side = spawn_idle(&cluster, nodes[1]);
        let (_, log) = spawn_recorder(&cluster, nodes[0], SpawnOpts::default(), move |ctx| {
            ctx.monitor(across);
            ctx.monitor(same_side);
        });
        wait_ms(1).await;
        cluster.partition(&nodes[..2], &nodes[2..]);
        settle().await;
        let downs = log.downs();
        assert_eq!(downs.len(), 1, "{downs:?}");
        assert_eq!((downs[0].pid, downs[0].reason.clone()), (across, Reason::Noconnection));
        assert!(cluster.is_alive(across), "the target lives on, out of reach");
        let rows = cluster.tables().monitors;
        assert_eq!(rows.iter().map(|m| m.target).collect::<Vec<_>>(), vec![same_side]);
    });
}

#[test]
fn monitor_across_a_partition_gives_noconnection_at_once() {
    sim(11, |cluster| async move {
        let nodes = bare_nodes(&cluster, 2);
        let target = spawn_idle(&cluster, nodes[1]);
        cluster.partition(&nodes[..1], &nodes[1..]);
        let (_, log) = spawn_watcher(&cluster, nodes[0], target);
        wait_ms(1).await;
        assert_eq!(log.downs()[0].reason, Reason::Noconnection);
        assert!(cluster.tables().monitors.is_empty());
    });
}

#[test]
fn a_name_monitored_across_a_partition_is_not_looked_up_there() {
    // monitor({Name, Node}) to a node it cannot reach gives DOWN noconnection for the
    // name: the name is not resolved across the cut, so the DOWN names no process of it.
    sim(12, |cluster| async move {
        let nodes = bare_nodes(&cluster, 2);
        let holder = cluster.spawn(nodes[1], SpawnOpts::default(), |ctx| async move {
            ctx.register("far").unwrap();
            idle(ctx).await;
        });
        wait_ms(1).await;
        assert_eq!(cluster.whereis(nodes[1], "far"), Some(holder));
        cluster.partition(&nodes[..1], &nodes[1..]);
        let far = nodes[1];
        let (_, log) = spawn_recorder(&cluster, nodes[0], SpawnOpts::default(), move |ctx| {
            ctx.monitor_name(far, "far");
        });
        wait_ms(1).await;
        let downs = log.downs();
        assert_eq!(downs.len(), 1, "{downs:?}");
        assert_eq!((downs[0].reason.clone(), downs[0].name.as_deref()), (Reason::Noconnection, Some("far")));
        assert_eq!(downs[0].pid, Pid::nobody(nodes[1]));
    });
}

#[test]
fn partition_breaks_links_across_with_noconnection() {
    sim(12, |cluster| async move {
        let nodes = bare_nodes(&cluster, 2);
        let far_a = spawn_idle(&cluster, nodes[1]);
        let far_b = spawn_idle(&cluster, nodes[1]);
        let (trapper, trapped) = spawn_recorder(&cluster, nodes[0], trapping(), move |ctx| {
            let _ = ctx.link(far_a);
        });
        let (plain, _) = spawn_recorder(&cluster, nodes[0], SpawnOpts::default(), move |ctx| {
            let _ = ctx.link(far_b);
        });
        wait_ms(1).await;
        cluster.partition(&nodes[..1], &nodes[1..]);
        settle().await;
        assert!(cluster.is_alive(trapper));
        assert_eq!(trapped.exits(), vec![(far_a, Reason::Noconnection)]);
        assert!(!cluster.is_alive(far_a), "the far side gets `noconnection` too and does not trap it");
        assert!(!cluster.is_alive(plain) && !cluster.is_alive(far_b));
        assert!(cluster.tables().links.is_empty());
    });
}

#[test]
fn partition_drops_messages_until_heal() {
    sim(13, |cluster| async move {
        let nodes = bare_nodes(&cluster, 2);
        let (receiver, log) = spawn_recorder(&cluster, nodes[0], SpawnOpts::default(), |_| {});
        cluster.spawn(nodes[1], SpawnOpts::default(), move |ctx| async move {
            for i in 0..30u32 {
                ctx.send(receiver, i);
                ctx.sleep(ms(10)).await;
            }
        });
        wait_ms(95).await;
        cluster.partition(&nodes[..1], &nodes[1..]);
        wait_ms(100).await;
        cluster.heal();
        assert!(cluster.partitions().is_empty());
        wait_ms(500).await;
        let got = log.infos::<u32>();
        let expected: Vec<u32> = (0..10).chain(20..30).collect();
        assert_eq!(got, expected);
    });
}

#[test]
fn one_way_partition_drops_one_direction_only() {
    sim(14, |cluster| async move {
        let nodes = bare_nodes(&cluster, 2);
        let (a, a_log) = spawn_recorder(&cluster, nodes[0], SpawnOpts::default(), |_| {});
        let (b, b_log) = spawn_recorder(&cluster, nodes[1], SpawnOpts::default(), move |ctx| {
            ctx.monitor(a);
        });
        wait_ms(1).await;
        cluster.partition_one_way(nodes[0], nodes[1]);
        assert_eq!(cluster.partitions(), vec![(nodes[0], nodes[1])]);
        post(&cluster, nodes[0], b, "a to b");
        post(&cluster, nodes[1], a, "b to a");
        settle().await;
        assert!(b_log.items().is_empty(), "{:?}", b_log.items());
        assert_eq!(a_log.infos::<&str>(), vec!["b to a"]);
        assert_eq!(cluster.tables().monitors.len(), 1, "the connection stays up: monitors are kept");
        cluster.heal_between(nodes[1], nodes[0]);
        post(&cluster, nodes[0], b, "after heal");
        settle().await;
        assert_eq!(b_log.infos::<&str>(), vec!["after heal"]);
    });
}

#[test]
fn exit_signal_to_unreachable_node_is_dropped() {
    sim(15, |cluster| async move {
        let nodes = bare_nodes(&cluster, 2);
        let target = spawn_idle(&cluster, nodes[1]);
        cluster.partition(&nodes[..1], &nodes[1..]);
        cluster.spawn(nodes[0], SpawnOpts::default(), move |ctx| async move {
            ctx.exit(target, Reason::error("across the partition"));
        });
        settle().await;
        assert!(cluster.is_alive(target), "a signal cannot cross a partition");
    });
}

#[test]
fn synced_store_survives_node_crash() {
    sim(16, |cluster| async move {
        let nodes = bare_nodes(&cluster, 1);
        let n = nodes[0];
        cluster.spawn(n, SpawnOpts::default(), |ctx| async move {
            ctx.with_store(|s| {
                s.put("kept", 1u32);
                s.put("gone", 2u32);
                s.sync();
                s.delete("gone");
                s.sync();
            });
        });
        settle().await;
        cluster.restart_node(n);
        let seen = Log::new();
        let log = seen.clone();
        cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            log.push(ctx.with_store(|s| (s.get::<u32>("kept"), s.get::<u32>("gone"), s.unsynced())));
        });
        settle().await;
        assert_eq!(seen.items(), vec![(Some(1), None, 0)]);
    });
}

#[test]
fn unsynced_writes_survive_a_node_crash_only_as_a_prefix() {
    let mut lost = 0;
    let mut kept = 0;
    for seed in 0..20 {
        let survived = Log::new();
        let s = survived.clone();
        sim(seed, |cluster| async move {
            let n = bare_nodes(&cluster, 1)[0];
            cluster.with_store(n, |store| {
                store.put("base", 0u32);
                store.sync();
                for (i, key) in ["a", "b", "c"].into_iter().enumerate() {
                    store.put(key, i as u32 + 1);
                }
            });
            cluster.crash_node(n);
            let found = cluster.with_store(n, |store| ["base", "a", "b", "c"].map(|k| store.get::<u32>(k).is_some()));
            s.push(found.expect("the node exists"));
        });
        let [base, a, b, c] = survived.items()[0];
        assert!(base, "seed {seed}: synced data is never lost");
        assert!((a || !b) && (b || !c), "seed {seed}: a later write survived an earlier one");
        kept += usize::from(a);
        lost += usize::from(!c);
    }
    assert!(lost > 0 && kept > 0, "unsynced writes may go either way ({lost} seeds lost some, {kept} kept some)");
}

#[test]
fn store_survives_process_crash_unsynced() {
    sim(17, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        cluster.spawn(n, SpawnOpts::default(), |ctx| async move {
            ctx.with_store(|s| s.put("draft", 5u32));
            panic_after(ctx, 1, "crash before sync").await;
        });
        settle().await;
        assert_eq!(cluster.with_store(n, |s| (s.get::<u32>("draft"), s.unsynced())), Some((Some(5), 1)));
    });
}

#[test]
fn messages_in_flight_across_a_new_partition_are_dropped() {
    sim(18, |cluster| async move {
        let nodes = bare_nodes(&cluster, 2);
        cluster.set_message_faults(MessageFaults { delay: Some((ms(50), ms(50))), ..Default::default() });
        let (receiver, log) = spawn_recorder(&cluster, nodes[0], SpawnOpts::default(), |_| {});
        post(&cluster, nodes[1], receiver, "cut off");
        wait_ms(10).await;
        assert_eq!(cluster.tables().in_flight, 1);
        cluster.partition(&nodes[..1], &nodes[1..]);
        wait_ms(200).await;
        assert!(log.items().is_empty(), "{:?}", log.items());
        assert_eq!(cluster.tables().in_flight, 0);
    });
}

#[test]
fn operations_on_an_unknown_node_are_harmless() {
    sim(19, |cluster| async move {
        let nodes = bare_nodes(&cluster, 1);
        let nowhere = NodeId(99);
        let ghost = cluster.spawn(nowhere, SpawnOpts::default(), idle);
        assert!(!cluster.is_alive(ghost));
        cluster.crash_node(nowhere);
        cluster.restart_node(nowhere);
        assert!(!cluster.is_up(nowhere));
        assert_eq!(cluster.node_name(nowhere), None);
        assert!(cluster.with_store(nowhere, |s| s.unsynced()).is_none());
        let (_, log) = spawn_watcher(&cluster, nodes[0], ghost);
        settle().await;
        assert_eq!(log.downs()[0].reason, Reason::Noconnection);
        assert_eq!(cluster.tables().processes.len(), 1);
    });
}

#[test]
fn halt_leaves_no_process_and_nothing_pending() {
    sim(20, |cluster| async move {
        let nodes = bare_nodes(&cluster, 2);
        cluster.set_message_faults(MessageFaults { delay: Some((ms(50), ms(60))), ..Default::default() });
        let (receiver, _) = spawn_recorder(&cluster, nodes[0], SpawnOpts::default(), |ctx| {
            ctx.register("rx").unwrap();
        });
        cluster.spawn(nodes[1], SpawnOpts::default(), move |ctx| async move {
            ctx.monitor(receiver);
            ctx.send(receiver, "slow");
            idle(ctx).await;
        });
        wait_ms(1).await;
        let before = cluster.tables();
        assert!(before.processes.len() == 2 && before.in_flight == 1 && !before.names.is_empty());
        cluster.halt().await;
        let after = cluster.tables();
        assert!(after.processes.is_empty(), "{:?}", after.processes);
        assert!(after.monitors.is_empty() && after.names.is_empty() && after.in_flight == 0, "{after:?}");
    });
}

#[test]
fn the_cluster_lists_its_nodes_in_creation_order_crashed_ones_included() {
    sim(44, |cluster| async move {
        assert_eq!(cluster.nodes(), Vec::<NodeId>::new());
        let nodes = bare_nodes(&cluster, 3);
        cluster.crash_node(nodes[1]);
        settle().await;
        assert_eq!(cluster.nodes(), nodes);
        let names: Vec<Option<String>> = nodes.iter().map(|n| cluster.node_name(*n)).collect();
        assert_eq!(names, [Some("n0".to_owned()), Some("n1".to_owned()), Some("n2".to_owned())]);
    });
}
