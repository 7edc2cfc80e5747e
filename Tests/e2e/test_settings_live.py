"""The settings table of docs/configuration.md, each checked against a running
`gatewayd serve`: what the option (or its `GATEWAYD_*` variable) is documented to change is seen from outside."""
import select
import time

import requests

from conftest import wait_until
from gateway_support import TIMEOUT, Client, admin, connect_refused, write_gateway
from live_support import (
    HEALTHZ, RECORD_LEAVING, RawPolling, daemon, join, left_reasons, listen_backlog, logged, open_websocket,
    polling_handshake, read_http_response, server_close_code, tcp_connect,
)

POLL = "/socket.io/?EIO=4&transport=polling"


def app_gateway(tmp_path, events=None, **settings):
    """`/app` with a `len` event (the length of its string body, in its ack) and a disconnect handler that records
    why each socket left."""
    handlers = tmp_path / "handlers"
    write_gateway(handlers, "app", "/app", {"len": ("return #BODY", {"ack": "result"}), **(events or {})},
                  disconnect=RECORD_LEAVING, **settings)
    return handlers


# MARK: --log-level

def test_log_level_debug_writes_debug_lines_to_stderr_that_info_does_not(start_server, tmp_path):
    handlers = app_gateway(tmp_path, {"ok": ("return 1", {"ack": "result"}),
                                      "bad": ("THROW.badRequest('marker')", {"ack": "result"})})
    for level in ["debug", "info"]:
        server = daemon(start_server, tmp_path / level / "db.sqlite", "--log-level", level, handlers=handlers)
        client = Client(server, ["/app"])
        try:
            assert client.call("ok", namespace="/app") == 1  # logged at debug: "handler succeeded"
            assert client.call("bad", namespace="/app")["error"]["code"] == "BAD_REQUEST"
            # The marker: the failed run's info line, written after the successful run's debug line would have been.
            assert wait_until(lambda: logged(server, "handler failed"), timeout=10), server.errors[-20:]
            debug_lines = logged(server, "handler succeeded")
            if level == "debug":
                assert debug_lines and all(" debug " in line for line in debug_lines), server.errors[-20:]
                assert logged(server, "engine session opened")
            else:
                assert debug_lines == [] and logged(server, "engine session opened") == [], server.errors[-20:]
            # Logs go to stderr; stdout carries only the readiness line.
            assert [line.strip() for line in server.output] == [f"LISTENING {server.port}"]
        finally:
            client.close()


# MARK: --ping-interval / --ping-timeout

def test_the_daemon_closes_a_websocket_that_never_answers_its_pings(start_server, tmp_path):
    # A generous pingTimeout, so that the answering client below is never late under load.
    server = daemon(start_server, tmp_path / "db.sqlite", "--ping-interval", 400, "--ping-timeout", 1500,
                    handlers=app_gateway(tmp_path))
    answering = Client(server, ["/app"])  # python-socketio answers every ping
    silent = None
    try:
        silent, opened = open_websocket(server)
        assert (opened["pingInterval"], opened["pingTimeout"]) == (400, 1500)
        join(silent, "/app")
        assert silent.recv() == "2"  # the daemon's ping, left unanswered
        server_close_code(silent)  # returns once the daemon ended the connection (raises if it never does)
        assert wait_until(lambda: left_reasons(server) == ["ping timeout"], timeout=10), left_reasons(server)
        # The client that answers its pings, connected for longer, is still connected and served.
        assert answering.call("len", "abc", namespace="/app") == 3
        assert not answering.disconnects.named("/app")
    finally:
        answering.close()
        if silent is not None:
            silent.close()


def test_the_daemon_closes_a_polling_session_that_never_answers_its_pings(start_server, tmp_path):
    server = daemon(start_server, tmp_path / "db.sqlite", "--ping-interval", 300, "--ping-timeout", 200,
                    handlers=app_gateway(tmp_path))
    raw = RawPolling(server)
    assert (raw.handshake["pingInterval"], raw.handshake["pingTimeout"]) == (300, 200)
    assert raw.post("40/app,").text == "ok"
    packets = []
    for _ in range(5):  # the CONNECT answer, then the ping (held until pingInterval); no pong is ever posted
        packets += raw.get().text.split("\x1e")
        if "2" in packets:
            break
    assert packets[0].startswith("40/app,{") and packets[1:] == ["2"], packets
    statuses = []
    for _ in range(5):  # the next poll is released with the close packet, or the session is already gone
        response = raw.get()
        statuses.append((response.status_code, response.text))
        if response.status_code == 400:
            break
    assert statuses[-1][0] == 400 and all(text == "1" for status, text in statuses[:-1]), statuses
    assert wait_until(lambda: left_reasons(server) == ["ping timeout"], timeout=10), left_reasons(server)


