"""End-to-end tests of the gatewayd command line: migrate, handlers sync, serve start-up and shutdown, test-run."""
import json
import pathlib
import re
import shutil
import signal
import subprocess

import pytest
import requests

from conftest import BIN_DIR, ON_POSTGRES, ROOT, clean_environment, database, db_rows

GATEWAYD = BIN_DIR / "gatewayd"
# Each backend has its own migration set, and records what it applied in a table of its own.
MIGRATIONS = sorted(p.stem for p in (ROOT / "migrations" / ("postgres" if ON_POSTGRES else "")).glob("*.sql"))
APPLIED_MIGRATIONS = ("SELECT name FROM gatewayd_migrations ORDER BY id" if ON_POSTGRES
                      else "SELECT identifier FROM grdb_migrations")
TIMEOUT = 60


def gatewayd(*args, cwd=None, env=None):
    """Runs one command to completion, with no `GATEWAYD_*` variable of the caller's: only `env` applies."""
    return subprocess.run([str(GATEWAYD), *map(str, args)], capture_output=True, text=True, timeout=TIMEOUT,
                          cwd=cwd, env=clean_environment(env, args))


def serve_args(tmp_path):
    """`serve` on loopback, port 0, on the test's database."""
    return ["serve", "--port", "0", "--host", "127.0.0.1", "--db", database(tmp_path / "db.sqlite")]


def events_of(db, path):
    return dict(db_rows(db, "SELECT e.event_name, e.script FROM gateway_events e "
                            f"JOIN gateways g ON g.id = e.gateway_id WHERE g.path = '{path}'"))


@pytest.fixture
def handlers(tmp_path):
    """A copy of the example handlers folder that a test may edit."""
    folder = tmp_path / "handlers"
    shutil.copytree(ROOT / "handlers", folder)
    return folder


# MARK: migrate

def test_migrations_are_applied_once_on_an_existing_database(tmp_path, handlers):
    db = tmp_path / "db.sqlite"
    first = gatewayd("migrate", "--db", database(db))
    assert first.returncode == 0, first.stderr
    applied = db_rows(db, APPLIED_MIGRATIONS)
    assert [name for (name,) in applied] == MIGRATIONS

    assert gatewayd("handlers", "sync", "--db", database(db), "--handlers", handlers).returncode == 0
    before = db_rows(db, "SELECT id, path, version FROM gateways")
    assert [path for (_, path, _) in before] == ["/chat"]

    for _ in range(2):
        again = gatewayd("migrate", "--db", database(db))
        assert again.returncode == 0, again.stderr
        assert db_rows(db, APPLIED_MIGRATIONS) == applied
        assert db_rows(db, "SELECT id, path, version FROM gateways") == before
    assert ", ".join(MIGRATIONS) in again.stdout


# MARK: handlers sync

def test_sync_creates_updates_and_deletes(tmp_path, handlers):
    db = tmp_path / "db.sqlite"
    created = gatewayd("handlers", "sync", "--db", database(db), "--handlers", handlers)
    assert created.returncode == 0, created.stderr
    assert "created /chat (chat): events created 5" in created.stdout
    events = events_of(db, "/chat")
    assert sorted(events) == ["joinRoom", "leaveRoom", "message", "notify", "typing"]

    unchanged = gatewayd("handlers", "sync", "--db", database(db), "--handlers", handlers)
    assert "unchanged /chat (chat): events created 0, updated 0, deleted 0, unchanged 5" in unchanged.stdout

    (handlers / "chat" / "events" / "message.lua").write_text("return 'changed'\n")
    (handlers / "chat" / "events" / "typing.lua").unlink()
    (handlers / "chat" / "events" / "typing.json").unlink()
    (handlers / "chat" / "events" / "wave.lua").write_text("return 'wave'\n")
    updated = gatewayd("handlers", "sync", "--db", database(db), "--handlers", handlers)
    assert updated.returncode == 0, updated.stderr
    assert "events created 1, updated 1, deleted 1, unchanged 3" in updated.stdout
    events = events_of(db, "/chat")
    assert events["message"] == "return 'changed'\n"
    assert events["wave"] == "return 'wave'\n"
    assert "typing" not in events

    shutil.rmtree(handlers / "chat")
    deleted = gatewayd("handlers", "sync", "--db", database(db), "--handlers", handlers)
    assert deleted.returncode == 0, deleted.stderr
    assert "deleted /chat (chat)" in deleted.stdout
    assert db_rows(db, "SELECT count(*) FROM gateways") == [(0,)]
    assert db_rows(db, "SELECT count(*) FROM gateway_events") == [(0,)]


