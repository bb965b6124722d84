//! The twins of erlang/dt_srv.erl, dt_sup.erl and dt.erl's helpers.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use otpsim_runtime::gen_server::{CallOutcome, Flow, GenServer, Init};
use otpsim_runtime::supervisor::{self, ChildSpec, Intensity, Strategy, SupervisorSpec};
use otpsim_runtime::{CallError, Ctx, Dest, Message, NodeId, Pid, Reason, ReplyTo, SpawnOpts};

use crate::trace::{atom, Trace};

pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// The one node every scenario runs on.
pub const NODE_ID: NodeId = NodeId(0);

/// dt_srv's calls.
#[derive(Clone, Debug)]
pub enum Req {
    Ping,
    Stop(Reason),
    Sleep(u64),
    Exit(Reason),
    CallSelf,
}

/// dt_srv's casts: `{stop, Reason}` or an atom it logs.
#[derive(Clone, Debug)]
pub enum Cast {
    Stop(Reason),
    Atom(&'static str),
}

/// What dt_srv's init does.
#[derive(Clone, Default)]
pub enum InitMode {
    #[default]
    Run,
    Ignore,
    Stop(Reason),
    /// Run only once the flag is set (`{ignore_unless, Key}`).
    IgnoreUnless(Arc<AtomicBool>),
}

#[derive(Clone, Default)]
pub struct Opts {
    pub trap: bool,
    pub init: InitMode,
}

pub fn trap() -> Opts {
    Opts { trap: true, ..Default::default() }
}

pub fn with_init(init: InitMode) -> Opts {
    Opts { init, ..Default::default() }
}

/// The gen-server: logs init, casts, infos and terminate; does what its calls ask.
pub struct Srv {
    t: Trace,
    name: &'static str,
}

/// dt_srv:init/1.
pub fn init(ctx: &Ctx, t: &Trace, name: &'static str, opts: &Opts) -> Init<Srv> {
    t.name(ctx.pid(), name);
    if opts.trap {
        ctx.trap_exit(true);
    }
    t.log(format!("init {name}"));
    let srv = Srv { t: t.clone(), name };
    match &opts.init {
        InitMode::Run => Init::Run(srv),
        InitMode::Ignore => Init::Ignore,
        InitMode::Stop(reason) => Init::Stop(reason.clone()),
        InitMode::IgnoreUnless(flag) if flag.load(Ordering::SeqCst) => Init::Run(srv),
        InitMode::IgnoreUnless(_) => Init::Ignore,
    }
}

impl GenServer for Srv {
    type Call = Req;
    type Reply = String;
    type Cast = Cast;

    async fn handle_call(&mut self, ctx: &Ctx, request: Req, _from: ReplyTo) -> CallOutcome<String> {
        match request {
            Req::Ping => CallOutcome::Reply("pong".to_owned()),
            Req::Stop(reason) => CallOutcome::Stop(reason, Some("stopped".to_owned())),
            Req::Sleep(n) => {
                ctx.sleep(ms(n)).await;
                CallOutcome::Reply("slept".to_owned())
            }
            Req::Exit(reason) => CallOutcome::Stop(reason, None),
            Req::CallSelf => CallOutcome::Reply(call(ctx, &self.t, ctx.pid(), Req::Ping, 1000, self.name).await),
        }
    }

    async fn handle_cast(&mut self, _ctx: &Ctx, msg: Cast) -> Flow {
        match msg {
            Cast::Stop(reason) => Flow::Stop(reason),
            Cast::Atom(a) => {
                self.t.log(format!("cast {} {}", self.name, atom(a)));
                Flow::Continue
            }
        }
    }

    async fn handle_info(&mut self, _ctx: &Ctx, msg: Message) -> Flow {
        self.t.log(format!("info {} {}", self.name, self.t.msg(&msg)));
        Flow::Continue
    }

