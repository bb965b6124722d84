%% Missing operation: monitor of a name nobody holds gives DOWN noproc at once.
-module(monitor_unregistered_name_is_noproc).
-export([run/0]).

run() ->
    M = dt:ref(monitor(process, {nobody, node()})),
    receive D -> dt:log(got, D) end,
    dt:log(demonitor_info, erlang:demonitor(M, [info])).
