//! Durations written the way scenario files and configs write them: "250ms", "3.2s",
//! "2m", "1h", "500us", "0".

use std::time::Duration;

/// Parses "250ms", "3.2s", "1m", "1h", "500us", "10ns" or "0".
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text == "0" {
        return Ok(Duration::ZERO);
    }
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| format!("duration {text:?} has no unit (hint: write it like \"250ms\", \"3.2s\", \"1m\")"))?;
    let (number, unit) = text.split_at(split);
    let value: f64 = number.parse().map_err(|_| format!("duration {text:?} does not start with a number"))?;
    let nanos_per_unit = match unit {
        "ns" => 1.0,
        "us" | "µs" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        "m" | "min" => 60e9,
        "h" => 3600e9,
        _ => return Err(format!("duration {text:?} has unknown unit {unit:?} (hint: ns, us, ms, s, m or h)")),
    };
    let nanos = value * nanos_per_unit;
    // `u64::MAX as f64` rounds up to 2^64, one past the largest count of nanoseconds.
    if !nanos.is_finite() || nanos >= u64::MAX as f64 {
        return Err(format!("duration {text:?} is too large"));
    }
    Ok(Duration::from_nanos(nanos.round() as u64))
}

/// Formats a duration in the largest unit that keeps it exact, e.g. "3200ms", "2s".
pub fn format_duration(d: Duration) -> String {
    let nanos = d.as_nanos();
    if nanos == 0 {
        return "0".to_owned();
    }
    for (unit, size) in [("h", 3_600_000_000_000u128), ("m", 60_000_000_000)] {
        if nanos.is_multiple_of(size) {
            return format!("{}{unit}", nanos / size);
        }
    }
    // The largest unit that keeps a whole part, with exact decimals: "1.112806285s",
    // "701.370785ms". `parse_duration` reads these back to the nanosecond.
    for (unit, size) in [("s", 1_000_000_000u128), ("ms", 1_000_000), ("us", 1_000)] {
        if nanos >= size {
            let (whole, part) = (nanos / size, nanos % size);
            if part == 0 {
                return format!("{whole}{unit}");
            }
            let digits = size.ilog10() as usize;
            let decimals = format!("{part:0digits$}");
            return format!("{whole}.{}{unit}", decimals.trim_end_matches('0'));
        }
    }
    format!("{nanos}ns")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_in_every_unit() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("3.2s"), Ok(Duration::from_millis(3200)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert!(parse_duration("5").unwrap_err().contains("no unit"));
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("ms").is_err());
        assert!(parse_duration("18446744073709551616ns").unwrap_err().contains("too large"), "2^64 ns");
        assert_eq!(parse_duration("18446744073709549568ns"), Ok(Duration::from_nanos(18_446_744_073_709_549_568)));
    }

    #[test]
    fn durations_print_in_the_largest_unit_with_exact_decimals() {
        assert_eq!(format_duration(Duration::from_nanos(701_370_785)), "701.370785ms");
        assert_eq!(format_duration(Duration::from_nanos(1_112_806_285)), "1.112806285s");
        assert_eq!(format_duration(Duration::from_millis(3200)), "3.2s");
        assert_eq!(format_duration(Duration::from_millis(250)), "250ms");
        assert_eq!(format_duration(Duration::from_secs(120)), "2m");
        assert_eq!(format_duration(Duration::from_nanos(17)), "17ns");
    }

    #[test]
    fn formatting_round_trips() {
        for d in [Duration::from_millis(3200), Duration::from_secs(3600), Duration::from_nanos(17), Duration::ZERO] {
            assert_eq!(parse_duration(&format_duration(d)), Ok(d));
        }
        for nanos in [701_370_785u64, 1_112_806_285, 39_999_999_999, 1_001, 86_399_999_999_999] {
            let d = Duration::from_nanos(nanos);
            assert_eq!(parse_duration(&format_duration(d)), Ok(d), "{}", format_duration(d));
        }
    }
}
