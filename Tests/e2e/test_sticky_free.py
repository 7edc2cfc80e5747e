"""Two `sio-testapp` nodes that know each other, behind no sticky load balancer (issue 22): session ids name their
node, and a node forwards a polling request or a WebSocket upgrade for the other node's session to it.

Raw Engine.IO with every request after the handshake alternating between the nodes, the upgrade's WebSocket on the node
that does not own the session, python-socketio through nginx round-robin, and what a node answers for a session it
cannot forward."""
import json
import re

import pytest
import requests
import socketio
import websocket

from cluster_support import free_ports, round_robin  # noqa: F401 - round_robin is a fixture
from conftest import BIN_DIR, wait_until
from live_support import logged
from test_socketio_negative import disconnect_reasons

EIO4 = "/socket.io/?EIO=4&transport="
AUTH = {"token": "letmein"}
TIMEOUT = 10
# Pings often enough that a heartbeat crosses the nodes within a few polls; a pong has all the time it needs.
FAST_PINGS = ("--ping-interval", "300", "--ping-timeout", "20000")


@pytest.fixture
def two_nodes(start_server):
    """`start(*options)`: nodes `node-a` and `node-b`, each with the other as its peer."""

    def start(*options):
        port_a, port_b = free_ports(2)
        common = [BIN_DIR / "sio-testapp", "--mode", "chat", *options]
        a = start_server([*common, "--port", port_a, "--node-id", "node-a", "--peer", f"node-b=127.0.0.1:{port_b}"])
        b = start_server([*common, "--port", port_b, "--node-id", "node-b", "--peer", f"node-a=127.0.0.1:{port_a}"])
        return a, b

    return start


class AlternatingPolling:
    """A raw Engine.IO v4 long-polling session opened on the first node, each later request sent to the next node in
    turn: as a round-robin balancer with no stickiness spreads them."""

    def __init__(self, nodes):
        self.nodes = nodes
        response = requests.get(nodes[0].url + EIO4 + "polling", timeout=TIMEOUT)
        assert response.status_code == 200 and response.text.startswith("0{"), response.text
        self.handshake = json.loads(response.text[1:])
        self.sid = self.handshake["sid"]
        self.turn = 1
        self.unread = []  # packets a poll brought after the one `until` was waiting for

    def next_url(self):
        node = self.nodes[self.turn % len(self.nodes)]
        self.turn += 1
        return f"{node.url}{EIO4}polling&sid={self.sid}"

    def post(self, *packets):
        response = requests.post(self.next_url(), data="\x1e".join(packets).encode(), timeout=TIMEOUT)
        assert (response.status_code, response.text) == (200, "ok")

    def get(self):
        response = requests.get(self.next_url(), timeout=TIMEOUT)
        assert response.status_code == 200, response.text
        return response.text.split("\x1e")

    def until(self, wanted, polls=30):
        """The first packet `wanted` accepts, from what earlier polls brought or from new polls (a bounded number)."""
        seen = []
        for _ in range(polls + 1):
            while self.unread:
                packet = self.unread.pop(0)
                if wanted(packet):
                    return packet
                seen.append(packet)
            self.unread = self.get()
        raise AssertionError(f"not among {len(seen)} packets in {polls} polls: {seen}")


def connect_chat(session):
    session.post('40/chat,{"token":"letmein"}')
    connected = session.until(lambda packet: packet.startswith("40/chat,"))
    assert json.loads(connected[len("40/chat,"):])["sid"]
    session.until(lambda packet: packet.startswith('42/chat,["welcome"'))


def test_session_ids_name_their_node_and_a_single_node_names_none(two_nodes, chat_app):
    a, _ = two_nodes()
    assert re.fullmatch(r"node-a~[A-Za-z0-9_-]{22}", AlternatingPolling([a]).sid)
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", AlternatingPolling([chat_app()]).sid)


def test_polling_alternating_between_the_nodes(two_nodes):
    a, b = two_nodes(*FAST_PINGS)
    session = AlternatingPolling([a, b])
    assert session.sid.startswith("node-a~")
    connect_chat(session)

    # A message and its ack, each way through whichever node the request reached.
    session.post('42/chat,1["echo","across nodes"]')
    session.until(lambda packet: packet == '43/chat,1["across nodes"]')
    session.post('42/chat,2["echo","é😀"]', '42/chat,3["echo",{"n":1}]')
    session.until(lambda packet: packet == '43/chat,3[{"n":1}]')

    # The heartbeat: the owner pings through a poll, the pong comes back through the other node, and the owner, which
    # pings again only once it has heard the pong, pings again.
    session.until(lambda packet: packet == "2")
    session.post("3")
    session.until(lambda packet: packet == "2")
    session.post("3")
    session.post('42/chat,4["echo","still here"]')
    session.until(lambda packet: packet == '43/chat,4["still here"]')


