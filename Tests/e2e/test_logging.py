"""Structured logs (issue 24): `--log-format json` writes one JSON object a line with `ts`, `level`, `module`, `msg` and
each event's fields; `--log-level` takes levels per module; a handler run past `--slow-handler-ms` is a `slow handler`
warning. Driven by a real python-socketio client against the running daemon, read from its stderr."""
import json
import os
import subprocess

from conftest import BIN_DIR, wait_until
from gateway_support import TIMEOUT, Client, json_lines, logged, serve, write_gateway


def gateway(tmp_path):
    root = tmp_path / "handlers"
    write_gateway(root, "logged", "/logged", {
        "fail": 'THROW.notFound("no such thing")',
        # Two million Lua iterations take milliseconds: well past a 1 ms threshold, whatever the machine.
        "busy": ("local n = 0 for i = 1, 2000000 do n = n + i end return n", {"ack": "result"}),
    })
    return root


def test_json_lines_carry_the_event_fields(start_server, tmp_path):
    server = serve(start_server, tmp_path, gateway(tmp_path), "--log-format", "json")
    client = Client(server, ["/logged"])
    sid = client.sio.get_sid("/logged")
    try:
        ack = client.call("fail", {}, namespace="/logged")
        assert ack["accepted"] is True
        assert wait_until(lambda: logged(server, "handler failed"), timeout=TIMEOUT), server.errors[-10:]
    finally:
        client.close()
    [failed] = logged(server, "handler failed")
    assert failed["level"] == "info" and failed["module"] == "Gateway"
    assert failed["requestId"] == ack["requestId"] and failed["gateway"] == "/logged" and failed["event"] == "fail"
    assert failed["socket"] == sid
    assert failed["outcome"] == "NOT_FOUND" and failed["message"] == "no such thing"
    assert float(failed["durationMs"]) >= 0
    assert "user" not in failed  # anonymous
    assert failed["ts"].endswith("Z") and failed["ts"][10] == "T"
    # Every line of the run, start-up included, is a JSON object with the four fixed fields.
    assert all({"ts", "level", "module", "msg"} <= record.keys() for record in json_lines(server))


def test_levels_per_module_and_the_slow_handler_warning(start_server, tmp_path):
    server = serve(start_server, tmp_path, gateway(tmp_path), "--log-format", "json",
                   "--log-level", "warning,gateway=info", "--slow-handler-ms", "1")
    client = Client(server, ["/logged"])
    try:
        assert client.call("busy", {}, namespace="/logged") == 2000001000000
        client.call("fail", {}, namespace="/logged")
        # The marker: the failure's info line (module Gateway) comes after everything the daemon logged at start-up.
        assert wait_until(lambda: logged(server, "handler failed"), timeout=TIMEOUT), server.errors[-10:]
    finally:
        client.close()
    [slow] = [record for record in logged(server, "slow handler") if record["name"] == "busy"]
    assert slow["level"] == "warning" and slow["gateway"] == "/logged" and slow["kind"] == "event"
    assert int(slow["durationMs"]) >= 1
    # Info lines of other modules are held back (the daemon's `listening`), those of Gateway are not.
    assert logged(server, "gateway serving")
    assert not logged(server, "listening")
    assert all(record["level"] != "info" or record["module"] == "Gateway" for record in json_lines(server))


def test_a_malformed_log_level_is_refused_naming_it():
    flag = subprocess.run([BIN_DIR / "gatewayd", "serve", "--log-level", "info,gateway=loud"],
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert flag.returncode != 0 and "'info,gateway=loud' is invalid for '--log-level" in flag.stderr, flag.stderr
    environment = subprocess.run([BIN_DIR / "gatewayd", "serve"], capture_output=True, text=True, timeout=TIMEOUT,
                                 env={**os.environ, "GATEWAYD_LOG_FORMAT": "yaml"})
    assert environment.returncode != 0 and "GATEWAYD_LOG_FORMAT='yaml' is not a valid value" in environment.stderr, \
        environment.stderr
