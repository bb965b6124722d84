%% Exit signals: kill ends even a trapping process, which exits killed; its links
%% see killed, not kill.
-module(kill_is_untrappable_and_spreads_as_killed).
-export([run/0]).

run() ->
    process_flag(trap_exit, true),
    A = dt:name(spawn_link(fun() -> process_flag(trap_exit, true), receive never -> ok end end), a),
    timer:sleep(10),
    exit(A, kill),
    receive M -> dt:log(got, M) end.
