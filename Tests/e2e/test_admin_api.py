"""End-to-end tests of the admin HTTP API: a real `gatewayd serve` driven with curl-equivalent requests."""
import re
import subprocess
import urllib.parse

import pytest
import requests

from conftest import BIN_DIR, clean_environment, database, tokenless_admin_api

TOKEN = "test-admin-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TIMEOUT = 10

SEED_TEST_RUN = (
    '{"kind":"websocket_event","gatewayPath":"/chat","eventName":"message","timeoutMs":5000,'
    '"payload":{"text":"hello"},'
    '"script":"LOGS(\\"received\\", BODY); SOCKET.reply(\\"reply\\", {ok=true}); return {ok=true}"}'
)


def serve(start_server, tmp_path, *extra):
    return start_server([BIN_DIR / "gatewayd", "serve", "--port", "0", "--host", "127.0.0.1",
                         "--db", database(tmp_path / "db.sqlite"), "--no-sync", *extra])


class Admin:
    """A client for one server (its base URL), sending the admin token unless told otherwise."""

    def __init__(self, base, headers=None):
        self.base = base
        self.headers = AUTH if headers is None else headers

    def call(self, method, path, json=None, data=None, headers=None):
        return requests.request(method, self.base + path, json=json, data=data,
                                headers={**self.headers, **(headers or {})}, timeout=TIMEOUT)

    def get(self, path):
        return self.call("GET", path)

    def post(self, path, json=None, **kwargs):
        return self.call("POST", path, json=json, **kwargs)

    def patch(self, path, json=None, **kwargs):
        return self.call("PATCH", path, json=json, **kwargs)

    def delete(self, path):
        return self.call("DELETE", path)

    def create_gateway(self, **fields):
        response = self.post("/admin/gateways", {"path": "/room", **fields})
        assert response.status_code == 201, response.text
        return response.json()

    def create_event(self, gateway_id, **fields):
        response = self.post(f"/admin/gateways/{gateway_id}/events", {"eventName": "ping", "script": "return 1", **fields})
        assert response.status_code == 201, response.text
        return response.json()

    def test_run(self, **body):
        return self.post("/admin/test/run", {"kind": "websocket_event", **body})


def error_of(response, status, code):
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code, error
    assert error["message"]
    return error


@pytest.fixture
def admin(start_server, tmp_path):
    return Admin(serve(start_server, tmp_path, "--admin-token", TOKEN).url)


# MARK: health and auth

def test_healthz_needs_no_token_and_reports_version_and_database(admin):
    response = requests.get(admin.base + "/healthz", timeout=TIMEOUT)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["version"]


# A wrong token of the right one's length (a near miss: only the last character differs), and a longer one the right
# token is a prefix of: neither may get in, whatever the comparison does with lengths.
WRONG_TOKEN = TOKEN[:-1] + ("x" if TOKEN[-1] != "x" else "y")
LONGER_TOKEN = TOKEN + "x"

# Every admin route the daemon had when the list came from `gatewayd routes`; the command must list at least these
# (`*` stands for a parameter), so an empty or partial listing fails instead of testing nothing.
KNOWN_ADMIN_ROUTES = {
    ("GET", "/admin/gateways"), ("POST", "/admin/gateways"),
    ("GET", "/admin/gateways/*"), ("PATCH", "/admin/gateways/*"), ("DELETE", "/admin/gateways/*"),
    ("GET", "/admin/gateways/*/events"), ("POST", "/admin/gateways/*/events"),
    ("GET", "/admin/gateways/*/events/*"), ("PATCH", "/admin/gateways/*/events/*"), ("DELETE", "/admin/gateways/*/events/*"),
    ("POST", "/admin/test/run"),
    ("POST", "/admin/emit"),
    ("GET", "/admin/collections"), ("DELETE", "/admin/collections/*"),
    ("GET", "/admin/collections/*/items"), ("POST", "/admin/collections/*/items"),
    ("GET", "/admin/collections/*/items/*"), ("PATCH", "/admin/collections/*/items/*"),
    ("PUT", "/admin/collections/*/items/*"), ("DELETE", "/admin/collections/*/items/*"),
}

