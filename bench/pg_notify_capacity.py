#!/usr/bin/env python3
"""What PostgreSQL's LISTEN/NOTIFY sustains on its own, without gatewayd: the ceiling of the cluster bus.

    .venv-v5/bin/python bench/pg_notify_capacity.py             # a throw-away PostgreSQL (scripts/postgres.sh)
    .venv-v5/bin/python bench/pg_notify_capacity.py --quick     # 2 s per run instead of 5
    .venv-v5/bin/python bench/pg_notify_capacity.py --duration 8 --payloads 100,1000,7999

Senders are `pgbench -f` scripts running `SELECT pg_notify('bench', lpad(i::text, :n, 'x')) FROM
generate_series(1, :batch) AS i` (one transaction per statement; distinct payloads, as PostgreSQL folds identical
notifications of one transaction): `batch` 1 is one notification per transaction, 64 is how gatewayd's bus sends
(`PostgresMessageBus.batchSize`). Listeners are processes of this script speaking PostgreSQL's wire protocol
(trust or md5 authentication, no driver needed): `LISTEN bench`, then count every NotificationResponse. Each run
lasts --duration seconds (at most 10), then waits (at most 10 s more) until every listener has received every
notification sent.

It measures, for each payload size (100 B, 1 KB, 7,999 B), batch (1, 64) and number of listeners (0, 1, 3):
notifications/s sent, received per listener, whether any was lost, how long the listeners took to catch up after the
senders stopped, and the CPU time (in cores: seconds per second) of PostgreSQL (postmaster and its backends), pgbench
and the listeners. Then: the 8,000-byte payload (PostgreSQL's error), senders on 1 and 4 connections (the queue is
one per server, taken under one lock at commit), and a listener that stops reading: the queue (8 GB in a standard
installation; `max_notify_queue_pages` from PostgreSQL 17) fills, as `pg_notification_queue_usage()` shows, at a
rate that says when NOTIFY would fail ("too many notifications in the NOTIFY queue").

It prints a markdown table and appends JSON lines to bench/results/pg-notify-<time>.jsonl. Only PostgreSQL's
Debian binaries are needed (`/usr/lib/postgresql/*/bin`: psql, pgbench); scripts/postgres.sh installs them if missing.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import re
import resource
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
CHANNEL = "bench"
MAX_RUN_S = 10.0
CATCH_UP_S = 10.0
TICKS = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- a listener (a child process of this script)


class Wire:
    """The few messages of PostgreSQL's protocol 3.0 a listener needs."""

    def __init__(self, host: str, port: int, user: str, password: str, database: str):
        self.sock = socket.create_connection((host, port), timeout=10)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self.buffer = bytearray()
        params = b"".join(k.encode() + b"\0" + v.encode() + b"\0" for k, v in
                          (("user", user), ("database", database), ("application_name", "pg_notify_capacity")))
        body = struct.pack("!i", 196608) + params + b"\0"
        self.sock.sendall(struct.pack("!i", len(body) + 4) + body)
        while True:
            kind, payload = self.message()
            if kind == b"R":
                code = struct.unpack_from("!i", payload)[0]
                if code == 3:
                    self.send(b"p", password.encode() + b"\0")
                elif code == 5:
                    inner = hashlib.md5(password.encode() + user.encode()).hexdigest().encode()
                    self.send(b"p", b"md5" + hashlib.md5(inner + payload[4:8]).hexdigest().encode() + b"\0")
                elif code != 0:
                    raise RuntimeError(f"authentication method {code} not supported (trust, password or md5 only)")
            elif kind == b"E":
                raise RuntimeError(f"PostgreSQL refused the connection: {payload!r}")
            elif kind == b"Z":
                break
        self.sock.settimeout(None)

    def send(self, kind: bytes, body: bytes) -> None:
        self.sock.sendall(kind + struct.pack("!i", len(body) + 4) + body)

    def message(self) -> tuple[bytes, bytes]:
        while True:
            if len(self.buffer) >= 5:
                length = struct.unpack_from("!i", self.buffer, 1)[0]
                if len(self.buffer) >= length + 1:
                    kind, payload = bytes(self.buffer[:1]), bytes(self.buffer[5:length + 1])
                    del self.buffer[:length + 1]
                    return kind, payload
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise RuntimeError("PostgreSQL closed the connection")
            self.buffer += chunk

    def query(self, sql: str) -> None:
        self.send(b"Q", sql.encode() + b"\0")
        while True:
            kind, payload = self.message()
            if kind == b"E":
                raise RuntimeError(f"{sql}: {payload!r}")
            if kind == b"Z":
                return


