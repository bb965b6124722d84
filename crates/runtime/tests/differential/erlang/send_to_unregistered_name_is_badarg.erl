%% Names: sending to a name nobody holds is badarg; {Name, Node} ! Msg never fails.
-module(send_to_unregistered_name_is_badarg).
-export([run/0]).

run() ->
    dt:log(send, try nobody ! hello catch error:R -> R end),
    dt:log(send_remote_form, {nobody, node()} ! hello).
