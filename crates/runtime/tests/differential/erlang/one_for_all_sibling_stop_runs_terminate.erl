%% Divergence 1: one_for_all stops trapping siblings with terminate(shutdown), youngest
%% first, then restarts all in start order.
-module(one_for_all_sibling_stop_runs_terminate).
-export([run/0]).

run() ->
    {ok, _} = dt_sup:start_link(sup, #{strategy => one_for_all},
                                [dt:srv(a, [trap]), dt:srv(b, [trap]), dt:srv(c, [trap])]),
    exit(dt:pid(b), kill),
    timer:sleep(50),
    dt:log("done").
