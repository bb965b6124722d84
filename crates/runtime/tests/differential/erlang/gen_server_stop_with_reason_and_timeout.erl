%% Missing operation: gen_server:stop/3 runs terminate with the reason and returns
%% ok; a dead server is noproc.
-module(gen_server_stop_with_reason_and_timeout).
-export([run/0]).

run() ->
    {ok, S} = dt_srv:start_link(srv, []),
    unlink(S),
    dt:log(stop, gen_server:stop(S, bye, 1000)),
    dt:log(stop_again, try gen_server:stop(S, bye, 1000) catch exit:R -> {exit, R} end).
