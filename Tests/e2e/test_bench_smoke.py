"""Smoke test of the load generator (`gateway-bench`) against the running daemon, so the benchmark cannot rot.

Runs each scenario for a second or two over real WebSocket connections to `gatewayd serve` with the shipped
`bench/handlers` and checks the JSON line the generator prints. Speed itself is measured by `make bench`, not here.
E2E_GATEWAY_BENCH names another generator binary than `.build/debug/gateway-bench` (one built elsewhere).
"""
import json
import os
import subprocess

import sys

import requests
from pathlib import Path

from conftest import BIN_DIR, ROOT
from gateway_support import admin, serve

sys.path.insert(0, str(ROOT / "bench"))
from run import LOAD_GENERATOR_LIMITS  # noqa: E402 - bench/ is not a package

GENERATOR = Path(os.environ.get("E2E_GATEWAY_BENCH") or BIN_DIR / "gateway-bench")


def serve_bench(start_server, tmp_path, *extra):
    """The daemon on the shipped bench handlers, as `make bench` runs it: a generator is no client to rate-limit."""
    return serve(start_server, tmp_path, ROOT / "bench" / "handlers", *LOAD_GENERATOR_LIMITS, *extra)


def run_bench(server, *options, timeout=60):
    completed = subprocess.run(
        [GENERATOR, "--url", server.url, "--label", "smoke", *[str(o) for o in options]],
        capture_output=True, text=True, timeout=timeout,
    )
    lines = completed.stdout.strip().splitlines()
    assert len(lines) == 1, f"expected one JSON line, got {completed.stdout!r}; stderr: {completed.stderr}"
    return completed.returncode, json.loads(lines[0])


def assert_latency(summary, count_at_least=1):
    assert summary["count"] >= count_at_least
    assert 0 < summary["p50_us"] <= summary["p90_us"] <= summary["p99_us"] <= summary["p999_us"] <= summary["max_us"]


def assert_rss_per_connection(report, connections):
    """The retained RSS per connection is the two readings' difference over the connections, as the report says it
    is (Swift's integer division, which truncates toward zero)."""
    grown = (report["server_rss_kb"] - report["server_rss_kb_before"]) * 1024
    expected = abs(grown) // connections * (1 if grown >= 0 else -1)
    assert report["rss_per_conn_bytes"] == expected, report


def test_echo_ack_two_seconds(start_server, tmp_path):
    server = serve_bench(start_server, tmp_path)
    code, report = run_bench(server, "--scenario", "echo-ack", "--connections", 4, "--in-flight", 2,
                             "--duration", 2, "--warmup", 0.5, "--server-pid", server.proc.pid)
    assert code == 0
    assert report["scenario"] == "echo-ack" and report["label"] == "smoke"
    assert report["connected"] == 4 and report["errors"] == 0, report["error_kinds"]
    assert report["events"] > 0 and report["throughput"] > 0
    assert_latency(report["ack"], count_at_least=report["events"])
    assert "result" not in report
    # The server did the acking, so it used CPU over the window; per ack it is that over the events.
    assert report["generator_threads"] == 1
    assert report["server_cpu_s"] > 0
    assert abs(report["server_cpu_us_per_unit"] - report["server_cpu_s"] * 1e6 / report["events"]) < 1e-6 * report["server_cpu_us_per_unit"] + 1e-9


def test_pipeline_measures_ack_and_ws_result(start_server, tmp_path):
    server = serve_bench(start_server, tmp_path)
    code, report = run_bench(server, "--scenario", "pipeline", "--connections", 3, "--rate", 20,
                             "--duration", 1.5, "--warmup", 0.5)
    assert code == 0 and report["errors"] == 0, report["error_kinds"]
    assert report["rate_per_connection"] == 20
    assert_latency(report["ack"])
    assert_latency(report["result"])
    # ws:result comes after the ack for the same request, so its distribution cannot sit below the ack's.
    assert report["result"]["p50_us"] >= report["ack"]["p50_us"]


def test_fanout_delivers_to_every_subscriber(start_server, tmp_path):
    server = serve_bench(start_server, tmp_path)
    code, report = run_bench(server, "--scenario", "fanout", "--connections", 20, "--publishers", 1,
                             "--in-flight", 1, "--duration", 1.5, "--warmup", 0.5)
    assert code == 0 and report["errors"] == 0, report["error_kinds"]
    assert report["connected"] == 21
    assert report["events"] > 0
    assert_latency(report["delivery"])
    # Every publish reaches the 20 subscribers; publishes still in flight at either edge of the window blur it.
    assert report["deliveries"] >= 20 * (report["events"] - 2)
    # Over the whole run, once the deliveries settled: each acked publish reached each of the 20, none more.
    assert report["publishes_acked"] > 0 and report["publishes_unacked"] == 0
    assert report["deliveries_expected"] == 20 * report["publishes_acked"]
    assert report["deliveries_total"] == report["deliveries_expected"], report
    assert report["deliveries_missing"] == 0 and report["deliveries_extra"] == 0
    assert "targets" not in report


