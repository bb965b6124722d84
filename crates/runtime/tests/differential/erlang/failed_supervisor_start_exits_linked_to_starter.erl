%% Divergence 5: a supervisor whose start fails exits linked to its starter; a
%% trapping starter gets the EXIT after the error.
-module(failed_supervisor_start_exits_linked_to_starter).
-export([run/0]).

run() ->
    process_flag(trap_exit, true),
    dt:log(start_link, dt_sup:start_link(#{}, [dt:srv(a, []), dt:srv(b, [{init, {stop, boom}}])])),
    receive M -> dt:log(got, M) end.