def listen_main(args: argparse.Namespace) -> int:
    """`--listen`: LISTENs, prints `ready <backend pid>`, then counts notifications (`<count> <payload bytes>` every
    50 ms on stdout) until stdin closes; with --no-read it never reads its socket again (the queue then grows)."""
    url = urlparse(args.url)
    wire = Wire(url.hostname, url.port or 5432, url.username or "postgres", url.password or "", url.path.lstrip("/"))
    wire.send(b"Q", b"SELECT pg_backend_pid()\0")
    backend = None
    while True:
        kind, payload = wire.message()
        if kind == b"D":
            (length,) = struct.unpack_from("!i", payload, 2)
            backend = int(payload[6:6 + length])
        elif kind == b"Z":
            break
    wire.query(f"LISTEN {CHANNEL}")
    print(f"ready {backend}", flush=True)
    if args.no_read:
        sys.stdin.read()
        return 0
    count = 0
    payload_bytes = 0
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    buffer = wire.buffer
    sock = wire.sock
    sock.settimeout(0.05)
    last_report = 0.0
    while not stop.is_set():
        try:
            chunk = sock.recv(1 << 20)
        except socket.timeout:
            chunk = b""
        else:
            if not chunk:
                break
        buffer += chunk
        offset = 0
        size = len(buffer)
        while size - offset >= 5:
            length = struct.unpack_from("!i", buffer, offset + 1)[0]
            if size - offset < length + 1:
                break
            if buffer[offset] == 0x41:  # 'A': NotificationResponse (pid, channel, payload)
                count += 1
                payload_bytes += length - 4 - 4 - len(CHANNEL) - 1 - 1
            offset += length + 1
        del buffer[:offset]
        now = time.monotonic()
        if now - last_report >= 0.05:
            print(f"{count} {payload_bytes}", flush=True)
            last_report = now
    print(f"{count} {payload_bytes}", flush=True)
    return 0


class Listener:
    """A listener child process and its latest count."""

    def __init__(self, url: str, read: bool = True):
        cmd = [sys.executable, __file__, "--listen", "--url", url] + ([] if read else ["--no-read"])
        self.process = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        ready = self.process.stdout.readline().split()
        if not ready or ready[0] != "ready":
            self.process.kill()
            raise RuntimeError("a listener did not start")
        self.backend = int(ready[1])
        self.count = 0
        self.bytes = 0
        self.lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            parts = line.split()
            if len(parts) == 2:
                with self.lock:
                    self.count, self.bytes = int(parts[0]), int(parts[1])

    def received(self) -> int:
        with self.lock:
            return self.count

    def stop(self) -> None:
        try:
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# ---------------------------------------------------------------- CPU time from /proc


def proc_stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, utime + stime + cutime + cstime in seconds)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    return int(fields[1]), sum(int(fields[i]) for i in (11, 12, 13, 14)) / TICKS


def tree_cpu(root: int | None) -> float:
    """CPU time of `root` and its live descendants, with their waited-for children's."""
    if root is None:
        return 0.0
    stats = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := proc_stat(int(entry))):
            stats[int(entry)] = stat
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in stats.items():
        children.setdefault(parent, []).append(pid)
    total, pending, seen = 0.0, [root], set()
    while pending:
        pid = pending.pop()
        if pid in seen or pid not in stats:
            continue
        seen.add(pid)
        total += stats[pid][1]
        pending += children.get(pid, [])
    return total


