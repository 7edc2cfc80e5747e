"""examples/baasix driven as BAASIX's socket.io-client 4.x drives it: python-socketio 5.x with
`socketio_path='realtime'` and `auth: {token}` on `/`, over polling and WebSocket; item events pushed by the
collection hooks when the admin collections API (BAASIX's item routes' stand-in) changes data."""

import pytest
import socketio

from conftest import ROOT, Recorder, wait_until
from gateway_support import admin, serve, user_token

EVENTS = ("item.created", "item.updated", "item.deleted", "notification.new")


@pytest.fixture
def server(start_server, tmp_path):
    return serve(start_server, tmp_path, ROOT / "examples" / "baasix", "--path", "/realtime", "--path", "/socket.io/")


class Realtime:
    def __init__(self, server, transport, token=None, path="realtime"):
        self.events = Recorder()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("*", lambda event, *args: self.events.add(event, *args))
        self.sio.connect(server.url, socketio_path=path, transports=[transport],
                         auth={"token": token} if token else None, wait_timeout=10)

    def call(self, event, *args):
        return self.sio.call(event, *args, timeout=10)

    def got(self, name, count=1):
        assert wait_until(lambda: len(self.events.named(name)) >= count, timeout=10), (name, self.events.events)
        return self.events.named(name)

    def close(self):
        self.sio.disconnect()


def item_event(event):
    (payload,) = event
    assert set(payload) == {"collection", "item", "userId", "timestamp"}, payload
    return payload


@pytest.mark.parametrize("transport", ["polling", "websocket"])
def test_rooms_and_item_events(server, transport):
    ann = Realtime(server, transport, user_token("ann"))
    anonymous = Realtime(server, transport)
    try:
        # A valid token joins user:<id>; the connect itself emits nothing (the join ack is the marker).
        assert ann.call("join", "collection:posts") == {"success": True}
        assert ann.events.events == []
        assert admin(server, "POST", "/admin/emit", {"target": {"room": "user:ann"}, "event": "x"}).json()["delivered"] == 1
        assert ann.call("join", "user:bob") == {"success": False, "message": "you may not join another user's room"}
        assert ann.call("join", "user:ann") == {"success": True}
        assert anonymous.call("join", "user:ann")["success"] is False
        assert anonymous.call("join", "collection:posts") == {"success": True}

        created = admin(server, "POST", "/admin/collections/posts/items", {"id": "p1", "title": "Hello"}).json()
        for client in (ann, anonymous):
            payload = item_event(client.got("item.created")[0])
            assert payload["collection"] == "posts" and payload["item"] == created and payload["userId"] is None
            assert payload["timestamp"].endswith("Z") or "T" in payload["timestamp"]

        # The item room: anonymous leaves the collection room and follows only p1.
        assert anonymous.call("leave", "collection:posts") == {"success": True}
        assert anonymous.call("join", "item:posts:p1") == {"success": True}
        admin(server, "POST", "/admin/collections/posts/items", {"id": "p2", "title": "Other"})
        assert item_event(ann.got("item.created", count=2)[1])["item"]["id"] == "p2"
        patched = admin(server, "PATCH", "/admin/collections/posts/items/p1", {"title": "Hello again"}).json()
        assert item_event(anonymous.got("item.updated")[0])["item"] == patched
        assert [item_event(e)["item"]["id"] for e in anonymous.events.named("item.created")] == ["p1"]  # not p2
        admin(server, "DELETE", "/admin/collections/posts/items/p1")
        assert item_event(anonymous.got("item.deleted")[0])["item"]["id"] == "p1"
        assert item_event(ann.got("item.deleted")[0])["item"]["id"] == "p1"
    finally:
        ann.close()
        anonymous.close()


def test_notifications_reach_their_user_and_every_path_serves_the_gateways(server):
    bob_ws = Realtime(server, "websocket", user_token("bob"))
    bob_default = Realtime(server, "polling", user_token("bob"), path="socket.io")
    carol = Realtime(server, "websocket", user_token("carol"))
    try:
        admin(server, "POST", "/admin/collections/notifications/items", {"userId": "bob", "title": "Hi", "body": "there"})
        for client in (bob_ws, bob_default):
            (notification,) = client.got("notification.new")[0]
            assert notification["title"] == "Hi" and notification["body"] == "there" and notification["id"]
        admin(server, "POST", "/admin/collections/notifications/items", {"userId": "carol", "title": "Yours"})
        assert carol.got("notification.new")[0][0]["title"] == "Yours"
        assert len(bob_ws.events.named("notification.new")) == 1
    finally:
        for client in (bob_ws, bob_default, carol):
            client.close()


def test_paths_not_configured_are_not_served(start_server, tmp_path):
    server = serve(start_server, tmp_path, ROOT / "examples" / "baasix", "--path", "/realtime")
    client = Realtime(server, "polling", path="realtime")
    client.close()
    with pytest.raises(socketio.exceptions.ConnectionError):
        Realtime(server, "polling", path="socket.io")
