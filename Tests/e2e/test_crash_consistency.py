"""`kill -9` while the admin API writes config and collection items and `gatewayd handlers sync` runs, in a loop
(`E2E_KILL_LOOPS`, 10 by default; the hardening issue's figure is from 50): the daemon always restarts, SQLite's
`PRAGMA integrity_check` passes, every write the daemon acknowledged is there, and a sync is whole or absent."""
import json
import os
import signal
import sqlite3
import subprocess
import threading

import pytest
import requests

from conftest import BIN_DIR, ON_POSTGRES, wait_until
from gateway_support import TIMEOUT, write_gateway

LOOPS = int(os.environ.get("E2E_KILL_LOOPS", "10"))
VERSIONS = {"a": [f"a{n}" for n in range(5)], "b": [f"b{n}" for n in range(5)]}

pytestmark = pytest.mark.skipif(ON_POSTGRES, reason="SQLite's crash consistency; PostgreSQL's is the server's own")


def sync_folders(tmp_path):
    """Two versions of one folder gateway, `/synced`: each sync replaces all five events of the other."""
    folders = {}
    for version, events in VERSIONS.items():
        root = tmp_path / f"handlers-{version}"
        write_gateway(root, "synced", "/synced", {name: f'return "{version}"' for name in events})
        folders[version] = root
    return folders


def integrity(db):
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        return connection.execute("PRAGMA integrity_check").fetchall()


class Writer(threading.Thread):
    """Writes until the daemon is gone, recording what it acknowledged."""

    def __init__(self, write):
        super().__init__(daemon=True)
        self.write = write
        self.acknowledged = []
        self.stopped = threading.Event()

    def run(self):
        session = requests.Session()
        for k in range(100_000):
            if self.stopped.is_set():
                return
            try:
                key = self.write(session, k)
            except requests.RequestException:
                return  # killed under it: not acknowledged
            if key is not None:
                self.acknowledged.append(key)


def test_kill_9_while_writing_loses_no_acknowledged_write(start_server, tmp_path):
    db = tmp_path / "db.sqlite"
    folders = sync_folders(tmp_path)
    serve = [BIN_DIR / "gatewayd", "serve", "--host", "127.0.0.1", "--port", "0", "--db", db, "--no-sync",
             "--log-level", "warning"]
    subprocess.run([BIN_DIR / "gatewayd", "handlers", "sync", "--db", db, "--handlers", folders["a"]],
                   check=True, capture_output=True, timeout=60)
    server = start_server(serve)
    gateway = requests.post(server.url + "/admin/gateways", json={"path": "/written"}, timeout=TIMEOUT).json()
    server.stop()

    items, events, syncs = [], [], []
    for loop in range(LOOPS):
        assert integrity(db) == [("ok",)], f"loop {loop}"
        server = start_server(serve)
        url = server.url

        def write_item(session, k, loop=loop):
            key = f"i{loop}-{k}"
            answer = session.post(f"{url}/admin/collections/crash/items", json={"id": key, "n": k}, timeout=TIMEOUT)
            return key if answer.status_code == 201 else None

        def write_event(session, k, loop=loop):
            name = f"e{loop}-{k}"
            answer = session.post(f"{url}/admin/gateways/{gateway['id']}/events",
                                  json={"eventName": name, "script": f"return {k}"}, timeout=TIMEOUT)
            return name if answer.status_code == 201 else None

        writers = [Writer(write_item), Writer(write_event)]
        for writer in writers:
            writer.start()
        version = "b" if loop % 2 == 0 else "a"
        sync = subprocess.Popen([BIN_DIR / "gatewayd", "handlers", "sync", "--db", db, "--handlers", folders[version]],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        # The kill comes once writes are flowing, a little later each loop; on odd loops the sync is killed too.
        threshold = 3 + loop % 7
        assert wait_until(lambda: all(len(w.acknowledged) >= threshold for w in writers), timeout=60), \
            [len(w.acknowledged) for w in writers]
        server.proc.send_signal(signal.SIGKILL)
        if loop % 2:
            sync.send_signal(signal.SIGKILL)
        server.proc.wait(timeout=TIMEOUT)
        sync.wait(timeout=60)
        if sync.returncode == 0:
            syncs.append(version)
        for writer in writers:
            writer.stopped.set()
            writer.join(timeout=TIMEOUT)
            assert not writer.is_alive()
        items += writers[0].acknowledged
        events += writers[1].acknowledged
        server.stop()

    assert integrity(db) == [("ok",)]
    server = start_server(serve)
    stored = set()
    for offset in range(0, 1_000_000, 1000):  # the listing's pages are at most 1,000 items
        page = requests.get(server.url + "/admin/collections/crash/items",
                            params={"limit": 1000, "offset": offset, "fields": "id"}, timeout=TIMEOUT).json()["data"]
        stored |= {item["id"] for item in page}
        if len(page) < 1000:
            break
    missing = set(items) - stored
    assert not missing, f"{len(missing)} acknowledged items lost: {sorted(missing)[:10]}"
    stored_events = requests.get(f"{server.url}/admin/gateways/{gateway['id']}/events", timeout=TIMEOUT).json()["events"]
    lost = set(events) - {event["eventName"] for event in stored_events}
    assert not lost, f"{len(lost)} acknowledged events lost: {sorted(lost)[:10]}"
    synced = next(g for g in requests.get(server.url + "/admin/gateways", timeout=TIMEOUT).json()["gateways"]
                  if g["path"] == "/synced")
    names = sorted(e["eventName"] for e in
                   requests.get(f"{server.url}/admin/gateways/{synced['id']}/events", timeout=TIMEOUT).json()["events"])
    assert names in (VERSIONS["a"], VERSIONS["b"]), f"a half-applied sync: {names}"
    print(json.dumps({"loops": LOOPS, "items_acknowledged": len(items), "events_acknowledged": len(events),
                      "syncs_completed": len(syncs)}))
