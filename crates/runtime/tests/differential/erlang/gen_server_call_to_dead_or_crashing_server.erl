%% Gen-servers: a call to a server that crashes while handling it exits with the
%% crash reason; a call to a dead server or an unregistered name exits noproc.
-module(gen_server_call_to_dead_or_crashing_server).
-export([run/0]).

run() ->
    process_flag(trap_exit, true),
    {ok, S} = dt_srv:start_link(srv, []),
    dt:log(call, dt:call(S, {exit, crashed}, 1000)),
    receive M -> dt:log(got, M) end,
    dt:log(call, dt:call(S, ping, 1000)),
    dt:log(call, dt:call(nobody, ping, 1000)).
