"""Behaviour the docs document for the running daemon — `/healthz`, test-run bounds, serving without a JWT secret,
shutdown, handler limits, disabled events, live reload after `handlers sync` from another process, and tokens in
headers and cookies over WebSocket — each checked against a live `gatewayd serve`."""
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from conftest import ROOT, database, db_execute, wait_until
from gateway_support import (
    TIMEOUT, Client, admin, connect_refused, connect_when_served, gateway_id, make_jwt, serve, user_token,
    write_gateway,
)
from live_support import GATEWAYD, daemon, logged

WHOAMI = ("return USER", {"ack": "result"})


# MARK: /healthz

def test_healthz_answers_503_while_the_database_does_not_answer(start_server, tmp_path):
    db = tmp_path / "db.sqlite"
    server = daemon(start_server, db)
    healthy = requests.get(server.url + "/healthz", timeout=TIMEOUT)
    assert healthy.status_code == 200 and healthy.json()["database"] == "ok"
    # The table the health check reads is taken away by another process (sqlite3 on the file, psql in the schema):
    # the daemon's query fails.
    db_execute(db, "ALTER TABLE config_revision RENAME TO config_revision_away")
    try:
        down = requests.get(server.url + "/healthz", timeout=TIMEOUT)
        assert down.status_code == 503, down.text
        assert down.json()["database"] != "ok" and down.json()["status"] != "ok", down.text
        assert wait_until(lambda: logged(server, "health check: the database does not answer"), timeout=10), server.errors[-20:]
    finally:
        db_execute(db, "ALTER TABLE config_revision_away RENAME TO config_revision")
    assert wait_until(lambda: requests.get(server.url + "/healthz", timeout=TIMEOUT).status_code == 200, timeout=10)


# MARK: test-run timeoutMs

def test_test_run_timeout_ms_above_its_maximum_is_refused_naming_the_field(start_server, tmp_path):
    server = daemon(start_server, tmp_path / "db.sqlite")
    run = lambda timeout_ms: admin(server, "POST", "/admin/test/run", {
        "kind": "websocket_event", "eventName": "e", "script": "return 1", "timeoutMs": timeout_ms})
    at_most = run(300000)
    assert at_most.status_code == 200 and at_most.json()["result"] == 1, at_most.text
    above = run(300001)
    assert above.status_code == 422, above.text
    error = above.json()["error"]
    assert (error["code"], error["field"]) == ("VALIDATION_ERROR", "timeoutMs") and error["message"], error


# MARK: no --jwt-secret

def test_without_a_jwt_secret_tokens_are_ignored_require_auth_refuses_everyone_and_auth_sign_fails(start_server, tmp_path):
    handlers = tmp_path / "handlers"
    write_gateway(handlers, "public", "/public", {
        "whoami": WHOAMI,
        "sign": ("return AUTH.sign({sub = 'ann'})", {"ack": "result"}),
        "verify": ("local claims, code = AUTH.verify(BODY) return claims == nil and code or 'verified'", {"ack": "result"}),
    })
    write_gateway(handlers, "private", "/private", {"whoami": WHOAMI}, requireAuth=True)
    server = daemon(start_server, tmp_path / "db.sqlite", handlers=handlers, secret=None)
    token = user_token("42")
    # A token signed with any secret, valid or not, is ignored: the client is anonymous.
    for presented in [token, "garbage"]:
        client = Client(server, ["/public"], auth={"token": presented})
        try:
            assert client.call("whoami", namespace="/public") is None
        finally:
            client.close()
    # A gateway that requires auth refuses everyone, with a token or without.
    for options in [{}, {"auth": {"token": token}}, {"headers": {"Authorization": f"Bearer {token}"}}]:
        refusal = connect_refused(server, "/private", **options)
        assert refusal["data"]["code"] in ("AUTH_REQUIRED", "AUTH_INVALID") and refusal["message"], (options, refusal)
    # AUTH in a live handler: sign fails with SERVICE_UNAVAILABLE, verify answers AUTH_INVALID.
    client = Client(server, ["/public"])
    try:
        assert client.call("sign", namespace="/public")["error"]["code"] == "SERVICE_UNAVAILABLE"
        assert client.call("verify", token, namespace="/public") == "AUTH_INVALID"
    finally:
        client.close()