# Bodies the authorised calls send; a route not named here gets `{}`.
ROUTE_BODIES = {
    ("POST", "/admin/gateways"): {"path": "/authcheck"},
    ("PATCH", "/admin/gateways/*"): {"description": "x"},
    ("POST", "/admin/gateways/*/events"): {"eventName": "made", "script": "return 1"},
    ("PATCH", "/admin/gateways/*/events/*"): {"description": "x"},
    ("POST", "/admin/test/run"): {"kind": "websocket_event", "eventName": "e", "script": "return 1"},
    ("POST", "/admin/emit"): {"target": {"all": True}, "event": "e", "args": []},
    ("POST", "/admin/collections/*/items"): {"id": "made", "text": "x"},
    ("PATCH", "/admin/collections/*/items/*"): {"text": "patched"},
    ("PUT", "/admin/collections/*/items/*"): {"text": "replaced"},
}

PARAMETER = re.compile(r"^\{(\w+)\}$")  # `gatewayd routes` prints a parameter as `{name}`


def registered_routes():
    """(method, path) of every route `gatewayd routes` prints, one `METHOD PATH` a line."""
    listing = subprocess.run([str(BIN_DIR / "gatewayd"), "routes"], capture_output=True, text=True, timeout=60,
                             env=clean_environment())
    assert listing.returncode == 0, listing.stderr
    routes = []
    for line in listing.stdout.splitlines():
        if not line.strip():
            continue
        parts = line.split()
        assert len(parts) == 2 and parts[0].isupper() and parts[1].startswith("/"), f"not `METHOD PATH`: {line!r}"
        routes.append((parts[0], parts[1]))
    return routes


def shape(path):
    """The path with every parameter segment as `*`."""
    return "/".join("*" if PARAMETER.match(segment) else segment for segment in path.split("/"))


def with_samples(path, samples):
    """The path with each parameter replaced by the sample for (the segment before it, its name), else `sample`."""
    segments = path.split("/")
    filled = []
    for index, segment in enumerate(segments):
        match = PARAMETER.match(segment)
        if match:
            name = match.group(1)
            segment = urllib.parse.quote(str(samples.get((segments[index - 1], name), "sample")), safe="")
        filled.append(segment)
    return "/".join(filled)


def test_the_route_listing_holds_every_known_admin_route():
    listed = {(method, shape(path)) for method, path in registered_routes()}
    assert KNOWN_ADMIN_ROUTES <= listed, sorted(KNOWN_ADMIN_ROUTES - listed)
    assert ("GET", "/healthz") in listed


# The web console's files: static, the same for everyone (the page asks for the token and sends it with its calls).
CONSOLE_FILES = {"/admin/ui", "/admin/ui/console.css", "/admin/ui/console.js"}


def test_the_console_files_are_the_only_admin_routes_without_the_token_and_hold_no_data(admin):
    public = {path for method, path in registered_routes() if path.startswith("/admin/ui")}
    assert public == CONSOLE_FILES
    for path in sorted(public):
        anonymous = requests.get(admin.base + path, timeout=TIMEOUT)
        assert anonymous.status_code == 200, path
        assert anonymous.content == admin.get(path).content, f"{path} is the same with the token and without"


def test_every_admin_route_requires_the_token(admin):
    routes = [(method, path) for method, path in registered_routes() if path.startswith("/admin/") and path not in CONSOLE_FILES]
    assert {(method, shape(path)) for method, path in routes} >= KNOWN_ADMIN_ROUTES
    refusing = {
        "no token": {},
        "wrong token, same length": {"Authorization": f"Bearer {WRONG_TOKEN}"},
        "longer token": {"Authorization": f"Bearer {LONGER_TOKEN}"},
        "not bearer": {"Authorization": TOKEN},
    }
    for index, (method, path) in enumerate(routes):
        # Fresh resources for each route, so a DELETE tried earlier cannot leave a later route nothing to act on.
        gateway = admin.create_gateway(path=f"/authcheck-{index}")
        admin.create_event(gateway["id"])
        collection = f"authcheck{index}"
        assert admin.post(f"/admin/collections/{collection}/items", {"id": "item1", "text": "a"}).status_code == 201
        samples = {("gateways", "id"): gateway["id"], ("events", "eventName"): "ping",
                   ("collections", "name"): collection, ("items", "id"): "item1"}
        url = with_samples(path, samples)
        body = ROUTE_BODIES.get((method, shape(path)), {})

        def state():
            return (admin.get(f"/admin/gateways/{gateway['id']}").json(),
                    admin.get(f"/admin/gateways/{gateway['id']}/events").json(),
                    admin.get(f"/admin/collections/{collection}/items").json(),
                    admin.get("/admin/gateways").json())
        before = state()
        for name, headers in refusing.items():
            refused = Admin(admin.base, headers=headers).call(method, url, json=body)
            assert refused.status_code == 401, f"{method} {url} with {name}: {refused.status_code} {refused.text}"
            error_of(refused, 401, "UNAUTHORIZED")
            assert refused.headers.get("www-authenticate") == "Bearer", f"{method} {url} with {name}"
        # Refused requests changed nothing.
        assert state() == before, f"{method} {url}"

        response = admin.call(method, url, json=body)
        assert response.status_code not in (401, 403), f"{method} {url}: {response.text}"
        if (method, shape(path)) in KNOWN_ADMIN_ROUTES:
            assert response.status_code in (200, 201, 204), f"{method} {url}: {response.status_code} {response.text}"


