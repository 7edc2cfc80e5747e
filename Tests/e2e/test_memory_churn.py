"""Connections that come and go must leave nothing behind: the daemon's RSS stays flat across rounds of WebSocket
sessions (closed by the client, dropped, refused for a malformed packet, joined to a gateway) and polling sessions."""
import churn
from gateway_support import serve, write_gateway

MIB = 1024


def churn_round(url, websockets, joined, polling, malformed):
    churn.websocket_sessions(url, websockets)
    churn.websocket_sessions(url, joined, namespace="/room")
    churn.polling_sessions(url, polling)
    # An Engine.IO packet type that does not exist, and a Socket.IO packet that does not parse.
    churn.websocket_sessions(url, malformed // 2, malformed="x")
    churn.websocket_sessions(url, malformed - malformed // 2, malformed="4zzz[")


def test_closed_connections_leave_the_daemons_memory_flat(start_server, tmp_path):
    handlers = tmp_path / "handlers"
    write_gateway(handlers, "room", "/room", events={"ping": "return 'pong'"})
    # Thousands of sessions a round from one address: far past a person's connect rate.
    server = serve(start_server, tmp_path, handlers, "--max-connect-rate-per-ip", "0")
    pid = server.proc.pid

    # Warm-up: allocator arenas, caches and pools reach the size this load needs.
    churn_round(server.url, websockets=1500, joined=500, polling=500, malformed=500)
    before = churn.resident_kib(pid)
    churn_round(server.url, websockets=4000, joined=1000, polling=1000, malformed=1000)
    after = churn.resident_kib(pid)

    grown = after - before
    assert grown < 5 * MIB, f"RSS grew by {grown} KiB over 7,000 closed connections ({grown * 1024 // 7000} B each)"
