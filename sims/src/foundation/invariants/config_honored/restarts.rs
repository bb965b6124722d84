//! The restart intensity of `config_honored`: a supervisor gives up
//! (`intensity_exceeded`) only when the restart it is deciding on would be one more
//! than `max_restarts` within `restart_window`, counted from its own earlier
//! `restart_counted` decisions (a restart exactly one window ago still counts, as in
//! OTP). That it never restarts more often is `restart_intensity`'s to judge.

use std::collections::BTreeMap;

use otpsim_foundation::events::{field, kind};
use otpsim_foundation::Config;
use otpsim_harness::invariant::{TraceEvent, Violation};

use super::NAME;

/// Checks every give-up against the restarts before it.
pub fn check(config: &Config, events: &[TraceEvent]) -> Vec<Violation> {
    let mut restarts: BTreeMap<&str, Vec<&TraceEvent>> = BTreeMap::new();
    let mut violations = Vec::new();
    for e in events {
        let Some(supervisor) = e.get(field::SUPERVISOR) else { continue };
        match e.kind.as_str() {
            kind::RESTART_COUNTED => restarts.entry(supervisor).or_default().push(e),
            kind::INTENSITY_EXCEEDED => {
                let earlier = restarts.get(supervisor).map(Vec::as_slice).unwrap_or_default();
                let within: Vec<&TraceEvent> = earlier
                    .iter()
                    .copied()
                    .filter(|r| e.time.saturating_sub(r.time) <= config.restart_window)
                    .collect();
                if within.len() < config.max_restarts as usize {
                    let message = format!(
                        "supervisor {supervisor} gave up after {} restarts within {}ms, below the limit of {} in {}ms",
                        within.len() + 1,
                        config.restart_window.as_millis(),
                        config.max_restarts,
                        config.restart_window.as_millis()
                    );
                    let evidence = within.into_iter().chain([e]);
                    violations.push(Violation::new(NAME, e.time, message).id("pid", supervisor).evidence(evidence));
                }
            }
            _ => {}
        }
    }
    violations
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::super::fixtures::events;
    use super::*;

    fn config() -> Config {
        Config { max_restarts: 2, restart_window: Duration::from_secs(5), ..Config::default() }
    }

    #[test]
    fn giving_up_past_the_limit_holds() {
        let e = events(&[
            "1.000000000s otpsim event=restart_counted supervisor=<0.1.0> child=a restarts=1",
            "2.000000000s otpsim event=restart_counted supervisor=<0.1.0> child=a restarts=2",
            "6.000000000s otpsim event=intensity_exceeded supervisor=<0.1.0> child=a restarts=3",
        ]);
        assert!(check(&config(), &e).is_empty());
    }

    #[test]
    fn giving_up_within_the_limit_is_flagged() {
        let e = events(&[
            "1.000000000s otpsim event=restart_counted supervisor=<0.1.0> child=a restarts=1",
            "2.000000000s otpsim event=restart_counted supervisor=<0.1.0> child=a restarts=2",
            "6.100000000s otpsim event=intensity_exceeded supervisor=<0.1.0> child=a restarts=3",
            "7.000000000s otpsim event=intensity_exceeded supervisor=<0.2.0> child=b restarts=1",
        ]);
        let v = check(&config(), &e);
        assert_eq!(v.len(), 2, "{v:?}");
        assert!(v[0].message.contains("gave up after 2 restarts within 5000ms"), "{}", v[0]);
    }
}
