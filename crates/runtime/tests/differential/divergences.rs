//! The divergences otpsim once had from OTP 25, one scenario each (erlang/<name>.erl).

use otpsim_runtime::supervisor::{
    self,
    dynamic::{self, DynamicSpec},
    ChildSpec, Intensity, Restart, Shutdown, Strategy,
};
use otpsim_runtime::{Ctx, Message, Reason};

use crate::helpers::*;
use crate::trace::Trace;

pub async fn trapping_gen_server_stops_on_parent_exit(ctx: Ctx, t: Trace) -> Reason {
    let main = ctx.pid();
    let tp = t.clone();
    let parent = ctx.spawn(move |c: Ctx| async move {
        let s = start_srv(&c, &tp, "srv", trap()).await.unwrap().unwrap();
        c.send(main, s);
        c.recv_match(|m| m.info::<&str>() == Some(&"go")).await;
        Reason::error("bye")
    });
    t.name(parent, "parent");
    let s = match ctx.recv().await {
        Message::Info { body, .. } => *body.downcast_ref::<otpsim_runtime::Pid>().unwrap(),
        other => panic!("{other:?}"),
    };
    t.name_ref(ctx.monitor(s));
    ctx.send(parent, "go");
    got(&ctx, &t).await;
    Reason::Normal
}

pub async fn supervisor_stops_trapping_child_gracefully(ctx: Ctx, t: Trace) -> Reason {
    let a = srv(&t, "a", trap()).shutdown(Shutdown::Timeout(ms(5000)));
    let sup = start_sup(&ctx, &t, "sup", flags(Strategy::OneForOne, 1, 5, vec![a])).await;
    t.name_ref(ctx.monitor(t.pid("a")));
    let t0 = ctx.now();
    let answer = supervisor::terminate_child(&ctx, sup, "a").await;
    t.log2("terminate_child", t.sup(&answer, |_| "ok".to_owned()));
    t.log2("took_under_2500ms", boolean(ctx.now() - t0 < ms(2500)));
    got(&ctx, &t).await;
    Reason::Normal
}

pub async fn one_for_all_sibling_stop_runs_terminate(ctx: Ctx, t: Trace) -> Reason {
    let children = vec![srv(&t, "a", trap()), srv(&t, "b", trap()), srv(&t, "c", trap())];
    let sup = start_sup(&ctx, &t, "sup", flags(Strategy::OneForAll, 1, 5, children)).await;
    let b = t.pid("b");
    ctx.exit(b, Reason::Kill);
    down(&ctx, b).await;
    sync(&ctx, sup).await;
    t.log("done");
    Reason::Normal
}

pub async fn intensity_shutdown_runs_children_terminate(ctx: Ctx, t: Trace) -> Reason {
    let inner = flags(Strategy::OneForOne, 1, 5, vec![srv(&t, "a", trap()), srv(&t, "b", trap())]);
    let top =
        start_sup(&ctx, &t, "top", flags(Strategy::OneForOne, 0, 5, vec![ChildSpec::supervisor("inner", inner)])).await;
    t.name_ref(ctx.monitor(top));
    let inner = supervisor::which_children(&ctx, top).await.unwrap()[0].status.pid().unwrap();
    let a = t.pid("a");
    ctx.exit(a, Reason::Kill);
    down(&ctx, a).await;
    sync(&ctx, inner).await;
    ctx.exit(t.pid("a"), Reason::Kill);
    got(&ctx, &t).await;
    Reason::Normal
}

pub async fn send_after_survives_its_creator(ctx: Ctx, t: Trace) -> Reason {
    let main = ctx.pid();
    let (owner, mref) = ctx.spawn_monitor(move |c: Ctx| async move {
        c.send_after(main, "late", ms(50));
        Reason::error("owner_done")
    });
    t.name(owner, "owner");
    t.name_ref(mref);
    got(&ctx, &t).await;
    got_or_nothing(&ctx, &t, 1000, "nothing").await;
    Reason::Normal
}

pub async fn send_after_dies_with_its_destination(ctx: Ctx, t: Trace) -> Reason {
    let dest = ctx.spawn(|c: Ctx| async move {
        c.recv_match(|m| m.info::<&str>() == Some(&"stop")).await;
    });
    t.name(dest, "dest");
    let timer = t.name_ref(ctx.send_after(dest, "hello", ms(100)));
    t.log2("read_timer_pending", boolean(ctx.read_timer(timer).is_some()));
    ctx.send(dest, "stop");
    down(&ctx, dest).await;
    t.log2("read_timer", boolean(ctx.read_timer(timer).is_some()));
    t.log2("cancel_timer", boolean(ctx.cancel_timer(timer).is_some()));
    Reason::Normal
}

pub async fn send_after_to_dead_pid_never_runs(ctx: Ctx, t: Trace) -> Reason {
    let dead = dead(&ctx).await;
    t.name(dead, "dead");
    let timer = t.name_ref(ctx.send_after(dead, "hello", ms(100)));
    t.log2("read_timer", boolean(ctx.read_timer(timer).is_some()));
    t.log2("cancel_timer", boolean(ctx.cancel_timer(timer).is_some()));
    Reason::Normal
}

