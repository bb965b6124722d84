//! Exit reasons, as OTP names them.

use std::fmt;
use std::sync::Arc;

/// Why a process exited, or the reason carried by an exit signal.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    /// The process finished its work. Does not kill linked processes.
    Normal,
    /// Ordered termination, e.g. by a supervisor.
    Shutdown,
    /// `{shutdown, Term}`: an ordered termination that says why. Not an error: a
    /// transient child that exits with it is not restarted.
    ShutdownWith(Arc<str>),
    /// Only as a signal: the untrappable kill. The target exits with [`Reason::Killed`].
    Kill,
    /// The process was killed by a `kill` signal.
    Killed,
    /// The process did not exist (a monitor or call to a dead pid).
    Noproc,
    /// The process's node crashed or could not be reached.
    Noconnection,
    /// The process panicked: a crash, with the panic message.
    Panic(Arc<str>),
    /// Any other abnormal reason.
    Error(Arc<str>),
}

impl Reason {
    /// An abnormal reason with a message.
    pub fn error(message: impl Into<Arc<str>>) -> Self {
        Reason::Error(message.into())
    }

    /// The reason as an Erlang term prints (`~w`): `boom` for `error("boom")`,
    /// `{shutdown,T}`, `{panic,Msg}` for a panic.
    pub fn to_term(&self) -> String {
        match self {
            Reason::Error(m) => m.to_string(),
            Reason::Panic(m) => format!("{{panic,{m}}}"),
            other => other.to_string(),
        }
    }

    /// True for `normal`, the one reason that does not propagate through links.
    pub fn is_normal(&self) -> bool {
        matches!(self, Reason::Normal)
    }

    /// `{shutdown, Term}`, with the term written as it should print.
    pub fn shutdown_with(term: impl Into<Arc<str>>) -> Self {
        Reason::ShutdownWith(term.into())
    }

    /// True for reasons a supervisor treats as an orderly exit (`normal`, `shutdown`,
    /// `{shutdown, Term}`). A transient child is restarted only when this is false.
    pub fn is_orderly(&self) -> bool {
        matches!(self, Reason::Normal | Reason::Shutdown | Reason::ShutdownWith(_))
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Normal => f.write_str("normal"),
            Reason::Shutdown => f.write_str("shutdown"),
            Reason::ShutdownWith(term) => write!(f, "{{shutdown,{term}}}"),
            Reason::Kill => f.write_str("kill"),
            Reason::Killed => f.write_str("killed"),
            Reason::Noproc => f.write_str("noproc"),
            Reason::Noconnection => f.write_str("noconnection"),
            Reason::Panic(m) => write!(f, "panic: {m}"),
            Reason::Error(m) => write!(f, "error: {m}"),
        }
    }
}

impl From<()> for Reason {
    fn from((): ()) -> Self {
        Reason::Normal
    }
}
