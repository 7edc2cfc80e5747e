"""Abuse limits against the running daemon with python-socketio 5.x: each socket's event budget (`RATE_LIMITED` in
the ack or as `ws:error`, a flooding socket disconnected), per-address connection limits (HTTP 429) and the request
body timeout."""
import json
import socket

import pytest
import requests
import socketio

from conftest import wait_until
from live_support import read_http_response
from gateway_support import TIMEOUT, Client, logged, serve, write_gateway

EVENTS = {
    "echo": "return BODY",
    "sum": ('return ARGS[1] + ARGS[2]', {"ack": "callback"}),
}


@pytest.fixture
def handlers(tmp_path):
    root = tmp_path / "handlers"
    write_gateway(root, "chat", "/chat", EVENTS)
    return root


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_events_past_the_budget_are_refused_with_rate_limited(start_server, tmp_path, handlers, transport):
    # A rate so low that nothing refills during the test: the burst is the whole budget, whatever the timing.
    server = serve(start_server, tmp_path, handlers, "--max-events-per-second", "0.001", "--event-burst", "5",
                   "--log-format", "json")
    client = Client(server, ["/chat"], transports=[transport])
    other = Client(server, ["/chat"], transports=[transport])
    try:
        acks = [client.call("echo", {"n": n}) for n in range(5)]
        assert all(ack["accepted"] is True for ack in acks), acks
        refused = client.call("echo", {"n": 5})
        assert refused == {"accepted": False, "queued": False, "eventName": "echo",
                           "error": {"code": "RATE_LIMITED", "message": refused["error"]["message"]}}
        assert "0.001" in refused["error"]["message"] and "5" in refused["error"]["message"]
        # A callback-mode event is refused error-first, as its handler's failures are.
        error = client.call("sum", [1, 2])
        assert error["errorCode"] == "RATE_LIMITED" and error["code"] == 429, error
        # An event unknown to the gateway counts too: the budget is spent before any lookup.
        assert client.call("nope")["error"]["code"] == "RATE_LIMITED"
        # Without an ack, the refusal comes as ws:error.
        client.sio.emit("echo", {"n": 9}, namespace="/chat")
        error = client.got("ws:error")[0][0]
        assert error["code"] == "RATE_LIMITED" and error["eventName"] == "echo" and error["success"] is False
        # The budget is the socket's: another socket of the same address is served.
        assert other.call("echo", {"n": 1})["accepted"] is True
        assert client.sio.connected
        # One log line for the streak, not one per refused event.
        assert wait_until(lambda: logged(server, "socket over its event rate: refusing events"))
        lines = logged(server, "socket over its event rate: refusing events")
        assert len(lines) == 1, lines
        assert lines[0]["code"] == "RATE_LIMITED" and lines[0]["gateway"] == "/chat"
    finally:
        client.close()
        other.close()


def test_a_socket_that_keeps_flooding_is_disconnected(start_server, tmp_path, handlers):
    server = serve(start_server, tmp_path, handlers, "--max-events-per-second", "2", "--event-burst", "2",
                   "--flood-disconnect-after", "1000", "--log-format", "json")
    flooder = Client(server, ["/chat"])
    calm = Client(server, ["/chat"])
    try:
        # Rounds of 40 events and an acked one: far above 10 × 2 events a second, for as long as the socket lasts.
        for _ in range(100_000):
            if not flooder.sio.connected:
                break
            for n in range(40):
                flooder.sio.emit("echo", {"n": n}, namespace="/chat")
            try:
                flooder.call("echo", {"n": -1})
            except (socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError,
                    socketio.exceptions.DisconnectedError):
                break
        assert wait_until(lambda: flooder.disconnects.named("/chat"), timeout=TIMEOUT)
        assert flooder.got("ws:error")[0][0]["code"] == "RATE_LIMITED"
        record = logged(server, "socket disconnected for flooding")
        assert len(record) == 1 and record[0]["code"] == "RATE_LIMITED", record
        # The flood cost only the flooder its connection.
        assert calm.sio.connected and calm.call("echo", {"n": 1})["accepted"] is True
    finally:
        flooder.close()
        calm.close()


def raw_request(server, head):
    """One request on its own connection; the status line and body of the answer."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) as sock:
        sock.sendall(head)
        return read_http_response(sock)


def test_connections_past_the_per_address_cap_are_answered_429(start_server, tmp_path, handlers):
    server = serve(start_server, tmp_path, handlers, "--max-connections-per-ip", "3", "--header-timeout", "600000",
                   "--log-format", "json")
    held = [socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) for _ in range(3)]
    try:
        # Each is counted once accepted: a request on the first is answered, so all three were.
        held[2].sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert read_http_response(held[2])[0] == b"HTTP/1.1 200 OK"
        status, body = raw_request(server, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert status == b"HTTP/1.1 429 Too Many Requests", status
        refusal = json.loads(body)
        assert refusal["code"] == "TOO_MANY_CONNECTIONS" and "3" in refusal["message"], refusal
        # A real client is refused the same way, over either transport.
        for transport in ("polling", "websocket"):
            with pytest.raises(socketio.exceptions.ConnectionError):
                Client(server, ["/chat"], transports=[transport])
        assert len(logged(server, "connection refused: its address has too many open")) == 1
        # A closed connection frees its place.
        held.pop().close()
        client = wait_until(lambda: connect_or_none(server))
        assert client is not None and client.call("echo", {"n": 1})["accepted"] is True
        client.close()
    finally:
        for sock in held:
            sock.close()


def connect_or_none(server):
    try:
        return Client(server, ["/chat"])
    except socketio.exceptions.ConnectionError:
        return None


def test_handshakes_past_the_per_address_rate_are_answered_429(start_server, tmp_path, handlers):
    # A rate that refills nothing during the test: one session at once, then none.
    server = serve(start_server, tmp_path, handlers, "--max-connect-rate-per-ip", "0.001", "--log-format", "json")
    first = requests.get(server.url + "/socket.io/", params={"EIO": "4", "transport": "polling"}, timeout=TIMEOUT)
    assert first.status_code == 200, first.text
    sid = json.loads(first.text[1:])["sid"]
    refused = requests.get(server.url + "/socket.io/", params={"EIO": "4", "transport": "polling"}, timeout=TIMEOUT)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
    assert refused.json()["code"] == "CONNECT_RATE_LIMITED" and "0.001" in refused.json()["message"]
    status, body = raw_request(server, b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                       b"Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                                       b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
    assert status == b"HTTP/1.1 429 Too Many Requests" and json.loads(body)["code"] == "CONNECT_RATE_LIMITED"
    with pytest.raises(socketio.exceptions.ConnectionError):
        Client(server, ["/chat"], transports=["websocket"])
    # Only new sessions count: the open one is served (the server's CONNECT answer to its namespace request).
    posted = requests.post(server.url + "/socket.io/", params={"EIO": "4", "transport": "polling", "sid": sid},
                           data="40/chat,", timeout=TIMEOUT)
    assert posted.status_code == 200, posted.text
    polled = requests.get(server.url + "/socket.io/", params={"EIO": "4", "transport": "polling", "sid": sid},
                          timeout=TIMEOUT)
    assert polled.status_code == 200 and polled.text.startswith("40/chat,"), polled.text
    assert len(logged(server, "handshake refused: its address opens sessions too fast")) == 1
