"""Connection churn against a running server, with real clients: websocket-client for WebSocket sessions and requests
for long-polling ones. Each function opens `count` sessions one after another, each closed before the next opens,
and checks every one got its Engine.IO open packet, so a churn that silently failed cannot pass for a flat RSS."""
import json
import pathlib

import requests
import websocket

TIMEOUT = 10


def resident_kib(pid):
    """VmRSS of a process, in KiB, from /proc."""
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def open_packet(text):
    assert text.startswith("0"), f"expected an Engine.IO open packet, got {text[:80]!r}"
    return json.loads(text[1:])


def websocket_sessions(base_url, count, path="/socket.io/", namespace=None, malformed=None):
    """Opens and closes `count` WebSocket sessions: each reads the open packet, then (optionally) joins `namespace`
    and reads the CONNECT answer, then (optionally) sends the `malformed` frame and waits for the server to close,
    else closes itself: every odd session with a close frame, every even one by dropping the TCP connection."""
    url = base_url.replace("http://", "ws://") + f"{path}?EIO=4&transport=websocket"
    for index in range(count):
        ws = websocket.create_connection(url, timeout=TIMEOUT)
        try:
            open_packet(ws.recv())
            if namespace is not None:
                ws.send(f"40{namespace},")
                answer = ws.recv()
                assert answer.startswith(f"40{namespace},") or answer.startswith(f"44{namespace},"), answer
            if malformed is not None:
                ws.send(malformed)
                assert_closed_by_server(ws)
            elif index % 2:
                ws.close()
        finally:
            ws.shutdown()


def assert_closed_by_server(ws):
    """Reads until the server closes; anything but a close (or a dropped connection) fails."""
    for _ in range(100):
        try:
            opcode, data = ws.recv_data(control_frame=True)
        except (websocket.WebSocketConnectionClosedException, ConnectionError):
            return
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            return
    raise AssertionError("the server kept a connection open after a malformed packet")


def polling_sessions(base_url, count, path="/socket.io/"):
    """Opens `count` long-polling sessions (handshake GET) and closes each with a close packet (POST `1`)."""
    http = requests.Session()
    url = base_url + path
    for _ in range(count):
        response = http.get(url, params={"EIO": "4", "transport": "polling"}, timeout=TIMEOUT)
        response.raise_for_status()
        sid = open_packet(response.text)["sid"]
        closed = http.post(url, params={"EIO": "4", "transport": "polling", "sid": sid}, data="1", timeout=TIMEOUT)
        assert closed.status_code == 200, closed.text
    http.close()
