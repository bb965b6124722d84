//! The differential suite: each scenario is a small Erlang module (erlang/) whose
//! trace a real BEAM (OTP 25) recorded in goldens/ (`scripts/record-goldens`), and
//! the same scenario re-enacted here on otpsim. Each test runs the re-enactment on a
//! few seeds and compares its trace with the golden line by line, printing the first
//! line that differs. docs/otp-semantics.md says how to add one.

mod trace;

mod divergences;
mod helpers;
mod operations;
mod processes;
mod servers;
mod supervisors;

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use otpsim_runtime::{Ctx, Message, Reason, SpawnOpts};

use trace::{Trace, NODE};

/// Seeds each re-enactment runs on: the trace must not depend on the schedule.
const SEEDS: [u64; 3] = [1, 2, 3];

/// How long a scenario may take in simulated time before it counts as stuck.
const LIMIT: Duration = Duration::from_secs(60);

/// Runs `body` as the scenario's main process (named `main`) on a node named as a
/// non-distributed BEAM is, and returns its trace. Like dt:main/1, a watcher logs
/// `end Reason` 100 ms after main exits.
fn reenact<F, Fut>(seed: u64, body: F) -> Vec<String>
where
    F: FnOnce(Ctx, Trace) -> Fut + Send + 'static,
    Fut: Future<Output = Reason> + Send + 'static,
{
    let trace = otpsim_runtime::testing::sim(seed, |cluster| async move {
        let node = cluster.add_node(NODE, |_, _| async {});
        let t = Trace::default();
        let (tm, tw) = (t.clone(), t.clone());
        cluster.spawn(node, SpawnOpts::default(), move |ctx| async move {
            let (_, watch) = ctx.spawn_monitor(move |c: Ctx| {
                tm.name(c.pid(), "main");
                body(c, tm)
            });
            let down = ctx.recv_match(|m| matches!(m, Message::Down(d) if d.monitor == watch)).await;
            ctx.sleep(Duration::from_millis(100)).await;
            if let Message::Down(d) = down {
                tw.log(format!("end {}", d.reason.to_term()));
            }
        });
        let step = Duration::from_millis(10);
        let mut waited = Duration::ZERO;
        while !t.lines().last().is_some_and(|l| l.starts_with("end ")) && waited < LIMIT {
            madsim::time::sleep(step).await;
            waited += step;
        }
        t
    });
    trace.lines()
}

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/differential/goldens")
}

/// Compares the re-enactment's trace on every seed with the golden `name`.
fn check<F, Fut>(name: &str, body: F)
where
    F: Fn(Ctx, Trace) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Reason> + Send + 'static,
{
    let path = golden_dir().join(format!("{name}.trace"));
    #[allow(clippy::disallowed_methods)] // reads a golden file from the repository, outside any simulation
    let golden = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (hint: scripts/record-goldens records it)", path.display()));
    let expected: Vec<&str> = golden.lines().collect();
    for seed in SEEDS {
        let actual = reenact(seed, body.clone());
        if let Some(i) = (0..expected.len().max(actual.len()))
            .find(|&i| expected.get(i).copied() != actual.get(i).map(String::as_str))
        {
            panic!(
                "{name} (seed {seed}): line {} differs\n  BEAM:   {}\n  otpsim: {}\nwhole otpsim trace:\n{}",
                i + 1,
                expected.get(i).copied().unwrap_or("(nothing)"),
                actual.get(i).map_or("(nothing)", String::as_str),
                actual.join("\n")
            );
        }
    }
}

/// One test per scenario, named as its Erlang module and golden file.
macro_rules! scenarios {
    ($($module:ident :: $name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                check(stringify!($name), $module::$name);
            }
        )*

        /// Every golden has a re-enactment and every re-enactment a golden.
        #[test]
        fn every_golden_has_a_reenactment() {
            let mut reenacted = vec![$(stringify!($name)),*];
            reenacted.sort_unstable();
            #[allow(clippy::disallowed_methods)] // lists the repository's golden files, outside any simulation
            let entries = std::fs::read_dir(golden_dir()).expect("the goldens folder exists");
            let mut goldens: Vec<String> = entries
                .map(|e| e.expect("a readable entry").path())
                .filter(|p| p.extension().is_some_and(|x| x == "trace"))
                .map(|p| p.file_stem().expect("a file name").to_string_lossy().into_owned())
                .collect();
            goldens.sort_unstable();
            assert_eq!(goldens, reenacted);
            assert!(goldens.len() >= 40, "the suite keeps at least 40 scenarios");
        }
    };
}

scenarios! {
    divergences::trapping_gen_server_stops_on_parent_exit,
    divergences::supervisor_stops_trapping_child_gracefully,
    divergences::one_for_all_sibling_stop_runs_terminate,
    divergences::intensity_shutdown_runs_children_terminate,
    divergences::send_after_survives_its_creator,
    divergences::send_after_dies_with_its_destination,
    divergences::send_after_to_dead_pid_never_runs,
    divergences::stop_with_reply_runs_terminate_before_reply,
    divergences::link_to_dead_pid_is_noproc,
    divergences::link_to_dead_pid_when_trapping_sends_exit_noproc,
    divergences::failed_supervisor_start_exits_linked_to_starter,
    divergences::gen_server_start_failure_exits_linked_to_starter,
    divergences::register_refuses_undefined,
    divergences::dynamic_supervisor_terminate_child_of_dead_pid,
    divergences::dynamic_supervisor_lists_children_without_ids,
    operations::monitor_registered_name_down_names_it,
    operations::monitor_unregistered_name_is_noproc,
    operations::init_ignore_keeps_static_child_without_pid,
    operations::init_ignore_at_restart_leaves_child_stopped,
    operations::init_ignore_in_dynamic_start_child,
    operations::shutdown_tuple_reason_does_not_restart_transient,
    operations::gen_server_stop_with_reason_and_timeout,
    operations::call_to_self_is_calling_self,
    operations::start_timer_sends_timeout_tuple,
    operations::cancel_timer_returns_time_left,
    operations::send_after_to_registered_name,
    operations::static_supervisor_id_calls,
    operations::dynamic_supervisor_answers_id_calls,
    operations::spawn_link_child_exiting_at_once_gives_real_reason,
    operations::spawn_monitor_child_exiting_at_once_gives_real_reason,
    processes::monitor_dead_pid_is_noproc,
    processes::demonitor_flush_and_info,
    processes::link_abnormal_exit_kills_linked_process,
    processes::link_normal_exit_does_not_kill,
    processes::kill_is_untrappable_and_spreads_as_killed,
    processes::exit_self_normal_ends_the_process,
    processes::exit_normal_from_another_is_ignored,
    processes::names_are_unique_and_freed_on_exit,
    processes::send_to_unregistered_name_is_badarg,
    processes::node_crash_is_noconnection,
    servers::gen_server_call_cast_and_info,
    servers::gen_server_call_timeout_discards_late_reply,
    servers::gen_server_call_to_dead_or_crashing_server,
    supervisors::one_for_one_restarts_only_the_failed_child,
    supervisors::rest_for_one_restarts_the_later_children,
    supervisors::restart_types_decide_restarts,
    supervisors::shutdown_timeout_kills_a_stubborn_child,
    supervisors::brutal_kill_skips_terminate,
    supervisors::supervisor_stops_children_youngest_first_on_parent_exit,
    supervisors::dynamic_supervisor_restarts_its_children,
}