pub async fn stop_with_reply_runs_terminate_before_reply(ctx: Ctx, t: Trace) -> Reason {
    ctx.trap_exit(true);
    start_srv(&ctx, &t, "srv", Opts::default()).await.unwrap();
    let answer = call(&ctx, &t, t.pid("srv"), Req::Stop(Reason::Normal), 1000, "srv").await;
    t.log2("call", answer);
    got(&ctx, &t).await;
    Reason::Normal
}

pub async fn link_to_dead_pid_is_noproc(ctx: Ctx, t: Trace) -> Reason {
    let dead = dead(&ctx).await;
    t.name(dead, "dead");
    t.log2("link", ctx.link(dead).map_or_else(|r| r.to_term(), |()| "true".to_owned()));
    t.log2("alive", boolean(ctx.is_alive(ctx.pid())));
    Reason::Normal
}

pub async fn link_to_dead_pid_when_trapping_sends_exit_noproc(ctx: Ctx, t: Trace) -> Reason {
    ctx.trap_exit(true);
    let dead = dead(&ctx).await;
    t.name(dead, "dead");
    t.log2("link", ctx.link(dead).map_or_else(|r| r.to_term(), |()| "true".to_owned()));
    got(&ctx, &t).await;
    Reason::Normal
}

pub async fn failed_supervisor_start_exits_linked_to_starter(ctx: Ctx, t: Trace) -> Reason {
    ctx.trap_exit(true);
    let b = srv(&t, "b", with_init(InitMode::Stop(Reason::error("boom"))));
    let spec = flags(Strategy::OneForOne, 1, 5, vec![srv(&t, "a", Opts::default()), b]);
    // OTP's `{error, {shutdown, {failed_to_start_child, Id, Reason}}}` is otpsim's
    // `StartFailed`, and the supervisor's exit reason is the same term.
    let started = supervisor::start_link(&ctx, NODE_ID, spec).await.map_err(Reason::from);
    t.log2("start_link", started.map_or_else(|r| format!("{{error,{}}}", r.to_term()), |p| t.ok_pid(&Some(p))));
    got(&ctx, &t).await;
    Reason::Normal
}

pub async fn gen_server_start_failure_exits_linked_to_starter(ctx: Ctx, t: Trace) -> Reason {
    ctx.trap_exit(true);
    let started = start_srv(&ctx, &t, "srv", with_init(InitMode::Stop(Reason::error("no_config")))).await;
    t.log2("start_link", started.map_or_else(|r| format!("{{error,{}}}", r.to_term()), |p| t.ok_pid(&p)));
    got(&ctx, &t).await;
    Reason::Normal
}

pub async fn register_refuses_undefined(ctx: Ctx, t: Trace) -> Reason {
    t.log2("register", ctx.register("undefined").map_or("badarg", |()| "true"));
    t.log2("whereis", ctx.whereis(ctx.node(), "undefined").map_or("undefined".to_owned(), |p| t.p(p)));
    Reason::Normal
}

fn dynamic_sup_spec() -> DynamicSpec {
    DynamicSpec { intensity: Intensity { max_restarts: 1, within: ms(5000) }, max_children: None }
}

pub async fn dynamic_supervisor_terminate_child_of_dead_pid(ctx: Ctx, t: Trace) -> Reason {
    let sup = dynamic::start_link(&ctx, NODE_ID, dynamic_sup_spec()).await.unwrap();
    t.name(sup, "sup");
    let spec = srv(&t, "a", Opts::default()).restart(Restart::Temporary);
    let a = dynamic::start_child(&ctx, sup, spec).await.unwrap().unwrap();
    ctx.exit(a, Reason::Kill);
    down(&ctx, a).await;
    sync(&ctx, sup).await;
    let answer = dynamic::terminate_child(&ctx, sup, a).await;
    t.log2("terminate_child", t.sup(&answer, |_| "ok".to_owned()));
    which_children(&ctx, &t, sup).await;
    Reason::Normal
}

pub async fn dynamic_supervisor_lists_children_without_ids(ctx: Ctx, t: Trace) -> Reason {
    let sup = dynamic::start_link(&ctx, NODE_ID, dynamic_sup_spec()).await.unwrap();
    t.name(sup, "sup");
    let counts = dynamic::count_children(&ctx, sup).await.unwrap();
    t.log2("count_children", t.counts(&counts));
    dynamic::start_child(&ctx, sup, srv(&t, "a", Opts::default())).await.unwrap();
    dynamic::start_child(&ctx, sup, srv(&t, "b", Opts::default())).await.unwrap();
    which_children(&ctx, &t, sup).await;
    let counts = dynamic::count_children(&ctx, sup).await.unwrap();
    t.log2("count_children", t.counts(&counts));
    Reason::Normal
}