def test_upgrade_on_the_node_that_does_not_own_the_session(two_nodes):
    a, b = two_nodes(*FAST_PINGS)
    session = AlternatingPolling([a, b])
    connect_chat(session)

    # A's session, upgraded through B.
    ws = websocket.create_connection(f"ws://127.0.0.1:{b.port}{EIO4}websocket&sid={session.sid}", timeout=TIMEOUT)
    try:
        ws.send("2probe")
        assert ws.recv() == "3probe"
        # The poll in flight is let go with a noop so the client can pause polling, then the upgrade completes.
        assert session.get() == ["6"]
        ws.send("5")
        ws.send('42/chat,1["echo","over the relay"]')
        pings = 0
        while True:  # bounded by the socket timeout
            frame = ws.recv()
            if frame == "2":
                pings += 1
                ws.send("3")
            elif frame == '43/chat,1["over the relay"]':
                break
        # The heartbeat goes on over the relay: each pong answered lets the owner ping again.
        while pings < 2:
            frame = ws.recv()
            if frame == "2":
                pings += 1
                ws.send("3")
        # The session has moved to the WebSocket: polling it now is a bad request.
        response = requests.get(session.next_url(), timeout=TIMEOUT)
        assert response.status_code == 400
    finally:
        ws.close()

    # The close went through the relay: the owner saw its transport close.
    assert wait_until(lambda: "transport close" in disconnect_reasons(a), timeout=10)


def test_an_oversized_post_through_the_other_node_closes_the_session_as_on_its_owner(two_nodes):
    a, b = two_nodes("--max-payload", "1000")
    session = AlternatingPolling([a, b])
    connect_chat(session)
    response = requests.post(session.next_url(), data=b'42/chat,["echo","' + b"x" * 5000 + b'"]', timeout=TIMEOUT)
    assert response.status_code == 413
    assert wait_until(lambda: "transport error" in disconnect_reasons(a), timeout=10)
    response = requests.get(session.next_url(), timeout=TIMEOUT)
    assert (response.status_code, response.json()) == (400, {"code": 1, "message": "Session ID unknown"})


@pytest.mark.parametrize("transports", [["polling"], ["polling", "websocket"]], ids=["polling", "upgrade"])
def test_python_socketio_through_round_robin_nginx(two_nodes, round_robin, transports):
    # Fast pings cross the nodes too, and bound `disconnect()`: python-engineio drops its close packet when a POST is in
    # flight as it disconnects, and its last poll then ends at the next ping.
    a, b = two_nodes(*FAST_PINGS)
    balancer = round_robin([a, b])
    welcomes = []
    client = socketio.Client(reconnection=False)
    client.on("welcome", lambda data: welcomes.append(data), namespace="/chat")
    try:
        client.connect(balancer.url, namespaces=["/chat"], auth=AUTH, transports=transports, wait_timeout=10)
        sid = client.eio.sid
        assert re.match(r"node-[ab]~", sid)
        assert wait_until(lambda: welcomes)
        assert welcomes[0]["id"] == client.get_sid("/chat")
        if transports == ["polling", "websocket"]:
            assert wait_until(lambda: client.transport() == "websocket")
        for index in range(6):
            assert client.call("echo", {"n": index}, namespace="/chat", timeout=5) == {"n": index}
        assert client.call("join", "lobby", namespace="/chat", timeout=5) == 1
        assert client.transport() == transports[-1]
    finally:
        client.disconnect()
    # The node that does not own the session served some of its requests (forwarding them): nginx logs a request once it
    # is over, the upgrade's too now that the client has gone. (python-socketio upgrades right after the handshake, so
    # with a WebSocket that is the request after the handshake, on the other node.)
    other = b if sid.startswith("node-a~") else a
    assert wait_until(lambda: str(other.port) in balancer.upstreams_serving(sid)), balancer.access_log.read_text()


def test_a_session_of_a_node_that_cannot_be_reached_is_unknown(start_server):
    port, unused = free_ports(2)  # nothing listens on `unused`
    node = start_server([BIN_DIR / "sio-testapp", "--mode", "chat", "--port", port, "--node-id", "node-a",
                         "--peer", f"node-b=127.0.0.1:{unused}"])
    unknown_session = {"code": 1, "message": "Session ID unknown"}

    for sid, log in [("node-b~abc", "could not reach the node that owns a session"),
                     ("node-z~abc", "peer directory does not know")]:
        response = requests.get(f"{node.url}{EIO4}polling&sid={sid}", timeout=TIMEOUT)
        assert (response.status_code, response.json()) == (400, unknown_session)
        response = requests.post(f"{node.url}{EIO4}polling&sid={sid}", data=b"40", timeout=TIMEOUT)
        assert (response.status_code, response.json()) == (400, unknown_session)
        owner = "node=" + sid.split("~")[0]
        assert wait_until(lambda: [line for line in logged(node, log) if owner in line])
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            websocket.create_connection(f"ws://127.0.0.1:{port}{EIO4}websocket&sid={sid}", timeout=TIMEOUT)
        assert refused.value.status_code == 400
    assert wait_until(lambda: [line for line in logged(node, "could not reach") if "transport=websocket" in line])


def test_a_forwarded_request_is_never_forwarded_again(two_nodes):
    a, b = two_nodes()
    session = AlternatingPolling([b, a])  # B's session, its later requests starting on A
    # A request that says a node already forwarded it is answered where it lands, even for another node's session.
    response = requests.get(f"{a.url}{EIO4}polling&sid={session.sid}", headers={"X-Gatewayd-Forwarded-By": "node-c"},
                            timeout=TIMEOUT)
    assert (response.status_code, response.json()) == (400, {"code": 1, "message": "Session ID unknown"})
    assert wait_until(lambda: logged(a, "not forwarded again"))
    # Without the header, A forwards, and the session works.
    connect_chat(session)
