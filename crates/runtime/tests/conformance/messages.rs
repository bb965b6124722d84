//! Conformance: sending, receiving, and the message fault layer.
use crate::common::*;

/// Spawns on `from` a process that sends `0..count` to `to`, one every `gap_ms`.
fn spawn_counter(cluster: &Cluster, from: NodeId, to: Pid, count: u32, gap_ms: u64) -> Pid {
    cluster.spawn(from, SpawnOpts::default(), move |ctx| async move {
        for i in 0..count {
            ctx.send(to, i);
            if gap_ms > 0 {
                ctx.sleep(ms(gap_ms)).await;
            }
        }
        idle(ctx).await;
    })
}

#[test]
fn messages_between_a_pair_arrive_in_send_order() {
    sim(1, |cluster| async move {
        let nodes = bare_nodes(&cluster, 2);
        let (receiver, log) = spawn_recorder(&cluster, nodes[0], SpawnOpts::default(), |_| {});
        spawn_counter(&cluster, nodes[0], receiver, 100, 0);
        spawn_counter(&cluster, nodes[1], receiver, 100, 0);
        settle().await;
        let from_each: Vec<Vec<u32>> = (0..2)
            .map(|sender| {
                log.items()
                    .iter()
                    .filter(|m| matches!(m, Message::Info { from, .. } if from.node == nodes[sender]))
                    .filter_map(|m| m.info::<u32>().copied())
                    .collect()
            })
            .collect();
        assert_eq!(from_each[0], (0..100).collect::<Vec<_>>());
        assert_eq!(from_each[1], (0..100).collect::<Vec<_>>());
    });
}

#[test]
fn messages_between_a_pair_arrive_in_send_order_under_delay_loss_and_duplication() {
    for seed in 0..10 {
        sim(seed, |cluster| async move {
            let nodes = bare_nodes(&cluster, 2);
            cluster.set_message_faults(MessageFaults {
                loss: 0.1,
                duplication: 0.3,
                delay: Some((ms(1), ms(40))),
                scope: FaultScope::All,
            });
            let (receiver, log) = spawn_recorder(&cluster, nodes[0], SpawnOpts::default(), |_| {});
            let senders = [
                spawn_counter(&cluster, nodes[0], receiver, 200, 1),
                spawn_counter(&cluster, nodes[1], receiver, 200, 1),
                spawn_counter(&cluster, nodes[1], receiver, 200, 0),
            ];
            wait_ms(2_000).await;
            let mut duplicated = 0;
            for sender in senders {
                let seen: Vec<u32> = log
                    .items()
                    .iter()
                    .filter(|m| matches!(m, Message::Info { from, .. } if *from == sender))
                    .filter_map(|m| m.info::<u32>().copied())
                    .collect();
                assert!(seen.windows(2).all(|w| w[0] <= w[1]), "seed {seed}: {sender} reordered: {seen:?}");
                assert!(seen.windows(3).all(|w| w[0] < w[2]), "seed {seed}: more than two copies: {seen:?}");
                duplicated += seen.windows(2).filter(|w| w[0] == w[1]).count();
                assert!((100..300).contains(&seen.len()), "seed {seed}: {} delivered", seen.len());
            }
            assert!(duplicated > 0, "seed {seed}: the faults were not exercised");
        });
    }
}

#[test]
fn selective_receive_keeps_other_messages_in_order() {
    sim(2, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let log = seen.clone();
        let receiver = cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            ctx.sleep(ms(10)).await;
            let picked = ctx.recv_match(|m| m.info::<&str>() == Some(&"urgent")).await;
            log.push(picked.info::<&str>().copied().unwrap_or("?"));
            while let Some(m) = ctx.try_recv() {
                log.push(m.info::<&str>().copied().unwrap_or("?"));
            }
        });
        cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            for word in ["a", "b", "urgent", "c", "d"] {
                ctx.send(receiver, word);
            }
        });
        settle().await;
        assert_eq!(seen.items(), vec!["urgent", "a", "b", "c", "d"]);
    });
}

