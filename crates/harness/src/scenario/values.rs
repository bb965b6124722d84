//! Small value types of scenario files, each checked as it is read so an error points
//! at the offending value: durations ("250ms"), probabilities, rates that may be a
//! range for swarm testing, and delay ranges.

use std::fmt;
use std::time::Duration;

use otpsim_runtime::units::{format_duration, parse_duration};
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};

/// A duration written as text: "250ms", "3.2s", "1m".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Dur(pub Duration);

impl Serialize for Dur {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_duration(self.0))
    }
}

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Dur;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration such as \"250ms\" or \"3.2s\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Dur, E> {
                parse_duration(v).map(Dur).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Dur, E> {
                if v == 0 {
                    Ok(Dur(Duration::ZERO))
                } else {
                    Err(E::custom(format!("duration {v} has no unit (hint: write it as a string like \"{v}ms\")")))
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// A probability in 0..=1.
#[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd, Serialize)]
#[serde(transparent)]
pub struct Probability(pub f64);

impl<'de> Deserialize<'de> for Probability {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        probability(f64::deserialize(d)?)
    }
}

fn probability<E: de::Error>(v: f64) -> Result<Probability, E> {
    if (0.0..=1.0).contains(&v) {
        Ok(Probability(v))
    } else {
        Err(E::custom(format!("{v} is not a probability (hint: use a number from 0 to 1, e.g. 0.02)")))
    }
}

/// A fault rate: one probability, or a `[low, high]` range that swarm mode draws from.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub enum Rate {
    /// Always this probability.
    Fixed(f64),
    /// A probability drawn per seed from this range.
    Range(f64, f64),
}

impl Default for Rate {
    fn default() -> Self {
        Rate::Fixed(0.0)
    }
}

impl Rate {
    /// The highest probability this rate can take (zero means "never").
    pub fn max(&self) -> f64 {
        match *self {
            Rate::Fixed(p) => p,
            Rate::Range(_, high) => high,
        }
    }
}

impl Serialize for Rate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            Rate::Fixed(p) => s.serialize_f64(p),
            Rate::Range(low, high) => {
                let mut seq = s.serialize_seq(Some(2))?;
                seq.serialize_element(&low)?;
                seq.serialize_element(&high)?;
                seq.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Rate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Rate;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a probability (0.02) or a range of probabilities ([0.0, 0.05])")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Rate, E> {
                probability(v).map(|p| Rate::Fixed(p.0))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Rate, E> {
                probability(v as f64).map(|p| Rate::Fixed(p.0))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Rate, A::Error> {
                let low: f64 = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let high: f64 = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(1, &self))?;
                if seq.next_element::<f64>()?.is_some() {
                    return Err(de::Error::invalid_length(3, &self));
                }
                let (low, high) = (probability::<A::Error>(low)?.0, probability::<A::Error>(high)?.0);
                if low > high {
                    return Err(de::Error::custom(format!(
                        "range [{low}, {high}] is reversed (hint: write [low, high])"
                    )));
                }
                Ok(Rate::Range(low, high))
            }
        }
        d.deserialize_any(V)
    }
}

/// A `[min, max]` range of extra message latency.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DelayRange {
    /// Shortest delay.
    pub min: Duration,
    /// Longest delay.
    pub max: Duration,
}

impl Serialize for DelayRange {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        [Dur(self.min), Dur(self.max)].serialize(s)
    }
}

impl<'de> Deserialize<'de> for DelayRange {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let [min, max] = <[Dur; 2]>::deserialize(d)?;
        if min > max {
            return Err(de::Error::custom(format!(
                "delay range [{}, {}] is reversed (hint: write [min, max])",
                format_duration(min.0),
                format_duration(max.0)
            )));
        }
        Ok(DelayRange { min: min.0, max: max.0 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Doc {
        rate: Rate,
    }

    fn rate(text: &str) -> Result<Rate, String> {
        toml::from_str::<Doc>(text).map(|d| d.rate).map_err(|e| e.to_string())
    }

    #[test]
    fn rates_are_probabilities_or_ranges() {
        assert_eq!(rate("rate = 0.25"), Ok(Rate::Fixed(0.25)));
        assert_eq!(rate("rate = 0"), Ok(Rate::Fixed(0.0)));
        assert_eq!(rate("rate = [0.0, 0.5]"), Ok(Rate::Range(0.0, 0.5)));
        assert!(rate("rate = 1.5").unwrap_err().contains("not a probability"));
        assert!(rate("rate = [0.5, 0.1]").unwrap_err().contains("reversed"));
        assert!(rate("rate = \"high\"").is_err());
    }
}
