//! Conformance: gen-server calls and casts (`gen_server:call/3`, `cast/2`, `reply/2`, `start_link`).

mod start;
mod timeouts;

use crate::common::*;
use otpsim_runtime::gen_server::{serve, start_link};

/// What the test server can be asked.
#[derive(Clone, Debug)]
enum Req {
    /// Answer with the value at once.
    Echo(u64),
    /// Answer with the value after `delay_ms`.
    Slow(u64, u64),
    /// Stop with the reason, without answering.
    Stop(Reason),
    /// Answer with the value, then stop normally.
    StopAfterReply(u64),
    /// Panic in the handler.
    Panic,
    /// Answer 99 later, from `handle_info`.
    Deferred,
}

/// A gen-server that logs the values it handles.
struct Server {
    handled: Log<u64>,
    pending: Option<ReplyTo>,
}

impl GenServer for Server {
    type Call = Req;
    type Reply = u64;
    type Cast = u64;

    async fn handle_call(&mut self, ctx: &Ctx, request: Req, from: ReplyTo) -> CallOutcome<u64> {
        match request {
            Req::Echo(value) => {
                self.handled.push(value);
                CallOutcome::Reply(value)
            }
            Req::Slow(value, delay_ms) => {
                ctx.sleep(ms(delay_ms)).await;
                CallOutcome::Reply(value)
            }
            Req::Stop(reason) => CallOutcome::Stop(reason, None),
            Req::StopAfterReply(value) => CallOutcome::Stop(Reason::Normal, Some(value)),
            Req::Panic => panic!("handler defect"),
            Req::Deferred => {
                self.pending = Some(from);
                ctx.send_after(ctx.pid(), "answer now", ms(20));
                CallOutcome::NoReply
            }
        }
    }

    async fn handle_cast(&mut self, _ctx: &Ctx, value: u64) -> Flow {
        self.handled.push(value);
        Flow::Continue
    }

    async fn handle_info(&mut self, ctx: &Ctx, msg: Message) -> Flow {
        if msg.info::<&str>() == Some(&"answer now") {
            if let Some(from) = self.pending.take() {
                ctx.reply(from, 99u64);
            }
        }
        Flow::Continue
    }
}

/// Spawns the test server on `node`, registered as `name` if one is given.
fn spawn_server(cluster: &Cluster, node: NodeId, name: Option<&'static str>) -> (Pid, Log<u64>) {
    let handled = Log::new();
    let server = Server { handled: handled.clone(), pending: None };
    let pid = cluster.spawn(node, SpawnOpts::default(), move |ctx| async move {
        if let Some(name) = name {
            ctx.register(name).expect("free name");
        }
        serve(ctx, server).await
    });
    (pid, handled)
}

type Outcome = Result<u64, CallError>;

/// Spawns a process on `node` that makes one call with `timeout_ms` and logs the outcome.
fn spawn_caller(cluster: &Cluster, node: NodeId, to: impl Into<Dest>, req: Req, timeout_ms: u64) -> Log<Outcome> {
    let log = Log::new();
    let l = log.clone();
    let to = to.into();
    cluster.spawn(node, SpawnOpts::default(), move |ctx| async move {
        l.push(ctx.call(to, req, ms(timeout_ms)).await);
        idle(ctx).await;
    });
    log
}

#[test]
fn call_returns_the_reply() {
    sim(1, |cluster| async move {
        let nodes = bare_nodes(&cluster, 2);
        let (server, handled) = spawn_server(&cluster, nodes[1], None);
        let seen = Log::new();
        let log = seen.clone();
        cluster.spawn(nodes[0], SpawnOpts::default(), move |ctx| async move {
            let answer: Outcome = ctx.call(server, Req::Echo(5), ms(100)).await;
            log.push(format!("{answer:?} mailbox={}", ctx.mailbox_len()));
            idle(ctx).await;
        });
        settle().await;
        assert_eq!(seen.items(), vec!["Ok(5) mailbox=0".to_string()]);
        assert_eq!(handled.items(), vec![5]);
        assert!(cluster.tables().monitors.is_empty(), "the call's monitor is removed");
    });
}

