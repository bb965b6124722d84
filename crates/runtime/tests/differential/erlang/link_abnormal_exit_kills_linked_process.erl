%% Links: an abnormal exit kills a linked process that does not trap exits, with the
%% same reason; a trapping one gets the EXIT as a message.
-module(link_abnormal_exit_kills_linked_process).
-export([run/0]).

run() ->
    process_flag(trap_exit, true),
    Main = self(),
    B = dt:name(spawn(fun() -> receive go -> exit(boom) end end), b),
    A = dt:name(spawn(fun() -> link(B), Main ! linked, receive never -> ok end end), a),
    receive linked -> ok end,
    dt:ref(monitor(process, A)),
    link(B),
    B ! go,
    receive M1 -> dt:log(got, M1) end,
    receive M2 -> dt:log(got, M2) end.
