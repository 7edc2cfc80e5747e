"""PostgreSQL goes away under a running cluster and comes back (issue 22): while it is down each node keeps serving
its own sockets and says so in `/healthz`; once it is back every node recovers without a restart — the bus carries
broadcasts across nodes again, `DB` works, config changes made on one node reach the other, and the registry lists
both nodes. The state of sockets of a gateway with recovery on cannot be written meanwhile: that is logged once for
the outage, however many writes fail, and the first write that lands again says so."""
import uuid

import pytest
import requests
import socketio

from cluster_support import GatewaydCluster
from conftest import Recorder, wait_until

NAMESPACE = "/outage"
TIMEOUT = 10
# Heartbeats every 5 s and the listener's reconnection backoff (at most a few seconds) bound how soon a node notices.
RECOVERY_BOUND = 60

HANDLERS = {
    "gateway.json": '{"path": "/outage", "defaultAck": "result"}',
    "events/join.lua": "SOCKET.join(BODY) return true",
    "events/toRoom.lua": 'SOCKET.emitToRoom(BODY.room, "room", BODY.payload) return true',
    "events/echo.lua": "return BODY",
    "events/write.lua": "return DB.items.create{data = BODY}.n",
}
# A gateway with recovery on: in a cluster, its sockets' state is written to PostgreSQL as they join rooms.
LIVE_HANDLERS = {
    "gateway.json": '{"path": "/live", "defaultAck": "result", "recovery": {"enabled": true}}',
    "events/join.lua": "SOCKET.join(BODY) return true",
}
WRITE_FAILED = "keeping a connected socket's state failed"
WRITES_BACK = "recovery session writes reach the shared table again"


@pytest.fixture
def cluster(tmp_path):
    for folder, files in (("outage", HANDLERS), ("live", LIVE_HANDLERS)):
        for name, text in files.items():
            path = tmp_path / "handlers" / folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    started = GatewaydCluster(tmp_path, tmp_path / "handlers", count=2)
    yield started
    started.stop()


class Member:
    """A python-socketio client of `/outage` (and `/live`) connected to one node directly, and what it received."""

    def __init__(self, node):
        self.received = Recorder()
        self.client = socketio.Client(reconnection=False)
        self.client.on("*", self.received.add, namespace=NAMESPACE)
        self.client.connect(node.url, namespaces=[NAMESPACE, "/live"], transports=["websocket"], wait_timeout=TIMEOUT)

    def call(self, event, data=None, namespace=NAMESPACE):
        return self.client.call(event, data, namespace=namespace, timeout=TIMEOUT)

    def got(self, payload):
        return (payload,) in self.received.named("room")


def health(node):
    response = requests.get(node.url + "/healthz", timeout=TIMEOUT)
    return response.status_code, response.json()


def recovered(cluster, node):
    status, body = health(node)
    return status == 200 and body["cluster"] == {"nodes": len(cluster.nodes), "database": "ok"}


def test_nodes_keep_serving_through_a_postgresql_outage_and_recover_without_a_restart(cluster):
    first, second = cluster.nodes
    members = []
    try:
        members = [Member(first), Member(first), Member(second)]
        near, beside, far = members
        room = f"room-{uuid.uuid4().hex}"
        for member in members:
            assert member.call("join", room) is True
        assert near.call("toRoom", {"room": room, "payload": "before"}) is True
        assert wait_until(lambda: all(member.got("before") for member in members), timeout=TIMEOUT)

        cluster.postgres.halt()
        # Every node notices: `/healthz` answers 503 with the database in error.
        for node in cluster.nodes:
            assert wait_until(lambda: health(node)[0] == 503, timeout=RECOVERY_BOUND), health(node)
        # Each node still serves its own sockets: events that need no database run, a room emit reaches the sockets
        # of the sender's node; `DB` calls fail with an error the client sees, not silence.
        assert near.call("echo", {"during": "outage"}) == {"during": "outage"}
        assert far.call("echo", "far") == "far"
        assert near.call("toRoom", {"room": room, "payload": "during"}) is True
        assert wait_until(lambda: near.got("during") and beside.got("during"), timeout=TIMEOUT)
        failed = near.call("write", {"n": 0})
        assert isinstance(failed, dict) and failed.get("error", {}).get("code"), failed
        # Five joins on /live whose state cannot be written: one warning for the outage.
        for n in range(5):
            assert near.call("join", f"live-{n}", namespace="/live") is True
        assert wait_until(lambda: WRITE_FAILED in "".join(first.errors), timeout=TIMEOUT)

        cluster.postgres.resume()
        for node in cluster.nodes:
            assert wait_until(lambda: recovered(cluster, node), timeout=RECOVERY_BOUND), health(node)
        # The bus carries broadcasts across nodes again: the listener reconnected on both.
        assert wait_until(lambda: near.call("toRoom", {"room": room, "payload": "after"}) is True
                          and wait_until(lambda: far.got("after"), timeout=1), timeout=RECOVERY_BOUND)
        assert far.call("toRoom", {"room": room, "payload": "back"}) is True
        assert wait_until(lambda: all(member.got("back") for member in members), timeout=TIMEOUT)
        # A join's state lands again, and says so; the failures of the outage were logged once.
        assert near.call("join", "live-after", namespace="/live") is True
        assert wait_until(lambda: WRITES_BACK in "".join(first.errors), timeout=TIMEOUT)
        assert "".join(first.errors).count(WRITE_FAILED) == 1, [line for line in first.errors if "failed" in line]
        # `DB` works again, on both nodes.
        assert near.call("write", {"n": 1}) == 1
        assert far.call("write", {"n": 2}) == 2
        # A config change made through node 1 is served by node 2: the config listener reconnected too.
        created = requests.post(f"{first.url}/admin/gateways/{gateway_id(cluster, first)}/events",
                                json={"eventName": "added", "script": 'return "added after the outage"'},
                                headers=cluster.headers, timeout=TIMEOUT)
        assert created.status_code == 201, created.text
        assert wait_until(lambda: far.call("added") == "added after the outage", timeout=TIMEOUT)
        listed = requests.get(second.url + "/admin/cluster", headers=cluster.headers, timeout=TIMEOUT).json()
        assert [node["id"] for node in listed["nodes"]] == ["n1", "n2"]
    finally:
        for member in members:
            member.client.disconnect()


def gateway_id(cluster, node):
    gateways = requests.get(node.url + "/admin/gateways", headers=cluster.headers, timeout=TIMEOUT).json()["gateways"]
    return next(gateway["id"] for gateway in gateways if gateway["path"] == NAMESPACE)
