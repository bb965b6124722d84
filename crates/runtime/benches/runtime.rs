//! The runtime's cost, measured against bare madsim: `cargo bench -p otpsim-runtime --bench runtime`.
//!
//! Prints, from one run: gen-server call round trips per second beside a bare madsim
//! tokio-mpsc ping-pong (interleaved, best of 3 each, as the machines are shared and
//! noisy) and their ratio; spawn + kill of 100,000 processes in one simulation; the
//! memory of an idle process; empty seeds per second; and the memory across many
//! seeds, to show that runs do not leak. `-- calls` (or `crowd`, `seeds`, `leak`)
//! runs one section alone, e.g. under a profiler.
//!
//! A benchmark measures the real clock and the real process size outside the
//! simulation, so it allows `std::time::Instant::now` and one `/proc` read.

use std::time::Duration;

use otpsim_runtime::gen_server::{serve, CallOutcome, GenServer};
use otpsim_runtime::{Cluster, Ctx, ReplyTo, SpawnOpts};

const ROUNDS: usize = 3;
const PING_PONGS: u64 = 1_000_000;
const CALLS: u64 = 200_000;
const PROCESSES: u64 = 100_000;
const EMPTY_SEEDS: u64 = 50_000;
const LEAK_SEEDS: u64 = 20_000;
const CALL_RATIO_MIN: f64 = 0.60;
const IDLE_PROCESS_BYTES_MAX: f64 = 2048.0;

/// Seconds `f` takes by the real clock; call it outside any madsim runtime.
#[allow(clippy::disallowed_methods)] // a benchmark times the real clock, outside the simulation
fn wall_secs(f: impl FnOnce()) -> f64 {
    let start = std::time::Instant::now();
    f();
    start.elapsed().as_secs_f64()
}

/// Runs `fut` on `rt` and times it by the real clock. Inside a madsim runtime
/// `Instant::now` reads simulated time, so the clock is read outside `block_on`.
fn timed<F: std::future::Future>(rt: &madsim::runtime::Runtime, fut: F) -> (F::Output, f64) {
    let mut out = None;
    let secs = wall_secs(|| out = Some(rt.block_on(fut)));
    (out.expect("block_on returned"), secs)
}

/// This process's resident memory in bytes: `VmRSS` from `/proc/self/status` (Linux),
/// which is in KiB where `statm` counts pages of a size std cannot tell.
#[allow(clippy::disallowed_methods)] // the benchmark reads the real process size, not simulated state
fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status is readable on Linux");
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).expect("VmRSS is listed");
    let kib: u64 = line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).expect("VmRSS in kB");
    kib * 1024
}

fn runtime(seed: u64) -> madsim::runtime::Runtime {
    madsim::runtime::Runtime::with_seed_and_config(seed, madsim::Config::default())
}

/// Bare madsim: two tasks bounce a counter over tokio mpsc channels of capacity 1.
/// Returns round trips per second. (Never inlined, so a profiler can single it out.)
#[inline(never)]
fn ping_pong(seed: u64) -> f64 {
    let rt = runtime(seed);
    let (last, secs) = timed(&rt, async {
        let (to_pong, mut pong_rx) = tokio::sync::mpsc::channel::<u64>(1);
        let (to_ping, mut ping_rx) = tokio::sync::mpsc::channel::<u64>(1);
        let ponger = madsim::task::spawn(async move {
            while let Some(n) = pong_rx.recv().await {
                if to_ping.send(n + 1).await.is_err() {
                    break;
                }
            }
        });
        let pinger = madsim::task::spawn(async move {
            let mut n = 0;
            for _ in 0..PING_PONGS {
                to_pong.send(n).await.expect("ponger alive");
                n = ping_rx.recv().await.expect("ponger alive");
            }
            n
        });
        let last = pinger.await.expect("pinger finished");
        ponger.abort();
        last
    });
    assert_eq!(last, PING_PONGS);
    PING_PONGS as f64 / secs
}

/// Answers each call with the request plus one.
struct Echo;

impl GenServer for Echo {
    type Call = u64;
    type Reply = u64;
    type Cast = ();