#[test]
fn send_to_dead_pid_is_dropped_silently() {
    sim(3, |cluster| async move {
        let nodes = bare_nodes(&cluster, 2);
        let local = cluster.spawn(nodes[0], SpawnOpts::default(), |_ctx| async {});
        let remote = cluster.spawn(nodes[1], SpawnOpts::default(), |_ctx| async {});
        settle().await;
        let sender = cluster.spawn(nodes[0], SpawnOpts::default(), move |ctx| async move {
            for i in 0..10u32 {
                ctx.send(local, i);
                ctx.send(remote, i);
            }
            idle(ctx).await;
        });
        settle().await;
        assert!(cluster.is_alive(sender));
        let tables = cluster.tables();
        assert_eq!(tables.processes.len(), 1);
        assert_eq!(tables.in_flight, 0);
    });
}

#[test]
fn send_to_unknown_name_is_an_error() {
    sim(4, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let results = Log::new();
        let r = results.clone();
        let sender = cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            r.push(ctx.send_named(ctx.node(), "nobody", 1u32));
            idle(ctx).await;
        });
        settle().await;
        assert!(cluster.is_alive(sender));
        let err = NoSuchName { node: n, name: "nobody".into() };
        assert_eq!(results.items(), vec![Err(err.clone())]);
        assert_eq!(err.to_string(), "no process registered as \"nobody\" on n0");
    });
}

#[test]
fn send_to_unknown_name_on_another_node_is_dropped_silently() {
    sim(15, |cluster| async move {
        let nodes = bare_nodes(&cluster, 3);
        cluster.crash_node(nodes[2]);
        let (far, down) = (nodes[1], nodes[2]);
        let results = Log::new();
        let r = results.clone();
        let sender = cluster.spawn(nodes[0], SpawnOpts::default(), move |ctx| async move {
            r.push(ctx.send_named(far, "nobody", 1u32));
            r.push(ctx.send_named(down, "nobody", 1u32));
            idle(ctx).await;
        });
        settle().await;
        assert!(cluster.is_alive(sender));
        assert_eq!(results.items(), vec![Ok(()), Ok(())], "`{{Name, Node}} ! Msg` never fails");
        assert_eq!(cluster.tables().in_flight, 0);
    });
}

#[test]
fn send_named_reaches_the_registered_process() {
    sim(5, |cluster| async move {
        let nodes = bare_nodes(&cluster, 2);
        let (_, log) = spawn_recorder(&cluster, nodes[1], SpawnOpts::default(), |ctx| {
            ctx.register("inbox").expect("free name");
        });
        let far = nodes[1];
        let results = Log::new();
        let r = results.clone();
        cluster.spawn(nodes[0], SpawnOpts::default(), move |ctx| async move {
            ctx.sleep(ms(1)).await;
            r.push(ctx.send_named(far, "inbox", 7u32));
        });
        settle().await;
        assert_eq!(results.items(), vec![Ok(())]);
        assert_eq!(log.infos::<u32>(), vec![7]);
    });
}

#[test]
fn messages_sent_before_exit_are_still_delivered() {
    sim(6, |cluster| async move {
        let nodes = bare_nodes(&cluster, 2);
        cluster.set_message_faults(MessageFaults { delay: Some((ms(20), ms(40))), ..Default::default() });
        let (receiver, log) = spawn_recorder(&cluster, nodes[0], SpawnOpts::default(), |_| {});
        let sender = cluster.spawn(nodes[1], SpawnOpts::default(), move |ctx| async move {
            for i in 0..5u32 {
                ctx.send(receiver, i);
            }
        });
        wait_ms(5).await;
        assert!(!cluster.is_alive(sender));
        assert!(log.items().is_empty(), "still in flight");
        settle().await;
        assert_eq!(log.infos::<u32>(), vec![0, 1, 2, 3, 4]);
    });
}

#[test]
fn process_sends_nothing_after_it_is_killed() {
    sim(7, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let (receiver, log) = spawn_recorder(&cluster, n, SpawnOpts::default(), |_| {});
        cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            ctx.send(receiver, "alive");
            ctx.exit(ctx.pid(), Reason::Kill);
            // The task is aborted at its next await; until then the process is already dead.
            ctx.send(receiver, "after death");
        });
        settle().await;
        assert_eq!(log.infos::<&str>(), vec!["alive"]);
    });
}

#[test]
fn recv_timeout_gives_nothing_when_nothing_arrives() {
    sim(8, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let log = seen.clone();
        cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            let start = ctx.now();
            let got = ctx.recv_timeout(ms(30)).await;
            log.push((got.is_none(), ctx.now() - start >= ms(30)));
        });
        settle().await;
        assert_eq!(seen.items(), vec![(true, true)]);
    });
}

