"""examples/feathers driven the way `@feathersjs/socketio-client` drives a Feathers server (python-socketio 5.x, EIO4,
sending exactly its frames): services `messages`, `users` and `authentication` with error-first callbacks, Feathers'
query syntax, its error objects, and real-time `"<path> <event>"` events for every signed-in socket — and every call
of the document's "Direct connection" section as written there (feathers_client.SCENARIOS, shared with the 4.6.1
suite), over WebSocket and polling."""
import pytest

from conftest import ROOT
from feathers_client import SCENARIOS, sockets
from gateway_support import admin, serve

TRANSPORTS = ["websocket", "polling"]


@pytest.fixture
def server(start_server, tmp_path):
    return serve(start_server, tmp_path, ROOT / "examples" / "feathers")


def feathers_error(name, code, class_name, error_code, message):
    return {"name": name, "code": code, "className": class_name, "errorCode": error_code, "message": message}


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_direct_connection(server, scenario, transport):
    """Each call of the document's "Direct connection" section, as written there (feathers_client.SCENARIOS)."""
    SCENARIOS[scenario](server, transport)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_sign_up_authenticate_and_chat(server, transport):
    with sockets(server, transport) as open_socket:
        ann, bob, stranger = open_socket(), open_socket(), open_socket()
        user, auth = ann.sign_up_and_in("ann@example.com", "s3cret!")
        assert set(user) == {"id", "email", "createdAt", "updatedAt"}  # never the password
        assert set(auth) == {"accessToken", "authentication", "user"}
        assert auth["authentication"]["strategy"] == "local"
        assert auth["authentication"]["accessToken"] == auth["accessToken"]
        assert auth["authentication"]["payload"]["sub"] == str(user["id"]) and "exp" in auth["authentication"]["payload"]
        assert auth["user"] == user
        assert ann.error("create", "users", {"email": "ann@example.com", "password": "x"}) == feathers_error(
            "Conflict", 409, "conflict", "CONFLICT", "Email already taken")
        assert ann.error("create", "authentication", {"strategy": "local", "email": "ann@example.com", "password": "s3cret?"}) \
            == feathers_error("NotAuthenticated", 401, "not-authenticated", "UNAUTHORIZED", "Invalid login")

        # jwt strategy from a second device of a second user, with the token from a local sign-in.
        bob_user, bob_auth = bob.sign_up_and_in("bob@example.com")
        again = stranger("create", "authentication", {"strategy": "jwt", "accessToken": bob_auth["accessToken"]})
        assert again["user"] == bob_user and again["authentication"]["strategy"] == "jwt"
        stranger("remove", "authentication", None)
        assert stranger.error("find", "messages", {})["name"] == "NotAuthenticated"

        message = ann("create", "messages", {"text": "hello"})
        assert message["text"] == "hello" and message["userId"] == user["id"]
        assert bob.got("messages created") == [message]
        assert ann.got("messages created") == [message]
        patched = ann("patch", "messages", message["id"], {"text": "hello!"})
        assert bob.got("messages patched") == [patched]
        updated = ann("update", "messages", message["id"], {"text": "replaced"})
        assert bob.got("messages updated") == [updated]
        assert bob.error("remove", "messages", message["id"])["name"] == "Forbidden"
        removed = ann("remove", "messages", message["id"])
        assert removed == updated and bob.got("messages removed") == [removed]
        assert ann.error("get", "messages", message["id"]) == feathers_error(
            "NotFound", 404, "not-found", "NOT_FOUND", f"No record found for id '{message['id']}'")
        # A record written from the backend (admin API) is announced too (its id is the admin API's, a string); the
        # signed-out socket hears nothing: the marker is a message it does get once it signs in again.
        from_backend = admin(server, "POST", "/admin/collections/messages/items", {"text": "from the backend"}).json()
        assert bob.got("messages created", count=2)[1] == from_backend and isinstance(from_backend["id"], str)
        stranger("create", "authentication", {"strategy": "jwt", "accessToken": bob_auth["accessToken"]})
        marker = bob("create", "messages", {"text": "marker"})
        assert stranger.got("messages created") == [marker]
        assert stranger.events.named("messages created") == [(marker,)]


