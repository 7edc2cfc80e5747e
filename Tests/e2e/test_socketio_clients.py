"""python-socketio 5.x clients (Engine.IO v4 / Socket.IO v5) against the SocketIO module's test app,
over long-polling only, WebSocket only, and polling upgraded to WebSocket."""
import asyncio
import threading

import pytest
import socketio

from conftest import Recorder, wait_until

TRANSPORTS = {
    "polling": ["polling"],
    "websocket": ["websocket"],
    "upgrade": ["polling", "websocket"],
}
AUTH = {"token": "letmein"}


def sync_client(recorder):
    client = socketio.Client(reconnection=False)
    for name in ("welcome", "said", "answer"):
        client.on(name, (lambda n: lambda *args: recorder.add(n, *args))(name), namespace="/chat")
    client.on("question", lambda text: 42, namespace="/chat")
    return client


@pytest.mark.parametrize("mode", TRANSPORTS)
def test_sync_client_full_scenario(chat_app, mode):
    server = chat_app()
    alice_events, bob_events = Recorder(), Recorder()
    alice, bob = sync_client(alice_events), sync_client(bob_events)
    try:
        alice.connect(server.url, namespaces=["/chat"], auth=AUTH, transports=TRANSPORTS[mode], wait_timeout=10)
        bob.connect(server.url, namespaces=["/chat"], auth=AUTH, transports=TRANSPORTS[mode], wait_timeout=10)

        # Connection handler ran after CONNECT was answered: the welcome carries the Socket.IO id.
        assert wait_until(lambda: alice_events.named("welcome"))
        welcome = alice_events.named("welcome")[0][0]
        assert welcome["id"] == alice.get_sid("/chat")
        assert welcome["id"] != alice.eio.sid  # Socket.IO ids are not Engine.IO session ids

        # Echo with ack, several arguments of every JSON kind.
        assert alice.call("echo", {"a": [1, 2.5, None, True, "é😀"]}, namespace="/chat", timeout=5) == {
            "a": [1, 2.5, None, True, "é😀"]
        }
        assert alice.call("echo", ("x", 2, {"y": []}), namespace="/chat", timeout=5) == ("x", 2, {"y": []})

        # Rooms: a message to the room reaches the other member, not the sender.
        assert alice.call("join", "lobby", namespace="/chat", timeout=5) == 1
        assert bob.call("join", "lobby", namespace="/chat", timeout=5) == 2
        alice.emit("say", ("lobby", "hello room"), namespace="/chat")
        assert wait_until(lambda: bob_events.named("said"))
        assert bob_events.named("said") == [("hello room",)]
        assert alice.call("echo", "sync", namespace="/chat", timeout=5) == "sync"
        assert alice_events.named("said") == []

        # Server → client ack: the server asks, the client's handler result comes back.
        alice.emit("ask", namespace="/chat")
        assert wait_until(lambda: alice_events.named("answer"))
        assert alice_events.named("answer") == [(42,)]

        # Binary both ways: bytes in, size computed by the server, the same bytes back as bytes.
        blob = bytes(range(256)) * 4
        reply = alice.call("binary", blob, namespace="/chat", timeout=5)
        assert reply["size"] == len(blob)
        assert reply["echo"] == blob

        if mode == "upgrade":
            assert wait_until(lambda: alice.transport() == "websocket")
        else:
            assert alice.transport() == TRANSPORTS[mode][0]
    finally:
        alice.disconnect()
        bob.disconnect()


@pytest.mark.parametrize("mode", TRANSPORTS)
def test_asyncio_client_scenario(chat_app, mode):
    server = chat_app()

    async def scenario():
        client = socketio.AsyncClient(reconnection=False)
        received = asyncio.Queue()

        @client.on("welcome", namespace="/chat")
        async def welcome(data):
            await received.put(("welcome", data))

        @client.on("question", namespace="/chat")
        async def question(text):
            return f"answer to {text}"

        @client.on("answer", namespace="/chat")
        async def answer(*args):
            await received.put(("answer", args))

        await client.connect(server.url, namespaces=["/chat"], auth=AUTH, transports=TRANSPORTS[mode], wait_timeout=10)
        try:
            name, data = await asyncio.wait_for(received.get(), 5)
            assert name == "welcome" and data["id"] == client.get_sid("/chat")
            assert await client.call("echo", [1, {"b": "c"}], namespace="/chat", timeout=5) == [1, {"b": "c"}]
            await client.emit("ask", namespace="/chat")
            name, args = await asyncio.wait_for(received.get(), 5)
            assert (name, args) == ("answer", ("answer to what is 6*7?",))
            reply = await client.call("binary", b"\x00\xffbinary", namespace="/chat", timeout=5)
            assert reply == {"size": 8, "echo": b"\x00\xffbinary"}
        finally:
            await client.disconnect()

    asyncio.run(asyncio.wait_for(scenario(), 30))


def test_unknown_namespace_is_refused(chat_app):
    server = chat_app()
    client = socketio.Client(reconnection=False)
    try:
        errors = []
        client.on("connect_error", lambda data: errors.append(data), namespace="/nope")
        with pytest.raises(socketio.exceptions.ConnectionError):
            client.connect(server.url, namespaces=["/nope"], transports=["websocket"], wait_timeout=5)
        assert errors == [{"message": "Invalid namespace"}]
    finally:
        client.disconnect()


@pytest.mark.parametrize("auth", [None, {"token": "letmeon"}])  # wrong, with the right one's length
def test_bad_auth_is_refused_with_data(chat_app, auth):
    server = chat_app()
    client = socketio.Client(reconnection=False)
    try:
        errors = []
        client.on("connect_error", lambda data: errors.append(data), namespace="/chat")
        with pytest.raises(socketio.exceptions.ConnectionError):
            client.connect(server.url, namespaces=["/chat"], auth=auth, transports=["polling"], wait_timeout=5)
        assert errors == [{"message": "unauthorized", "data": {"code": "AUTH_REQUIRED"}}]
    finally:
        client.disconnect()


def test_server_side_disconnect_reaches_client(chat_app):
    server = chat_app()
    client = socketio.Client(reconnection=False)
    try:
        reasons = []
        gone = threading.Event()
        client.on("disconnect", lambda *reason: (reasons.append(reason), gone.set()), namespace="/chat")
        client.connect(server.url, namespaces=["/chat"], auth=AUTH, transports=["websocket"], wait_timeout=5)
        client.emit("kick", namespace="/chat")
        assert gone.wait(5)
        assert reasons == [("server disconnect",)]
    finally:
        client.disconnect()
