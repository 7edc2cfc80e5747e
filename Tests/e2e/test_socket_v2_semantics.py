"""socket.io server semantics a handler author expects from `SOCKET`: `volatile` emits (dropped, not queued, when
the client cannot take them now) and `disconnect(true)` closing the whole connection, not only the namespace."""
import json

import requests
import websocket

from conftest import wait_until
from gateway_support import Client, admin, serve, write_gateway

POLL = "/socket.io/?EIO=4&transport=polling"


def server_with(start_server, tmp_path):
    handlers = tmp_path / "handlers"
    write_gateway(handlers, "app", "/app", {
        "joinR": ("SOCKET.join('r') return true", {"ack": "result"}),
        "fire": ("SOCKET.volatile.emitToRoom('r', 'v', 1) SOCKET.emitToRoom('r', 'marker', 2) return true",
                 {"ack": "result"}),
        "echoVolatile": ("SOCKET.volatile.reply('v', BODY) return true", {"ack": "result"}),
        "close": ("SOCKET.disconnect(true) return true", {"ack": "result"}),
        "leave": ("SOCKET.disconnect() return true", {"ack": "result"}),
    })
    write_gateway(handlers, "other", "/other", {"ping": ("return 'pong'", {"ack": "result"})})
    write_gateway(handlers, "slow", "/slow", {"n": ("return BODY", {"ack": "result"})},
                  connection="for i = 1, 3e6 do end SOCKET.reply('hello', 'first')")
    # Admits once the test has written the gate row: the client's packets pile up meanwhile, with no clock involved.
    write_gateway(handlers, "gated", "/gated", {"n": ("return BODY", {"ack": "result"})},
                  connection="while not DB.gate.findOne{filter = {id = HANDSHAKE.query.gate}} do end")
    return serve(start_server, tmp_path, handlers)


class RawPolling:
    """An Engine.IO v4 polling session driven by hand, so that no GET is waiting unless the test sends one."""

    def __init__(self, server):
        self.base = server.url + POLL
        self.sid = json.loads(self.get(first=True)[1:])["sid"]

    def get(self, first=False):
        url = self.base if first else f"{self.base}&sid={self.sid}"
        response = requests.get(url, timeout=10)
        assert response.status_code == 200, response.text
        return response.text

    def post(self, *packets):
        response = requests.post(f"{self.base}&sid={self.sid}", data="\x1e".join(packets), timeout=10)
        assert response.status_code == 200, response.text


def polled_until(raw, count):
    """Polls until `count` packets arrived (bounded), splitting payloads."""
    packets = []
    for _ in range(count):
        packets += raw.get().split("\x1e")
        if len(packets) >= count:
            break
    return packets


def test_events_sent_with_their_connect_wait_for_it_in_order(start_server, tmp_path):
    """A CONNECT and events in one payload: the events wait for the connection handler and run in order."""
    server = server_with(start_server, tmp_path)
    raw = RawPolling(server)
    raw.post("40/slow,", *[f'42/slow,{i}["n",{i}]' for i in range(1, 6)])
    packets = polled_until(raw, 7)
    assert packets[0].startswith("40/slow,{")
    assert packets[1:] == ['42/slow,["hello","first"]'] + [f"43/slow,{i}[{i}]" for i in range(1, 6)]


def gated_websocket(server, gate, packets):
    """A raw Engine.IO v4 WebSocket that joins /gated (held by its connection handler) and sends `packets` at once."""
    ws = websocket.create_connection(
        server.url.replace("http", "ws") + f"/socket.io/?EIO=4&transport=websocket&gate={gate}", timeout=10)
    assert ws.recv().startswith("0{")
    ws.send("40/gated,")
    for packet in packets:
        ws.send(packet)
    return ws


def test_packets_held_back_while_joining_are_bounded(start_server, tmp_path):
    server = server_with(start_server, tmp_path)
    # Within the bounds (this one, and the 100 runs a socket may have pending): every event is answered, in order,
    # once the connection handler admits.
    within = gated_websocket(server, "g1", [f'42/gated,{i}["n",{i}]' for i in range(90)])
    admin(server, "POST", "/admin/collections/gate/items", {"id": "g1"})
    frames = [within.recv() for _ in range(91)]
    assert frames[0].startswith("40/gated,{") and frames[1:] == [f"43/gated,{i}[{i}]" for i in range(90)]
    within.close()
    # Past it (1,000 held packets), the client is a flood: the connection is closed, not buffered without end.
    flood = gated_websocket(server, "g2", [f'42/gated,["n",{i}]' for i in range(1_200)])
    try:
        while True:
            opcode, data = flood.recv_data(control_frame=True)
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                break
            assert not data.startswith(b"40/gated"), "a flooding client was admitted"
    except websocket.WebSocketConnectionClosedException:
        pass
    admin(server, "POST", "/admin/collections/gate/items", {"id": "g2"})  # lets the connection handler end


def test_volatile_emits_skip_a_client_that_cannot_take_them_now(start_server, tmp_path):
    server = server_with(start_server, tmp_path)
    raw = RawPolling(server)
    raw.post("40/app,")
    assert raw.get().startswith("40/app,")
    raw.post('42/app,1["joinR"]')
    assert raw.get() == "43/app,1[true]"
    # No GET is waiting now: the volatile emit is dropped, the ordinary one after it is kept for the next poll.
    sender = Client(server, ["/app"])
    try:
        assert sender.call("fire", namespace="/app") is True
        assert raw.get() == '42/app,["marker",2]'
        # A WebSocket client that can take it gets a volatile reply.
        assert sender.call("echoVolatile", {"x": 1}, namespace="/app") is True
        assert sender.got("v", namespace="/app")[0] == ({"x": 1},)
    finally:
        sender.close()


def test_disconnect_true_closes_the_whole_connection(start_server, tmp_path):
    server = server_with(start_server, tmp_path)
    leaving = Client(server, ["/app", "/other"])
    closing = Client(server, ["/app", "/other"])
    try:
        assert leaving.call("leave", namespace="/app") is True
        assert wait_until(lambda: leaving.disconnects.named("/app"))
        assert leaving.call("ping", namespace="/other") == "pong"  # only the namespace was left
        assert closing.call("close", namespace="/app") is True
        assert wait_until(lambda: closing.disconnects.named("/app") and closing.disconnects.named("/other"))
        assert wait_until(lambda: not closing.sio.connected)
    finally:
        leaving.close()
        closing.close()
