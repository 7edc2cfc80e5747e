"""`ws:results` for clients that cannot recover their session (issue 23): a socket.io 2.x client (python-socketio 4.6.1)
whose connection went away before its queued event's `ws:result` was sent reconnects, asks for it by request id and
gets it; ids it does not hold, another user's results and anonymous or malformed requests are answered plainly."""
import threading

import pytest
import requests
import socketio

from conftest import Recorder, wait_until
from gateway_support import TIMEOUT, admin, serve, user_token, write_gateway

# The gate: `work` waits until the test creates the row, so its result comes after the client left.
WORK = """
while not DB.gate.findOne{filter = {id = "open"}} do end
DB.done.create{data = {id = REQUEST_ID}}
return {n = BODY.n, by = USER.id}
"""


@pytest.fixture
def server(start_server, tmp_path):
    handlers = tmp_path / "handlers"
    write_gateway(handlers, "app", "/app", {
        "work": (WORK, {"timeoutMs": 120000}),
        "fail": 'THROW.badRequest("no good")',
    })
    return serve(start_server, tmp_path, handlers)


def connect(server, token, transports=("websocket",)):
    client = socketio.Client(reconnection=False)
    events = Recorder()
    joined = threading.Event()
    client.on("connect", lambda: joined.set(), namespace="/app")
    for name in ("ws:result", "ws:error"):
        client.on(name, (lambda n: lambda *args: events.add(n, *args))(name), namespace="/app")
    query = f"?token={token}" if token else ""
    client.connect(f"{server.url}{query}", namespaces=["/app"], transports=list(transports))
    assert joined.wait(TIMEOUT)
    return client, events


def done(server, request_id):
    rows = admin(server, "GET", "/admin/collections/done/items").json()["data"]
    return any(row["id"] == request_id for row in rows)


@pytest.mark.parametrize("transport", ["polling", "websocket"])
def test_a_result_sent_while_the_client_was_away_is_returned_by_ws_results(server, transport):
    token = user_token("ann")
    client, _ = connect(server, token, [transport])
    try:
        accepted = client.call("work", {"n": 7}, namespace="/app", timeout=TIMEOUT)
        failed = client.call("fail", namespace="/app", timeout=TIMEOUT)
        assert accepted["accepted"] is True and failed["accepted"] is True
    finally:
        client.disconnect()
    assert admin(server, "POST", "/admin/collections/gate/items", {"id": "open"}).status_code == 201
    assert wait_until(lambda: done(server, accepted["requestId"]), timeout=TIMEOUT)

    again, events = connect(server, token, [transport])
    try:
        unknown = "r" * len(accepted["requestId"])
        answer = again.call("ws:results", {"requestIds": [accepted["requestId"], unknown, failed["requestId"]]},
                            namespace="/app", timeout=TIMEOUT)
        result, error = answer["results"]
        assert result["requestId"] == accepted["requestId"] and result["success"] is True
        assert result["result"] == {"n": 7, "by": "ann"}
        assert error["requestId"] == failed["requestId"] and error["success"] is False
        assert error["code"] == "BAD_REQUEST" and error["message"] == "no good"
        assert answer["missing"] == [unknown]
        # Asked again, they are still there: the retention decides, not the reading.
        assert again.call("ws:results", {"requestIds": [accepted["requestId"]]}, namespace="/app",
                          timeout=TIMEOUT)["results"] == [result]
    finally:
        again.disconnect()

    # Another user holds none of ann's results.
    other, _ = connect(server, user_token("bob"))
    try:
        answer = other.call("ws:results", {"requestIds": [accepted["requestId"]]}, namespace="/app", timeout=TIMEOUT)
        assert answer == {"results": [], "missing": [accepted["requestId"]]}
    finally:
        other.disconnect()


@pytest.mark.parametrize("token,body,code,field", [
    (None, {"requestIds": []}, "UNAUTHORIZED", "signed-in"),
    ("ann", {"requestIds": "abc"}, "BAD_REQUEST", "requestIds"),
    ("ann", {"requestIds": ["a", 3]}, "BAD_REQUEST", "requestIds[1]"),
    ("ann", None, "BAD_REQUEST", "requestIds"),
])
def test_ws_results_refusals_say_what_was_wrong(server, token, body, code, field):
    client, _ = connect(server, user_token(token) if token else None)
    try:
        answer = client.call("ws:results", body, namespace="/app", timeout=TIMEOUT)
        assert answer["accepted"] is False and answer["error"]["code"] == code
        assert field in answer["error"]["message"]
    finally:
        client.disconnect()
