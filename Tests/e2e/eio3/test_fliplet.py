"""examples/fliplet driven as a socket.io 2.x app drives it: python-socketio 4.6.1 (Engine.IO v3, the protocol 2.x
browsers speak) on the default namespace, long-polling only (development) or WebSocket only (production), with
in-band `login`, user and token rooms, `forward` to everyone else in a room, `logout` and `/admin/emit`."""
import time

import pytest
import socketio

from conftest import ROOT, Recorder, wait_until
from gateway_support import admin, make_jwt, serve, user_token

EVENTS = ("connect", "loginSuccess", "loginError", "joinError", "forwardError", "presence", "notification")


@pytest.fixture
def server(start_server, tmp_path):
    return serve(start_server, tmp_path, ROOT / "examples" / "fliplet")


class Device:
    """One app install: a 2.x-protocol client recording the events the app listens to."""

    def __init__(self, server, transport):
        self.server, self.transport = server, transport
        self.events = Recorder()
        self.sio = socketio.Client(reconnection=False)
        for name in EVENTS:
            self.sio.on(name, (lambda n: lambda *args: self.events.add(n, *args))(name))
        self.connect()

    def connect(self):
        """Connects and, as the 2.x app does (`socket.on('connect', () => socket.emit('login', token))`), returns once
        the default namespace's connect has arrived."""
        connects = len(self.events.named("connect"))
        self.sio.connect(self.server.url, transports=[self.transport])
        self.got("connect", count=connects + 1)

    def got(self, name, count=1):
        assert wait_until(lambda: len(self.events.named(name)) >= count, timeout=10), (name, self.events.events)
        return self.events.named(name)

    def login(self, token):
        before = len(self.events.named("loginSuccess"))
        self.sio.emit("login", token)
        self.got("loginSuccess", count=before + 1)

    def settle(self):
        """A marker down the same path: once `join` of a fresh room has been handled, so has everything sent before."""
        count = len(self.events.named("forwardError"))
        room = f"marker-{time.monotonic_ns()}"
        self.sio.emit("join", room)
        self.sio.emit("forward", {"room": room})  # no event: answered with forwardError, after everything before it
        assert self.got("forwardError", count=count + 1)[-1] == ({"status": 400, "message": "event is required"},)

    def close(self):
        self.sio.disconnect()


def push(server, room, event="notification", *args):
    return admin(server, "POST", "/admin/emit", {"target": {"room": room}, "event": event, "args": list(args)}).json()["delivered"]


@pytest.mark.parametrize("transport", ["polling", "websocket"])
def test_two_users_three_devices(server, transport):
    alice_token, laptop_token, bob_token = user_token("alice"), user_token("alice", device="laptop"), user_token("bob")
    devices = []
    try:
        for _ in range(3):
            devices.append(Device(server, transport))
        alice_phone, alice_laptop, bob = devices
        alice_phone.login(alice_token)
        alice_laptop.login(laptop_token)
        bob.login(bob_token)
        assert alice_phone.events.named("loginSuccess") == [()]  # no payload

        # The user's room reaches every device of the user; a token's room reaches one device.
        assert push(server, "user-alice", "notification", {"n": 1}) == 2
        assert alice_phone.got("notification")[0] == ({"n": 1},)
        assert alice_laptop.got("notification")[0] == ({"n": 1},)
        assert push(server, laptop_token, "notification", {"n": 2}) == 1
        assert alice_laptop.got("notification", count=2)[1] == ({"n": 2},)
        assert push(server, "user-bob") == 1

        # Presence in a shared room: forward reaches everyone else in it, never the sender.
        for device in (alice_phone, alice_laptop, bob):
            device.sio.emit("join", "team-7")
        for device in (alice_phone, alice_laptop, bob):
            device.settle()
        alice_phone.sio.emit("forward", {"room": "team-7", "event": "presence", "data": {"user": "alice", "online": True}})
        assert alice_laptop.got("presence")[0] == ({"user": "alice", "online": True},)
        assert bob.got("presence")[0] == ({"user": "alice", "online": True},)
        alice_phone.settle()
        assert alice_phone.events.named("presence") == []

        # Errors the app branches on.
        errors = len(alice_phone.events.named("forwardError"))
        alice_phone.sio.emit("forward", {"event": "presence", "data": {}})
        assert alice_phone.got("forwardError", count=errors + 1)[-1] == ({"status": 400, "message": "room is required"},)
        bob.sio.emit("join", "user-alice")
        assert bob.got("joinError")[0] == ({"status": 403, "message": "a user's room is joined by logging in"},)
        assert push(server, "user-alice") == 2
    finally:
        for device in devices:
            device.close()


@pytest.mark.parametrize("transport", ["polling", "websocket"])
def test_logout_keeps_the_connection_and_login_follows_a_reconnect(server, transport):
    device = Device(server, transport)
    token = user_token("carol")
    try:
        device.login(token)
        assert push(server, "user-carol") == 1
        device.sio.emit("join", "team-1")
        device.settle()
        device.sio.emit("logout")
        device.settle()
        assert push(server, "user-carol") == 0 and push(server, token) == 0
        # The connection is the same one, with its socket on the server: the room it joined before still reaches it.
        notifications = len(device.events.named("notification"))
        assert push(server, "team-1", "notification", {"n": 1}) == 1
        assert device.got("notification", count=notifications + 1)[-1] == ({"n": 1},)
        device.login(token)  # the same connection signs in again
        assert push(server, "user-carol") == 1
        device.close()
        # The server learns of the disconnect a moment later: once it has, nothing reaches the user.
        assert wait_until(lambda: push(server, "user-carol") == 0, timeout=10)
        # The app reconnects: a new connection (a fresh client; python-socketio 4.6.1 reusing a disconnected client
        # under load once never saw its second connect), anonymous until it logs in again.
        device = Device(server, transport)
        assert push(server, "user-carol") == 0
        device.login(token)
        assert push(server, "user-carol") == 1
    finally:
        device.close()


@pytest.mark.parametrize("token,message", [
    (None, "an auth token is required"),
    ("", "an auth token is required"),
    ("not-a-token", "the auth token is not valid"),
    (make_jwt({"sub": "dave", "exp": int(time.time()) - 10}), "the auth token has expired"),
    (make_jwt({"sub": "dave"}, secret="another-secret-that-is-32-bytes-long!!"), "the auth token is not valid"),
])
def test_login_errors(server, token, message):
    device = Device(server, "polling")
    try:
        device.sio.emit("login", token)
        assert device.got("loginError")[0] == ({"status": 401, "message": message},)
        device.settle()
        assert device.events.named("loginSuccess") == []
    finally:
        device.close()
