#!/usr/bin/env python3
"""The flaky-network benchmark (gatewayd issue 23): message delivery when every client's network drops for 2 s at
random every 10-20 s, for gatewayd with connection state recovery on, gatewayd with it off, and Node's socket.io
4.8.1 with its in-memory recovery (`connectionStateRecovery`).

    .venv-v5/bin/python bench/flaky.py                  # the three, 1,000 clients, 60 s each
    .venv-v5/bin/python bench/flaky.py --quick          # 100 clients, 20 s: a check, not a measurement
    .venv-v5/bin/python bench/flaky.py --servers gatewayd-recovery --clients 300 --seed 42
    .venv-v5/bin/python bench/flaky.py --bin-dir .build-flaky/release   # another gatewayd build

The load generator is bench/flaky/flaky.mjs (the official socket.io-client 4.8.1 in Node over WebSocket, through a
TCP proxy in its own process that resets the clients' connections; its header says exactly what it does and counts).
For each server: started afresh on a free port as bench/run.py starts it (`start_server`/`launch`, `stop_server`;
gatewayd on bench/handlers with `--log-level warning`, recovery turned on for `gatewayd-recovery` through the admin
API's `PATCH /admin/gateways/{id}` `{"recovery": {"enabled": true}}`, Node's bench/node/bench-server.js with
`--recovery`), the generator run once against it, the server stopped. Each run's JSON line (the generator's report,
with `server`, `phase` "flaky", the server's CPU seconds and the warnings and errors it logged) is appended to
bench/results/<timestamp>-flaky.jsonl; a markdown table goes to stdout.

For `make bench`: `main(argv)` (returns the exit status) or `run_flaky(args, results)` with `parse_args(argv)`. Node's
bundle: --node-socketio, else GATEWAYD_BENCH_NODE_SOCKETIO, else /work/.cache-node-socketio/socket.io-4.8.1.cjs if it
exists (see bench/run.py's docstring for building it); without one, Node is left out and the table says so.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/run.py's server start/stop, by path (bench/ is no package); registered first, as its dataclasses need.
if "bench_run" not in sys.modules:
    _spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    sys.modules["bench_run"] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(sys.modules["bench_run"])
bench_run = sys.modules["bench_run"]

GENERATOR = ROOT / "bench" / "flaky" / "flaky.mjs"
SERVERS = ("gatewayd-recovery", "gatewayd", "node-socketio-recovery", "node-socketio")
DEFAULT_SERVERS = ("gatewayd-recovery", "gatewayd", "node-socketio-recovery")
DEFAULT_NODE_BUNDLE = Path("/work/.cache-node-socketio/socket.io-4.8.1.cjs")
LOG_LINE = re.compile(r"^\S+ (warning|error|critical) ")


def log(message: str) -> None:
    print(f"[flaky] {message}", file=sys.stderr, flush=True)


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bin-dir", type=Path, default=bench_run.RELEASE, help="where gatewayd is (default: %(default)s)")
    p.add_argument("--node-socketio", type=Path, default=os.environ.get("GATEWAYD_BENCH_NODE_SOCKETIO"),
                   help="socket.io-4.8.1.cjs (env GATEWAYD_BENCH_NODE_SOCKETIO; default: "
                        f"{DEFAULT_NODE_BUNDLE} if it exists)")
    p.add_argument("--servers", default=",".join(DEFAULT_SERVERS), help=f"comma-separated subset of {','.join(SERVERS)}")
    p.add_argument("--quick", action="store_true", help="100 clients for 20 s unless given: a check")
    p.add_argument("--clients", type=int, help="clients cut at random (default 1000; --quick 100)")
    p.add_argument("--duration", type=float, help="seconds of publishing (default 60; --quick 20)")
    p.add_argument("--rate", type=float, default=20.0, help="messages per second to the room (default %(default)s)")
    p.add_argument("--cut-ms", type=int, default=2000, help="how long a cut client's connections are refused")
    p.add_argument("--cut-min", type=float, default=10.0, help="seconds between two cuts of a client, at least")
    p.add_argument("--cut-max", type=float, default=20.0, help="... and at most")
    p.add_argument("--drain", type=float, default=60.0,
                   help="bound (s) on each wait after publishing: every client back in the room, then every marker")
    p.add_argument("--payload", type=int, default=64, help="padding bytes per message")
    p.add_argument("--seed", type=int, help="the cut schedule's seed (default: random, reported)")
    p.add_argument("--recovery-buffer", type=int, help="gatewayd's --recovery-buffer (default: its own)")
    p.add_argument("--workers", type=int, default=2, help="the generator's client threads (default %(default)s)")
    p.add_argument("--run-timeout", type=float, default=300.0, help="extra seconds a generator run may take")
    args = p.parse_args(argv)
    args.bin_dir = args.bin_dir.resolve()
    chosen = [s.strip() for s in args.servers.split(",") if s.strip()]
    if unknown := [s for s in chosen if s not in SERVERS]:
        p.error(f"--servers: unknown {', '.join(unknown)} (choose from {', '.join(SERVERS)})")
    args.servers = chosen
    if args.node_socketio is None and DEFAULT_NODE_BUNDLE.exists():
        args.node_socketio = DEFAULT_NODE_BUNDLE
    args.node_left_out = False
    if any(s.startswith("node-") for s in chosen) and not (args.node_socketio and args.node_socketio.exists()):
        args.servers = [s for s in chosen if not s.startswith("node-")]
        args.node_left_out = True
    return args


# ---------------------------------------------------------------- servers


def start(name: str, workdir: Path, args: argparse.Namespace):
    """The server `name` started afresh, with recovery on or off as its name says (checked through the admin API)."""
    base = "gatewayd" if name.startswith("gatewayd") else "node-socketio"
    cmd = bench_run.server_command(base, workdir, args.bin_dir, args.node_socketio)
    if base == "gatewayd":
        cmd[cmd.index("--log-level") + 1] = "warning"  # `recovery buffer full` and the like are warnings
        if args.recovery_buffer is not None:
            cmd += ["--recovery-buffer", str(args.recovery_buffer)]
    elif name == "node-socketio-recovery":
        cmd.append("--recovery")
    server = bench_run.launch(name, cmd, workdir, workdir / f"{name}.log")
    if base == "gatewayd":
        try:
            recovery = bench_run.set_bench_recovery(server, name == "gatewayd-recovery")
            log(f"{name}: /bench recovery {json.dumps(recovery)}")
        except BaseException:
            bench_run.stop_server(server)
            raise
    return server


def cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def log_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def log_warnings(path: Path, start: int = 0, end: int | None = None) -> dict | None:
    """The warnings and worse the server logged between byte offsets `start` and `end` of its log."""
    try:
        with open(path, "rb") as file:
            file.seek(start)
            text = file.read() if end is None else file.read(max(0, end - start))
    except OSError:
        return None
    lines = [line for line in text.decode(errors="replace").splitlines() if LOG_LINE.match(line)]
    if not lines:
        return None
    return {"count": len(lines), "recovery_buffer_full": sum("recovery buffer full" in line for line in lines),
            "first": lines[:10]}


# ---------------------------------------------------------------- a run


def generator_command(server, args: argparse.Namespace, seed: int) -> list[str]:
    cmd = ["node", "--experimental-websocket", "--max-old-space-size=4096", str(GENERATOR),
           "--url", server.url, "--label", server.name, "--seed", str(seed),
           "--rate", f"{args.rate:g}", "--cut-ms", str(args.cut_ms), "--cut-min", f"{args.cut_min:g}",
           "--cut-max", f"{args.cut_max:g}", "--drain", f"{args.drain:g}", "--payload", str(args.payload),
           "--workers", str(args.workers)]
    if args.quick:
        cmd.append("--quick")
    if args.clients is not None:
        cmd += ["--clients", str(args.clients)]
    if args.duration is not None:
        cmd += ["--duration", f"{args.duration:g}"]
    return cmd


def bench_one(name: str, args: argparse.Namespace, results: Path, workdir: Path, seed: int) -> dict:
    record: dict
    try:
        server = start(name, workdir, args)
    except (RuntimeError, OSError, ValueError, KeyError, StopIteration) as error:
        record = {"failed": f"start: {str(error).splitlines()[0] if str(error) else type(error).__name__}"}
        server = None
    if server is not None:
        # What it logs while it starts (no admin token, no JWT secret on gatewayd) is kept apart from the run's.
        run_start = log_size(server.log_path)
        try:
            cpu_before = cpu_seconds(server.process.pid)
            cmd = generator_command(server, args, seed)
            log(f"$ {' '.join(cmd)}")
            duration = args.duration or (20 if args.quick else 60)
            timeout = 120 + duration + 2 * args.drain + args.run_timeout
            try:
                # stderr (progress) goes straight to the terminal.
                done = subprocess.run(cmd, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                      timeout=timeout, preexec_fn=bench_run.raise_fd_limit)
                record = bench_run.last_json_line(done.stdout.decode(errors="replace"))
                if done.returncode != 0:
                    record.setdefault("failed", f"flaky.mjs exited with {done.returncode}")
            except subprocess.TimeoutExpired:
                record = {"failed": f"flaky.mjs killed after {timeout:.0f} s"}
            cpu_after = cpu_seconds(server.process.pid)
            if cpu_before is not None and cpu_after is not None:
                record["server_cpu_s"] = round(cpu_after - cpu_before, 2)
            if not server.alive():
                record.setdefault("failed", f"server exited with {server.process.returncode} during the run")
        finally:
            bench_run.stop_server(server)
        if found := log_warnings(server.log_path, 0, run_start):
            record["server_startup_warnings"] = found["first"]
        if found := log_warnings(server.log_path, run_start):
            record["server_log_warnings"] = found
            log(f"{name} logged {found['count']} warning(s) or error(s); first: {found['first'][0][:300]}")
    record.update({"server": name, "phase": "flaky", "recovery": name.endswith("-recovery")})
    record.setdefault("label", name)
    record.setdefault("scenario", "flaky")
    with open(results, "a") as out:
        out.write(json.dumps(record, sort_keys=True) + "\n")
    return record


def run_flaky(args: argparse.Namespace, results: Path) -> list[dict]:
    """Runs every server of `args.servers` once (the same cut schedule: one seed for all), appending to `results`."""
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "big") >> 1
    records = []
    with tempfile.TemporaryDirectory(prefix="gateway-flaky-") as tmp:
        for name in args.servers:
            records.append(bench_one(name, args, results, Path(tmp) / name, seed))
    return records


# ---------------------------------------------------------------- the table


def pct(value) -> str:
    return "–" if value is None else f"{value:.3f} %"


def num(value) -> str:
    return "–" if value is None else f"{value:,}"


ROWS = [
    ("clients × messages", lambda r: f"{r['clients']:,} × {r['messages']:,}" if "messages" in r else None),
    ("delivered exactly once", lambda r: pct(r.get("exactly_once_pct"))),
    ("duplicates (extra copies)", lambda r: num(r.get("duplicates"))),
    ("out-of-order deliveries", lambda r: num(r.get("out_of_order"))),
    ("missing", lambda r: None if "missing" not in r else f"{r['missing']:,} ({r['missing_pct']:.3f} %)"),
    ("clients with a loss / duplicate / reordering",
     lambda r: None if "clients_with" not in r else
     "{missing} / {duplicates} / {out_of_order}".format(**r["clients_with"])),
    ("cuts (cuts that found the client still away)",
     lambda r: None if "cuts" not in r else f"{r['cuts']:,} ({r.get('cuts_while_away', 0):,})"),
    ("reconnections: recovered / not recovered",
     lambda r: None if "reconnects" not in r else f"{r['recovered']:,} / {r['not_recovered']:,}"),
    ("clients not back / without the marker at the end",
     lambda r: None if "expected" not in r else
     f"{len(r.get('clients_not_back', []))} / {len(r.get('clients_without_marker', []))}"),
    ("delivery latency p50 / p99 / max (first copies, recovered ones included)",
     lambda r: None if "delivery_ms" not in r else
     "{p50} / {p99} / {max} ms".format(**r["delivery_ms"])),
    ("time away per disconnection p50 / p99 / max (cut, refusals, backoff, handshake)",
     lambda r: None if "away_ms" not in r else "{p50:.0f} / {p99:.0f} / {max:.0f} ms".format(**r["away_ms"])),
    ("publishes acked", lambda r: None if "published_acked" not in r else f"{r['published_acked']:,} of {r['messages']:,}"),
    ("server CPU", lambda r: None if r.get("server_cpu_s") is None else f"{r['server_cpu_s']:.1f} s"),
    ("generator event-loop delay p99: proxy thread / client threads (worst)",
     lambda r: None if "main_loop_delay_ms" not in r else
     f"{r['main_loop_delay_ms']['p99']:.0f} / {max(w['p99'] for w in r['worker_loop_delay_ms']):.0f} ms"),
    ("server warnings / errors logged during the run", lambda r: str((r.get("server_log_warnings") or {}).get("count", 0))),
]


def markdown_table(records: list[dict], args: argparse.Namespace) -> str:
    header = ["flaky network", *[r["server"] for r in records]]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for title, get in ROWS:
        cells = []
        for record in records:
            if "failed" in record and "expected" not in record:
                cells.append("failed")
                continue
            try:
                value = get(record)
            except (KeyError, TypeError):
                value = None
            cells.append("–" if value is None else value)
        lines.append("| " + " | ".join([title, *cells]) + " |")
    first = next((r for r in records if "messages" in r), None)
    notes = []
    if first:
        notes.append(f"{first['clients']:,} clients (socket.io-client 4.8.1, WebSocket, reconnectionDelay "
                     f"{first['reconnection_delay_ms']} ms) through a proxy that resets each one's TCP connections "
                     f"and refuses new ones for {first['cut_ms'] / 1000:g} s, every {first['cut_every_s'][0]:g}–"
                     f"{first['cut_every_s'][1]:g} s at random (seed {first['seed']}, the same schedule for every "
                     f"server); one direct publisher, {first['rate']:g} messages/s to one room for "
                     f"{first['duration_s']:g} s, then a marker. Percentages of clients × messages.")
    for record in records:
        if found := record.get("server_log_warnings"):
            notes.append(f"{record['server']} logged {found['count']} warning(s) or error(s) "
                         f"({found['recovery_buffer_full']} `recovery buffer full`); first: {found['first'][0][:300]}")
        if record.get("failed"):
            notes.append(f"FAILED {record['server']}: {record['failed'][:500]}")
    if args.quick:
        notes.append("--quick: fewer clients, shorter; a check, not a measurement.")
    if args.node_left_out:
        notes.append("node-socketio left out: no Node socket.io bundle (--node-socketio; see bench/run.py's docstring).")
    return "\n".join(lines + [""] + [f"- {note}" for note in notes])


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if not (args.bin_dir / "gatewayd").exists() and any(s.startswith("gatewayd") for s in args.servers):
        log(f"no gatewayd in {args.bin_dir}: build it (swift build -c release --product gatewayd) or pass --bin-dir")
    bench_run.RESULTS.mkdir(parents=True, exist_ok=True)
    results = bench_run.RESULTS / (datetime.datetime.now().strftime("%Y%m%d-%H%M%S") + "-flaky.jsonl")
    records = run_flaky(args, results)
    print(bench_run.machine_line())
    print()
    print(markdown_table(records, args))
    print()
    print(f"Raw results: {results.relative_to(ROOT)}")
    return 1 if any("failed" in r for r in records) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
