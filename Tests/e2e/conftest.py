"""Shared fixtures for the end-to-end tests: they start the real binaries on loopback and stop them.

Binaries come from the debug build (`swift build`), `.build/debug`. A server is ready when it prints
`LISTENING <port>` on stdout (it binds port 0, so tests never collide); its logs go to stderr. Servers start with a
clean environment: no `GATEWAYD_*` variable of the caller's applies, only the `env=` a test passes.

The database backend: SQLite files under the test's tmp_path by default; with `E2E_POSTGRES_URL` set (a
`postgres://user:password@host:port/database` URL with no `options` parameter; scripts/test.sh sets it for its second
run), PostgreSQL on that server instead, a schema of its own for each database a test names (see `database`). On
PostgreSQL every daemon is a cluster node, which refuses to start without an admin token: the harness gives each one
`ADMIN_TOKEN` unless the test gives its own, and the admin requests of the shared helpers send it
(`ServerProcess.admin_headers`).
"""
import glob
import json
import os
import pathlib
import re
import shutil
import signal
import sqlite3
import subprocess
import threading
import time
import uuid

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN_DIR = ROOT / ".build" / "debug"
# Not a `GATEWAYD_*` variable: those are stripped from daemons, and this one is the harness's, not a daemon's.
POSTGRES_URL = os.environ.get("E2E_POSTGRES_URL") or None
ON_POSTGRES = POSTGRES_URL is not None
# The admin token of daemons on PostgreSQL whose test gives none (see `harness_admin_token`).
ADMIN_TOKEN = "e2e-harness-admin-token"
# A test of the tokenless admin API: a single node's, which a daemon on PostgreSQL is not (a cluster node refuses to
# start without an admin token, issue 22).
tokenless_admin_api = pytest.mark.skipif(
    ON_POSTGRES, reason="SQLite only: on PostgreSQL a daemon is a cluster node, which refuses to start without an "
                        "admin token: no tokenless admin API to test (test_admin_access checks the refusal)")


# MARK: the database backend

class _Schemas:
    """The PostgreSQL schemas the running test's databases live in, by the SQLite path that names each one."""
    by_path = None  # {str(path): schema name} while a test runs, None otherwise


