"""A client that speaks Feathers' Socket.IO wire contract byte for byte (transport-commons, as
`@feathersjs/socketio-client` sends it): `emit(method, path, ...args, callback)` with an error-first callback.

Also the document's "Direct connection" calls (Tests/../shared/reference/feathers-socketio-client.txt), each as a
scenario run by both python-socketio 5.x (`test_feathers.py`) and 4.6.1 (`eio3/test_feathers_eio3.py`) over
polling and WebSocket: the same frames the document's `socket.emit(...)` lines send, with or without a callback as
written there. Ids are the document's (1, 2): every test starts on an empty database, and the service numbers
records 1, 2, 3… like a SQL adapter."""
import contextlib
import inspect
import time

import socketio

from conftest import Recorder, wait_until
from gateway_support import admin, make_jwt

TIMEOUT = 10
SERVICES = ("messages", "my/messages", "users")
EVENTS = [f"{path} {event}" for path in SERVICES for event in ("created", "updated", "patched", "removed")] \
    + ["messages myevent"]
# python-socketio 5.x bounds the wait for the namespace CONNECT; 4.6.1 has no such option.
CONNECT_OPTIONS = {"wait_timeout": TIMEOUT} if "wait_timeout" in inspect.signature(socketio.Client.connect).parameters else {}


class FeathersError(Exception):
    def __init__(self, payload):
        super().__init__(payload)
        self.payload = payload


def call(sio, method, path, *args, namespace="/"):
    """The `data` of `callback(null, data)`; raises FeathersError with the error object of `callback(error)`."""
    answer = sio.call(method, (path, *args), namespace=namespace, timeout=TIMEOUT)
    if isinstance(answer, tuple) and answer[0] is None:
        return answer[1]
    raise FeathersError(answer[0] if isinstance(answer, tuple) else answer)


def error_of(sio, method, path, *args):
    try:
        call(sio, method, path, *args)
    except FeathersError as error:
        return error.payload
    raise AssertionError(f"{method} {path} succeeded")


class Socket:
    """`io('http://localhost:3030/')` without a Feathers client: a socket that records the service events."""

    def __init__(self, server, transport, headers=None):
        self.server, self.transport, self.headers = server, transport, headers or {}
        self.events = Recorder()
        self.sio = socketio.Client(reconnection=False)
        for name in EVENTS + ["connect_error"]:
            self.sio.on(name, (lambda n: lambda *args: self.events.add(n, *args))(name))

    def connect(self):
        self.sio.connect(self.server.url, transports=[self.transport], headers=self.headers, **CONNECT_OPTIONS)
        return self

    def __call__(self, method, path, *args):
        """`socket.emit(method, path, ...args, (error, data) => …)`: data, or FeathersError."""
        return call(self.sio, method, path, *args)

    def error(self, method, path, *args):
        return error_of(self.sio, method, path, *args)

    def emit(self, method, path, *args):
        """`socket.emit(method, path, ...args)` with no callback, as some of the document's lines are."""
        self.sio.emit(method, (path, *args))

    def got(self, name, count=1):
        assert wait_until(lambda: len(self.events.named(name)) >= count, timeout=TIMEOUT), (name, self.events.events)
        return [args[0] for args in self.events.named(name)]

    def sign_up_and_in(self, email, password="supersecret"):
        user = self("create", "users", {"email": email, "password": password})
        return user, self("create", "authentication", {"strategy": "local", "email": email, "password": password})

    def close(self):
        self.sio.disconnect()


@contextlib.contextmanager
def sockets(server, transport):
    """Opens sockets (`open(headers=None)`), and closes every one of them, connected or not, on the way out."""
    made = []

    def open_socket(headers=None):
        socket = Socket(server, transport, headers)
        made.append(socket)
        return socket.connect()

    try:
        yield open_socket
    finally:
        for socket in made:
            socket.close()


def refused(open_socket, headers):
    """Whether the server refuses a connection: 5.x raises at connect, 4.6.1 (EIO3) gets a `connect_error`."""
    try:
        socket = open_socket(headers)
    except socketio.exceptions.ConnectionError:
        return True
    return bool(wait_until(lambda: socket.events.named("connect_error"), timeout=TIMEOUT))


def ids(records):
    return [record["id"] for record in records]


