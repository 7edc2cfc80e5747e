"""Connection state recovery in a cluster (issue 23): two gatewayd nodes on one PostgreSQL; client A (socket.io-client
4.8.1 in Node) on node 1 through a proxy that resets its TCP connections mid-stream, publisher B on node 2. Every node
records every node's recoverable packets (room messages from node 2, A's results from node 1's job queue), each under
its origin's sequence number, and A's offsets are positions naming both origins. A comes back to node 1 — or through
node 2, which finds A's session in PostgreSQL — and has its id, rooms, data and user and every message and result
exactly once, in order."""
import pytest

from cluster_support import GatewaydCluster
from cutting_proxy import CuttingProxy
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