@tokenless_admin_api
def test_without_a_configured_token_loopback_clients_are_let_in(start_server, tmp_path):
    server = serve(start_server, tmp_path)
    anonymous = Admin(server.url, headers={})
    assert anonymous.get("/admin/gateways").json() == {"gateways": []}
    assert anonymous.post("/admin/gateways", {"path": "/open"}).status_code == 201
    # A token sent anyway does no harm.
    assert Admin(server.url).get("/admin/gateways").status_code == 200


def test_admin_token_from_the_environment(start_server, tmp_path):
    server = start_server([BIN_DIR / "gatewayd", "serve", "--port", "0", "--host", "127.0.0.1",
                           "--db", database(tmp_path / "db.sqlite"), "--no-sync"], env={"GATEWAYD_ADMIN_TOKEN": TOKEN})
    assert Admin(server.url, headers={}).get("/admin/gateways").status_code == 401
    assert Admin(server.url, headers={"Authorization": f"Bearer {WRONG_TOKEN}"}).get("/admin/gateways").status_code == 401
    assert Admin(server.url).get("/admin/gateways").status_code == 200


# MARK: CRUD

def test_gateway_crud_round_trip(admin):
    created = admin.create_gateway(path="/chat", requireAuth=True, description="chat",
                                   connectionScript="LOGS('hi')", connectionTimeoutMs=2000)
    assert created["path"] == "/chat"
    assert created["requireAuth"] is True
    assert created["enabled"] is True
    assert created["connectionScript"] == "LOGS('hi')"
    assert created["disconnectScript"] is None
    assert created["connectionTimeoutMs"] == 2000
    assert created["origin"] == "api"
    gateway_id = created["id"]

    assert admin.get(f"/admin/gateways/{gateway_id}").json() == created
    assert admin.get("/admin/gateways").json() == {"gateways": [created]}

    patched = admin.patch(f"/admin/gateways/{gateway_id}", {"path": "/talk", "enabled": False, "connectionScript": None})
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert (body["path"], body["enabled"], body["connectionScript"], body["requireAuth"]) == ("/talk", False, None, True)
    assert body["version"] != created["version"]
    assert admin.get(f"/admin/gateways/{gateway_id}").json() == body

    deleted = admin.delete(f"/admin/gateways/{gateway_id}")
    assert deleted.status_code == 204
    assert deleted.content == b""
    error_of(admin.get(f"/admin/gateways/{gateway_id}"), 404, "NOT_FOUND")
    assert admin.get("/admin/gateways").json() == {"gateways": []}


def test_event_crud_round_trip(admin):
    gateway_id = admin.create_gateway()["id"]
    created = admin.create_event(gateway_id, eventName="chat message", script="return BODY", timeoutMs=1500,
                                 ack="result", description="echo")
    assert (created["eventName"], created["script"], created["timeoutMs"], created["ack"], created["enabled"]) == \
        ("chat message", "return BODY", 1500, "result", True)
    assert created["gatewayId"] == gateway_id

    url = f"/admin/gateways/{gateway_id}/events/chat%20message"
    assert admin.get(url).json() == created
    assert admin.get(f"/admin/gateways/{gateway_id}/events").json() == {"events": [created]}

    renamed = admin.patch(url, {"eventName": "say", "enabled": False})
    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["eventName"], renamed.json()["enabled"], renamed.json()["script"]) == ("say", False, "return BODY")
    error_of(admin.get(url), 404, "NOT_FOUND")
    assert admin.get(f"/admin/gateways/{gateway_id}/events/say").json() == renamed.json()

    assert admin.delete(f"/admin/gateways/{gateway_id}/events/say").status_code == 204
    assert admin.get(f"/admin/gateways/{gateway_id}/events").json() == {"events": []}
    # Deleting a gateway deletes its events.
    admin.create_event(gateway_id)
    assert admin.delete(f"/admin/gateways/{gateway_id}").status_code == 204
    error_of(admin.get(f"/admin/gateways/{gateway_id}/events"), 404, "NOT_FOUND")


