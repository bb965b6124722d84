//! The seed runner and the determinism self-check, on small workloads of their own.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use otpsim_harness::invariant::TraceEvent;
use otpsim_harness::{check_determinism, run_seeds, RunConfig, SeedOutcome, SeedReport, Verdict};
use otpsim_runtime::rng::stream;
use otpsim_runtime::{Cluster, SpawnOpts};
use rand::Rng;

fn config() -> RunConfig {
    RunConfig::default().jobs(2).time_limit(Duration::from_secs(10))
}

/// A few processes that sleep random times and exit; passes if all of them are gone.
async fn sleepers(cluster: Cluster) -> SeedOutcome {
    let mut rng = stream(cluster.seed(), "workload");
    let node = cluster.add_node("n0", |_, _| async {});
    let mut pids = Vec::new();
    for _ in 0..rng.gen_range(1..=5) {
        let nap = Duration::from_millis(rng.gen_range(1..=100));
        pids.push(cluster.spawn(node, SpawnOpts::default(), move |ctx| async move { ctx.sleep(nap).await }));
    }
    madsim::time::sleep(Duration::from_millis(200)).await;
    let alive = pids.iter().filter(|p| cluster.is_alive(**p)).count();
    SeedOutcome::from_problems((alive > 0).then(|| format!("{alive} sleepers still alive")).into_iter().collect())
        .with_counter("sleepers", pids.len() as u64)
}

fn failure(report: &SeedReport) -> &str {
    match &report.verdict {
        Verdict::Fail(message) => message,
        Verdict::Pass => panic!("seed {} passed", report.seed),
    }
}

#[test]
fn an_escaping_panic_a_deadlock_or_the_time_limit_fails_only_its_own_seed() {
    let sim = |cluster: Cluster| async move {
        let node = cluster.add_node("n0", |_, _| async {});
        match cluster.seed() {
            3 => panic!("the driver gave up"),
            5 => madsim::time::sleep(Duration::from_secs(60)).await,
            6 => std::future::pending::<()>().await,
            7 => {
                // A crashing process is part of the simulation, not a failure.
                cluster.spawn::<_, _, ()>(node, SpawnOpts::default(), |_| async { panic!("process defect") });
                madsim::time::sleep(Duration::from_millis(10)).await;
            }
            _ => {}
        }
        SeedOutcome::pass()
    };
    let seeds: Vec<u64> = (1..=9).collect();
    let reports = run_seeds(&sim, &seeds, &config());
    assert_eq!(reports.iter().map(|r| r.seed).collect::<Vec<_>>(), seeds);
    let (panicked, timed_out, stuck) = (failure(&reports[2]), failure(&reports[4]), failure(&reports[5]));
    assert!(panicked.contains("the driver gave up") && panicked.contains("runner.rs:"), "{panicked}");
    assert!(timed_out.contains("time limit exceeded"), "{timed_out}");
    assert!(stuck.contains("block forever"), "{stuck}");
    assert!(reports[4].sim_time >= Duration::from_secs(10));
    let passed: Vec<u64> = reports.iter().filter(|r| r.verdict.passed()).map(|r| r.seed).collect();
    assert_eq!(passed, [1, 2, 4, 7, 8, 9]);
    assert_eq!(reports[6].trace.count("exit"), 1);
}

#[test]
fn reports_are_the_same_in_seed_order_for_one_and_two_workers() {
    let seeds: Vec<u64> = (0..200).rev().collect();
    let strip = |mut reports: Vec<SeedReport>| {
        reports.iter_mut().for_each(|r| r.wall_time = Duration::ZERO);
        reports
    };
    let one = strip(run_seeds(&sleepers, &seeds, &config().jobs(1)));
    let two = strip(run_seeds(&sleepers, &seeds, &config().jobs(2)));
    assert_eq!(one.iter().map(|r| r.seed).collect::<Vec<_>>(), seeds);
    assert_eq!(one, two);
    assert!(one.iter().all(|r| r.verdict.passed() && r.counters["sleepers"] >= 1));
    assert!(one.windows(2).any(|w| w[0].trace.hash != w[1].trace.hash), "seeds should differ");
}

/// Shared by every run in this test binary, so two runs of one seed see different values.
static TICKS: AtomicU64 = AtomicU64::new(0);

#[test]
fn the_self_check_names_the_first_event_that_differs_between_two_runs() {
    let nondeterministic = |cluster: Cluster| async move {
        let node = cluster.add_node("n0", |_, _| async {});
        for _ in 0..3 {
            cluster.spawn(node, SpawnOpts::default(), |ctx| async move { ctx.sleep(Duration::from_millis(5)).await });
        }
        madsim::time::sleep(Duration::from_millis(10)).await;
        tracing::debug!(target: "otpsim_test", event = "tick", n = TICKS.fetch_add(1, Ordering::Relaxed));
        SeedOutcome::pass()
    };
    let divergence =
        check_determinism(&nondeterministic, 42, &config()).expect_err("a shared counter leaks between runs");
    // Three spawns and three exits come first and agree.
    assert_eq!(divergence.index, 6, "{divergence}");
    let (first, second) = (divergence.first.clone().expect("line"), divergence.second.clone().expect("line"));
    assert!(first.contains("otpsim_test event=tick n=") && second.contains("event=tick n="), "{divergence}");
    assert_ne!(first, second);
    assert_ne!(divergence.hashes.0, divergence.hashes.1);
    let report = divergence.to_string();
    assert!(report.contains("seed 42") && report.contains("#6") && report.contains(&first), "{report}");
    assert!(check_determinism(&sleepers, 42, &config()).is_ok());
}

