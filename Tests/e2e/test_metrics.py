"""`GET /metrics` (issue 24): Prometheus' text format from swift-metrics + swift-prometheus, behind the admin auth rule
unless `--metrics-public`, off with `--no-metrics`. Real python-socketio clients over WebSocket and polling move the
counters: connections by gateway and transport, events by outcome (an unconfigured event under `_unknown`), handler
run times, emits, `DB` calls, packets and bytes, disconnections by reason."""
import json
import re

import pytest
import requests

from conftest import ROOT, wait_until
from gateway_support import TIMEOUT, Client, connect_when_served, serve, write_gateway

TOKEN = "metrics-admin-token-0123456789"
LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def scrape(server, headers=None):
    """The samples of one scrape, by name and labels; with the admin headers the harness gave `server` unless told."""
    response = requests.get(server.url + "/metrics", headers=server.admin_headers if headers is None else headers,
                            timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    samples = {}
    for line in response.text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = LINE.match(line)
        assert match, f"not an exposition line: {line!r}"
        name, labels, value = match.groups()
        samples[(name, tuple(sorted(LABEL.findall(labels or ""))))] = float(value)
    return samples


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def handlers(tmp_path):
    root = tmp_path / "handlers"
    write_gateway(root, "metered", "/metered", {
        "save": ('DB.notes.create{data = {text = BODY.text}} SOCKET.reply("saved", BODY) return true', {"ack": "result"}),
        "fail": ('THROW.notFound("nothing here")', {"ack": "result"}),
    })
    return root


def test_metrics_need_the_admin_token_unless_public(start_server, tmp_path, handlers):
    server = serve(start_server, tmp_path, handlers, "--admin-token", TOKEN)
    assert requests.get(server.url + "/metrics", timeout=TIMEOUT).status_code == 401
    wrong = {"Authorization": "Bearer " + "x" * len(TOKEN)}
    refused = requests.get(server.url + "/metrics", headers=wrong, timeout=TIMEOUT)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "UNAUTHORIZED"
    assert value(scrape(server, {"Authorization": f"Bearer {TOKEN}"}), "gatewayd_config_revision") >= 1


def test_public_metrics_and_no_metrics(start_server, tmp_path, handlers):
    public = serve(start_server, tmp_path, handlers, "--admin-token", TOKEN, "--metrics-public")
    assert value(scrape(public, headers={}), "process_resident_memory_bytes") > 0
    off = serve(start_server, tmp_path, handlers, "--admin-token", TOKEN, "--no-metrics")
    assert requests.get(off.url + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=TIMEOUT).status_code == 404


def test_real_clients_move_the_counters(start_server, tmp_path, handlers):
    server = serve(start_server, tmp_path, handlers)
    before = scrape(server)
    websocket = Client(server, ["/metered"], transports=("websocket",))
    polling = Client(server, ["/metered"], transports=("polling",))
    try:
        assert websocket.call("save", {"text": "a"}, namespace="/metered") is True
        assert polling.call("save", {"text": "b"}, namespace="/metered") is True
        failed = websocket.call("fail", {}, namespace="/metered")
        assert failed["error"]["code"] == "NOT_FOUND"
        unknown = websocket.call("nobodyHandlesThis", {}, namespace="/metered")
        assert unknown["error"]["code"] == "NO_HANDLER"
        samples = scrape(server)
        assert value(samples, "gatewayd_connections", gateway="/metered", transport="websocket") == 1
        assert value(samples, "gatewayd_connections", gateway="/metered", transport="polling") == 1
        assert value(samples, "gatewayd_connections_total", gateway="/metered") == 2
        assert value(samples, "gatewayd_events_total", gateway="/metered", event="save", outcome="ok") == 2
        assert value(samples, "gatewayd_events_total", gateway="/metered", event="fail", outcome="NOT_FOUND") == 1
        assert value(samples, "gatewayd_events_total", gateway="/metered", event="_unknown", outcome="NO_HANDLER") == 1
        assert value(samples, "gatewayd_handler_duration_seconds_count", gateway="/metered", kind="event") == 3
        assert value(samples, "gatewayd_queue_wait_seconds_count") - value(before, "gatewayd_queue_wait_seconds_count") == 3
        assert value(samples, "gatewayd_emits_total", target="reply") == 2
        assert value(samples, "gatewayd_db_queries_total", op="create") == 2
        for direction in ("in", "out"):
            assert value(samples, "gatewayd_packets_total", direction=direction) > value(before, "gatewayd_packets_total", direction=direction)
            assert value(samples, "gatewayd_bytes_total", direction=direction) > value(before, "gatewayd_bytes_total", direction=direction)
        assert value(samples, "gatewayd_lua_memory_bytes") > 0
    finally:
        websocket.close()
        polling.close()
    # Both clients left — python-socketio's polling client as `transport close` — and every figure follows.
    def left():
        return {dict(labels)["reason"]: count for (name, labels), count in scrape(server).items()
                if name == "gatewayd_disconnections_total" and dict(labels)["gateway"] == "/metered"}
    assert wait_until(lambda: sum(left().values()) == 2, timeout=TIMEOUT), left()
    assert left().get("client namespace disconnect", 0) >= 1
    assert set(left()) <= {"client namespace disconnect", "transport close"}, left()
    samples = scrape(server)
    assert value(samples, "gatewayd_connections", gateway="/metered", transport="websocket") == 0
    assert value(samples, "gatewayd_connections", gateway="/metered", transport="polling") == 0


def test_the_grafana_dashboard_reads_documented_metrics_that_the_daemon_serves(start_server, tmp_path, handlers):
    """deploy/grafana-dashboard.json queries only metrics docs/metrics.md documents; those a single node serves once a
    client has sent an event are in its scrape under those names."""
    dashboard = json.loads((ROOT / "deploy" / "grafana-dashboard.json").read_text())
    queried = {name for panel in dashboard["panels"] for target in panel["targets"]
               for name in re.findall(r"\b((?:gatewayd|process)_[a-z_]+)\b", target["expr"])}
    documented = set(re.findall(r"`((?:gatewayd|process)_[a-z_]+)`", (ROOT / "docs" / "metrics.md").read_text()))
    histograms = {name.removesuffix("_bucket") for name in queried if name.endswith("_bucket")}
    assert {name.removesuffix("_bucket") for name in queried} <= documented, queried - documented
    server = serve(start_server, tmp_path, handlers)
    client = Client(server, ["/metered"])
    try:
        assert client.call("save", {"text": "a"}, namespace="/metered") is True
    finally:
        client.close()
    scraped = {name for name, _ in scrape(server)}
    # Not on one quiet node: the cluster's, and what only overload makes (slow clients closed, recovery evictions).
    special = {"gatewayd_cluster_messages_total", "gatewayd_cluster_request_timeouts_total",
               "gatewayd_outbound_closed_total", "gatewayd_recovery_evictions_total"}
    served = {name.removesuffix("_bucket") if name.removesuffix("_bucket") in histograms else name for name in scraped}
    assert {name.removesuffix("_bucket") for name in queried} - special <= served


def test_a_renamed_gateways_events_count_under_its_new_path(start_server, tmp_path, handlers):
    """Event handlers keep their metric handles from one reload to the next while their script is unchanged; a renamed
    gateway's runs count under its new path."""
    server = serve(start_server, tmp_path, handlers)
    gateways = requests.get(server.url + "/admin/gateways", headers=server.admin_headers, timeout=TIMEOUT).json()["gateways"]
    gateway_id = next(gateway["id"] for gateway in gateways if gateway["path"] == "/metered")
    renamed = requests.patch(f"{server.url}/admin/gateways/{gateway_id}", json={"path": "/renamed"},
                             headers=server.admin_headers, timeout=TIMEOUT)
    assert renamed.status_code == 200, renamed.text
    client = connect_when_served(server, "/renamed")
    assert client is not None, "the renamed gateway was never served"
    try:
        assert client.call("save", {"text": "a"}, namespace="/renamed") is True
    finally:
        client.close()
    samples = scrape(server)
    assert value(samples, "gatewayd_events_total", gateway="/renamed", event="save", outcome="ok") == 1
    assert value(samples, "gatewayd_handler_duration_seconds_count", gateway="/renamed", kind="event") == 1
    assert value(samples, "gatewayd_events_total", gateway="/metered", event="save", outcome="ok") == 0