# MARK: shutdown

HOLD = """
DB.started.create{data = {id = "hold"}}
while not DB.gate.findOne{filter = {id = "open"}} do end
return "released"
"""


def test_during_shutdown_new_connections_and_events_get_shutting_down(start_server, tmp_path):
    handlers = tmp_path / "handlers"
    write_gateway(handlers, "app", "/app", {
        "hold": (HOLD, {"timeoutMs": 120000}),
        "ping": ("return 'pong'", {"ack": "result"}),
    })
    server = daemon(start_server, tmp_path / "db.sqlite", "--shutdown-grace", 120000, handlers=handlers)
    holder = Client(server, ["/app"])
    other = Client(server, ["/app"])
    try:
        assert other.call("ping", namespace="/app") == "pong"
        assert holder.call("hold", namespace="/app")["accepted"] is True
        assert wait_until(lambda: admin(server, "GET", "/admin/collections/started/items/hold").status_code == 200,
                          timeout=10), "the held handler never started"
        server.signal(signal.SIGTERM)
        # Shutdown holds while the gated handler runs; it has begun once the daemon says so.
        assert wait_until(lambda: logged(server, "shutting down"), timeout=10), server.errors[-20:]

        refusal = connect_refused(server, "/app")
        assert refusal["data"]["code"] == "SHUTTING_DOWN" and refusal["message"], refusal
        refused = other.call("ping", namespace="/app")
        assert refused["accepted"] is False and refused["queued"] is False and refused["eventName"] == "ping", refused
        assert refused["error"]["code"] == "SHUTTING_DOWN", refused
        other.sio.emit("ping", namespace="/app")  # no ack callback: the refusal comes as ws:error
        error = other.got("ws:error", namespace="/app", timeout=10)[0][0]
        assert (error["code"], error["eventName"]) == ("SHUTTING_DOWN", "ping"), error

        # Released, the held handler still delivers its result, then the daemon exits 0.
        assert admin(server, "POST", "/admin/collections/gate/items", {"id": "open"}).status_code == 201
        assert holder.got("ws:result", namespace="/app", timeout=30)[0][0]["result"] == "released"
        assert server.wait(timeout=30) == 0
    finally:
        holder.close()
        other.close()


# MARK: the queue's payload budget

def test_events_past_the_queues_payload_budget_are_refused_until_it_drains(start_server, tmp_path):
    """`--max-queued-bytes`: what pending runs hold together, counted as the events came; past it events are refused
    with QUEUE_FULL (in either ack mode, from any socket), and accepted again once the queue has drained."""
    handlers = tmp_path / "handlers"
    held = HOLD.replace('id = "hold"', "id = BODY.id")
    write_gateway(handlers, "app", "/app", {
        "hold": (held, {"timeoutMs": 120000}),
        "size": ("return #BODY.pad", {"ack": "result"}),
    })
    server = daemon(start_server, tmp_path / "db.sqlite", "--max-queued-bytes", 100_000, handlers=handlers)
    holder = Client(server, ["/app"])
    other = Client(server, ["/app"])
    pad = "x" * 40_000
    try:
        # Two 40 kB events pend (the first held by the gate, the second behind it): 80 kB of the 100 kB.
        assert holder.call("hold", {"pad": pad, "id": "first"}, namespace="/app")["accepted"] is True
        assert holder.call("hold", {"pad": pad, "id": "second"}, namespace="/app")["accepted"] is True
        assert wait_until(lambda: admin(server, "GET", "/admin/collections/started/items/first").status_code == 200,
                          timeout=10), "the held handler never started"
        refused = holder.call("hold", {"pad": pad, "id": "third"}, namespace="/app")
        assert refused["accepted"] is False and refused["error"]["code"] == "QUEUE_FULL", refused
        assert "100000 bytes" in refused["error"]["message"], refused
        # The budget is the server's: another socket's result-mode event is refused too, and a small one fits.
        assert other.call("size", {"pad": pad}, namespace="/app")["error"]["code"] == "QUEUE_FULL"
        assert other.call("size", {"pad": "x" * 100}, namespace="/app") == 100
        assert admin(server, "POST", "/admin/collections/gate/items", {"id": "open"}).status_code == 201
        results = holder.got("ws:result", namespace="/app", count=2, timeout=30)
        assert [result[0]["result"] for result in results] == ["released", "released"], results
        assert other.call("size", {"pad": pad}, namespace="/app") == 40_000
    finally:
        holder.close()
        other.close()


