"""Backpressure: a client that stops reading while a room broadcast floods it is disconnected (`transport error`) once
more than `--max-outbound-buffer` bytes of frames wait for it, instead of the daemon buffering without bound; a client
that reads keeps up and stays. Many such clients together are bounded by `--max-outbound-total`: past it, each whose
output still grows is disconnected well before its own limit, and the total waiting (`gatewayd_outbound_waiting_bytes`)
is back to nothing once they are gone."""
import json
import socket

import requests
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


def flood_server(start_server, tmp_path, *options):
    handlers = tmp_path / "handlers"
    write_gateway(handlers, "app", "/app", {
        "join": ("SOCKET.join('flood') return true", {"ack": "result"}),
        "flood": (BLOB_HANDLER, {"ack": "result", "timeoutMs": 30000}),
    }, disconnect="DB.gone.create{data = {sid = SOCKET.id, reason = BODY}}")
    return serve(start_server, tmp_path, handlers, *options)


def stalled_client(server):
    """A raw Engine.IO v4 WebSocket with a tiny receive buffer that joins the room, then never reads again; and its
    socket id."""
    stalled = websocket.create_connection(
        server.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket",
        sockopt=[(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)], timeout=10)
    assert stalled.recv().startswith("0{")
    stalled.send("40/app,")
    connected = stalled.recv()
    assert connected.startswith("40/app,{")
    stalled.send('42/app,1["join"]')
    assert stalled.recv() == "43/app,1[true]"
    return stalled, json.loads(connected[len("40/app,"):])["sid"]


def flood_until_alone(reader, floods):
    """The reader joins the room and floods it until it is the only one left in it (at most `floods` times); the room's
    size after each flood."""
    reader.call("join", namespace="/app")
    sizes = []
    for _ in range(floods):
        sizes.append(reader.call("flood", namespace="/app"))
        if sizes[-1] == 1:
            break
    assert sizes[-1] == 1, sizes  # only the reader is left in the room
    return sizes


def test_a_client_that_stops_reading_is_cut_off(start_server, tmp_path):
    server = flood_server(start_server, tmp_path, "--max-outbound-buffer", LIMIT)
    stalled = reader = None
    try:
        stalled, stalled_sid = stalled_client(server)
        reader = Client(server, ["/app"])
        # The kernel takes a few MiB for the stalled client first (its send buffer grows up to tcp_wmem), then the
        # daemon holds at most LIMIT bytes more. Bounded: at most 12.5 MiB.
        sizes = flood_until_alone(reader, floods=100)
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


def waiting_bytes(server):
    response = requests.get(server.url + "/metrics", headers=server.admin_headers, timeout=10)
    assert response.status_code == 200, response.text
    lines = [line for line in response.text.splitlines() if line.startswith("gatewayd_outbound_waiting_bytes ")]
    return float(lines[0].split()[1]) if lines else None


def test_clients_that_stop_reading_together_are_bounded_by_the_total(start_server, tmp_path):
    # Each may keep 4 MiB, all together 256 KiB: the total trips long before either's own limit.
    server = flood_server(start_server, tmp_path, "--max-outbound-buffer", 4 * 1024 * 1024,
                          "--max-outbound-total", 256 * 1024)
    stalled = []
    reader = None
    try:
        stalled = [stalled_client(server) for _ in range(3)]
        reader = Client(server, ["/app"])
        # Bounded: the kernel takes a few MiB for each stalled client first, then the daemon at most the total.
        sizes = flood_until_alone(reader, floods=150)
        gone = {sid for _, sid in stalled}
        assert wait_until(lambda: gone <= set(disconnects(server)), timeout=10), disconnects(server)
        assert all(disconnects(server)[sid] == "transport error" for sid in gone)
        logs = "".join(server.errors)
        assert logs.count("the output waiting for all clients passed the total") == 3, server.errors[-10:]
        assert logs.count("closing a session whose client does not take what it is sent") == 3, "none for its own limit"
        # The reader took everything and stays; nothing waits any more.
        assert reader.got("blob", namespace="/app", count=BLOBS_PER_FLOOD * len(sizes), timeout=30)
        assert reader.call("join", namespace="/app") is True
        assert reader.sio.get_sid("/app") not in disconnects(server)
        assert wait_until(lambda: waiting_bytes(server) == 0, timeout=10), waiting_bytes(server)
    finally:
        if reader:
            reader.close()
        for connection, _ in stalled:
            connection.close()
