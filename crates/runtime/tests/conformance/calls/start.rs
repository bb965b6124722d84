//! Conformance: `gen_server:start_link`, which returns once the child's init has answered.

use super::*;

#[test]
fn start_link_returns_after_init_has_run() {
    sim(20, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let log = seen.clone();
        let handled = Log::new();
        let parent = cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            let started = start_link(&ctx, ctx.node(), SpawnOpts::default(), move |c: &Ctx| {
                c.register("started").map_err(|e| Reason::error(e.to_string()))?;
                Ok(Server { handled, pending: None })
            })
            .await;
            log.push((started.clone().ok(), started.ok().and(ctx.whereis(ctx.node(), "started"))));
            idle(ctx).await;
        });
        settle().await;
        let items = seen.items();
        assert_eq!(items.len(), 1);
        let (child, registered) = items[0];
        assert!(child.is_some() && child == registered, "init ran before start_link returned: {items:?}");
        let child = child.expect("checked");
        assert_eq!(cluster.tables().links, vec![(parent.min(child), parent.max(child))]);
    });
}

#[test]
fn start_link_waits_for_the_ack_past_other_messages_the_child_sends_first() {
    // proc_lib waits for the ack by a selective receive: what the child's init sent its
    // starter before answering stays queued for the starter to read afterwards.
    sim(25, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let log = seen.clone();
        cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            let starter = ctx.pid();
            let started = start_link(&ctx, ctx.node(), SpawnOpts::default(), move |c: &Ctx| {
                c.send(starter, "hello from init");
                Ok(Server { handled: Log::new(), pending: None })
            })
            .await;
            let queued = ctx.try_recv().and_then(|m| m.info::<&'static str>().copied());
            log.push((started.is_ok(), queued));
            idle(ctx).await;
        });
        settle().await;
        assert_eq!(seen.items(), vec![(true, Some("hello from init"))]);
    });
}

#[test]
fn start_link_init_failure_returns_the_reason_then_the_exit_follows() {
    sim(21, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let log = seen.clone();
        let parent = cluster.spawn(n, trapping(), move |ctx| async move {
            let started =
                start_link::<Server, _>(&ctx, ctx.node(), SpawnOpts::default(), |_| Err(Reason::error("bad config")))
                    .await;
            let exit = ctx.try_recv().map(|m| format!("{m:?}")).unwrap_or_default();
            log.push(format!("{started:?} then {}", exit.contains("bad config")));
            idle(ctx).await;
        });
        settle().await;
        // OTP 25: the child answers `{error, Reason}`, then exits still linked.
        assert_eq!(seen.items(), vec!["Err(Error(\"bad config\")) then true".to_string()]);
        assert!(cluster.is_alive(parent), "a trapping starter lives on");
        assert_eq!(cluster.tables().processes.len(), 1);
    });
}

#[test]
fn start_link_init_panic_returns_the_panic_and_takes_the_exit() {
    // The child dies before it answers: the starter learns why from its monitor, and the
    // EXIT its link sent a trapping starter is taken, as proc_lib takes it.
    sim(24, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let log = seen.clone();
        let parent = cluster.spawn(n, trapping(), move |ctx| async move {
            let started =
                start_link::<Server, _>(&ctx, ctx.node(), SpawnOpts::default(), |_| panic!("init defect")).await;
            log.push(format!("{started:?} mailbox={}", ctx.mailbox_len()));
            idle(ctx).await;
        });
        settle().await;
        let items = seen.items();
        assert_eq!(items.len(), 1, "start_link returned once: {items:?}");
        assert!(items[0].starts_with("Err(Panic(") && items[0].contains("init defect"), "{items:?}");
        assert!(items[0].ends_with("mailbox=0"), "the EXIT was taken: {items:?}");
        assert!(cluster.is_alive(parent), "a trapping starter lives on");
        assert_eq!(cluster.tables().processes.len(), 1, "the child is gone");
        assert!(cluster.tables().links.is_empty() && cluster.tables().monitors.is_empty());
    });
}

/// A gen-server that records the plain messages it gets.
struct Watchful {
    infos: Log<String>,
}

impl GenServer for Watchful {
    type Call = ();
    type Reply = ();
    type Cast = ();

    async fn handle_call(&mut self, _ctx: &Ctx, _request: (), _from: ReplyTo) -> CallOutcome<()> {
        CallOutcome::Reply(())
    }

    async fn handle_info(&mut self, _ctx: &Ctx, msg: Message) -> Flow {
        self.infos.push(format!("{msg:?}"));
        Flow::Continue
    }
}

#[test]
fn trapping_server_stops_on_its_parents_exit_only() {
    // OTP's gen_server loop: an EXIT from the parent ends the server with the parent's
    // reason; an EXIT from any other linked process is a message for `handle_info`.
    sim(25, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let (infos, started) = (Log::new(), Log::new());
        let (log, pid) = (infos.clone(), started.clone());
        cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            let server = start_link(&ctx, ctx.node(), trapping(), move |c: &Ctx| {
                c.spawn_link(|c| exit_after(c, 10, Reason::error("sibling crash")));
                Ok(Watchful { infos: log })
            })
            .await
            .expect("started");
            pid.push(server);
            exit_after(ctx, 100, Reason::error("parent gone")).await
        });
        wait_ms(50).await;
        let server = started.items()[0];
        assert!(cluster.is_alive(server), "another process's EXIT is only information");
        let seen = infos.items();
        assert!(matches!(&seen[..], [exit] if exit.contains("sibling crash")), "{seen:?}");
        wait_ms(100).await;
        assert!(!cluster.is_alive(server), "its parent's EXIT stops it");
        assert_eq!(infos.len(), 1, "the parent's EXIT was not handed to handle_info");
    });
}
