//! Conformance: links, exit signals and trapping exits.
use crate::common::*;

/// Spawns a process linked to `peer` that records its messages.
fn spawn_linked_recorder(cluster: &Cluster, node: NodeId, opts: SpawnOpts, peer: Pid) -> (Pid, Log<Message>) {
    spawn_recorder(cluster, node, opts, move |ctx| {
        let _ = ctx.link(peer);
    })
}

#[test]
fn kill_is_untrappable() {
    sim(1, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let (trapper, trapped) = spawn_recorder(&cluster, n, trapping(), |_| {});
        let (_, watcher) = spawn_watcher(&cluster, n, trapper);
        cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            ctx.sleep(ms(10)).await;
            ctx.exit(trapper, Reason::Kill);
        });
        settle().await;
        assert!(!cluster.is_alive(trapper));
        assert!(trapped.items().is_empty(), "kill never arrives as a message: {:?}", trapped.items());
        assert_eq!(watcher.downs()[0].reason, Reason::Killed);
    });
}

#[test]
fn killed_reason_propagates_through_links_as_killed() {
    sim(2, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let victim = spawn_idle(&cluster, n);
        let (trapper, trapped) = spawn_linked_recorder(&cluster, n, trapping(), victim);
        let (plain, _) = spawn_linked_recorder(&cluster, n, SpawnOpts::default(), victim);
        let (_, watcher) = spawn_watcher(&cluster, n, plain);
        cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            ctx.sleep(ms(10)).await;
            ctx.exit(victim, Reason::Kill);
        });
        settle().await;
        assert!(!cluster.is_alive(victim));
        assert!(cluster.is_alive(trapper), "`killed` through a link is trappable");
        assert_eq!(trapped.exits(), vec![(victim, Reason::Killed)]);
        assert_eq!(watcher.downs()[0].reason, Reason::Killed);
    });
}

#[test]
fn explicit_killed_signal_is_trappable() {
    sim(3, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let (trapper, trapped) = spawn_recorder(&cluster, n, trapping(), |_| {});
        let sender = cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            ctx.exit(trapper, Reason::Killed);
            idle(ctx).await;
        });
        settle().await;
        assert!(cluster.is_alive(trapper), "only `kill` is untrappable");
        assert_eq!(trapped.exits(), vec![(sender, Reason::Killed)]);
    });
}

#[test]
fn normal_exit_does_not_kill_linked_process() {
    sim(4, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let quitter = cluster.spawn(n, SpawnOpts::default(), |ctx| exit_after(ctx, 10, Reason::Normal));
        let (peer, log) = spawn_linked_recorder(&cluster, n, SpawnOpts::default(), quitter);
        settle().await;
        assert!(!cluster.is_alive(quitter));
        assert!(cluster.is_alive(peer));
        assert!(log.items().is_empty());
        assert!(cluster.tables().links.is_empty());
    });
}

#[test]
fn abnormal_exit_kills_linked_process() {
    sim(5, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let crasher = cluster.spawn(n, SpawnOpts::default(), |ctx| exit_after(ctx, 10, Reason::error("boom")));
        let (peer, _) = spawn_linked_recorder(&cluster, n, SpawnOpts::default(), crasher);
        let (_, watcher) = spawn_watcher(&cluster, n, peer);
        settle().await;
        assert!(!cluster.is_alive(peer));
        assert_eq!(watcher.downs()[0].reason, Reason::error("boom"), "the peer dies with the same reason");
    });
}

#[test]
fn panic_kills_linked_process() {
    sim(6, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let crasher = cluster.spawn(n, SpawnOpts::default(), |ctx| panic_after(ctx, 10, "defect"));
        let (peer, _) = spawn_linked_recorder(&cluster, n, SpawnOpts::default(), crasher);
        let (_, watcher) = spawn_watcher(&cluster, n, peer);
        settle().await;
        assert_eq!(watcher.downs()[0].reason, Reason::Panic("defect".into()));
    });
}

#[test]
fn trapping_process_gets_exit_message() {
    sim(7, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let crasher = cluster.spawn(n, SpawnOpts::default(), |ctx| exit_after(ctx, 10, Reason::error("boom")));
        let (trapper, log) = spawn_linked_recorder(&cluster, n, trapping(), crasher);
        settle().await;
        assert!(cluster.is_alive(trapper));
        assert_eq!(log.exits(), vec![(crasher, Reason::error("boom"))]);
    });
}

#[test]
fn trapping_process_gets_exit_message_for_normal_exit() {
    sim(8, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let quitter = cluster.spawn(n, SpawnOpts::default(), |ctx| exit_after(ctx, 10, Reason::Normal));
        let (_, log) = spawn_linked_recorder(&cluster, n, trapping(), quitter);
        settle().await;
        assert_eq!(log.exits(), vec![(quitter, Reason::Normal)]);
    });
}