# MARK: memory limit

def test_a_live_event_over_the_memory_limit_fails_with_script_memory_limit(start_server, tmp_path):
    handlers = tmp_path / "handlers"
    grow = "SOCKET.data.lost = true\nlocal t = {}\nfor i = 1, 1e8 do t[i] = string.rep('x', 1000) .. i end\nreturn #t"
    write_gateway(handlers, "app", "/app", {
        "grow": (grow, {"ack": "result", "timeoutMs": 120000}),
        "some": ("return #string.rep('x', 1000000)", {"ack": "result"}),
        "peek": ("return SOCKET.data.lost == nil", {"ack": "result"}),
    })
    server = daemon(start_server, tmp_path / "db.sqlite", handlers=handlers)
    client = Client(server, ["/app"])
    try:
        assert client.call("some", namespace="/app") == 1000000
        error = client.call("grow", namespace="/app")["error"]
        assert error["code"] == "SCRIPT_MEMORY_LIMIT" and "memory limit" in error["message"], error
        # A run that ran out of memory keeps nothing in SOCKET.data, and the socket goes on being served.
        assert client.call("peek", namespace="/app") is True
        assert client.call("some", namespace="/app") == 1000000
    finally:
        client.close()


# MARK: disabled events

def test_a_disabled_event_is_refused_like_one_without_a_handler(start_server, tmp_path):
    handlers = tmp_path / "handlers"
    write_gateway(handlers, "app", "/app", {
        "off": ("return 'ran'", {"ack": "result", "enabled": False}),
        "on": ("return 'ran'", {"ack": "result"}),
    })
    server = daemon(start_server, tmp_path / "db.sqlite", handlers=handlers)
    client = Client(server, ["/app"])
    try:
        assert client.call("on", namespace="/app") == "ran"
        refused = client.call("off", namespace="/app")
        assert refused["accepted"] is False and refused["queued"] is False and refused["eventName"] == "off", refused
        assert refused["error"]["code"] == "NO_HANDLER" and refused["error"]["message"], refused
        # Disabling an event through the admin API applies live; enabling it again serves it again.
        events = f"/admin/gateways/{gateway_id(server, '/app')}/events"
        assert admin(server, "PATCH", f"{events}/on", {"enabled": False}).status_code == 200
        assert wait_until(lambda: client.call("on", namespace="/app") != "ran", timeout=10)
        assert client.call("on", namespace="/app")["error"]["code"] == "NO_HANDLER"
        assert admin(server, "PATCH", f"{events}/off", {"enabled": True}).status_code == 200
        assert wait_until(lambda: client.call("off", namespace="/app") == "ran", timeout=10)
    finally:
        client.close()


# MARK: live reload after `handlers sync` from another process