def test_fanout_on_two_threads_shares_flow_control(start_server, tmp_path):
    server = serve_bench(start_server, tmp_path)
    code, report = run_bench(server, "--scenario", "fanout", "--connections", 20, "--publishers", 2,
                             "--in-flight", 1, "--duration", 1.5, "--warmup", 0.5, "--threads", 2)
    assert code == 0 and report["errors"] == 0, report["error_kinds"]
    assert report["generator_threads"] == 2 and report["connected"] == 22
    # The shards' deliveries are summed and their histograms merged: one count for all 20 subscribers.
    assert report["delivery"]["count"] == report["deliveries"]
    assert report["deliveries"] >= 20 * (report["events"] - 4)


def test_fanout_over_two_urls_reports_each(start_server, tmp_path):
    """Two --url (the same server twice, as a cluster's nodes would be): subscribers round-robin over them across
    both shards, the publisher on the first, each URL's deliveries and latencies reported; two --server-pid summed."""
    server = serve_bench(start_server, tmp_path)
    other_pid = os.getpid()  # a second process to read: this test's own
    code, report = run_bench(server, "--url", server.url, "--scenario", "fanout", "--connections", 21,
                             "--publishers", 1, "--in-flight", 1, "--duration", 1.5, "--warmup", 0.5, "--threads", 2,
                             "--server-pid", server.proc.pid, "--server-pid", other_pid)
    assert code == 0 and report["errors"] == 0, report["error_kinds"]
    first, second = report["targets"]
    assert first["url"] == second["url"] == server.url == report["url"]
    # 21 subscribers alternate over the two URLs whatever shard opens them: 11 and 10, plus the publisher on the first.
    assert (first["subscribers"], second["subscribers"]) == (11, 10)
    assert (first["connected"], second["connected"]) == (12, 10)
    assert first["deliveries"] + second["deliveries"] == report["deliveries"] > 0
    for target in (first, second):
        assert target["delivery"]["count"] == target["deliveries"]
        assert target["deliveries_expected"] == target["subscribers"] * report["publishes_acked"]
        assert target["deliveries_total"] == target["deliveries_expected"] and target["deliveries_missing"] == 0
    assert report["deliveries_missing"] == 0
    by_pid = report["server_cpu_s_by_pid"]
    assert set(by_pid) == {str(server.proc.pid), str(other_pid)}
    assert abs(sum(by_pid.values()) - report["server_cpu_s"]) < 1e-6
    assert sum(report["server_rss_kb_by_pid"].values()) == report["server_rss_kb"]


def test_churn_takes_one_url():
    completed = subprocess.run([GENERATOR, "--scenario", "churn", "--url", "http://127.0.0.1:1",
                                "--url", "http://127.0.0.1:2"], capture_output=True, text=True, timeout=30)
    assert completed.returncode != 0 and "--scenario churn takes one --url" in completed.stderr


def test_threads_beyond_connections_are_refused():
    completed = subprocess.run([GENERATOR, "--connections", "2", "--threads", "3"],
                               capture_output=True, text=True, timeout=30)
    assert completed.returncode != 0 and "--threads must be between 1 and --connections (2)" in completed.stderr


def test_idle_reports_server_memory(start_server, tmp_path):
    server = serve_bench(start_server, tmp_path)
    code, report = run_bench(server, "--scenario", "idle", "--connections", 200, "--duration", 1, "--warmup", 0,
                             "--server-pid", server.proc.pid)
    assert code == 0 and report["connected"] == 200 and report["errors"] == 0
    assert report["server_rss_kb"] > 0 and report["server_rss_kb_before"] > 0
    assert_rss_per_connection(report, 200)


def test_unknown_namespace_is_reported_not_hung(start_server, tmp_path):
    server = serve_bench(start_server, tmp_path)
    code, report = run_bench(server, "--namespace", "/missing", "--connections", 2, "--duration", 1, "--warmup", 0,
                             timeout=30)
    assert code != 0
    assert report["connected"] == 0 and report["error_kinds"].get("connect_error") == 2


def test_churn_reports_what_closed_connections_leave_behind(start_server, tmp_path):
    server = serve_bench(start_server, tmp_path)
    code, report = run_bench(server, "--scenario", "churn", "--connections", 300, "--churn-warmup", 50,
                             "--in-flight", 8, "--server-pid", server.proc.pid)
    assert code == 0 and report["errors"] == 0, report["error_kinds"]
    # Every churned connection read its open packet: the warm-up's are not counted.
    assert report["connected"] == 300 and report["events"] == 300
    assert report["throughput"] > 0
    assert report["server_rss_kb"] > 0 and report["server_rss_kb_before"] > 0
    assert_rss_per_connection(report, 300)


