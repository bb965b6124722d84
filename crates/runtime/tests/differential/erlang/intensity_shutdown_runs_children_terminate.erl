%% Divergence 1 and escalation: past its intensity a supervisor stops its trapping
%% children with terminate(shutdown) and exits shutdown; its parent sees the child exit.
-module(intensity_shutdown_runs_children_terminate).
-export([run/0]).

run() ->
    Inner = #{id => inner, type => supervisor,
              start => {dt_sup, start_link, [inner, #{intensity => 1, period => 5},
                                             [dt:srv(a, [trap]), dt:srv(b, [trap])]]}},
    {ok, Top} = dt_sup:start_link(top, #{intensity => 0, period => 5}, [Inner]),
    Mon = dt:ref(monitor(process, Top)),
    A = dt:pid(a),
    exit(A, kill),
    dt:down(A),
    dt:sync(dt:pid(inner)),
    exit(dt:pid(a), kill),
    receive {'DOWN', Mon, _, _, _} = Down -> dt:log(got, Down) end.
