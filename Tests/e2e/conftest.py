"""Shared fixtures for the end-to-end tests: they start the real binaries on loopback and stop them.

Binaries come from the debug build (`swift build`), `.build/debug`. A server is ready when it prints
`LISTENING <port>` on stdout (it binds port 0, so tests never collide); its logs go to stderr. Servers start with a
clean environment: no `GATEWAYD_*` variable of the caller's applies, only the `env=` a test passes.
"""
import os
import pathlib
import re
import signal
import subprocess
import threading
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN_DIR = ROOT / ".build" / "debug"


def clean_environment(env=None):
    """The caller's environment without any `GATEWAYD_*` variable, then `env` on top: a setting of the shell that runs
    the tests (a token, a port, a secret) cannot change what a test's daemon does."""
    inherited = {name: value for name, value in os.environ.items() if not name.startswith("GATEWAYD_")}
    return {**inherited, **{name: str(value) for name, value in (env or {}).items()}}


class ServerProcess:
    """A running server binary: its port, what it printed so far (`output`: stdout lines, `errors`: stderr lines,
    i.e. its logs), and a bounded stop."""

    def __init__(self, args, env=None, cwd=None, ready_timeout=30.0):
        self.args = [str(a) for a in args]
        self.output = []
        self.errors = []
        self.proc = subprocess.Popen(
            self.args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=clean_environment(env), cwd=cwd,
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
def start_server():
    """Starts servers for one test and stops every one of them afterwards."""
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