def test_a_bad_script_refuses_the_whole_sync_with_file_and_line(tmp_path, handlers):
    db = tmp_path / "db.sqlite"
    assert gatewayd("handlers", "sync", "--db", database(db), "--handlers", handlers).returncode == 0
    before = db_rows(db, "SELECT * FROM gateway_events ORDER BY id")
    revision = db_rows(db, "SELECT * FROM config_revision")

    (handlers / "chat" / "events" / "message.lua").write_text("return 'would be an update'\n")
    (handlers / "chat" / "events" / "new.lua").write_text("return 'would be created'\n")
    (handlers / "chat" / "events" / "typing.lua").write_text("local a = 1\n\nif a then\n  return = 2\nend\n")
    refused = gatewayd("handlers", "sync", "--db", database(db), "--handlers", handlers)
    assert refused.returncode == 1
    assert f"{handlers}/chat/events/typing.lua:4:" in refused.stderr
    assert db_rows(db, "SELECT * FROM gateway_events ORDER BY id") == before
    assert db_rows(db, "SELECT * FROM config_revision") == revision


# MARK: serve

def test_serve_syncs_the_handlers_folder_at_start_up(start_server, tmp_path, handlers):
    server = start_server([GATEWAYD, *serve_args(tmp_path), "--handlers", handlers])
    gateways = requests.get(server.url + "/admin/gateways", headers=server.admin_headers, timeout=10).json()["gateways"]
    assert [(g["path"], g["origin"], g["folderName"]) for g in gateways] == [("/chat", "folder", "chat")]


def test_serve_with_no_arguments_uses_the_working_directory(start_server, tmp_path, handlers):
    # Only the port and host come from the environment: the test cannot collide with a daemon on 3000, and
    # a loopback host keeps the tokenless admin API open. The default database is ./gatewayd.sqlite; on PostgreSQL
    # GATEWAYD_DB names the test's database instead, and no file is made (and the harness gives its admin token).
    env = {"GATEWAYD_PORT": "0", "GATEWAYD_HOST": "127.0.0.1"}
    if ON_POSTGRES:
        env["GATEWAYD_DB"] = database(tmp_path / "gatewayd.sqlite")
    server = start_server([GATEWAYD], cwd=tmp_path, env=env)
    assert (tmp_path / "gatewayd.sqlite").exists() is not ON_POSTGRES
    assert db_rows(tmp_path / "gatewayd.sqlite", "SELECT path, folder_name FROM gateways") == [("/chat", "chat")]
    body = requests.post(server.url + "/admin/test/run", headers=server.admin_headers, timeout=10, json={
        "kind": "websocket_event", "gatewayPath": "/chat", "eventName": "message",
        "payload": {"room": "lobby", "text": "hi"}}).json()
    assert body["success"] is True, body
    assert body["result"]["text"] == "hi"


def test_serve_without_a_handlers_folder_starts_and_says_so(start_server, tmp_path):
    server = start_server([GATEWAYD, *serve_args(tmp_path), "--handlers", tmp_path / "absent"])
    listed = requests.get(server.url + "/admin/gateways", headers=server.admin_headers, timeout=10)
    assert listed.json() == {"gateways": []}
    assert any("no handlers folder" in line for line in server.errors), server.errors