#[test]
fn recv_timeout_ends_at_its_own_deadline_after_a_longer_wait_was_answered() {
    sim(8, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let log = seen.clone();
        let waiter = cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            // A long wait, answered after 1 ms; then a short one nothing answers.
            let answered = ctx.recv_timeout(ms(5_000)).await.is_some();
            let start = ctx.now();
            let got = ctx.recv_timeout(ms(30)).await;
            log.push((answered, got.is_none(), ctx.now() - start));
        });
        cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            ctx.sleep(ms(1)).await;
            ctx.send(waiter, "now");
        });
        settle().await;
        let [(answered, timed_out, waited)] = seen.items()[..] else { panic!("{:?}", seen.items()) };
        assert!(answered && timed_out);
        // madsim's timers fire a few microseconds past their deadline.
        assert!(waited >= ms(30) && waited < ms(31), "waited {waited:?}");
    });
}

#[test]
fn message_loss_rate_drops_messages() {
    sim(9, |cluster| async move {
        let nodes = bare_nodes(&cluster, 2);
        cluster.set_message_faults(MessageFaults { loss: 0.3, ..Default::default() });
        let (receiver, log) = spawn_recorder(&cluster, nodes[0], SpawnOpts::default(), |_| {});
        spawn_counter(&cluster, nodes[1], receiver, 2_000, 0);
        settle().await;
        let got = log.infos::<u32>();
        assert!((1_300..1_500).contains(&got.len()), "{} of 2000 delivered at 30% loss", got.len());
        assert!(got.windows(2).all(|w| w[0] < w[1]), "what is delivered stays in order, once");
    });
}

#[test]
fn the_fault_rates_in_force_read_back_as_set() {
    sim(11, |cluster| async move {
        assert_eq!(cluster.message_faults(), MessageFaults::default(), "no faults before any are set");
        let faults = MessageFaults { loss: 0.2, duplication: 0.1, delay: Some((ms(1), ms(5))), scope: FaultScope::All };
        cluster.set_message_faults(faults.clone());
        assert_eq!(cluster.message_faults(), faults);
        cluster.set_message_faults(MessageFaults::default());
        assert_eq!(cluster.message_faults(), MessageFaults::default(), "lifted");
    });
}

#[test]
fn duplication_delivers_twice() {
    sim(10, |cluster| async move {
        let nodes = bare_nodes(&cluster, 2);
        cluster.set_message_faults(MessageFaults { duplication: 1.0, ..Default::default() });
        let (receiver, log) = spawn_recorder(&cluster, nodes[0], SpawnOpts::default(), |_| {});
        spawn_counter(&cluster, nodes[1], receiver, 50, 0);
        settle().await;
        let expected: Vec<u32> = (0..50).flat_map(|i| [i, i]).collect();
        assert_eq!(log.infos::<u32>(), expected);
    });
}

#[test]
fn message_delay_holds_messages_back() {
    sim(11, |cluster| async move {
        let nodes = bare_nodes(&cluster, 2);
        cluster.set_message_faults(MessageFaults { delay: Some((ms(40), ms(60))), ..Default::default() });
        let seen = Log::new();
        let log = seen.clone();
        let receiver = cluster.spawn(nodes[0], SpawnOpts::default(), move |ctx| async move {
            while let Some(m) = ctx.recv_timeout(ms(1_000)).await {
                if let Some(sent) = m.info::<std::time::Duration>() {
                    log.push(ctx.now() - *sent);
                }
            }
        });
        cluster.spawn(nodes[1], SpawnOpts::default(), move |ctx| async move {
            for _ in 0..20 {
                ctx.send(receiver, ctx.now());
                ctx.sleep(ms(5)).await;
            }
        });
        wait_ms(500).await;
        let latencies = seen.items();
        assert_eq!(latencies.len(), 20);
        assert!(latencies.iter().all(|l| *l >= ms(40)), "{latencies:?}");
        // FIFO can hold a message behind a slower one, but never past the slowest draw plus the sending gaps.
        assert!(latencies.iter().all(|l| *l <= ms(61)), "{latencies:?}");
    });
}

