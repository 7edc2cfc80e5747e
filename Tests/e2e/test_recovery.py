"""Connection state recovery (issue 23) with the official socket.io-client 4.8.1 in Node, whose own recovery logic is
what must work: its TCP connections go through a proxy that resets them mid-stream (`cutting_proxy.py`), while a room
broadcast and 100 queued events are flowing; it reconnects and has its id, rooms, data and user back, and every
missed room message and `ws:result` exactly once, in order. After the window, a reconnect is a new session and the
disconnect handler has run once."""
import json
import shutil
import subprocess

import pytest

from conftest import ROOT, wait_until
from cutting_proxy import CuttingProxy
from gateway_support import TIMEOUT, admin, node_environment, serve, write_gateway

SCENARIOS = ROOT / "Tests" / "e2e" / "js" / "recovery.mjs"
MODES = ["polling", "websocket", "upgrade"]
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
    """`start(recovery)`: gatewayd serving `/live` with that recovery setting, and a cutting proxy in front of it."""
    started = []

    def start(recovery, *options):
        server = serve(start_server, tmp_path, live_gateway(tmp_path, recovery), *options)
        proxy = CuttingProxy(server.port)
        started.append(proxy)
        return server, proxy

    yield start
    for proxy in started:
        proxy.stop()


def run(scenario, server, proxy, mode):
    assert shutil.which("node"), "node is installed by scripts/setup.sh --test-clients"
    done = subprocess.run(
        ["node", "--experimental-websocket", str(SCENARIOS), scenario, proxy.url, server.url, mode,
         json.dumps({"control": proxy.control_url})],
        capture_output=True, text=True, timeout=240, env=node_environment(server))
    assert done.returncode == 0, done.stderr + "".join(server.errors[-30:])
    return json.loads(done.stdout)


@pytest.mark.parametrize("mode", MODES)
def test_a_client_cut_mid_stream_recovers_everything_exactly_once_in_order(proxied, mode):
    server, proxy = proxied({"enabled": True})
    seen = run("recover", server, proxy, mode)
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
    # Each packet carried its offset, increasing along what arrived.
    offsets = [int(offset) for offset in received["offsets"]]
    assert offsets == sorted(set(offsets)) and len(offsets) == 301
    whoami = seen["whoami"]
    assert whoami == {"id": seen["first"]["id"], "rooms": ["r"], "data": {"kept": {"x": 1}}, "user": "ann",
                      "recovered": True}
    # The disconnect handler ran once, when the gateway disconnected the socket at the end, never for the cut it
    # recovered from.
    reasons = lambda: [row["reason"] for row in admin(server, "GET", "/admin/collections/disconnects/items").json()["data"]  # noqa: E731
                       if row["id"] == seen["first"]["id"]]
    assert wait_until(lambda: reasons(), timeout=TIMEOUT)
    assert reasons() == ["server namespace disconnect"]


def test_a_reconnect_after_the_window_is_a_new_session_and_the_disconnect_handler_ran_once(proxied):
    server, proxy = proxied({"enabled": True, "maxDisconnectionMs": 1000})
    seen = run("expire", server, proxy, "websocket")
    assert not seen["again"].get("recovered") and seen["again"]["id"] != seen["first"]["id"]
    assert seen["whoami"]["recovered"] is False and seen["whoami"]["rooms"] == []
    disconnects = admin(server, "GET", "/admin/collections/disconnects/items").json()["data"]
    # The server saw a reset: `transport error`, once, for the first session (the second one's own close may follow).
    first = [row["reason"] for row in disconnects if row["id"] == seen["first"]["id"]]
    assert first == ["transport error"]


def test_without_recovery_no_offset_is_added_and_nothing_is_recovered(proxied):
    server, proxy = proxied({"enabled": False})
    seen = run("expire", server, proxy, "websocket")
    assert seen["seen"]["offsets"] == [None]
    assert not seen["again"].get("recovered") and seen["again"]["id"] != seen["first"]["id"]


def test_a_client_whose_missed_packets_were_evicted_connects_anew(proxied):
    server, proxy = proxied({"enabled": True, "maxDisconnectionMs": 1000}, "--recovery-buffer", "8000")
    seen = run("overflow", server, proxy, "websocket")
    assert not seen["again"].get("recovered") and seen["again"]["id"] != seen["first"]["id"]
    assert seen["whoami"]["recovered"] is False and seen["whoami"]["rooms"] == []
    assert any("recovery buffer full" in line for line in server.errors), "".join(server.errors[-20:])
    # The evicted session was not recovered: its window ends and its disconnect handler runs, once.
    reasons = lambda: [row["reason"] for row in admin(server, "GET", "/admin/collections/disconnects/items").json()["data"]  # noqa: E731
                       if row["id"] == seen["first"]["id"]]
    assert wait_until(lambda: reasons(), timeout=TIMEOUT)
    assert reasons() == ["transport error"]