# MARK: CRUD errors

def test_invalid_json_is_400(admin):
    error_of(admin.post("/admin/gateways", data="{not json", headers={"content-type": "application/json"}), 400, "INVALID_JSON")
    error_of(admin.post("/admin/gateways", data="[1, 2]"), 400, "INVALID_JSON")
    error_of(admin.post("/admin/gateways", data=""), 400, "INVALID_JSON")
    error_of(admin.post("/admin/test/run", data="nope"), 400, "INVALID_JSON")


@pytest.mark.parametrize("body,field", [
    ({}, "path"),
    ({"path": "chat"}, "path"),
    ({"path": "/a b"}, "path"),
    ({"path": 7}, "path"),
    ({"path": "/x", "enabled": "yes"}, "enabled"),
    ({"path": "/x", "connectionTimeoutMs": 0}, "connectionTimeoutMs"),
])
def test_gateway_validation_errors_name_the_field(admin, body, field):
    error = error_of(admin.post("/admin/gateways", body), 422, "VALIDATION_ERROR")
    assert error["field"] == field
    assert admin.get("/admin/gateways").json() == {"gateways": []}


@pytest.mark.parametrize("body,field", [
    ({"script": "return 1"}, "eventName"),
    ({"eventName": "x"}, "script"),
    ({"eventName": "connect", "script": "return 1"}, "eventName"),
    ({"eventName": "x", "script": "return 1", "timeoutMs": 999999}, "timeoutMs"),
    ({"eventName": "x", "script": "return 1", "ack": "sometimes"}, "ack"),
])
def test_event_validation_errors_name_the_field(admin, body, field):
    gateway_id = admin.create_gateway()["id"]
    error = error_of(admin.post(f"/admin/gateways/{gateway_id}/events", body), 422, "VALIDATION_ERROR")
    assert error["field"] == field


def test_patch_validation_errors_name_the_field(admin):
    gateway_id = admin.create_gateway()["id"]
    admin.create_event(gateway_id)
    assert error_of(admin.patch(f"/admin/gateways/{gateway_id}", {"path": "nope"}), 422, "VALIDATION_ERROR")["field"] == "path"
    assert error_of(admin.patch(f"/admin/gateways/{gateway_id}/events/ping", {"timeoutMs": -1}), 422,
                    "VALIDATION_ERROR")["field"] == "timeoutMs"


def test_conflicts_name_the_field(admin):
    first = admin.create_gateway(path="/a")
    second = admin.create_gateway(path="/b")
    assert error_of(admin.post("/admin/gateways", {"path": "/a"}), 409, "CONFLICT")["field"] == "path"
    assert error_of(admin.patch(f"/admin/gateways/{second['id']}", {"path": "/a"}), 409, "CONFLICT")["field"] == "path"
    admin.create_event(first["id"], eventName="one")
    admin.create_event(first["id"], eventName="two")
    assert error_of(admin.post(f"/admin/gateways/{first['id']}/events", {"eventName": "one", "script": "return 1"}),
                    409, "CONFLICT")["field"] == "eventName"
    assert error_of(admin.patch(f"/admin/gateways/{first['id']}/events/two", {"eventName": "one"}),
                    409, "CONFLICT")["field"] == "eventName"


def test_not_found(admin):
    error_of(admin.get("/admin/gateways/999"), 404, "NOT_FOUND")
    error_of(admin.get("/admin/gateways/abc"), 404, "NOT_FOUND")
    error_of(admin.patch("/admin/gateways/999", {"description": "x"}), 404, "NOT_FOUND")
    error_of(admin.delete("/admin/gateways/999"), 404, "NOT_FOUND")
    error_of(admin.get("/admin/gateways/999/events"), 404, "NOT_FOUND")
    error_of(admin.post("/admin/gateways/999/events", {"eventName": "x", "script": "return 1"}), 404, "NOT_FOUND")
    gateway_id = admin.create_gateway()["id"]
    error_of(admin.get(f"/admin/gateways/{gateway_id}/events/nothing"), 404, "NOT_FOUND")
    error_of(admin.patch(f"/admin/gateways/{gateway_id}/events/nothing", {"enabled": False}), 404, "NOT_FOUND")
    error_of(admin.delete(f"/admin/gateways/{gateway_id}/events/nothing"), 404, "NOT_FOUND")


