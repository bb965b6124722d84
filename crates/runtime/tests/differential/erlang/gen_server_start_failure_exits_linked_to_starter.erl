%% Divergence 5, for a gen-server: {stop, Reason} from init answers {error, Reason},
%% then the process exits linked.
-module(gen_server_start_failure_exits_linked_to_starter).
-export([run/0]).

run() ->
    process_flag(trap_exit, true),
    dt:log(start_link, dt_srv:start_link(srv, [{init, {stop, no_config}}])),
    receive M -> dt:log(got, M) end.
