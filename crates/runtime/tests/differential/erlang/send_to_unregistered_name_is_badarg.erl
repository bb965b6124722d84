%% Names: sending to a name nobody holds is badarg.
-module(send_to_unregistered_name_is_badarg).
-export([run/0]).

run() ->
    dt:log(send, try nobody ! hello catch error:R -> R end).