def test_the_daemon_serves_what_another_process_synced(start_server, tmp_path):
    handlers = tmp_path / "handlers"
    db = tmp_path / "db.sqlite"
    write_gateway(handlers, "app", "/app", {"version": ("return 1", {"ack": "result"})})
    server = daemon(start_server, db, handlers=handlers)
    client = Client(server, ["/app"])
    fresh = None
    try:
        assert client.call("version", namespace="/app") == 1
        (handlers / "app" / "events" / "version.lua").write_text("return 2")
        write_gateway(handlers, "extra", "/extra", {"hello": ("return 'extra'", {"ack": "result"})})
        synced = subprocess.run([str(GATEWAYD), "handlers", "sync", "--db", database(db), "--handlers", str(handlers)],
                                capture_output=True, text=True, timeout=60)
        assert synced.returncode == 0, synced.stderr
        assert wait_until(lambda: client.call("version", namespace="/app") == 2, timeout=10)
        fresh = connect_when_served(server, "/extra", timeout=10)
        assert fresh is not None and fresh.call("hello", namespace="/extra") == "extra"
    finally:
        client.close()
        if fresh is not None:
            fresh.close()


# MARK: tokens in headers and cookies over WebSocket

@pytest.mark.parametrize("where", ["header", "cookie"])
def test_a_token_in_a_header_or_cookie_is_taken_over_websocket(start_server, tmp_path, where):
    handlers = tmp_path / "handlers"
    write_gateway(handlers, "private", "/private", {"whoami": WHOAMI}, requireAuth=True)
    server = daemon(start_server, tmp_path / "db.sqlite", handlers=handlers)
    claims = {"sub": "42", "exp": int(time.time()) + 3600, "role": "admin"}
    token = make_jwt(claims)
    wrong = make_jwt(claims, secret="another-secret-that-is-at-least-32-bytes")  # the same length, not the secret
    assert len(wrong) == len(token) and wrong != token
    carry = {
        "header": lambda t: {"Authorization": f"Bearer {t}"},
        "cookie": lambda t: {"Cookie": f"theme=dark; accessToken={t}"},
    }[where]
    client = Client(server, ["/private"], transports=["websocket"], headers=carry(token))
    try:
        assert client.sio.transport() == "websocket"
        user = client.call("whoami", namespace="/private")
        assert (user["id"], user["role"]) == ("42", "admin"), user
    finally:
        client.close()
    refusal = connect_refused(server, "/private", transports=("websocket",), headers=carry(wrong))
    assert refusal["data"] == {"code": "AUTH_INVALID"}, refusal


def test_the_sandbox_threads_carry_their_names_for_the_kernel(start_server, tmp_path):
    """`top -H` and /proc name each Lua worker and the watchdog (Foundation's Thread.name alone does not reach the
    kernel on Linux: they showed a libdispatch pool thread's name)."""
    server = serve(start_server, tmp_path, ROOT / "handlers", "--workers", 3)
    names = sorted(Path(f"/proc/{server.proc.pid}/task/{task}/comm").read_text().strip()
                   for task in os.listdir(f"/proc/{server.proc.pid}/task"))
    assert [name for name in names if name.startswith("lua-")] == ["lua-watchdog", "lua-worker-0", "lua-worker-1", "lua-worker-2"]


@pytest.mark.parametrize("loops", [1, 3])
def test_event_loops_sets_how_many_network_threads_serve(start_server, tmp_path, loops):
    """`--event-loops N` starts N network threads (NIO names its shared loops NIO-SGLTN-…), whatever the CPU count,
    and they serve: a client's event gets its result."""
    handlers = tmp_path / "handlers"
    write_gateway(handlers, "app", "/app", {"double": ("return BODY.n * 2", {"ack": "result"})})
    server = daemon(start_server, tmp_path / "db.sqlite", "--event-loops", loops, handlers=handlers)
    client = Client(server, ["/app"])
    try:
        assert client.call("double", {"n": loops}, namespace="/app") == 2 * loops
    finally:
        client.close()
    names = [Path(f"/proc/{server.proc.pid}/task/{task}/comm").read_text().strip()
             for task in os.listdir(f"/proc/{server.proc.pid}/task")]
    assert len([name for name in names if name.startswith("NIO-SGLTN-")]) == loops, names
