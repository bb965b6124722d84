//! `--seed-timeout`: the real time one seed may take before it is stopped and fails.
//!
//! A scenario whose seed would run for hours (a hundred thousand agents, a year of
//! simulated time) then fails with a verdict naming the limit instead of running on
//! with no output.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// The default: ten minutes, far above any seed of the shipped scenarios (their slowest
/// takes seconds), with room for a loaded machine.
pub const DEFAULT: &str = "600s";

/// A per-seed wall-time limit, written "90s", "5m" or "1h" (a bare number is seconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeedTimeout(pub Duration);

impl FromStr for SeedTimeout {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let usage = || format!("{text:?} is not a timeout: write seconds or a duration like 90s, 5m, 1h (at least 1s)");
        let trimmed = text.trim();
        let (number, unit) = match trimmed.find(|c: char| !c.is_ascii_digit()) {
            Some(at) => trimmed.split_at(at),
            None => (trimmed, "s"),
        };
        let number: u64 = number.parse().map_err(|_| usage())?;
        let seconds = match unit {
            "s" => Some(number),
            "m" => number.checked_mul(60),
            "h" => number.checked_mul(3600),
            _ => None,
        };
        match seconds {
            Some(seconds) if seconds > 0 => Ok(SeedTimeout(Duration::from_secs(seconds))),
            _ => Err(usage()),
        }
    }
}

impl fmt::Display for SeedTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}s", self.0.as_secs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_read_as_seconds_minutes_or_hours() {
        let secs = |text: &str| text.parse::<SeedTimeout>().map(|t| t.0.as_secs());
        assert_eq!((secs("90"), secs("90s"), secs("5m"), secs("1h")), (Ok(90), Ok(90), Ok(300), Ok(3600)));
        assert_eq!(secs(DEFAULT), Ok(600));
        for bad in ["0", "0s", "", "5x", "-1", "1.5s", "99999999999999999999h"] {
            assert!(secs(bad).is_err(), "{bad} was accepted");
        }
    }
}
