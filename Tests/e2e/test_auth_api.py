"""`AUTH.verify(token)` and `AUTH.sign(claims, {expiresIn})` in handlers: the handshake's rules (HS256 pinned, `exp`,
`nbf`, the daemon's secret), so an app can sign users in with a `login` event and hand out tokens the daemon accepts."""
import json
import time

import pytest

from gateway_support import SECRET, Client, admin, make_jwt, serve, user_token, write_gateway

LOGIN = """
local claims, code, message = AUTH.verify(BODY)
if not claims then return {ok = false, code = code, message = message} end
SOCKET.signIn(claims)
return {ok = true, id = claims.id, role = claims.role}
"""

ISSUE = """
return AUTH.sign({sub = BODY.sub, role = BODY.role}, BODY.expiresIn and {expiresIn = BODY.expiresIn} or nil)
"""


@pytest.fixture
def server(start_server, tmp_path):
    handlers = tmp_path / "handlers"
    write_gateway(handlers, "app", "/app", {
        "login": (LOGIN, {"ack": "result"}),
        "issue": (ISSUE, {"ack": "result"}),
        "badSign": ("return AUTH.sign({role = 'x'})", {"ack": "result"}),
        "whoami": ("return USER and USER.id or JSON.null", {"ack": "result"}),
    })
    write_gateway(handlers, "private", "/private", {"whoami": ("return USER.id, USER.role", {"ack": "result"})},
                  requireAuth=True)
    return serve(start_server, tmp_path, handlers)


def claims_of(token):
    import base64
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_verify_signs_a_socket_in_by_the_handshake_rules(server, transport):
    client = Client(server, ["/app"], transports=(transport,))
    try:
        call = lambda event, *args: client.call(event, *args, namespace="/app")
        valid = user_token("alice", role="admin")
        assert call("login", valid) == {"ok": True, "id": "alice", "role": "admin"}
        assert call("whoami") == "alice"
        assert admin(server, "POST", "/admin/emit", {"target": {"user": "alice"}, "event": "hi", "args": []}).json()["delivered"] == 1
        refused = {
            # Wrong credentials have the right one's length: garbage as long as the valid token, a key as long as SECRET.
            "garbage": (("not-a-token-" * len(valid))[:len(valid)], "AUTH_INVALID"),
            "expired": (make_jwt({"sub": "1", "exp": int(time.time()) - 5}), "AUTH_EXPIRED"),
            "not yet": (make_jwt({"sub": "1", "nbf": int(time.time()) + 600}), "AUTH_INVALID"),
            "other key": (make_jwt({"sub": "1"}, secret="other-secret-that-is-at-least-32-bytes-lng"), "AUTH_INVALID"),
            "hs512": (make_jwt({"sub": "1"}, alg="HS512"), "AUTH_INVALID"),
            "no sub": (make_jwt({"role": "x"}), "AUTH_INVALID"),
            "a number": (42, "AUTH_INVALID"),
        }
        for name, (token, code) in refused.items():
            answer = call("login", token)
            assert answer["ok"] is False and answer["code"] == code and answer["message"], name
        assert call("whoami") == "alice"  # a refused login changes nothing
    finally:
        client.close()


def test_signed_tokens_open_a_gateway_that_requires_auth(server):
    client = Client(server, ["/app"])
    try:
        token = client.call("issue", {"sub": 42, "role": "editor", "expiresIn": 120}, namespace="/app")
        claims = claims_of(token)
        assert claims["sub"] == "42" and claims["role"] == "editor"
        assert claims["exp"] - claims["iat"] == 120 and abs(claims["iat"] - time.time()) < 60
        default = claims_of(client.call("issue", {"sub": "bob"}, namespace="/app"))
        assert default["exp"] - default["iat"] == 3600
        failure = client.call("badSign", namespace="/app")["error"]
        assert failure["code"] == "BAD_REQUEST" and "sub" in failure["message"]
        for expires_in in [-1, 0, 10 ** 12, 2 ** 63 - 1]:
            bad_expiry = client.call("issue", {"sub": "x", "expiresIn": expires_in}, namespace="/app")["error"]
            assert bad_expiry["code"] == "BAD_REQUEST" and "expiresIn" in bad_expiry["message"], expires_in
        # A token whose exp is centuries away is accepted and simply outlives the connection.
        far = make_jwt({"sub": "far", "exp": 10 ** 13})
        assert client.call("login", far, namespace="/app")["ok"] is True
    finally:
        client.close()
    private = Client(server, ["/private"], auth={"token": token})
    try:
        assert private.call("whoami", namespace="/private") == ("42", "editor")
    finally:
        private.close()


def test_test_runs_use_the_daemons_secret(server):
    run = lambda script, **body: admin(server, "POST", "/admin/test/run",
                                       {"kind": "websocket_event", "eventName": "e", "script": script, **body}).json()
    verified = run("local c, code = AUTH.verify(BODY); return c and c.id or code", payload=user_token("carol"))
    assert verified["success"] and verified["result"] == "carol"
    signed = run("return AUTH.sign({sub = 'dave'})")
    assert signed["success"] and claims_of(signed["result"])["sub"] == "dave"
    again = run("local c = AUTH.verify(BODY); return c.id", payload=signed["result"])
    assert again["result"] == "dave"


def test_without_a_secret_auth_refuses_clearly(start_server, tmp_path):
    handlers = tmp_path / "handlers"
    write_gateway(handlers, "app", "/app", {})
    server = serve(start_server, tmp_path, handlers, secret=None)
    run = lambda script: admin(server, "POST", "/admin/test/run",
                               {"kind": "websocket_event", "eventName": "e", "script": script}).json()
    verified = run("return {AUTH.verify('a.b.c')}")
    assert verified["result"][1] == "AUTH_INVALID" and "no JWT secret" in verified["result"][2]
    signed = run("return AUTH.sign({sub = 'x'})")
    assert signed["success"] is False and signed["error"]["code"] == "SERVICE_UNAVAILABLE"
