//! A seed's fault plan as a failure report shows it: counts by kind and the faults
//! nearest the violation, with the whole plan written to a file whose path is printed.
//! A plan of ten thousand faults would otherwise bury the violation it explains.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use otpsim_harness::invariant::Violation;
use otpsim_harness::plan::FaultPlan;
use otpsim_runtime::units::format_duration;

/// Planned faults listed around the violation.
const NEAR_SHOWN: usize = 5;

/// "19 crash, 1 node_crash, 1 node_restart; message_loss 0.05; faults until 10s".
pub fn counts(plan: &FaultPlan) -> String {
    let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
    for event in &plan.events {
        *by_kind.entry(event.kind.name()).or_default() += 1;
    }
    let mut parts: Vec<String> = by_kind.iter().map(|(kind, n)| format!("{n} {kind}")).collect();
    if parts.is_empty() {
        parts.push("no timed faults".to_owned());
    }
    let mut text = parts.join(", ");
    if plan.message_loss > 0.0 {
        let _ = write!(text, "; message_loss {}", plan.message_loss);
    }
    if plan.message_duplication > 0.0 {
        let _ = write!(text, "; message_duplication {}", plan.message_duplication);
    }
    if let Some([low, high]) = plan.message_delay {
        let _ = write!(text, "; message_delay {}..{}", format_duration(low.0), format_duration(high.0));
    }
    let skipped = plan.events.iter().filter(|e| e.skipped.is_some()).count();
    if skipped > 0 {
        let _ = write!(text, "; {skipped} skipped");
    }
    let _ = write!(text, "; faults until {}", format_duration(plan.until.0));
    text
}

/// The planned faults nearest `at`, in time order: "1.112806285s crash task_agent".
pub fn near(plan: &FaultPlan, at: Duration) -> Vec<String> {
    let mut nearest: Vec<usize> = (0..plan.events.len()).collect();
    nearest.sort_by_key(|&i| plan.events[i].time.0.abs_diff(at));
    nearest.truncate(NEAR_SHOWN);
    nearest.sort_by_key(|&i| (plan.events[i].time, i));
    nearest
        .into_iter()
        .map(|i| {
            let e = &plan.events[i];
            let target = if e.target.is_empty() { String::new() } else { format!(" {}", e.target) };
            let skipped = e.skipped.map_or(String::new(), |why| format!(" (skipped: {why})"));
            format!("{} {}{target}{skipped}", format_duration(e.time.0), e.kind.name())
        })
        .collect()
}

/// The moment a report centres on: the earliest upstream fault of the first
/// violation if its evidence names one, else that violation's time.
pub fn focus(violations: &[Violation]) -> Option<Duration> {
    let first = violations.first()?;
    let cause_time = first
        .evidence
        .iter()
        .filter(|line| {
            let index = line.strip_prefix('#').and_then(|l| l.split(' ').next()).and_then(|i| i.parse().ok());
            index.is_some_and(|i| first.causes.contains(&i))
        })
        .filter_map(|line| line.split(' ').nth(1)?.strip_suffix('s')?.parse::<f64>().ok())
        .map(Duration::from_secs_f64)
        .min();
    Some(cause_time.unwrap_or(Duration::from_millis(first.time_ms)))
}

/// Where the plan of `seed` of `scenario` is written: the system's temporary
/// directory, `otpsim-plans/<scenario>/seed-<seed>.toml`, as an absolute path.
pub fn file_for(scenario: &str, seed: u64) -> PathBuf {
    let safe: String =
        scenario.chars().map(|c| if c.is_ascii_alphanumeric() || "-_".contains(c) { c } else { '_' }).collect();
    std::env::temp_dir().join("otpsim-plans").join(safe).join(format!("seed-{seed}.toml"))
}

/// Writes the whole plan of `seed` to its file; returns the path.
pub fn write(scenario: &str, plan: &FaultPlan) -> std::io::Result<PathBuf> {
    let path = file_for(scenario, plan.seed);
    fs::write(&path, &plan.to_toml())?;
    Ok(path)
}

/// The report lines of a plan, each indented by `prefix`: counts, the faults near
/// the violation, and the file holding the whole plan.
pub fn report(scenario: &str, plan: &FaultPlan, violations: &[Violation], prefix: &str) -> String {
    let mut text = format!("{prefix}fault plan (seed {}): {}\n", plan.seed, counts(plan));
    if !plan.drawn.is_empty() {
        let values: Vec<String> = plan.drawn.iter().map(|(field, value)| format!("{field} = {value}")).collect();
        let _ = writeln!(text, "{prefix}  drawn from ranges: {}", values.join(", "));
    }
    if let Some(at) = focus(violations).filter(|_| !plan.events.is_empty()) {
        let _ = writeln!(text, "{prefix}  faults nearest {}: {}", format_duration(at), near(plan, at).join(", "));
    }
    match write(scenario, plan) {
        Ok(path) => {
            let _ = writeln!(text, "{prefix}  full plan: {}", path.display());
        }
        Err(e) => {
            let _ = writeln!(text, "{prefix}  full plan not written: {e}");
        }
    }
    text
}

/// Real file access: plans are written after their seed has run.
mod fs {
    use super::Path;

    #[allow(clippy::disallowed_methods)] // writes a report file, outside any simulation
    pub(super) fn write(path: &Path, text: &str) -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, text)
    }
}

#[cfg(test)]
mod tests {
    use otpsim_harness::plan::PlannedFault;
    use otpsim_harness::scenario::{Dur, FaultKind};

    use super::*;

    fn plan() -> FaultPlan {
        let fault = |ms: u64, kind, target: &str| PlannedFault {
            time: Dur(Duration::from_millis(ms)),
            kind,
            target: target.to_owned(),
            skipped: None,
        };
        FaultPlan {
            seed: 3,
            kinds: vec!["process_crash", "node_crash"],
            message_loss: 0.05,
            message_duplication: 0.0,
            message_delay: None,
            until: Dur(Duration::from_secs(10)),
            events: (0..20)
                .map(|i| fault(500 * i + 1, FaultKind::Crash, "task_agent"))
                .chain([fault(4200, FaultKind::NodeCrash, "1"), fault(6200, FaultKind::NodeRestart, "1")])
                .collect(),
            message_fates: Vec::new(),
            drawn: BTreeMap::from([("config.buffer_max_size".to_owned(), "37".to_owned())]),
        }
    }

    #[test]
    fn a_plan_is_summed_up_by_kind_with_the_faults_nearest_the_violation() {
        let plan = plan();
        assert_eq!(counts(&plan), "20 crash, 1 node_crash, 1 node_restart; message_loss 0.05; faults until 10s");
        assert_eq!(
            near(&plan, Duration::from_millis(4300)),
            vec![
                "3.501s crash task_agent",
                "4.001s crash task_agent",
                "4.2s node_crash 1",
                "4.501s crash task_agent",
                "5.001s crash task_agent"
            ]
        );
        let violation = Violation::new("no_task_lost", Duration::from_millis(4300), "lost");
        let text = report("my storm", &plan, &[violation], "  ");
        assert!(text.starts_with("  fault plan (seed 3): 20 crash,"), "{text}");
        assert!(text.contains("\n    drawn from ranges: config.buffer_max_size = 37\n"), "{text}");
        let path = file_for("my storm", 3);
        assert!(path.is_absolute() && path.ends_with("otpsim-plans/my_storm/seed-3.toml"));
        assert!(text.contains(&format!("full plan: {}", path.display())), "{text}");
    }
}
