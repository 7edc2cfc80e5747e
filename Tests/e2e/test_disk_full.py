"""A full disk under the daemon (its SQLite database on a 1 MiB tmpfs): writes fail with a clear error —
`507 STORAGE_FULL` from the admin API (collections and config), `SERVICE_UNAVAILABLE` "out of space" to a handler's `DB` write — while the
daemon keeps serving sockets: events that do not write still run, and new clients still connect."""
import subprocess
import uuid

import pytest

from conftest import BIN_DIR, ON_POSTGRES
from gateway_support import Client, admin, write_gateway

pytestmark = pytest.mark.skipif(ON_POSTGRES, reason="fills the SQLite database's own disk")


@pytest.fixture
def small_disk(tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.strip()}")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=True)


def test_a_full_disk_fails_writes_clearly_and_sockets_are_still_served(start_server, tmp_path, small_disk):
    handlers = tmp_path / "handlers"
    write_gateway(handlers, "full", "/chat", {
        "echo": "return BODY",
        "store": 'return DB.notes.create{data = {text = BODY.text}}',
    })
    server = start_server([BIN_DIR / "gatewayd", "serve", "--host", "127.0.0.1", "--port", "0",
                           "--db", small_disk / "db.sqlite", "--handlers", handlers])
    client = Client(server, ["/chat"])
    try:
        blob = "x" * 4000
        answer = None
        for n in range(1000):  # 4 MB at most: far past the disk
            answer = admin(server, "POST", "/admin/collections/filler/items", {"id": f"f{n}", "blob": blob})
            if answer.status_code != 201:
                break
        assert answer.status_code == 507, answer.text
        error = answer.json()["error"]
        assert error["code"] == "STORAGE_FULL" and "out of space" in error["message"], error

        # So does a config write.
        made = admin(server, "POST", "/admin/gateways", {"path": "/more", "description": "d" * 200_000})
        assert made.status_code == 507 and made.json()["error"]["code"] == "STORAGE_FULL", made.text
        # A handler's write fails the same way, named.
        client.call("store", {"text": "y" * 50_000})
        failure = client.got("ws:error")[0][0]
        assert failure["code"] == "SERVICE_UNAVAILABLE" and "out of space" in failure["message"], failure
        # Events that do not write run, and a new client connects and is served.
        client.call("echo", {"n": 1})
        assert client.got("ws:result")[0][0]["result"] == {"n": 1}
        other = Client(server, ["/chat"], transports=["polling"])
        marker = str(uuid.uuid4())
        other.call("echo", {"marker": marker})
        assert other.got("ws:result")[0][0]["result"] == {"marker": marker}
        other.close()
        assert admin(server, "GET", "/healthz").status_code == 200
    finally:
        client.close()
        server.stop()
