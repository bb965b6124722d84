//! Gen-server calls, casts, timeouts and late replies (erlang/<name>.erl).

use otpsim_runtime::{Ctx, Reason};

use crate::helpers::*;
use crate::trace::Trace;

pub async fn gen_server_call_cast_and_info(ctx: Ctx, t: Trace) -> Reason {
    let s = start_srv(&ctx, &t, "srv", Opts::default()).await.unwrap().unwrap();
    ctx.cast(s, Cast::Atom("hello"));
    ctx.send(s, "hi");
    t.log2("call", call(&ctx, &t, s, Req::Ping, 1000, "srv").await);
    Reason::Normal
}

pub async fn gen_server_call_timeout_discards_late_reply(ctx: Ctx, t: Trace) -> Reason {
    let s = start_srv(&ctx, &t, "srv", Opts::default()).await.unwrap().unwrap();
    t.log2("call", call(&ctx, &t, s, Req::Sleep(100), 50, "srv").await);
    ctx.sleep(ms(100)).await;
    t.log2("mailbox", ctx.mailbox_len().to_string());
    t.log2("call", call(&ctx, &t, s, Req::Ping, 1000, "srv").await);
    Reason::Normal
}

pub async fn gen_server_call_to_dead_or_crashing_server(ctx: Ctx, t: Trace) -> Reason {
    ctx.trap_exit(true);
    let s = start_srv(&ctx, &t, "srv", Opts::default()).await.unwrap().unwrap();
    t.log2("call", call(&ctx, &t, s, Req::Exit(Reason::error("crashed")), 1000, "srv").await);
    got(&ctx, &t).await;
    t.log2("call", call(&ctx, &t, s, Req::Ping, 1000, "srv").await);
    t.log2("call", call(&ctx, &t, (ctx.node(), "nobody"), Req::Ping, 1000, "nobody").await);
    Reason::Normal
}
