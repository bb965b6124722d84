%% Links: a normal exit does not kill linked processes; a trapping one sees it.
-module(link_normal_exit_does_not_kill).
-export([run/0]).

run() ->
    process_flag(trap_exit, true),
    Main = self(),
    B = dt:name(spawn(fun() -> receive go -> ok end end), b),
    A = dt:name(spawn(fun() -> link(B), Main ! linked, receive never -> ok end end), a),
    receive linked -> ok end,
    link(B),
    B ! go,
    receive M -> dt:log(got, M) end,
    timer:sleep(10),
    dt:log(a_alive, is_process_alive(A)).
