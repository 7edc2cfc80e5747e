"""Connection state recovery in a cluster (issue 23): two gatewayd nodes on one PostgreSQL; client A (socket.io-client
4.8.1 in Node) on node 1 through a proxy that resets its TCP connections mid-stream, publisher B on node 2. Every node
records every node's recoverable packets (room messages from node 2, A's results from node 1's job queue), each under
its origin's sequence number, and A's offsets are positions naming both origins. A comes back to node 1 — or through
node 2, which finds A's session in PostgreSQL — and has its id, rooms, data and user and every message and result
exactly once, in order. When A's node is killed (SIGKILL: nobody writes A's session as it drops), A recovers through
the other node from the state its node kept of it while it was connected; when A's node restarts, A recovers on it
what was sent before it started, from the other node's log that it took in as it started."""
import json

import pytest

from cluster_support import GatewaydCluster
from conftest import _psql, wait_until
from cutting_proxy import CuttingProxy
from gateway_support import TIMEOUT
from recovery_support import assert_recovered_everything, live_gateway, position, run_in_node


@pytest.fixture
def cluster(tmp_path):
    started = GatewaydCluster(tmp_path, live_gateway(tmp_path, {"enabled": True}), count=2)
    for node in started.nodes:
        node.admin_token = started.token  # the nodes' own token, for the admin calls of the scenario and the checks
    yield started
    started.stop()


def recover(cluster, mode, back_through):
    """The `recover` scenario with A on node 1 and B on node 2, A coming back through node `back_through`."""
    first, publisher_node = cluster.nodes
    proxy = CuttingProxy(first.port, then_port=cluster.nodes[back_through - 1].port)
    try:
        seen = run_in_node("recover", publisher_node, proxy, mode)
        # Node 1's origin (A's results) and node 2's (the room messages) both appear in A's offsets.
        origins = {origin for offset in seen["seen"]["offsets"] for origin in position(offset)}
        assert len(origins) == 2 and "" not in origins, origins
        assert_recovered_everything(publisher_node, proxy, seen)
    finally:
        proxy.stop()


@pytest.mark.parametrize("mode", ["polling", "websocket"])
def test_a_client_back_on_its_node_recovers_what_the_other_node_published(cluster, mode):
    recover(cluster, mode, back_through=1)


@pytest.mark.parametrize("mode", ["polling", "websocket"])
def test_a_client_back_through_another_node_recovers(cluster, mode):
    recover(cluster, mode, back_through=2)


def tracked_states(cluster, node_id):
    """The states of the sockets `node_id` keeps as connected in PostgreSQL, parsed."""
    rows = _psql(cluster.postgres.url, "-c", f"SELECT session FROM recovery_sessions WHERE node = '{node_id}'")
    return [json.loads(line) for line in rows.splitlines() if line]


@pytest.mark.parametrize("mode", ["polling", "websocket"])
def test_a_client_whose_node_is_killed_recovers_through_another(cluster, mode):
    killed_node, other = cluster.nodes

    def kill():
        # A's state as its node tracked it (room, data and user written in the background) is in PostgreSQL before
        # the node dies: what the recovery has to go on.
        def a_is_tracked():
            return any("r" in state["rooms"] and "ann" in json.dumps(state["data"]) and "kept" in json.dumps(state["data"])
                       for state in tracked_states(cluster, "n1"))
        assert wait_until(a_is_tracked, timeout=TIMEOUT), tracked_states(cluster, "n1")
        killed_node.proc.kill()
        killed_node.proc.wait(timeout=TIMEOUT)
        proxy.cut()

    proxy = CuttingProxy(killed_node.port, then_port=other.port, actions={"kill": kill})
    try:
        seen = run_in_node("nodeKilled", other, proxy, mode)
    finally:
        proxy.stop()
    assert killed_node.proc.returncode == -9
    assert seen["first"]["recovered"] is False
    assert seen["again"] == {"id": seen["first"]["id"], "recovered": True}
    # Every room message once, in order, across the kill; the marker after them, nothing after it.
    assert seen["seen"]["room"] == list(range(200)) + ["marker"]
    assert seen["whoami"] == {"id": seen["first"]["id"], "rooms": ["r"], "data": {"kept": {"x": 1}}, "user": "ann",
                              "recovered": True}
    # A's row was taken by the recovery, written again by its new node, and dropped when A left through its gateway
    # (B's when it closed): none is left behind.
    assert wait_until(lambda: _psql(cluster.postgres.url, "-c", "SELECT count(*) FROM recovery_sessions").strip() == "0",
                      timeout=TIMEOUT), _psql(cluster.postgres.url, "-c", "SELECT pid, node FROM recovery_sessions")


@pytest.mark.parametrize("mode", ["polling", "websocket"])
def test_a_client_back_on_its_restarted_node_recovers_what_was_sent_before_it_started(cluster, mode):
    def stop():
        assert cluster.nodes[0].stop() == 0

    def start():
        cluster.start_again(0)

    proxy = CuttingProxy(cluster.nodes[0].port, actions={"stop": stop, "start": start})
    try:
        seen = run_in_node("nodeRestarted", cluster.nodes[1], proxy, mode)
    finally:
        proxy.stop()
    assert seen["first"]["recovered"] is False
    assert seen["again"] == {"id": seen["first"]["id"], "recovered": True}
    assert seen["seen"]["room"] == list(range(200)) + ["marker"]
    assert seen["whoami"] == {"id": seen["first"]["id"], "rooms": ["r"], "data": {"kept": {"x": 1}}, "user": "ann",
                              "recovered": True}