def test_fixed_workload_sends_exactly_its_events_between_the_hooks(start_server, tmp_path):
    server = serve_bench(start_server, tmp_path)
    marks = tmp_path / "marks"
    code, report = run_bench(server, "--scenario", "echo-ack", "--connections", 3, "--in-flight", 4,
                             "--events", 50, "--warmup-events", 7,
                             "--before-measure", f"echo before >> {marks}", "--after-measure", f"echo after >> {marks}")
    assert code == 0, report
    # Exactly the measured events, none of the warm-up's, each acked once.
    assert report["events"] == 50 and report["ack"]["count"] == 50 and report["errors"] == 0, report
    assert marks.read_text().split() == ["before", "after"]


def test_fixed_fanout_waits_for_every_delivery(start_server, tmp_path):
    server = serve_bench(start_server, tmp_path)
    code, report = run_bench(server, "--scenario", "fanout", "--connections", 5, "--publishers", 1,
                             "--in-flight", 1, "--events", 3, "--warmup-events", 1)
    assert code == 0, report
    assert report["events"] == 3 and report["deliveries"] == 15, report


def test_fixed_workload_refuses_an_open_loop():
    completed = subprocess.run([GENERATOR, "--events", "10", "--rate", "5"], capture_output=True, text=True, timeout=30)
    assert completed.returncode != 0 and "--events" in completed.stderr


def test_bench_cost_counts_instructions_under_callgrind(tmp_path):
    """make bench-cost's runner on a hundredth of its echo workload (100 acks) against gatewayd and the plain
    WebSocket echo, from the test build: every figure comes from a callgrind dump of the measured events."""
    completed = subprocess.run(
        [ROOT / ".venv-v5" / "bin" / "python", ROOT / "bench" / "cost.py", "--no-build", "--bin-dir", BIN_DIR,
         "--servers", "gatewayd,raw-ws", "--workloads", "echo-ack", "--scale", "0.01"],
        capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stderr[-3000:]
    records = [json.loads(line) for line in completed.stderr.splitlines() if line.startswith("{")]
    assert {(r["server"], r["workload"]) for r in records} == {("gatewayd", "echo-ack"), ("raw-ws", "echo-ack")}
    for record in records:
        assert record["units"] == record["events"] == 100 and "failed" not in record, record
        assert record["instructions"] > 0 and record["allocations_per_unit"] > 0, record
    by_server = {r["server"]: r for r in records}
    # Socket.IO, a Lua handler and the ack on top of the bare echo cost more than the echo alone.
    assert by_server["gatewayd"]["instructions_per_unit"] > by_server["raw-ws"]["instructions_per_unit"]
    assert "| echo-ack (per ack) |" in completed.stdout


def test_polling_upgrade_sockets_are_upgraded_websockets(start_server, tmp_path):
    """--transport polling-upgrade: every socket handshakes over long-polling and upgrades, as the official clients
    do. The daemon's live sockets, read while the run holds them (the --before-measure hook), say websocket; and the
    daemon received exactly two Engine.IO packets more per socket than from the same run straight over WebSocket:
    the probe (`2probe`) and the upgrade (`5`). Pings are an hour apart, so no pong counts."""
    server = serve_bench(start_server, tmp_path, "--ping-interval", 3_600_000)
    gateway = next(g for g in admin(server, "GET", "/admin/gateways").json()["gateways"] if g["path"] == "/bench")
    headers = " ".join(f"-H '{name}: {value}'" for name, value in server.admin_headers.items())

    def packets_in():
        metrics = requests.get(server.url + "/metrics", headers=server.admin_headers, timeout=10).text
        # Absent until the first packet arrives.
        return next((float(line.split()[-1]) for line in metrics.splitlines()
                     if line.startswith('gatewayd_packets_total{direction="in"}')), 0.0)

    received = {}
    for transport in ("websocket", "polling-upgrade"):
        listing = tmp_path / f"sockets-{transport}.json"
        before = packets_in()
        code, report = run_bench(server, "--scenario", "echo-ack", "--transport", transport, "--connections", 3,
                                 "--in-flight", 2, "--events", 30, "--warmup-events", 3, "--before-measure",
                                 f"curl -sf {headers} {server.url}/admin/gateways/{gateway['id']}/sockets > {listing}")
        assert code == 0, report
        assert report["transport"] == transport and report["events"] == 30 and report["errors"] == 0, report
        sockets = json.loads(listing.read_text())["sockets"]
        assert [s["transport"] for s in sockets] == ["websocket"] * 3
        received[transport] = packets_in() - before
    assert received["polling-upgrade"] - received["websocket"] == 2 * 3, received
