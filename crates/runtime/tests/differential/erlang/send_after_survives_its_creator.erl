%% Divergence 2: a send_after timer survives the death of the process that set it.
-module(send_after_survives_its_creator).
-export([run/0]).

run() ->
    Main = self(),
    {Owner, Mon} = spawn_monitor(fun() -> erlang:send_after(50, Main, late), exit(owner_done) end),
    dt:name(Owner, owner),
    dt:ref(Mon),
    receive {'DOWN', _, _, _, _} = Down -> dt:log(got, Down) end,
    receive M -> dt:log(got, M) after 1000 -> dt:log(nothing) end.
