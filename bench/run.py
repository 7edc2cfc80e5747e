#!/usr/bin/env python3
"""Benchmark runner: gatewayd against Node's socket.io 4.8.1, python-socketio and a raw WebSocket echo, driven by
gateway-bench.

    .venv-v5/bin/python bench/run.py            # or: make bench
    .venv-v5/bin/python bench/run.py --quick    # a fast check: shorter runs, fewer connections
    .venv-v5/bin/python bench/run.py --node-socketio BUNDLE   # Node's socket.io too (BUNDLE: see below)
    .venv-v5/bin/python bench/run.py --generator-threads 2    # gateway-bench on 2 event loops (its --threads)
    .venv-v5/bin/python bench/run.py --servers gatewayd --scenarios cluster-fanout   # 3 nodes on a throw-away PostgreSQL

Node's socket.io is the baseline teams would otherwise run. Its bundle is built here, never committed: fetch
github:socketio/socket.io (a bare git dir), then `../shared/peers/node-socketio/setup.sh GIT_DIR OUT_DIR` makes
OUT_DIR/socket.io-4.8.1.cjs; bench/node/bench-server.js serves bench/handlers' events with it. Without
--node-socketio (or GATEWAYD_BENCH_NODE_SOCKETIO) the run says it left Node out.

It builds the three release binaries (skip with --no-build), then for each server and scenario: starts the
server afresh on a free port (reads `LISTENING <port>` from its stdout), runs the generator against it, and
stops it (SIGTERM, then SIGKILL after 10 s). Every JSON line the generator prints is appended to bench/results/<timestamp>.jsonl
(with `server` and `phase` added); a markdown table is printed to stdout at the end.

Scenarios (see --help for every default):
  echo-ack  closed loop, N connections x K in flight, `echo` acked with its argument; all three servers
  pipeline  `work`: a closed loop finds the peak throughput P, then an open loop at P/2 measures ack and
            ws:result latency at half peak, and one at --pipeline-common-rate at the same load for every server
  chat      --chat-connections (5,000) each sending `work` at --chat-rate (2/s), an open loop: CPU per event and
            ws:result latency when every event travels alone
  fanout    subscribers join room `fan`, publishers `publish` to it: deliveries/s and delivery latency
  upgrade   echo-ack and fanout with every socket upgraded from long-polling (the official clients' default)
  idle      connections opened and held: connect time and server RSS per connection
  churn     connections opened and closed one after another (after a warm-up tenth): connections/s and the
            server RSS each one leaves behind (nothing, for a server that does not leak)
  cluster-fanout  gatewayd only: a throw-away PostgreSQL (scripts/postgres.sh) and 3 nodes on it, a 9,000-socket
            room spread over them and one publisher on node 1 (deliveries/s, p99 on node 1 and through the bus), also
            as an open loop at --cluster-fanout-rate broadcasts/s (latencies at a load both carry); then the bus at
            saturation (a few subscribers per node, several publishers: broadcasts/s each node receives, and the CPU
            of every node, of PostgreSQL and of the generator, to say what bounds it), again with --bus-large-payload
            publishes (past the 8,000-byte limit: through cluster_attachments); then the same 9,000-socket room on
            one node on the same PostgreSQL. Every acked publish must reach every joined subscriber: the table says
            how many deliveries went missing, and what the nodes logged (warnings and worse).
  flaky     bench/flaky.py once, after the others: 1,000 socket.io-client 4.8.1 clients whose TCP connections are
            reset for 2 s at random every 10-20 s, one publisher for 60 s; messages delivered exactly once,
            duplicated, out of order or missing, for gatewayd with recovery on and off and Node's socket.io with
            its connectionStateRecovery
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import queue
import re
import resource
import secrets
import socket
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RELEASE = ROOT / ".build-release" / "release"
PYTHON = ROOT / ".venv-v5" / "bin" / "python"
RESULTS = ROOT / "bench" / "results"
SERVERS = ("gatewayd", "node-socketio", "python-socketio", "raw-ws")
SCENARIOS = ("echo-ack", "pipeline", "chat", "fanout", "upgrade", "idle", "churn", "cluster-fanout", "flaky")
LISTEN_TIMEOUT_S = 60
STOP_TIMEOUT_S = 10
# The hard open-files limit of this machine is 20,000 per process: leave room for the rest of the fds.
MAX_CONNECTIONS = 19_000


# ---------------------------------------------------------------- options


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--no-build", action="store_true", help="use the binaries in --bin-dir as they are")
    p.add_argument("--bin-dir", type=Path, default=RELEASE,
                   help="where gatewayd, bench-ws-echo and gateway-bench are (default: %(default)s, what the build makes)")
    p.add_argument("--generator", type=Path, help="the load generator (default: BIN_DIR/gateway-bench)")
    p.add_argument("--quick", action="store_true", help="durations / 5 and connection counts / 10, for a fast check")
    p.add_argument("--servers", default=",".join(SERVERS), help="comma-separated subset of %(default)s")
    p.add_argument("--node-socketio", type=Path, default=os.environ.get("GATEWAYD_BENCH_NODE_SOCKETIO"),
                   help="socket.io-4.8.1.cjs, the bundle Node's socket.io runs from (env GATEWAYD_BENCH_NODE_SOCKETIO)")
    p.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated subset of %(default)s")
    p.add_argument("--duration", type=float, default=10.0, help="seconds measured per run")
    p.add_argument("--warmup", type=float, default=2.0, help="seconds before measuring (echo-ack, pipeline, fanout)")
    p.add_argument("--payload", type=int, default=64, help="payload bytes of echo/work/publish")
    p.add_argument("--echo-connections", type=int, default=50)
    p.add_argument("--echo-in-flight", type=int, default=8)
    p.add_argument("--pipeline-connections", type=int, default=50)
    p.add_argument("--pipeline-in-flight", type=int, default=8)
    p.add_argument("--pipeline-common-rate", type=float, default=8000,
                   help="pipeline: events/s (over all connections) of the open loop every server runs at, so their "
                        "latencies compare at the same load (0: no such run)")
    p.add_argument("--chat-connections", type=int, default=5_000,
                   help="chat: connections, each sending --chat-rate `work` events/s (an open loop)")
    p.add_argument("--chat-rate", type=float, default=2.0, help="chat: events/s per connection")
    p.add_argument("--fanout-connections", type=int, default=10_000, help="subscribers (gatewayd)")
    p.add_argument("--fanout-python-connections", type=int, default=2_000,
                   help="subscribers for python-socketio, which is far slower to fan out")
    p.add_argument("--fanout-publishers", type=int, default=1)
    p.add_argument("--fanout-in-flight", type=int, default=4, help="publishes in flight per publisher")
    p.add_argument("--cluster-fanout-connections", type=int, default=9_000,
                   help="cluster-fanout: subscribers of the room, spread over the nodes (and on one node after)")
    p.add_argument("--cluster-fanout-rate", type=float, default=2.0,
                   help="cluster-fanout: broadcasts/s of an open loop on the same room, for latencies at equal load on "
                        "the nodes and on one node (0: no such run)")
    p.add_argument("--cluster-nodes", type=int, default=3, help="cluster-fanout: gatewayd nodes on the PostgreSQL")
    p.add_argument("--bus-subscribers-per-node", type=int, default=3,
                   help="cluster-fanout's bus phase: subscribers per node, a tiny room so the bus is what is measured")
    p.add_argument("--bus-publishers", type=int, default=4, help="cluster-fanout's bus phase: publishers, on node 1")
    p.add_argument("--bus-in-flight", type=int, default=64,
                   help="cluster-fanout's bus phase: publishes in flight per publisher (and broadcasts owed at most)")
    p.add_argument("--bus-large-payload", type=int, default=10_000,
                   help="cluster-fanout's bus phase again with publishes this large, past PostgreSQL's 8,000-byte "
                        "notification limit, so every broadcast crosses through cluster_attachments (0: no such run)")
    p.add_argument("--idle-connections", type=int, default=MAX_CONNECTIONS)
    p.add_argument("--churn-connections", type=int, default=200_000, help="connections churned (gatewayd, raw-ws)")
    p.add_argument("--churn-python-connections", type=int, default=20_000,
                   help="connections churned for python-socketio, which accepts far fewer per second")
    p.add_argument("--churn-concurrency", type=int, default=32, help="churned connections open at once")
    p.add_argument("--connect-rate", type=float,
                   help="new connections per second while connecting (default: the generator's own, 2000/s); "
                        "it bounds idle's connect time from below")
    p.add_argument("--gatewayd-arg", action="append", default=[], metavar="ARG",
                   help="an extra argument for gatewayd serve, repeatable (--gatewayd-arg=--no-metrics)")
    p.add_argument("--recovery", action="store_true",
                   help="gatewayd's /bench gateway with connection state recovery on (set through the admin API): "
                        "what recovery costs, against a run without")
    p.add_argument("--generator-threads", type=int, default=1,
                   help="event-loop threads of gateway-bench (its --threads; churn runs on one)")
    p.add_argument("--run-timeout", type=float, default=300.0,
                   help="extra seconds a generator run may take beyond warmup + duration before it is killed")
    args = p.parse_args(argv)
    args.bin_dir = args.bin_dir.resolve()
    args.generator = (args.generator or args.bin_dir / "gateway-bench").resolve()
    args.servers = split_choice(p, args.servers, SERVERS, "--servers")
    if "node-socketio" in args.servers and not (args.node_socketio and args.node_socketio.exists()):
        args.servers.remove("node-socketio")
        args.node_left_out = True
    else:
        args.node_left_out = False
    if args.node_socketio:
        args.node_socketio = args.node_socketio.resolve()
    args.scenarios = split_choice(p, args.scenarios, SCENARIOS, "--scenarios")
    if args.quick:
        args.duration = max(1.0, args.duration / 5)
        args.warmup = max(0.5, args.warmup / 5)
        for name in ("echo_connections", "pipeline_connections", "chat_connections", "fanout_connections", "cluster_fanout_connections",
                     "fanout_python_connections", "idle_connections", "churn_connections", "churn_python_connections"):
            setattr(args, name, max(1, getattr(args, name) // 10))
        args.pipeline_common_rate /= 10
    if args.cluster_nodes < 2:
        p.error("--cluster-nodes must be at least 2")
    for name in ("fanout_connections", "fanout_python_connections", "idle_connections", "cluster_fanout_connections"):
        if getattr(args, name) > MAX_CONNECTIONS:
            p.error(f"--{name.replace('_', '-')} above {MAX_CONNECTIONS}: the open-files limit is 20,000 per process")
    return args


def split_choice(parser: argparse.ArgumentParser, value: str, allowed: tuple[str, ...], flag: str) -> list[str]:
    chosen = [item.strip() for item in value.split(",") if item.strip()]
    unknown = [item for item in chosen if item not in allowed]
    if unknown:
        parser.error(f"{flag}: unknown {', '.join(unknown)} (choose from {', '.join(allowed)})")
    return chosen


# ---------------------------------------------------------------- building


def build() -> None:
    # One `swift build` per product: SwiftPM's --product takes a single value (a repeated one keeps only the
    # last), and the three share their compiled dependencies in one scratch path, so this costs one build.
    for product in ("gatewayd", "gateway-bench", "bench-ws-echo"):
        cmd = ["swift", "build", "-c", "release", "--scratch-path", ".build-release", "--product", product]
        log(f"$ {' '.join(cmd)}")
        subprocess.run(cmd, cwd=ROOT, check=True)


# ---------------------------------------------------------------- servers


def raise_fd_limit() -> None:
    """In the child before exec: the soft open-files limit up to the hard one."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


