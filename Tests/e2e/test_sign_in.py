"""`SOCKET.signIn` / `signOut`: a socket that connected anonymously becomes a user (and `emitToUser`, `/admin/emit`
reach it) or stops being one, from the connection handler or any event handler; claims with `exp` are timed."""
import time

import pytest

from conftest import wait_until
from gateway_support import Client, admin, serve, write_gateway

LOGIN = """
if type(BODY) ~= "table" or BODY.user == nil then THROW.badRequest("user is required") end
SOCKET.signIn({sub = BODY.user, role = "member", exp = BODY.exp})
return USER == nil
"""


@pytest.fixture
def server(start_server, tmp_path):
    handlers = tmp_path / "handlers"
    write_gateway(handlers, "app", "/app", {
        "login": (LOGIN, {"ack": "result"}),
        "logout": ("SOCKET.signOut(); return USER and USER.id", {"ack": "result"}),
        "whoami": ("return USER and USER.id or JSON.null, USER and USER.role or JSON.null", {"ack": "result"}),
        "badLogin": ("SOCKET.signIn({role = 'nobody'})", {"ack": "result"}),
        "tell": ("SOCKET.emitToUser(BODY.to, 'told', BODY.text); return true", {"ack": "result"}),
        "myRooms": ("return SOCKET.rooms()", {"ack": "result"}),
        "sneak": ("SOCKET[BODY.op]('\\0user:' .. BODY.user, 'told', 'sneaked'); return true", {"ack": "result"}),
    }, connection='if HANDSHAKE.query.as then SOCKET.signIn({sub = HANDSHAKE.query.as}) end',
        # Runs once the socket has left (its rooms, its user's among them): tells the gateway's other sockets.
        disconnect="SOCKET.emitToGateway('/app', 'left', SOCKET.id)")
    return serve(start_server, tmp_path, handlers)


def push_to(server, user):
    return admin(server, "POST", "/admin/emit", {"target": {"user": user}, "event": "pushed", "args": [user]}).json()["delivered"]


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_sign_in_and_out_from_an_event(server, transport):
    alice = Client(server, ["/app"], transports=(transport,))
    other = Client(server, ["/app"])
    try:
        call = lambda event, *args: alice.call(event, *args, namespace="/app")
        assert call("whoami") == (None, None)
        assert push_to(server, "alice") == 0
        # USER changes from the next run on, not within the run that signed in.
        assert call("login", {"user": "alice"}) is True
        assert call("whoami") == ("alice", "member")
        assert push_to(server, "alice") == 1
        assert alice.got("pushed", namespace="/app")[0] == ("alice",)
        assert other.call("tell", {"to": "alice", "text": "hi"}, namespace="/app") is True
        assert alice.got("told", namespace="/app")[0] == ("hi",)
        # Signing in as someone else moves the socket; signing out leaves no user behind.
        assert call("login", {"user": "bob"}) is False
        assert (push_to(server, "alice"), push_to(server, "bob")) == (0, 1)
        assert call("logout") == "bob"  # still bob within the run that signed out
        assert call("whoami") == (None, None)
        assert push_to(server, "bob") == 0
        failure = call("badLogin")["error"]
        assert failure["code"] == "SCRIPT_ERROR" and "SOCKET.signIn" in failure["message"]
    finally:
        alice.close()
        other.close()


@pytest.mark.parametrize("op", ["join", "leave", "emitToRoom", "broadcastToRoom", "roomSize"])
def test_a_users_room_is_out_of_reach_of_scripts(server, op):
    """A signed-in socket is in its user's room (what emitToUser reaches); no script can name that room."""
    alice = Client(server, ["/app"])
    mallory = Client(server, ["/app"])
    try:
        assert alice.call("login", {"user": "alice"}, namespace="/app") is True
        assert alice.call("myRooms", namespace="/app") == []
        failure = mallory.call("sneak", {"op": op, "user": "alice"}, namespace="/app")["error"]
        assert failure["code"] == "BAD_REQUEST" and f"SOCKET.{op}: room must not contain a NUL byte" in failure["message"]
        # Marker down the same path: an emitToUser that does arrive, and nothing before it.
        assert mallory.call("tell", {"to": "alice", "text": "marker"}, namespace="/app") is True
        assert alice.got("told", namespace="/app")[0] == ("marker",)
        assert alice.events.named(("/app", "told")) == [("marker",)]
        assert push_to(server, "alice") == 1
    finally:
        alice.close()
        mallory.close()


def test_sign_in_from_the_connection_handler(server):
    clients = []
    try:
        client = Client(server, ["/app"], url_query="?as=carol")
        clients.append(client)
        observer = Client(server, ["/app"])
        clients.append(observer)
        assert client.call("whoami", namespace="/app") == ("carol", None)
        assert push_to(server, "carol") == 1
        assert client.got("pushed", namespace="/app")[0] == ("carol",)
        carol = client.sio.get_sid("/app")
        client.close()
        # The disconnect handler runs once the socket has left: after it, the user's room no longer reaches it.
        assert observer.got("left", namespace="/app")[0] == (carol,)
        assert push_to(server, "carol") == 0
    finally:
        for client in clients:
            client.close()


def test_claims_signed_in_with_exp_expire_like_a_token(server):
    client = Client(server, ["/app"])
    try:
        exp = int(time.time()) + 2
        assert client.call("login", {"user": "dave", "exp": exp}, namespace="/app") is True
        assert client.got("auth:expired", namespace="/app", timeout=10)[0] == ({"exp": exp},)
        assert wait_until(lambda: client.disconnects.named("/app"), timeout=10), "not disconnected after exp"
        assert push_to(server, "dave") == 0
    finally:
        client.close()


def test_a_test_run_records_sign_in(server):
    run = admin(server, "POST", "/admin/test/run", {
        "kind": "websocket_event", "gatewayPath": "/app", "eventName": "login", "payload": {"user": "eve"}}).json()
    assert run["success"] is True
    assert run["emitted"] == [{"method": "signIn", "args": [{"sub": "eve", "id": "eve", "role": "member"}]}]
