"""examples/feathers with a Feathers v4-era client (socket.io 2.x, Engine.IO v3): python-socketio 4.6.1 sending the
same frames as `@feathersjs/socketio-client` v4, over polling and WebSocket — and every call of the document's "Direct
connection" section as written there (the scenarios of feathers_client.py, shared with the 5.x suite)."""
import pytest
import socketio

from conftest import ROOT, Recorder, wait_until
from feathers_client import SCENARIOS, call, error_of
from gateway_support import serve

TRANSPORTS = ["polling", "websocket"]


@pytest.fixture
def server(start_server, tmp_path):
    return serve(start_server, tmp_path, ROOT / "examples" / "feathers")


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_direct_connection(server, scenario, transport):
    SCENARIOS[scenario](server, transport)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_v4_client_signs_up_authenticates_and_gets_events(server, transport):
    events = Recorder()
    sio = socketio.Client(reconnection=False)
    for name in ("messages created", "messages patched", "messages updated", "messages removed"):
        sio.on(name, (lambda n: lambda *args: events.add(n, *args))(name))
    try:
        sio.connect(server.url, transports=[transport])
        user = call(sio, "create", "users", {"email": "v4@example.com", "password": "pw"})
        assert "password" not in user
        auth = call(sio, "create", "authentication", {"strategy": "local", "email": "v4@example.com", "password": "pw"})
        assert auth["user"] == user and auth["accessToken"]
        message = call(sio, "create", "messages", {"text": "from 2.x"})
        assert wait_until(lambda: events.named("messages created"), timeout=10)
        assert events.named("messages created")[0] == (message,)
        found = call(sio, "find", "messages", {"text": "from 2.x"})
        assert found["total"] == 1 and found["data"] == [message]
        assert call(sio, "get", "messages", message["id"]) == message
        patched = call(sio, "patch", "messages", message["id"], {"text": "patched"})
        updated = call(sio, "update", "messages", message["id"], {"text": "updated"})
        removed = call(sio, "remove", "messages", message["id"])
        for name, record in [("messages patched", patched), ("messages updated", updated), ("messages removed", removed)]:
            assert wait_until(lambda: events.named(name), timeout=10), name
            assert events.named(name)[0] == (record,)
        page = call(sio, "find", "messages", {"$limit": 1, "text": {"$ne": "x"}, "$or": [{"text": "a"}, {"text": {"$gt": "0"}}]})
        assert set(page) == {"total", "limit", "skip", "data"} and page["limit"] == 1
        assert error_of(sio, "get", "messages", "missing")["name"] == "NotFound"
        assert error_of(sio, "find", "authentication", {})["className"] == "method-not-allowed"
        assert error_of(sio, "find", "messages", {}, {}, 1)["name"] == "BadRequest"
        assert error_of(sio, "frobnicate", "messages")["name"] == "MethodNotAllowed"
        jwt = call(sio, "create", "authentication", {"strategy": "jwt", "accessToken": auth["accessToken"]})
        assert jwt["authentication"]["strategy"] == "jwt"
        call(sio, "remove", "authentication", None)
        assert error_of(sio, "find", "messages", {})["name"] == "NotAuthenticated"
    finally:
        sio.disconnect()
