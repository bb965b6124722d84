//! Puppets: processes that perform commands through their own `Ctx` and write down
//! everything they see, so the driver can compare it with the model.

use std::sync::{Arc, Mutex, PoisonError};

use otpsim_runtime::{Ctx, Down, Message, Pid, Reason, Ref, RegisterError};

use crate::ops::{CrashKind, CRASH_PANIC};

/// What the driver tells a puppet to do (sent by a courier process).
#[derive(Clone, Debug)]
pub enum Cmd {
    Monitor(Pid),
    Demonitor { monitor: Ref, flush: bool },
    Link(Pid),
    Unlink(Pid),
    Exit(Pid, Reason),
    Send(Pid),
    Crash(CrashKind),
    TrapExit(bool),
    Register(&'static str),
    Unregister(&'static str),
    Suspend,
    Resume,
}

/// The message one puppet sends another.
#[derive(Clone, Copy, Debug)]
pub struct Ping;

/// One thing a puppet saw, in the runtime's terms.
#[derive(Clone, Debug)]
pub enum Note {
    Monitored(Ref),
    Demonitored {
        monitor: Ref,
        flush: bool,
        active: bool,
    },
    Registered(Result<(), RegisterError>),
    Unregistered(bool),
    Down(Down),
    Exit {
        from: Pid,
        reason: Reason,
    },
    Ping {
        from: Pid,
    },
    /// Anything a puppet did not expect; the driver reports it as a failure.
    Stray(String),
}

/// Every puppet's notes, in the order they were written.
#[derive(Clone, Default)]
pub struct Log(Arc<Mutex<Vec<(Pid, Note)>>>);

impl Log {
    fn push(&self, pid: Pid, note: Note) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).push((pid, note));
    }

    /// The notes from position `start` on.
    pub fn since(&self, start: usize) -> Vec<(Pid, Note)> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)[start..].to_vec()
    }
}

/// A puppet's body: obey commands, note everything else that arrives. A suspended
/// puppet takes only commands, leaving the rest queued in order.
pub async fn puppet(ctx: Ctx, log: Log) -> Reason {
    let me = ctx.pid();
    let mut suspended = false;
    loop {
        let msg = if suspended { ctx.recv_match(|m| m.info::<Cmd>().is_some()).await } else { ctx.recv().await };
        let note = match msg {
            Message::Info { from, body } => match body.downcast::<Cmd>() {
                Ok(cmd) => match cmd {
                    Cmd::Monitor(target) => Note::Monitored(ctx.monitor(target)),
                    Cmd::Demonitor { monitor, flush } => {
                        let active = if flush { ctx.demonitor_flush(monitor) } else { ctx.demonitor(monitor) };
                        Note::Demonitored { monitor, flush, active }
                    }
                    Cmd::Register(name) => Note::Registered(ctx.register(name)),
                    Cmd::Unregister(name) => Note::Unregistered(ctx.unregister(name)),
                    Cmd::Link(other) => {
                        let _ = ctx.link(other);
                        continue;
                    }
                    Cmd::Unlink(other) => {
                        ctx.unlink(other);
                        continue;
                    }
                    Cmd::Exit(to, reason) => {
                        ctx.exit(to, reason);
                        continue;
                    }
                    Cmd::Send(to) => {
                        ctx.send(to, Ping);
                        continue;
                    }
                    Cmd::TrapExit(trap) => {
                        ctx.trap_exit(trap);
                        continue;
                    }
                    Cmd::Suspend | Cmd::Resume => {
                        suspended = matches!(cmd, Cmd::Suspend);
                        continue;
                    }
                    Cmd::Crash(CrashKind::Panic) => std::panic::panic_any(CRASH_PANIC),
                    Cmd::Crash(how) => return how.reason(),
                },
                Err(body) if body.is::<Ping>() => Note::Ping { from },
                Err(body) => Note::Stray(format!("{body:?}")),
            },
            Message::Down(down) => Note::Down(down),
            Message::Exit { from, reason } => Note::Exit { from, reason },
            other => Note::Stray(format!("{other:?}")),
        };
        log.push(me, note);
    }
}
