"""examples/baasix driven as BAASIX's socket.io-client 4.x drives it: python-socketio 5.x with
`socketio_path='realtime'` and `auth: {token}` on `/`, over polling and WebSocket; item events pushed by the
collection hooks when the admin collections API (BAASIX's item routes' stand-in) changes data; notification events
as the document's hook and event section write them; `user.connected` / `user.disconnected` in the user's room."""
import contextlib

import pytest
import socketio

from conftest import ROOT, Recorder, wait_until
from gateway_support import admin, connect_refused, serve, user_token

TRANSPORTS = ["polling", "websocket"]


@pytest.fixture
def server(start_server, tmp_path):
    return serve(start_server, tmp_path, ROOT / "examples" / "baasix", "--path", "/realtime", "--path", "/socket.io/")


class Realtime:
    def __init__(self, server, transport, token=None, path="realtime"):
        self.server, self.transport, self.token, self.path = server, transport, token, path
        self.events = Recorder()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("*", lambda event, *args: self.events.add(event, *args))

    def connect(self):
        self.sio.connect(self.server.url, socketio_path=self.path, transports=[self.transport],
                         auth={"token": self.token} if self.token else None, wait_timeout=10)
        return self

    @property
    def sid(self):
        return self.sio.get_sid("/")

    def call(self, event, *args):
        return self.sio.call(event, *args, timeout=10)

    def got(self, name, count=1):
        assert wait_until(lambda: len(self.events.named(name)) >= count, timeout=10), (name, self.events.events)
        return self.events.named(name)

    def close(self):
        self.sio.disconnect()


@contextlib.contextmanager
def clients(server, transport):
    """`connect(token=None, path='realtime')` opens a client; every one is closed on the way out."""
    made = []

    def connect(token=None, path="realtime", transport=transport):
        client = Realtime(server, transport, token, path)
        made.append(client)
        return client.connect()

    try:
        yield connect
    finally:
        for client in made:
            client.close()


def item_event(event):
    (payload,) = event
    assert set(payload) == {"collection", "item", "userId", "timestamp"}, payload
    return payload