def _psql(url, *arguments):
    executable = shutil.which("psql") or next(iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"))[-1:]), None)
    assert executable, "E2E_POSTGRES_URL is set but there is no psql (scripts/postgres.sh installs PostgreSQL)"
    done = subprocess.run([executable, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url, *arguments],
                          capture_output=True, text=True, timeout=60, env={**os.environ, "PGCONNECT_TIMEOUT": "10"})
    assert done.returncode == 0, f"psql {arguments}: {done.stderr}"
    return done.stdout


def _schema_url(schema):
    separator = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{separator}options=-c%20search_path%3D{schema}"


def database(path):
    """The `--db` argument (or `GATEWAYD_DB` value) of the database a test names by its SQLite file `path`: that path on
    SQLite; with `E2E_POSTGRES_URL`, a URL of that server whose connections work in a schema of their own for `path`
    (`options=-c search_path=…`), created at the first call for it in a test and dropped after the test. The same path
    gives the same database throughout a test, so daemons and `gatewayd` commands given it share it."""
    if not ON_POSTGRES:
        return str(path)
    assert _Schemas.by_path is not None, "database() is for use inside a test"
    key = str(path)
    if key not in _Schemas.by_path:
        schema = f"e2e_{uuid.uuid4().hex}"
        _psql(POSTGRES_URL, "-c", f"CREATE SCHEMA {schema}")
        _Schemas.by_path[key] = schema
    return _schema_url(_Schemas.by_path[key])


def db_rows(path, sql):
    """The rows `sql` (one SELECT) reads from the database `path` names (see `database`), as tuples; on PostgreSQL
    their values are JSON's (numbers, text, booleans, null), as sqlite3's are for the same columns."""
    if not ON_POSTGRES:
        with sqlite3.connect(path) as connection:
            return connection.execute(sql).fetchall()
    output = _psql(database(path), "-c", f"SELECT row_to_json(q)::text FROM ({sql}) q")
    return [tuple(json.loads(line).values()) for line in output.splitlines() if line]


def db_execute(path, sql):
    """Runs the statement `sql` on the database `path` names (see `database`), from a connection of its own."""
    if not ON_POSTGRES:
        with sqlite3.connect(path) as connection:
            connection.execute(sql)
        return
    _psql(database(path), "-c", sql)


@pytest.fixture(autouse=True)
def _database_schemas(request):
    """On PostgreSQL: the schemas the test's databases got, dropped after it (after its servers are stopped:
    `start_server` depends on this fixture, so it is torn down first); and the proof that every daemon and command
    the test ran went through `database`: none left a SQLite file in the test's folder."""
    if not ON_POSTGRES:
        yield
        return
    tmp_path = request.getfixturevalue("tmp_path")
    _Schemas.by_path = {}
    try:
        yield
    finally:
        schemas, _Schemas.by_path = list(_Schemas.by_path.values()), None
        if schemas:
            _psql(POSTGRES_URL, "-c", "DROP SCHEMA " + ", ".join(schemas) + " CASCADE")
    files = sorted(str(path.relative_to(tmp_path)) for path in tmp_path.rglob("*.sqlite*"))
    assert not files, f"a daemon or command of this test used SQLite, not the PostgreSQL of E2E_POSTGRES_URL: {files}"


def harness_admin_token(args=(), env=None):
    """The admin token the harness gives a daemon started with `args` and `env`: on PostgreSQL, where a node refuses
    to start without one (a cluster node, issue 22), `ADMIN_TOKEN` unless the test gives its own (`--admin-token` or
    `GATEWAYD_ADMIN_TOKEN`); None otherwise (on SQLite, nothing is added)."""
    if ON_POSTGRES and "--admin-token" not in map(str, args) and "GATEWAYD_ADMIN_TOKEN" not in (env or {}):
        return ADMIN_TOKEN
    return None


def clean_environment(env=None, args=()):
    """The caller's environment without any `GATEWAYD_*` variable, then `env` on top: a setting of the shell that runs
    the tests (a token, a port, a secret) cannot change what a test's daemon does. On PostgreSQL, the harness's admin
    token for a daemon started with `args` (see `harness_admin_token`)."""
    inherited = {name: value for name, value in os.environ.items() if not name.startswith("GATEWAYD_")}
    token = harness_admin_token(args, env)
    return {**inherited, **({"GATEWAYD_ADMIN_TOKEN": token} if token else {}),
            **{name: str(value) for name, value in (env or {}).items()}}


class ServerProcess:
    """A running server binary: its port, what it printed so far (`output`: stdout lines, `errors`: stderr lines,
    i.e. its logs), the admin token the harness gave it (`admin_token`, on PostgreSQL only), and a bounded stop."""

    def __init__(self, args, env=None, cwd=None, ready_timeout=30.0):
        self.args = [str(a) for a in args]
        self.output = []
        self.errors = []
        self.admin_token = harness_admin_token(self.args, env)
        self.proc = subprocess.Popen(
            self.args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=clean_environment(env, self.args), cwd=cwd,
        )
        ready = threading.Event()
        self.port = None

        def pump_stdout():
            for line in self.proc.stdout:
                self.output.append(line)
                match = re.match(r"LISTENING (\d+)", line)
                if match and self.port is None:
                    self.port = int(match.group(1))
                    ready.set()
            ready.set()

        def pump_stderr():
            for line in self.proc.stderr:
                self.errors.append(line)

        # Daemon threads that end when the process closes its pipes; stop() joins them with a timeout.
        self.readers = [threading.Thread(target=pump_stdout, daemon=True), threading.Thread(target=pump_stderr, daemon=True)]
        for reader in self.readers:
            reader.start()
        if not ready.wait(ready_timeout) or self.port is None:
            self.stop()
            raise RuntimeError(
                f"server did not start: {self.args}\n--- stdout:\n" + "".join(self.output[-40:])
                + "--- stderr:\n" + "".join(self.errors[-40:]))

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def admin_headers(self):
        """What an admin request needs that the test does not give itself: the harness's token, if it gave one."""
        return {"Authorization": f"Bearer {self.admin_token}"} if self.admin_token else {}

    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait(self, timeout):
        return self.proc.wait(timeout=timeout)

    def stop(self, timeout=10.0):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        for reader in self.readers:
            reader.join(timeout=5)
        return self.proc.returncode


class Recorder:
    """Collects the events a client receives, thread-safely (python-socketio calls handlers on other threads)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.events = []

    def add(self, name, *args):
        with self.lock:
            self.events.append((name, args))

    def named(self, name):
        with self.lock:
            return [args for event, args in self.events if event == name]


def wait_until(predicate, timeout=5.0, interval=0.02):
    """Polls `predicate` until it is truthy or `timeout` passes; returns its last value."""
    deadline = time.monotonic() + timeout
    value = predicate()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = predicate()
    return value


@pytest.fixture
def start_server(_database_schemas):
    """Starts servers for one test and stops every one of them afterwards (before its databases are dropped)."""
    started = []

    def start(args, **kwargs):
        server = ServerProcess(args, **kwargs)
        started.append(server)
        return server

    yield start
    # Every server is stopped even if stopping one raises; the first failure is raised afterwards.
    failures = []
    for server in started:
        try:
            server.stop()
        except Exception as error:  # noqa: BLE001 - re-raised below, after the other servers are stopped
            failures.append(error)
    if failures:
        raise failures[0]


@pytest.fixture
def chat_app(start_server):
    """The SocketIO module's test application (`sio-testapp --mode chat`); extra CLI options allowed."""

    def start(*options):
        return start_server([BIN_DIR / "sio-testapp", "--mode", "chat", *options])

    return start
