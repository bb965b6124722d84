%% Missing operation: spawn_link is atomic: a child that exits at once sends its real
%% reason, never noproc.
-module(spawn_link_child_exiting_at_once_gives_real_reason).
-export([run/0]).

run() ->
    process_flag(trap_exit, true),
    dt:name(spawn_link(fun() -> exit(early) end), child),
    receive M -> dt:log(got, M) end.