#[test]
fn faults_apply_between_nodes_only_by_default() {
    sim(12, |cluster| async move {
        let nodes = bare_nodes(&cluster, 2);
        cluster.set_message_faults(MessageFaults { loss: 1.0, ..Default::default() });
        let (receiver, log) = spawn_recorder(&cluster, nodes[0], SpawnOpts::default(), |_| {});
        let local = spawn_counter(&cluster, nodes[0], receiver, 10, 0);
        spawn_counter(&cluster, nodes[1], receiver, 10, 0);
        settle().await;
        let senders: Vec<Pid> = log
            .items()
            .iter()
            .filter_map(|m| match m {
                Message::Info { from, .. } => Some(*from),
                _ => None,
            })
            .collect();
        assert_eq!(senders, vec![local; 10]);
    });
}

#[test]
fn fault_scope_all_applies_to_local_messages() {
    sim(13, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        cluster.set_message_faults(MessageFaults { loss: 1.0, scope: FaultScope::All, ..Default::default() });
        let (receiver, log) = spawn_recorder(&cluster, n, SpawnOpts::default(), |_| {});
        spawn_counter(&cluster, n, receiver, 10, 0);
        settle().await;
        assert!(log.items().is_empty(), "{:?}", log.items());
    });
}

#[test]
fn runtime_signals_are_never_dropped_by_message_faults() {
    sim(14, |cluster| async move {
        let nodes = bare_nodes(&cluster, 2);
        cluster.set_message_faults(MessageFaults {
            loss: 1.0,
            delay: Some((ms(5), ms(10))),
            scope: FaultScope::All,
            ..Default::default()
        });
        let crasher = cluster.spawn(nodes[1], SpawnOpts::default(), |ctx| exit_after(ctx, 10, Reason::error("x")));
        let (_, watcher) = spawn_watcher(&cluster, nodes[0], crasher);
        let (_, trapper) = spawn_recorder(&cluster, nodes[0], trapping(), move |ctx| {
            let _ = ctx.link(crasher);
        });
        settle().await;
        assert_eq!(watcher.downs().len(), 1);
        assert_eq!(trapper.exits(), vec![(crasher, Reason::error("x"))]);
    });
}

#[test]
fn message_fates_repeat_for_the_same_seed() {
    let delivered = |seed: u64| {
        let out = Log::new();
        let o = out.clone();
        sim(seed, |cluster| async move {
            let nodes = bare_nodes(&cluster, 2);
            cluster.set_message_faults(MessageFaults {
                loss: 0.4,
                duplication: 0.2,
                delay: Some((ms(1), ms(20))),
                ..Default::default()
            });
            let (receiver, log) = spawn_recorder(&cluster, nodes[0], SpawnOpts::default(), |_| {});
            spawn_counter(&cluster, nodes[1], receiver, 200, 1);
            wait_ms(1_000).await;
            for i in log.infos::<u32>() {
                o.push(i);
            }
        });
        out.items()
    };
    let first = delivered(42);
    assert_eq!(first, delivered(42), "one seed, one set of fates");
    assert_ne!(first, delivered(43), "another seed draws other fates");
}

#[test]
fn a_fate_forced_on_a_message_id_hits_that_message_alone() {
    // A message's id is the `msg` of its trace events: rerun the seed with a drop
    // forced on the id the third message got, and only that message is lost.
    let run = |forced: ForcedFates| {
        let (receivers, received) = (Log::new(), Log::new());
        let (receiver_out, received_out) = (receivers.clone(), received.clone());
        let (_, recorder) = traced(15, |cluster| async move {
            let nodes = bare_nodes(&cluster, 2);
            cluster.force_fates(forced);
            let (receiver, log) = spawn_recorder(&cluster, nodes[0], SpawnOpts::default(), |_| {});
            receiver_out.push(receiver);
            spawn_counter(&cluster, nodes[1], receiver, 5, 0);
            settle().await;
            for i in log.infos::<u32>() {
                received_out.push(i);
            }
        });
        let to = receivers.items()[0].to_string();
        let ids: Vec<u64> = recorder
            .named(event::kind::DELIVER)
            .iter()
            .filter(|e| e.get(event::field::TO) == to)
            .map(|e| e.get(event::field::MSG).parse().unwrap())
            .collect();
        (received.items(), ids)
    };
    let (all, ids) = run(ForcedFates::new());
    assert_eq!(all, vec![0, 1, 2, 3, 4]);
    let (some, _) = run(ForcedFates::from([(ids[2], ForcedFate::Drop)]));
    assert_eq!(some, vec![0, 1, 3, 4]);
}

