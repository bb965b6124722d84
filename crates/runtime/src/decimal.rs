//! Integers as ASCII decimal without going through `fmt`: pids and numbers are most of a
//! trace's fields, and the trace is written on every run's hot path (as are the ids in
//! the system's own events and store keys: `fmt` costs several times more).

/// Where a number's digits are written (two at a time, by `itoa`): a caller that
/// wants a number's text as a `&str` keeps one on the stack.
pub use itoa::Buffer;

/// Appends `value` in decimal; most numbers written are one digit (a node, an
/// incarnation).
#[inline]
pub fn push(out: &mut String, value: u64) {
    if value < 10 {
        out.push(char::from(b'0' + value as u8));
        return;
    }
    out.push_str(Buffer::new().format(value));
}

/// Appends `value` in decimal, zero-padded to at least `width` digits.
pub fn push_padded(out: &mut String, value: u64, width: usize) {
    let mut buf = Buffer::new();
    let digits = buf.format(value);
    out.extend(std::iter::repeat_n('0', width.saturating_sub(digits.len())));
    out.push_str(digits);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_match_what_fmt_writes() {
        for value in [0, 7, 10, 99, 1_000_001, u64::MAX] {
            let mut out = String::from("x");
            push(&mut out, value);
            push_padded(&mut out, value, 20);
            push_padded(&mut out, value, 0);
            assert_eq!(out, format!("x{value}{value:020}{value}"));
        }
    }
}
