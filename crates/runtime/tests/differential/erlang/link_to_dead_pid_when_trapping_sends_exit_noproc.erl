%% Divergence 4: a trapping caller's link/1 to a dead pid succeeds; EXIT noproc follows.
-module(link_to_dead_pid_when_trapping_sends_exit_noproc).
-export([run/0]).

run() ->
    process_flag(trap_exit, true),
    Dead = dt:name(dt:dead(), dead),
    dt:log(link, link(Dead)),
    receive M -> dt:log(got, M) end.