# One generator on one address sending as fast as the server answers: far past what the per-socket event rate and the
# per-address connection limits allow a real client, which is what they are for.
LOAD_GENERATOR_LIMITS = ["--max-events-per-second", "0", "--max-connections-per-ip", "0", "--max-connect-rate-per-ip", "0"]


def server_command(name: str, workdir: Path, bin_dir: Path, node_bundle: Path | None = None) -> list[str]:
    if name == "gatewayd":
        return [
            str(bin_dir / "gatewayd"), "serve",
            "--host", "127.0.0.1", "--port", "0",
            "--db", str(workdir / "bench.sqlite"),
            "--handlers", str(ROOT / "bench" / "handlers"),
            "--log-level", "error",
            # A closed loop of 50 x 8 (and fan-out publishers) must never be refused for queue space.
            "--queue-size", "100000",
            "--max-pending-per-socket", "1024",
            *LOAD_GENERATOR_LIMITS,
        ]
    if name == "python-socketio":
        return [str(PYTHON), str(ROOT / "bench" / "python_baseline.py"), "--host", "127.0.0.1", "--port", "0"]
    if name == "node-socketio":
        return ["node", str(ROOT / "bench" / "node" / "bench-server.js"), "--bundle", str(node_bundle),
                "--host", "127.0.0.1", "--port", "0"]
    if name == "raw-ws":
        return [str(bin_dir / "bench-ws-echo"), "--host", "127.0.0.1", "--port", "0"]
    raise ValueError(name)


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    port: int
    log_path: Path
    lines: "queue.Queue[str]" = field(default_factory=queue.Queue)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def alive(self) -> bool:
        return self.process.poll() is None


def start_server(name: str, workdir: Path, bin_dir: Path, node_bundle: Path | None = None,
                 gatewayd_args: list[str] = ()) -> Server:
    extra = list(gatewayd_args) if name == "gatewayd" else []
    return launch(name, server_command(name, workdir, bin_dir, node_bundle) + extra, workdir, workdir / f"{name}.log")


def admin(server: Server, method: str, path: str, body: dict | None = None) -> dict:
    """A request to gatewayd's admin API (tokenless on loopback), its JSON answer."""
    request = urllib.request.Request(server.url + path, method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"{}")