def test_serve_refuses_to_start_on_a_bad_handlers_folder(tmp_path, handlers):
    (handlers / "chat" / "events" / "message.lua").write_text("return )\n")
    result = gatewayd(*serve_args(tmp_path), "--handlers", handlers)
    assert result.returncode == 1
    assert "LISTENING" not in result.stdout
    assert f"{handlers}/chat/events/message.lua:1:" in result.stderr


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serve_shuts_down_gracefully_on_signals(start_server, tmp_path, sig):
    server = start_server([GATEWAYD, *serve_args(tmp_path), "--no-sync"])
    assert requests.get(server.url + "/healthz", timeout=10).status_code == 200
    server.signal(sig)
    assert server.wait(timeout=15) == 0


def test_jwt_secret_must_be_at_least_32_bytes(start_server, tmp_path):
    short = gatewayd(*serve_args(tmp_path), "--jwt-secret", "too-short")
    assert short.returncode == 2
    assert "at least 32 bytes" in short.stderr
    from_env = gatewayd(*serve_args(tmp_path), env={"GATEWAYD_JWT_SECRET": "x" * 31})
    assert from_env.returncode == 2
    server = start_server([GATEWAYD, *serve_args(tmp_path), "--no-sync", "--jwt-secret", "s" * 32])
    assert requests.get(server.url + "/healthz", timeout=10).status_code == 200


def test_usage_errors_exit_2(tmp_path):
    assert gatewayd("serve", "--port", "nope").returncode == 2
    assert gatewayd("serve", "--port", "70000", "--db", database(tmp_path / "db.sqlite")).returncode == 2
    bad_env = gatewayd("serve", "--db", database(tmp_path / "db.sqlite"), env={"GATEWAYD_PORT": "nope"})
    assert bad_env.returncode == 2
    assert "GATEWAYD_PORT" in bad_env.stderr


LOG_LINE = re.compile(r"^\S+ (trace|debug|info|notice|warning|error|critical) gatewayd: ")


def test_serve_prints_only_listening_on_stdout_and_logs_on_stderr(start_server, tmp_path, handlers):
    server = start_server([GATEWAYD, *serve_args(tmp_path), "--handlers", handlers])
    assert requests.get(server.url + "/healthz", timeout=10).status_code == 200
    assert server.stop() == 0  # exited, and both pipes read to their end
    assert server.output == [f"LISTENING {server.port}\n"]
    logs = "".join(server.errors)
    for message in ["handlers synced", "listening", "shutting down"]:
        assert message in logs, server.errors
    assert all(LOG_LINE.match(line) for line in server.errors), server.errors
    assert not any("LISTENING" in line for line in server.errors), server.errors


def test_the_callers_gatewayd_variables_do_not_reach_the_daemon(start_server, tmp_path, monkeypatch):
    # The harness's own guarantee: a token or a setting that would not even parse, set in the shell that runs the
    # tests, applies to no daemon and no command; only the `env` a test passes does.
    monkeypatch.setenv("GATEWAYD_ADMIN_TOKEN", "token-of-the-callers-shell")
    monkeypatch.setenv("GATEWAYD_LOG_LEVEL", "nope")
    server = start_server([GATEWAYD, *serve_args(tmp_path), "--no-sync"])
    if ON_POSTGRES:
        # A node on PostgreSQL needs a token, and has the harness's: the caller's is not it.
        callers = {"Authorization": "Bearer token-of-the-callers-shell"}
        assert requests.get(server.url + "/admin/gateways", headers=callers, timeout=10).status_code == 401
        assert requests.get(server.url + "/admin/gateways", headers=server.admin_headers, timeout=10).status_code == 200
    else:
        assert requests.get(server.url + "/admin/gateways", timeout=10).status_code == 200  # no token applies
        assert any("admin API has no token" in line for line in server.errors), server.errors
    assert gatewayd("migrate", "--db", database(tmp_path / "other.sqlite")).returncode == 0
    refused = gatewayd("migrate", "--db", database(tmp_path / "other.sqlite"), env={"GATEWAYD_LOG_LEVEL": "nope"})
    assert refused.returncode == 2 and "GATEWAYD_LOG_LEVEL" in refused.stderr, refused.stderr