# MARK: --max-payload

def test_max_payload_refuses_a_larger_websocket_message_with_close_code_1009(start_server, tmp_path):
    server = daemon(start_server, tmp_path / "db.sqlite", "--max-payload", 1000, handlers=app_gateway(tmp_path))
    ws, opened = open_websocket(server)
    try:
        assert opened["maxPayload"] == 1000
        join(ws, "/app")
        ws.send('42/app,1["len","' + "x" * 900 + '"]')  # below the limit: served
        assert ws.recv() == "43/app,1[900]"
        ws.send('42/app,2["len","' + "x" * 5000 + '"]')
        assert server_close_code(ws) == 1009
    finally:
        ws.close()
    assert wait_until(lambda: left_reasons(server) == ["transport error"], timeout=10), left_reasons(server)
    # The daemon goes on.
    client = Client(server, ["/app"])
    try:
        assert client.call("len", "abc", namespace="/app") == 3
    finally:
        client.close()


def test_max_payload_refuses_a_larger_polling_message_and_closes_the_session(start_server, tmp_path):
    server = daemon(start_server, tmp_path / "db.sqlite", "--max-payload", 1000, handlers=app_gateway(tmp_path))
    raw = RawPolling(server)
    assert raw.handshake["maxPayload"] == 1000
    assert raw.post("40/app,").text == "ok"
    assert raw.get().text.startswith("40/app,{")
    assert raw.post('42/app,1["len","' + "x" * 900 + '"]').text == "ok"
    assert raw.get().text == "43/app,1[900]"
    refused = raw.post('42/app,2["len","' + "x" * 5000 + '"]')
    assert refused.status_code >= 400, refused.text
    assert wait_until(lambda: raw.get().status_code == 400, timeout=10), "the session outlived an oversized message"
    assert wait_until(lambda: left_reasons(server) == ["transport error"], timeout=10), left_reasons(server)


# MARK: --connect-timeout

def test_connect_timeout_closes_a_connection_that_never_joins_a_gateway(start_server, tmp_path):
    timeout_ms = 1500
    server = daemon(start_server, tmp_path / "db.sqlite", "--connect-timeout", timeout_ms, "--log-level", "debug",
                    handlers=app_gateway(tmp_path))
    joined, _ = open_websocket(server)
    idle = None
    try:
        join(joined, "/app")
        started = time.monotonic()
        idle, _ = open_websocket(server)
        server_close_code(idle)  # returns once the daemon ended the connection (raises if it never does)
        assert time.monotonic() - started >= timeout_ms / 1000 * 0.9, "closed before --connect-timeout"
        assert wait_until(lambda: logged(server, "reason=forced close"), timeout=10), server.errors[-20:]
        # The connection that joined, opened earlier, is past its own connect timeout too and still served.
        joined.send('42/app,1["len","abcd"]')
        assert joined.recv() == "43/app,1[4]"
    finally:
        joined.close()
        if idle is not None:
            idle.close()


# MARK: command line over environment

def test_the_command_line_wins_over_the_environment(start_server, tmp_path):
    env = {"GATEWAYD_PING_INTERVAL": "7000", "GATEWAYD_PING_TIMEOUT": "6000", "GATEWAYD_MAX_PAYLOAD": "5000"}
    from_env = daemon(start_server, tmp_path / "a.sqlite", env=env)
    opened = polling_handshake(from_env)
    assert (opened["pingInterval"], opened["pingTimeout"], opened["maxPayload"]) == (7000, 6000, 5000)
    both = daemon(start_server, tmp_path / "b.sqlite", "--ping-interval", 4321, "--max-payload", 4444, env=env)
    opened = polling_handshake(both)
    assert (opened["pingInterval"], opened["pingTimeout"], opened["maxPayload"]) == (4321, 6000, 4444)


# MARK: GATEWAYD_SYNC

def test_gatewayd_sync_false_leaves_the_handlers_folder_unsynced_and_true_syncs_it(start_server, tmp_path):
    handlers = app_gateway(tmp_path)
    db = tmp_path / "db.sqlite"
    unsynced = daemon(start_server, db, handlers=handlers, env={"GATEWAYD_SYNC": "false"})
    assert admin(unsynced, "GET", "/admin/gateways").json() == {"gateways": []}
    assert connect_refused(unsynced, "/app") == {"message": "Invalid namespace"}
    assert unsynced.stop() == 0

    synced = daemon(start_server, db, handlers=handlers, env={"GATEWAYD_SYNC": "true"})
    gateways = admin(synced, "GET", "/admin/gateways").json()["gateways"]
    assert [(g["path"], g["origin"]) for g in gateways] == [("/app", "folder")]
    client = Client(synced, ["/app"])
    try:
        assert client.call("len", "abc", namespace="/app") == 3
    finally:
        client.close()


