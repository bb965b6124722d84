//! Operations real OTP code uses, one scenario each (erlang/<name>.erl).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use otpsim_runtime::gen_server;
use otpsim_runtime::supervisor::{
    self,
    dynamic::{self, DynamicSpec},
    Intensity, Restart, Strategy,
};
use otpsim_runtime::{CallError, Ctx, Message, Reason};

use crate::helpers::*;
use crate::trace::Trace;

pub async fn monitor_registered_name_down_names_it(ctx: Ctx, t: Trace) -> Reason {
    // otpsim registers a process from inside it: `a` takes the name before main goes on.
    let a = ctx.spawn(|c: Ctx| async move {
        c.register("reg_a").expect("the name is free");
        c.recv_match(|m| m.info::<&str>() == Some(&"stop")).await;
        Reason::error("bye")
    });
    t.name(a, "a");
    ctx.sleep(ms(1)).await;
    let m1 = t.name_ref(ctx.monitor_name(ctx.node(), "reg_a"));
    let m2 = t.name_ref(ctx.monitor_name(ctx.node(), "reg_a"));
    ctx.send(a, "stop");
    for m in [m1, m2] {
        let down = ctx.recv_match(|msg| matches!(msg, Message::Down(d) if d.monitor == m)).await;
        t.log2("got", t.msg(&down));
    }
    Reason::Normal
}

pub async fn monitor_unregistered_name_is_noproc(ctx: Ctx, t: Trace) -> Reason {
    let m = t.name_ref(ctx.monitor_name(ctx.node(), "nobody"));
    got(&ctx, &t).await;
    t.log2("demonitor_info", boolean(ctx.demonitor(m)));
    Reason::Normal
}

pub async fn init_ignore_keeps_static_child_without_pid(ctx: Ctx, t: Trace) -> Reason {
    let go = Arc::new(AtomicBool::new(false));
    let a = srv(&t, "a", with_init(InitMode::IgnoreUnless(go.clone())));
    let sup =
        start_sup(&ctx, &t, "sup", flags(Strategy::OneForOne, 1, 5, vec![a, srv(&t, "b", Opts::default())])).await;
    which_children(&ctx, &t, sup).await;
    let c = supervisor::start_child(&ctx, sup, srv(&t, "c", with_init(InitMode::Ignore))).await;
    t.log2("start_child", t.sup(&c, |p| t.ok_pid(p)));
    let c = supervisor::start_child(&ctx, sup, srv(&t, "c", Opts::default())).await;
    t.log2("start_child", t.sup(&c, |p| t.ok_pid(p)));
    go.store(true, Ordering::SeqCst);
    let a = supervisor::restart_child(&ctx, sup, "a").await;
    t.log2("restart_child", t.sup(&a, |p| t.ok_pid(p)));
    which_children(&ctx, &t, sup).await;
    Reason::Normal
}

pub async fn init_ignore_at_restart_leaves_child_stopped(ctx: Ctx, t: Trace) -> Reason {
    let go = Arc::new(AtomicBool::new(true));
    let a = srv(&t, "a", with_init(InitMode::IgnoreUnless(go.clone())));
    let sup = start_sup(&ctx, &t, "sup", flags(Strategy::OneForOne, 1, 5, vec![a])).await;
    go.store(false, Ordering::SeqCst);
    let a = t.pid("a");
    ctx.exit(a, Reason::Kill);
    down(&ctx, a).await;
    sync(&ctx, sup).await;
    which_children(&ctx, &t, sup).await;
    Reason::Normal
}

pub async fn init_ignore_in_dynamic_start_child(ctx: Ctx, t: Trace) -> Reason {
    ctx.trap_exit(true);
    let spec = DynamicSpec { intensity: Intensity { max_restarts: 1, within: ms(5000) }, max_children: None };
    let sup = dynamic::start_link(&ctx, NODE_ID, spec).await.unwrap();
    t.name(sup, "sup");
    let a = dynamic::start_child(&ctx, sup, srv(&t, "a", with_init(InitMode::Ignore))).await;
    t.log2("start_child", t.sup(&a, |p| t.ok_pid(p)));
    let counts = dynamic::count_children(&ctx, sup).await.unwrap();
    t.log2("count_children", t.counts(&counts));
    let b = start_srv(&ctx, &t, "b", with_init(InitMode::Ignore)).await;
    t.log2("start_link", b.map_or_else(|r| r.to_term(), |p| p.map_or("ignore".to_owned(), |p| t.ok_pid(&Some(p)))));
    got(&ctx, &t).await;
    Reason::Normal
}

