%% Supervisors: rest_for_one stops the children started after the failed one,
%% youngest first, then restarts it and them in start order.
-module(rest_for_one_restarts_the_later_children).
-export([run/0]).

run() ->
    {ok, Sup} = dt_sup:start_link(sup, #{strategy => rest_for_one},
                                  [dt:srv(a, [trap]), dt:srv(b, [trap]), dt:srv(c, [trap]), dt:srv(d, [trap])]),
    B = dt:pid(b),
    gen_server:cast(B, {stop, broken}),
    dt:down(B),
    dt:sync(Sup).
