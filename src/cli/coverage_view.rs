//! What a scenario's seeds exercised, as `otpsim run` prints it under the scenario's
//! verdict: the points reached (seeds, hits), the configured faults never applied,
//! and for a flaw scenario whose violation was not found, whether the points its flaw
//! needs were reached.

use std::fmt::Write as _;

use otpsim_harness::coverage::Coverage;
use otpsim_harness::tally::Tally;

/// Longest line of a point list before it wraps.
const WIDTH: usize = 110;

/// The coverage lines of one scenario, each indented by two spaces.
pub fn lines(tally: &Tally) -> String {
    let mut text = String::new();
    let points: Vec<String> = tally
        .coverage
        .system_points()
        .map(|(name, count)| format!("{name} ({}/{} seeds, {} hits)", count.seeds, tally.seeds, count.hits))
        .collect();
    if points.is_empty() {
        text.push_str("  reached: no coverage point\n");
    } else {
        text.push_str(&wrapped("  reached: ", &points));
    }
    for never in tally.requirements.faults_never_applied(&tally.coverage) {
        let _ = writeln!(text, "  fault {never}");
    }
    text
}

/// For a flaw scenario whose violation was not found: for each point it requires,
/// "never reached X" or "reached X N times (in S seeds) and the invariant held".
pub fn unfound(tally: &Tally, coverage: &Coverage, violation: &str) -> String {
    let mut text = String::new();
    for point in &tally.requirements.points {
        match coverage.get(point) {
            None => {
                let _ = writeln!(text, "  never reached {point}: the flawed path never ran");
            }
            Some(count) => {
                let _ = writeln!(
                    text,
                    "  reached {point} {} times (in {} of {} seeds) and {violation} held",
                    count.hits, count.seeds, tally.seeds
                );
            }
        }
    }
    text
}

/// `items` after `head`, comma-separated, wrapped under the head's width.
fn wrapped(head: &str, items: &[String]) -> String {
    let indent = " ".repeat(head.len());
    let mut text = head.to_owned();
    let mut width = head.len();
    for (i, item) in items.iter().enumerate() {
        let piece = if i + 1 < items.len() { format!("{item}, ") } else { item.clone() };
        if width + piece.len() > WIDTH && width > head.len() {
            text = text.trim_end().to_owned();
            text.push('\n');
            text.push_str(&indent);
            width = indent.len();
        }
        width += piece.len();
        text.push_str(&piece);
    }
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use otpsim_harness::vacuity::Requirements;

    use super::*;

    #[test]
    fn points_are_listed_with_seeds_and_hits_and_unapplied_faults_say_why() {
        let mut tally = Tally::empty("storm", Path::new("storm.toml"), None);
        tally.seeds = 4;
        tally.coverage.add_seed([("agent.paused", 3), ("fault.skipped.crash.workflow.no_live_process", 2)]);
        tally.coverage.add_seed([("agent.paused", 1)]);
        tally.requirements = Requirements {
            faults: vec![otpsim_harness::vacuity::RequiredFault {
                label: "process_crash target workflow".into(),
                applied: vec!["fault.applied.crash.workflow".into()],
            }],
            points: vec!["manager.buffer_overflow".into(), "agent.paused".into()],
            ..Requirements::default()
        };
        assert_eq!(
            lines(&tally),
            "  reached: agent.paused (2/4 seeds, 4 hits)\n  \
             fault process_crash target workflow never applied (skipped: 2 × no_live_process)\n"
        );
        assert_eq!(
            unfound(&tally, &tally.coverage, "no_task_lost"),
            "  never reached manager.buffer_overflow: the flawed path never ran\n  \
             reached agent.paused 4 times (in 2 of 4 seeds) and no_task_lost held\n"
        );
    }

    #[test]
    fn long_lists_wrap_under_their_head() {
        let items: Vec<String> = (0..12).map(|i| format!("area.point_number_{i}")).collect();
        let text = wrapped("  reached: ", &items);
        assert!(text.lines().count() > 1, "{text}");
        assert!(text.lines().all(|l| l.len() <= WIDTH), "{text}");
        assert!(text.lines().skip(1).all(|l| l.starts_with("           area.")), "{text}");
    }
}
