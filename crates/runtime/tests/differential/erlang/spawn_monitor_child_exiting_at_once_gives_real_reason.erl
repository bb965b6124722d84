%% Missing operation: spawn_monitor is atomic: a child that exits at once is DOWN
%% with its real reason, never noproc.
-module(spawn_monitor_child_exiting_at_once_gives_real_reason).
-export([run/0]).

run() ->
    {P, M} = spawn_monitor(fun() -> exit(early) end),
    dt:name(P, child),
    dt:ref(M),
    receive D -> dt:log(got, D) end.