def documented_settings():
    """{option: environment variable} of the settings table in docs/configuration.md (`--sync` / `--no-sync` share
    one variable)."""
    readme = (ROOT / "docs" / "configuration.md").read_text()
    section = readme.split("## Running gatewayd: settings, commands, admin API", 1)[1].split("\n## ", 1)[0]
    lines = section.splitlines()
    header = lines.index("| Option | Environment | Default | Meaning |")
    settings = {}
    for line in lines[header + 2:]:
        if not line.startswith("|"):
            break
        option_cell, environment_cell = line.split("|")[1:3]
        environments = re.findall(r"`(GATEWAYD_[A-Z_]+)`", environment_cell)
        options = re.findall(r"`(--[a-z][a-z-]*)`", option_cell)
        assert len(environments) == 1 and options, line
        for option in options:
            settings[option] = environments[0]
    return settings


def help_blocks(help_text):
    """{option: its help text} of `--help`: an option line starts with two spaces and a dash."""
    blocks = {}
    current = []
    for line in help_text.splitlines():
        match = re.match(r"^  (-\w, )?(--[a-z][a-z-]*(?:/--[a-z][a-z-]*)?)", line)
        if match:
            current = []
            for option in match.group(2).split("/"):
                blocks[option] = current
        current.append(line)
    return {option: " ".join(" ".join(lines).split()) for option, lines in blocks.items()}


def test_serve_help_shows_exactly_the_documented_settings_with_their_environment_variables():
    settings = documented_settings()
    assert {"--host", "--port", "--admin-token", "--sync", "--no-sync", "--log-level"} <= set(settings)  # the table was read
    result = gatewayd("serve", "--help")
    assert result.returncode == 0, result.stderr
    blocks = help_blocks(result.stdout)
    shown = set(blocks) - {"--help", "--version"}  # the argument parser's own flags, not settings
    assert sorted(set(settings) - shown) == [], "documented but not in serve --help"
    assert sorted(shown - set(settings)) == [], "in serve --help but not in docs/configuration.md's settings table"
    for option, environment in settings.items():
        assert re.search(rf"\b{environment}\b", blocks[option]), (option, environment, blocks[option])


# MARK: test-run

def run_test_run(tmp_path, *args):
    result = gatewayd("test-run", "--db", database(tmp_path / "db.sqlite"), *args)
    return result.returncode, json.loads(result.stdout) if result.stdout.strip() else None, result.stderr


def test_test_run_exits_0_on_success_with_the_endpoints_json(tmp_path):
    code, body, _ = run_test_run(tmp_path, "--gateway-path", "/chat", "--event-name", "message",
                             "--payload", '{"text":"hello"}',
                             "--script", 'LOGS("received", BODY); SOCKET.reply("reply", {ok=true}); return {ok=true}')
    assert code == 0
    assert body == {"success": True, "result": {"ok": True}, "logs": [["received", {"text": "hello"}]],
                    "emitted": [{"method": "reply", "args": ["reply", {"ok": True}]}], "socketData": {}, "writes": []}


def test_test_run_rolls_collection_writes_back_unless_told_to_commit(tmp_path):
    script = "DB.notes.create{data = {id = 'n1'}} return DB.notes.count{}"
    for commit, kept in [([], 0), (["--commit"], 1)]:
        code, body, _ = run_test_run(tmp_path, "--event-name", "x", "--script", script, *commit)
        assert (code, body["result"], body["writes"]) == (0, 1, [{"collection": "notes", "action": "created", "id": "n1"}])
        code, body, _ = run_test_run(tmp_path, "--event-name", "x", "--script", "return DB.notes.count{}")
        assert body["result"] == kept


