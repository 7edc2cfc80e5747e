#!/usr/bin/env python3
"""The soak: many python-socketio clients on one gatewayd for a while, with mixed traffic, then the checks of the
hardening issue.

Each client signs in (a JWT of its own user), joins a room and sends, at `--rate` events a second each: `work`
(queued: ack at once, then `ws:result`), `calc` (result mode: the sum in the ack), `say` (a room broadcast), `notify`
(`emitToUser` to another client's user), and now and then leaves and joins its room again. `--reconnects` clients a
second disconnect and connect again (each first waits for its own results). `--slow-readers` raw WebSocket clients
join a busy room and never read. `--idle-connections` more sockets, held by gateway-bench, stay connected and quiet. Then it checks:

- every requestId answered exactly once (`ws:result` or `ws:error` for `work`, the ack for `calc`);
- no client disconnected without asking to;
- the server's open descriptors back at their baseline once every client left;
- no log record at error or critical;
- with `--rss-window S`: the server's RSS over the last S seconds within 5 % of its mean.

Prints one JSON object; exits 1 if a check failed. Starts `gatewayd serve` itself (on `bench/soak-handlers`, SQLite in a
temporary folder, its default limits unless `--serve-arg` says otherwise) and stops it.
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import socketio
import websocket

ROOT = Path(__file__).resolve().parent.parent
SECRET = "soak-secret-soak-secret-soak-secret-0123"
ROOMS = 10


def token(user_id: str) -> str:
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
    signing = b64(b'{"alg":"HS256","typ":"JWT"}') + "." + b64(json.dumps({"sub": user_id}).encode())
    return signing + "." + b64(hmac.new(SECRET.encode(), signing.encode(), hashlib.sha256).digest())


class Ledger:
    """Every request sent, and every answer: what the checks count."""

    def __init__(self):
        self.pending: dict[str, str] = {}  # requestId -> client
        self.answers: dict[str, int] = {}
        self.acks_missing = 0
        self.wrong_answers = 0
        self.sent = 0
        self.said = 0
        self.notified = 0
        self.unexpected_disconnects: list[str] = []
        self.connects = 0
        self.refusals: list[str] = []

    def answered(self, request_id: str):
        self.answers[request_id] = self.answers.get(request_id, 0) + 1
        self.pending.pop(request_id, None)


class SoakClient:
    def __init__(self, index: int, url: str, ledger: Ledger, clients: int, transport: str):
        self.index = index
        self.url = url
        self.ledger = ledger
        self.clients = clients
        self.transport = transport
        self.room = f"room-{index % ROOMS}"
        self.leaving = False
        self.sio: socketio.AsyncClient | None = None
        self.mine: set[str] = set()
        self.in_flight = 0
        self.drained = asyncio.Event()

    async def connect(self):
        self.leaving = False
        sio = socketio.AsyncClient(reconnection=False)
        ledger = self.ledger

        async def on_result(payload):
            request_id = payload.get("requestId", "")
            if not request_id:  # a refusal: events are answered with a requestId only once accepted
                ledger.wrong_answers += 1
                ledger.refusals.append(json.dumps(payload)[:200])
                return
            ledger.answered(request_id)
            self.mine.discard(request_id)
            self.settle()

        async def on_said(_payload):
            ledger.said += 1

        async def on_notified(_payload):
            ledger.notified += 1

        async def on_disconnect(*_reason):
            if not self.leaving:
                ledger.unexpected_disconnects.append(f"client {self.index}")

        sio.on("ws:result", on_result, namespace="/soak")
        sio.on("ws:error", on_result, namespace="/soak")
        sio.on("said", on_said, namespace="/soak")
        sio.on("notified", on_notified, namespace="/soak")
        sio.on("disconnect", on_disconnect, namespace="/soak")
        await sio.connect(self.url, namespaces=["/soak"], transports=[self.transport],
                          auth={"token": token(f"user-{self.index}")}, wait_timeout=30)
        self.sio = sio
        ledger.connects += 1
        await self.queued("enter", {"room": self.room})

    def settle(self):
        if not self.mine and not self.in_flight:
            self.drained.set()

    async def leave(self):
        """Waits for this client's calls and results, then disconnects."""
        self.drained.clear()
        if self.mine or self.in_flight:
            try:
                await asyncio.wait_for(self.drained.wait(), timeout=60)
            except asyncio.TimeoutError:
                pass  # counted as unanswered at the end
        self.leaving = True
        await self.sio.disconnect()

    async def send_one(self, n: int):
        self.in_flight += 1
        try:
            await self.send(n)
        finally:
            self.in_flight -= 1
            self.settle()

    async def queued(self, event: str, data):
        """A queued-mode event: accepted in the ack, its requestId then owed a `ws:result` / `ws:error`."""
        ledger = self.ledger
        ack = await self.sio.call(event, data, namespace="/soak", timeout=30)
        if not (isinstance(ack, dict) and ack.get("accepted")):
            ledger.wrong_answers += 1
            ledger.refusals.append(json.dumps(ack)[:200])
            return
        request_id = ack["requestId"]
        if ledger.answers.get(request_id):
            return  # its ws:result was handled before the ack's call returned
        ledger.pending[request_id] = str(self.index)
        self.mine.add(request_id)

    async def send(self, n: int):
        ledger = self.ledger
        choice = random.random()
        ledger.sent += 1
        if choice < 0.45:
            await self.queued("work", {"n": n, "client": self.index})
        elif choice < 0.75:
            a, b = random.randint(0, 1000), random.randint(0, 1000)
            answer = await self.sio.call("calc", (a, b), namespace="/soak", timeout=30)
            if answer != a + b:
                ledger.wrong_answers += 1
                ledger.refusals.append(json.dumps(answer)[:200])
        elif choice < 0.88:
            await self.queued("say", {"room": self.room, "n": n})
        elif choice < 0.97:
            await self.queued("notify", {"to": f"user-{random.randrange(self.clients)}", "n": n})
        else:
            await self.queued("exit", {"room": self.room})
            await self.queued("enter", {"room": self.room})