def without_times(record):
    return {key: value for key, value in record.items() if key not in ("createdAt", "updatedAt")}


# ---- The document's "Direct connection" section, call by call --------------------------------------------------

def authentication_local_then_jwt_after_reconnect(server, transport):
    """`create('authentication', {strategy: 'local', …}, cb)` → `{accessToken, user}`; after a reconnect the socket
    is anonymous until `create('authentication', {strategy: 'jwt', accessToken})`."""
    with sockets(server, transport) as open_socket:
        socket = open_socket()
        user = socket("create", "users", {"email": "hello@feathersjs.com", "password": "supersecret"})
        assert "password" not in user and user["id"] == 1
        auth_result = socket("create", "authentication",
                             {"strategy": "local", "email": "hello@feathersjs.com", "password": "supersecret"})
        assert auth_result["user"] == user and isinstance(auth_result["accessToken"], str)
        assert auth_result["authentication"] == {"strategy": "local", "accessToken": auth_result["accessToken"],
                                                 "payload": auth_result["authentication"]["payload"]}
        assert auth_result["authentication"]["payload"]["sub"] == str(user["id"])  # a JWT's `sub` is a string
        # "You can now send authenticated messages to the server"
        assert socket("create", "messages", {"text": "signed in"})["userId"] == user["id"]
        wrong = socket.error("create", "authentication",
                             {"strategy": "local", "email": "hello@feathersjs.com", "password": "supersecreT"})
        assert (wrong["name"], wrong["code"], wrong["message"]) == ("NotAuthenticated", 401, "Invalid login")

        # The socket reconnects: to the server that is a new session (the JS scenario reconnects the same socket
        # object; python-engineio 3.14 cannot reuse a client that disconnected, so a new one stands in for it).
        socket.close()
        socket = open_socket()
        assert socket.error("find", "messages", {})["name"] == "NotAuthenticated"  # "has to be authenticated again"
        new_auth_result = socket("create", "authentication",
                                 {"strategy": "jwt", "accessToken": auth_result["accessToken"]})
        assert new_auth_result["user"] == user and new_auth_result["accessToken"] == auth_result["accessToken"]
        assert new_auth_result["authentication"]["strategy"] == "jwt"
        assert socket("find", "messages", {})["total"] == 1


def authentication_extra_headers(server, transport):
    """`io(url, {extraHeaders: {Authorization: 'Bearer <accessToken>'}})`: an authenticated connection."""
    with sockets(server, transport) as open_socket:
        author = open_socket()
        user, auth = author.sign_up_and_in("headers@example.com")
        token = auth["accessToken"]
        reader = open_socket({"Authorization": f"Bearer {token}"})
        assert reader("find", "messages", {})["total"] == 0  # signed in without calling `authentication`
        message = author("create", "messages", {"text": "to the authenticated channel"})
        assert reader.got("messages created") == [message]  # it is in the `authenticated` channel
        assert reader("create", "messages", {"text": "mine"})["userId"] == user["id"]
        assert reader("remove", "authentication", None)["user"] == user  # and can sign out
        assert reader.error("find", "messages", {})["name"] == "NotAuthenticated"

        # A token signed for nobody of this app leaves the socket anonymous; a forged one is refused at connect.
        stranger = open_socket({"Authorization": "Bearer " + make_jwt({"sub": "999", "exp": int(time.time()) + 600})})
        assert stranger.error("find", "messages", {})["name"] == "NotAuthenticated"
        forged = token[:-1] + ("A" if token[-1] != "A" else "B")
        assert refused(open_socket, {"Authorization": f"Bearer {forged}"}), "a forged token was accepted"


def find(server, transport):
    """`emit('find', 'messages', {status: 'read', user: 10}, cb)` → `find({query: {status: 'read', user: 10}})`."""
    with sockets(server, transport) as open_socket:
        socket = open_socket()
        socket.sign_up_and_in("find@example.com")
        wanted = socket("create", "messages", {"text": "read by 10", "status": "read", "user": 10})
        socket("create", "messages", {"text": "unread", "status": "unread", "user": 10})
        socket("create", "messages", {"text": "read by 11", "status": "read", "user": 11})
        data = socket("find", "messages", {"status": "read", "user": 10})
        assert data["total"] == 1 and data["data"] == [wanted]
        assert wanted["status"] == "read" and wanted["user"] == 10  # the fields the client sent are kept
        assert socket("find", "messages", {"status": "read"})["total"] == 2


