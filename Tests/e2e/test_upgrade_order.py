"""Broadcasts and a client's own events keep their order across its upgrade from long-polling to WebSocket.

A session that upgrades to a WebSocket accepted on another event loop is then delivered on that loop, straight to
the WebSocket, while what was queued on the session's own loop before is still on its way: nothing may overtake it.
A publisher broadcasts a numbered sequence to a room without pause while clients that start on long-polling (the
official clients' default) join it and upgrade; each must receive consecutive numbers from its first one on.

The other way: once upgraded, a session's messages go to Socket.IO on the WebSocket's loop, while what it read before
(over polling, or over the WebSocket during the upgrade) may still be on its way through the session's loop. A client
sends a numbered sequence without waiting from the moment it connects over polling, through its upgrade; the handler
counts every number that is not the one after the last.

The clients are python-socketio's asyncio client: its sync client runs each incoming message's handler on a
thread of its own, so the order its handlers see is the threads' and not the wire's.
"""
import asyncio
import threading

import socketio

from conftest import ROOT
from gateway_support import TIMEOUT, Client, serve, write_gateway

SUBSCRIBERS = 8
RECEIVED_EACH = 300


async def subscribe(url):
    """Connects over polling (then the upgrade) and joins the room; the numbers of the broadcasts received until
    there are RECEIVED_EACH and the transport is WebSocket, and the transport."""
    numbers = []
    enough = asyncio.Event()
    client = socketio.AsyncClient(reconnection=False)

    def fan(payload):
        numbers.append(payload["t"])
        if len(numbers) >= RECEIVED_EACH and client.transport() == "websocket":
            enough.set()

    client.on("fan", fan, namespace="/bench")
    await client.connect(url, namespaces=["/bench"], transports=["polling", "websocket"], wait_timeout=TIMEOUT)
    try:
        assert await client.call("join", {"room": "fan"}, namespace="/bench", timeout=TIMEOUT) == {"joined": "fan"}
        await asyncio.wait_for(enough.wait(), timeout=60)
        return list(numbers), client.transport()
    finally:
        await client.disconnect()


def test_broadcasts_stay_in_order_across_the_upgrade(start_server, tmp_path):
    # The publisher publishes as fast as it is answered: far past a person's event rate.
    server = serve(start_server, tmp_path, ROOT / "bench" / "handlers", "--max-events-per-second", "0")
    publisher = Client(server, ["/bench"])
    stop = threading.Event()
    published = []

    def publish():
        for number in range(1, 200_001):
            if stop.is_set():
                return
            assert publisher.call("publish", {"room": "fan", "t": number}, namespace="/bench") == {"published": True}
            published.append(number)

    thread = threading.Thread(target=publish, daemon=True)
    thread.start()
    try:
        for _ in range(SUBSCRIBERS):
            numbers, transport = asyncio.run(subscribe(server.url))
            assert transport == "websocket"
            first = numbers[0]
            assert numbers == list(range(first, first + len(numbers))), numbers
    finally:
        stop.set()
        thread.join(timeout=30)
        publisher.close()
    assert not thread.is_alive() and published, "the publisher stopped on its own"


SEQUENCE = 3000
SEQUENCE_CLIENTS = 6

IN_ORDER = """
local last = SOCKET.data.last or 0
if BODY.n ~= last + 1 then SOCKET.data.outOfOrder = (SOCKET.data.outOfOrder or 0) + 1 end
SOCKET.data.last = BODY.n
SOCKET.data.count = (SOCKET.data.count or 0) + 1
"""


async def send_sequence(url):
    """Connects over polling and sends 1..SEQUENCE at once, upgrading meanwhile; what the handler saw, and the
    transport at the end."""
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(url, namespaces=["/seq"], transports=["polling", "websocket"], wait_timeout=TIMEOUT)
    try:
        for number in range(1, SEQUENCE + 1):
            await client.emit("n", {"n": number}, namespace="/seq")
        # The marker goes down the same path, after every number: the handler has seen them all when it answers.
        seen = await client.call("seen", namespace="/seq", timeout=TIMEOUT)
        return seen, client.transport()
    finally:
        await client.disconnect()


def test_a_clients_events_stay_in_order_across_the_upgrade(start_server, tmp_path):
    handlers = tmp_path / "handlers"
    write_gateway(handlers, "seq", "/seq", {
        "n": IN_ORDER,
        "seen": ("return SOCKET.data", {"ack": "result"}),
    })
    server = serve(start_server, tmp_path, handlers, "--max-events-per-second", "0",
                   "--max-pending-per-socket", SEQUENCE + 10, "--queue-size", 100_000)
    for _ in range(SEQUENCE_CLIENTS):
        seen, transport = asyncio.run(send_sequence(server.url))
        assert transport == "websocket"
        assert seen == {"last": SEQUENCE, "count": SEQUENCE}, seen
