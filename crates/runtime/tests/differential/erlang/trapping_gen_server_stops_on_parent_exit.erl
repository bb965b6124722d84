%% Divergence 1: a trapping gen-server that gets its parent's EXIT runs terminate with
%% that reason and exits with it; handle_info never sees the EXIT.
-module(trapping_gen_server_stops_on_parent_exit).
-export([run/0]).

run() ->
    Main = self(),
    Parent = dt:name(spawn(fun() ->
        {ok, S} = dt_srv:start_link(srv, [trap]),
        Main ! {started, S},
        receive go -> exit(bye) end
    end), parent),
    receive {started, S} -> ok end,
    Mon = dt:ref(monitor(process, S)),
    Parent ! go,
    receive {'DOWN', Mon, _, _, _} = Down -> dt:log(got, Down) end.