def get(server, transport):
    """`emit('get', 'messages', 1, cb)` and `emit('get', 'messages', 1, {fetch: 'all'}, cb)`."""
    with sockets(server, transport) as open_socket:
        socket = open_socket()
        socket.sign_up_and_in("get@example.com")
        created = socket("create", "messages", {"text": "the first", "tags": ["a", "b"], "meta": {"n": 1}})
        assert created["id"] == 1
        message = socket("get", "messages", 1)
        assert message == created
        assert socket("get", "messages", 1, {"fetch": "all"}) == created
        assert socket("get", "messages", "1") == created  # an id as a string names the same record
        assert socket("get", "messages", 1, {"text": "the first"}) == created  # the query still applies
        assert socket.error("get", "messages", 1, {"text": "other"})["name"] == "NotFound"
        missing = socket.error("get", "messages", 2)
        assert (missing["name"], missing["code"], missing["message"]) == ("NotFound", 404, "No record found for id '2'")


def create(server, transport):
    """`emit('create', 'messages', {text}, cb)` and `emit('create', 'messages', [{…}, {…}])` (no callback)."""
    with sockets(server, transport) as open_socket:
        socket = open_socket()
        user, _ = socket.sign_up_and_in("create@example.com")
        message = socket("create", "messages", {"text": "I really have to iron"})
        assert without_times(message) == {"id": 1, "text": "I really have to iron", "userId": user["id"]}
        assert message["createdAt"] and message["updatedAt"]
        assert socket.got("messages created") == [message]
        # The server's fields stay the server's.
        forged = socket("create", "messages", {"text": "forged", "id": 77, "userId": 99, "createdAt": "1999-01-01T00:00:00.000Z"})
        assert (forged["id"], forged["userId"]) == (2, user["id"]) and forged["createdAt"] != "1999-01-01T00:00:00.000Z"

        socket.emit("create", "messages", [{"text": "I really have to iron"}, {"text": "Do laundry"}])
        # (python-socketio hands each event to a thread of its own: the two may be recorded in either order)
        events = sorted(socket.got("messages created", count=4)[2:], key=lambda m: m["id"])
        assert [(m["id"], m["text"]) for m in events] == [(3, "I really have to iron"), (4, "Do laundry")]
        page = socket("find", "messages", {"id": {"$in": [3, 4]}, "$sort": {"createdAt": 1}})
        assert page["data"] == events
        answered = socket("create", "messages", [{"text": "one"}, {"text": "two"}])  # with a callback: the array
        assert [(m["id"], m["text"]) for m in answered] == [(5, "one"), (6, "two")]


def update(server, transport):
    """`emit('update', 'messages', 2, {text: 'I really have to do laundry'}, cb)`: the record replaced."""
    with sockets(server, transport) as open_socket:
        socket = open_socket()
        user, _ = socket.sign_up_and_in("update@example.com")
        socket("create", "messages", {"text": "one"})
        second = socket("create", "messages", {"text": "two", "status": "read"})
        message = socket("update", "messages", 2, {"text": "I really have to do laundry"})
        assert without_times(message) == {"id": 2, "text": "I really have to do laundry", "userId": user["id"]}
        assert message["createdAt"] == second["createdAt"]
        assert socket.got("messages updated") == [message]
        assert socket("get", "messages", 2) == message


def update_multiple(server, transport):
    """`emit('update', 'messages', null, {complete: true}, {complete: false})`: update replaces one record, as the
    document's ProTip says of the adapters — MethodNotAllowed, and nothing changes."""
    with sockets(server, transport) as open_socket:
        socket = open_socket()
        socket.sign_up_and_in("update-null@example.com")
        socket("create", "messages", [{"text": "a", "complete": False}, {"text": "b", "complete": False}, {"text": "marker"}])
        socket.emit("update", "messages", None, {"complete": True}, {"complete": False})
        marker = socket("update", "messages", 3, {"text": "marker, replaced"})
        assert socket.got("messages updated") == [marker]  # the marker's event came; the null update sent none
        assert socket.events.named("messages updated") == [(marker,)]
        assert socket("find", "messages", {"complete": False})["total"] == 2
        error = socket.error("update", "messages", None, {"complete": True}, {"complete": False})
        assert (error["name"], error["code"], error["message"]) == ("MethodNotAllowed", 405, "Can not update multiple entries")