#[test]
fn exit_normal_to_other_process_is_ignored() {
    sim(9, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let (target, log) = spawn_recorder(&cluster, n, SpawnOpts::default(), |_| {});
        cluster.spawn(n, SpawnOpts::default(), move |ctx| async move { ctx.exit(target, Reason::Normal) });
        settle().await;
        assert!(cluster.is_alive(target));
        assert!(log.items().is_empty());
    });
}

#[test]
fn exit_normal_to_trapping_process_arrives_as_message() {
    sim(10, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let (target, log) = spawn_recorder(&cluster, n, trapping(), |_| {});
        let sender = cluster.spawn(n, SpawnOpts::default(), move |ctx| async move { ctx.exit(target, Reason::Normal) });
        settle().await;
        assert!(cluster.is_alive(target));
        assert_eq!(log.exits(), vec![(sender, Reason::Normal)]);
    });
}

#[test]
fn exit_normal_to_self_ends_the_process() {
    sim(11, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let me = cluster.spawn(n, SpawnOpts::default(), |ctx| async move {
            ctx.sleep(ms(10)).await;
            ctx.exit(ctx.pid(), Reason::Normal);
            idle(ctx).await;
        });
        let (_, watcher) = spawn_watcher(&cluster, n, me);
        settle().await;
        assert!(!cluster.is_alive(me));
        assert_eq!(watcher.downs()[0].reason, Reason::Normal);
    });
}

#[test]
fn exit_signal_kills_non_trapping_process_with_its_reason() {
    sim(12, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let target = spawn_idle(&cluster, n);
        let (_, watcher) = spawn_watcher(&cluster, n, target);
        cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            ctx.sleep(ms(10)).await;
            ctx.exit(target, Reason::Shutdown);
        });
        settle().await;
        assert_eq!(watcher.downs()[0].reason, Reason::Shutdown);
    });
}

#[test]
fn link_to_dead_process_gives_noproc() {
    sim(13, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let dead = cluster.spawn(n, SpawnOpts::default(), |_ctx| async {});
        settle().await;
        let (trapper, trapped) = spawn_linked_recorder(&cluster, n, trapping(), dead);
        let answer = Log::new();
        let plain_answer = answer.clone();
        let (plain, _) =
            spawn_recorder(&cluster, n, SpawnOpts::default(), move |ctx| plain_answer.push(ctx.link(dead)));
        settle().await;
        assert_eq!(answer.items(), vec![Err(Reason::Noproc)]);
        assert!(cluster.is_alive(trapper));
        assert_eq!(trapped.exits(), vec![(dead, Reason::Noproc)]);
        assert!(cluster.is_alive(plain), "a process that does not trap exits gets an error, not a signal");
        assert!(cluster.tables().links.is_empty());
    });
}

#[test]
fn unlink_prevents_exit_propagation() {
    sim(14, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let crasher = cluster.spawn(n, SpawnOpts::default(), |ctx| exit_after(ctx, 20, Reason::error("boom")));
        let (peer, log) = spawn_recorder(&cluster, n, SpawnOpts::default(), move |ctx| {
            let _ = ctx.link(crasher);
            ctx.unlink(crasher);
        });
        let (trapper, trapped) = spawn_recorder(&cluster, n, trapping(), move |ctx| {
            let _ = ctx.link(crasher);
            ctx.unlink(crasher);
        });
        settle().await;
        assert!(cluster.is_alive(peer) && cluster.is_alive(trapper));
        assert!(log.items().is_empty() && trapped.items().is_empty());
        assert!(cluster.tables().links.is_empty());
    });
}

#[test]
fn links_are_bidirectional() {
    sim(15, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        // The linker dies: the linked-to process goes with it.
        let target = spawn_idle(&cluster, n);
        let linker = cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            let _ = ctx.link(target);
            exit_after(ctx, 10, Reason::error("linker died")).await
        });
        wait_ms(5).await;
        assert_eq!(cluster.tables().links, vec![(target.min(linker), target.max(linker))]);
        // The linked-to process dies: the linker goes with it.
        let crasher = cluster.spawn(n, SpawnOpts::default(), |ctx| exit_after(ctx, 10, Reason::error("target died")));
        let (linker2, _) = spawn_linked_recorder(&cluster, n, SpawnOpts::default(), crasher);
        settle().await;
        assert!(!cluster.is_alive(target), "the exit travelled from the linker to its target");
        assert!(!cluster.is_alive(linker2), "the exit travelled from the target to its linker");
        assert!(cluster.tables().links.is_empty());
    });
}

#[test]
fn linking_to_self_changes_nothing() {
    sim(16, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let (me, log) = spawn_recorder(&cluster, n, trapping(), |ctx| {
            let _ = ctx.link(ctx.pid());
        });
        settle().await;
        assert!(cluster.is_alive(me));
        assert!(cluster.tables().links.is_empty());
        assert!(log.items().is_empty());
    });
}

