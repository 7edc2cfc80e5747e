"""Authentication and the connection/disconnect handlers of gateways, end to end (python-socketio 5.x)."""
import time

import pytest

from conftest import wait_until
from gateway_support import SECRET, Client, admin, connect_refused, make_jwt, serve, user_token, write_gateway

WHOAMI = "return USER"


@pytest.fixture
def gateway(start_server, tmp_path):
    handlers = tmp_path / "handlers"
    write_gateway(handlers, "private", "/private", {"whoami": (WHOAMI, {"ack": "result"})}, requireAuth=True)
    write_gateway(handlers, "public", "/public", {"whoami": (WHOAMI, {"ack": "result"})})
    write_gateway(handlers, "off", "/off", {"whoami": WHOAMI}, enabled=False)
    write_gateway(
        handlers, "guarded", "/guarded", {"whoami": (WHOAMI, {"ack": "result"})},
        connection='\n'.join([
            'if HANDSHAKE.auth.mode == "throw" then THROW.forbidden("go away", {reason = "test"}) end',
            'if HANDSHAKE.auth.mode == "disconnect" then SOCKET.disconnect() end',
            'if HANDSHAKE.auth.mode == "crash" then local t = nil; return t.x end',
            'SOCKET.join("members")',
            'SOCKET.reply("welcome", {id = SOCKET.id, members = SOCKET.roomSize("members"), rooms = SOCKET.rooms()})',
        ]),
        disconnect='SOCKET.emitToRoom("members", "left", {id = SOCKET.id, reason = BODY})')
    return serve(start_server, tmp_path, handlers)


@pytest.mark.parametrize("where", ["auth", "header", "cookie", "query"])
def test_a_token_is_accepted_wherever_the_client_puts_it(gateway, where):
    token = user_token("42", role="admin")
    options = {
        "auth": {"auth": {"token": token}},
        "header": {"headers": {"Authorization": f"Bearer {token}"}},
        "cookie": {"headers": {"Cookie": f"theme=dark; accessToken={token}"}},
        "query": {"url_query": f"?token={token}"},
    }[where]
    client = Client(gateway, ["/private"], transports=["polling"], **options)
    try:
        user = client.call("whoami", namespace="/private")
        assert user["id"] == "42" and user["sub"] == "42" and user["role"] == "admin"
    finally:
        client.close()


def test_missing_and_bad_tokens_are_refused_with_their_codes(gateway):
    refusal = connect_refused(gateway, "/private")
    assert refusal["data"] == {"code": "AUTH_REQUIRED"} and refusal["message"]
    for token, code in [
        ("garbage", "AUTH_INVALID"),
        (make_jwt({"sub": "1"}, secret="another-secret-that-is-32-bytes-long!!"), "AUTH_INVALID"),
        (make_jwt({"sub": "1", "exp": int(time.time()) - 10}), "AUTH_EXPIRED"),
        (make_jwt({"sub": "1", "nbf": int(time.time()) + 600}), "AUTH_INVALID"),
        (make_jwt({"sub": "1"}, alg="HS512"), "AUTH_INVALID"),
    ]:
        refusal = connect_refused(gateway, "/private", auth={"token": token})
        assert refusal["data"] == {"code": code}, token
    # A gateway without requireAuth still refuses a bad token, and takes anonymous clients.
    assert connect_refused(gateway, "/public", auth={"token": "garbage"})["data"] == {"code": "AUTH_INVALID"}
    anonymous = Client(gateway, ["/public"])
    try:
        assert anonymous.call("whoami", namespace="/public") is None
    finally:
        anonymous.close()


def test_unknown_and_disabled_gateways_are_invalid_namespaces(gateway):
    assert connect_refused(gateway, "/nope") == {"message": "Invalid namespace"}
    assert connect_refused(gateway, "/off") == {"message": "Invalid namespace"}


def test_connection_handler_refuses_or_welcomes(gateway):
    refusal = connect_refused(gateway, "/guarded", auth={"mode": "throw"})
    assert refusal == {"message": "go away", "data": {"code": "FORBIDDEN", "details": {"reason": "test"}}}
    refusal = connect_refused(gateway, "/guarded", auth={"mode": "disconnect"})
    assert refusal["data"] == {"code": "FORBIDDEN"}
    refusal = connect_refused(gateway, "/guarded", auth={"mode": "crash"})
    assert refusal["data"] == {"code": "SCRIPT_ERROR"} and refusal["message"].startswith("connection.lua:3:")

    first = Client(gateway, ["/guarded"])
    second = Client(gateway, ["/guarded"])
    try:
        welcome = first.got("welcome", namespace="/guarded")[0][0]
        assert welcome == {"id": first.sio.get_sid("/guarded"), "members": 1, "rooms": ["members"]}
        assert second.got("welcome", namespace="/guarded")[0][0]["members"] == 2
        # Disconnect handler: runs after the socket left, BODY is the reason.
        second_id = second.got("welcome", namespace="/guarded")[0][0]["id"]
        second.close()
        left = first.got("left", namespace="/guarded")[0][0]
        # python-socketio sends DISCONNECT and closes the connection: either may reach the server first.
        assert left["id"] == second_id and left["reason"] in ("client namespace disconnect", "transport close")
    finally:
        first.close()


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_a_token_that_expires_mid_connection_gets_auth_expired_then_a_disconnect(start_server, tmp_path, transport):
    handlers = tmp_path / "handlers"
    write_gateway(handlers, "private", "/private", {"whoami": ("return USER.id", {"ack": "result"})}, requireAuth=True)
    server = serve(start_server, tmp_path, handlers, "--auth-expiry-grace", 300)
    exp = int(time.time()) + 2
    clients = []
    try:
        client = Client(server, ["/private"], transports=(transport,), auth={"token": make_jwt({"sub": "u1", "exp": exp})})
        clients.append(client)
        lasting = Client(server, ["/private"], auth={"token": user_token("u2")})  # an hour left: untouched
        clients.append(lasting)
        # What the client had received when its disconnect came (python-socketio hands a connection's packets to
        # the handlers in arrival order).
        received_by_disconnect = []
        record_disconnect = client.disconnects.add
        client.disconnects.add = lambda *args: (received_by_disconnect.append(list(client.events.events)),
                                                record_disconnect(*args))
        assert client.call("whoami", namespace="/private") == "u1"
        assert client.got("auth:expired", namespace="/private", timeout=10)[0] == ({"exp": exp},)
        assert wait_until(lambda: client.disconnects.named("/private"), timeout=10), "not disconnected after exp + grace"
        # The server disconnected the socket (not the transport failing), and only after auth:expired.
        assert client.disconnects.named("/private") == [("server disconnect",)]
        assert received_by_disconnect[0] == [(("/private", "auth:expired"), ({"exp": exp},))]
        # The other socket, whose token has not run out, got nothing and still works. Marker down the same path: a
        # server push to it, sent once the expired socket is gone; when it is in, nothing came before it.
        assert lasting.call("whoami", namespace="/private") == "u2"
        push = admin(server, "POST", "/admin/emit", {"target": {"user": "u2"}, "event": "marker", "args": [1]})
        assert push.json() == {"delivered": 1}
        assert lasting.got("marker", namespace="/private")[0] == (1,)
        assert lasting.events.events == [(("/private", "marker"), (1,))]
        assert not lasting.disconnects.named("/private")
    finally:
        for client in clients:
            client.close()