#[test]
fn call_by_name_reaches_the_registered_server() {
    sim(2, |cluster| async move {
        let nodes = bare_nodes(&cluster, 2);
        spawn_server(&cluster, nodes[1], Some("srv"));
        wait_ms(1).await;
        let outcome = spawn_caller(&cluster, nodes[0], (nodes[1], "srv"), Req::Echo(3), 100);
        let wrong_node = spawn_caller(&cluster, nodes[0], (nodes[0], "srv"), Req::Echo(3), 100);
        settle().await;
        assert_eq!(outcome.items(), vec![Ok(3)]);
        assert_eq!(wrong_node.items(), vec![Err(CallError::Exit(Reason::Noproc))]);
    });
}

#[test]
fn call_timeout_leaves_no_monitor() {
    sim(3, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let (server, _) = spawn_server(&cluster, n, None);
        let seen = Log::new();
        let log = seen.clone();
        cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            let answer: Outcome = ctx.call(server, Req::Slow(1, 200), ms(50)).await;
            let mine = ctx.cluster().tables().monitors.iter().filter(|m| m.watcher == ctx.pid()).count();
            log.push(format!("{answer:?} monitors={mine}"));
            idle(ctx).await;
        });
        wait_ms(100).await;
        assert_eq!(seen.items(), vec!["Err(Timeout) monitors=0".to_string()]);
        assert!(cluster.tables().monitors.is_empty());
    });
}

#[test]
fn late_reply_is_discarded() {
    sim(4, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let (server, _) = spawn_server(&cluster, n, None);
        let seen = Log::new();
        let log = seen.clone();
        cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            let first: Outcome = ctx.call(server, Req::Slow(1, 100), ms(20)).await;
            ctx.sleep(ms(300)).await; // the server answered meanwhile
            log.push(format!("{first:?} mailbox={}", ctx.mailbox_len()));
            let second: Outcome = ctx.call(server, Req::Echo(2), ms(100)).await;
            log.push(format!("{second:?} mailbox={}", ctx.mailbox_len()));
            idle(ctx).await;
        });
        wait_ms(500).await;
        assert_eq!(seen.items(), vec!["Err(Timeout) mailbox=0".to_string(), "Ok(2) mailbox=0".to_string()]);
        assert_eq!(cluster.tables().in_flight, 0);
    });
}

#[test]
fn call_to_dead_pid_gives_noproc() {
    sim(5, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let dead = cluster.spawn(n, SpawnOpts::default(), |_ctx| async {});
        settle().await;
        let outcome = spawn_caller(&cluster, n, dead, Req::Echo(1), 1_000);
        wait_ms(10).await;
        assert_eq!(outcome.items(), vec![Err(CallError::Exit(Reason::Noproc))], "at once, not after the timeout");
        assert!(cluster.tables().monitors.is_empty());
    });
}

#[test]
fn call_to_unknown_name_gives_noproc() {
    sim(6, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let outcome = spawn_caller(&cluster, n, (n, "nobody"), Req::Echo(1), 1_000);
        wait_ms(10).await;
        assert_eq!(outcome.items(), vec![Err(CallError::Exit(Reason::Noproc))]);
    });
}

#[test]
fn call_to_self_is_refused() {
    sim(7, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let log = seen.clone();
        let me = cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            ctx.register("me").expect("free name");
            let by_pid: Outcome = ctx.call(ctx.pid(), Req::Echo(1), ms(1_000)).await;
            let by_name: Outcome = ctx.call((ctx.node(), "me"), Req::Echo(1), ms(1_000)).await;
            log.push(by_pid);
            log.push(by_name);
            idle(ctx).await;
        });
        wait_ms(10).await;
        assert_eq!(seen.items(), vec![Err(CallError::CallingSelf), Err(CallError::CallingSelf)]);
        assert!(cluster.is_alive(me));
        assert!(cluster.tables().monitors.is_empty());
    });
}

