"""python-socketio 4.6.1 / python-engineio 3.14.2 — the protocol of socket.io 2.x clients (Engine.IO v3,
Socket.IO v4) — against the SocketIO module's test app, over long-polling and WebSocket.

These clients have no CONNECT auth payload: the token travels in the query string."""
import threading

import pytest
import socketio

from conftest import Recorder, wait_until

TRANSPORTS = {"polling": ["polling"], "websocket": ["websocket"], "upgrade": ["polling", "websocket"]}


def connected_client(server, recorder, transports, token="letmein"):
    client = socketio.Client(reconnection=False)
    joined = threading.Event()
    client.on("connect", lambda: joined.set(), namespace="/chat")
    for name in ("welcome", "said", "answer"):
        client.on(name, (lambda n: lambda *args: recorder.add(n, *args))(name), namespace="/chat")
    client.on("question", lambda text: "forty-two", namespace="/chat")
    client.on("connect_error", lambda *data: recorder.add("error", *data), namespace="/chat")
    client.connect(f"{server.url}?token={token}", namespaces=["/chat"], transports=transports)
    return client, joined


@pytest.mark.parametrize("mode", TRANSPORTS)
def test_eio3_client_full_scenario(chat_app, mode):
    server = chat_app()
    alice_events, bob_events = Recorder(), Recorder()
    alice, alice_joined = connected_client(server, alice_events, TRANSPORTS[mode])
    bob, bob_joined = connected_client(server, bob_events, TRANSPORTS[mode])
    try:
        assert alice_joined.wait(10) and bob_joined.wait(10)
        assert wait_until(lambda: alice_events.named("welcome"))
        assert alice.call("echo", {"text": "héllo 😀", "n": [1, 2.5, None]}, namespace="/chat", timeout=5) == {
            "text": "héllo 😀", "n": [1, 2.5, None]
        }
        assert alice.call("join", "lobby", namespace="/chat", timeout=5) == 1
        assert bob.call("join", "lobby", namespace="/chat", timeout=5) == 2
        alice.emit("say", ("lobby", "old clients welcome"), namespace="/chat")
        assert wait_until(lambda: bob_events.named("said"))
        assert bob_events.named("said") == [("old clients welcome",)]

        alice.emit("ask", namespace="/chat")
        assert wait_until(lambda: alice_events.named("answer"))
        assert alice_events.named("answer") == [("forty-two",)]

        blob = bytes(range(256))
        assert alice.call("binary", blob, namespace="/chat", timeout=5) == {"size": 256, "echo": blob}
        # The default namespace is joined automatically for these clients.
        assert alice.call("echo", "root", timeout=5) == "root"
        if mode == "upgrade":
            assert wait_until(lambda: alice.transport() == "websocket")
    finally:
        alice.disconnect()
        bob.disconnect()


@pytest.mark.parametrize("transport", ["polling", "websocket"])
def test_eio3_bad_token_is_refused(chat_app, transport):
    server = chat_app()
    recorder = Recorder()
    client, joined = connected_client(server, recorder, [transport], token="wrong")
    try:
        assert wait_until(lambda: recorder.named("error"), timeout=5)
        # Protocol v4 carries the refusal's data (else its message) as the ERROR packet payload.
        assert recorder.named("error") == [({"code": "AUTH_REQUIRED"},)]
        assert not joined.is_set()
    finally:
        client.disconnect()


def test_eio3_unknown_namespace(chat_app):
    server = chat_app()
    client = socketio.Client(reconnection=False)
    errors = []
    client.on("connect_error", lambda *data: errors.append(data), namespace="/nope")
    client.connect(server.url, namespaces=["/nope"], transports=["polling"])
    try:
        assert wait_until(lambda: errors, timeout=5)
        assert errors == [("Invalid namespace",)]
    finally:
        client.disconnect()


def test_eio3_query_on_the_namespace_connect(chat_app):
    """socket.io 2.x browsers put the namespace's query on its CONNECT: `40/chat?token=…,`."""
    import requests

    server = chat_app()
    base = server.url + "/socket.io/?EIO=3&transport=polling"
    sid = requests.get(base, timeout=5).text.split('"sid":"')[1].split('"')[0]
    url = f"{base}&sid={sid}"
    packet = "40/chat?token=let%6Dein,"
    assert requests.post(url, data=f"{len(packet)}:{packet}", timeout=5).text == "ok"
    received = ""
    for _ in range(5):  # a few polls at most: `40` for `/`, then `/chat`'s answer and welcome
        received += requests.get(url, timeout=5).text
        if "42/chat," in received:
            break
    assert "40/chat," in received and '42/chat,["welcome"' in received
