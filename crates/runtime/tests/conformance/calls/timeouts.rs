//! Conformance: what a call's timeout tells apart, through the coverage points it marks.

use super::*;
use otpsim_runtime::coverage;

/// The call coverage points a run reaches when one caller times out, with the server
/// first held by another call (`busy_first`) or free to read the request at once.
fn timeout_points(seed: u64, busy_first: bool) -> Vec<String> {
    sim(seed, move |cluster| async move {
        coverage::reset();
        let n = bare_nodes(&cluster, 1)[0];
        let (server, _) = spawn_server(&cluster, n, None);
        if busy_first {
            // Holds the server for 200 ms, so the next request waits in its mailbox.
            spawn_caller(&cluster, n, server, Req::Slow(1, 200), 1_000);
            wait_ms(1).await;
        }
        // Read at once (unless the server is busy), answered after the caller gave up.
        let outcome = spawn_caller(&cluster, n, server, Req::Slow(2, 100), 50);
        wait_ms(400).await;
        assert_eq!(outcome.items(), vec![Err(CallError::Timeout)]);
        let reached = coverage::take();
        reached.keys().filter(|p| p.starts_with("call.")).map(|p| p.to_string()).collect()
    })
}

#[test]
fn call_timeout_tells_a_queued_request_from_one_being_handled() {
    assert_eq!(timeout_points(31, true), vec!["call.timeout_while_queued".to_owned()]);
    assert!(timeout_points(32, false).is_empty(), "the request was read; its reply was not yet sent");
}
