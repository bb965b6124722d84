%% Exit signals: exit(Pid, normal) from another process is ignored unless the target
%% traps exits; any other reason kills a non-trapping target.
-module(exit_normal_from_another_is_ignored).
-export([run/0]).

run() ->
    Main = self(),
    A = dt:name(spawn(fun() -> receive never -> ok end end), a),
    B = dt:name(spawn(fun() -> process_flag(trap_exit, true), receive M -> Main ! {b, M} end end), b),
    timer:sleep(10),
    exit(A, normal),
    exit(B, normal),
    receive {b, M} -> dt:log(b_got, M) end,
    timer:sleep(10),
    dt:log(a_alive, is_process_alive(A)),
    dt:ref(monitor(process, A)),
    exit(A, stop_now),
    receive D -> dt:log(got, D) end.
