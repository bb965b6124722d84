//! Monitors, links, exit signals and names (erlang/<name>.erl).

use otpsim_runtime::{Ctx, Message, Pid, Reason, SpawnOpts};

use crate::helpers::*;
use crate::trace::Trace;

/// A process that waits for `go` and then exits with `reason`.
fn waiter(ctx: &Ctx, t: &Trace, role: &str, reason: Reason) -> Pid {
    let pid = ctx.spawn(move |c: Ctx| async move {
        c.recv_match(|m| m.info::<&str>() == Some(&"go")).await;
        reason
    });
    t.name(pid, role);
    pid
}

/// A process that links to `peer`, tells main, and waits forever.
async fn linked_idler(ctx: &Ctx, t: &Trace, role: &str, peer: Pid) -> Pid {
    let main = ctx.pid();
    let pid = ctx.spawn(move |c: Ctx| async move {
        let _ = c.link(peer);
        c.send(main, "linked");
        std::future::pending::<()>().await;
    });
    t.name(pid, role);
    ctx.recv_match(|m| m.info::<&str>() == Some(&"linked")).await;
    pid
}

pub async fn monitor_dead_pid_is_noproc(ctx: Ctx, t: Trace) -> Reason {
    let dead = dead(&ctx).await;
    t.name(dead, "dead");
    let live = waiter(&ctx, &t, "live", Reason::error("boom"));
    t.name_ref(ctx.monitor(dead));
    t.name_ref(ctx.monitor(live));
    ctx.send(live, "go");
    got(&ctx, &t).await;
    got(&ctx, &t).await;
    got_or_nothing(&ctx, &t, 50, "no_more").await;
    Reason::Normal
}

pub async fn demonitor_flush_and_info(ctx: Ctx, t: Trace) -> Reason {
    let gone = waiter(&ctx, &t, "gone", Reason::Normal);
    let live = waiter(&ctx, &t, "live", Reason::Normal);
    let m0 = ctx.monitor(gone);
    let m1 = t.name_ref(ctx.monitor(gone));
    let m2 = t.name_ref(ctx.monitor(live));
    ctx.send(gone, "go");
    ctx.recv_match(|m| matches!(m, Message::Down(d) if d.monitor == m0)).await;
    t.log2("mailbox", ctx.mailbox_len().to_string());
    t.log2("demonitor_flush_info", boolean(ctx.demonitor_flush(m1)));
    t.log2("mailbox", ctx.mailbox_len().to_string());
    t.log2("demonitor_info", boolean(ctx.demonitor(m2)));
    t.log2("demonitor_info", boolean(ctx.demonitor(m2)));
    ctx.send(live, "go");
    got_or_nothing(&ctx, &t, 50, "nothing").await;
    Reason::Normal
}

pub async fn link_abnormal_exit_kills_linked_process(ctx: Ctx, t: Trace) -> Reason {
    ctx.trap_exit(true);
    let b = waiter(&ctx, &t, "b", Reason::error("boom"));
    let a = linked_idler(&ctx, &t, "a", b).await;
    t.name_ref(ctx.monitor(a));
    ctx.link(b).unwrap();
    ctx.send(b, "go");
    got(&ctx, &t).await;
    got(&ctx, &t).await;
    Reason::Normal
}

pub async fn link_normal_exit_does_not_kill(ctx: Ctx, t: Trace) -> Reason {
    ctx.trap_exit(true);
    let b = waiter(&ctx, &t, "b", Reason::Normal);
    let a = linked_idler(&ctx, &t, "a", b).await;
    ctx.link(b).unwrap();
    ctx.send(b, "go");
    got(&ctx, &t).await;
    ctx.sleep(ms(10)).await;
    t.log2("a_alive", boolean(ctx.is_alive(a)));
    Reason::Normal
}

pub async fn kill_is_untrappable_and_spreads_as_killed(ctx: Ctx, t: Trace) -> Reason {
    ctx.trap_exit(true);
    let a = ctx.spawn_link(|c: Ctx| async move {
        c.trap_exit(true);
        std::future::pending::<()>().await;
    });
    t.name(a, "a");
    ctx.sleep(ms(10)).await;
    ctx.exit(a, Reason::Kill);
    got(&ctx, &t).await;
    Reason::Normal
}

