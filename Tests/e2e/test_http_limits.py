"""Connections that never finish are cut, keep-alive connections are closed when idle, Engine.IO's own connections
(held long-polls, WebSockets) are left to its heartbeat, and running out of file descriptors degrades instead of
spinning. Each time limit is checked both ways: not cut before it, cut within it + 5 s."""
import json
import os
import socket
import time

import requests
import websocket

from conftest import BIN_DIR, database, wait_until
from live_support import read_http_response

HEADER_TIMEOUT = 1.0
IDLE_TIMEOUT = 2.5
SLACK = 5.0
HEALTHZ = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def serve(start_server, tmp_path, *options, wrapper=(), short_timeouts=True):
    timeouts = ["--header-timeout", int(HEADER_TIMEOUT * 1000), "--idle-timeout", int(IDLE_TIMEOUT * 1000)]
    return start_server([*wrapper, BIN_DIR / "gatewayd", "serve", "--host", "127.0.0.1", "--port", "0",
                         "--db", database(tmp_path / "db.sqlite"), "--no-sync", *(timeouts if short_timeouts else []),
                         *options])


def connect(server):
    return socket.create_connection(("127.0.0.1", server.port), timeout=10)


def assert_closed_at(sock, limit, trickle=None):
    """Reads (sending one `trickle` byte every 0.2 s) until the server closes, which must be at `limit` or within
    SLACK after it, not before."""
    started = time.monotonic()
    sock.settimeout(0.2)
    while time.monotonic() - started < limit + SLACK:
        try:
            if trickle is not None:
                sock.sendall(trickle)
            if sock.recv(4096) == b"":
                break
        except socket.timeout:
            continue
        except OSError:  # reset, or a send after the close
            break
    else:
        raise AssertionError(f"still open after {limit + SLACK} s")
    elapsed = time.monotonic() - started
    assert elapsed >= limit * 0.9, f"closed after {elapsed:.2f} s, before its {limit} s limit"


def test_a_silent_connection_is_cut_at_the_header_timeout(start_server, tmp_path):
    server = serve(start_server, tmp_path)
    assert_closed_at(connect(server), HEADER_TIMEOUT)


def test_a_trickled_request_head_is_cut_at_the_header_timeout(start_server, tmp_path):
    server = serve(start_server, tmp_path)
    sock = connect(server)
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    assert_closed_at(sock, HEADER_TIMEOUT, trickle=b"a")


def test_a_trickled_second_request_on_a_keep_alive_connection_is_cut_too(start_server, tmp_path):
    server = serve(start_server, tmp_path)
    sock = connect(server)
    sock.sendall(HEALTHZ)
    assert read_http_response(sock)[0] == b"HTTP/1.1 200 OK"
    sock.sendall(b"GET /healthz HTTP/1.1\r\n")
    assert_closed_at(sock, HEADER_TIMEOUT, trickle=b"X")


def test_an_idle_keep_alive_connection_is_closed_at_the_idle_timeout_not_the_header_timeout(start_server, tmp_path):
    server = serve(start_server, tmp_path)
    sock = connect(server)
    for _ in range(2):
        sock.sendall(HEALTHZ)
        status, body = read_http_response(sock)
        assert status == b"HTTP/1.1 200 OK" and json.loads(body)["status"] == "ok"
    assert_closed_at(sock, IDLE_TIMEOUT)


