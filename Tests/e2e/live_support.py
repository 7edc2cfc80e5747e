"""Helpers of the tests that drive a live `gatewayd serve` through its settings and documented behaviour
(`test_settings_live.py`, `test_daemon_behaviour.py`): a daemon on a database and environment of the test's choosing,
raw Engine.IO sessions (polling with `requests`, WebSocket with `websocket-client`), and the daemon's log lines."""
import json
import socket

import requests
import websocket

from conftest import BIN_DIR, database
from gateway_support import SECRET, TIMEOUT, admin

GATEWAYD = BIN_DIR / "gatewayd"
EIO4 = "/socket.io/?EIO=4&transport="
HEALTHZ = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
# A disconnect handler that records why each socket left, read back with `left_reasons`.
RECORD_LEAVING = "DB.left.create{data = {reason = BODY}}"


def daemon(start_server, db, *options, handlers=None, secret=SECRET, env=None):
    """`gatewayd serve` on loopback, port 0, on the database the SQLite path `db` names (`database(db)`: that file, or
    its PostgreSQL schema); `handlers` given: that folder (synced unless the options or `env` say otherwise), none:
    `--no-sync`."""
    args = [GATEWAYD, "serve", "--port", "0", "--host", "127.0.0.1", "--db", database(db)]
    args += ["--handlers", handlers] if handlers is not None else ["--no-sync"]
    if secret:
        args += ["--jwt-secret", secret]
    return start_server(args + [str(option) for option in options], env=env)


def logged(server, text):
    """The daemon's log lines (stderr) that contain `text`."""
    return [line for line in list(server.errors) if text in line]


def left_reasons(server):
    """The reasons `RECORD_LEAVING` stored, oldest first."""
    response = admin(server, "GET", "/admin/collections/left/items?sort=createdAt")
    if response.status_code == 404:
        return []
    assert response.status_code == 200, response.text
    return [item["reason"] for item in response.json()["data"]]


def polling_handshake(server):
    """Opens an Engine.IO v4 polling session; returns its open packet's JSON."""
    response = requests.get(server.url + EIO4 + "polling", timeout=TIMEOUT)
    assert response.status_code == 200 and response.text.startswith("0{"), response.text
    return json.loads(response.text[1:])


class RawPolling:
    """An Engine.IO v4 long-polling session driven by hand: nothing is sent or polled unless the test says so."""

    def __init__(self, server):
        self.base = server.url + EIO4 + "polling"
        self.handshake = polling_handshake(server)
        self.url = f"{self.base}&sid={self.handshake['sid']}"

    def get(self):
        return requests.get(self.url, timeout=TIMEOUT)

    def post(self, data):
        return requests.post(self.url, data=data, timeout=TIMEOUT)


def open_websocket(server, query="", **options):
    """A raw Engine.IO v4 WebSocket; returns it with its open packet's JSON."""
    ws = websocket.create_connection(
        server.url.replace("http://", "ws://") + EIO4 + "websocket" + query, timeout=TIMEOUT, **options)
    try:
        opened = ws.recv()
        assert opened.startswith("0{"), opened
    except BaseException:
        ws.close()
        raise
    return ws, json.loads(opened[1:])


def join(ws, namespace):
    ws.send(f"40{namespace},")
    answer = ws.recv()
    assert answer.startswith(f"40{namespace},{{\"sid\""), answer


def server_close_code(ws, max_frames=100):
    """Reads `ws` (answering nothing: pings are left unanswered) until the server closes it; returns the close frame's
    status code, or None when the connection was cut without one. Bounded by the socket's timeout per frame."""
    for _ in range(max_frames):
        try:
            opcode, data = ws.recv_data(control_frame=True)
        except websocket.WebSocketConnectionClosedException:
            return None
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            return int.from_bytes(data[:2], "big") if len(data) >= 2 else None
    raise AssertionError(f"the server sent {max_frames} frames without closing")


def tcp_connect(server):
    return socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT)


def listen_backlog(port):
    """Connections waiting in the kernel's accept queue of the IPv4 socket listening on `port` (its `rx_queue` in
    /proc/net/tcp): completed by the kernel, not yet accepted by the process."""
    for line in open("/proc/net/tcp").read().splitlines()[1:]:
        fields = line.split()
        local, state, queues = fields[1], fields[3], fields[4]
        if state == "0A" and int(local.split(":")[1], 16) == port:
            return int(queues.split(":")[1], 16)
    raise AssertionError(f"nothing listens on port {port}")


def read_http_response(sock):
    """One whole HTTP/1.1 response (status line, body) read from `sock`, which must carry a Content-Length."""
    sock.settimeout(TIMEOUT)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        assert chunk, f"closed before a response: {data!r}"
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
    while len(body) < length:
        chunk = sock.recv(4096)
        assert chunk, "closed in the middle of a body"
        body += chunk
    return head.split(b"\r\n")[0], body