def machine_cpu() -> float:
    """Every CPU's busy time (all but idle and iowait in /proc/stat's first line), in seconds."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    return (sum(fields) - fields[3] - fields[4]) / TICKS


def process_cpu(pid: int) -> float:
    stat = proc_stat(pid)
    return stat[1] if stat else 0.0


# ---------------------------------------------------------------- PostgreSQL


def pg_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: [int(x) for x in re.findall(r"\d+", p.parent.name)])
    if not found:
        raise SystemExit("no /usr/lib/postgresql/*/bin: run scripts/postgres.sh once (it installs PostgreSQL)")
    return found[-1]


class Database:
    def __init__(self, url: str, postmaster: int | None, data_dir: Path | None):
        self.url = url
        parsed = urlparse(url)
        self.host, self.port = parsed.hostname, parsed.port or 5432
        self.user, self.password, self.name = parsed.username, parsed.password or "", parsed.path.lstrip("/")
        self.postmaster = postmaster
        self.data_dir = data_dir

    def env(self) -> dict[str, str]:
        return {**os.environ, "PGPASSWORD": self.password}

    def psql(self, sql: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [str(pg_bin() / "psql"), "-h", self.host, "-p", str(self.port), "-U", self.user, "-d", self.name,
               "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql]
        return subprocess.run(cmd, capture_output=True, text=True, env=self.env(), check=check, timeout=60)

    def value(self, sql: str) -> str:
        return self.psql(sql).stdout.strip()


def start_postgres(workdir: Path) -> Database:
    url = subprocess.run([str(ROOT / "scripts" / "postgres.sh"), "start", str(workdir / "postgres")],
                         capture_output=True, text=True, check=True, timeout=300).stdout.strip().splitlines()[-1]
    cluster = Path((workdir / "postgres" / "cluster").read_text().strip())
    postmaster = int((cluster / "data" / "postmaster.pid").read_text().splitlines()[0])
    return Database(url, postmaster, cluster / "data")


def stop_postgres(workdir: Path) -> None:
    subprocess.run([str(ROOT / "scripts" / "postgres.sh"), "stop", str(workdir / "postgres")], check=False, timeout=120)


# ---------------------------------------------------------------- one run


def write_script(workdir: Path) -> Path:
    script = workdir / "notify.sql"
    script.write_text(f"SELECT pg_notify('{CHANNEL}', lpad(i::text, :n, 'x')) FROM generate_series(1, :batch) AS i;\n")
    return script


def run_senders(db: Database, script: Path, payload: int, batch: int, clients: int, duration: float) -> dict:
    cmd = [str(pg_bin() / "pgbench"), "-n", "-h", db.host, "-p", str(db.port), "-U", db.user,
           "-f", str(script), "-D", f"n={payload}", "-D", f"batch={batch}",
           "-c", str(clients), "-j", str(clients), "-T", f"{duration:g}", db.name]
    start = time.monotonic()
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(cmd, capture_output=True, text=True, env=db.env(), timeout=duration + 60)
    elapsed = time.monotonic() - start
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    pgbench_cpu = (children.ru_utime - children_before.ru_utime) + (children.ru_stime - children_before.ru_stime)
    if done.returncode != 0:
        raise RuntimeError(f"pgbench failed: {done.stderr.strip() or done.stdout.strip()}")
    transactions = int(re.search(r"number of transactions actually processed: (\d+)", done.stdout).group(1))
    failed = re.search(r"number of failed transactions: (\d+)", done.stdout)
    return {"transactions": transactions, "notifications_sent": transactions * batch, "elapsed_s": elapsed,
            "failed_transactions": int(failed.group(1)) if failed else 0, "pgbench_cores": pgbench_cpu / elapsed}


def measure(db: Database, script: Path, payload: int, batch: int, listeners: int, clients: int,
            duration: float) -> dict:
    record = {"kind": "throughput", "payload_bytes": payload, "batch": batch, "listeners": listeners,
              "sender_connections": clients, "duration_s": duration}
    started = [Listener(db.url) for _ in range(listeners)]
    try:
        pg_before = tree_cpu(db.postmaster)
        listeners_before = sum(process_cpu(l.process.pid) for l in started)
        machine_before = machine_cpu()
        sent = run_senders(db, script, payload, batch, clients, duration)
        record.update(sent)
        senders_done = time.monotonic()
        # The senders stopped: wait until every listener has everything (or nothing more comes for 2 s).
        last, last_change = -1, time.monotonic()
        while started and time.monotonic() - senders_done < CATCH_UP_S:
            counts = [l.received() for l in started]
            if min(counts) >= sent["notifications_sent"]:
                break
            if sum(counts) != last:
                last, last_change = sum(counts), time.monotonic()
            elif time.monotonic() - last_change > 2:
                break
            time.sleep(0.02)
        caught_up = time.monotonic() - senders_done
        window = sent["elapsed_s"] + (caught_up if started else 0)
        pg_cpu = tree_cpu(db.postmaster) - pg_before
        listener_cpu = sum(process_cpu(l.process.pid) for l in started) - listeners_before
        machine = machine_cpu() - machine_before
        ours = pg_cpu + listener_cpu + sent["pgbench_cores"] * sent["elapsed_s"]
        record["rest_of_machine_cores"] = max(0.0, machine - ours) / window
        record["sent_per_s"] = sent["notifications_sent"] / sent["elapsed_s"]
        record["postgres_cores"] = pg_cpu / window
        if started:
            counts = [l.received() for l in started]
            record["received_per_listener"] = counts
            record["lost"] = sum(max(0, sent["notifications_sent"] - c) for c in counts)
            record["catch_up_s"] = caught_up
            record["received_per_s"] = min(counts) / window
            record["listener_cores"] = listener_cpu / window / len(started)
    finally:
        for listener in started:
            listener.stop()
    return record


def payload_limit(db: Database) -> dict:
    ok = db.psql(f"SELECT pg_notify('{CHANNEL}', repeat('x', 7999))", check=False)
    refused = db.psql(f"SELECT pg_notify('{CHANNEL}', repeat('x', 8000))", check=False)
    return {"kind": "payload-limit", "7999_ok": ok.returncode == 0,
            "8000_error": refused.stderr.strip().splitlines()[0] if refused.returncode else None}


def queue_fill(db: Database, script: Path, duration: float) -> dict:
    """A listener that LISTENs and then never reads: its backend blocks writing to it, its queue position stays, and
    the queue grows by everything sent after."""
    record = {"kind": "queue-fill", "payload_bytes": 7999, "batch": 64, "duration_s": duration}
    try:
        record["max_notify_queue_pages"] = db.value("SHOW max_notify_queue_pages")
    except subprocess.CalledProcessError:
        record["max_notify_queue_pages"] = None  # before PostgreSQL 17: a fixed 8 GB
    stuck = Listener(db.url, read=False)
    try:
        before = float(db.value("SELECT pg_notification_queue_usage()"))
        disk_before = queue_disk_bytes(db)
        start = time.monotonic()
        sent = run_senders(db, script, 7999, 64, 1, duration)
        elapsed = time.monotonic() - start
        after = float(db.value("SELECT pg_notification_queue_usage()"))
        record.update(sent)
        record["usage_before"] = before
        record["usage_after"] = after
        record["usage_per_s"] = (after - before) / elapsed
        record["sent_per_s"] = sent["notifications_sent"] / sent["elapsed_s"]
        record["notifications_per_queue_percent"] = (sent["notifications_sent"] / ((after - before) * 100)
                                                   if after > before else None)
        record["seconds_to_full"] = (1 - after) / record["usage_per_s"] if record["usage_per_s"] > 0 else None
        disk_after = queue_disk_bytes(db)
        if disk_before is not None and disk_after is not None:
            record["queue_disk_bytes_added"] = disk_after - disk_before
        record["stuck_backend"] = stuck.backend
        record["stuck_backend_state"] = db.value(
            f"SELECT coalesce(wait_event_type, '') || ':' || coalesce(wait_event, '') || ' ' || state "
            f"FROM pg_stat_activity WHERE pid = {stuck.backend}")
    finally:
        stuck.stop()
    # Once the listener is gone its backend exits and the queue's tail moves on: the space is reclaimed.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        usage = float(db.value("SELECT pg_notification_queue_usage()"))
        if usage == 0:
            break
        # The tail advances when a notifier's commit crosses pages: a few full-page notifications.
        db.psql(f"SELECT pg_notify('{CHANNEL}', lpad(i::text, 7999, 'x')) FROM generate_series(1, 8) AS i")
        time.sleep(0.2)
    record["usage_after_listener_left"] = float(db.value("SELECT pg_notification_queue_usage()"))
    return record


def queue_disk_bytes(db: Database) -> int | None:
    if db.data_dir is None:
        return None
    folder = db.data_dir / "pg_notify"
    try:
        return sum(f.stat().st_size for f in folder.iterdir())
    except OSError:
        return None


# ---------------------------------------------------------------- table


def table(records: list[dict]) -> str:
    lines = ["| payload | notifications / transaction | sender connections | listeners | sent/s | received/s (each listener) "
             "| lost | caught up after | PostgreSQL CPU | pgbench CPU | listener CPU (each) | rest of the machine |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in records:
        if r["kind"] != "throughput":
            continue
        lines.append("| " + " | ".join([
            f"{r['payload_bytes']:,} B", str(r["batch"]), str(r["sender_connections"]), str(r["listeners"]),
            f"{r['sent_per_s']:,.0f}", f"{r['received_per_s']:,.0f}" if "received_per_s" in r else "–",
            str(r.get("lost", "–")), f"{r['catch_up_s']:.2f} s" if "catch_up_s" in r else "–",
            f"{r['postgres_cores']:.2f} cores", f"{r['pgbench_cores']:.2f} cores",
            f"{r['listener_cores']:.2f} cores" if "listener_cores" in r else "–", f"{r['rest_of_machine_cores']:.2f} cores",
        ]) + " |")
    notes = []
    for r in records:
        if r["kind"] == "payload-limit":
            notes.append(f"payload of 7,999 B: {'accepted' if r['7999_ok'] else 'REFUSED'}; 8,000 B: {r['8000_error']}")
        if r["kind"] == "queue-fill":
            pages = r["max_notify_queue_pages"] or "fixed (8 GB; the setting exists from PostgreSQL 17)"
            notes.append(
                f"queue with a listener that does not read: {r['notifications_sent']:,} notifications of 7,999 B in "
                f"{r['elapsed_s']:.1f} s ({r['sent_per_s']:,.0f}/s) took pg_notification_queue_usage() from "
                f"{r['usage_before']:.6f} to {r['usage_after']:.6f} ({r['usage_per_s'] * 100:.3f} % per s; "
                f"{r['notifications_per_queue_percent'] or 0:,.0f} notifications per 1 %): full in "
                f"{r['seconds_to_full'] or float('nan'):,.0f} s at that rate, when NOTIFY fails at commit. "
                f"pg_notify/ grew {r.get('queue_disk_bytes_added', 0) / 1e6:,.0f} MB on disk; the stuck backend was "
                f"`{r['stuck_backend_state']}`; max_notify_queue_pages: {pages}; usage once the listener left: "
                f"{r['usage_after_listener_left']:.6f}")
    return "\n".join(lines + [""] + [f"- {n}" for n in notes])


def machine_line(version: str) -> str:
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"Machine: {os.cpu_count()} CPUs, {model}, Linux {platform.release()}, {version}, {now}"


# ---------------------------------------------------------------- main


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", help="an existing PostgreSQL (postgres://user:password@host:port/db) instead of a throw-away one")
    p.add_argument("--duration", type=float, default=5.0, help=f"seconds each sender run lasts (at most {MAX_RUN_S:g})")
    p.add_argument("--quick", action="store_true", help="2 s per run")
    p.add_argument("--payloads", default="100,1000,7999", help="payload sizes in bytes (each below 8,000)")
    p.add_argument("--listen", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--no-read", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.quick:
        args.duration = 2.0
    if not 0 < args.duration <= MAX_RUN_S:
        p.error(f"--duration must be in (0, {MAX_RUN_S:g}]")
    args.payloads = [int(x) for x in args.payloads.split(",") if x.strip()]
    if any(not 0 < n < 8000 for n in args.payloads):
        p.error("--payloads must be between 1 and 7,999 bytes: 8,000 is PostgreSQL's limit (measured separately)")
    return args


def log(message: str) -> None:
    print(f"[pg-notify] {message}", file=sys.stderr, flush=True)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.listen:
        return listen_main(args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    results = RESULTS / ("pg-notify-" + datetime.datetime.now().strftime("%Y%m%d-%H%M%S") + ".jsonl")
    records: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="pg-notify-") as tmp:
        workdir = Path(tmp)
        db = Database(args.url, None, None) if args.url else start_postgres(workdir)
        try:
            version = db.value("SHOW server_version")
            log(f"PostgreSQL {version} at {db.host}:{db.port} (postmaster {db.postmaster})")
            script = write_script(workdir)
            plan = [(n, batch, listeners, 1) for n in args.payloads for batch in (1, 64) for listeners in (0, 1)]
            plan += [(1000, 64, 3, 1), (100, 1, 1, 4), (100, 64, 1, 4)]
            for payload, batch, listeners, clients in plan:
                log(f"payload {payload} B, {batch} per transaction, {listeners} listener(s), {clients} sender(s), "
                    f"{args.duration:g} s")
                record = measure(db, script, payload, batch, listeners, clients, args.duration)
                log(json.dumps(record))
                records.append(record)
            records.append(payload_limit(db))
            log(json.dumps(records[-1]))
            log("queue fill: a listener that does not read")
            records.append(queue_fill(db, script, args.duration))
            log(json.dumps(records[-1]))
        finally:
            if not args.url:
                stop_postgres(workdir)
    with open(results, "a") as out:
        for record in records:
            out.write(json.dumps({**record, "postgres_version": version}, sort_keys=True) + "\n")
    print(machine_line(f"PostgreSQL {version}"))
    print()
    print(table(records))
    print()
    print(f"Raw results: {results.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