#[test]
fn call_gets_the_servers_exit_reason() {
    sim(8, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let (server, _) = spawn_server(&cluster, n, None);
        let outcome = spawn_caller(&cluster, n, server, Req::Stop(Reason::error("stopping")), 1_000);
        wait_ms(10).await;
        assert_eq!(outcome.items(), vec![Err(CallError::Exit(Reason::error("stopping")))]);
        assert!(!cluster.is_alive(server));
    });
}

#[test]
fn call_to_a_panicking_handler_gives_the_panic() {
    sim(9, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let (server, _) = spawn_server(&cluster, n, None);
        let outcome = spawn_caller(&cluster, n, server, Req::Panic, 1_000);
        wait_ms(10).await;
        assert_eq!(outcome.items(), vec![Err(CallError::Exit(Reason::Panic("handler defect".into())))]);
    });
}

#[test]
fn stop_with_reply_answers_before_exiting() {
    sim(10, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let (server, _) = spawn_server(&cluster, n, None);
        let outcome = spawn_caller(&cluster, n, server, Req::StopAfterReply(4), 1_000);
        wait_ms(10).await;
        assert_eq!(outcome.items(), vec![Ok(4)]);
        assert!(!cluster.is_alive(server));
        assert!(cluster.tables().monitors.is_empty());
    });
}

#[test]
fn deferred_reply_answers_the_call() {
    sim(11, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let (server, _) = spawn_server(&cluster, n, None);
        let outcome = spawn_caller(&cluster, n, server, Req::Deferred, 1_000);
        wait_ms(10).await;
        assert!(outcome.items().is_empty(), "no answer before the server sends one");
        settle().await;
        assert_eq!(outcome.items(), vec![Ok(99)]);
    });
}

#[test]
fn cast_to_unknown_name_is_ignored() {
    sim(12, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let dead = cluster.spawn(n, SpawnOpts::default(), |_ctx| async {});
        settle().await;
        let caster = cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            ctx.cast((ctx.node(), "nobody"), 1u64);
            ctx.cast(dead, 2u64);
            idle(ctx).await;
        });
        settle().await;
        assert!(cluster.is_alive(caster));
        assert_eq!(cluster.tables().in_flight, 0);
    });
}

#[test]
fn cast_reaches_the_server_without_an_answer() {
    sim(13, |cluster| async move {
        let nodes = bare_nodes(&cluster, 2);
        let (_, handled) = spawn_server(&cluster, nodes[1], Some("srv"));
        let far = nodes[1];
        let seen = Log::new();
        let log = seen.clone();
        cluster.spawn(nodes[0], SpawnOpts::default(), move |ctx| async move {
            ctx.sleep(ms(1)).await;
            ctx.cast((far, "srv"), 7u64);
            ctx.sleep(ms(50)).await;
            log.push(ctx.mailbox_len());
        });
        settle().await;
        assert_eq!(handled.items(), vec![7]);
        assert_eq!(seen.items(), vec![0], "a cast is never answered");
    });
}

#[test]
fn call_to_server_on_crashed_node_gives_noconnection() {
    sim(14, |cluster| async move {
        let nodes = bare_nodes(&cluster, 2);
        let (server, _) = spawn_server(&cluster, nodes[1], None);
        let during = spawn_caller(&cluster, nodes[0], server, Req::Slow(1, 500), 5_000);
        wait_ms(50).await;
        cluster.crash_node(nodes[1]);
        wait_ms(10).await;
        assert_eq!(during.items(), vec![Err(CallError::Exit(Reason::Noconnection))]);
        let after = spawn_caller(&cluster, nodes[0], server, Req::Echo(1), 5_000);
        wait_ms(10).await;
        assert_eq!(after.items(), vec![Err(CallError::Exit(Reason::Noconnection))]);
        assert!(cluster.tables().monitors.is_empty());
    });
}

