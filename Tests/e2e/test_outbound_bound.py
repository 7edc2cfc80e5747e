"""Backpressure: a client that stops reading while a room broadcast floods it is disconnected (`transport error`) once
more than `--max-outbound-buffer` bytes of frames wait for it, instead of the daemon buffering without bound; a client
that reads keeps up and stays."""
import json
import socket

import websocket

from conftest import wait_until
from gateway_support import Client, admin, serve, write_gateway

LIMIT = 256 * 1024
BLOB_BYTES, BLOBS_PER_FLOOD = 16 * 1024, 8  # 128 KiB a flood: half the limit, so a reading client never nears it

BLOB_HANDLER = f"""
local blob = string.rep('x', {BLOB_BYTES})
for i = 1, {BLOBS_PER_FLOOD} do SOCKET.emitToRoom('flood', 'blob', blob) end
return SOCKET.roomSize('flood')
"""


def disconnects(server):
    """What the disconnect handler recorded: socket id → reason."""
    response = admin(server, "GET", "/admin/collections/gone/items")
    return {item["sid"]: item["reason"] for item in response.json()["data"]} if response.status_code == 200 else {}


def test_a_client_that_stops_reading_is_cut_off(start_server, tmp_path):
    handlers = tmp_path / "handlers"
    write_gateway(handlers, "app", "/app", {
        "join": ("SOCKET.join('flood') return true", {"ack": "result"}),
        "flood": (BLOB_HANDLER, {"ack": "result", "timeoutMs": 30000}),
    }, disconnect="DB.gone.create{data = {sid = SOCKET.id, reason = BODY}}")
    server = serve(start_server, tmp_path, handlers, "--max-outbound-buffer", LIMIT)
    stalled = reader = None
    try:
        # A raw Engine.IO v4 WebSocket with a tiny receive buffer that joins the room, then never reads again.
        stalled = websocket.create_connection(
            server.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket",
            sockopt=[(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)], timeout=10)
        assert stalled.recv().startswith("0{")
        stalled.send("40/app,")
        connected = stalled.recv()
        assert connected.startswith("40/app,{")
        stalled_sid = json.loads(connected[len("40/app,"):])["sid"]
        stalled.send('42/app,1["join"]')
        assert stalled.recv() == "43/app,1[true]"
        reader = Client(server, ["/app"])
        reader.call("join", namespace="/app")
        sizes = []
        # The kernel takes a few MiB for the stalled client first (its send buffer grows up to tcp_wmem), then the
        # daemon holds at most LIMIT bytes more. Bounded: at most 12.5 MiB.
        for _ in range(100):
            sizes.append(reader.call("flood", namespace="/app"))
            if sizes[-1] == 1:
                break
        assert sizes[-1] == 1, sizes  # only the reader is left in the room
        # The stalled client was disconnected for not reading: the session closed with `transport error`.
        assert wait_until(lambda: stalled_sid in disconnects(server), timeout=10), disconnects(server)
        assert disconnects(server)[stalled_sid] == "transport error"
        assert wait_until(lambda: "closing a session whose client does not take what it is sent" in "".join(server.errors))
        # The reader took everything it was sent, and is still connected.
        assert reader.got("blob", namespace="/app", count=BLOBS_PER_FLOOD * len(sizes), timeout=30)
        assert reader.call("join", namespace="/app") is True  # answered after every blob sent before it
        assert len(reader.events.named(("/app", "blob"))) == BLOBS_PER_FLOOD * len(sizes)
        assert reader.sio.get_sid("/app") not in disconnects(server)
    finally:
        if reader:
            reader.close()
        if stalled:
            stalled.close()
