#!/usr/bin/env python3
"""Per-unit cost in instructions: a fixed workload against each server running under valgrind's callgrind.

    .venv-v5/bin/python bench/cost.py                          # or: make bench-cost
    .venv-v5/bin/python bench/cost.py --node-socketio BUNDLE   # Node's socket.io beside it (see bench/run.py)
    .venv-v5/bin/python bench/cost.py --scale 0.1              # a tenth of every workload: a quick look

Seconds of CPU move with whatever else the machine is doing; instructions retired do not (callgrind counts them
on a simulated CPU: the same binary, input and schedule give the same count). Each server is started once under
`valgrind --tool=callgrind --instr-atstart=no`, so connecting runs uninstrumented. For each workload gateway-bench
connects, runs a warm-up, then switches instrumentation on and zeroes the counters (`callgrind_control -i on -z`)
right before the measured events and dumps them right after the last one completed (`callgrind_control -d`). The
dump's total instructions (Ir) divided by the workload's units is the cost per unit, and the calls it records to
malloc, calloc, realloc and the aligned allocators are the allocations per unit.

Workloads (the default sizes; --scale multiplies them):
  echo-ack   10,000 `echo` events acked with their argument (50 connections x 8 in flight)
  pipeline   10,000 `work` events: the accepted-ack, the handler's reply and its ws:result (50 x 8)
  fanout     one broadcast to a 10,000-socket room: cost per delivery
  echo-ack-upgraded, fanout-upgraded   the same, every socket handshaking over long-polling and then upgrading
  churn      1,000 connects and disconnects (Engine.IO handshake, Socket.IO CONNECT, close), 8 at a time
raw-ws (bench-ws-echo, the plain WebSocket echo on gatewayd's pipeline) runs echo-ack only: the floor under it.

valgrind runs one thread at a time, so a multi-threaded server is measured serialized: the count is what its code
executes, not how long it waits. Debian's valgrind 3.19 cannot read the DWARF 5 debug info the Swift toolchain
writes, so the binaries run from copies stripped of it (their symbol tables stay: callgrind still names functions).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import run as bench

ALLOCATORS = {"malloc", "calloc", "realloc", "posix_memalign", "aligned_alloc", "memalign",
              "__libc_malloc", "__libc_calloc", "__libc_realloc"}
SERVERS = ("gatewayd", "node-socketio", "raw-ws")
HEARTBEAT_MS = 3_600_000


@dataclass
class Workload:
    name: str
    scenario: str
    units: int  # what the cost is divided by
    flags: list[str]


def workloads(scale: float) -> list[Workload]:
    def n(count: int) -> int:
        return max(1, round(count * scale))
    return [
        Workload("echo-ack", "echo-ack", n(10_000),
                 ["--connections", "50", "--in-flight", "8", "--events", str(n(10_000)), "--warmup-events", str(n(2_000))]),
        Workload("pipeline", "pipeline", n(10_000),
                 ["--connections", "50", "--in-flight", "8", "--events", str(n(10_000)), "--warmup-events", str(n(2_000))]),
        Workload("fanout", "fanout", n(10_000),
                 ["--connections", str(n(10_000)), "--publishers", "1", "--in-flight", "1", "--events", "1",
                  "--warmup-events", "1", "--room", "fan", "--connect-rate", "500"]),
        Workload("echo-ack-upgraded", "echo-ack", n(10_000),
                 ["--connections", "50", "--in-flight", "8", "--events", str(n(10_000)), "--warmup-events", str(n(2_000)),
                  "--transport", "polling-upgrade"]),
        Workload("fanout-upgraded", "fanout", n(10_000),
                 ["--connections", str(n(10_000)), "--publishers", "1", "--in-flight", "1", "--events", "1",
                  "--warmup-events", "1", "--room", "fan", "--connect-rate", "500", "--transport", "polling-upgrade"]),
        Workload("churn", "churn", n(1_000),
                 ["--connections", str(n(1_000)), "--churn-warmup", str(n(100)), "--in-flight", "8"]),
    ]


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--servers", default="gatewayd,raw-ws,node-socketio",
                        help="comma-separated, of: " + ", ".join(SERVERS) + " (node-socketio needs its bundle)")
    parser.add_argument("--workloads", default="echo-ack,pipeline,fanout,echo-ack-upgraded,fanout-upgraded,churn")
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every workload's size")
    parser.add_argument("--node-socketio", type=Path, default=os.environ.get("GATEWAYD_BENCH_NODE_SOCKETIO"),
                        help="socket.io-4.8.1.cjs (also GATEWAYD_BENCH_NODE_SOCKETIO); without it Node is left out")
    parser.add_argument("--no-build", action="store_true", help="use the binaries in --bin-dir as they are")
    parser.add_argument("--bin-dir", type=Path, default=bench.RELEASE,
                        help="where gatewayd, bench-ws-echo and gateway-bench are (default: %(default)s)")
    parser.add_argument("--gatewayd-arg", action="append", default=[], help="an extra gatewayd serve argument")
    parser.add_argument("--keep", type=Path, help="copy the callgrind dumps here (for callgrind_annotate)")
    args = parser.parse_args(argv)
    args.servers = [s for s in args.servers.split(",") if s]
    if unknown := set(args.servers) - set(SERVERS):
        parser.error(f"--servers: unknown {sorted(unknown)}")
    if "node-socketio" in args.servers and not args.node_socketio:
        bench.log("no Node socket.io bundle (--node-socketio): Node is left out")
        args.servers.remove("node-socketio")
    args.workloads = [w for w in args.workloads.split(",") if w]
    args.bin_dir = args.bin_dir.resolve()
    return args


def stripped_copy(binary: Path, folder: Path) -> Path:
    """The binary without its debug info (DWARF 5, which valgrind 3.19 cannot read); its symbols stay."""
    copy = folder / binary.name
    subprocess.run(["strip", "--strip-debug", "-o", str(copy), str(binary)], check=True)
    return copy


def callgrind_command(name: str, workdir: Path, args: argparse.Namespace) -> list[str]:
    command = bench.server_command(name, workdir, workdir, args.node_socketio)
    # Heartbeats an hour apart: a connection's first ping is due 25 s after it opened, which under valgrind falls
    # inside the measured workload for some connections and not others.
    if name == "gatewayd":
        command += ["--ping-interval", str(HEARTBEAT_MS), *args.gatewayd_arg]
    elif name == "node-socketio":
        command += ["--ping-interval", str(HEARTBEAT_MS)]
    return ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={workdir}/callgrind.out",
            "--dump-instr=no", *command]


def dump_totals(path: Path) -> tuple[int, int]:
    """A callgrind dump's total instructions and its calls to the allocators."""
    names: dict[str, str] = {}
    total = allocations = 0
    caller = callee = None
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith(("summary:", "totals:")):
            total = max(total, int(line.split()[1]))
        elif line.startswith(("fn=", "cfn=")):
            match = re.match(r"c?fn=\((\d+)\)(?: (.*))?", line)
            if match:
                ident, name = match.groups()
                if name is not None:
                    names[ident] = name
                name = names.get(ident, "")
            else:
                name = line.split("=", 1)[1]
            if line.startswith("cfn="):
                callee = name
            else:
                caller, callee = name, None
        elif line.startswith("calls=") and callee is not None:
            # realloc calling malloc is one allocation, not two.
            if callee in ALLOCATORS and caller not in ALLOCATORS:
                allocations += int(line.split("=", 1)[1].split()[0])
            callee = None
    return total, allocations