def test_test_run_verifies_and_signs_with_the_jwt_secret(tmp_path):
    secret = ["--jwt-secret", "test-secret-that-is-at-least-32-bytes-long"]
    code, body, _ = run_test_run(tmp_path, "--event-name", "x", *secret,
                                 "--script", "return AUTH.verify(AUTH.sign({sub = 'ann'})).id")
    assert (code, body["result"]) == (0, "ann")
    code, body, _ = run_test_run(tmp_path, "--event-name", "x", "--script", "return AUTH.sign({sub = 'ann'})")
    assert code == 1 and body["error"]["code"] == "SERVICE_UNAVAILABLE"


def test_test_run_starts_from_socket_data_and_prints_what_the_run_left(tmp_path):
    code, body, _ = run_test_run(tmp_path, "--event-name", "x", "--socket-data", '{"m": 2}',
                                 "--script", "SOCKET.data.n = SOCKET.data.m + 1; return SOCKET.data.n")
    assert (code, body["result"], body["socketData"]) == (0, 3, {"m": 2, "n": 3})


def test_test_run_runs_saved_handlers_and_script_files(tmp_path, handlers):
    synced = gatewayd("handlers", "sync", "--db", database(tmp_path / "db.sqlite"), "--handlers", handlers)
    assert synced.returncode == 0, synced.stderr
    code, body, _ = run_test_run(tmp_path, "--gateway-path", "/chat", "--event-name", "message",
                             "--payload", '{"room":"lobby","text":"hi"}', "--user", '{"id":"u1"}')
    assert code == 0, body
    assert body["result"]["from"] == "u1"
    script = tmp_path / "check.lua"
    script.write_text("return GATEWAY, BODY\n")
    code, body, _ = run_test_run(tmp_path, "--gateway-path", "/chat", "--event-name", "x", "--script-file", script,
                             "--args", '[3, 4]')
    assert (code, body["result"]) == (0, ["/chat", 3])
    code, body, _ = run_test_run(tmp_path, "--kind", "websocket_connection", "--gateway-path", "/chat")
    assert code == 0, body
    assert body["emitted"][0]["method"] == "reply"


@pytest.mark.parametrize("script,error_code", [
    ("THROW.badRequest('nope')", "BAD_REQUEST"),
    ("error('boom')", "SCRIPT_ERROR"),
    ("return = 1", "SCRIPT_SYNTAX_ERROR"),
])
def test_test_run_exits_1_when_the_handler_fails(tmp_path, script, error_code):
    code, body, _ = run_test_run(tmp_path, "--event-name", "e", "--script", script)
    assert code == 1
    assert body["success"] is False
    assert body["error"]["code"] == error_code


@pytest.mark.parametrize("args,error_code", [
    (["--kind", "http", "--event-name", "e", "--script", "return 1"], "INVALID_TEST_KIND"),
    (["--script", "return 1"], "MISSING_EVENT_NAME"),
    (["--event-name", "e", "--gateway-path", "/nowhere"], "GATEWAY_NOT_FOUND"),
])
def test_test_run_exits_2_on_a_request_that_cannot_run(tmp_path, args, error_code):
    code, body, _ = run_test_run(tmp_path, *args)
    assert code == 2
    assert body["error"]["code"] == error_code


def test_test_run_exits_2_on_bad_options(tmp_path):
    code, _, stderr = run_test_run(tmp_path, "--event-name", "e", "--script", "return 1", "--payload", "{not json")
    assert code == 2
    assert "--payload" in stderr
    code, _, _ = run_test_run(tmp_path, "--event-name", "e", "--script", "return 1", "--no-such-option")
    assert code == 2
