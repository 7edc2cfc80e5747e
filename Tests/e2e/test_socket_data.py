"""`SOCKET.data`: per-socket state that the connection handler, every event handler and the disconnect handler of
one socket share, kept within `--socket-data-limit`, and taken in and returned by test runs."""
import pytest

from gateway_support import Client, admin, serve, write_gateway

LIMIT = 1000


def result_mode(script, **settings):
    return (script, {"ack": "result", **settings})


@pytest.fixture
def server(start_server, tmp_path):
    handlers = tmp_path / "handlers"
    write_gateway(handlers, "state", "/state", {
        "incr": result_mode("SOCKET.data.count = SOCKET.data.count + 1; return SOCKET.data.count"),
        "get": result_mode("return SOCKET.data"),
        "remember": result_mode("SOCKET.data.name = BODY; return true"),
        "bomb": result_mode("SOCKET.data.big = string.rep('x', 2 * %d); return 'kept?'" % LIMIT),
        "notATable": result_mode("SOCKET.data = 5; return 1"),
        "function": result_mode("SOCKET.data.f = function() end; return 1"),
        "throwAfterWrite": result_mode("SOCKET.data.partial = true; THROW.badRequest('no')"),
        "spin": result_mode("SOCKET.data.lost = true; while true do end", timeoutMs=200),
        "reset": result_mode("SOCKET.data = nil; return 1"),
    }, connection="SOCKET.data.count = 0; SOCKET.data.connectedAs = SOCKET.id",
        disconnect='SOCKET.emitToGateway("/observer", "gone", SOCKET.data)')
    write_gateway(handlers, "observer", "/observer", {})
    return serve(start_server, tmp_path, handlers, "--socket-data-limit", LIMIT)


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_state_survives_across_events_and_reaches_the_disconnect_handler(server, transport):
    observer = Client(server, ["/observer"])
    client = Client(server, ["/state"], transports=(transport,))
    other = Client(server, ["/state"])
    try:
        call = lambda event, *args: client.call(event, *args, namespace="/state")
        assert call("incr") == 1 and call("incr") == 2 and call("incr") == 3
        assert call("remember", "ada") is True
        state = call("get")
        assert state["count"] == 3 and state["name"] == "ada" and state["connectedAs"]
        # Another socket's state is its own.
        assert other.call("incr", namespace="/state") == 1
        assert other.call("get", namespace="/state")["connectedAs"] != state["connectedAs"]
        client.close()
        gone = observer.got("gone", namespace="/observer")[0][0]
        assert gone == state
    finally:
        other.close()
        observer.close()


def test_values_that_cannot_be_kept_fail_and_leave_the_previous_state(server):
    client = Client(server, ["/state"])
    try:
        call = lambda event: client.call(event, namespace="/state")
        assert call("incr") == 1
        for event, words in [("bomb", f"limit of {LIMIT} bytes"), ("notATable", "must be a table"),
                             ("function", "cannot be kept")]:
            failure = call(event)["error"]
            assert failure["code"] == "INVALID_RESULT", (event, failure)
            assert words in failure["message"] and "previous value stays" in failure["message"], failure
            assert call("get") == {"count": 1, "connectedAs": call("get")["connectedAs"]}
        # A timed-out run keeps nothing; a run that failed with THROW keeps what it wrote before failing.
        assert call("spin")["error"]["code"] == "SCRIPT_TIMEOUT"
        assert "lost" not in call("get")
        assert call("throwAfterWrite")["error"]["code"] == "BAD_REQUEST"
        assert call("get")["partial"] is True
        assert call("reset") == 1
        assert call("get") == {}
    finally:
        client.close()


def test_a_test_run_takes_socket_data_in_and_returns_it(server):
    run = admin(server, "POST", "/admin/test/run", {
        "kind": "websocket_event", "eventName": "incr", "gatewayPath": "/state", "socketData": {"count": 41}}).json()
    assert (run["success"], run["result"], run["socketData"]) == (True, 42, {"count": 42})
    fresh = admin(server, "POST", "/admin/test/run", {
        "kind": "websocket_event", "eventName": "x", "script": "return SOCKET.data"}).json()
    assert fresh["result"] == {} and fresh["socketData"] == {}
    kept = admin(server, "POST", "/admin/test/run", {
        "kind": "websocket_event", "eventName": "bomb", "gatewayPath": "/state", "socketData": {"count": 1}}).json()
    assert kept["success"] is False and kept["error"]["code"] == "INVALID_RESULT"
    assert kept["socketData"] == {"count": 1}
    refused = admin(server, "POST", "/admin/test/run", {"kind": "websocket_event", "eventName": "x", "script": "return 1",
                                                        "socketData": [1]})
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "socketData"