#[test]
fn call_across_a_partition_gives_noconnection() {
    sim(15, |cluster| async move {
        let nodes = bare_nodes(&cluster, 2);
        let (server, _) = spawn_server(&cluster, nodes[1], None);
        let during = spawn_caller(&cluster, nodes[0], server, Req::Slow(1, 500), 5_000);
        wait_ms(50).await;
        cluster.partition(&nodes[..1], &nodes[1..]);
        wait_ms(10).await;
        assert_eq!(during.items(), vec![Err(CallError::Exit(Reason::Noconnection))]);
        let after = spawn_caller(&cluster, nodes[0], server, Req::Echo(1), 5_000);
        wait_ms(10).await;
        assert_eq!(after.items(), vec![Err(CallError::Exit(Reason::Noconnection))]);
        cluster.heal();
        let healed = spawn_caller(&cluster, nodes[0], server, Req::Echo(2), 5_000);
        wait_ms(1_000).await; // the server finishes the slow request first
        assert_eq!(healed.items(), vec![Ok(2)]);
        assert!(cluster.tables().monitors.is_empty());
    });
}

#[test]
fn duplicated_request_and_reply_give_one_answer() {
    sim(16, |cluster| async move {
        let nodes = bare_nodes(&cluster, 2);
        cluster.set_message_faults(MessageFaults { duplication: 1.0, ..Default::default() });
        let (server, handled) = spawn_server(&cluster, nodes[1], None);
        let seen = Log::new();
        let log = seen.clone();
        cluster.spawn(nodes[0], SpawnOpts::default(), move |ctx| async move {
            let first: Outcome = ctx.call(server, Req::Echo(1), ms(100)).await;
            ctx.sleep(ms(50)).await;
            log.push(format!("{first:?} mailbox={}", ctx.mailbox_len()));
            let second: Outcome = ctx.call(server, Req::Echo(2), ms(100)).await;
            ctx.sleep(ms(50)).await;
            log.push(format!("{second:?} mailbox={}", ctx.mailbox_len()));
        });
        wait_ms(500).await;
        assert_eq!(seen.items(), vec!["Ok(1) mailbox=0".to_string(), "Ok(2) mailbox=0".to_string()]);
        assert_eq!(handled.items(), vec![1, 1, 2, 2], "the duplicated request was handled twice");
    });
}

#[test]
fn lost_request_times_out_and_leaves_no_monitor() {
    sim(17, |cluster| async move {
        let nodes = bare_nodes(&cluster, 2);
        cluster.set_message_faults(MessageFaults { loss: 1.0, ..Default::default() });
        let (server, handled) = spawn_server(&cluster, nodes[1], None);
        let outcome = spawn_caller(&cluster, nodes[0], server, Req::Echo(1), 100);
        wait_ms(50).await;
        assert_eq!(cluster.tables().monitors.len(), 1, "the call waits under its monitor");
        settle().await;
        assert_eq!(outcome.items(), vec![Err(CallError::Timeout)]);
        assert!(handled.items().is_empty());
        assert!(cluster.tables().monitors.is_empty());
    });
}

#[test]
fn call_with_wrong_reply_type_is_bad_reply() {
    sim(18, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let (server, _) = spawn_server(&cluster, n, None);
        let seen = Log::new();
        let log = seen.clone();
        cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            log.push(ctx.call::<Req, String>(server, Req::Echo(1), ms(100)).await);
        });
        settle().await;
        assert_eq!(seen.items(), vec![Err(CallError::BadReply)]);
        assert!(cluster.is_alive(server));
    });
}