# MARK: GATEWAYD_CORS_ORIGIN

def test_comma_separated_cors_origins_allow_each_listed_origin_and_no_other(start_server, tmp_path):
    server = daemon(start_server, tmp_path / "db.sqlite",
                    env={"GATEWAYD_CORS_ORIGIN": "https://a.example,https://b.example"})
    for origin in ["https://a.example", "https://b.example"]:
        response = requests.get(server.url + POLL, headers={"Origin": origin}, timeout=TIMEOUT)
        assert response.status_code == 200
        assert response.headers.get("Access-Control-Allow-Origin") == origin, response.headers
    refused = requests.get(server.url + POLL, headers={"Origin": "https://c.example"}, timeout=TIMEOUT)
    assert "Access-Control-Allow-Origin" not in refused.headers, refused.headers
    # Not one origin named "https://a.example,https://b.example" either.
    joined = requests.get(server.url + POLL, headers={"Origin": "https://a.example,https://b.example"}, timeout=TIMEOUT)
    assert "Access-Control-Allow-Origin" not in joined.headers, joined.headers


# MARK: --workers

# Records that it started, then waits (bounded by its timeoutMs) until two runs have started: it can only return
# "both" when another run is on another worker at the same time.
LATCH = """
DB.started.create{data = {id = BODY}}
while DB.started.count{} < 2 do end
return "both"
"""


def run_latched_pair(server):
    """Two sockets each emit `latch` (their runs are on different lanes); returns what each one's run answered."""
    first, second = Client(server, ["/app"]), None
    try:
        second = Client(server, ["/app"])
        for client, name in [(first, "one"), (second, "two")]:
            assert client.call("latch", name, namespace="/app")["accepted"] is True
        outcomes = []
        for client in (first, second):
            def outcome(client=client):
                results = client.events.named(("/app", "ws:result"))
                errors = client.events.named(("/app", "ws:error"))
                return results[0][0]["result"] if results else errors[0][0]["code"] if errors else None
            assert wait_until(outcome, timeout=60), client.events.events
            outcomes.append(outcome())
        return outcomes
    finally:
        first.close()
        if second is not None:
            second.close()


def test_two_workers_run_two_handlers_at_once(start_server, tmp_path):
    handlers = tmp_path / "two"
    write_gateway(handlers, "app", "/app", {"latch": (LATCH, {"timeoutMs": 30000})})
    server = daemon(start_server, tmp_path / "two.sqlite", "--workers", 2, handlers=handlers)
    assert run_latched_pair(server) == ["both", "both"]


def test_one_worker_cannot_hold_the_latch_open_for_a_second_run(start_server, tmp_path):
    """The control: with one worker the first run waits alone until its timeout, then the second sees both rows."""
    handlers = tmp_path / "one"
    write_gateway(handlers, "app", "/app", {"latch": (LATCH, {"timeoutMs": 1000})})
    server = daemon(start_server, tmp_path / "one.sqlite", "--workers", 1, handlers=handlers)
    assert sorted(run_latched_pair(server)) == ["SCRIPT_TIMEOUT", "both"]


# MARK: --max-connections

def test_max_connections_keeps_a_third_connection_waiting_until_one_closes(start_server, tmp_path):
    server = daemon(start_server, tmp_path / "db.sqlite", "--max-connections", 2)
    first = tcp_connect(server)
    second = tcp_connect(server)
    third = None
    try:
        for sock in (first, second):
            sock.sendall(HEALTHZ)
            assert read_http_response(sock)[0] == b"HTTP/1.1 200 OK"
        assert listen_backlog(server.port) == 0
        third = tcp_connect(server)  # completed by the kernel: it waits in the listen backlog
        third.sendall(HEALTHZ)
        # The marker: both open connections are answered after the third one connected and sent its request (the
        # event loops that would accept it have run since)...
        for sock in (first, second, first, second):
            sock.sendall(HEALTHZ)
            assert read_http_response(sock)[0] == b"HTTP/1.1 200 OK"
        # ...and the third one is still in the kernel's backlog, unanswered.
        assert listen_backlog(server.port) == 1, "a connection past --max-connections was accepted"
        assert select.select([third], [], [], 0)[0] == [], "a connection past --max-connections was served"
        assert wait_until(lambda: logged(server, "connection limit reached"), timeout=10), server.errors[-20:]
        assert "max_connections=2" in logged(server, "connection limit reached")[0]
        first.close()  # one closes: the third is accepted and served
        assert read_http_response(third)[0] == b"HTTP/1.1 200 OK"
        assert listen_backlog(server.port) == 0
        assert wait_until(lambda: logged(server, "accepting connections again"), timeout=10)
    finally:
        first.close()
        second.close()
        if third is not None:
            third.close()