    fn terminate(&mut self, _ctx: &Ctx, reason: &Reason) {
        self.t.log(format!("terminate {} {}", self.name, reason.to_term()));
    }
}

/// dt_srv:start_link/2 from `ctx`.
pub async fn start_srv(ctx: &Ctx, t: &Trace, name: &'static str, opts: Opts) -> Result<Option<Pid>, Reason> {
    let t = t.clone();
    otpsim_runtime::gen_server::start_link_init(ctx, NODE_ID, SpawnOpts::default(), move |c: &Ctx| {
        init(c, &t, name, &opts)
    })
    .await
}

/// dt:call/3: the answer, or `{exit, Reason, Server}`.
pub async fn call(ctx: &Ctx, t: &Trace, to: impl Into<Dest>, req: Req, timeout_ms: u64, server: &str) -> String {
    let answer: Result<String, CallError> = ctx.call(to, req, ms(timeout_ms)).await;
    t.call(&answer, server)
}

/// dt:srv/2: a child spec of a dt_srv named `id`.
pub fn srv(t: &Trace, id: &'static str, opts: Opts) -> ChildSpec {
    let t = t.clone();
    ChildSpec::gen_server_init(id, move |ctx: &Ctx| init(ctx, &t, id, &opts))
}

/// dt:stubborn/1: a child that traps exits and ignores them.
pub fn stubborn(t: &Trace, id: &'static str) -> ChildSpec {
    let t = t.clone();
    let opts = SpawnOpts { trap_exit: true, ..Default::default() };
    ChildSpec::process_on(id, NODE_ID, opts, move |ctx: Ctx| {
        let t = t.clone();
        async move {
            t.name(ctx.pid(), id);
            loop {
                let m = ctx.recv().await;
                t.log(format!("{id} ignores {}", t.msg(&m)));
            }
            #[allow(unreachable_code)]
            ()
        }
    })
}

/// A supervisor spec with OTP's defaults for what is not given (1 restart in 5 s).
pub fn flags(strategy: Strategy, max_restarts: u32, within_s: u64, children: Vec<ChildSpec>) -> SupervisorSpec {
    SupervisorSpec { strategy, intensity: Intensity { max_restarts, within: Duration::from_secs(within_s) }, children }
}

/// dt_sup:start_link/3: starts the supervisor and names it.
pub async fn start_sup(ctx: &Ctx, t: &Trace, name: &str, spec: SupervisorSpec) -> Pid {
    let sup = supervisor::start_link(ctx, NODE_ID, spec).await.expect("the supervisor starts");
    t.name(sup, name);
    sup
}

/// `[{Id, Child, Type} || ... <- supervisor:which_children(Sup)]`.
pub async fn which_children(ctx: &Ctx, t: &Trace, sup: Pid) {
    let children = supervisor::which_children(ctx, sup).await.expect("the supervisor answers");
    t.log2("which_children", t.children(&children));
}

/// The next message, logged as `got M`.
pub async fn got(ctx: &Ctx, t: &Trace) {
    let m = ctx.recv().await;
    t.log2("got", t.msg(&m));
}

/// The next message within `timeout_ms`, or `nothing`.
pub async fn got_or_nothing(ctx: &Ctx, t: &Trace, timeout_ms: u64, nothing: &str) {
    match ctx.recv_timeout(ms(timeout_ms)).await {
        Some(m) => t.log2("got", t.msg(&m)),
        None => t.log(nothing),
    }
}

/// dt:down/1: waits until `pid` is gone (a monitor the trace does not name).
pub async fn down(ctx: &Ctx, pid: Pid) {
    let m = ctx.monitor(pid);
    ctx.recv_match(|msg| matches!(msg, Message::Down(d) if d.monitor == m)).await;
}

/// dt:sync/1: a call the supervisor answers after the signals it already has.
pub async fn sync(ctx: &Ctx, sup: Pid) {
    supervisor::count_children(ctx, sup).await.expect("the supervisor answers");
}

/// dt:dead/0: a pid that is certainly dead.
pub async fn dead(ctx: &Ctx) -> Pid {
    let (pid, m) = ctx.spawn_monitor(|_c: Ctx| async {});
    ctx.recv_match(|msg| matches!(msg, Message::Down(d) if d.monitor == m)).await;
    pid
}

/// An Erlang boolean.
pub fn boolean(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}
