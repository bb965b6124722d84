//! Integers as ASCII decimal without going through `fmt`: pids and numbers are most of a
//! trace's fields, and the trace is written on every run's hot path.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_match_what_fmt_writes() {
        for value in [0, 7, 10, 99, 1_000_001, u64::MAX] {
            let mut buf = [0u8; 20];
            assert_eq!(digits(value, &mut buf), value.to_string().as_bytes());
        }
    }
}
