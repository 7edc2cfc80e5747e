"""Connection state recovery (issue 23) with the official socket.io-client 4.8.1 in Node, whose own recovery logic is
what must work: its TCP connections go through a proxy that resets them mid-stream (`cutting_proxy.py`), while a room
broadcast and 100 queued events are flowing; it reconnects and has its id, rooms, data and user back, and every
missed room message and `ws:result` exactly once, in order. After the window, a reconnect is a new session and the
disconnect handler has run once. The scenarios are js/recovery-scenarios.mjs, shared with the Chromium test
(test_browser_recovery.py), as are the gateway, the proxy fixture and the assertions (recovery_support.py)."""
import pytest

from conftest import wait_until
from gateway_support import TIMEOUT, admin
from recovery_support import assert_recovered_everything, disconnect_reasons, proxied, run_in_node  # noqa: F401 - proxied is a fixture

MODES = ["polling", "websocket", "upgrade"]
run = run_in_node


@pytest.mark.parametrize("mode", MODES)
def test_a_client_cut_mid_stream_recovers_everything_exactly_once_in_order(proxied, mode):
    server, proxy = proxied({"enabled": True})
    assert_recovered_everything(server, proxy, run("recover", server, proxy, mode))


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
    assert wait_until(lambda: disconnect_reasons(server, seen["first"]["id"]), timeout=TIMEOUT)
    assert disconnect_reasons(server, seen["first"]["id"]) == ["transport error"]


def test_a_recovery_replays_a_room_only_from_when_the_socket_joined_it(proxied):
    server, proxy = proxied({"enabled": True})
    seen = run("lateJoin", server, proxy, "websocket")
    assert seen["again"] == {"id": seen["first"]["id"], "recovered": True}
    assert seen["seen"]["room"] == ["away", "marker"]