pub async fn shutdown_tuple_reason_does_not_restart_transient(ctx: Ctx, t: Trace) -> Reason {
    let children = vec![
        srv(&t, "a", Opts::default()).restart(Restart::Transient),
        srv(&t, "b", Opts::default()).restart(Restart::Transient),
    ];
    let sup = start_sup(&ctx, &t, "sup", flags(Strategy::OneForOne, 1, 5, children)).await;
    for (id, reason) in [("a", Reason::shutdown_with("done")), ("b", Reason::error("crashed"))] {
        let child = t.pid(id);
        ctx.cast(child, Cast::Stop(reason));
        down(&ctx, child).await;
        sync(&ctx, sup).await;
    }
    which_children(&ctx, &t, sup).await;
    Reason::Normal
}

pub async fn gen_server_stop_with_reason_and_timeout(ctx: Ctx, t: Trace) -> Reason {
    let s = start_srv(&ctx, &t, "srv", Opts::default()).await.unwrap().unwrap();
    ctx.unlink(s);
    let stop = |r: Result<(), CallError>| match r {
        Ok(()) => "ok".to_owned(),
        Err(CallError::Exit(reason)) => format!("{{exit,{}}}", reason.to_term()),
        Err(other) => format!("{other}"),
    };
    t.log2("stop", stop(gen_server::stop(&ctx, s, Reason::error("bye"), ms(1000)).await));
    t.log2("stop_again", stop(gen_server::stop(&ctx, s, Reason::error("bye"), ms(1000)).await));
    Reason::Normal
}

pub async fn call_to_self_is_calling_self(ctx: Ctx, t: Trace) -> Reason {
    let s = start_srv(&ctx, &t, "srv", Opts::default()).await.unwrap().unwrap();
    t.log2("call", call(&ctx, &t, s, Req::CallSelf, 1000, "srv").await);
    Reason::Normal
}

pub async fn start_timer_sends_timeout_tuple(ctx: Ctx, t: Trace) -> Reason {
    t.name_ref(ctx.start_timer(ctx.pid(), "tick", ms(30)));
    got(&ctx, &t).await;
    Reason::Normal
}

pub async fn cancel_timer_returns_time_left(ctx: Ctx, t: Trace) -> Reason {
    let t1 = t.name_ref(ctx.send_after(ctx.pid(), "one", ms(500)));
    let t2 = t.name_ref(ctx.send_after(ctx.pid(), "two", ms(500)));
    ctx.sleep(ms(200)).await;
    let left = |l: Option<std::time::Duration>| match l {
        None => "false",
        Some(l) => boolean(l > ms(0) && l <= ms(300)),
    };
    t.log2("read_timer", left(ctx.read_timer(t1)));
    t.log2("cancel_timer", left(ctx.cancel_timer(t1)));
    t.log2("cancel_timer", left(ctx.cancel_timer(t1)));
    t.log2("read_timer", left(ctx.read_timer(t1)));
    // `cancel_timer(T, [{info, false}])`: the answer is not wanted, OTP returns ok.
    let _ = ctx.cancel_timer(t2);
    t.log2("cancel_without_info", "ok");
    got_or_nothing(&ctx, &t, 600, "nothing").await;
    Reason::Normal
}

pub async fn send_after_to_registered_name(ctx: Ctx, t: Trace) -> Reason {
    ctx.send_after_named(ctx.node(), "later", "hello", ms(200));
    ctx.send_after_named(ctx.node(), "nobody", "hello", ms(200));
    ctx.register("later").unwrap();
    got(&ctx, &t).await;
    got_or_nothing(&ctx, &t, 300, "nothing").await;
    Reason::Normal
}