#[test]
fn the_running_process_is_the_one_whose_code_runs_and_none_outside_processes() {
    // Whatever records events names the actor of each by `running()`.
    sim(41, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        assert_eq!(running(), None, "the test body is no process");
        let seen = Log::new();
        let mut pids = Vec::new();
        for _ in 0..2 {
            let seen = seen.clone();
            pids.push(cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
                seen.push((ctx.pid(), running()));
                ctx.sleep(ms(5)).await;
                seen.push((ctx.pid(), running()));
            }));
        }
        settle().await;
        let items = seen.items();
        assert_eq!(items.len(), 4, "{items:?}");
        assert!(items.iter().all(|(pid, running)| *running == Some(*pid)), "{items:?}");
        assert_eq!(running(), None, "still none once the processes ran");
    });
}

#[test]
fn a_killed_process_is_the_running_one_while_its_task_is_dropped() {
    // A kill aborts the task; drop guards in it then run as the process, so what they
    // emit is traced as its own.
    struct Guard(Log<Option<Pid>>);
    impl Drop for Guard {
        fn drop(&mut self) {
            self.0.push(running());
        }
    }
    sim(43, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let log = seen.clone();
        let victim = cluster.spawn(n, SpawnOpts::default(), move |_ctx| async move {
            let _guard = Guard(log);
            std::future::pending::<()>().await;
        });
        settle().await;
        cluster.kill(victim);
        settle().await;
        assert_eq!(seen.items(), vec![Some(victim)]);
        assert_eq!(running(), None);
    });
}

#[test]
fn info_as_reads_a_plain_message_of_its_type_and_nothing_else() {
    sim(42, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let (receiver, log) = spawn_recorder(&cluster, n, SpawnOpts::default(), |_| {});
        cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            ctx.send(receiver, 7_u32);
        });
        settle().await;
        let [message] = &log.items()[..] else { panic!("{:?}", log.items()) };
        assert_eq!(otpsim_runtime::gen_server::info_as::<u32>(message), Some(7));
        assert_eq!(otpsim_runtime::gen_server::info_as::<String>(message), None, "another type");
    });
}

#[test]
fn an_injected_defect_crashes_a_waiting_process_and_a_dead_one_refuses_it() {
    sim(43, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let (victim, _) = spawn_recorder(&cluster, n, SpawnOpts::default(), |_| {});
        let (_, watcher) = spawn_watcher(&cluster, n, victim);
        settle().await;
        assert!(cluster.inject_defect(victim), "a live process takes the defect");
        settle().await;
        assert!(!cluster.is_alive(victim));
        let reasons: Vec<Reason> = watcher.downs().into_iter().map(|d| d.reason).collect();
        assert_eq!(reasons, vec![Reason::Panic(format!("injected defect in {victim}").into())]);
        assert!(!cluster.inject_defect(victim), "a dead process cannot take one");
    });
}

/// The `message.*` coverage points a run of 200 messages between two nodes reaches
/// under `faults`.
fn message_points(seed: u64, faults: MessageFaults) -> Vec<String> {
    sim(seed, |cluster| async move {
        coverage::reset();
        let nodes = bare_nodes(&cluster, 2);
        cluster.set_message_faults(faults);
        let (receiver, _) = spawn_recorder(&cluster, nodes[0], SpawnOpts::default(), |_| {});
        spawn_counter(&cluster, nodes[1], receiver, 200, 1);
        wait_ms(1_000).await;
        coverage::take().keys().filter(|p| p.starts_with("message.")).map(|p| p.to_string()).collect()
    })
}

#[test]
fn each_message_fault_marks_its_own_coverage_point_and_no_other() {
    let delay = MessageFaults { delay: Some((ms(1), ms(40))), ..Default::default() };
    assert_eq!(message_points(45, delay), ["message.delayed"]);
    let duplication = MessageFaults { duplication: 0.3, ..Default::default() };
    assert_eq!(message_points(46, duplication), ["message.duplicated"]);
    let loss = MessageFaults { loss: 0.3, ..Default::default() };
    assert_eq!(message_points(47, loss), ["message.dropped"]);
}
