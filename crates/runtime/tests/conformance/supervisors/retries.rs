//! Conformance: retries of failed restarts. OTP's supervisor casts itself
//! `try_again_restart` when a restart fails, so the retry is handled after the
//! messages already in its mailbox and before the ones that arrive later.

use super::*;

/// How long a failing restart stalls before its error.
const STALL_MS: u64 = 100;

/// A [`work`] child whose first restart (its second start) fails after [`STALL_MS`],
/// as a child whose `init` takes that long to return an error; later starts succeed.
fn stalls_then_fails_on_first_restart(id: &str, seen: &Log<Seen>) -> ChildSpec {
    let (name, log, attempts) = (id.to_owned(), seen.clone(), Log::new());
    ChildSpec::new(id, move |ctx: &Ctx| {
        attempts.push(());
        let first_restart = attempts.len() == 2;
        let (id, log) = (name.clone(), log.clone());
        Box::pin(async move {
            if first_restart {
                ctx.sleep(ms(STALL_MS)).await;
                return Err(Reason::error("not yet"));
            }
            Ok(ctx.spawn_link(move |c| work(c, id, log)))
        })
    })
}

#[test]
fn a_retry_is_handled_after_earlier_messages_and_before_later_ones() {
    sim(27, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let children =
            vec![stalls_then_fails_on_first_restart("a", &seen), stalls_then_fails_on_first_restart("b", &seen)];
        let sup =
            supervisor::spawn_root(&cluster, n, spec(Strategy::OneForOne, intensity(10, 5000), children)).unwrap();
        settle().await;
        let (a1, b1) = (current(&seen, "a"), current(&seen, "b"));
        // a's restart stalls; b's exit arrives meanwhile, so it is queued ahead of a's retry.
        post(&cluster, n, a1, Cmd::Crash);
        wait_ms(STALL_MS / 2).await;
        post(&cluster, n, b1, Cmd::Crash);
        // a's restart fails; the supervisor takes b's exit, whose restart stalls in turn:
        // this call arrives behind a's retry and ahead of b's.
        wait_ms(STALL_MS).await;
        let answered = table(&cluster, sup).await;
        settle().await;
        let (a2, b2) = (current(&seen, "a"), current(&seen, "b"));
        assert!(a2 != a1 && b2 != b1, "{:?}", seen.items());
        let expected = vec![("b".into(), ChildStatus::Restarting), ("a".into(), ChildStatus::Running(a2))];
        assert_eq!(answered, expected, "a retried before the call, b after it");
        let expected = vec![("b".into(), ChildStatus::Running(b2)), ("a".into(), ChildStatus::Running(a2))];
        assert_eq!(table(&cluster, sup).await, expected);
    });
}

/// A [`work`] child whose n-th start (from 1) stalls `script[n - 1].0` ms, then fails
/// if `script[n - 1].1` is false; starts past the script succeed at once.
fn scripted(id: &str, seen: &Log<Seen>, script: &'static [(u64, bool)]) -> ChildSpec {
    let (name, log, attempts) = (id.to_owned(), seen.clone(), Log::new());
    ChildSpec::new(id, move |ctx: &Ctx| {
        attempts.push(());
        let (stall, ok) = script.get(attempts.len() - 1).copied().unwrap_or((0, true));
        let (id, log) = (name.clone(), log.clone());
        Box::pin(async move {
            ctx.sleep(ms(stall)).await;
            if !ok {
                return Err(Reason::error("not yet"));
            }
            Ok(ctx.spawn_link(move |c| work(c, id, log)))
        })
    })
}

#[test]
fn retries_left_alone_by_a_selective_receive_stay_ahead_of_later_messages() {
    sim(32, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let seen = Log::new();
        let children = vec![
            scripted("a", &seen, &[(0, true), (STALL_MS, false), (STALL_MS, true)]),
            scripted("b", &seen, &[(0, true), (STALL_MS, false)]),
            worker("c", &seen),
        ];
        let sup =
            supervisor::spawn_root(&cluster, n, spec(Strategy::OneForOne, intensity(10, 5000), children)).unwrap();
        settle().await;
        let (a1, b1, c1) = (current(&seen, "a"), current(&seen, "b"), current(&seen, "c"));
        // While a's restart stalls: b's exit, a call to terminate c, and c's exit queue.
        post(&cluster, n, a1, Cmd::Crash);
        wait_ms(10).await;
        post(&cluster, n, b1, Cmd::Crash);
        wait_ms(10).await;
        cluster.spawn(n, SpawnOpts::default(), move |ctx| async move {
            let _ = supervisor::terminate_child(&ctx, sup, "c").await;
        });
        wait_ms(10).await;
        cluster.kill(c1);
        // a's retry queues behind those three; b's exit restarts b, which fails and
        // queues its retry. Terminating c takes c's exit out of the mailbox, so both
        // retries come next, a's (which stalls) and then b's: a call made during a's
        // retry is answered after both.
        wait_ms(220).await;
        let answered = table(&cluster, sup).await;
        let (a2, b2) = (current(&seen, "a"), current(&seen, "b"));
        assert!(a2 != a1 && b2 != b1, "{:?}", seen.items());
        let expected = vec![
            ("c".into(), ChildStatus::Undefined),
            ("b".into(), ChildStatus::Running(b2)),
            ("a".into(), ChildStatus::Running(a2)),
        ];
        assert_eq!(answered, expected);
    });
}

#[test]
fn a_retried_restart_is_traced_with_the_pid_that_exited() {
    // The failed restart keeps the exited pid, so the restart that finally succeeds
    // names the pid it replaces, as a first-time restart does.
    let ((first, last), recorder) = traced(29, |cluster| async move {
        let n = bare_nodes(&cluster, 1)[0];
        let (seen, attempts) = (Log::new(), Log::new());
        let children = vec![flaky_on_first_restart(&seen, &attempts)];
        supervisor::spawn_root(&cluster, n, spec(Strategy::OneForOne, intensity(10, 5000), children)).unwrap();
        settle().await;
        let first = current(&seen, "flaky");
        post(&cluster, n, first, Cmd::Crash);
        settle().await;
        (first, current(&seen, "flaky"))
    });
    let restarts = recorder.named(event::kind::CHILD_RESTART);
    let fields: Vec<_> = restarts.iter().map(|e| (e.get("old_pid"), e.get("new_pid"))).collect();
    assert_eq!(fields, vec![(first.to_string().as_str(), last.to_string().as_str())]);
}