pub async fn exit_self_normal_ends_the_process(ctx: Ctx, t: Trace) -> Reason {
    let tp = t.clone();
    let (plain, m) = ctx.spawn_monitor(move |c: Ctx| async move {
        c.exit(c.pid(), Reason::Normal);
        c.sleep(ms(1000)).await;
        tp.log("survived");
    });
    t.name(plain, "plain");
    t.name_ref(m);
    got(&ctx, &t).await;
    ctx.trap_exit(true);
    ctx.exit(ctx.pid(), Reason::Normal);
    got(&ctx, &t).await;
    Reason::Normal
}

pub async fn exit_normal_from_another_is_ignored(ctx: Ctx, t: Trace) -> Reason {
    let main = ctx.pid();
    let a = ctx.spawn(|_c: Ctx| std::future::pending::<()>());
    t.name(a, "a");
    let b = ctx.spawn(move |c: Ctx| async move {
        c.trap_exit(true);
        if let Message::Exit { from, reason } = c.recv().await {
            c.send(main, (from, reason));
        }
    });
    t.name(b, "b");
    ctx.sleep(ms(10)).await;
    ctx.exit(a, Reason::Normal);
    ctx.exit(b, Reason::Normal);
    if let Message::Info { body, .. } = ctx.recv().await {
        let (from, reason) = body.downcast::<(Pid, Reason)>().expect("b's report");
        t.log2("b_got", format!("{{'EXIT',{},{}}}", t.p(from), reason.to_term()));
    }
    ctx.sleep(ms(10)).await;
    t.log2("a_alive", boolean(ctx.is_alive(a)));
    t.name_ref(ctx.monitor(a));
    ctx.exit(a, Reason::error("stop_now"));
    got(&ctx, &t).await;
    Reason::Normal
}

pub async fn names_are_unique_and_freed_on_exit(ctx: Ctx, t: Trace) -> Reason {
    // otpsim registers a process from inside it: each process tries when told to.
    let main = ctx.pid();
    let registrar = |role: &'static str| {
        let pid = ctx.spawn(move |c: Ctx| async move {
            loop {
                match c.recv().await.info::<&str>().copied() {
                    Some("go") => return,
                    Some(name) => c.send(main, c.register(name).map_or("badarg", |()| "true")),
                    None => {}
                }
            }
        });
        t.name(pid, role);
        pid
    };
    let (a, b) = (registrar("a"), registrar("b"));
    let whereis = |ctx: &Ctx| ctx.whereis(ctx.node(), "svc").map_or("undefined".to_owned(), |p| t.p(p));
    t.log2("register", ask(&ctx, a, "svc").await);
    t.log2("register_taken", ask(&ctx, b, "svc").await);
    t.log2("register_second_name", ask(&ctx, a, "other").await);
    t.log2("whereis", whereis(&ctx));
    ctx.send(a, "go");
    ctx.sleep(ms(10)).await;
    t.log2("whereis", whereis(&ctx));
    t.log2("register", ask(&ctx, b, "svc").await);
    t.log2("whereis", whereis(&ctx));
    Reason::Normal
}

/// Asks a registrar to register `name`; its answer.
async fn ask(ctx: &Ctx, who: Pid, name: &'static str) -> &'static str {
    ctx.send(who, name);
    *ctx.recv().await.info::<&str>().expect("an answer")
}

pub async fn send_to_unregistered_name_is_badarg(ctx: Ctx, t: Trace) -> Reason {
    t.log2("send", ctx.send_named(ctx.node(), "nobody", "hello").map_or("badarg", |()| "hello"));
    Reason::Normal
}

pub async fn node_crash_is_noconnection(ctx: Ctx, t: Trace) -> Reason {
    ctx.trap_exit(true);
    let cluster = ctx.cluster();
    let peer = cluster.add_node("peer", |_, _| async {});
    let idle = |_c: Ctx| std::future::pending::<()>();
    let watched = ctx.spawn_opts(peer, SpawnOpts::default(), idle);
    t.name(watched, "watched");
    let linked = ctx.spawn_opts(peer, SpawnOpts::default(), idle);
    t.name(linked, "linked");
    t.name_ref(ctx.monitor(watched));
    ctx.link(linked).unwrap();
    cluster.crash_node(peer);
    let down = ctx.recv_match(|m| matches!(m, Message::Down(_))).await;
    t.log2("got", t.msg(&down));
    let exit = ctx.recv_match(|m| matches!(m, Message::Exit { .. })).await;
    t.log2("got", t.msg(&exit));
    Reason::Normal
}
