"""Broadcasts keep their order across a client's upgrade from long-polling to WebSocket.

A session that upgrades to a WebSocket accepted on another event loop is then delivered on that loop, straight to
the WebSocket, while what was queued on the session's own loop before is still on its way: nothing may overtake it.
A publisher broadcasts a numbered sequence to a room without pause while clients that start on long-polling (the
official clients' default) join it and upgrade; each must receive consecutive numbers from its first one on.
"""
import threading

from conftest import ROOT, wait_until
from gateway_support import Client, serve

SUBSCRIBERS = 8
RECEIVED_EACH = 300


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
            subscriber = Client(server, ["/bench"], transports=("polling", "websocket"))
            try:
                assert subscriber.call("join", {"room": "fan"}, namespace="/bench") == {"joined": "fan"}
                assert wait_until(lambda: len(subscriber.events.named(("/bench", "fan"))) >= RECEIVED_EACH
                                  and subscriber.sio.transport() == "websocket", timeout=60), \
                    (len(subscriber.events.named(("/bench", "fan"))), subscriber.sio.transport())
                numbers = [args[0]["t"] for args in subscriber.events.named(("/bench", "fan"))]
                first = numbers[0]
                assert numbers == list(range(first, first + len(numbers))), numbers
            finally:
                subscriber.close()
    finally:
        stop.set()
        thread.join(timeout=30)
        publisher.close()
    assert not thread.is_alive() and published, "the publisher stopped on its own"