def set_bench_recovery(server: Server, enabled: bool) -> dict:
    """Turns connection state recovery on or off for gatewayd's /bench gateway and checks it took; its setting."""
    gateway = next(g for g in admin(server, "GET", "/admin/gateways")["gateways"] if g["path"] == "/bench")
    if bool((gateway.get("recovery") or {}).get("enabled")) != enabled:
        gateway = admin(server, "PATCH", f"/admin/gateways/{gateway['id']}", {"recovery": {"enabled": enabled}})
    if bool((gateway.get("recovery") or {}).get("enabled")) != enabled:
        raise RuntimeError(f"gateway /bench: recovery {gateway.get('recovery')!r}, wanted enabled={enabled}")
    return gateway["recovery"]


def launch(name: str, cmd: list[str], workdir: Path, log_path: Path, extra_env: dict[str, str] | None = None) -> Server:
    """Starts `cmd` (stderr to `log_path`) and waits for its `LISTENING <port>`."""
    workdir.mkdir(parents=True, exist_ok=True)
    log(f"starting {name}: {' '.join(cmd)}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAYD_")} | (extra_env or {})
    with open(log_path, "wb") as stderr_file:
        # Its own process group (a Ctrl-C to the runner does not reach it; `stop_server` stops it), but the runner's
        # session: a session of its own would be an autogroup of its own, and with the kernel's autogroup scheduling
        # (`/proc/sys/kernel/sched_autogroup_enabled`) CFS then splits each core between the server's threads as one
        # group and the generator, which delays every wake-up of a multi-threaded server: measured here, gatewayd's
        # ws:result p99 at 12k events/s went from 3.5 ms to 172 ms in its own session.
        process = subprocess.Popen(
            cmd, cwd=workdir, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr_file,
            env=env, preexec_fn=raise_fd_limit, process_group=0,
        )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=drain, args=(process.stdout, lines), daemon=True).start()
    server = Server(name, process, 0, log_path, lines)
    try:
        server.port = wait_for_port(server)
    except BaseException:
        stop_server(server)
        raise
    log(f"{name} listening on {server.port} (pid {process.pid})")
    return server


def drain(stream, lines: "queue.Queue[str]") -> None:
    """Reads the server's stdout to the end so it never blocks on a full pipe."""
    for raw in iter(stream.readline, b""):
        lines.put(raw.decode(errors="replace").rstrip("\n"))
    stream.close()


def wait_for_port(server: Server) -> int:
    deadline = time.monotonic() + LISTEN_TIMEOUT_S
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            line = server.lines.get(timeout=min(remaining, 0.5))
        except queue.Empty:
            if not server.alive():
                raise RuntimeError(f"{server.name} exited with {server.process.returncode} before listening; "
                                   f"see {server.log_path}:\n{tail(server.log_path)}")
            continue
        if line.startswith("LISTENING "):
            return int(line.split()[1])
    raise RuntimeError(f"{server.name} did not print LISTENING within {LISTEN_TIMEOUT_S} s; see {server.log_path}")


def stop_server(server: Server) -> None:
    process = server.process
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            log(f"{server.name} still running {STOP_TIMEOUT_S} s after SIGTERM: killing it")
            process.kill()
            process.wait(timeout=STOP_TIMEOUT_S)
    log(f"{server.name} stopped (exit {process.returncode})")


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# ---------------------------------------------------------------- the generator


@dataclass
class Run:
    """One generator invocation: the scenario's flags plus the runner's bookkeeping."""
    phase: str  # the table's name for it: echo-ack, pipeline-peak, pipeline-half, pipeline-common, fanout, idle, churn
    scenario: str
    connections: int
    in_flight: int | None = None
    rate: float | None = None
    publishers: int | None = None
    protocol: str = "socketio"
    transport: str = "websocket"
    warmup: float = 0.0
    payload: int | None = None  # bytes of padding; None: --payload


def generator_command(run: Run, server: Server | list[Server], args: argparse.Namespace,
                      database_pid: int | None = None) -> list[str]:
    """The generator's command line; with several servers (a cluster's nodes), a --url and a --server-pid for each,
    subscribers spread over them round-robin and publishers on the first."""
    servers = server if isinstance(server, list) else [server]
    cmd = [
        str(args.generator),
        *[flag for node in servers for flag in ("--url", node.url)], "--namespace", "/bench",
        "--scenario", run.scenario, "--protocol", run.protocol,
        *(["--transport", run.transport] if run.protocol == "socketio" and run.scenario != "churn" else []),
        "--connections", str(run.connections),
        "--payload", str(run.payload if run.payload is not None else args.payload),
        "--duration", fmt_seconds(args.duration),
        "--warmup", fmt_seconds(run.warmup),
        *[flag for node in servers for flag in ("--server-pid", str(node.process.pid))],
        "--label", servers[0].name,
        "--threads", str(args.generator_threads),
    ]
    if run.in_flight is not None:
        cmd += ["--in-flight", str(run.in_flight)]
    if run.rate is not None:
        cmd += ["--rate", f"{run.rate:.3f}"]
    if run.publishers is not None:
        cmd += ["--room", "fan", "--publishers", str(run.publishers)]
    if args.connect_rate is not None:
        cmd += ["--connect-rate", f"{args.connect_rate:g}"]
    if database_pid is not None:
        cmd += ["--database-pid", str(database_pid)]
    return cmd


def run_generator(run: Run, server: Server | list[Server], args: argparse.Namespace, results: Path,
                  database_pid: int | None = None, annotate=None) -> dict:
    """Runs gateway-bench once and returns its JSON report (or a `failed` record), appended to the results."""
    servers = server if isinstance(server, list) else [server]
    server = servers[0]
    cmd = generator_command(run, servers, args, database_pid)
    timeout = run.warmup + args.duration + args.run_timeout
    log(f"$ {' '.join(cmd)}")
    record: dict
    if dead := [node for node in servers if not node.alive()]:
        record = {"failed": f"server exited with {dead[0].process.returncode}"}
    else:
        try:
            # stderr (the human summary) goes straight to the terminal.
            done = subprocess.run(cmd, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  timeout=timeout, preexec_fn=raise_fd_limit)
            record = last_json_line(done.stdout.decode(errors="replace"))
            if done.returncode != 0:
                record.setdefault("failed", f"gateway-bench exited with {done.returncode}")
        except subprocess.TimeoutExpired:
            record = {"failed": f"gateway-bench killed after {timeout:.0f} s"}
    if dead := [node for node in servers if not node.alive()]:
        record.setdefault("failed", f"server exited with {dead[0].process.returncode} during the run")
    record.update({"server": server.name, "phase": run.phase})
    if len(servers) > 1 or database_pid is not None:
        record["node_pids"] = [node.process.pid for node in servers]
    record.setdefault("label", server.name)
    record.setdefault("scenario", run.scenario)
    if annotate:
        annotate(record)
    if "failed" in record:
        log(f"{server.name} {run.phase}: FAILED: {record['failed']}")
    with open(results, "a") as out:
        out.write(json.dumps(record, sort_keys=True) + "\n")
    return record