def notification_event(event):
    (payload,) = event
    assert set(payload) == {"id", "message", "type", "notification"}, payload
    notification = payload["notification"]
    assert set(notification) == {"id", "type", "title", "message", "data", "seen", "userId", "createdAt"}, notification
    assert (payload["id"], payload["message"], payload["type"]) == \
        (notification["id"], notification["message"], notification["type"])
    return notification


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_rooms_and_item_events(server, transport):
    with clients(server, transport) as connect:
        ann = connect(user_token("ann"))
        anonymous = connect()
        # A valid token joins user:<id> (its own user.connected arrives there); an anonymous socket gets nothing on
        # connect (its join ack is the marker: the CONNECT-time events come before any ack).
        (connected,) = ann.got("user.connected")[0]
        assert connected["userId"] == "ann" and connected["socketId"] == ann.sid and connected["timestamp"]
        assert ann.call("join", "collection:posts") == {"success": True}
        assert anonymous.call("join", "collection:posts") == {"success": True}
        assert anonymous.events.events == []
        assert admin(server, "POST", "/admin/emit", {"target": {"room": "user:ann"}, "event": "x"}).json()["delivered"] == 1
        assert ann.call("join", "user:bob") == {"success": False, "message": "you may not join another user's room"}
        assert ann.call("join", "user:ann") == {"success": True}
        assert anonymous.call("join", "user:ann")["success"] is False
        assert anonymous.call("join", "discussion:123") == {"success": True}  # a custom room

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


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_the_documents_messages_client(server, transport):
    """The document's client examples: `item.created` / `item.updated` of `messages` with `data.item.user` and
    `data.item.text`, and `connect_error` with a message for a bad token."""
    with clients(server, transport) as connect:
        socket = connect(user_token("ann"))
        assert socket.call("join", "collection:messages") == {"success": True}
        item = admin(server, "POST", "/admin/collections/messages/items", {"user": "ann", "text": "hello"}).json()
        data = item_event(socket.got("item.created")[0])
        assert data["collection"] == "messages" and (data["item"]["user"], data["item"]["text"]) == ("ann", "hello")
        assert data["item"]["id"] == item["id"]
        admin(server, "PATCH", f"/admin/collections/messages/items/{item['id']}", {"text": "edited"})
        data = item_event(socket.got("item.updated")[0])
        assert data["item"]["id"] == item["id"] and data["item"]["text"] == "edited"

    good = user_token("ann")
    bad = good[:-1] + ("A" if good[-1] != "A" else "B")  # the right length, a wrong signature
    refusal = connect_refused(server, "/", transports=[transport], auth={"token": bad}, socketio_path="realtime")
    assert refusal["data"]["code"] == "AUTH_INVALID" and refusal["message"]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_notifications_as_the_document_creates_them(server, transport):
    """The hook example's item (`user_id`, `message`, `type`) and the event section's fields (`userId`, `title`,
    `data`): `notification.new`, `notification.seen` once `seen` turns true, `notification.deleted`; only to the
    notification's user, on every path the gateway is served on."""
    with clients(server, transport) as connect:
        bob = connect(user_token("bob"))
        bob_default = connect(user_token("bob"), path="socket.io")
        carol = connect(user_token("carol"))

        hooked = admin(server, "POST", "/admin/collections/notifications/items",
                       {"user_id": "bob", "message": "Hi there", "type": "info"}).json()
        for client in (bob, bob_default):
            (payload,) = client.got("notification.new")[0]
            assert (payload["id"], payload["message"], payload["type"]) == (hooked["id"], "Hi there", "info")
            assert notification_event(client.got("notification.new")[0]) == {
                "id": hooked["id"], "type": "info", "title": None, "message": "Hi there", "data": None, "seen": False,
                "userId": "bob", "createdAt": hooked["createdAt"]}

        sectioned = admin(server, "POST", "/admin/collections/notifications/items", {
            "userId": "carol", "type": "warning", "title": "Notification Title", "message": "Notification message",
            "data": {"orderId": 7}}).json()
        assert notification_event(carol.got("notification.new")[0]) == {
            "id": sectioned["id"], "type": "warning", "title": "Notification Title", "message": "Notification message",
            "data": {"orderId": 7}, "seen": False, "userId": "carol", "createdAt": sectioned["createdAt"]}
        # carol's notification did not reach bob: the marker is a second one of his, down the same path.
        marker = admin(server, "POST", "/admin/collections/notifications/items", {"user_id": "bob", "message": "m"}).json()
        assert [notification_event(e)["id"] for e in bob.got("notification.new", count=2)] == [hooked["id"], marker["id"]]
        assert [notification_event(e)["id"] for e in bob.events.named("notification.new")] == [hooked["id"], marker["id"]]

        # seen: when `seen` becomes true, once.
        admin(server, "PATCH", f"/admin/collections/notifications/items/{hooked['id']}", {"seen": True})
        seen = notification_event(bob.got("notification.seen")[0])
        assert seen["id"] == hooked["id"] and seen["seen"] is True and seen["message"] == "Hi there"
        admin(server, "PATCH", f"/admin/collections/notifications/items/{hooked['id']}", {"seen": True, "type": "x"})
        admin(server, "PATCH", f"/admin/collections/notifications/items/{marker['id']}", {"message": "not seen yet"})
        admin(server, "PATCH", f"/admin/collections/notifications/items/{marker['id']}", {"seen": True})
        assert [notification_event(e)["id"] for e in bob.got("notification.seen", count=2)] == [hooked["id"], marker["id"]]
        assert len(bob.events.named("notification.seen")) == 2

        # deleted
        admin(server, "DELETE", f"/admin/collections/notifications/items/{sectioned['id']}")
        deleted = notification_event(carol.got("notification.deleted")[0])
        assert deleted["id"] == sectioned["id"] and deleted["userId"] == "carol"


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_user_connected_and_disconnected(start_server, tmp_path, transport):
    """`user.connected` / `user.disconnected` go to the user's own room `user:<id>`: that user's sockets only.

    python-engineio's polling client can drop its last packets when it disconnects: its write loop leaves once the
    client is `disconnecting`, and a DISCONNECT and CLOSE queued while it was still in a POST (the tablet below
    disconnects right after connecting) are never sent. The server then learns of the departure from the heartbeat,
    kept short here so that it does within the wait; the handler under test runs either way."""
    server = serve(start_server, tmp_path, ROOT / "examples" / "baasix", "--path", "/realtime",
                   "--ping-interval", 2000, "--ping-timeout", 2000)
    with clients(server, transport) as connect:
        ann = connect(user_token("ann"))
        bob = connect(user_token("bob"))
        assert [e[0]["socketId"] for e in ann.got("user.connected")] == [ann.sid]

        ann_phone = connect(user_token("ann"))
        assert [e[0]["socketId"] for e in ann.got("user.connected", count=2)] == [ann.sid, ann_phone.sid]
        assert [e[0]["socketId"] for e in ann_phone.got("user.connected")] == [ann_phone.sid]
        # ann's second socket did not reach bob: the marker is a second socket of bob's.
        bob_phone = connect(user_token("bob"))
        assert sorted(e[0]["socketId"] for e in bob.got("user.connected", count=2)) == sorted([bob.sid, bob_phone.sid])
        assert all(e[0]["userId"] == "bob" for e in bob.events.named("user.connected"))
        assert len(bob.events.named("user.connected")) == 2

        phone_sid = ann_phone.sid
        ann_phone.close()
        (left,) = ann.got("user.disconnected")[0]
        assert (left["userId"], left["socketId"]) == ("ann", phone_sid)
        # python-socketio leaves the namespace and closes the connection: which the server sees first varies (or neither
        # reaches it, and the heartbeat ends the session).
        assert left["reason"] in ("client namespace disconnect", "transport close", "ping timeout")
        assert left["timestamp"]
        bob_phone_sid = bob_phone.sid
        bob_phone.close()
        # ann's phone leaving did not reach bob, nor bob's ann: each marker is a socket of their own leaving.
        assert [e[0]["socketId"] for e in bob.got("user.disconnected")] == [bob_phone_sid]
        assert len(bob.events.named("user.disconnected")) == 1
        ann_tablet = connect(user_token("ann"))
        tablet_sid = ann_tablet.sid
        ann_tablet.close()
        assert [e[0]["socketId"] for e in ann.got("user.disconnected", count=2)] == [phone_sid, tablet_sid]
        assert len(ann.events.named("user.disconnected")) == 2


def test_paths_not_configured_are_not_served(start_server, tmp_path):
    server = serve(start_server, tmp_path, ROOT / "examples" / "baasix", "--path", "/realtime")
    with clients(server, "polling") as connect:
        connect(path="realtime")
        with pytest.raises(socketio.exceptions.ConnectionError):
            connect(path="socket.io")
