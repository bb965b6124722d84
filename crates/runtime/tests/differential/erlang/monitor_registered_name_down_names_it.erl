%% Missing operation: monitor of a registered name, local and {Name, Node}; the
%% DOWN names {Name, Node}.
-module(monitor_registered_name_down_names_it).
-export([run/0]).

run() ->
    A = dt:name(spawn(fun() -> receive stop -> exit(bye) end end), a),
    register(reg_a, A),
    M1 = dt:ref(monitor(process, reg_a)),
    M2 = dt:ref(monitor(process, {reg_a, node()})),
    A ! stop,
    receive {'DOWN', M1, _, _, _} = D1 -> dt:log(got, D1) end,
    receive {'DOWN', M2, _, _, _} = D2 -> dt:log(got, D2) end.
