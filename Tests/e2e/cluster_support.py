"""Several servers as one: free loopback ports, nginx round-robin in front of them (no stickiness), and a gatewayd
cluster — a throw-away PostgreSQL (`scripts/postgres.sh`), gatewayd nodes on it, nginx in front."""
import os
import shutil
import signal
import socket
import subprocess

import pytest

from conftest import BIN_DIR, ROOT, ServerProcess, wait_until

GATEWAYD = BIN_DIR / "gatewayd"


def free_ports(count):
    """Ports free on loopback right now: for nodes that must know each other's address before they start."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def nginx_binary():
    """nginx from Debian, which `scripts/setup.sh --test-clients` installs when missing."""
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    assert found, "nginx is installed by scripts/setup.sh --test-clients"
    return found


class RoundRobin:
    """nginx on loopback in front of `ports`, round-robin, no stickiness, in the foreground with a configuration of its
    own in `directory`: `url`, and `access_log` (`upstream request`, one line per request). `backups`: upstreams used
    only when none of `ports` answers (each request tries `ports` first: none is ever marked down)."""

    def __init__(self, directory, ports, backups=()):
        (port,) = free_ports(1)
        self.url = f"http://127.0.0.1:{port}"
        self.access_log = directory / "access.log"
        primary = " max_fails=0" if backups else ""
        upstreams = "".join(f"    server 127.0.0.1:{upstream}{primary};\n" for upstream in ports)
        upstreams += "".join(f"    server 127.0.0.1:{upstream} backup;\n" for upstream in backups)
        conf = directory / "nginx.conf"
        conf.write_text(f"""worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log;
events {{ worker_connections 1024; }}
http {{
  log_format relayed '$upstream_addr $request_uri';
  access_log {self.access_log} relayed;
  client_body_temp_path {directory}/client_body;
  proxy_temp_path {directory}/proxy;
  fastcgi_temp_path {directory}/fastcgi;
  uwsgi_temp_path {directory}/uwsgi;
  scgi_temp_path {directory}/scgi;
  map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
  upstream nodes {{
{upstreams}  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://nodes;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 60s;
    }}
  }}
}}
""")
        self.proc = subprocess.Popen(
            [nginx_binary(), "-c", str(conf), "-p", str(directory), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

        def accepting():
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return True
            except OSError:
                return self.proc.poll() is not None  # it exited: stop waiting, reported below

        assert wait_until(accepting, timeout=15) and self.proc.poll() is None, \
            self.proc.stderr.read() if self.proc.poll() is not None else ""

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # nginx's graceful stop
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)

    def upstreams_serving(self, sid):
        """The nodes (upstream ports) nginx sent the requests for session `sid` to."""
        if not self.access_log.exists():
            return set()
        lines = [line.split(" ", 1) for line in self.access_log.read_text().splitlines()]
        return {upstream.rsplit(":", 1)[1] for upstream, uri in lines if f"sid={sid}" in uri}


@pytest.fixture
def round_robin(tmp_path):
    """`start(nodes)`: a `RoundRobin` in front of `nodes` (servers with a `port`), stopped after the test."""
    started = []

    def start(nodes):
        balancer = RoundRobin(tmp_path, [node.port for node in nodes])
        started.append(balancer)
        return balancer

    yield start
    for balancer in started:
        balancer.stop()


class Postgres:
    """A throw-away PostgreSQL server (`scripts/postgres.sh start`), its `url`; `stop()` removes it."""

    def __init__(self, directory):
        self.directory = directory
        done = subprocess.run([ROOT / "scripts" / "postgres.sh", "start", directory], capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stderr
        self.url = done.stdout.strip().splitlines()[-1]

    def halt(self):
        """Stops the server (fast shutdown cuts every connection) and keeps its data, until `resume()`."""
        self._script("halt")

    def resume(self):
        self._script("resume")

    def _script(self, command):
        done = subprocess.run([ROOT / "scripts" / "postgres.sh", command, self.directory], capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr

    def stop(self):
        subprocess.run([ROOT / "scripts" / "postgres.sh", "stop", self.directory], capture_output=True, timeout=120)


class GatewaydCluster:
    """`count` gatewayd nodes `n1`, `n2`… on one throw-away PostgreSQL, each on a port picked first and advertised,
    with `token` as admin token; node 1 syncs `handlers`. `balancer` is nginx round-robin in front of them."""

    def __init__(self, directory, handlers, count=3, token="cluster-admin-token", options=()):
        self.token = token
        self.postgres = Postgres(directory / "postgres")
        self.nodes = []
        try:
            for index, port in enumerate(free_ports(count), start=1):
                self.nodes.append(ServerProcess([
                    GATEWAYD, "serve", "--db", self.postgres.url, "--host", "127.0.0.1", "--port", port,
                    "--node-id", f"n{index}", "--advertise-address", f"127.0.0.1:{port}", "--admin-token", token,
                    "--handlers", handlers, "--sync" if index == 1 else "--no-sync", *options,
                ]))
            (directory / "nginx").mkdir()
            self.balancer = RoundRobin(directory / "nginx", [node.port for node in self.nodes])
        except BaseException:
            self.stop()
            raise

    @property
    def headers(self):
        return {"Authorization": f"Bearer {self.token}"}

    def start_again(self, index):
        """Starts node `index` (0-based) again as it was first started (same port, id and options), once it stopped;
        returns when it serves."""
        assert self.nodes[index].proc.poll() is not None, "the node still runs"
        self.nodes[index] = ServerProcess(self.nodes[index].args)
        return self.nodes[index]

    def node_named(self, node_id):
        return self.nodes[int(node_id.removeprefix("n")) - 1]

    def stop(self):
        if getattr(self, "balancer", None):
            self.balancer.stop()
        for node in self.nodes:
            try:
                node.stop()
            except Exception:  # noqa: BLE001 - the others are stopped all the same
                pass
        self.postgres.stop()