def measure(server: bench.Server, workload: Workload, workdir: Path, args: argparse.Namespace) -> dict:
    pid = server.process.pid
    dumps = sorted(workdir.glob("callgrind.out*"))
    scenario_flags = ["--protocol", "raw-ws"] if server.name == "raw-ws" else []
    cmd = [str(args.bin_dir / "gateway-bench"), "--url", server.url, "--namespace", "/bench", "--scenario", workload.scenario,
           "--payload", "64", "--server-pid", str(pid), "--label", server.name, *scenario_flags, *workload.flags,
           "--before-measure", f"callgrind_control -i on {pid} >/dev/null && callgrind_control -z {pid} >/dev/null",
           "--after-measure", f"callgrind_control -d {workload.name} {pid} >/dev/null && callgrind_control -i off {pid} >/dev/null"]
    bench.log("$ " + " ".join(cmd))
    done = subprocess.run(cmd, cwd=bench.ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, timeout=3600,
                          preexec_fn=bench.raise_fd_limit)
    record = bench.last_json_line(done.stdout.decode(errors="replace"))
    record.update({"server": server.name, "workload": workload.name, "units": workload.units})
    if done.returncode != 0:
        record.setdefault("failed", f"gateway-bench exited with {done.returncode}")
        return record
    new = [path for path in sorted(workdir.glob("callgrind.out*")) if path not in dumps]
    if len(new) != 1:
        record["failed"] = f"expected one new callgrind dump, found {len(new)}"
        return record
    completed = record.get("deliveries") if workload.scenario == "fanout" else record.get("events")
    if completed != workload.units:
        record["failed"] = f"{completed} units completed, not {workload.units}"
    instructions, allocations = dump_totals(new[0])
    record.update({"instructions": instructions, "instructions_per_unit": instructions / workload.units,
                   "allocations_per_unit": allocations / workload.units})
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        shutil.copy(new[0], args.keep / f"callgrind.{server.name}.{workload.name}.out")
    return record