def slow_reader(url: str, room: str, stop: threading.Event, closed: list):
    """A raw Engine.IO v4 WebSocket client that joins `room` and then never reads."""
    ws = websocket.create_connection(url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket",
                                     timeout=30)
    ws.recv()  # the open packet
    ws.send(f'40/soak,{{"token":"{token("slow")}"}}')
    while not ws.recv().startswith("40/soak"):
        pass
    ws.send(f'42/soak,["enter",{{"room":"{room}"}}]')
    stop.wait()
    try:
        ws.send("1")
    except OSError:
        closed.append(room)
    ws.close()


def proc_figures(pid: int) -> tuple[int, int]:
    """RSS in KiB, open descriptors."""
    with open(f"/proc/{pid}/status") as status:
        rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


async def soak(args, url: str, pid: int) -> dict:
    ledger = Ledger()
    rss_baseline, fd_baseline = proc_figures(pid)
    holder = None
    if args.idle_connections:
        # Signed-in sockets that stay connected and quiet the whole time, from the load generator.
        holder = subprocess.Popen(
            [str(args.bin_dir / "gateway-bench"), "--url", url, "--namespace", "/soak", "--scenario", "idle",
             "--connections", str(args.idle_connections), "--connect-rate", "1000", "--duration", str(args.duration + 120),
             "--token", token("idle")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    clients = [SoakClient(i, url, ledger, args.clients, "polling" if i % 10 == 9 else "websocket")
               for i in range(args.clients)]
    for start in range(0, len(clients), 50):
        await asyncio.gather(*(client.connect() for client in clients[start:start + 50]))

    stop_slow = threading.Event()
    slow_closed: list = []
    slow_threads = [threading.Thread(target=slow_reader, args=(url, "room-0", stop_slow, slow_closed), daemon=True)
                    for _ in range(args.slow_readers)]
    for thread in slow_threads:
        thread.start()

    samples: list[tuple[float, int, int]] = []
    started = time.monotonic()
    deadline = started + args.duration
    errors: list[str] = []

    async def reconnects():
        if args.reconnects <= 0:
            return
        while time.monotonic() < deadline:
            await asyncio.sleep(1 / args.reconnects)
            client = random.choice(clients)
            if client.leaving or client.sio is None:
                continue
            try:
                await client.leave()
                await client.connect()
            except Exception as error:  # noqa: BLE001
                errors.append(f"reconnect {client.index}: {type(error).__name__} {error}"[:200])

    async def sampler():
        while time.monotonic() < deadline:
            rss, fds = proc_figures(pid)
            samples.append((round(time.monotonic() - started, 1), rss, fds))
            await asyncio.sleep(min(5.0, args.duration / 12))

    # A client being reconnected skips its turns: each turn re-reads its socket.
    async def guarded_traffic(client: SoakClient):
        n = 0
        await asyncio.sleep(random.random() / args.rate)
        while time.monotonic() < deadline:
            if not client.leaving and client.sio is not None and client.sio.connected:
                try:
                    await client.send_one(n)
                except Exception as error:  # noqa: BLE001
                    if not client.leaving:
                        errors.append(f"client {client.index}: {type(error).__name__} {error}"[:200])
                n += 1
            await asyncio.sleep(random.expovariate(args.rate))

    await asyncio.gather(sampler(), reconnects(), *(guarded_traffic(client) for client in clients))

    # Every result still due, then everyone leaves.
    drain_deadline = time.monotonic() + 60
    while ledger.pending and time.monotonic() < drain_deadline:
        await asyncio.sleep(0.1)
    unanswered = len(ledger.pending)
    for start in range(0, len(clients), 100):
        await asyncio.gather(*(client.leave() for client in clients[start:start + 100] if client.sio and client.sio.connected))
    stop_slow.set()
    for thread in slow_threads:
        thread.join(timeout=30)
    if holder:
        holder.terminate()
        holder.wait(timeout=60)
    fd_deadline = time.monotonic() + 60
    while proc_figures(pid)[1] > fd_baseline and time.monotonic() < fd_deadline:
        await asyncio.sleep(0.2)
    rss_end, fds_end = proc_figures(pid)

    duplicates = sum(1 for count in ledger.answers.values() if count > 1)
    report = {
        "duration_s": args.duration, "clients": args.clients, "rate_per_client": args.rate,
        "reconnects_per_s": args.reconnects, "slow_readers": args.slow_readers, "idle_connections": args.idle_connections,
        "events_sent": ledger.sent, "results_answered": len(ledger.answers), "unanswered": unanswered,
        "answered_twice": duplicates, "wrong_answers": ledger.wrong_answers, "refusals": ledger.refusals[:5],
        "room_messages": ledger.said, "user_messages": ledger.notified, "connects": ledger.connects,
        "unexpected_disconnects": len(ledger.unexpected_disconnects), "client_errors": errors[:10],
        "client_error_count": len(errors), "slow_readers_cut": len(slow_closed),
        "rss_kb_baseline": rss_baseline, "rss_kb_end": rss_end, "fds_baseline": fd_baseline, "fds_end": fds_end,
        "samples": samples,
    }
    if args.rss_window:
        window = [rss for t, rss, _ in samples if t >= args.duration - args.rss_window]
        mean = sum(window) / len(window)
        report["rss_window_spread"] = round((max(window) - min(window)) / mean, 4)
    return report


def verdict(report: dict, log_records: list[dict], args) -> list[str]:
    failures = []
    if report["unanswered"]:
        failures.append(f"{report['unanswered']} requestIds never answered")
    if report["answered_twice"]:
        failures.append(f"{report['answered_twice']} requestIds answered more than once")
    if report["wrong_answers"]:
        failures.append(f"{report['wrong_answers']} wrong or refused answers: {report['refusals']}")
    if report["unexpected_disconnects"]:
        failures.append(f"{report['unexpected_disconnects']} unexpected disconnects")
    if report["client_error_count"]:
        failures.append(f"{report['client_error_count']} client errors: {report['client_errors']}")
    if report["fds_end"] > report["fds_baseline"]:
        failures.append(f"open descriptors {report['fds_end']} after every client left, {report['fds_baseline']} before")
    errors = [record for record in log_records if record.get("level") in ("error", "critical")]
    if errors:
        failures.append(f"{len(errors)} error log records: {errors[:3]}")
    if args.rss_window and report["rss_window_spread"] > 0.05:
        failures.append(f"RSS moved {report['rss_window_spread']:.1%} over the last {args.rss_window} s")
    return failures


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin-dir", type=Path, default=ROOT / ".build" / "debug")
    parser.add_argument("--duration", type=float, default=600)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--rate", type=float, default=2.0, help="events a second per client")
    parser.add_argument("--reconnects", type=float, default=5.0, help="client reconnects a second")
    parser.add_argument("--slow-readers", type=int, default=3)
    parser.add_argument("--idle-connections", type=int, default=0,
                        help="signed-in sockets held open and quiet by gateway-bench (from --bin-dir) on top")
    parser.add_argument("--rss-window", type=float, default=0, help="seconds at the end whose RSS must stay within 5 %%")
    parser.add_argument("--serve-arg", action="append", default=[], help="an extra gatewayd serve argument")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="gatewayd-soak-") as workdir:
        log_path = Path(workdir) / "gatewayd.log"
        port = free_port()
        with open(log_path, "w") as log:
            server = subprocess.Popen(
                [str(args.bin_dir / "gatewayd"), "serve", "--host", "127.0.0.1", "--port", str(port),
                 "--db", str(Path(workdir) / "soak.sqlite"), "--handlers", str(ROOT / "bench" / "soak-handlers"),
                 "--jwt-secret", SECRET, "--log-format", "json", "--log-level", "warning", *args.serve_arg],
                stdout=subprocess.PIPE, stderr=log, text=True)
        try:
            line = server.stdout.readline()
            if not line.startswith("LISTENING"):
                print(json.dumps({"error": f"gatewayd did not start: {line!r}"}))
                return 1
            report = asyncio.run(soak(args, f"http://127.0.0.1:{port}", server.pid))
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        records = []
        for line in log_path.read_text().splitlines():
            try:
                records.append(json.loads(line))
            except ValueError:
                records.append({"level": "error", "msg": f"not JSON: {line[:200]}"})
    warnings: dict[str, int] = {}
    for record in records:
        if record.get("level") == "warning":
            warnings[record.get("msg", "?")] = warnings.get(record.get("msg", "?"), 0) + 1
    report["warnings"] = warnings
    report["exit_status"] = server.returncode
    failures = verdict(report, records, args)
    if server.returncode != 0:
        failures.append(f"gatewayd exited {server.returncode} on SIGTERM")
    report["failures"] = failures
    print(json.dumps(report))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
