%% Names: a name is held by one process at a time, a process holds one name, and a
%% name is freed when its holder exits.
-module(names_are_unique_and_freed_on_exit).
-export([run/0]).

run() ->
    A = dt:name(spawn(fun() -> receive go -> ok end end), a),
    B = dt:name(spawn(fun() -> receive go -> ok end end), b),
    dt:log(register, register(svc, A)),
    dt:log(register_taken, try register(svc, B) catch error:R1 -> R1 end),
    dt:log(register_second_name, try register(other, A) catch error:R2 -> R2 end),
    dt:log(whereis, whereis(svc)),
    A ! go,
    timer:sleep(10),
    dt:log(whereis, whereis(svc)),
    dt:log(register, register(svc, B)),
    dt:log(whereis, whereis(svc)).
