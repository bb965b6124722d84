//! Identities: nodes, processes and references.
//!
//! otpsim numbers these itself, from counters that live in one simulation, so the
//! same seed gives the same ids (madsim task ids are process-global and are not).

use std::fmt;

/// A node of the simulated cluster, numbered from 0 in creation order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub u32);

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = Text::default();
        text.push(b"n");
        text.number(u64::from(self.0));
        f.write_str(text.as_str())
    }
}

/// A process id: unique within a run and never reused.
///
/// `serial` comes first so pids order by spawn order; `incarnation` is the node's
/// restart count when the process was spawned (Erlang's "creation").
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pid {
    /// Spawn order within the run.
    pub serial: u64,
    /// The node the process runs on.
    pub node: NodeId,
    /// How many times that node had restarted when the process was spawned.
    pub incarnation: u32,
}

impl Pid {
    /// No process: what a DOWN names as its pid when its monitor was set on a
    /// registered name that nobody held. Serial 0 is never given to a process.
    pub fn nobody(node: NodeId) -> Pid {
        Pid { serial: 0, node, incarnation: 0 }
    }
}

impl fmt::Display for Pid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = Text::default();
        text.push(b"<");
        text.number(u64::from(self.node.0));
        text.push(b".");
        text.number(self.serial);
        text.push(b".");
        text.number(u64::from(self.incarnation));
        text.push(b">");
        f.write_str(text.as_str())
    }
}

/// A unique reference: names a monitor, a call, or a timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ref(pub u64);

impl fmt::Display for Ref {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = Text::default();
        text.push(b"#Ref<");
        text.number(self.0);
        text.push(b">");
        f.write_str(text.as_str())
    }
}

/// An id's text, put together in a buffer on the stack and handed to the formatter
/// in one piece: ids are most of a trace's text, and `write!` with several numbers
/// costs several times more.
struct Text {
    bytes: [u8; 48],
    len: usize,
}

impl Default for Text {
    fn default() -> Self {
        Text { bytes: [0; 48], len: 0 }
    }
}

impl Text {
    fn push(&mut self, ascii: &[u8]) {
        self.bytes[self.len..self.len + ascii.len()].copy_from_slice(ascii);
        self.len += ascii.len();
    }

    /// Appends `value` in decimal.
    fn number(&mut self, mut value: u64) {
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        loop {
            at -= 1;
            digits[at] = b'0' + (value % 10) as u8;
            value /= 10;
            if value == 0 {
                break;
            }
        }
        self.push(&digits[at..]);
    }

    fn as_str(&self) -> &str {
        // Only ASCII is ever pushed.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pids_display_like_erlang_and_order_by_spawn() {
        let a = Pid { serial: 7, node: NodeId(2), incarnation: 1 };
        let b = Pid { serial: 8, node: NodeId(0), incarnation: 0 };
        assert_eq!(a.to_string(), "<2.7.1>");
        assert!(a < b);
        let widest = Pid { serial: u64::MAX, node: NodeId(u32::MAX), incarnation: u32::MAX };
        assert_eq!(widest.to_string(), format!("<{}.{}.{}>", u32::MAX, u64::MAX, u32::MAX));
        assert_eq!((NodeId(0).to_string(), Ref(u64::MAX).to_string()), ("n0".into(), format!("#Ref<{}>", u64::MAX)));
    }
}