def patch(server, transport):
    """`emit('patch', 'messages', 2, {read: true}, cb)`: the new field merged in."""
    with sockets(server, transport) as open_socket:
        socket = open_socket()
        socket.sign_up_and_in("patch@example.com")
        socket("create", "messages", {"text": "one"})
        second = socket("create", "messages", {"text": "two", "status": "new"})
        message = socket("patch", "messages", 2, {"read": True})
        assert without_times(message) == {**without_times(second), "read": True}
        assert socket.got("messages patched") == [message]
        assert socket("find", "messages", {"read": True})["data"] == [message]


def patch_multiple(server, transport):
    """`emit('patch', 'messages', null, {complete: true}, {complete: false}, cb)`: every match of the caller's,
    answered as an array, one `messages patched` each."""
    with sockets(server, transport) as open_socket:
        ann, bob = open_socket(), open_socket()
        ann.sign_up_and_in("ann@example.com")
        bob.sign_up_and_in("bob@example.com")
        ann("create", "messages", [{"text": "a", "complete": False}, {"text": "b", "complete": True}, {"text": "c", "complete": False}])
        bobs = bob("create", "messages", {"text": "bob's", "complete": False})
        message = ann("patch", "messages", None, {"complete": True}, {"complete": False})
        assert [(m["id"], m["text"], m["complete"]) for m in message] == [(1, "a", True), (3, "c", True)]
        assert sorted(ids(bob.got("messages patched", count=2))) == [1, 3]
        marker = ann("patch", "messages", 2, {"marker": True})
        assert sorted(ids(bob.got("messages patched", count=3))) == [1, 2, 3]
        assert sorted(ids(m for (m,) in bob.events.named("messages patched"))) == [1, 2, 3] and marker["id"] == 2
        assert bob("get", "messages", bobs["id"]) == bobs  # another user's message is not the caller's to change
        assert ann("find", "messages", {"complete": True})["total"] == 3


def remove(server, transport):
    """`emit('remove', 'messages', 2, {cascade: true}, cb)`: the removed record; `cascade` is an option, not a
    filter."""
    with sockets(server, transport) as open_socket:
        socket = open_socket()
        socket.sign_up_and_in("remove@example.com")
        socket("create", "messages", [{"text": "one"}, {"text": "two"}])
        second = socket("get", "messages", 2)
        message = socket("remove", "messages", 2, {"cascade": True})
        assert message == second
        assert socket.got("messages removed") == [second]
        assert socket.error("get", "messages", 2)["name"] == "NotFound"
        assert ids(socket("find", "messages", {})["data"]) == [1]


def remove_multiple(server, transport):
    """`emit('remove', 'messages', null, {read: true})` (no callback): every read message of the caller's goes,
    one `messages removed` each; with a callback the answer is the array."""
    with sockets(server, transport) as open_socket:
        ann, bob = open_socket(), open_socket()
        ann.sign_up_and_in("ann@example.com")
        bob.sign_up_and_in("bob@example.com")
        ann("create", "messages", [{"text": "a", "read": True}, {"text": "b", "read": False}, {"text": "c", "read": True}])
        bobs = bob("create", "messages", {"text": "bob's", "read": True})
        ann.emit("remove", "messages", None, {"read": True})
        assert sorted(ids(bob.got("messages removed", count=2))) == [1, 3]
        marker = ann("remove", "messages", 2)
        assert sorted(ids(bob.got("messages removed", count=3))) == [1, 2, 3] and marker["id"] == 2
        assert len(bob.events.named("messages removed")) == 3
        assert ann("find", "messages", {})["data"] == [bobs]  # bob's read message is not ann's to remove

        ann("create", "messages", [{"text": "d", "read": True}, {"text": "e", "read": True}])
        answered = ann("remove", "messages", None, {"read": True})
        assert [(m["id"], m["text"]) for m in answered] == [(5, "d"), (6, "e")]
        assert ann("find", "messages", {})["data"] == [bobs]


