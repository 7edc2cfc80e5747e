"""socket.io 2.x clients (python-socketio 4.6.1, Engine.IO v3) on gatewayd's gateways: the token travels in the
query string, refusals arrive as `connect_error`, and both ack modes work as for current clients."""
import json
import threading

import pytest
import socketio

from conftest import Recorder, wait_until
from gateway_support import serve, user_token, write_gateway

TRANSPORTS = {"polling": ["polling"], "websocket": ["websocket"]}


@pytest.fixture
def server(start_server, tmp_path):
    handlers = tmp_path / "handlers"
    write_gateway(handlers, "chat", "/chat", {
        "echo": "return BODY",
        "whoami": ("return USER.id, HANDSHAKE.query.token ~= nil", {"ack": "result"}),
    }, connection='SOCKET.reply("welcome", USER.id)', requireAuth=True)
    return serve(start_server, tmp_path, handlers)


def connect(server, transports, token):
    client = socketio.Client(reconnection=False)
    events = Recorder()
    joined = threading.Event()
    client.on("connect", lambda: joined.set(), namespace="/chat")
    for name in ("welcome", "ws:result", "ws:error"):
        client.on(name, (lambda n: lambda *args: events.add(n, *args))(name), namespace="/chat")
    client.on("connect_error", lambda *data: events.add("connect_error", *data), namespace="/chat")
    query = f"?token={token}" if token else ""
    client.connect(f"{server.url}{query}", namespaces=["/chat"], transports=transports)
    return client, events, joined


@pytest.mark.parametrize("mode", TRANSPORTS)
def test_eio3_client_with_a_token_in_the_query(server, mode):
    client, events, joined = connect(server, TRANSPORTS[mode], user_token("old-42"))
    try:
        assert joined.wait(10)
        assert wait_until(lambda: events.named("welcome")) and events.named("welcome")[0] == ("old-42",)
        ack = client.call("echo", {"n": 1}, namespace="/chat", timeout=5)
        assert ack["accepted"] is True and ack["eventName"] == "echo"
        assert wait_until(lambda: events.named("ws:result"))
        result = events.named("ws:result")[0][0]
        assert result["requestId"] == ack["requestId"] and result["result"] == {"n": 1}
        assert client.call("whoami", namespace="/chat", timeout=5) == ("old-42", True)
    finally:
        client.disconnect()


@pytest.mark.parametrize("token,code", [(None, "AUTH_REQUIRED"), ("garbage", "AUTH_INVALID")])
def test_eio3_refusals_arrive_as_connect_error(server, token, code):
    client, events, joined = connect(server, ["websocket"], token)
    try:
        assert wait_until(lambda: events.named("connect_error"))
        # Protocol v4 carries the refusal's data (else its message) alone.
        assert events.named("connect_error")[0] == ({"code": code},)
        assert not joined.is_set()
    finally:
        client.disconnect()


@pytest.mark.parametrize("mode", TRANSPORTS)
def test_eio3_callback_acks_and_the_fallback(start_server, tmp_path, mode):
    """Feathers' v4 client speaks EIO3: error-first acks and the fallback reach it as they reach current clients."""
    handlers = tmp_path / "handlers"
    write_gateway(handlers, "svc", "/svc", {"get": "return {id = BODY}", "taken": 'THROW.conflict("taken")'},
                  defaultAck="callback")
    (handlers / "svc" / "fallback.lua").write_text('THROW(405, "no method " .. EVENT)')
    server = serve(start_server, tmp_path, handlers)
    client = socketio.Client(reconnection=False)
    joined = threading.Event()
    client.on("connect", lambda: joined.set(), namespace="/svc")
    client.connect(server.url, namespaces=["/svc"], transports=TRANSPORTS[mode])
    try:
        assert joined.wait(10)
        assert client.call("get", 7, namespace="/svc", timeout=5) == (None, {"id": 7})
        taken = client.call("taken", namespace="/svc", timeout=5)
        assert (taken["name"], taken["code"], taken["errorCode"]) == ("Conflict", 409, "CONFLICT")
        missing = client.call("patch", namespace="/svc", timeout=5)
        assert (missing["name"], missing["className"], missing["code"], missing["message"]) == \
            ("MethodNotAllowed", "method-not-allowed", 405, "no method patch")
    finally:
        client.disconnect()


