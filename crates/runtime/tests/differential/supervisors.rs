//! Supervisor strategies, restart types, shutdown and dynamic supervisors
//! (erlang/<name>.erl).

use otpsim_runtime::supervisor::{
    self,
    dynamic::{self, DynamicSpec},
    Intensity, Restart, Shutdown, Strategy,
};
use otpsim_runtime::{Ctx, Message, Pid, Reason};

use crate::helpers::*;
use crate::trace::Trace;

pub async fn one_for_one_restarts_only_the_failed_child(ctx: Ctx, t: Trace) -> Reason {
    let children = vec![srv(&t, "a", trap()), srv(&t, "b", trap()), srv(&t, "c", trap())];
    let sup = start_sup(&ctx, &t, "sup", flags(Strategy::OneForOne, 1, 5, children)).await;
    let b = t.pid("b");
    ctx.exit(b, Reason::Kill);
    down(&ctx, b).await;
    sync(&ctx, sup).await;
    which_children(&ctx, &t, sup).await;
    Reason::Normal
}

pub async fn rest_for_one_restarts_the_later_children(ctx: Ctx, t: Trace) -> Reason {
    let children = vec![srv(&t, "a", trap()), srv(&t, "b", trap()), srv(&t, "c", trap()), srv(&t, "d", trap())];
    let sup = start_sup(&ctx, &t, "sup", flags(Strategy::RestForOne, 1, 5, children)).await;
    let b = t.pid("b");
    ctx.cast(b, Cast::Stop(Reason::error("broken")));
    down(&ctx, b).await;
    sync(&ctx, sup).await;
    Reason::Normal
}

pub async fn restart_types_decide_restarts(ctx: Ctx, t: Trace) -> Reason {
    let children = vec![
        srv(&t, "p", Opts::default()).restart(Restart::Permanent),
        srv(&t, "t", Opts::default()).restart(Restart::Transient),
        srv(&t, "n", Opts::default()).restart(Restart::Transient),
        srv(&t, "x", Opts::default()).restart(Restart::Temporary),
    ];
    let sup = start_sup(&ctx, &t, "sup", flags(Strategy::OneForOne, 10, 5, children)).await;
    for (child, reason) in
        [("p", Reason::Normal), ("t", Reason::Normal), ("n", Reason::error("failed")), ("x", Reason::error("failed"))]
    {
        let pid = t.pid(child);
        ctx.cast(pid, Cast::Stop(reason));
        down(&ctx, pid).await;
        sync(&ctx, sup).await;
    }
    which_children(&ctx, &t, sup).await;
    Reason::Normal
}

pub async fn shutdown_timeout_kills_a_stubborn_child(ctx: Ctx, t: Trace) -> Reason {
    let s = stubborn(&t, "s").shutdown(Shutdown::Timeout(ms(100)));
    let sup = start_sup(&ctx, &t, "sup", flags(Strategy::OneForOne, 1, 5, vec![s])).await;
    t.name_ref(ctx.monitor(t.pid("s")));
    let answer = supervisor::terminate_child(&ctx, sup, "s").await;
    t.log2("terminate_child", t.sup(&answer, |_| "ok".to_owned()));
    got(&ctx, &t).await;
    Reason::Normal
}

pub async fn brutal_kill_skips_terminate(ctx: Ctx, t: Trace) -> Reason {
    let a = srv(&t, "a", trap()).shutdown(Shutdown::BrutalKill);
    let sup = start_sup(&ctx, &t, "sup", flags(Strategy::OneForOne, 1, 5, vec![a])).await;
    t.name_ref(ctx.monitor(t.pid("a")));
    let answer = supervisor::terminate_child(&ctx, sup, "a").await;
    t.log2("terminate_child", t.sup(&answer, |_| "ok".to_owned()));
    got(&ctx, &t).await;
    Reason::Normal
}

pub async fn supervisor_stops_children_youngest_first_on_parent_exit(ctx: Ctx, t: Trace) -> Reason {
    let main = ctx.pid();
    let tp = t.clone();
    let parent = ctx.spawn(move |c: Ctx| async move {
        let children = vec![srv(&tp, "a", trap()), srv(&tp, "b", Opts::default()), srv(&tp, "c", trap())];
        let sup = start_sup(&c, &tp, "sup", flags(Strategy::OneForOne, 1, 5, children)).await;
        c.send(main, sup);
        c.recv_match(|m| m.info::<&str>() == Some(&"go")).await;
        Reason::error("going")
    });
    t.name(parent, "parent");
    let sup = match ctx.recv().await {
        Message::Info { body, .. } => *body.downcast_ref::<Pid>().expect("the supervisor's pid"),
        other => panic!("{other:?}"),
    };
    t.name_ref(ctx.monitor(sup));
    ctx.send(parent, "go");
    got(&ctx, &t).await;
    Reason::Normal
}

pub async fn dynamic_supervisor_restarts_its_children(ctx: Ctx, t: Trace) -> Reason {
    let spec = DynamicSpec { intensity: Intensity { max_restarts: 1, within: ms(5000) }, max_children: None };
    let sup = dynamic::start_link(&ctx, NODE_ID, spec).await.unwrap();
    t.name(sup, "sup");
    dynamic::start_child(&ctx, sup, srv(&t, "a", Opts::default())).await.unwrap();
    let a = t.pid("a");
    ctx.exit(a, Reason::Kill);
    down(&ctx, a).await;
    sync(&ctx, sup).await;
    which_children(&ctx, &t, sup).await;
    ctx.unlink(sup);
    t.name_ref(ctx.monitor(sup));
    ctx.exit(t.pid("a"), Reason::Kill);
    got(&ctx, &t).await;
    Reason::Normal
}
