%% Divergence 4: link/1 to a dead pid raises noproc in a caller that does not trap.
-module(link_to_dead_pid_is_noproc).
-export([run/0]).

run() ->
    Dead = dt:name(dt:dead(), dead),
    dt:log(link, try link(Dead) catch error:R -> R end),
    dt:log(alive, is_process_alive(self())).