def test_a_held_long_poll_and_a_websocket_outlive_both_timeouts(start_server, tmp_path):
    ping_interval = 4000  # ms: longer than both HTTP timeouts
    server = serve(start_server, tmp_path, "--ping-interval", ping_interval, "--ping-timeout", 5000)
    url = server.url + "/socket.io/"

    http = requests.Session()
    sid = json.loads(http.get(url, params={"EIO": "4", "transport": "polling"}, timeout=10).text[1:])["sid"]
    started = time.monotonic()
    held = http.get(url, params={"EIO": "4", "transport": "polling", "sid": sid}, timeout=20)
    assert held.status_code == 200 and held.text == "2", held.text  # the server's ping, after pingInterval
    assert time.monotonic() - started >= ping_interval / 1000 * 0.9

    ws = websocket.create_connection(url.replace("http://", "ws://") + "?EIO=4&transport=websocket", timeout=20)
    assert ws.recv().startswith("0")
    started = time.monotonic()
    assert ws.recv() == "2"  # still open past both timeouts: the ping arrives
    assert time.monotonic() - started >= ping_interval / 1000 * 0.9
    ws.send("3")
    ws.send("1")
    ws.close()


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def open_files(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def test_running_out_of_file_descriptors_degrades_instead_of_spinning(start_server, tmp_path):
    limit = 200
    # The default timeouts: the kept-alive connection waits through the whole measurement.
    server = serve(start_server, tmp_path, wrapper=["bash", "-c", f'ulimit -n {limit} && exec "$0" "$@"'],
                   short_timeouts=False)
    pid = server.proc.pid
    keep_alive = connect(server)
    keep_alive.sendall(HEALTHZ)
    assert read_http_response(keep_alive)[0] == b"HTTP/1.1 200 OK"

    flood = []
    try:
        for _ in range(2 * limit):  # past the limit; the rest wait in (or overflow) the listen backlog
            sock = socket.socket()
            sock.settimeout(1)
            try:
                sock.connect(("127.0.0.1", server.port))
            except OSError:
                sock.close()
                break
            flood.append(sock)
        assert len(flood) > limit, f"only {len(flood)} connections opened"
        assert open_files(pid) <= limit

        before = cpu_seconds(pid)
        started = time.monotonic()
        time.sleep(3)  # the measurement window itself
        share = (cpu_seconds(pid) - before) / (time.monotonic() - started)
        assert share < 0.30, f"the daemon used {share:.0%} of a core with its descriptors exhausted"

        # Connections already open are still served.
        keep_alive.sendall(HEALTHZ)
        assert read_http_response(keep_alive)[0] == b"HTTP/1.1 200 OK"
    finally:
        for sock in flood:
            sock.close()

    # Once descriptors free up, new connections are accepted again.
    deadline = time.monotonic() + 15
    while True:
        try:
            fresh = connect(server)
            fresh.sendall(HEALTHZ)
            assert read_http_response(fresh)[0] == b"HTTP/1.1 200 OK"
            break
        except (OSError, AssertionError):
            assert time.monotonic() < deadline, "no new connection was served after the flood ended"
            time.sleep(0.2)
    assert any("connection limit reached" in line for line in server.errors), server.errors[-20:]


BODY_TIMEOUT = 4.0  # s: past the idle timeout, which a trickled body would keep refreshing


def test_a_trickled_request_body_is_cut_at_the_body_timeout_not_kept_alive_by_its_bytes(start_server, tmp_path):
    server = serve(start_server, tmp_path, "--body-timeout", int(BODY_TIMEOUT * 1000))
    sock = connect(server)
    sock.sendall(b"POST /admin/test/run HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 100000\r\n\r\n{\"event\": \"")
    assert_closed_at(sock, BODY_TIMEOUT, trickle=b"a")
    record = wait_until(lambda: [line for line in server.errors if "request body not complete in time" in line])
    assert record and "4000" in record[0], server.errors[-5:]


def test_a_body_that_arrives_in_time_is_answered(start_server, tmp_path):
    server = serve(start_server, tmp_path, "--body-timeout", int(BODY_TIMEOUT * 1000))
    sock = connect(server)
    body = b"{\"nothing\": 1}"
    sock.sendall(b"POST /admin/test/run HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                 b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body[:5])
    sock.sendall(body[5:])
    status, answer = read_http_response(sock)
    # Answered (a bad request names the missing field), not cut: the body arrived within its time.
    assert status == b"HTTP/1.1 400 Bad Request", (status, answer)
    # The keep-alive connection serves the next request too.
    sock.sendall(HEALTHZ)
    assert read_http_response(sock)[0] == b"HTTP/1.1 200 OK"


def test_an_oversized_request_head_is_answered_431_and_a_malformed_one_400(start_server, tmp_path):
    # Long timeouts: the answer comes from the parser's limit, at once, not from a clock.
    server = serve(start_server, tmp_path, short_timeouts=False)
    sock = connect(server)
    # 70 KiB of headers pass; past the decoder's 80 KiB the request is refused.
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * (70 * 1024) + b"\r\n\r\n")
    assert read_http_response(sock)[0] == b"HTTP/1.1 200 OK"
    for request, status in [
        (b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * (200 * 1024) + b"\r\n\r\n",
         b"HTTP/1.1 431 Request Header Fields Too Large"),
        (b"GET\x00\x01 / HTTP/1.1\r\n\r\n", b"HTTP/1.1 400 Bad Request"),
    ]:
        sock = connect(server)
        sock.sendall(request)
        assert read_http_response(sock)[0] == status
        try:
            assert sock.recv(4096) == b""  # and closed
        except ConnectionResetError:
            pass  # closed with the rest of the head unread
    # The daemon still serves everyone else.
    assert requests.get(server.url + "/healthz", timeout=10).status_code == 200
