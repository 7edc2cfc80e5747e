"""Live reload, gateway removal and graceful shutdown of the gateway runtime (python-socketio 5.x)."""
import signal
import time

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
        assert fresh and wait_until(lambda: fresh.call("hello", namespace="/fresh") == "fresh", timeout=5)
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


def test_sigterm_delivers_every_acked_result_then_exits_0(start_server, tmp_path):
    handlers = tmp_path / "handlers"
    slow = "local deadline = os.clock() + 0.1\nwhile os.clock() < deadline do end\nreturn BODY"
    write_gateway(handlers, "chat", "/chat", {"slow": slow})
    server = serve(start_server, tmp_path, handlers, "--workers", "1", "--shutdown-grace", "20000")
    client = Client(server, ["/chat"])
    try:
        acks = [client.call("slow", n) for n in range(15)]
        assert all(ack["accepted"] for ack in acks)
        server.signal(signal.SIGTERM)
        results = client.got("ws:result", count=15, timeout=15)
        assert [r[0]["result"] for r in results] == list(range(15))
        assert server.wait(timeout=15) == 0
    finally:
        client.close()


def test_past_the_grace_period_queued_events_get_shutting_down(start_server, tmp_path):
    handlers = tmp_path / "handlers"
    slow = "local deadline = os.clock() + 0.3\nwhile os.clock() < deadline do end\nreturn BODY"
    write_gateway(handlers, "chat", "/chat", {"slow": slow})
    server = serve(start_server, tmp_path, handlers, "--workers", "1", "--shutdown-grace", "100")
    client = Client(server, ["/chat"])
    try:
        acks = [client.call("slow", n) for n in range(5)]
        server.signal(signal.SIGTERM)
        assert wait_until(lambda: len(client.events.named(("/chat", "ws:result"))) +
                          len(client.events.named(("/chat", "ws:error"))) == 5, timeout=10)
        errors = [e[0] for e in client.events.named(("/chat", "ws:error"))]
        assert errors and all(e["code"] == "SHUTTING_DOWN" for e in errors)
        assert {e["requestId"] for e in errors} <= {a["requestId"] for a in acks}
        assert server.wait(timeout=15) == 0
    finally:
        client.close()