#[test]
fn linking_twice_gives_one_exit() {
    sim(17, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let crasher = cluster.spawn(n, SpawnOpts::default(), |ctx| exit_after(ctx, 10, Reason::error("once")));
        let (_, log) = spawn_recorder(&cluster, n, trapping(), move |ctx| {
            let _ = ctx.link(crasher);
            let _ = ctx.link(crasher);
        });
        wait_ms(500).await;
        assert_eq!(log.exits(), vec![(crasher, Reason::error("once"))]);
    });
}

#[test]
fn exit_cascades_along_a_chain_of_links() {
    sim(18, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let head = cluster.spawn(n, SpawnOpts::default(), |ctx| exit_after(ctx, 10, Reason::error("chain")));
        let (middle, _) = spawn_linked_recorder(&cluster, n, SpawnOpts::default(), head);
        let (tail, _) = spawn_linked_recorder(&cluster, n, SpawnOpts::default(), middle);
        let (end, log) = spawn_linked_recorder(&cluster, n, trapping(), tail);
        let (_, watcher) = spawn_watcher(&cluster, n, tail);
        settle().await;
        assert!(!cluster.is_alive(middle) && !cluster.is_alive(tail));
        assert_eq!(watcher.downs()[0].reason, Reason::error("chain"));
        assert!(cluster.is_alive(end), "a trapping process stops the cascade");
        assert_eq!(log.exits(), vec![(tail, Reason::error("chain"))]);
    });
}

#[test]
fn spawn_link_ties_the_child_to_its_parent() {
    sim(19, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let children = Log::new();
        let c = children.clone();
        let parent = cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            c.push(ctx.spawn_link(|ctx| exit_after(ctx, 10, Reason::error("child crashed"))));
            idle(ctx).await;
        });
        let (_, watcher) = spawn_watcher(&cluster, n, parent);
        settle().await;
        assert_eq!(children.len(), 1);
        assert_eq!(watcher.downs()[0].reason, Reason::error("child crashed"));
    });
}

#[test]
fn trap_exit_can_be_switched_off_again() {
    sim(20, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let crasher = cluster.spawn(n, SpawnOpts::default(), |ctx| exit_after(ctx, 20, Reason::error("boom")));
        let previous = Log::new();
        let p = previous.clone();
        let (peer, log) = spawn_recorder(&cluster, n, SpawnOpts::default(), move |ctx| {
            p.push(ctx.trap_exit(true));
            p.push(ctx.trap_exit(false));
            let _ = ctx.link(crasher);
        });
        settle().await;
        assert_eq!(previous.items(), vec![false, true], "trap_exit returns the previous setting");
        assert!(!cluster.is_alive(peer));
        assert!(log.items().is_empty());
    });
}

#[test]
fn exit_in_flight_is_not_lost_when_the_senders_node_crashes() {
    sim(21, |cluster| async move {
        let nodes = bare_nodes(&cluster, 2);
        cluster.set_message_faults(MessageFaults { delay: Some((ms(50), ms(50))), ..Default::default() });
        let far = nodes[1];
        let (_, log) = spawn_recorder(&cluster, nodes[0], trapping(), move |ctx| {
            let me = ctx.pid();
            ctx.spawn_opts(far, SpawnOpts::default().linked(), move |ctx| async move {
                ctx.sleep(ms(10)).await;
                ctx.send(me, "delayed");
                Reason::error("exited")
            });
        });
        // The peer has exited; its EXIT waits behind the delayed message when its node dies.
        wait_ms(20).await;
        assert!(cluster.tables().links.is_empty());
        cluster.crash_node(far);
        wait_ms(500).await;
        assert_eq!(log.exits().len(), 1, "the trapping peer must learn of the exit: {:?}", log.items());
    });
}

#[test]
fn dead_process_sends_no_exit_signal() {
    sim(22, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let target = spawn_idle(&cluster, n);
        cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            ctx.exit(ctx.pid(), Reason::Kill);
            // Dead already: the task stops at its next await, and nothing it does counts.
            ctx.exit(target, Reason::error("from beyond"));
        });
        settle().await;
        assert!(cluster.is_alive(target));
    });
}

#[test]
fn exit_reason_kill_through_a_link_is_trappable() {
    sim(23, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        // A process that exits with reason `kill` sends an ordinary link signal: only
        // `exit(Pid, kill)` is untrappable.
        let quitter = cluster.spawn(n, SpawnOpts::default(), |ctx| exit_after(ctx, 10, Reason::Kill));
        let (trapper, trapped) = spawn_recorder(&cluster, n, trapping(), move |ctx| {
            let _ = ctx.link(quitter);
        });
        settle().await;
        assert!(cluster.is_alive(trapper));
        assert_eq!(trapped.exits(), vec![(quitter, Reason::Kill)]);
    });
}