#[test]
fn call_with_wrong_request_type_stops_the_server() {
    sim(19, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let (server, _) = spawn_server(&cluster, n, None);
        let seen = Log::new();
        let log = seen.clone();
        cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            log.push(ctx.call::<&str, u64>(server, "not a Req", ms(100)).await);
        });
        settle().await;
        assert!(!cluster.is_alive(server), "an unexpected request is the server's crash");
        assert!(matches!(seen.items()[..], [Err(CallError::Exit(Reason::Error(_)))]), "{:?}", seen.items());
    });
}

#[test]
fn abandoned_call_leaves_no_monitor_and_discards_the_late_reply() {
    sim(22, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let (server, _) = spawn_server(&cluster, n, None);
        let seen = Log::new();
        let log = seen.clone();
        cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            // The caller gives up on its own (as a select! would), dropping the call midway.
            let call = ctx.call::<Req, u64>(server, Req::Slow(1, 100), ms(1_000));
            let abandoned = madsim::time::timeout(ms(20), call).await.is_err();
            let mine = ctx.cluster().tables().monitors.iter().filter(|m| m.watcher == ctx.pid()).count();
            ctx.sleep(ms(300)).await; // the server answers meanwhile
            log.push(format!("abandoned={abandoned} monitors={mine} mailbox={}", ctx.mailbox_len()));
            idle(ctx).await;
        });
        wait_ms(500).await;
        assert_eq!(seen.items(), vec!["abandoned=true monitors=0 mailbox=0".to_string()]);
        assert!(cluster.tables().monitors.is_empty());
    });
}

#[test]
fn caller_killed_mid_call_leaves_no_monitor() {
    sim(23, |cluster| async move {
        let nodes = bare_nodes(&cluster, 3);
        let (server, _) = spawn_server(&cluster, nodes[1], None);
        // One caller is killed, the other dies with its node; both while waiting.
        let killed = spawn_caller(&cluster, nodes[0], server, Req::Slow(1, 100), 1_000);
        let crashed = spawn_caller(&cluster, nodes[2], server, Req::Slow(2, 100), 1_000);
        wait_ms(10).await;
        let watchers: Vec<Pid> = cluster.tables().monitors.iter().map(|m| m.watcher).collect();
        assert_eq!(watchers.len(), 2);
        cluster.kill(*watchers.iter().find(|w| w.node == nodes[0]).expect("a caller on n0"));
        cluster.crash_node(nodes[2]);
        wait_ms(500).await;
        assert!(killed.items().is_empty() && crashed.items().is_empty());
        assert!(cluster.is_alive(server), "the server answered two dead callers and lives on");
        let tables = cluster.tables();
        assert!(tables.monitors.is_empty());
        assert_eq!(tables.in_flight, 0);
        assert_eq!(tables.processes.len(), 1);
    });
}

#[test]
fn call_by_name_to_unreachable_node_gives_noconnection() {
    sim(24, |cluster| async move {
        let nodes = bare_nodes(&cluster, 3);
        spawn_server(&cluster, nodes[1], Some("srv"));
        spawn_server(&cluster, nodes[2], Some("srv"));
        wait_ms(1).await;
        cluster.crash_node(nodes[1]);
        cluster.partition(&nodes[..1], &nodes[2..]);
        let crashed = spawn_caller(&cluster, nodes[0], (nodes[1], "srv"), Req::Echo(1), 1_000);
        let partitioned = spawn_caller(&cluster, nodes[0], (nodes[2], "srv"), Req::Echo(1), 1_000);
        wait_ms(10).await;
        assert_eq!(crashed.items(), vec![Err(CallError::Exit(Reason::Noconnection))]);
        assert_eq!(partitioned.items(), vec![Err(CallError::Exit(Reason::Noconnection))]);
    });
}

#[test]
fn call_errors_say_what_happened() {
    // Shown in a failed call's report: each must name its case.
    let shown = [CallError::Timeout, CallError::Exit(Reason::Killed), CallError::CallingSelf, CallError::BadReply]
        .map(|e| e.to_string());
    assert_eq!(
        shown,
        ["call timed out", "server exited: killed", "a process called itself", "reply of an unexpected type"]
    );
}
