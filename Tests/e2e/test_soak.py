"""The soak's CI version: `bench/soak.py` for 60 s — 100 python-socketio clients (a tenth on polling) at 2 events a
second each in both ack modes, room broadcasts, emitToUser, leaves and joins, 5 reconnects a second and 3 clients
that never read — against a daemon on its default limits. Nothing lost, nothing answered twice, no unexpected
disconnect, descriptors back to their baseline, no error log record. The 10-minute run is in docs/hardening.md."""
import json
import os
import subprocess
import sys

import pytest

from conftest import BIN_DIR, ON_POSTGRES, ROOT

pytestmark = pytest.mark.skipif(ON_POSTGRES, reason="the soak runs its own SQLite daemon")


def test_a_minute_of_mixed_traffic_loses_nothing():
    duration = float(os.environ.get("E2E_SOAK_SECONDS", "60"))
    completed = subprocess.run(
        [sys.executable, ROOT / "bench" / "soak.py", "--bin-dir", BIN_DIR, "--duration", str(duration),
         "--clients", "100", "--rate", "2", "--reconnects", "5", "--slow-readers", "3"],
        capture_output=True, text=True, timeout=duration + 300)
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    summary = {key: value for key, value in report.items() if key != "samples"}
    assert completed.returncode == 0 and report["failures"] == [], summary
    # The mix really ran: every kind of traffic, and reconnects on top of the first connects.
    assert report["results_answered"] > 1000 and report["unanswered"] == 0 and report["answered_twice"] == 0, summary
    assert report["room_messages"] > 0 and report["user_messages"] > 0, summary
    assert report["connects"] > 100 + duration, summary
    assert report["fds_end"] <= report["fds_baseline"] and report["exit_status"] == 0, summary
