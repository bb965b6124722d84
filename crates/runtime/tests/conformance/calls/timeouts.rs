//! Conformance: what a call's timeout tells apart, through the coverage points it marks.

use super::*;
use otpsim_runtime::coverage;

/// Where the call stands when its caller gives up.
#[derive(Clone, Copy)]
enum AtTimeout {
    /// In the server's mailbox: another call holds the server.
    Queued,
    /// On its way to the server (every message takes 40 to 60 ms).
    RequestInFlight,
    /// Read by the server, which has not answered yet.
    BeingHandled,
    /// Answered, the answer on its way back (every message takes 40 to 60 ms).
    ReplyInFlight,
}

/// The call coverage points one caller's timeout marks, the call set up as `case` says.
fn timeout_points(seed: u64, case: AtTimeout) -> Vec<String> {
    sim(seed, move |cluster| async move {
        coverage::reset();
        let nodes = bare_nodes(&cluster, 2);
        let (server, _) = spawn_server(&cluster, nodes[1], None);
        let (request, timeout_ms) = match case {
            AtTimeout::Queued => {
                // Holds the server for 200 ms, so the next request waits in its mailbox.
                spawn_caller(&cluster, nodes[1], server, Req::Slow(1, 200), 1_000);
                wait_ms(1).await;
                (Req::Echo(2), 50)
            }
            AtTimeout::BeingHandled => (Req::Slow(2, 100), 50),
            AtTimeout::RequestInFlight | AtTimeout::ReplyInFlight => {
                cluster.set_message_faults(MessageFaults { delay: Some((ms(40), ms(60))), ..Default::default() });
                let timeout_ms = if matches!(case, AtTimeout::RequestInFlight) { 20 } else { 70 };
                (Req::Echo(2), timeout_ms)
            }
        };
        let outcome = spawn_caller(&cluster, nodes[0], server, request, timeout_ms);
        wait_ms(400).await;
        assert_eq!(outcome.items(), vec![Err(CallError::Timeout)]);
        let reached = coverage::take();
        reached.keys().filter(|p| p.starts_with("call.")).map(|p| p.to_string()).collect()
    })
}

#[test]
fn call_timeout_tells_where_the_call_stood() {
    let queued = vec!["call.timeout_while_queued".to_owned()];
    assert_eq!(timeout_points(31, AtTimeout::Queued), queued);
    assert_eq!(timeout_points(32, AtTimeout::RequestInFlight), queued);
    assert!(timeout_points(33, AtTimeout::BeingHandled).is_empty(), "read, its reply not yet sent");
    assert_eq!(timeout_points(34, AtTimeout::ReplyInFlight), vec!["call.timeout_with_reply_in_flight".to_owned()]);
}
