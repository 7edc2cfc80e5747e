"""A gateway or event changed through the admin API is live on the node before the HTTP response is sent: a client
that connects or emits right after the response sees the change (an admin tool or a CI script does exactly that)."""
from gateway_support import Client, admin, connect_refused, serve, write_gateway


def test_admin_changes_are_live_before_their_response(start_server, tmp_path):
    handlers = tmp_path / "handlers"
    write_gateway(handlers, "seed", "/seed", {})
    server = serve(start_server, tmp_path, handlers)
    for index in range(5):
        path = f"/live{index}"
        created = admin(server, "POST", "/admin/gateways", {"path": path}).json()
        event = admin(server, "POST", f"/admin/gateways/{created['id']}/events",
                      {"eventName": "ping", "script": "return 'v1'", "ack": "result"})
        assert event.status_code == 201
        client = Client(server, [path])  # no retry: served already
        try:
            assert client.call("ping", namespace=path) == "v1"
            admin(server, "PATCH", f"/admin/gateways/{created['id']}/events/ping", {"script": "return 'v2'"})
            assert client.call("ping", namespace=path) == "v2"
            admin(server, "DELETE", f"/admin/gateways/{created['id']}/events/ping")
            assert client.call("ping", namespace=path)["error"]["code"] == "NO_HANDLER"
        finally:
            client.close()
        assert admin(server, "DELETE", f"/admin/gateways/{created['id']}").status_code == 204
        assert connect_refused(server, path)["message"] == "Invalid namespace"