def test_scripts_are_compiled_before_they_are_saved(admin):
    bad = "local x = 1\nif x then\n  return x\n"  # missing `end`: reported at line 4 (<eof>)
    error = error_of(admin.post("/admin/gateways", {"path": "/bad", "connectionScript": "x = = 1"}), 422, "SCRIPT_SYNTAX_ERROR")
    assert (error["field"], error["line"]) == ("connectionScript", 1)
    assert admin.get("/admin/gateways").json() == {"gateways": []}

    gateway = admin.create_gateway()
    error = error_of(admin.patch(f"/admin/gateways/{gateway['id']}", {"disconnectScript": "\n\nfoo("}), 422, "SCRIPT_SYNTAX_ERROR")
    assert (error["field"], error["line"]) == ("disconnectScript", 3)
    assert admin.get(f"/admin/gateways/{gateway['id']}").json() == gateway

    error = error_of(admin.post(f"/admin/gateways/{gateway['id']}/events", {"eventName": "e", "script": bad}), 422, "SCRIPT_SYNTAX_ERROR")
    assert (error["field"], error["line"]) == ("script", 4)
    assert "e.lua:4:" in error["message"]
    assert admin.get(f"/admin/gateways/{gateway['id']}/events").json() == {"events": []}

    event = admin.create_event(gateway["id"])
    error = error_of(admin.patch(f"/admin/gateways/{gateway['id']}/events/ping", {"script": "return )"}), 422, "SCRIPT_SYNTAX_ERROR")
    assert (error["field"], error["line"]) == ("script", 1)
    assert admin.get(f"/admin/gateways/{gateway['id']}/events/ping").json() == event


def test_oversized_body_is_413(admin):
    error_of(admin.post("/admin/gateways", {"path": "/big", "description": "x" * (5 << 20)}), 413, "PAYLOAD_TOO_LARGE")


# MARK: test runs

def test_the_seed_test_run_example_works_verbatim(start_server, tmp_path):
    # No token configured: loopback, exactly as the README's curl (on PostgreSQL, with the token the harness gave).
    server = serve(start_server, tmp_path)
    response = requests.post(server.url + "/admin/test/run", data=SEED_TEST_RUN,
                             headers={"content-type": "application/json", **server.admin_headers}, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "success": True,
        "result": {"ok": True},
        "logs": [["received", {"text": "hello"}]],
        "emitted": [{"method": "reply", "args": ["reply", {"ok": True}]}],
        "socketData": {},
        "writes": [],
    }


def test_test_run_uses_the_saved_handler_and_its_globals(admin):
    gateway = admin.create_gateway(path="/chat")
    admin.create_event(gateway["id"], eventName="message", script=(
        "SOCKET.join('lobby'); SOCKET.emitToRoom('lobby', 'said', BODY.text)\n"
        "return GATEWAY, EVENT, USER.id, HANDSHAKE.address, HANDSHAKE.query.room, #ARGS, type(REQUEST_ID)"))
    response = admin.test_run(gatewayId=gateway["id"], eventName="message", payload={"text": "hi"},
                              user={"sub": "u-1"}, handshake={"query": {"room": "r"}})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True, body
    assert body["result"] == ["/chat", "message", "u-1", "127.0.0.1", "r", 1, "string"]
    assert body["emitted"] == [{"method": "join", "args": ["lobby"]}, {"method": "emitToRoom", "args": ["lobby", "said", "hi"]}]
    assert body["logs"] == []


def test_test_run_result_shapes_and_args(admin):
    def result(script, **body):
        response = admin.test_run(eventName="e", script=script, **body)
        assert response.status_code == 200 and response.json()["success"], response.text
        return response.json()["result"]

    assert result("return 1, 'two'") == [1, "two"]
    assert result("return 'one'") == "one"
    assert result("LOGS('nothing')") is None
    assert result("return BODY, #ARGS", args=["first", "second"], payload="ignored") == ["first", 2]
    assert result("return BODY == nil, #ARGS") == [True, 0]
    assert result("return USER == nil") is True
    assert result("return GATEWAY", gatewayPath="/not-saved") == "/not-saved"
    assert result("return HANDSHAKE.url, HANDSHAKE.auth, HANDSHAKE.headers, HANDSHAKE.address") == \
        ["/socket.io/", {}, {}, "127.0.0.1"]
    assert result("return HANDSHAKE.address, HANDSHAKE.url", handshake={"address": "10.0.0.9"}) == ["10.0.0.9", "/socket.io/"]


