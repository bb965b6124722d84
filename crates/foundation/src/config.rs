//! The system's thresholds and policies, with the original's production defaults.
//!
//! Every threshold the logic uses comes from here; none is a literal in the code
//! (except on the `magic_thresholds` flaw's path, which reproduces exactly that bug).

use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::flaws::Flaws;

/// Configuration of the foundation system. Unknown keys are errors.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Errors after which a task agent pauses itself.
    pub max_error_threshold: u32,
    /// Consecutive failures after which a receiver's circuit breaker opens.
    pub circuit_breaker_threshold: u32,
    /// Messages buffered per receiver while its breaker is open.
    pub buffer_max_size: usize,
    /// How long an open breaker waits before it resets (and its buffer is replayed).
    #[serde(with = "duration")]
    pub breaker_reset: Duration,
    /// The retry policy for expected errors.
    pub retry: RetryPolicy,
    /// Restarts allowed within `restart_window` before a supervisor gives up.
    pub max_restarts: u32,
    /// The window of `max_restarts`.
    #[serde(with = "duration")]
    pub restart_window: Duration,
    /// Tasks a task agent holds queued at most.
    pub agent_queue_capacity: usize,
    /// How long a paused task agent waits before it resumes on its own (the original
    /// never resumed; `api::resume_agent` resumes at once). Default 5 s.
    #[serde(with = "duration")]
    pub agent_pause_cooldown: Duration,
    /// Memory (bytes) above which the performance sensor reports pressure.
    pub memory_threshold_bytes: u64,
    /// The defects switched on (empty: the correct system).
    pub flaws: Flaws,
}

/// Exponential backoff for expected (transient) errors.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetryPolicy {
    /// First backoff.
    #[serde(with = "duration")]
    pub initial_backoff: Duration,
    /// Backoff multiplier per attempt.
    pub multiplier: u32,
    /// Largest backoff.
    #[serde(with = "duration")]
    pub max_backoff: Duration,
    /// Give up once this much time has passed since the first attempt.
    #[serde(with = "duration")]
    pub give_up_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            initial_backoff: Duration::from_millis(500),
            multiplier: 2,
            max_backoff: Duration::from_secs(10),
            give_up_after: Duration::from_secs(30),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_error_threshold: 10,
            circuit_breaker_threshold: 5,
            buffer_max_size: 100,
            breaker_reset: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            max_restarts: 3,
            restart_window: Duration::from_secs(5),
            agent_queue_capacity: 1000,
            agent_pause_cooldown: Duration::from_secs(5),
            memory_threshold_bytes: 512 * 1024 * 1024,
            flaws: Flaws::new(),
        }
    }
}

impl Config {
    /// True if `flaw` is switched on.
    pub fn has(&self, flaw: crate::flaws::Flaw) -> bool {
        self.flaws.contains(&flaw)
    }
}

/// Serde for durations written as "250ms", "3.2s".
pub mod duration {
    use super::*;

    /// Writes a duration as text.
    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&otpsim_runtime::units::format_duration(*d))
    }

    /// Reads a duration from text.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let text = String::deserialize(d)?;
        otpsim_runtime::units::parse_duration(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_originals_production_values() {
        let c = Config::default();
        assert_eq!((c.max_error_threshold, c.circuit_breaker_threshold, c.buffer_max_size), (10, 5, 100));
        assert_eq!((c.max_restarts, c.restart_window), (3, Duration::from_secs(5)));
    }

    #[test]
    fn config_reads_from_toml_and_rejects_unknown_keys() {
        let c: Config =
            toml::from_str("buffer_max_size = 7\nbreaker_reset = \"2s\"\nflaws = [\"lifo_drain\"]").unwrap();
        assert_eq!(c.buffer_max_size, 7);
        assert_eq!(c.breaker_reset, Duration::from_secs(2));
        assert!(c.has(crate::flaws::Flaw::LifoDrain));
        assert!(toml::from_str::<Config>("bufer_max_size = 7").is_err());
    }
}