    async fn handle_call(&mut self, _ctx: &Ctx, request: u64, _from: ReplyTo) -> CallOutcome<u64> {
        CallOutcome::Reply(request + 1)
    }
}

/// One client process calls an [`Echo`] server on its node `calls` times.
async fn call_loop(cluster: &Cluster, calls: u64) -> u64 {
    let node = cluster.add_node("n0", |_, _| async {});
    let server = cluster.spawn(node, SpawnOpts::default(), |ctx| serve(ctx, Echo));
    let (done, finished) = tokio::sync::oneshot::channel();
    cluster.spawn(node, SpawnOpts::default(), move |ctx| async move {
        let mut n = 0u64;
        for _ in 0..calls {
            n = ctx.call(server, n, Duration::from_secs(5)).await.expect("the echo server answers");
        }
        let _ = done.send(n);
    });
    finished.await.expect("the client finished its calls")
}

/// Gen-server call round trips per second. (Never inlined, so a profiler can single it out.)
#[inline(never)]
fn calls(seed: u64) -> f64 {
    let rt = runtime(seed);
    let cluster = rt.block_on(async { Cluster::new() });
    let (last, secs) = timed(&rt, call_loop(&cluster, CALLS));
    assert_eq!(last, CALLS);
    rt.block_on(cluster.halt());
    CALLS as f64 / secs
}

/// What one simulation of 100,000 processes measured.
struct Crowd {
    spawn_secs: f64,
    kill_secs: f64,
    idle_bytes: u64,
}

/// Spawns `PROCESSES` processes that wait in `recv` and lets them all reach it, then
/// kills each and steps once so madsim drops their tasks. One simulation, timed in
/// phases (one `block_on` each). (Never inlined, so a profiler can single it out.)
#[inline(never)]
fn crowd(seed: u64) -> Crowd {
    let rt = runtime(seed);
    let (cluster, node) = rt.block_on(async {
        let cluster = Cluster::new();
        let node = cluster.add_node("n0", |_, _| async {});
        (cluster, node)
    });
    let before = rss_bytes();
    let (pids, spawn_secs) = timed(&rt, async {
        let pids: Vec<_> = (0..PROCESSES)
            .map(|_| {
                cluster.spawn(node, SpawnOpts::default(), |ctx| async move {
                    ctx.recv().await;
                })
            })
            .collect();
        madsim::time::sleep(Duration::from_millis(1)).await;
        pids
    });
    let idle_bytes = rss_bytes().saturating_sub(before);
    assert_eq!(rt.block_on(async { cluster.tables().processes.len() }) as u64, PROCESSES);
    let ((), kill_secs) = timed(&rt, async {
        for pid in &pids {
            cluster.kill(*pid);
        }
        madsim::time::sleep(Duration::from_millis(1)).await;
    });
    assert!(rt.block_on(async { cluster.tables().processes.is_empty() }));
    rt.block_on(cluster.halt());
    Crowd { spawn_secs, kill_secs, idle_bytes }
}

/// Empty runs per second: a fresh runtime, a cluster with one node, halt. (Never
/// inlined, so a profiler can single it out.)
#[inline(never)]
fn empty_seeds() -> f64 {
    let secs = wall_secs(|| {
        for seed in 0..EMPTY_SEEDS {
            runtime(seed).block_on(async {
                let cluster = Cluster::new();
                cluster.add_node("n0", |_, _| async {});
                cluster.halt().await;
            });
        }
    });
    EMPTY_SEEDS as f64 / secs
}

/// A small simulation: ten calls, a timer, a monitor.
fn small_run(seed: u64) {
    runtime(seed).block_on(async {
        let cluster = Cluster::new();
        assert_eq!(call_loop(&cluster, 10).await, 10);
        let node = cluster.nodes()[0];
        let sleeper = cluster.spawn(node, SpawnOpts::default(), |ctx| async move {
            ctx.send_after(ctx.pid(), "wake", Duration::from_millis(3));
            ctx.recv().await;
        });
        cluster.spawn(node, SpawnOpts::default(), move |ctx| async move {
            ctx.monitor(sleeper);
            ctx.recv().await;
        });
        madsim::time::sleep(Duration::from_millis(5)).await;
        cluster.halt().await;
    });
}

