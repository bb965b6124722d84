//! What travels between processes: user payloads and runtime signals.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use crate::pid::{Pid, Ref};
use crate::reason::Reason;

/// A value a process can send: any `Clone + Debug + Send` type.
///
/// `Clone` lets the fault layer duplicate a message; `Debug` lets traces show it.
pub trait Term: Any + Send + fmt::Debug {
    /// A boxed copy, for duplication.
    fn clone_term(&self) -> Box<dyn Term>;
    /// For downcasting by reference.
    fn as_any(&self) -> &dyn Any;
    /// For downcasting by value.
    fn into_any(self: Box<Self>) -> Box<dyn Any + Send>;
}

impl<T: Any + Send + Clone + fmt::Debug> Term for T {
    fn clone_term(&self) -> Box<dyn Term> {
        Box::new(self.clone())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn into_any(self: Box<Self>) -> Box<dyn Any + Send> {
        self
    }
}

/// A type-erased message body.
pub struct Payload(Box<dyn Term>);

impl Payload {
    /// Wraps a value.
    pub fn new<T: Term>(value: T) -> Self {
        Payload(Box::new(value))
    }

    /// True if the body is a `T`.
    pub fn is<T: Any>(&self) -> bool {
        self.0.as_any().is::<T>()
    }

    /// Borrows the body as a `T`.
    pub fn downcast_ref<T: Any>(&self) -> Option<&T> {
        self.0.as_any().downcast_ref()
    }

    /// Takes the body as a `T`, or gives the payload back.
    pub fn downcast<T: Any>(self) -> Result<T, Payload> {
        if self.is::<T>() {
            match self.0.into_any().downcast::<T>() {
                Ok(value) => Ok(*value),
                Err(_) => unreachable!("type checked above"),
            }
        } else {
            Err(self)
        }
    }
}

impl Clone for Payload {
    fn clone(&self) -> Self {
        Payload(self.0.clone_term())
    }
}

impl fmt::Debug for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The DOWN message a monitor delivers exactly once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Down {
    /// The monitor's reference.
    pub monitor: Ref,
    /// The monitored process ([`Pid::nobody`] if the monitor named a registered name
    /// that nobody held).
    pub pid: Pid,
    /// The registered name the monitor was set on (`{Name, Node}` with the node of
    /// `pid`), if it was set on a name.
    pub name: Option<Arc<str>>,
    /// Why it went down (`noproc` if it was already dead, `noconnection` if its node was lost).
    pub reason: Reason,
}

/// One entry of a mailbox.
#[derive(Clone, Debug)]
pub enum Message {
    /// A plain message (`Pid ! Term`).
    Info {
        /// The sender.
        from: Pid,
        /// The body.
        body: Payload,
    },
    /// A gen-server call request; answer it with `Ctx::reply`.
    Call {
        /// Who to answer.
        from: ReplyTo,
        /// The body.
        body: Payload,
    },
    /// A gen-server cast.
    Cast {
        /// The sender.
        from: Pid,
        /// The body.
        body: Payload,
    },
    /// The answer to a call; only delivered while the caller still waits for it.
    Reply {
        /// The call's tag.
        tag: Ref,
        /// The body.
        body: Payload,
    },
    /// A monitor fired.
    Down(Down),
    /// A `start_timer` timer fired: `{timeout, Ref, Msg}`.
    Timeout {
        /// The timer's reference.
        timer: Ref,
        /// The body.
        body: Payload,
    },
    /// An exit signal, received as a message because the process traps exits.
    Exit {
        /// The process the signal came from.
        from: Pid,
        /// Its reason.
        reason: Reason,
    },
}

impl Message {
    /// The body of an `Info` message as a `T`, if it is one.
    pub fn info<T: Any>(&self) -> Option<&T> {
        match self {
            Message::Info { body, .. } => body.downcast_ref(),
            _ => None,
        }
    }

    /// A short name of the variant, for traces.
    pub fn kind(&self) -> &'static str {
        match self {
            Message::Info { .. } => "info",
            Message::Call { .. } => "call",
            Message::Cast { .. } => "cast",
            Message::Reply { .. } => "reply",
            Message::Down(_) => "down",
            Message::Timeout { .. } => "timeout",
            Message::Exit { .. } => "exit",
        }
    }

    /// True for messages the fault layer may drop, duplicate or delay. Runtime signals
    /// (DOWN, EXIT) are reliable, as on a real BEAM: a lost connection shows up as
    /// `noconnection`, never as a silently missing signal.
    pub(crate) fn is_faultable(&self) -> bool {
        !matches!(self, Message::Down(_) | Message::Exit { .. })
    }
}

/// Where a call's answer goes: the caller and the call's tag (its monitor reference).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplyTo {
    /// The caller.
    pub pid: Pid,
    /// The tag the caller waits for.
    pub tag: Ref,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_downcasts_to_its_type_only() {
        let p = Payload::new(41u32);
        assert!(p.is::<u32>());
        assert_eq!(p.downcast_ref::<u32>(), Some(&41));
        let p = p.downcast::<String>().expect_err("not a String");
        assert_eq!(p.clone().downcast::<u32>().ok(), Some(41));
    }

    #[test]
    fn each_message_names_its_own_kind_for_the_trace() {
        // Deliveries, drops and duplicates carry it; checkers tell signals from data by it.
        let pid = Pid::nobody(crate::NodeId(0));
        let body = || Payload::new(1u8);
        let down = Down { monitor: Ref(1), pid, name: None, reason: Reason::Normal };
        let messages = [
            Message::Info { from: pid, body: body() },
            Message::Call { from: ReplyTo { pid, tag: Ref(2) }, body: body() },
            Message::Cast { from: pid, body: body() },
            Message::Reply { tag: Ref(2), body: body() },
            Message::Down(down),
            Message::Timeout { timer: Ref(3), body: body() },
            Message::Exit { from: pid, reason: Reason::Normal },
        ];
        let kinds: Vec<&str> = messages.iter().map(Message::kind).collect();
        assert_eq!(kinds, ["info", "call", "cast", "reply", "down", "timeout", "exit"]);
    }

    #[test]
    fn a_payload_debugs_as_the_value_it_carries() {
        // Traces and failed assertions show a message by its body.
        assert_eq!(format!("{:?}", Payload::new(("ping", 41u32))), r#"("ping", 41)"#);
    }
}
