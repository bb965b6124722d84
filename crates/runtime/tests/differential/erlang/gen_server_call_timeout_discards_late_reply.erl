%% Gen-servers: a call that times out exits timeout; the late reply never reaches
%% the caller's mailbox.
-module(gen_server_call_timeout_discards_late_reply).
-export([run/0]).

run() ->
    {ok, S} = dt_srv:start_link(srv, []),
    dt:log(call, dt:call(S, {sleep, 100}, 50)),
    timer:sleep(100),
    dt:log(mailbox, dt:mailbox()),
    dt:log(call, dt:call(S, ping, 1000)).
