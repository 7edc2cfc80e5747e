"""The three ack modes side by side (queued, result, and the error-first `callback`, per event and as a gateway's
`defaultAck`), and the fallback handler that answers events a gateway has no handler for — through real clients,
the admin API and test runs."""
import pytest
import requests

from conftest import wait_until
from gateway_support import Client, admin, connect_when_served, gateway_id, serve, write_gateway

FALLBACK = """
if EVENT == "find" then THROW(405, "Method 'find' is not allowed on this service") end
return "fallback:" .. EVENT, ARGS[1]
"""


@pytest.fixture
def server(start_server, tmp_path):
    handlers = tmp_path / "handlers"
    write_gateway(handlers, "service", "/service", {
        "sum": "return ARGS[1] + ARGS[2]",
        "pair": "return 1, 'two'",
        "nothing": "LOGS('ran')",
        "taken": 'THROW.conflict("taken", {id = 7})',
        "methodless": 'THROW(405, "no such method")',
        "crash": "error('boom')",
        "slow": ("while true do end", {"timeoutMs": 200}),
        "queuedOne": ("return 'q'", {"ack": "queued"}),
        "resultOne": ("return 'r', 2", {"ack": "result"}),
    }, defaultAck="callback")
    (handlers / "service" / "fallback.lua").write_text(FALLBACK)
    write_gateway(handlers, "plain", "/plain", {"hello": ("return 'hi'", {"ack": "callback"})}, defaultAck="callback")
    return serve(start_server, tmp_path, handlers)


def error(status, name, class_name, error_code, message, data=None):
    body = {"name": name, "className": class_name, "code": status, "message": message, "errorCode": error_code}
    if data is not None:
        body["data"] = data
    return body


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_callback_mode_acks_error_first(server, transport):
    client = Client(server, ["/service"], transports=(transport,))
    try:
        call = lambda event, *args: client.call(event, *args, namespace="/service")
        assert call("sum", 2, 3) == (None, 5)
        assert call("pair") == (None, 1, "two")
        assert call("nothing") is None  # ack(null): the one argument is null
        assert call("taken") == error(409, "Conflict", "conflict", "CONFLICT", "taken", {"id": 7})
        assert call("methodless") == error(405, "MethodNotAllowed", "method-not-allowed", "BAD_REQUEST", "no such method")
        crash = call("crash")
        assert (crash["name"], crash["className"], crash["code"], crash["errorCode"]) == \
            ("GeneralError", "general-error", 500, "SCRIPT_ERROR")
        assert "boom" in crash["message"] and "data" not in crash
        slow = call("slow")
        assert (slow["name"], slow["className"], slow["code"], slow["errorCode"]) == ("Timeout", "timeout", 408, "SCRIPT_TIMEOUT")
    finally:
        client.close()


def test_the_three_modes_side_by_side(server):
    client = Client(server, ["/service"])
    try:
        queued = client.call("queuedOne", namespace="/service")
        assert queued["accepted"] is True and queued["queued"] is True and queued["eventName"] == "queuedOne"
        result = client.got("ws:result", namespace="/service")[0][0]
        assert (result["requestId"], result["result"], result["success"]) == (queued["requestId"], "q", True)
        assert client.call("resultOne", namespace="/service") == ("r", 2)
        assert client.call("sum", 1, 1, namespace="/service") == (None, 2)
    finally:
        client.close()


def test_the_fallback_handler_answers_events_without_a_handler(server):
    client = Client(server, ["/service"])
    try:
        assert client.call("whatever", {"q": 1}, namespace="/service") == (None, "fallback:whatever", {"q": 1})
        assert client.call("find", namespace="/service") == error(
            405, "MethodNotAllowed", "method-not-allowed", "BAD_REQUEST", "Method 'find' is not allowed on this service")
        # An event with a handler of its own does not reach the fallback.
        assert client.call("sum", 4, 5, namespace="/service") == (None, 9)
    finally:
        client.close()


