"""Live reload, gateway removal and graceful shutdown of the gateway runtime (python-socketio 5.x)."""
import signal

import requests

from conftest import wait_until
from gateway_support import Client, admin, connect_refused, connect_when_served, gateway_id, serve, write_gateway


def test_admin_changes_apply_live(start_server, tmp_path):
    handlers = tmp_path / "handlers"
    write_gateway(handlers, "chat", "/chat", {"version": ("return 1", {"ack": "result"})})
    server = serve(start_server, tmp_path, handlers)
    client = Client(server, ["/chat"])
    try:
        assert client.call("version") == 1
        chat = gateway_id(server, "/chat")
        response = admin(server, "PATCH", f"/admin/gateways/{chat}/events/version", {"script": "return 2"})
        assert response.status_code == 200, response.text
        assert wait_until(lambda: client.call("version") == 2, timeout=5)

        # A gateway created through the API is served without a restart.
        response = admin(server, "POST", "/admin/gateways", {"path": "/fresh"})
        assert response.status_code == 201, response.text
        admin(server, "POST", f"/admin/gateways/{response.json()['id']}/events",
              {"eventName": "hello", "script": "return 'fresh'", "ack": "result"})
        fresh = connect_when_served(server, "/fresh")
        try:
            assert fresh, "the gateway made through the admin API was never served"
            assert fresh.call("hello", namespace="/fresh") == "fresh"
        finally:
            if fresh:
                fresh.close()

        # Disabling a gateway disconnects its sockets and refuses new ones.
        response = admin(server, "PATCH", f"/admin/gateways/{chat}", {"enabled": False})
        assert response.status_code == 200, response.text
        assert wait_until(lambda: client.disconnects.named("/chat"), timeout=5)
        assert client.disconnects.named("/chat")[0] == ("server disconnect",)
        assert connect_refused(server, "/chat") == {"message": "Invalid namespace"}
    finally:
        client.close()


def test_deleting_a_gateway_disconnects_its_clients(start_server, tmp_path):
    handlers = tmp_path / "handlers"
    write_gateway(handlers, "chat", "/chat", {"ping": "return 1"})
    write_gateway(handlers, "other", "/other", {"ping": "return 1"})
    server = serve(start_server, tmp_path, handlers)
    client = Client(server, ["/chat", "/other"])
    try:
        assert admin(server, "DELETE", f"/admin/gateways/{gateway_id(server, '/chat')}").status_code == 204
        assert wait_until(lambda: client.disconnects.named("/chat"), timeout=5)
        assert client.disconnects.named("/chat")[0] == ("server disconnect",)
        assert client.call("ping", namespace="/other")["accepted"] is True
    finally:
        client.close()


# Held until the test writes the gate row (bounded by its time limit); it records that it started first.
HELD = ("DB.started.create{data = {n = BODY}}\n"
        "while not DB.gate.findOne{filter = {id = 'open'}} do end\n"
        "return BODY", {"timeoutMs": 60000})


def started(server):
    response = admin(server, "GET", "/admin/collections/started/items")
    return [item["n"] for item in response.json()["data"]] if response.status_code == 200 else []


def open_gate(server):
    response = admin(server, "POST", "/admin/collections/gate/items", {"id": "open"})
    assert response.status_code == 201, response.text


def release(server):
    """After a failure: lets a run still held end, so the server stops at once (409 when the gate is open already)."""
    if server.proc.poll() is None:
        try:
            admin(server, "POST", "/admin/collections/gate/items", {"id": "open"})
        except requests.RequestException:
            pass


def test_sigterm_delivers_every_acked_result_then_exits_0(start_server, tmp_path):
    handlers = tmp_path / "handlers"
    write_gateway(handlers, "chat", "/chat", {"held": HELD})
    server = serve(start_server, tmp_path, handlers, "--workers", "1", "--shutdown-grace", "60000")
    client = None
    try:
        client = Client(server, ["/chat"])
        acks = [client.call("held", n) for n in range(15)]
        assert all(ack["accepted"] for ack in acks)
        # The first run is held at the gate: all fifteen are pending when the signal comes.
        assert wait_until(lambda: started(server) == [0], timeout=10)
        server.signal(signal.SIGTERM)
        # Still within the grace period, the queued runs go on once the gate opens.
        open_gate(server)
        results = client.got("ws:result", count=15, timeout=15)
        assert [r[0]["result"] for r in results] == list(range(15))
        assert not client.events.named(("/chat", "ws:error"))
        assert server.wait(timeout=15) == 0
    finally:
        if client:
            client.close()
        release(server)


def test_past_the_grace_period_queued_events_get_shutting_down(start_server, tmp_path):
    handlers = tmp_path / "handlers"
    write_gateway(handlers, "chat", "/chat", {"held": HELD})
    server = serve(start_server, tmp_path, handlers, "--workers", "1", "--shutdown-grace", "100")
    client = None
    try:
        client = Client(server, ["/chat"])
        acks = [client.call("held", n) for n in range(5)]
        assert all(ack["accepted"] for ack in acks)
        # The first run is held at the gate; the other four wait behind it (one socket's runs are in order).
        assert wait_until(lambda: started(server) == [0], timeout=10)
        server.signal(signal.SIGTERM)
        # Nothing can finish before the gate opens, so the grace period runs out: the four waiting get SHUTTING_DOWN.
        errors = [e[0] for e in client.got("ws:error", count=4, timeout=10)]
        assert [e["code"] for e in errors] == ["SHUTTING_DOWN"] * 4
        assert [e["requestId"] for e in errors] == [a["requestId"] for a in acks[1:]]
        # The running one is not cut off: it ends when the gate opens and delivers its result.
        open_gate(server)
        assert [r[0]["result"] for r in client.got("ws:result", timeout=30)] == [0]
        assert server.wait(timeout=15) == 0
        assert len(client.events.named(("/chat", "ws:error"))) == 4
    finally:
        if client:
            client.close()
        release(server)
