"""The live sockets of a gateway through the admin API (issue 24, what the web console's socket view needs):
`GET /admin/gateways/{id}/sockets` lists each connected python-socketio client with its user, transport, rooms and
connection time; `POST /admin/gateways/{id}/sockets/{socketId}/disconnect` disconnects one, whose client hears
a server disconnect; unknown gateways and sockets are 404s naming what was missing."""
import datetime

import pytest

from conftest import wait_until
from gateway_support import TIMEOUT, Client, admin, gateway_id, serve, write_gateway


@pytest.fixture
def server(start_server, tmp_path):
    handlers = tmp_path / "handlers"
    write_gateway(handlers, "live", "/live", {
        "signIn": ("SOCKET.signIn({id = BODY}) return true", {"ack": "result"}),
        "join": ("SOCKET.join(BODY) return true", {"ack": "result"}),
    })
    return serve(start_server, tmp_path, handlers)


def listed(server, gateway):
    response = admin(server, "GET", f"/admin/gateways/{gateway}/sockets")
    assert response.status_code == 200, response.text
    return {socket["id"]: socket for socket in response.json()["sockets"]}


def test_the_sockets_of_a_gateway_and_disconnecting_one(server):
    gateway = gateway_id(server, "/live")
    before = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=5)
    ann = Client(server, ["/live"], transports=("websocket",))
    anonymous = Client(server, ["/live"], transports=("polling",))
    try:
        assert ann.call("signIn", "ann", namespace="/live") is True
        assert ann.call("join", "lobby", namespace="/live") is True
        ann_id, anonymous_id = ann.sio.get_sid("/live"), anonymous.sio.get_sid("/live")
        sockets = listed(server, gateway)
        assert set(sockets) == {ann_id, anonymous_id}
        assert sockets[ann_id] | {"connectedAt": None} == {
            "id": ann_id, "user": "ann", "transport": "websocket", "rooms": ["lobby"], "connectedAt": None}
        assert sockets[anonymous_id]["transport"] == "polling" and sockets[anonymous_id]["rooms"] == []
        assert "user" not in sockets[anonymous_id] or sockets[anonymous_id]["user"] is None
        connected = datetime.datetime.fromisoformat(sockets[ann_id]["connectedAt"].replace("Z", "+00:00"))
        assert before <= connected <= datetime.datetime.now(datetime.timezone.utc)

        done = admin(server, "POST", f"/admin/gateways/{gateway}/sockets/{ann_id}/disconnect")
        assert done.status_code == 204, done.text
        assert wait_until(lambda: ann.disconnects.named("/live"), timeout=TIMEOUT)
        assert ann.disconnects.named("/live")[0] == ("server disconnect",)  # python-socketio's name for it
        assert wait_until(lambda: set(listed(server, gateway)) == {anonymous_id}, timeout=TIMEOUT)
    finally:
        ann.close()
        anonymous.close()


def test_unknown_gateways_and_sockets_are_named(server):
    gateway = gateway_id(server, "/live")
    missing = admin(server, "POST", f"/admin/gateways/{gateway}/sockets/{'x' * 22}/disconnect")
    assert missing.status_code == 404 and "x" * 22 in missing.json()["error"]["message"]
    unknown = admin(server, "GET", "/admin/gateways/987654/sockets")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "NOT_FOUND"