def last_json_line(stdout: str) -> dict:
    for line in reversed(stdout.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                break
    return {"failed": "gateway-bench printed no JSON report"}


def fmt_seconds(value: float) -> str:
    return f"{value:g}"


# ---------------------------------------------------------------- scenarios


def scenario_runs(server: str, scenario: str, args: argparse.Namespace) -> list[Run]:
    """The first-pass runs of a scenario on a server; pipeline's open loop is added once its peak is known."""
    if scenario == "echo-ack":
        protocol = "raw-ws" if server == "raw-ws" else "socketio"
        return [Run("echo-ack", "echo-ack", args.echo_connections, in_flight=args.echo_in_flight,
                    protocol=protocol, warmup=args.warmup)]
    if scenario == "idle":
        # On raw-ws this is the floor: what the Hummingbird WebSocket stack alone holds per connection.
        return [Run("idle", "idle", args.idle_connections,
                    protocol="raw-ws" if server == "raw-ws" else "socketio")]
    if scenario == "churn":
        # On raw-ws: what the Hummingbird WebSocket stack alone keeps of a closed connection.
        count = args.churn_python_connections if server == "python-socketio" else args.churn_connections
        return [Run("churn", "churn", count, in_flight=args.churn_concurrency,
                    protocol="raw-ws" if server == "raw-ws" else "socketio")]
    if scenario == "cluster-fanout":
        return []  # gatewayd only, and not a run on one server: see bench_cluster
    if server == "raw-ws":
        return []  # the raw echo is a ceiling only for echo-ack and a floor only for idle and churn
    if scenario == "pipeline":
        runs = [Run("pipeline-peak", "pipeline", args.pipeline_connections, in_flight=args.pipeline_in_flight,
                    warmup=args.warmup)]
        if args.pipeline_common_rate > 0:
            runs.append(Run("pipeline-common", "pipeline", args.pipeline_connections,
                            rate=args.pipeline_common_rate / args.pipeline_connections, warmup=args.warmup))
        return runs
    if scenario == "chat":
        # The shape of a real chat: many connections at a low rate each, so every event is a read, a hand-off and
        # two writes of its own, with little to batch.
        return [Run("chat", "pipeline", args.chat_connections, rate=args.chat_rate, warmup=args.warmup)]
    if scenario == "fanout":
        subscribers = args.fanout_python_connections if server == "python-socketio" else args.fanout_connections
        return [Run("fanout", "fanout", subscribers, in_flight=args.fanout_in_flight,
                    publishers=args.fanout_publishers, warmup=args.warmup)]
    if scenario == "upgrade":
        # echo-ack and fan-out again, every socket handshaking over long-polling and then upgrading, as the official
        # clients do by default: what an upgraded session costs beside a direct WebSocket.
        subscribers = args.fanout_python_connections if server == "python-socketio" else args.fanout_connections
        return [Run("echo-ack-upgraded", "echo-ack", args.echo_connections, in_flight=args.echo_in_flight,
                    transport="polling-upgrade", warmup=args.warmup),
                Run("fanout-upgraded", "fanout", subscribers, in_flight=args.fanout_in_flight,
                    publishers=args.fanout_publishers, transport="polling-upgrade", warmup=args.warmup)]
    raise ValueError(scenario)


def half_peak_run(peak: dict, args: argparse.Namespace) -> Run | None:
    throughput = peak.get("throughput") or 0
    if "failed" in peak or throughput <= 0:
        return None
    per_connection = throughput / 2 / args.pipeline_connections
    return Run("pipeline-half", "pipeline", args.pipeline_connections, rate=per_connection, warmup=args.warmup)


def bench_scenario(name: str, scenario: str, args: argparse.Namespace, results: Path, workdir: Path) -> list[dict]:
    """One scenario on a freshly started server, so no scenario inherits another's memory or backlog
    (idle's RSS per connection especially)."""
    if scenario == "cluster-fanout":
        return bench_cluster(args, results, workdir) if name == "gatewayd" else []
    runs = scenario_runs(name, scenario, args)
    if not runs:
        return []
    records = []
    server = start_server(name, workdir, args.bin_dir, args.node_socketio, args.gatewayd_arg)
    try:
        if name == "gatewayd" and args.recovery:  # off by default: a build from before recovery runs too
            set_bench_recovery(server, True)
        for run in runs:
            record = run_generator(run, server, args, results)
            records.append(record)
            if run.phase == "pipeline-peak" and (half := half_peak_run(record, args)):
                records.append(run_generator(half, server, args, results))
            if run.phase == "idle" and "failed" not in record:
                records.append(measure_shutdown(run, server, args, results))
    finally:
        stop_server(server)
    return records


def open_descriptors(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def measure_shutdown(run: Run, server: Server, args: argparse.Namespace, results: Path) -> dict:
    """Opens the idle run's connections again, holds them, and times the server's exit on SIGTERM (gatewayd must
    exit within --shutdown-grace + 2 s whatever it holds)."""
    held = dataclasses.replace(run, phase="shutdown")
    cmd = generator_command(held, server, args)
    cmd[cmd.index("--duration") + 1] = fmt_seconds(args.run_timeout)
    log(f"$ {' '.join(cmd)}  (held while the server is stopped)")
    generator = subprocess.Popen(cmd, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, preexec_fn=raise_fd_limit)
    record: dict = {"server": server.name, "phase": "shutdown", "label": server.name, "scenario": "idle"}
    try:
        deadline = time.monotonic() + args.run_timeout
        while open_descriptors(server.process.pid) < run.connections and time.monotonic() < deadline:
            if generator.poll() is not None or not server.alive():
                break
            time.sleep(0.2)
        record["connections_open"] = open_descriptors(server.process.pid)
        if record["connections_open"] < run.connections:
            record["failed"] = f"only {record['connections_open']} descriptors open before the shutdown"
        else:
            start = time.monotonic()
            server.process.send_signal(signal.SIGTERM)
            try:
                server.process.wait(timeout=STOP_TIMEOUT_S * 3)
                record["shutdown_s"] = time.monotonic() - start
            except subprocess.TimeoutExpired:
                record["failed"] = f"still running {STOP_TIMEOUT_S * 3} s after SIGTERM"
    finally:
        generator.kill()
        generator.wait()
    if "failed" in record:
        log(f"{server.name} shutdown: FAILED: {record['failed']}")
    with open(results, "a") as out:
        out.write(json.dumps(record, sort_keys=True) + "\n")
    return record


# ---------------------------------------------------------------- cluster-fanout


@dataclass
class Postgres:
    folder: Path  # scripts/postgres.sh's DIR
    url: str
    postmaster: int


def start_postgres(folder: Path) -> Postgres:
    """A throw-away PostgreSQL (scripts/postgres.sh start), recorded in `folder`; `stop_postgres` removes it."""
    log(f"starting a throw-away PostgreSQL: scripts/postgres.sh start {folder}")
    done = subprocess.run([str(ROOT / "scripts" / "postgres.sh"), "start", str(folder)], capture_output=True,
                          text=True, timeout=600, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise RuntimeError(f"scripts/postgres.sh start failed: {done.stderr.strip() or done.stdout.strip()}")
    url = done.stdout.strip().splitlines()[-1]
    cluster = Path((folder / "cluster").read_text().strip())
    postmaster = int((cluster / "data" / "postmaster.pid").read_text().splitlines()[0])
    log(f"PostgreSQL at {url} (postmaster pid {postmaster})")
    return Postgres(folder, url, postmaster)


def stop_postgres(folder: Path) -> None:
    subprocess.run([str(ROOT / "scripts" / "postgres.sh"), "stop", str(folder)], timeout=180, check=False,
                   stdin=subprocess.DEVNULL)
    log("PostgreSQL stopped")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_nodes(ids: list[str], database: Postgres, workdir: Path, args: argparse.Namespace, token: str) -> list[Server]:
    """gatewayd nodes on `database`, one after another (the first syncs bench/handlers, the others do not), each on a
    port picked first and advertised to the others, logging warnings and worse to `<workdir>/<id>.log`."""
    nodes: list[Server] = []
    try:
        for position, node_id in enumerate(ids):
            port = free_port()
            cmd = [
                str(args.bin_dir / "gatewayd"), "serve",
                "--host", "127.0.0.1", "--port", str(port), "--advertise-address", f"127.0.0.1:{port}",
                "--node-id", node_id, "--db", database.url,
                "--handlers", str(ROOT / "bench" / "handlers"), "--sync" if position == 0 else "--no-sync",
                "--log-level", "warning",
                "--queue-size", "100000",
                "--max-pending-per-socket", "1024",
                *LOAD_GENERATOR_LIMITS,
            ]
            nodes.append(launch("gatewayd", cmd, workdir, workdir / f"{node_id}.log", {"GATEWAYD_ADMIN_TOKEN": token}))
    except BaseException:
        for node in nodes:
            stop_server(node)
        raise
    return nodes


LOG_LINE = re.compile(r"^\S+ (warning|error|critical) ")


class NodeLogs:
    """The nodes' warnings and worse, read as they come: `new()` returns what each node logged since the last call."""

    def __init__(self, nodes: dict[str, Path]):
        """From what the nodes have logged so far on (their start-up warnings, such as "no JWT secret configured",
        are not the runs'; the logs are kept whole in bench/results/<run>-logs/)."""
        self.paths = nodes
        self.offsets = {node: path.stat().st_size if path.exists() else 0 for node, path in nodes.items()}

    def new(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for node, path in self.paths.items():
            try:
                with open(path, "rb") as file:
                    file.seek(self.offsets[node])
                    text = file.read()
                    self.offsets[node] += len(text)
            except OSError:
                continue
            lines = [line for line in text.decode(errors="replace").splitlines() if LOG_LINE.match(line)]
            if lines:
                found[node] = lines
        return found

    def annotate(self, record: dict) -> None:
        """Adds what the nodes logged during the run to its record: a count per node and the first lines."""
        if found := self.new():
            record["node_log_warnings"] = {node: {"count": len(lines), "first": lines[:10]}
                                           for node, lines in found.items()}


def keep_logs(paths: list[Path], results: Path) -> None:
    """Copies the nodes' logs next to the results (bench/results/<run>-logs/), since the run's folder goes."""
    folder = results.with_name(results.stem + "-logs")
    folder.mkdir(exist_ok=True)
    for path in paths:
        if path.exists():
            (folder / path.name).write_bytes(path.read_bytes())


def bench_cluster(args: argparse.Namespace, results: Path, workdir: Path) -> list[dict]:
    """cluster-fanout: a throw-away PostgreSQL; --cluster-nodes gatewayd nodes on it with a room of
    --cluster-fanout-connections subscribers spread over them and one publisher (on node 1); the bus at saturation
    on the same nodes; then one node alone on the same PostgreSQL with the same room."""
    workdir.mkdir(parents=True, exist_ok=True)
    records: list[dict] = []
    try:
        cluster_phases(args, results, workdir, records)
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as error:  # PostgreSQL or a node did not start
        log(f"cluster-fanout: {error}")
        record = {"server": "gatewayd", "phase": "start for cluster-fanout", "label": "gatewayd",
                  "failed": str(error).splitlines()[0]}
        records.append(record)
        with open(results, "a") as out:
            out.write(json.dumps(record, sort_keys=True) + "\n")
    return records


def cluster_phases(args: argparse.Namespace, results: Path, workdir: Path, records: list[dict]) -> None:
    token = secrets.token_hex(32)
    folder = workdir / "postgres"
    log_paths: list[Path] = []
    try:
        database = start_postgres(folder)
        ids = [f"n{index}" for index in range(1, args.cluster_nodes + 1)]
        nodes = start_nodes(ids, database, workdir / "nodes", args, token)
        logs = NodeLogs({node_id: workdir / "nodes" / f"{node_id}.log" for node_id in ids})
        log_paths += logs.paths.values()
        try:
            room = Run("cluster-fanout", "fanout", args.cluster_fanout_connections, in_flight=args.fanout_in_flight,
                       publishers=args.fanout_publishers, warmup=args.warmup)
            records.append(run_generator(room, nodes, args, results, database.postmaster, logs.annotate))
            if args.cluster_fanout_rate > 0:
                paced = dataclasses.replace(room, phase="cluster-fanout-rate", rate=args.cluster_fanout_rate, publishers=1)
                records.append(run_generator(paced, nodes, args, results, database.postmaster, logs.annotate))
            bus = Run("cluster-bus", "fanout", args.bus_subscribers_per_node * len(nodes), in_flight=args.bus_in_flight,
                      publishers=args.bus_publishers, warmup=args.warmup)
            records.append(run_generator(bus, nodes, args, results, database.postmaster, logs.annotate))
            if args.bus_large_payload > 0:
                large = dataclasses.replace(bus, phase="cluster-bus-large", payload=args.bus_large_payload)
                records.append(run_generator(large, nodes, args, results, database.postmaster, logs.annotate))
        finally:
            for node in nodes:
                stop_server(node)
            records.append(stopped_record("cluster-stop", logs, results))
        alone = start_nodes(["solo"], database, workdir / "solo", args, token)
        solo_logs = NodeLogs({"solo": workdir / "solo" / "solo.log"})
        log_paths += solo_logs.paths.values()
        try:
            room = Run("cluster-fanout-one-node", "fanout", args.cluster_fanout_connections,
                       in_flight=args.fanout_in_flight, publishers=args.fanout_publishers, warmup=args.warmup)
            records.append(run_generator(room, alone, args, results, database.postmaster, solo_logs.annotate))
            if args.cluster_fanout_rate > 0:
                paced = dataclasses.replace(room, phase="cluster-fanout-one-node-rate", rate=args.cluster_fanout_rate,
                                            publishers=1)
                records.append(run_generator(paced, alone, args, results, database.postmaster, solo_logs.annotate))
        finally:
            for node in alone:
                stop_server(node)
            records.append(stopped_record("cluster-one-node-stop", solo_logs, results))
    finally:
        keep_logs(log_paths, results)
        stop_postgres(folder)


def stopped_record(phase: str, logs: NodeLogs, results: Path) -> dict:
    """What the nodes logged while stopping, as a record of its own."""
    record = {"server": "gatewayd", "phase": phase, "label": "gatewayd", "scenario": "cluster-fanout"}
    logs.annotate(record)
    with open(results, "a") as out:
        out.write(json.dumps(record, sort_keys=True) + "\n")
    return record


# ---------------------------------------------------------------- the table


@dataclass
class Row:
    phase: str
    title: str
    get: callable  # record -> number or None
    unit: str = ""
    decimals: int = 0
    ratio: bool = True  # False where gatewayd/other is no comparison (counts that differ by design)


def cpu_per_unit(record: dict):
    """The server's CPU time over the measured window per event (per delivery in fan-out, per connection in churn):
    the figure that does not depend on how fast the one-thread generator is."""
    return record.get("server_cpu_us_per_unit")


def offered(record: dict):
    """An open loop's target rate over all its connections. A server that falls short of it is saturated, and its
    latencies then measure its backlog."""
    rate = record.get("rate_per_connection")
    return rate * record["connections"] if rate and record.get("connections") else None


def latency(kind: str, key: str):
    return lambda r: (r.get(kind) or {}).get(key)


def open_loop_rows(phase: str, title: str) -> list[Row]:
    """The rows of an open-loop pipeline run: offered against achieved rate, latencies, CPU, errors."""
    return [
        Row(phase, f"{title}: events/s offered", offered, "/s"),
        Row(phase, f"{title}: events/s", lambda r: r.get("throughput"), "/s"),
        Row(phase, f"{title}: ack p50", latency("ack", "p50_us"), "µs"),
        Row(phase, f"{title}: ack p99", latency("ack", "p99_us"), "µs"),
        Row(phase, f"{title}: ws:result p50", latency("result", "p50_us"), "µs"),
        Row(phase, f"{title}: ws:result p99", latency("result", "p99_us"), "µs"),
        Row(phase, f"{title}: server CPU per event", cpu_per_unit, "µs", 2),
        Row(phase, f"{title}: errors", lambda r: r.get("errors"), ratio=False),
    ]


def cores(key: str):
    """CPU seconds over the measured window, as cores (seconds per second)."""
    return lambda r: r[key] / r["duration_s"] if r.get(key) is not None and r.get("duration_s") else None


def cpu_split(record: dict):
    """Where the CPU went over the window, in cores: each node, PostgreSQL (postmaster and backends), the generator."""
    duration = record.get("duration_s")
    if not duration or record.get("server_cpu_s") is None:
        return None
    pids = record.get("node_pids") or []
    by_pid = record.get("server_cpu_s_by_pid") or {}
    nodes = [by_pid.get(str(pid)) for pid in pids] if len(pids) > 1 else [record["server_cpu_s"]]
    parts = [" + ".join(f"{(cpu or 0) / duration:.2f}" for cpu in nodes) + (" (nodes)" if len(nodes) > 1 else " (node)")]
    if record.get("database_cpu_s") is not None:
        parts.append(f"{record['database_cpu_s'] / duration:.2f} (PostgreSQL)")
    if record.get("generator_cpu_s") is not None:
        parts.append(f"{record['generator_cpu_s'] / duration:.2f} (generator)")
    if record.get("machine_cpu_s") is not None:
        ours = sum(record.get(key) or 0 for key in ("server_cpu_s", "database_cpu_s", "generator_cpu_s"))
        parts.append(f"{max(0.0, record['machine_cpu_s'] - ours) / duration:.2f} (rest of the machine)")
    return " · ".join(parts) + " cores"


def busiest_threads(record: dict):
    """Each node's busiest thread over the window, in cores: one near 1.00 is a serial bottleneck."""
    duration = record.get("duration_s")
    by_pid = record.get("server_busiest_threads_by_pid") or {}
    pids = record.get("node_pids") or [int(pid) for pid in by_pid]
    if not duration or not by_pid:
        return None
    parts = []
    for pid in pids:
        threads = by_pid.get(str(pid)) or []
        if threads:
            parts.append(f"{threads[0]['cpu_s'] / duration:.2f} ({threads[0]['thread']})")
    return " · ".join(parts) + " cores" if parts else None


def cpu_per_broadcast(record: dict):
    """CPU time per broadcast published in the window: on node 1 (Lua handler, ack, its own subscribers, the
    NOTIFY), on each other node (the notification in, its subscribers), in PostgreSQL."""
    broadcasts = record.get("events")
    pids = record.get("node_pids") or []
    by_pid = record.get("server_cpu_s_by_pid") or {}
    if not broadcasts or len(pids) < 2 or not by_pid:
        return None
    micro = lambda seconds: f"{(seconds or 0) * 1e6 / broadcasts:.1f}"
    text = f"{micro(by_pid.get(str(pids[0])))} µs (node 1) · " + " / ".join(micro(by_pid.get(str(p))) for p in pids[1:])
    text += " µs (each other node)"
    if record.get("database_cpu_s") is not None:
        text += f" · {micro(record['database_cpu_s'])} µs (PostgreSQL)"
    return text


def per_node_subscribers(record: dict):
    subscribers = record.get("connections", 0) - (record.get("publishers") or 0)
    targets = record.get("targets")
    if not targets:
        return f"{subscribers:,}"
    each = " / ".join(f"{t.get('subscribers', 0):,}" for t in targets)
    return f"{subscribers:,} ({each})"


def remote_targets(record: dict) -> list[dict]:
    """The nodes after the first: what reached them went through the bus (publishers are on the first)."""
    return (record.get("targets") or [])[1:]


def local_and_remote(key: str):
    """A delivery percentile on node 1 (local to the publisher) / the worst of the other nodes (through the bus)."""
    def get(record: dict):
        targets = record.get("targets")
        if not targets:
            return None
        local = (targets[0].get("delivery") or {}).get(key)
        remote = [(t.get("delivery") or {}).get(key) for t in targets[1:]]
        if local is None or None in remote:
            return None
        return f"{local:,.0f} µs / {max(remote):,.0f} µs"
    return get


def received_broadcasts(record: dict):
    """Broadcasts per second that reached each node other than the publishers' (the slowest of them): its
    deliveries over its subscribers."""
    rates = [t["deliveries_per_s"] / t["subscribers"] for t in remote_targets(record)
             if t.get("subscribers") and t.get("deliveries_per_s") is not None]
    return min(rates) if rates else None


def missing(record: dict):
    if record.get("deliveries_expected") is None:
        return None
    return f"{record.get('deliveries_missing', 0):,} of {record['deliveries_expected']:,}"


def delivery_rows(phase: str, title: str, bus_label: str) -> list[Row]:
    """Deliveries/s and their latencies in a room spread over the nodes, on node 1 and through the bus."""
    return [
        Row(phase, f"{title}: deliveries/s", lambda r: r.get("deliveries_per_s"), "/s", ratio=False),
        Row(phase, f"{title}: delivery p50", latency("delivery", "p50_us"), "µs", ratio=False),
        Row(phase, f"{title}: delivery p99", latency("delivery", "p99_us"), "µs", ratio=False),
        Row(phase, f"{title}: delivery p99 on node 1{bus_label} / through the bus", local_and_remote("p99_us"), ratio=False),
    ]


def outcome_rows(phase: str, title: str) -> list[Row]:
    """What the run cost and whether it delivered everything it owed."""
    return [
        Row(phase, f"{title}: CPU used", cpu_split, ratio=False),
        Row(phase, f"{title}: deliveries missing (whole run)", missing, ratio=False),
        Row(phase, f"{title}: errors", lambda r: r.get("errors"), ratio=False),
    ]


def cluster_rows(phase: str, title: str) -> list[Row]:
    return [
        Row(phase, f"{title}: subscribers (per node)", per_node_subscribers, ratio=False),
        *delivery_rows(phase, title, " (the publisher's)"),
        Row(phase, f"{title}: server CPU per delivery (all nodes)", cpu_per_unit, "µs", 2, ratio=False),
        Row(phase, f"{title}: busiest thread of each node", busiest_threads, ratio=False),
        *outcome_rows(phase, title),
    ]


def paced_rows(phase: str, title: str) -> list[Row]:
    """An open loop on the room: its latencies at a load both the cluster and one node carry."""
    return [
        Row(phase, f"{title}: broadcasts/s offered → acked", lambda r: (
            f"{r['rate_per_connection'] * (r.get('publishers') or 1):,.1f} → {r.get('throughput', 0):,.1f} /s"
            if r.get("rate_per_connection") else None), ratio=False),
        *delivery_rows(phase, title, ""),
        *outcome_rows(phase, title),
    ]


def bus_rows(phase: str, title: str) -> list[Row]:
    """The bus at saturation: a tiny room on every node, publishers on node 1."""
    return [
        Row(phase, f"{title}: subscribers (per node), payload", lambda r: (
            f"{per_node_subscribers(r)}, {r['payload_bytes']:,} B" if "payload_bytes" in r else None), ratio=False),
        Row(phase, f"{title}: broadcasts/s published (node 1)", lambda r: r.get("throughput"), "/s", ratio=False),
        Row(phase, f"{title}: broadcasts/s received by each other node (the slowest)", received_broadcasts, "/s",
            ratio=False),
        Row(phase, f"{title}: delivery p50 on node 1 / through the bus", local_and_remote("p50_us"), ratio=False),
        Row(phase, f"{title}: delivery p99 on node 1 / through the bus", local_and_remote("p99_us"), ratio=False),
        Row(phase, f"{title}: CPU used", cpu_split, ratio=False),
        Row(phase, f"{title}: CPU per broadcast", cpu_per_broadcast, ratio=False),
        Row(phase, f"{title}: busiest thread of each node", busiest_threads, ratio=False),
        Row(phase, f"{title}: deliveries missing (whole run)", missing, ratio=False),
        Row(phase, f"{title}: errors", lambda r: r.get("errors"), ratio=False),
    ]


ROWS = [
    Row("echo-ack", "echo-ack: acks/s", lambda r: r.get("throughput"), "/s"),
    Row("echo-ack", "echo-ack: ack p50", latency("ack", "p50_us"), "µs"),
    Row("echo-ack", "echo-ack: ack p99", latency("ack", "p99_us"), "µs"),
    Row("echo-ack", "echo-ack: ack p99.9", latency("ack", "p999_us"), "µs"),
    Row("echo-ack", "echo-ack: server CPU per ack", cpu_per_unit, "µs", 2),
    Row("echo-ack", "echo-ack: errors", lambda r: r.get("errors"), ratio=False),
    Row("pipeline-peak", "pipeline closed loop: events/s (peak P)", lambda r: r.get("throughput"), "/s"),
    Row("pipeline-peak", "pipeline closed loop: ack p99", latency("ack", "p99_us"), "µs"),
    Row("pipeline-peak", "pipeline closed loop: ws:result p99", latency("result", "p99_us"), "µs"),
    Row("pipeline-peak", "pipeline closed loop: server CPU per event", cpu_per_unit, "µs", 2),
    *open_loop_rows("pipeline-half", "pipeline at P/2"),
    *open_loop_rows("pipeline-common", "pipeline at a common rate"),
    *open_loop_rows("chat", "chat (many connections, a low rate each)"),
    # The generator's `connections` counts the publishers too.
    Row("fanout", "fanout: subscribers", lambda r: r.get("connections", 0) - (r.get("publishers") or 0),
        ratio=False),
    Row("fanout", "fanout: deliveries/s", lambda r: r.get("deliveries_per_s"), "/s"),
    Row("fanout", "fanout: delivery p50", latency("delivery", "p50_us"), "µs"),
    Row("fanout", "fanout: delivery p99", latency("delivery", "p99_us"), "µs"),
    Row("fanout", "fanout: server CPU per delivery", cpu_per_unit, "µs", 2),
    Row("fanout", "fanout: errors", lambda r: r.get("errors"), ratio=False),
    Row("echo-ack-upgraded", "echo-ack, upgraded from polling: acks/s", lambda r: r.get("throughput"), "/s"),
    Row("echo-ack-upgraded", "echo-ack, upgraded from polling: server CPU per ack", cpu_per_unit, "µs", 2),
    Row("fanout-upgraded", "fanout, upgraded from polling: deliveries/s", lambda r: r.get("deliveries_per_s"), "/s"),
    Row("fanout-upgraded", "fanout, upgraded from polling: server CPU per delivery", cpu_per_unit, "µs", 2),
    Row("idle", "idle: connected", lambda r: r.get("connected", r.get("connections")), ratio=False),
    Row("idle", "idle: connect time", lambda r: r.get("connect_time_s"), "s", 2),
    Row("idle", "idle: server RSS", lambda r: r.get("server_rss_kb"), "KiB"),
    Row("idle", "idle: RSS per connection", lambda r: r.get("rss_per_conn_bytes"), "B"),
    Row("shutdown", "idle: descriptors open at SIGTERM", lambda r: r.get("connections_open"), ratio=False),
    Row("shutdown", "idle: SIGTERM → exit with them open", lambda r: r.get("shutdown_s"), "s", 2),
    Row("churn", "churn: connections churned", lambda r: r.get("connected"), ratio=False),
    Row("churn", "churn: connections/s", lambda r: r.get("throughput"), "/s"),
    Row("churn", "churn: RSS retained per closed connection", lambda r: r.get("rss_per_conn_bytes"), "B", ratio=False),
    Row("churn", "churn: server CPU per connection", cpu_per_unit, "µs", 2),
    Row("churn", "churn: errors", lambda r: r.get("errors"), ratio=False),
    *cluster_rows("cluster-fanout", "cluster-fanout, all nodes"),
    *cluster_rows("cluster-fanout-one-node", "cluster-fanout, same room on one node"),
    *paced_rows("cluster-fanout-rate", "cluster-fanout, all nodes, open loop"),
    *paced_rows("cluster-fanout-one-node-rate", "cluster-fanout, one node, open loop"),
    *bus_rows("cluster-bus", "cluster bus"),
    *bus_rows("cluster-bus-large", "cluster bus, large publishes (through cluster_attachments)"),
]


def markdown_table(records: list[dict], args: argparse.Namespace) -> str:
    by_cell = {(r["server"], r["phase"]): r for r in records}
    header = ["scenario / metric", "gatewayd", "node-socketio", "python-socketio", "raw-ws", "gatewayd/node",
              "gatewayd/python", "gatewayd/raw-ws"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    phases = {r["phase"] for r in records}
    for row in ROWS:
        if row.phase not in phases:
            continue
        values = {server: cell_value(by_cell.get((server, row.phase)), row) for server in SERVERS}
        cells = [row.title] + [show(values[s], row) for s in SERVERS]
        if row.ratio:
            cells += [ratio(values["gatewayd"], values["node-socketio"]), ratio(values["gatewayd"], values["python-socketio"]),
                      ratio(values["gatewayd"], values["raw-ws"])]
        else:
            cells += ["–", "–", "–"]
        lines.append("| " + " | ".join(cells) + " |")
    notes = []
    if "fanout" in phases and "python-socketio" in args.servers:
        notes.append(f"fanout: python-socketio ran with {args.fanout_python_connections} subscribers, "
                     f"gatewayd with {args.fanout_connections} (python fans out one emit per socket).")
    if "churn" in phases and "python-socketio" in args.servers:
        notes.append(f"churn: python-socketio churned {args.churn_python_connections} connections, the others "
                     f"{args.churn_connections}; RSS retained is (RSS after - RSS after the warm-up tenth) / connections.")
    if "pipeline-half" in phases:
        notes.append("pipeline at P/2: open loop at half of each server's own closed-loop peak. An open loop costs a "
                     "server more per event than the closed loop that found its peak (one read and one write per "
                     "packet instead of batches), so P/2 can saturate it: achieved below offered means its "
                     "latencies measure its backlog.")
    if "pipeline-common" in phases:
        notes.append(f"pipeline at a common rate: every server at the same open-loop rate "
                     f"({args.pipeline_common_rate:.0f} events/s), so the latencies compare at equal load.")
    if "cluster-fanout" in phases or "cluster-bus" in phases:
        notes.append(f"cluster-fanout: {args.cluster_nodes} gatewayd nodes on one throw-away PostgreSQL, all on this "
                     f"machine with the generator; publishers on node 1, subscribers round-robin over the nodes. The "
                     f"bus phase: {args.bus_publishers} publishers x {args.bus_in_flight} in flight, "
                     f"{args.bus_subscribers_per_node} subscribers per node; again with {args.bus_large_payload:,}-byte "
                     f"publishes, which cross in cluster_attachments rows. Open loop: one publisher at "
                     f"{args.cluster_fanout_rate:g} broadcasts/s, for latencies at a load both carry (the closed "
                     f"loop's are its queueing: {args.fanout_in_flight} broadcasts owed per subscriber). \"Missing\": every publish acked over the "
                     f"whole run (warm-up included) owes one delivery to every subscriber that joined; counted once "
                     f"deliveries settle after the load stops.")
    for record in records:
        for node, found in (record.get("node_log_warnings") or {}).items():
            notes.append(f"{record['phase']}: node {node} logged {found['count']} warning(s) or error(s); first: "
                         f"{found['first'][0][:300]}")
    if args.quick:
        notes.append("--quick: durations / 5 and connection counts / 10; not a measurement.")
    if args.node_left_out:
        notes.append("node-socketio left out: no --node-socketio bundle given (see bench/run.py's docstring).")
    failed = [f"{r['server']} {r['phase']}: {r['failed']}" for r in records if "failed" in r]
    notes += [f"FAILED {item}" for item in failed]
    return "\n".join(lines + [""] + [f"- {note}" for note in notes])


def cell_value(record: dict | None, row: Row):
    if record is None:
        return None
    if "failed" in record:
        return "failed"
    return row.get(record)


def show(value, row: Row) -> str:
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    text = f"{value:,.{row.decimals}f}"
    return f"{text} {row.unit}".strip()


def ratio(a, b) -> str:
    if not isinstance(a, (int, float)) or not isinstance(b, (int, float)) or b == 0:
        return "–"
    return f"{a / b:.2f}×"


def machine_line() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"Machine: {os.cpu_count()} CPUs (nproc {nproc()}), {model}, Linux {platform.release()}, {now}"


def nproc() -> str:
    try:
        return subprocess.run(["nproc"], capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return "?"


# ---------------------------------------------------------------- main


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    log(f"open-files limit: soft {soft}, hard {hard} (children get soft = hard)")
    if not args.no_build:
        build()
    RESULTS.mkdir(parents=True, exist_ok=True)
    results = RESULTS / (datetime.datetime.now().strftime("%Y%m%d-%H%M%S") + ".jsonl")
    records: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="gateway-bench-") as tmp:
        workdir = Path(tmp)
        for name in args.servers:
            for scenario in (scenario for scenario in args.scenarios if scenario != "flaky"):
                try:
                    records += bench_scenario(name, scenario, args, results, Path(workdir / name / scenario))
                except (RuntimeError, OSError) as error:  # it did not start (no binary, no LISTENING, exited)
                    log(f"{name}: {error}")
                    record = {"server": name, "phase": f"start for {scenario}", "label": name,
                              "failed": str(error).splitlines()[0]}
                    records.append(record)
                    with open(results, "a") as out:
                        out.write(json.dumps(record, sort_keys=True) + "\n")
    print(machine_line())
    print()
    print(markdown_table(records, args))
    print()
    print(f"Raw results: {results.relative_to(ROOT)}")
    failed = any("failed" in r for r in records)
    if "flaky" in args.scenarios:
        failed = run_flaky(args) != 0 or failed
    return 1 if failed else 0


def run_flaky(args: argparse.Namespace) -> int:
    """The flaky-network scenario: bench/flaky.py, its own runner (gatewayd with recovery on and off, Node's socket.io
    with its recovery), with this run's binaries, Node bundle and --quick; it prints its own table."""
    command = [sys.executable, str(ROOT / "bench" / "flaky.py"), "--bin-dir", str(args.bin_dir)]
    if args.node_socketio:
        command += ["--node-socketio", str(args.node_socketio)]
    if args.quick:
        command.append("--quick")
    print()
    sys.stdout.flush()
    return subprocess.run(command, cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