def table(records: list[dict], servers: list[str]) -> str:
    by = {(r["server"], r["workload"]): r for r in records}
    lines = ["| workload (unit) | " + " | ".join(f"{s}: instructions / allocations" for s in servers)
             + (" | gatewayd / Node |" if {"gatewayd", "node-socketio"} <= set(servers) else " |"),
             "|---" * (len(servers) + 1 + ({"gatewayd", "node-socketio"} <= set(servers))) + "|"]
    units = {"echo-ack": "ack", "pipeline": "event", "fanout": "delivery", "churn": "connection",
             "echo-ack-upgraded": "ack", "fanout-upgraded": "delivery"}
    for workload in dict.fromkeys(r["workload"] for r in records):
        cells = []
        for server in servers:
            r = by.get((server, workload))
            if r is None:
                cells.append("–")
            elif "failed" in r:
                cells.append("failed")
            else:
                cells.append(f"{r['instructions_per_unit']:,.0f} / {r['allocations_per_unit']:.1f}")
        row = f"| {workload} (per {units.get(workload, 'unit')}) | " + " | ".join(cells)
        if {"gatewayd", "node-socketio"} <= set(servers):
            g, n = by.get(("gatewayd", workload)), by.get(("node-socketio", workload))
            ok = g and n and "failed" not in g and "failed" not in n
            row += " | " + (f"{g['instructions_per_unit'] / n['instructions_per_unit']:.2f}×" if ok else "–")
        lines.append(row + " |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if not args.no_build:
        bench.build()
    bench.LISTEN_TIMEOUT_S = 600  # start-up under valgrind
    bench.STOP_TIMEOUT_S = 120
    records: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="gateway-cost-") as tmp:
        binaries = Path(tmp) / "bin"
        binaries.mkdir()
        for binary in ("gatewayd", "bench-ws-echo"):
            stripped_copy(args.bin_dir / binary, binaries)
        for name in args.servers:
            chosen = [w for w in workloads(args.scale) if w.name in args.workloads]
            if name == "raw-ws":
                chosen = [w for w in chosen if w.name == "echo-ack"]  # its ceiling; it has no polling
            for workload in chosen:
                # A server afresh for each workload, so none inherits another's connections or garbage.
                workdir = Path(tmp) / name / workload.name
                workdir.mkdir(parents=True)
                for binary in binaries.iterdir():
                    (workdir / binary.name).symlink_to(binary)
                server = bench.launch(name, callgrind_command(name, workdir, args), workdir, workdir / f"{name}.log")
                try:
                    record = measure(server, workload, workdir, args)
                finally:
                    bench.stop_server(server)
                records.append(record)
                shown = record.get("failed") or f"{record['instructions_per_unit']:,.0f} instructions, " \
                                                  f"{record['allocations_per_unit']:.1f} allocations per unit"
                bench.log(f"{name} {workload.name}: {shown}")
                print(json.dumps(record, sort_keys=True), file=sys.stderr)
    print(table(records, args.servers))
    return 1 if any("failed" in r for r in records) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