def service_events(server, transport):
    """`messages created`, `my/messages updated` (after `emit('update', 'my/messages', 1, {text: 'Updated text'},
    {}, cb)`), `messages removed` and a custom `messages myevent`."""
    with sockets(server, transport) as open_socket:
        ann, bob = open_socket(), open_socket()
        ann_user, _ = ann.sign_up_and_in("ann@example.com")
        bob.sign_up_and_in("bob@example.com")
        created = ann("create", "messages", {"text": "Got a new Todo"})
        assert bob.got("messages created") == [created] and ann.got("my/messages created") == [created]

        updated = ann("update", "my/messages", 1, {"text": "Updated text"}, {})
        assert without_times(updated) == {"id": 1, "text": "Updated text", "userId": ann_user["id"]}
        assert ann.got("my/messages updated") == [updated] and bob.got("messages updated") == [updated]
        # my/messages is the caller's own: bob neither sees ann's there nor hears of them (his own event is the marker).
        assert bob.error("update", "my/messages", 1, {"text": "not mine"}, {})["name"] == "NotFound"
        assert bob("find", "my/messages", {})["total"] == 0
        bobs = bob("create", "my/messages", {"text": "bob's"})
        assert bob.got("my/messages created") == [bobs]
        assert bob.events.named("my/messages updated") == [] and bob.events.named("my/messages created") == [(bobs,)]

        removed = ann("remove", "messages", 1)
        assert bob.got("messages removed") == [removed] and removed["id"] == 1

        custom = {"type": "custom", "text": "from the backend"}
        assert admin(server, "POST", "/admin/emit", {"target": {"room": "authenticated"}, "event": "messages myevent",
                                                      "args": [custom]}).json()["delivered"] == 2
        assert ann.got("messages myevent") == [custom] and bob.got("messages myevent") == [custom]


def unknown_service_or_method(server, transport):
    """"If the service path or method does not exist, an appropriate Feathers error will be returned"."""
    with sockets(server, transport) as open_socket:
        socket = open_socket()
        socket.sign_up_and_in("errors@example.com")
        missing = socket.error("find", "todos", {})
        assert (missing["name"], missing["code"], missing["className"]) == ("NotFound", 404, "not-found")
        assert missing["message"] == "Service 'todos' not found"
        wrong = socket.error("frobnicate", "messages", {})
        assert (wrong["name"], wrong["code"], wrong["className"]) == ("MethodNotAllowed", 405, "method-not-allowed")


def users_service(server, transport):
    """`users`: schema-less too, never their password, only one's own record to change; `remove(id, {cascade:
    true})` takes the user's messages with it."""
    with sockets(server, transport) as open_socket:
        ann, bob = open_socket(), open_socket()
        user = ann("create", "users", {"email": "ann@example.com", "password": "pw", "name": "Ann", "id": 9, "createdAt": "x"})
        assert without_times(user) == {"id": 1, "email": "ann@example.com", "name": "Ann"} and user["createdAt"] != "x"
        ann("create", "authentication", {"strategy": "local", "email": "ann@example.com", "password": "pw"})
        bob.sign_up_and_in("bob@example.com")
        patched = ann("patch", "users", 1, {"name": "Ann B.", "password": "new"})
        assert "password" not in patched and patched["name"] == "Ann B."
        assert bob.got("users patched") == [patched]
        assert bob.error("patch", "users", 1, {"name": "Bob"})["name"] == "Forbidden"
        assert bob("find", "users", {"name": "Ann B."})["data"] == [patched]
        assert bob.error("create", "authentication", {"strategy": "local", "email": "ann@example.com", "password": "pw"})["name"] \
            == "NotAuthenticated"  # the old password no longer signs in

        ann("create", "messages", [{"text": "a"}, {"text": "b"}])
        bob("create", "messages", {"text": "bob's"})
        removed = ann("remove", "users", 1, {"cascade": True})
        assert without_times(removed) == without_times(patched)
        assert bob.got("users removed") == [removed]
        assert sorted(ids(bob.got("messages removed", count=2))) == [1, 2]
        assert ids(bob("find", "messages", {})["data"]) == [3]


SCENARIOS = {scenario.__name__: scenario for scenario in (
    authentication_local_then_jwt_after_reconnect, authentication_extra_headers, find, get, create, update,
    update_multiple, patch, patch_multiple, remove, remove_multiple, service_events, unknown_service_or_method,
    users_service,
)}
