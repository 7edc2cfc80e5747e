#!/usr/bin/env python3
"""One gateway's handlers hostile to the others: on every worker at once, a `/hostile` handler makes as many `SOCKET`
calls as a run may (1,000 emits to a room), then computes until its time limit (2 s) stops it, again and again, while
a `/calm` client measures its `ping` round trips (result mode: the ack carries the result). Prints the calm gateway's
latency before and during, and what the hostile runs ended with, as JSON.

The bound to expect: a calm event waits for a worker at most as long as a hostile run may last (its `timeoutMs`).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import socketio

ROOT = Path(__file__).resolve().parent.parent


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def latencies(url: str, count: int) -> list[float]:
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(url, namespaces=["/calm"], transports=["websocket"], wait_timeout=30)
    samples = []
    try:
        for n in range(count):
            started = time.perf_counter()
            assert await client.call("ping", {"n": n}, namespace="/calm", timeout=30) == {"n": n}
            samples.append((time.perf_counter() - started) * 1000)
    finally:
        await client.disconnect()
    return samples


async def flood(url: str, workers: int, stop: asyncio.Event) -> tuple[int, list[str]]:
    """`workers` hostile sockets, each running `flood` back to back until `stop`; the runs finished, their outcomes."""
    runs = 0
    outcomes = []

    async def one():
        nonlocal runs
        client = socketio.AsyncClient(reconnection=False)
        client.on("flood", lambda *_: None, namespace="/hostile")
        await client.connect(url, namespaces=["/hostile"], transports=["websocket"], wait_timeout=30)
        try:
            while not stop.is_set():
                outcome = await client.call("flood", {}, namespace="/hostile", timeout=30)
                outcomes.append(json.dumps(outcome)[:200])
                runs += 1
        finally:
            await client.disconnect()

    await asyncio.gather(*(one() for _ in range(workers)))
    return runs, outcomes


async def measure(url: str, workers: int, samples: int) -> dict:
    before = await latencies(url, samples)
    stop = asyncio.Event()
    flooding = asyncio.create_task(flood(url, workers, stop))
    await asyncio.sleep(0.5)  # every worker busy with a hostile run
    during = await latencies(url, samples)
    stop.set()
    runs, outcomes = await flooding
    return {
        "workers": workers, "samples": samples, "hostile_runs": runs, "hostile_outcomes": sorted(set(outcomes)),
        "before_ms": {"p50": round(percentile(before, 0.5), 2), "p99": round(percentile(before, 0.99), 2)},
        "during_ms": {"p50": round(percentile(during, 0.5), 2), "p99": round(percentile(during, 0.99), 2),
                      "max": round(max(during), 2)},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin-dir", type=Path, default=ROOT / ".build" / "debug")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with tempfile.TemporaryDirectory(prefix="gatewayd-isolation-") as workdir:
        server = subprocess.Popen(
            [str(args.bin_dir / "gatewayd"), "serve", "--host", "127.0.0.1", "--port", str(port),
             "--db", str(Path(workdir) / "db.sqlite"), "--handlers", str(ROOT / "bench" / "isolation-handlers"),
             "--workers", str(args.workers), "--log-level", "error"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            assert server.stdout.readline().startswith("LISTENING")
            report = asyncio.run(measure(f"http://127.0.0.1:{port}", args.workers, args.samples))
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
