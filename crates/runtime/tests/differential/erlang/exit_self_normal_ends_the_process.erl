%% Exit signals: exit(self(), normal) ends a process that does not trap exits; one
%% that traps gets {'EXIT', Self, normal}.
-module(exit_self_normal_ends_the_process).
-export([run/0]).

run() ->
    {P, M} = spawn_monitor(fun() -> exit(self(), normal), receive after 1000 -> dt:log(survived) end end),
    dt:name(P, plain),
    dt:ref(M),
    receive D -> dt:log(got, D) end,
    process_flag(trap_exit, true),
    exit(self(), normal),
    receive E -> dt:log(got, E) end.
