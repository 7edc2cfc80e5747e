"""Shared helpers of the gateway end-to-end tests: handler folders written per test, HS256 tokens made with
the standard library, `gatewayd serve` started on them, and python-socketio clients that record what they get."""
import base64
import hashlib
import hmac
import json
import os
import time

import requests
import socketio

from conftest import BIN_DIR, Recorder, database, wait_until

SECRET = "test-secret-that-is-at-least-32-bytes-long"
TIMEOUT = 10


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt(claims, secret=SECRET, alg="HS256"):
    """A signed JWT; `alg` other than HS256 is written in the header but still signed with HMAC-SHA256."""
    header = b64url(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    payload = b64url(json.dumps(claims).encode())
    signing_input = f"{header}.{payload}".encode()
    signature = b64url(hmac.new(secret.encode(), signing_input, hashlib.sha256).digest())
    return f"{header}.{payload}.{signature}"


def user_token(user_id, **claims):
    return make_jwt({"sub": user_id, "exp": int(time.time()) + 3600, **claims})


def write_gateway(root, folder, path, events=None, connection=None, disconnect=None, **settings):
    """One gateway folder: `events` maps a name to a script, or to (script, settings dict)."""
    gateway = root / folder
    (gateway / "events").mkdir(parents=True)
    (gateway / "gateway.json").write_text(json.dumps({"path": path, **settings}))
    if connection is not None:
        (gateway / "connection.lua").write_text(connection)
    if disconnect is not None:
        (gateway / "disconnect.lua").write_text(disconnect)
    for name, spec in (events or {}).items():
        script, event_settings = spec if isinstance(spec, tuple) else (spec, None)
        (gateway / "events" / f"{name}.lua").write_text(script)
        if event_settings:
            (gateway / "events" / f"{name}.json").write_text(json.dumps(event_settings))
    return gateway


def serve(start_server, tmp_path, handlers, *extra, secret=SECRET):
    """`gatewayd serve` on loopback, port 0, on the test's database (`database(tmp_path / "db.sqlite")`)."""
    args = [BIN_DIR / "gatewayd", "serve", "--port", "0", "--host", "127.0.0.1",
            "--db", database(tmp_path / "db.sqlite"), "--handlers", handlers]
    if secret:
        args += ["--jwt-secret", secret]
    return start_server(args + [str(option) for option in extra])


def admin(server, method, path, body=None):
    return requests.request(method, server.url + path, json=body, headers=server.admin_headers, timeout=TIMEOUT)


def node_environment(server):
    """The environment of a Node scenario (Tests/e2e/js) on `server`: the caller's, and the admin token the harness
    gave the daemon, if it gave one (js/steps.mjs sends it with the scenario's admin requests)."""
    return {**os.environ, **({"E2E_ADMIN_TOKEN": server.admin_token} if server.admin_token else {})}


def json_lines(server):
    """Every stderr line, parsed: each must be a JSON object."""
    lines = []
    for line in list(server.errors):
        record = json.loads(line)
        assert isinstance(record, dict), line
        lines.append(record)
    return lines


def logged(server, message):
    """The records of a daemon started with `--log-format json` whose `msg` is `message`."""
    return [record for record in json_lines(server) if record["msg"] == message]


def gateway_id(server, path):
    gateways = admin(server, "GET", "/admin/gateways").json()["gateways"]
    return next(g["id"] for g in gateways if g["path"] == path)


class Client:
    """A sync python-socketio client on some namespaces, recording every event it receives."""

    def __init__(self, server, namespaces, transports=("websocket",), auth=None, headers=None, url_query=""):
        self.events = Recorder()
        self.disconnects = Recorder()
        self.sio = socketio.Client(reconnection=False)
        self.errors = Recorder()
        for namespace in namespaces:
            self.sio.on("*", (lambda ns: lambda event, *args: self.events.add((ns, event), *args))(namespace), namespace=namespace)
            self.sio.on("disconnect", (lambda ns: lambda *args: self.disconnects.add(ns, *args))(namespace), namespace=namespace)
            self.sio.on("connect_error", (lambda ns: lambda data: self.errors.add(ns, data))(namespace), namespace=namespace)
        self.sio.connect(server.url + url_query, namespaces=list(namespaces), transports=list(transports),
                         auth=auth, headers=headers or {}, wait_timeout=TIMEOUT)

    def got(self, event, namespace="/chat", count=1, timeout=5.0):
        assert wait_until(lambda: len(self.events.named((namespace, event))) >= count, timeout=timeout), \
            f"{event} on {namespace}: {self.events.events}"
        return self.events.named((namespace, event))

    def call(self, event, *args, namespace="/chat"):
        """Emits with an ack callback and returns what the ack carried (one value, or a tuple of several)."""
        data = args[0] if len(args) == 1 else (tuple(args) if args else None)
        return self.sio.call(event, data, namespace=namespace, timeout=TIMEOUT)

    def close(self):
        self.sio.disconnect()


def connect_when_served(server, namespace, timeout=5.0):
    """A Client on `namespace` once the daemon serves it (gateways made through the admin API go live within ~0.5 s);
    None if it never does."""
    def attempt():
        try:
            return Client(server, [namespace])
        except socketio.exceptions.ConnectionError:
            return None
    return wait_until(attempt, timeout=timeout)


def connect_refused(server, namespace, transports=("websocket",), **kwargs):
    """Connects expecting a refusal; returns the CONNECT_ERROR payload (`{message, data}` for v5 clients)."""
    client = socketio.Client(reconnection=False)
    refusals = []
    client.on("connect_error", lambda data=None: refusals.append(data), namespace=namespace)
    try:
        client.connect(server.url, namespaces=[namespace], transports=list(transports), wait_timeout=TIMEOUT, **kwargs)
    except socketio.exceptions.ConnectionError:
        pass
    finally:
        client.disconnect()
    assert refusals, f"{namespace} accepted the connection"
    return refusals[0]
