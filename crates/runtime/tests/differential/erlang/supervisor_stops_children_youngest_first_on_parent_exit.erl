%% Shutdown: a supervisor whose parent exits stops its children youngest first, each
%% running terminate(shutdown), and exits with the parent's reason.
-module(supervisor_stops_children_youngest_first_on_parent_exit).
-export([run/0]).

run() ->
    Main = self(),
    P = dt:name(spawn(fun() ->
        {ok, Sup} = dt_sup:start_link(sup, #{}, [dt:srv(a, [trap]), dt:srv(b, []), dt:srv(c, [trap])]),
        Main ! {sup, Sup},
        receive go -> exit(going) end
    end), parent),
    receive {sup, Sup} -> ok end,
    dt:ref(monitor(process, Sup)),
    P ! go,
    receive D -> dt:log(got, D) end.