def test_eio3_polling_client_signs_in_with_a_login_event(start_server, tmp_path):
    """socket.io 2.x apps sign in after connecting (Fliplet's `login`, its token checked with `AUTH.verify`): over EIO3
    long-polling, the socket becomes the user for its next events and for `/admin/emit`, and stops being one on
    sign-out."""
    import requests

    handlers = tmp_path / "handlers"
    write_gateway(handlers, "root", "/", {
        "login": ("local claims, code = AUTH.verify(BODY) if not claims then return code end "
                  "SOCKET.signIn(claims) return true", {"ack": "result"}),
        "logout": ("SOCKET.signOut(); return true", {"ack": "result"}),
        "whoami": ("return USER and USER.id or 'anonymous'", {"ack": "result"}),
    })
    server = serve(start_server, tmp_path, handlers)
    client = socketio.Client(reconnection=False)
    events = Recorder()
    joined = threading.Event()
    client.on("connect", lambda: joined.set())
    client.on("pushed", lambda *args: events.add("pushed", *args))
    client.connect(server.url, transports=["polling"])

    def push(user):
        body = {"target": {"user": user}, "event": "pushed", "args": [user]}
        posted = requests.post(server.url + "/admin/emit", json=body, headers=server.admin_headers, timeout=10)
        return posted.json()["delivered"]

    try:
        assert joined.wait(10)
        assert client.call("whoami", timeout=5) == "anonymous"
        assert client.call("login", "not-a-token", timeout=5) == "AUTH_INVALID"
        assert client.call("whoami", timeout=5) == "anonymous"
        assert client.call("login", user_token("u-7"), timeout=5) is True
        assert client.call("whoami", timeout=5) == "u-7"
        assert push("u-7") == 1
        assert wait_until(lambda: events.named("pushed")) and events.named("pushed")[0] == ("u-7",)
        assert client.call("logout", timeout=5) is True
        assert client.call("whoami", timeout=5) == "anonymous"
        assert push("u-7") == 0
    finally:
        client.disconnect()


def decode_eio3_payload(text):
    """The packets of an Engine.IO v3 text payload (`<length>:<packet>` repeated, the length in characters)."""
    packets = []
    while text:
        length, _, rest = text.partition(":")
        packets.append(rest[:int(length)])
        text = rest[int(length):]
    return packets


def test_an_eio3_clients_first_events_wait_for_the_automatic_connect(start_server, tmp_path):
    """Protocol v4 clients are connected to `/` by the server; python-socketio 4.x emits without waiting for that
    connect. An event sent while the connection handler still runs is handled after it, not dropped."""
    import requests

    handlers = tmp_path / "handlers"
    # The connection handler is held until the test writes the gate row (bounded by its time limit).
    write_gateway(handlers, "root", "/", {"ping": ("return 'pong'", {"ack": "result"})},
                  connection="while not DB.gate.findOne{filter = {id = HANDSHAKE.query.gate}} do end")
    server = serve(start_server, tmp_path, handlers)
    base = server.url + "/socket.io/?EIO=3&transport=polling&gate=g1"
    opened = decode_eio3_payload(requests.get(base, timeout=10).text)
    assert len(opened) == 1 and opened[0].startswith("0{"), opened  # no connect yet: the handler is held
    sid = json.loads(opened[0][1:])["sid"]
    try:
        # While the connection handler is held: an event with an ack id.
        packet = '421["ping"]'
        posted = requests.post(f"{base}&sid={sid}", data=f"{len(packet)}:{packet}", timeout=10)
        assert posted.status_code == 200
    finally:
        gate = requests.post(server.url + "/admin/collections/gate/items", json={"id": "g1"},
                             headers=server.admin_headers, timeout=10)
    assert gate.status_code == 201, gate.text
    received = []
    for _ in range(10):  # bounded: each poll returns as soon as something is queued
        received += decode_eio3_payload(requests.get(f"{base}&sid={sid}", timeout=30).text)
        if '431["pong"]' in received:
            break
    # The connect to `/` first (once the handler admitted), then the event's answer; nothing else.
    assert received == ["40", '431["pong"]'], received