/// Resident memory of this process in KiB, from /proc (Linux).
fn resident_kib() -> u64 {
    #[allow(clippy::disallowed_methods)] // reads the test process's own memory use, not simulated state
    let statm = std::fs::read_to_string("/proc/self/statm").expect("Linux /proc");
    let pages: u64 = statm.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("resident pages");
    pages * 4
}

#[test]
fn seeds_whose_processes_still_wait_at_the_end_do_not_grow_memory() {
    // Each seed leaves processes blocked in receive and timers pending; the runner
    // halts the cluster so none of it outlives the runtime.
    let busy = |cluster: Cluster| async move {
        let node = cluster.add_node("n0", |_, _| async {});
        for _ in 0..20 {
            cluster.spawn(node, SpawnOpts::default(), |ctx| async move {
                ctx.send_after(ctx.pid(), "later", Duration::from_secs(60));
                ctx.recv().await;
            });
        }
        madsim::time::sleep(Duration::from_millis(1)).await;
        SeedOutcome::pass()
    };
    let config = config().jobs(1);
    let warm_up: Vec<u64> = (0..2_000).collect();
    run_seeds(&busy, &warm_up, &config);
    let before = resident_kib();
    // In batches, so the reports themselves do not add up.
    let seeds: Vec<u64> = (0..20_000).collect();
    let passed: usize = seeds
        .chunks(1_000)
        .map(|batch| run_seeds(&busy, batch, &config).iter().filter(|r| r.verdict.passed()).count())
        .sum();
    let grown = resident_kib().saturating_sub(before);
    assert_eq!(passed, seeds.len());
    // Leaking a seed's tasks costs about 40 KiB here: 20,000 seeds would take 800 MiB.
    assert!(grown < 16 * 1024, "memory grew by {grown} KiB over {} seeds", seeds.len());
}

/// The runtime's events carry the kinds and field names its vocabulary declares, so
/// checkers that match on the constants read what the runtime emits.
#[test]
fn runtime_events_use_the_declared_kinds_and_fields() {
    use otpsim_runtime::event::{field, kind};
    let sim = |cluster: Cluster| async move {
        let (a, b) = (cluster.add_node("n0", |_, _| async {}), cluster.add_node("n1", |_, _| async {}));
        let sleeper = cluster.spawn(b, SpawnOpts::labelled("sleeper"), |ctx| async move {
            ctx.register("sleeper").expect("free name");
            ctx.sleep(Duration::from_secs(5)).await;
        });
        cluster.spawn(a, SpawnOpts::default(), move |ctx| async move {
            let mref = ctx.monitor(sleeper);
            ctx.demonitor(mref);
            ctx.link(sleeper).expect("alive");
            ctx.send(sleeper, 1u8);
        });
        madsim::time::sleep(Duration::from_millis(50)).await;
        cluster.partition(&[a], &[b]);
        cluster.heal();
        cluster.crash_node(b);
        madsim::time::sleep(Duration::from_millis(50)).await;
        SeedOutcome::pass()
    };
    let report = &run_seeds(&sim, &[1], &config().keep_lines(true))[0];
    let lines = report.trace.lines.as_deref().expect("kept");
    let events: Vec<_> = lines.iter().enumerate().filter_map(|(i, l)| TraceEvent::parse(i + 1, l)).collect();
    let has =
        |k: &str, fields: &[&str]| events.iter().any(|e| e.kind == k && fields.iter().all(|f| e.get(f).is_some()));
    assert!(has(kind::SPAWN, &[field::PID, field::LABEL]), "{lines:#?}");
    assert!(has(kind::REGISTER, &[field::PID, field::NAME, field::BY]), "{lines:#?}");
    assert!(has(kind::MONITOR, &[field::WATCHER, field::TARGET, field::MONITOR]), "{lines:#?}");
    assert!(has(kind::DEMONITOR, &[field::WATCHER, field::MONITOR]), "{lines:#?}");
    assert!(has(kind::LINK, &[field::PID, field::OTHER]), "{lines:#?}");
    assert!(has(kind::DELIVER, &[field::MSG, field::FROM, field::TO, field::KIND]), "{lines:#?}");
    assert!(has(kind::PARTITION, &[field::A, field::B]), "{lines:#?}");
    assert!(has(kind::HEAL, &[]), "{lines:#?}");
    assert!(has(kind::NODE_CRASH, &[field::NODE]), "{lines:#?}");
    assert!(has(kind::EXIT, &[field::PID, field::REASON]), "{lines:#?}");
}