pub async fn static_supervisor_id_calls(ctx: Ctx, t: Trace) -> Reason {
    let children = vec![srv(&t, "a", Opts::default()), srv(&t, "b", Opts::default()).restart(Restart::Temporary)];
    let sup = start_sup(&ctx, &t, "sup", flags(Strategy::OneForOne, 1, 5, children)).await;
    let unit = |r: Result<(), _>| t.sup(&r, |_| "ok".to_owned());
    let pid = |r: Result<_, _>| t.sup(&r, |p| t.ok_pid(p));
    t.log2("start_child", pid(supervisor::start_child(&ctx, sup, srv(&t, "a", Opts::default())).await));
    t.log2("restart_child", pid(supervisor::restart_child(&ctx, sup, "a").await));
    t.log2("delete_child", unit(supervisor::delete_child(&ctx, sup, "a").await));
    t.log2("terminate_child", unit(supervisor::terminate_child(&ctx, sup, "a").await));
    t.log2("terminate_child", unit(supervisor::terminate_child(&ctx, sup, "a").await));
    t.log2("start_child", pid(supervisor::start_child(&ctx, sup, srv(&t, "a", Opts::default())).await));
    t.log2("terminate_child", unit(supervisor::terminate_child(&ctx, sup, "b").await));
    t.log2("restart_child", pid(supervisor::restart_child(&ctx, sup, "b").await));
    t.log2("terminate_child", unit(supervisor::terminate_child(&ctx, sup, "nope").await));
    t.log2("restart_child", pid(supervisor::restart_child(&ctx, sup, "a").await));
    t.log2("terminate_child", unit(supervisor::terminate_child(&ctx, sup, "a").await));
    t.log2("delete_child", unit(supervisor::delete_child(&ctx, sup, "a").await));
    t.log2("delete_child", unit(supervisor::delete_child(&ctx, sup, "a").await));
    which_children(&ctx, &t, sup).await;
    Reason::Normal
}

pub async fn dynamic_supervisor_answers_id_calls(ctx: Ctx, t: Trace) -> Reason {
    let spec = DynamicSpec { intensity: Intensity { max_restarts: 1, within: ms(5000) }, max_children: None };
    let sup = dynamic::start_link(&ctx, NODE_ID, spec).await.unwrap();
    t.name(sup, "sup");
    let a = dynamic::start_child(&ctx, sup, srv(&t, "a", Opts::default())).await.unwrap().unwrap();
    let unit = |r: Result<(), _>| t.sup(&r, |_| "ok".to_owned());
    let pid = |r: Result<_, _>| t.sup(&r, |p| t.ok_pid(p));
    t.log2("terminate_child", unit(supervisor::terminate_child(&ctx, sup, "job").await));
    t.log2("restart_child", pid(supervisor::restart_child(&ctx, sup, "job").await));
    t.log2("delete_child", unit(supervisor::delete_child(&ctx, sup, "job").await));
    t.log2("terminate_child", unit(dynamic::terminate_child(&ctx, sup, ctx.pid()).await));
    let failing = srv(&t, "b", with_init(InitMode::Stop(Reason::error("boom"))));
    t.log2("start_child", pid(supervisor::start_child(&ctx, sup, failing).await));
    t.log2("terminate_child", unit(dynamic::terminate_child(&ctx, sup, a).await));
    which_children(&ctx, &t, sup).await;
    Reason::Normal
}

pub async fn spawn_link_child_exiting_at_once_gives_real_reason(ctx: Ctx, t: Trace) -> Reason {
    ctx.trap_exit(true);
    let child = ctx.spawn_link(|_c: Ctx| async { Reason::error("early") });
    t.name(child, "child");
    got(&ctx, &t).await;
    Reason::Normal
}

pub async fn spawn_monitor_child_exiting_at_once_gives_real_reason(ctx: Ctx, t: Trace) -> Reason {
    let (child, m) = ctx.spawn_monitor(|_c: Ctx| async { Reason::error("early") });
    t.name(child, "child");
    t.name_ref(m);
    got(&ctx, &t).await;
    Reason::Normal
}
