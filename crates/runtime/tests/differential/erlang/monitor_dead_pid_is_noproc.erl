%% Monitors: a monitor of a dead pid gives DOWN noproc at once; a live one gives
%% exactly one DOWN with the exit reason.
-module(monitor_dead_pid_is_noproc).
-export([run/0]).

run() ->
    Dead = dt:name(dt:dead(), dead),
    Live = dt:name(spawn(fun() -> receive go -> exit(boom) end end), live),
    dt:ref(monitor(process, Dead)),
    dt:ref(monitor(process, Live)),
    Live ! go,
    receive D1 -> dt:log(got, D1) end,
    receive D2 -> dt:log(got, D2) end,
    receive D3 -> dt:log(got, D3) after 50 -> dt:log(no_more) end.