def test_every_query_operator_and_pagination(server):
    with sockets(server, "websocket") as open_socket:
        app = open_socket()
        user, _ = app.sign_up_and_in("q@example.com")
        texts = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"]
        created = app("create", "messages", [{"text": text} for text in texts])  # an array creates several
        assert [m["text"] for m in created] == texts
        by_text = {m["text"]: m for m in created}

        def texts_of(query):
            return [m["text"] for m in app("find", "messages", {**query, "$sort": {"text": 1}})["data"]]

        page = app("find", "messages", {"$limit": 2, "$skip": 1, "$sort": {"text": 1}})
        assert set(page) == {"total", "limit", "skip", "data"}
        assert (page["total"], page["limit"], page["skip"]) == (6, 2, 1)
        assert [m["text"] for m in page["data"]] == ["beta", "delta"]
        assert app("find", "messages", {"$limit": 0}) == {"total": 6, "limit": 0, "skip": 0, "data": []}
        assert app("find", "messages", {"$limit": 500})["limit"] == 50
        assert texts_of({"text": "beta"}) == ["beta"]
        assert texts_of({"text": {"$in": ["beta", "zeta", "nope"]}}) == ["beta", "zeta"]
        assert texts_of({"text": {"$nin": ["beta", "zeta"]}}) == ["alpha", "delta", "epsilon", "gamma"]
        assert texts_of({"text": {"$lt": "delta"}}) == ["alpha", "beta"]
        assert texts_of({"text": {"$lte": "delta"}}) == ["alpha", "beta", "delta"]
        assert texts_of({"text": {"$gt": "epsilon"}}) == ["gamma", "zeta"]
        assert texts_of({"text": {"$gte": "epsilon"}}) == ["epsilon", "gamma", "zeta"]
        assert texts_of({"text": {"$ne": "alpha"}}) == ["beta", "delta", "epsilon", "gamma", "zeta"]
        assert texts_of({"$or": [{"text": "alpha"}, {"text": {"$gt": "y"}}]}) == ["alpha", "zeta"]
        assert texts_of({"userId": user["id"], "text": {"$in": ["alpha", "beta"]}}) == ["alpha", "beta"]
        assert [m["text"] for m in app("find", "messages", {"$sort": {"text": -1}, "$limit": 2})["data"]] == ["zeta", "gamma"]
        selected = app("find", "messages", {"$select": ["text"], "text": "gamma"})["data"]
        assert selected == [{"id": by_text["gamma"]["id"], "text": "gamma"}]
        assert app("get", "messages", by_text["beta"]["id"]) == by_text["beta"]
        assert app.error("find", "messages", {"text": {"$regex": "a"}})["name"] == "BadRequest"


def test_feathers_error_shapes(server):
    with sockets(server, "websocket") as open_socket:
        app = open_socket()
        assert app.error("find", "nope", {}) == feathers_error(
            "NotFound", 404, "not-found", "NOT_FOUND", "Service 'nope' not found")
        assert app.error("find", "authentication", {}) == feathers_error(
            "MethodNotAllowed", 405, "method-not-allowed", "BAD_REQUEST", "Method 'find' not allowed on service 'authentication'")
        assert app.error("frobnicate", "messages", {})["name"] == "MethodNotAllowed"
        assert app.error("find", "messages", {}, {}, "extra") == feathers_error(
            "BadRequest", 400, "bad-request", "BAD_REQUEST", "Too many arguments for 'find' method")
        assert app.error("find", "messages", {}) == feathers_error(
            "NotAuthenticated", 401, "not-authenticated", "UNAUTHORIZED", "Not authenticated")
        assert app.error("find", "users", {})["name"] == "NotAuthenticated"
        assert app.error("create", "authentication", {"strategy": "magic"})["name"] == "NotAuthenticated"
        assert app.error("create", "authentication", {"strategy": "jwt", "accessToken": "forged"})["message"] == "Invalid login"
        assert app.error("remove", "authentication", None)["name"] == "NotAuthenticated"