def test_test_run_of_the_connection_script(admin):
    gateway = admin.create_gateway(path="/conn", connectionScript="SOCKET.reply('welcome', SOCKET.id); return BODY == nil, EVENT")
    response = admin.post("/admin/test/run", {"kind": "websocket_connection", "gatewayPath": "/conn"})
    body = response.json()
    assert body["success"] is True, body
    assert body["result"] == [True, "connection"]
    assert body["emitted"] == [{"method": "reply", "args": ["welcome", "test-socket"]}]
    no_script = admin.create_gateway(path="/bare")
    error_of(admin.post("/admin/test/run", {"kind": "websocket_connection", "gatewayId": no_script["id"]}), 400, "MISSING_SCRIPT")
    # By id too, the gateway that has a connection script runs it: the refusal above was about the missing script.
    by_id = admin.post("/admin/test/run", {"kind": "websocket_connection", "gatewayId": gateway["id"]}).json()
    assert (by_id["success"], by_id["result"]) == (True, [True, "connection"]), by_id


@pytest.mark.parametrize("script,code,status", [
    ("THROW.notFound('no such room', {room = 'x'})", "NOT_FOUND", 404),
    ("error('boom')", "SCRIPT_ERROR", 500),
    ("while true do end", "SCRIPT_TIMEOUT", 504),
    ("return function() end", "INVALID_RESULT", 500),
])
def test_test_run_handler_failures_are_reported_not_raised(admin, script, code, status):
    response = admin.test_run(eventName="e", script="LOGS('before'); SOCKET.reply('r'); " + script, timeoutMs=200)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is False
    assert body["error"]["code"] == code
    assert body["error"]["status"] == status
    assert body["error"]["message"]
    assert "details" in body["error"]
    assert body["logs"] == ["before"]
    assert body["emitted"] == [{"method": "reply", "args": ["r"]}]
    assert "result" not in body
    if code == "NOT_FOUND":
        assert body["error"]["details"] == {"room": "x"}


def test_test_run_syntax_error_is_a_failed_run_with_the_line(admin):
    body = admin.test_run(eventName="e", script="local a = 1\nreturn = a").json()
    assert body["success"] is False
    assert body["error"]["code"] == "SCRIPT_SYNTAX_ERROR"
    assert body["error"]["details"] == {"line": 2}
    assert body["logs"] == [] and body["emitted"] == []


def test_test_run_request_errors(admin):
    gateway = admin.create_gateway(path="/chat")
    error_of(admin.post("/admin/test/run", {"kind": "http", "eventName": "e", "script": "return 1"}), 400, "INVALID_TEST_KIND")
    error_of(admin.post("/admin/test/run", {"eventName": "e", "script": "return 1"}), 400, "INVALID_TEST_KIND")
    error_of(admin.test_run(gatewayPath="/chat", script="return 1"), 400, "MISSING_EVENT_NAME")
    error_of(admin.test_run(gatewayPath="/chat", eventName="", script="return 1"), 400, "MISSING_EVENT_NAME")
    error_of(admin.test_run(gatewayPath="/chat", eventName="unknown"), 400, "MISSING_SCRIPT")
    error_of(admin.test_run(gatewayPath="/nowhere", eventName="message"), 400, "GATEWAY_NOT_FOUND")
    error_of(admin.test_run(eventName="message"), 400, "GATEWAY_NOT_FOUND")
    error_of(admin.test_run(gatewayId=gateway["id"] + 100, eventName="message", script="return 1"), 400, "GATEWAY_NOT_FOUND")
    assert error_of(admin.test_run(eventName="e", script="return 1", timeoutMs=0), 422, "VALIDATION_ERROR")["field"] == "timeoutMs"
    assert error_of(admin.test_run(eventName="e", script="return 1", user={"name": "x"}), 422, "VALIDATION_ERROR")["field"] == "user.id"
    assert error_of(admin.test_run(eventName="e", script="return 1", handshake=[]), 422, "VALIDATION_ERROR")["field"] == "handshake"
