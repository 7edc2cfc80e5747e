"""Backpressure: a client that stops reading while a room broadcast floods it is disconnected (`transport error`) once
`maxOutboundBufferBytes` (1 MiB) of frames wait for it, instead of the daemon buffering without bound; a client
that reads keeps up and stays."""
import socket

import websocket

from conftest import wait_until
from gateway_support import Client, serve, write_gateway

BLOB_HANDLER = """
local blob = string.rep('x', 65536)
for i = 1, 40 do SOCKET.emitToRoom('flood', 'blob', blob) end
return SOCKET.roomSize('flood')
"""


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def test_a_client_that_stops_reading_is_cut_off(start_server, tmp_path):
    handlers = tmp_path / "handlers"
    write_gateway(handlers, "app", "/app", {
        "join": ("SOCKET.join('flood') return true", {"ack": "result"}),
        "flood": (BLOB_HANDLER, {"ack": "result", "timeoutMs": 30000}),
        "size": ("return SOCKET.roomSize('flood')", {"ack": "result"}),
    })
    server = serve(start_server, tmp_path, handlers)
    # A raw Engine.IO v4 WebSocket with a tiny receive buffer that joins the room, then never reads again.
    stalled = websocket.create_connection(
        server.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket",
        sockopt=[(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)], timeout=10)
    assert stalled.recv().startswith("0{")
    stalled.send("40/app,")
    assert stalled.recv().startswith("40/app,")
    stalled.send('42/app,1["join"]')
    assert stalled.recv() == "43/app,1[true]"
    reader = Client(server, ["/app"])
    try:
        reader.call("join", namespace="/app")
        before = rss_kb(server.proc.pid)
        sizes = []
        for _ in range(40):  # at most 40 × 2.5 MiB; the stalled client must be gone well before
            sizes.append(reader.call("flood", namespace="/app"))
            if sizes[-1] == 1:
                break
        assert sizes[-1] == 1, sizes  # only the reader is left in the room
        assert "closing a session whose client does not take what it is sent" in "".join(server.output)
        # The reader took everything it was sent.
        assert wait_until(lambda: len(reader.events.named(("/app", "blob"))) == 40 * len(sizes), timeout=30)
        assert rss_kb(server.proc.pid) - before < 64 * 1024, "the daemon buffered for the stalled client"
    finally:
        reader.close()
        stalled.close()
