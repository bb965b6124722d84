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
