"""Broadcasts keep their order across a client's upgrade from long-polling to WebSocket.

A session that upgrades to a WebSocket accepted on another event loop is then delivered on that loop, straight to
the WebSocket, while what was queued on the session's own loop before is still on its way: nothing may overtake it.
A publisher broadcasts a numbered sequence to a room without pause while clients that start on long-polling (the
official clients' default) join it and upgrade; each must receive consecutive numbers from its first one on.

The subscribers are python-socketio's asyncio client: its sync client runs each incoming message's handler on a
thread of its own, so the order its handlers see is the threads' and not the wire's.
"""
import asyncio
import threading

import socketio

from conftest import ROOT
from gateway_support import TIMEOUT, Client, serve

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
