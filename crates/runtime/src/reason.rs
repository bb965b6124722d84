//! Exit reasons, as OTP names them.

use std::borrow::Cow;
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

    /// The reason's text in up to three pieces written back to back (`{shutdown,`,
    /// the term, `}`): how events carry it, without the formatter.
    pub fn text_parts(&self) -> [&str; 3] {
        match self {
            Reason::Normal => ["normal", "", ""],
            Reason::Shutdown => ["shutdown", "", ""],
            Reason::ShutdownWith(term) => ["{shutdown,", term, "}"],
            Reason::Kill => ["kill", "", ""],
            Reason::Killed => ["killed", "", ""],
            Reason::Noproc => ["noproc", "", ""],
            Reason::Noconnection => ["noconnection", "", ""],
            Reason::Panic(m) => ["panic: ", m, ""],
            Reason::Error(m) => ["error: ", m, ""],
        }
    }

    /// The reason's text as [`fmt::Display`] writes it; borrowed when it is one piece.
    pub fn text(&self) -> Cow<'_, str> {
        match self.text_parts() {
            [whole, "", ""] => Cow::Borrowed(whole),
            parts => Cow::Owned(parts.concat()),
        }
    }

    /// True for reasons a supervisor treats as an orderly exit (`normal`, `shutdown`,
    /// `{shutdown, Term}`). A transient child is restarted only when this is false.
    pub fn is_orderly(&self) -> bool {
        matches!(self, Reason::Normal | Reason::Shutdown | Reason::ShutdownWith(_))
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.text_parts().into_iter().try_for_each(|part| f.write_str(part))
    }
}

impl From<()> for Reason {
    fn from((): ()) -> Self {
        Reason::Normal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_writes_the_same_text_with_or_without_the_formatter() {
        let cases = [
            (Reason::Normal, "normal"),
            (Reason::Shutdown, "shutdown"),
            (Reason::shutdown_with("moved"), "{shutdown,moved}"),
            (Reason::Kill, "kill"),
            (Reason::Killed, "killed"),
            (Reason::Noproc, "noproc"),
            (Reason::Noconnection, "noconnection"),
            (Reason::Panic("boom".into()), "panic: boom"),
            (Reason::error("bad"), "error: bad"),
            (Reason::error(""), "error: "),
        ];
        for (reason, text) in cases {
            assert_eq!(reason.to_string(), text);
            assert_eq!(reason.text(), text);
            assert_eq!(matches!(reason.text(), Cow::Borrowed(_)), reason.text_parts()[1..] == ["", ""], "{reason:?}");
        }
    }
}
