//! Conformance: registered names (`register/2`, `unregister/1`, `whereis/1`).
use crate::common::*;

/// Spawns an idle process that tries to register `name` after `delay_ms` and logs the result.
fn spawn_registrant(
    cluster: &Cluster,
    node: NodeId,
    name: &'static str,
    delay_ms: u64,
) -> (Pid, Log<Result<(), RegisterError>>) {
    let log = Log::new();
    let l = log.clone();
    let pid = cluster.spawn(node, SpawnOpts::default(), move |ctx| async move {
        ctx.sleep(ms(delay_ms)).await;
        l.push(ctx.register(name));
        idle(ctx).await;
    });
    (pid, log)
}

#[test]
fn name_is_unique_per_node() {
    sim(1, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let (first, first_log) = spawn_registrant(&cluster, n, "server", 1);
        let (second, second_log) = spawn_registrant(&cluster, n, "server", 5);
        settle().await;
        assert_eq!(first_log.items(), vec![Ok(())]);
        assert_eq!(second_log.items(), vec![Err(RegisterError::Taken(first))]);
        let why = RegisterError::Taken(first).to_string();
        assert_eq!(why, format!("name already registered to {first}"), "the error names the holder");
        assert!(cluster.is_alive(second), "a refused register is an error, not a crash");
        assert_eq!(cluster.whereis(n, "server"), Some(first));
    });
}

#[test]
fn same_name_on_two_nodes_is_allowed() {
    sim(2, |cluster| async move {
        let nodes = bare_nodes(&cluster, 2);
        let (a, a_log) = spawn_registrant(&cluster, nodes[0], "server", 1);
        let (b, b_log) = spawn_registrant(&cluster, nodes[1], "server", 1);
        settle().await;
        assert_eq!((a_log.items(), b_log.items()), (vec![Ok(())], vec![Ok(())]));
        assert_eq!(cluster.whereis(nodes[0], "server"), Some(a));
        assert_eq!(cluster.whereis(nodes[1], "server"), Some(b));
    });
}

#[test]
fn name_freed_when_process_dies() {
    sim(3, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let holder = cluster.spawn(n, SpawnOpts::default(), |ctx| async move {
            ctx.register("server").expect("free name");
            exit_after(ctx, 10, Reason::error("crash")).await
        });
        wait_ms(5).await;
        assert_eq!(cluster.whereis(n, "server"), Some(holder));
        settle().await;
        assert_eq!(cluster.whereis(n, "server"), None);
        assert!(cluster.tables().names.is_empty());
        let (successor, log) = spawn_registrant(&cluster, n, "server", 1);
        settle().await;
        assert_eq!(log.items(), vec![Ok(())]);
        assert_eq!(cluster.whereis(n, "server"), Some(successor));
    });
}

#[test]
fn name_is_gone_when_the_down_arrives() {
    sim(4, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let holder = cluster.spawn(n, SpawnOpts::default(), |ctx| async move {
            ctx.register("server").expect("free name");
            exit_after(ctx, 10, Reason::Normal).await
        });
        let seen = Log::new();
        let log = seen.clone();
        cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            ctx.sleep(ms(1)).await;
            ctx.monitor(holder);
            let _down = ctx.recv().await;
            log.push((ctx.whereis(ctx.node(), "server"), ctx.register("server")));
        });
        settle().await;
        assert_eq!(seen.items(), vec![(None, Ok(()))]);
    });
}

#[test]
fn register_of_dead_process_is_refused() {
    sim(5, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let results = Log::new();
        let r = results.clone();
        cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            ctx.exit(ctx.pid(), Reason::Kill);
            // Dead already: the task stops at its next await.
            r.push(ctx.register("ghost"));
        });
        settle().await;
        assert_eq!(results.items(), vec![Err(RegisterError::NotAlive)]);
        assert_eq!(cluster.whereis(n, "ghost"), None);
        assert!(cluster.tables().names.is_empty());
    });
}

#[test]
fn process_holds_at_most_one_name() {
    sim(6, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let results = Log::new();
        let r = results.clone();
        let pid = cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            r.push(ctx.register("first"));
            r.push(ctx.register("second"));
            idle(ctx).await;
        });
        settle().await;
        assert_eq!(results.items(), vec![Ok(()), Err(RegisterError::AlreadyNamed("first".into()))]);
        assert_eq!(cluster.whereis(n, "first"), Some(pid));
        assert_eq!(cluster.whereis(n, "second"), None);
    });
}

#[test]
fn unregister_frees_the_name() {
    sim(7, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let results = Log::new();
        let r = results.clone();
        let pid = cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            ctx.register("temp").expect("free name");
            r.push(ctx.unregister("temp"));
            r.push(ctx.unregister("temp"));
            r.push(ctx.register("other").is_ok());
            idle(ctx).await;
        });
        settle().await;
        assert_eq!(results.items(), vec![true, false, true], "a second unregister finds nothing");
        assert_eq!(cluster.whereis(n, "temp"), None);
        assert_eq!(cluster.whereis(n, "other"), Some(pid));
        let (_, log) = spawn_registrant(&cluster, n, "temp", 1);
        settle().await;
        assert_eq!(log.items(), vec![Ok(())]);
    });
}

#[test]
fn whereis_of_unknown_name_is_none() {
    sim(8, |cluster| async move {
        let nodes = bare_nodes(&cluster, 2);
        spawn_registrant(&cluster, nodes[0], "here", 1);
        settle().await;
        assert_eq!(cluster.whereis(nodes[0], "nowhere"), None);
        assert_eq!(cluster.whereis(nodes[1], "here"), None, "names are per node");
        assert_eq!(cluster.whereis(NodeId(99), "here"), None, "an unknown node has no names");
    });
}

#[test]
fn the_tables_list_the_live_processes_of_a_label_and_no_others() {
    // Labels are how the fault layer finds its targets ("crash a task_agent").
    sim(9, |cluster| async move {
        let nodes = bare_nodes(&cluster, 2);
        let spawn = |node, opts: SpawnOpts| cluster.spawn(node, opts, idle);
        let workers = [spawn(nodes[0], SpawnOpts::labelled("worker")), spawn(nodes[1], SpawnOpts::labelled("worker"))];
        let other = spawn(nodes[0], SpawnOpts::labelled("other"));
        spawn(nodes[1], SpawnOpts::default());
        let dead = spawn(nodes[0], SpawnOpts::labelled("worker"));
        cluster.kill(dead);
        settle().await;
        let labelled = |label| {
            let mut pids: Vec<Pid> = cluster.tables().labelled(label).map(|p| p.pid).collect();
            pids.sort();
            pids
        };
        let mut expected = workers.to_vec();
        expected.sort();
        assert_eq!(labelled("worker"), expected);
        assert_eq!(labelled("other"), vec![other]);
        assert_eq!(labelled("nobody"), Vec::<Pid>::new());
    });
}
