"""What the connection state recovery tests share (issue 23): the `/live` gateway, gatewayd behind a cutting proxy
(the `proxied` fixture), and the assertions on what client A saw in the `recover` scenario
(js/recovery-scenarios.mjs), the same whether the client ran in Node (test_recovery.py) or in Chromium
(test_browser_recovery.py)."""
import json
import shutil
import subprocess

import pytest

from conftest import ROOT, wait_until
from cutting_proxy import CuttingProxy
from gateway_support import TIMEOUT, admin, node_environment, serve, write_gateway

NODE_SCENARIOS = ROOT / "Tests" / "e2e" / "js" / "recovery.mjs"

RESULT = {"ack": "result"}

WORK = """
if BODY.n == 0 then
  while not DB.gate.findOne{filter = {id = "open"}} do end
end
if BODY.n == 99 then DB.done.create{data = {id = "last"}} end
return BODY.n
"""

WHOAMI = """
return {id = SOCKET.id, rooms = SOCKET.rooms(), data = SOCKET.data, user = USER and USER.id,
        recovered = HANDSHAKE.recovered == true}
"""


def live_gateway(tmp_path, recovery):
    handlers = tmp_path / "handlers"
    write_gateway(handlers, "live", "/live", {
        "join": ("SOCKET.join(BODY) return true", RESULT),
        "keep": ("SOCKET.data.kept = BODY return true", RESULT),
        "signIn": ("SOCKET.signIn({id = BODY}) return true", RESULT),
        "publish": ('SOCKET.emitToRoom("r", "room", BODY) return true', RESULT),
        "whoami": (WHOAMI, RESULT),
        "leave": ("SOCKET.disconnect() return true", RESULT),
        "work": (WORK, {"timeoutMs": 120000}),
    }, disconnect='DB.disconnects.create{data = {id = SOCKET.id, reason = BODY}}', recovery=recovery)
    return handlers


@pytest.fixture
def proxied(start_server, tmp_path):
    """`start(recovery, *options)`: gatewayd serving `/live` with that recovery setting (and those `serve` options),
    and a cutting proxy in front of it."""
    started = []

    def start(recovery, *options):
        server = serve(start_server, tmp_path, live_gateway(tmp_path, recovery), *options)
        proxy = CuttingProxy(server.port)
        started.append(proxy)
        return server, proxy

    yield start
    for proxy in started:
        proxy.stop()


def disconnect_reasons(server, socket_id):
    """The reasons the disconnect handler recorded for `socket_id`, in order."""
    rows = admin(server, "GET", "/admin/collections/disconnects/items").json()["data"]
    return [row["reason"] for row in rows if row["id"] == socket_id]


def assert_recovered_everything(server, proxy, seen):
    """What the `recover` scenario must have seen: one cut; A back with its id, `recovered`, rooms, data and user; every
    room message and every result exactly once and in order, each with an increasing offset; and the disconnect
    handler run once, for A's own leaving at the end."""
    assert proxy.cuts == 1
    assert seen["first"]["recovered"] is False
    assert seen["again"] == {"id": seen["first"]["id"], "recovered": True}
    received = seen["seen"]
    # A reset: `transport close` on a WebSocket, `transport error` on a poll.
    assert received["disconnects"][0] in ("transport close", "transport error"), received["disconnects"]
    # Every room message and every result once, in order; the marker after them, nothing after it.
    assert received["room"] == list(range(200)) + ["marker"]
    assert [result["result"] for result in received["results"]] == list(range(100))
    assert len({result["requestId"] for result in received["results"]}) == 100
    # Each packet carried its offset, a position that moves on with every packet that arrived and never goes back.
    positions = [position(offset) for offset in received["offsets"]]
    assert len(positions) == 301
    for before, after in zip(positions, positions[1:]):
        assert all(after.get(origin, 0) >= sequence for origin, sequence in before.items()) and after != before, \
            (before, after)
    whoami = seen["whoami"]
    assert whoami == {"id": seen["first"]["id"], "rooms": ["r"], "data": {"kept": {"x": 1}}, "user": "ann",
                      "recovered": True}
    # The disconnect handler ran once, when the gateway disconnected the socket at the end, never for the cut it
    # recovered from.
    assert wait_until(lambda: disconnect_reasons(server, seen["first"]["id"]), timeout=TIMEOUT)
    assert disconnect_reasons(server, seen["first"]["id"]) == ["server namespace disconnect"]


def position(offset):
    """An offset as origin → sequence number: `42` on a single node (its origin unnamed), `origin~42.origin~17` in a
    cluster, where every node records every node's packets."""
    if offset.isdigit():
        return {"": int(offset)}
    return {origin: int(sequence) for origin, sequence in (part.split("~") for part in offset.split("."))}


def run_in_node(scenario, server, proxy, mode):
    """Runs a scenario of js/recovery-scenarios.mjs in Node: client A through `proxy`, B and the admin calls on
    `server`; what A saw."""
    assert shutil.which("node"), "node is installed by scripts/setup.sh --test-clients"
    done = subprocess.run(
        ["node", "--experimental-websocket", str(NODE_SCENARIOS), scenario, proxy.url, server.url, mode,
         json.dumps({"control": proxy.control_url})],
        capture_output=True, text=True, timeout=240, env=node_environment(server))
    assert done.returncode == 0, done.stderr + "".join(server.errors[-30:])
    return json.loads(done.stdout)
