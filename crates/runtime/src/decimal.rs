//! Integers as ASCII decimal without going through `fmt`: pids and numbers are most of a
//! trace's fields, and the trace is written on every run's hot path (as are the ids in
//! the system's own events and store keys: `fmt` costs several times more).

/// The decimal digits of `value`, written into the end of `digits`.
pub fn digits(value: u64, digits: &mut [u8; 20]) -> &[u8] {
    let mut rest = value;
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    &digits[at..]
}

/// Appends `value` in decimal; most numbers written are one digit (a node, an
/// incarnation).
pub fn push(out: &mut String, value: u64) {
    if value < 10 {
        out.push(char::from(b'0' + value as u8));
        return;
    }
    push_padded(out, value, 0);
}

/// Appends `value` in decimal, zero-padded to at least `width` digits.
pub fn push_padded(out: &mut String, value: u64, width: usize) {
    let mut buf = [0u8; 20];
    let digits = digits(value, &mut buf);
    out.extend(std::iter::repeat_n('0', width.saturating_sub(digits.len())));
    out.extend(digits.iter().map(|&d| char::from(d)));
}

/// `value` in decimal, as text in `buf` (for a `Display` to hand to `write_str`).
pub fn text(value: u64, buf: &mut [u8; 20]) -> &str {
    // Only ASCII digits are written.
    std::str::from_utf8(digits(value, buf)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_match_what_fmt_writes() {
        for value in [0, 7, 10, 99, 1_000_001, u64::MAX] {
            let mut buf = [0u8; 20];
            assert_eq!(digits(value, &mut buf), value.to_string().as_bytes());
            assert_eq!(text(value, &mut buf), value.to_string());
            let mut out = String::from("x");
            push(&mut out, value);
            push_padded(&mut out, value, 20);
            push_padded(&mut out, value, 0);
            assert_eq!(out, format!("x{value}{value:020}{value}"));
        }
    }
}