fn best(samples: &[f64]) -> f64 {
    samples.iter().copied().fold(f64::MIN, f64::max)
}

fn verdict(pass: bool) -> &'static str {
    if pass {
        "PASS"
    } else {
        "MISS"
    }
}

/// Spawn, kill and idle memory, from the first simulations of the run.
fn report_crowd() {
    let crowds: Vec<Crowd> = (0..ROUNDS as u64).map(crowd).collect();
    let idle = crowds[0].idle_bytes as f64 / PROCESSES as f64;
    let spawn = crowds.iter().map(|c| c.spawn_secs).fold(f64::MAX, f64::min);
    let kill = crowds.iter().map(|c| c.kill_secs).fold(f64::MAX, f64::min);
    println!(
        "spawn {PROCESSES} processes:          {:>9.1} ms {:>10.0} processes/s (best of {ROUNDS})",
        spawn * 1e3,
        PROCESSES as f64 / spawn
    );
    println!(
        "kill {PROCESSES} processes:           {:>9.1} ms {:>10.0} processes/s (best of {ROUNDS})",
        kill * 1e3,
        PROCESSES as f64 / kill
    );
    println!(
        "spawn + kill:                      {:>9.1} ms {:>10.0} processes/s",
        (spawn + kill) * 1e3,
        PROCESSES as f64 / (spawn + kill)
    );
    println!(
        "memory per idle process:           {idle:>12.0} bytes (RSS growth over {PROCESSES}; target <= {:.0}) {}",
        IDLE_PROCESS_BYTES_MAX,
        verdict(idle <= IDLE_PROCESS_BYTES_MAX)
    );
}

/// Gen-server calls beside the bare ping-pong, interleaved.
fn report_calls() {
    let (mut bare, mut otp) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS as u64 {
        bare.push(ping_pong(round));
        otp.push(calls(round));
    }
    let (bare, otp) = (best(&bare), best(&otp));
    let ratio = otp / bare;
    println!("bare madsim mpsc(1) ping-pong:     {bare:>12.0} round trips/s (best of {ROUNDS})");
    println!("gen-server call ({CALLS} calls):   {otp:>12.0} round trips/s (best of {ROUNDS})");
    println!(
        "call / ping-pong ratio:            {ratio:>12.3} (target >= {CALL_RATIO_MIN:.2}) {}",
        verdict(ratio >= CALL_RATIO_MIN)
    );
}

fn report_seeds() {
    let seeds = best(&(0..ROUNDS).map(|_| empty_seeds()).collect::<Vec<_>>());
    println!("empty seeds:                       {seeds:>12.0} seeds/s (best of {ROUNDS})");
}

/// RSS across many small runs, after a warm-up that puts the allocator's pools in place.
fn report_leak() {
    (0..1_000).for_each(small_run);
    let before = rss_bytes();
    let secs = wall_secs(|| (1_000..1_000 + LEAK_SEEDS).for_each(small_run));
    let after = rss_bytes();
    println!(
        "small simulation x {LEAK_SEEDS}:          {:>12.0} seeds/s; RSS {:.1} MiB -> {:.1} MiB ({:+.1} bytes/seed)",
        LEAK_SEEDS as f64 / secs,
        before as f64 / 1048576.0,
        after as f64 / 1048576.0,
        (after as f64 - before as f64) / LEAK_SEEDS as f64
    );
}

/// Runs every section, or only the one named on the command line (`crowd`, `calls`,
/// `seeds`, `leak`), e.g. to profile it. Memory goes first, while the allocator has
/// no freed memory to hand back out.
fn main() {
    let only = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let sections: [(&str, fn()); 4] =
        [("crowd", report_crowd), ("calls", report_calls), ("seeds", report_seeds), ("leak", report_leak)];
    for (name, run) in sections {
        if only.as_deref().is_none_or(|o| o == name) {
            run();
        }
    }
}
