"""Connection state recovery in a cluster (issue 23): two gatewayd nodes on one PostgreSQL; client A (socket.io-client
4.8.1 in Node) on node 1 through a proxy that resets its TCP connections mid-stream, publisher B on node 2. Room
messages cross the bus, and node 1 stamps and records them with its own offsets (`n1~…`): A, back on node 1, has its
id, rooms, data and user and every message and result exactly once, in order. (A client that comes back through
another node connects anew for now: each node's log is its own.)"""
import pytest

from cluster_support import GatewaydCluster
from cutting_proxy import CuttingProxy
from recovery_support import assert_recovered_everything, live_gateway, run_in_node


@pytest.fixture
def cluster(tmp_path):
    started = GatewaydCluster(tmp_path, live_gateway(tmp_path, {"enabled": True}), count=2)
    for node in started.nodes:
        node.admin_token = started.token  # the nodes' own token, for the admin calls of the scenario and the checks
    proxy = CuttingProxy(started.nodes[0].port)
    yield started, proxy
    proxy.stop()
    started.stop()


@pytest.mark.parametrize("mode", ["polling", "websocket"])
def test_a_client_back_on_its_node_recovers_what_the_other_node_published(cluster, mode):
    nodes, proxy = cluster
    publisher_node = nodes.nodes[1]
    seen = run_in_node("recover", publisher_node, proxy, mode)
    assert all(offset.startswith("n1~") for offset in seen["seen"]["offsets"]), seen["seen"]["offsets"][:3]
    assert_recovered_everything(publisher_node, proxy, seen)
