"""Three gatewayd nodes on one throw-away PostgreSQL, behind nginx round-robin with no stickiness (issue 22): clients
spread over every node and transport, every emit target and `/admin/emit` reach the right sockets wherever they are
and no others, `roomSize` counts every node, config changes and hooks cross nodes, large and binary payloads too, and a
node killed with SIGKILL is dropped while the others keep serving.

One cluster serves the whole module (starting PostgreSQL and three nodes takes seconds); each test uses rooms and users
of its own. "Nobody else got it" is checked marker-first: the sender broadcasts a marker after the message, through the
same node and bus, and once every client has the marker, whatever the message reached has arrived."""
import itertools
import signal
import uuid

import pytest
import requests
import socketio

from cluster_support import GatewaydCluster
from conftest import Recorder, wait_until

NAMESPACE = "/cluster"
TIMEOUT = 10
# The cluster's own bounds: heartbeats every 5 s, a node silent for 10 s expires, a request waits at most 5 s.
EXPIRY_BOUND = 40

HANDLERS = {
    "gateway.json": '{"path": "/cluster", "defaultAck": "result"}',
    "events/join.lua": "SOCKET.join(BODY) return true",
    "events/toRoom.lua": 'SOCKET.emitToRoom(BODY.room, "room", BODY.payload) return true',
    "events/toUser.lua": 'SOCKET.emitToUser(BODY.user, "user", BODY.payload) return true',
    "events/everyone.lua": 'SOCKET.broadcast("everyone", BODY) return true',
    "events/roomSize.lua": "return SOCKET.roomSize(BODY)",
    "events/signIn.lua": "SOCKET.signIn({id = BODY}) return true",
    "events/write.lua": "return DB.items.create{data = BODY}",
    "hooks/items.lua": 'SOCKET.emitToRoom("watchers", "item", BODY.item)',
}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    directory = tmp_path_factory.mktemp("cluster")
    handlers = directory / "handlers" / "cluster"
    for name, text in HANDLERS.items():
        (handlers / name).parent.mkdir(parents=True, exist_ok=True)
        (handlers / name).write_text(text)
    # Pings often enough that a client's disconnect through the balancer does not wait long for its last poll.
    started = GatewaydCluster(directory, handlers.parent, options=("--ping-interval", "2000", "--ping-timeout", "20000"))
    yield started
    started.stop()


class Member:
    """A python-socketio client of `/cluster` through the balancer: the node its session lives on (its session id names
    it) and what it received."""

    def __init__(self, url, transports):
        self.transports = transports
        self.received = Recorder()
        self.client = socketio.Client(reconnection=False)
        self.client.on("*", self.received.add, namespace=NAMESPACE)
        self.client.connect(url, namespaces=[NAMESPACE], transports=transports, wait_timeout=TIMEOUT)
        self.node = self.client.eio.sid.split("~", 1)[0]

    def call(self, event, data=None):
        return self.client.call(event, data, namespace=NAMESPACE, timeout=TIMEOUT)

    def __repr__(self):
        return f"Member({self.node}, {'+'.join(self.transports)})"


TRANSPORTS = [["polling"], ["websocket"], ["polling", "websocket"]]


@pytest.fixture(scope="module")
def members(cluster):
    """Clients through nginx, each transport in turn, until every node holds at least three (a bounded number)."""
    connected = []
    try:
        for transports in itertools.islice(itertools.cycle(TRANSPORTS), 60):
            connected.append(Member(cluster.balancer.url, transports))
            if all(len(on_node(connected, node)) >= 3 for node in ("n1", "n2", "n3")):
                break
        yield connected
    finally:
        for member in connected:
            member.client.disconnect()


def on_node(members, node):
    return [member for member in members if member.node == node]


def marker_everywhere(sender, members):
    """Broadcasts a fresh marker from `sender` and waits until every member has it: what was sent before it has
    arrived wherever it was going."""
    marker = f"marker-{uuid.uuid4().hex}"
    assert sender.call("everyone", marker) is True
    missing = lambda: [m for m in members if marker not in [args[0] for args in m.received.named("everyone")]]  # noqa: E731
    assert wait_until(lambda: not missing(), timeout=TIMEOUT), missing()


def receivers(members, event, payload):
    return {member for member in members if (payload,) in member.received.named(event)}


def test_clients_spread_over_every_node_and_transport(cluster, members):
    for node in ("n1", "n2", "n3"):
        assert len(on_node(members, node)) >= 3
    for member in members:
        wanted = member.transports[-1]
        assert wait_until(lambda: member.client.transport() == wanted, timeout=TIMEOUT), (member, member.client.transport())
        assert member.call("roomSize", "nobody-here") == 0
    # A polling client's requests went to every node in turn, the owner's peers forwarding them.
    polling = next(member for member in members if member.transports == ["polling"])
    assert wait_until(lambda: len(cluster.balancer.upstreams_serving(polling.client.eio.sid)) == 3, timeout=TIMEOUT)