def test_without_a_fallback_a_callback_gateway_refuses_error_first(server):
    client = Client(server, ["/plain"])
    try:
        assert client.call("hello", namespace="/plain") == (None, "hi")
        refused = client.call("nope", namespace="/plain")
        assert (refused["name"], refused["className"], refused["code"], refused["errorCode"]) == \
            ("NotFound", "not-found", 404, "NO_HANDLER")
        assert "nope" in refused["message"]
    finally:
        client.close()


def test_callback_failure_without_an_ack_arrives_as_ws_error(server):
    client = Client(server, ["/service"])
    try:
        client.sio.emit("taken", namespace="/service")
        failure = client.got("ws:error", namespace="/service")[0][0]
        assert (failure["code"], failure["message"], failure["details"]) == ("CONFLICT", "taken", {"id": 7})
    finally:
        client.close()


def test_admin_api_default_ack_and_fallback_script(start_server, tmp_path):
    server = serve(start_server, tmp_path, tmp_path / "no-handlers")
    created = admin(server, "POST", "/admin/gateways", {
        "path": "/api", "defaultAck": "callback", "fallbackScript": "return 'fb', EVENT"}).json()
    assert (created["defaultAck"], created["fallbackScript"]) == ("callback", "return 'fb', EVENT")
    event = admin(server, "POST", f"/admin/gateways/{created['id']}/events", {"eventName": "e", "script": "return 1"})
    assert event.json()["ack"] == "callback"  # an event created without `ack` takes the gateway's default
    explicit = admin(server, "POST", f"/admin/gateways/{created['id']}/events",
                     {"eventName": "q", "script": "return 1", "ack": "queued"}).json()
    assert explicit["ack"] == "queued"

    client = connect_when_served(server, "/api")
    assert client, "the gateway made through the admin API was never served"
    try:
        assert client.call("e", namespace="/api") == (None, 1)
        assert client.call("other", namespace="/api") == (None, "fb", "other")
        # Clearing the fallback (live): unknown events are refused again.
        cleared = admin(server, "PATCH", f"/admin/gateways/{created['id']}", {"fallbackScript": None})
        assert cleared.json()["fallbackScript"] is None
        assert wait_until(lambda: "errorCode" in (client.call("other", namespace="/api") or {}), timeout=10)
        assert client.call("other", namespace="/api")["errorCode"] == "NO_HANDLER"
    finally:
        client.close()

    bad_mode = admin(server, "PATCH", f"/admin/gateways/{created['id']}", {"defaultAck": "later"})
    assert bad_mode.status_code == 422 and bad_mode.json()["error"]["field"] == "defaultAck"
    bad_script = admin(server, "PATCH", f"/admin/gateways/{created['id']}", {"fallbackScript": "x = = 1"})
    assert bad_script.status_code == 422
    assert (bad_script.json()["error"]["code"], bad_script.json()["error"]["field"]) == ("SCRIPT_SYNTAX_ERROR", "fallbackScript")


def test_a_test_run_of_an_event_without_a_handler_runs_the_fallback(server):
    run = admin(server, "POST", "/admin/test/run", {
        "kind": "websocket_event", "gatewayPath": "/service", "eventName": "unlisted", "payload": {"x": 1}}).json()
    assert run["success"] is True and run["result"] == ["fallback:unlisted", {"x": 1}]
    failing = admin(server, "POST", "/admin/test/run", {
        "kind": "websocket_event", "gatewayPath": "/service", "eventName": "find"}).json()
    assert failing["success"] is False and failing["error"]["status"] == 405
    missing = admin(server, "POST", "/admin/test/run", {"kind": "websocket_event", "gatewayPath": "/plain", "eventName": "x"})
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "MISSING_SCRIPT"
    # Named by its id instead of its path, the stored gateway's fallback runs just the same; an unknown id is refused.
    by_id = admin(server, "POST", "/admin/test/run", {
        "kind": "websocket_event", "gatewayId": gateway_id(server, "/service"), "eventName": "unlisted",
        "payload": {"x": 2}}).json()
    assert by_id["success"] is True and by_id["result"] == ["fallback:unlisted", {"x": 2}]
    unknown = admin(server, "POST", "/admin/test/run", {
        "kind": "websocket_event", "gatewayId": 999999, "eventName": "unlisted"})
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "GATEWAY_NOT_FOUND"
