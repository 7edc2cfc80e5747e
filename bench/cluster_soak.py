#!/usr/bin/env python3
"""The cluster soak: gatewayd nodes on one throw-away PostgreSQL, the official socket.io-client in Node on each of
them (bench/cluster-soak.mjs), and one node restarted twice while they run — SIGTERM at a third of the time, kill -9
at two thirds, each time started again at once on the same port, as a supervisor would.

The clients send queued `work` and result-mode `calc` events and receive numbered broadcasts that one publisher, on
node 1, sends to a room every client joined. Connection state recovery is on (bench/cluster-soak-handlers). The
restarted node's clients reach it through nginx, the other nodes as backups: they come back to another node while it
is down and to it once it is back, and recover either way — the sessions are in PostgreSQL, and the restarted node
takes in the other nodes' packet logs as it starts. Then it checks:

- clients of the other nodes: every number exactly once and in order, no disconnection, every event acked and every
  acked event answered exactly once, every `calc` right;
- clients of the restarted node when it was SIGTERM'd: every reconnection recovered, every number exactly once and in
  order (what was broadcast while they were away replayed), every acked event answered exactly once;
- clients connected to it after that restart, when it is killed (-9): every reconnection recovered, from the state
  the killed node kept of its connected sockets in PostgreSQL, every number exactly once and in order; the events its
  queue held when it died are lost, reported (unanswered), not failed;
- the restarted node's SIGTERM exit within its grace period + 2 s;
- no log record at error or critical on any node.

Prints one JSON object; exits 1 if a check failed.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent / "Tests" / "e2e"))
from run import free_port, start_postgres, stop_postgres  # noqa: E402  (bench/run.py: the throw-away PostgreSQL)
from cluster_support import RoundRobin  # noqa: E402  (the e2e tests' nginx in front of nodes)

ROOT = Path(__file__).resolve().parent.parent
HANDLERS = ROOT / "bench" / "cluster-soak-handlers"
GRACE_MS = 3000


class Node:
    """One gatewayd node, started again on the same port and node id after a restart; its log appended to."""

    def __init__(self, index: int, args, database_url: str, token: str, workdir: Path):
        self.id = f"n{index}"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / f"{self.id}.log"
        self.command = [
            str(args.bin_dir / "gatewayd"), "serve", "--db", database_url, "--host", "127.0.0.1",
            "--port", str(self.port), "--node-id", self.id, "--advertise-address", f"127.0.0.1:{self.port}",
            "--admin-token", token, "--handlers", str(HANDLERS), "--sync" if index == 1 else "--no-sync",
            "--shutdown-grace", str(GRACE_MS), "--log-format", "json", "--log-level", "warning",
            # Every client is on loopback: the per-address limits would count them as one.
            "--max-connections-per-ip", "0", "--max-connect-rate-per-ip", "0",
        ]
        self.proc: subprocess.Popen | None = None

    def start(self):
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen(self.command, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.id} exited at start-up: see {self.log_path}")
            try:
                import urllib.request
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.id} did not answer /healthz within 60 s")

    def terminate(self) -> float:
        """SIGTERM; seconds until it exited."""
        began = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=GRACE_MS / 1000 + 60)
        return time.monotonic() - began

    def kill(self):
        self.proc.kill()
        self.proc.wait(timeout=30)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.terminate()

    def error_records(self) -> list[str]:
        bad = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if str(record.get("level", "")).lower() in ("error", "critical"):
                bad.append(line[:300])
        return bad


def in_order_once(numbers: list[int], first: int, last: int) -> str | None:
    """None when `numbers` is exactly first..last; else what is wrong."""
    if numbers == list(range(first, last + 1)):
        return None
    counts = Counter(numbers)
    missing = [n for n in range(first, last + 1) if n not in counts]
    doubled = [n for n, count in counts.items() if count > 1]
    return f"{len(numbers)} numbers for {first}..{last}: missing {missing[:10]} ({len(missing)}), doubled {doubled[:10]}, " \
           f"in order: {numbers == sorted(numbers)}"


def check(seen: dict, restarted: int, exit_seconds: float | None, nodes: list[Node]) -> dict:
    failures: list[str] = []
    last = seen["lastNumber"]
    if seen["publishFailures"]:
        failures.append(f"{seen['publishFailures']} publishes not acked")
    summary = {"published": seen["published"], "nodes": {}}
    groups = sorted({(c["node"], c["wave"]) for c in seen["clients"]})
    for index, wave in groups:
        node = nodes[index]
        name = node.id if wave == 0 else f"{node.id} (wave {wave}, connected after its restart)"
        mine = [c for c in seen["clients"] if c["node"] == index and c["wave"] == wave]
        answers = Counter()
        unanswered = doubled = 0
        for c in mine:
            for count in c["answers"].values():
                unanswered += count == 0
                doubled += count > 1
            answers.update(c["errors"])
        row = {
            "clients": len(mine), "events_sent": sum(c["sent"] for c in mine), "acked": sum(c["acked"] for c in mine),
            "answered_once": sum(sum(1 for n in c["answers"].values() if n == 1) for c in mine),
            "unanswered": unanswered, "answered_twice_or_more": doubled, "error_codes": dict(answers),
            "ack_timeouts": sum(c["ackTimeouts"] for c in mine), "calc_timeouts": sum(c["calcTimeouts"] for c in mine),
            "calc_wrong": sum(c["calcWrong"] for c in mine),
            # The clients' own disconnects at the end are not counted.
            "disconnects": dict(Counter(reason for c in mine for reason in c["disconnects"] if reason != "io client disconnect")),
            "recovered": sum(c["recovered"] for c in mine), "not_recovered": sum(c["notRecovered"] for c in mine),
            "refused": sum(len(c["refused"]) for c in mine),
            "broken_recoveries": sum(len(c["brokenRecoveries"]) for c in mine),
        }
        summary["nodes"][name] = row
        # The first wave joined before the first broadcast; the second joined meanwhile and counts from its first.
        problems = [problem for c in mine
                    if (problem := in_order_once(c["numbers"], c["numbers"][0] if c["wave"] and c["numbers"] else 1, last))]
        if doubled or row["calc_wrong"] or row["refused"] or row["broken_recoveries"]:
            failures.append(f"{name}: answered twice {doubled}, calc wrong {row['calc_wrong']}, refused {row['refused']}, "
                            f"recovered but not whole {row['broken_recoveries']}")
        if index == restarted and wave > 0:
            # Killed (-9): its clients recover on the other nodes from the state it kept of them while connected; the
            # jobs its queue held died with it (reported: unanswered).
            row["numbers_missed"] = sum(last - c["numbers"][0] + 1 - len(c["numbers"]) for c in mine if c["numbers"])
            if problems or row["not_recovered"]:
                failures.append(f"{name}: {len(problems)} clients' numbers wrong (e.g. {problems[:1]}), "
                                f"{row['not_recovered']} reconnections not recovered")
        elif problems or row["not_recovered"] or row["unanswered"]:
            failures.append(f"{name}: {len(problems)} clients' numbers wrong (e.g. {problems[:1]}), "
                            f"{row['not_recovered']} reconnections not recovered, {row['unanswered']} events unanswered")
        if index != restarted and (row["disconnects"] or row["ack_timeouts"] or row["calc_timeouts"] or answers):
            failures.append(f"{name} (not restarted): {json.dumps(row)}")
    if exit_seconds is not None and exit_seconds > GRACE_MS / 1000 + 2:
        failures.append(f"the SIGTERM'd node took {exit_seconds:.1f} s to exit (grace {GRACE_MS} ms)")
    for node in nodes:
        if bad := node.error_records():
            failures.append(f"{node.id} logged {len(bad)} error records, e.g. {bad[0]}")
    summary["failures"] = failures
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin-dir", type=Path, default=ROOT / ".build" / "debug")
    parser.add_argument("--nodes", type=int, default=3)
    parser.add_argument("--clients-per-node", type=int, default=100)
    parser.add_argument("--duration", type=float, default=600, help="seconds of traffic")
    parser.add_argument("--publish-rate", type=float, default=20, help="broadcasts a second to the room")
    parser.add_argument("--event-every-ms", type=float, default=1000, help="each client's mean interval between sends")
    parser.add_argument("--restart-node", type=int, default=2, help="the node restarted (1-based; not 1, the publisher's)")
    parser.add_argument("--keep", type=Path, help="copy the nodes' logs here")
    parser.add_argument("--raw", type=Path, help="write what every client saw (the clients' JSON) to this file")
    args = parser.parse_args()
    if not 2 <= args.restart_node <= args.nodes:
        parser.error("--restart-node must be one of the nodes other than 1")
    workdir = Path(tempfile.mkdtemp(prefix="cluster-soak-"))
    token = secrets.token_hex(32)
    nodes: list[Node] = []
    client = balancer = None
    try:
        database = start_postgres(workdir / "postgres")
        nodes = [Node(index, args, database.url, token, workdir) for index in range(1, args.nodes + 1)]
        for node in nodes:  # node 1 first: it syncs the handlers
            node.start()
        restarted = nodes[args.restart_node - 1]
        # The restarted node's clients reach it through nginx, with the other nodes as backups: while it is down they
        # reconnect to another node, as behind any balancer; the other nodes' clients connect to theirs directly.
        (workdir / "nginx").mkdir()
        balancer = RoundRobin(workdir / "nginx", [restarted.port], backups=[n.port for n in nodes if n is not restarted])
        urls = [balancer.url if node is restarted else node.url for node in nodes]
        config = {"nodes": urls, "clientsPerNode": args.clients_per_node,
                  "seconds": args.duration, "publishRate": args.publish_rate, "eventEveryMs": args.event_every_ms,
                  "drainMs": 60_000, "waveNode": args.restart_node - 1}
        client = subprocess.Popen(
            ["node", "--experimental-websocket", "--no-warnings", str(ROOT / "bench" / "cluster-soak.mjs"), json.dumps(config)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        line = client.stderr.readline()
        if line.strip() != "ready":
            raise RuntimeError(f"the clients did not get ready: {line}{client.stderr.read()[-2000:]}")
        began = time.monotonic()
        time.sleep(args.duration / 3)
        exit_seconds = restarted.terminate()
        print(f"[cluster-soak] {restarted.id} SIGTERM'd at {time.monotonic() - began:.0f} s, exited in {exit_seconds:.2f} s",
              file=sys.stderr)
        # Started again at once, as a supervisor would: its clients come back to it or, while it is down, to the
        # other nodes; it takes in their logs as it starts.
        restarted.start()
        # Its clients are on the other nodes now: a second wave connects to it, for the kill to find.
        client.stdin.write("wave\n")
        client.stdin.flush()
        line = client.stderr.readline()
        if line.strip() != "wave-ready":
            raise RuntimeError(f"the second wave did not get ready: {line}{client.stderr.read()[-2000:]}")
        time.sleep(max(0.0, began + args.duration * 2 / 3 - time.monotonic()))
        restarted.kill()
        print(f"[cluster-soak] {restarted.id} killed (-9) at {time.monotonic() - began:.0f} s", file=sys.stderr)
        restarted.start()
        out, err = client.communicate(timeout=args.duration + 180)
        if client.returncode != 0:
            raise RuntimeError(f"the clients failed: {err[-3000:]}")
        summary = check(json.loads(out), args.restart_node - 1, exit_seconds, nodes)
        summary.update(duration_s=args.duration, clients=args.clients_per_node * args.nodes, restarted=restarted.id,
                       sigterm_exit_s=round(exit_seconds, 2))
        print(json.dumps(summary, indent=1))
        if args.raw:
            args.raw.write_text(out)
        return 1 if summary["failures"] else 0
    finally:
        if client and client.poll() is None:
            client.kill()
        if balancer:
            balancer.stop()
        for node in nodes:
            try:
                node.stop()
            except Exception as error:  # noqa: BLE001 - the others are stopped all the same
                print(f"[cluster-soak] stopping {node.id}: {error}", file=sys.stderr)
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            for node in nodes:
                shutil.copy(node.log_path, args.keep / node.log_path.name)
        stop_postgres(workdir / "postgres")
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