def test_emit_to_room_reaches_its_members_on_every_node_and_nobody_else(members):
    room = f"room-{uuid.uuid4().hex}"
    inside = {on_node(members, node)[0] for node in ("n1", "n2", "n3")}
    for member in inside:
        assert member.call("join", room) is True
    sender = on_node(members, "n2")[1]  # not in the room
    payload = {"room": room, "n": 1}
    assert sender.call("toRoom", {"room": room, "payload": payload}) is True
    marker_everywhere(sender, members)
    assert receivers(members, "room", payload) == inside


def test_emit_to_user_reaches_the_users_sockets_on_every_node(members):
    user = f"user-{uuid.uuid4().hex}"
    signed_in = {on_node(members, "n1")[1], on_node(members, "n3")[1]}
    for member in signed_in:
        assert member.call("signIn", user) is True
    sender = on_node(members, "n2")[0]
    payload = {"to": user}
    assert sender.call("toUser", {"user": user, "payload": payload}) is True
    marker_everywhere(sender, members)
    assert receivers(members, "user", payload) == signed_in


def test_broadcast_reaches_every_socket_on_every_node(members):
    for node in ("n1", "n2", "n3"):
        marker_everywhere(on_node(members, node)[2], members)


def test_admin_emit_counts_and_reaches_the_cluster(cluster, members):
    room = f"pushed-{uuid.uuid4().hex}"
    inside = {on_node(members, node)[2] for node in ("n1", "n2", "n3")}
    for member in inside:
        assert member.call("join", room) is True
    emit = lambda target, event, args: requests.post(  # noqa: E731
        cluster.nodes[0].url + "/admin/emit", json={"target": target, "event": event, "args": args},
        headers=cluster.headers, timeout=TIMEOUT)
    response = emit({"room": room}, "room", [room])
    assert response.status_code == 200 and response.json() == {"delivered": len(inside)}, response.text
    marker = f"marker-{uuid.uuid4().hex}"
    response = emit({"all": True}, "everyone", [marker])
    assert response.json() == {"delivered": len(members)}, response.text
    assert wait_until(lambda: all((marker,) in m.received.named("everyone") for m in members), timeout=TIMEOUT)
    assert receivers(members, "room", room) == inside


def test_room_size_counts_every_node(members):
    room = f"sized-{uuid.uuid4().hex}"
    inside = [member for node in ("n1", "n2", "n3") for member in on_node(members, node)[:2]]
    for member in inside:
        assert member.call("join", room) is True
    for node in ("n1", "n2", "n3"):
        assert on_node(members, node)[2].call("roomSize", room) == len(inside)


def test_an_admin_change_on_node_1_is_served_by_nodes_2_and_3(cluster, members):
    first = cluster.nodes[0]
    gateways = requests.get(first.url + "/admin/gateways", headers=cluster.headers, timeout=TIMEOUT).json()["gateways"]
    gateway_id = next(gateway["id"] for gateway in gateways if gateway["path"] == NAMESPACE)
    event = f"late{uuid.uuid4().hex[:8]}"
    created = requests.post(f"{first.url}/admin/gateways/{gateway_id}/events",
                            json={"eventName": event, "script": "return 'v1'"}, headers=cluster.headers, timeout=TIMEOUT)
    assert created.status_code == 201, created.text
    for node in ("n2", "n3"):
        member = on_node(members, node)[0]
        assert wait_until(lambda: member.call(event) == "v1", timeout=5), member.call(event)
    changed = requests.patch(f"{first.url}/admin/gateways/{gateway_id}/events/{event}", json={"script": "return 'v2'"},
                             headers=cluster.headers, timeout=TIMEOUT)
    assert changed.status_code == 200, changed.text
    for node in ("n2", "n3"):
        member = on_node(members, node)[0]
        assert wait_until(lambda: member.call(event) == "v2", timeout=5), member.call(event)


def test_a_write_on_node_2_fires_a_hook_whose_emit_reaches_node_3(members):
    watchers = {on_node(members, "n3")[0], on_node(members, "n1")[0]}
    for member in watchers:
        assert member.call("join", "watchers") is True
    writer = on_node(members, "n2")[0]
    name = f"item-{uuid.uuid4().hex}"
    created = writer.call("write", {"name": name})
    assert created["name"] == name
    arrived = lambda member: [args for args in member.received.named("item") if args[0].get("name") == name]  # noqa: E731
    assert wait_until(lambda: all(arrived(member) for member in watchers), timeout=TIMEOUT)
    marker_everywhere(writer, members)
    # Once, from the writer's node: hooks run where the write was made.
    assert all(len(arrived(member)) == 1 for member in watchers)
    assert not any(arrived(member) for member in members if member not in watchers)


def test_large_and_binary_payloads_cross_nodes_intact(members):
    room = f"bulk-{uuid.uuid4().hex}"
    inside = {on_node(members, node)[1] for node in ("n2", "n3")}
    for member in inside:
        assert member.call("join", room) is True
    sender = on_node(members, "n1")[0]
    large = {"text": "é" * 5000 + "x" * 9000}
    binary = {"blob": bytes(range(256)) * 4, "name": "bytes"}
    for payload in (large, binary):
        assert sender.call("toRoom", {"room": room, "payload": payload}) is True
    marker_everywhere(sender, members)
    for member in inside:
        assert (large,) in member.received.named("room")
        assert (binary,) in member.received.named("room")


def test_disabling_a_gateway_on_node_1_disconnects_its_sockets_on_every_node(cluster):
    first = cluster.nodes[0]
    created = requests.post(first.url + "/admin/gateways", json={"path": "/doomed", "defaultAck": "result"},
                            headers=cluster.headers, timeout=TIMEOUT)
    assert created.status_code == 201, created.text
    clients = []
    try:
        for transports in TRANSPORTS * 10:
            client = socketio.Client(reconnection=False)
            clients.append(client)
            # A node that has not reloaded yet refuses the namespace: try again.
            try:
                client.connect(cluster.balancer.url, namespaces=["/doomed"], transports=transports, wait_timeout=TIMEOUT)
            except socketio.exceptions.ConnectionError:
                continue
            if {c.eio.sid.split("~", 1)[0] for c in clients if c.connected} == {"n1", "n2", "n3"}:
                break
        connected = [client for client in clients if client.connected]
        assert {client.eio.sid.split("~", 1)[0] for client in connected} == {"n1", "n2", "n3"}
        patched = requests.patch(f"{first.url}/admin/gateways/{created.json()['id']}", json={"enabled": False},
                                 headers=cluster.headers, timeout=TIMEOUT)
        assert patched.status_code == 200, patched.text
        assert wait_until(lambda: not any("/doomed" in client.namespaces for client in connected), timeout=TIMEOUT)
    finally:
        for client in clients:
            client.disconnect()


def test_a_killed_node_is_dropped_and_the_others_keep_serving(cluster, members):
    # Last in this module: the cluster has two nodes afterwards.
    # Clients of the nodes that live on, connected to them directly, with room messages and acks in flight across
    # the kill: none is lost.
    direct = [Member(cluster.node_named(node).url, ["websocket"]) for node in ("n1", "n2")]
    try:
        room = f"through-{uuid.uuid4().hex}"
        for member in direct:
            assert member.call("join", room) is True
        acks = Recorder()
        sent = 50

        def send(member, index):
            payload = {"from": member.node, "n": index}
            member.client.emit("toRoom", {"room": room, "payload": payload}, namespace=NAMESPACE,
                               callback=lambda *answer: acks.add(member.node, payload, *answer))

        for index in range(sent):
            for member in direct:
                send(member, index)
            if index == sent // 5:
                killed = cluster.node_named("n3")
                killed.signal(signal.SIGKILL)
        killed.wait(timeout=TIMEOUT)
        for member in direct:
            assert wait_until(lambda: len(acks.named(member.node)) == sent, timeout=TIMEOUT), len(acks.named(member.node))
            assert all(answer == [True] for _, *answer in acks.named(member.node)), acks.named(member.node)
        expected = [{"from": member.node, "n": index} for index in range(sent) for member in direct]
        for member in direct:
            assert wait_until(lambda: len(member.received.named("room")) == len(expected), timeout=TIMEOUT)
            got = [args[0] for args in member.received.named("room")]
            assert sorted(got, key=lambda p: (p["from"], p["n"])) == sorted(expected, key=lambda p: (p["from"], p["n"]))
            # Each sender's messages arrive in the order it sent them.
            for sender in direct:
                assert [p["n"] for p in got if p["from"] == sender.node] == list(range(sent))
    finally:
        for member in direct:
            member.client.disconnect()
    live = lambda url: [node["id"] for node in requests.get(  # noqa: E731
        url + "/admin/cluster", headers=cluster.headers, timeout=TIMEOUT).json()["nodes"]]
    for node in cluster.nodes[:2]:
        assert wait_until(lambda: live(node.url) == ["n1", "n2"], timeout=EXPIRY_BOUND), live(node.url)
        health = requests.get(node.url + "/healthz", timeout=TIMEOUT).json()
        assert health["cluster"] == {"nodes": 2, "database": "ok"} and health["node"] in ("n1", "n2")

    # Clients whose connections went through the killed node (relayed to their session's owner) lost them; the
    # balancer routes new ones around it, and they reach each other across the two nodes left.
    survivors = []
    try:
        for transports in TRANSPORTS * 10:
            survivors.append(Member(cluster.balancer.url, transports))
            if on_node(survivors, "n1") and len(on_node(survivors, "n2")) >= 2:
                break
        room = f"after-{uuid.uuid4().hex}"
        inside = {on_node(survivors, "n1")[0], on_node(survivors, "n2")[0]}
        for member in inside:
            assert member.call("join", room) is True
        sender = on_node(survivors, "n2")[1]
        assert sender.call("roomSize", room) == 2
        payload = {"after": "kill"}
        assert sender.call("toRoom", {"room": room, "payload": payload}) is True
        marker_everywhere(sender, survivors)
        assert receivers(survivors, "room", payload) == inside
    finally:
        for member in survivors:
            member.client.disconnect()
