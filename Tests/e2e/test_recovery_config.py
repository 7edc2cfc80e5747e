"""End-to-end tests of a gateway's `recovery` setting (socket.io connection state recovery, issue 23) as configuration:
`gateway.json` and the admin API's gateway create / get / patch, on a real `gatewayd`. What the setting does to
connections is tested with the runtime."""
import subprocess

import pytest

from conftest import BIN_DIR, clean_environment, database
from gateway_support import admin, serve, write_gateway

DEFAULTS = {"enabled": False, "maxDisconnectionMs": 120000, "skipConnectionHandler": True}
KNOWN = "enabled, maxDisconnectionMs, skipConnectionHandler"


@pytest.fixture
def server(start_server, tmp_path):
    """A daemon with two folder gateways: `/recovering` sets `recovery` in its gateway.json, `/plain` does not."""
    handlers = tmp_path / "handlers"
    write_gateway(handlers, "recovering", "/recovering", recovery={"enabled": True, "maxDisconnectionMs": 30000})
    write_gateway(handlers, "plain", "/plain")
    return serve(start_server, tmp_path, handlers)


def gateway(server, path):
    response = admin(server, "GET", "/admin/gateways")
    assert response.status_code == 200, response.text
    return next(g for g in response.json()["gateways"] if g["path"] == path)


def created(server, **fields):
    response = admin(server, "POST", "/admin/gateways", {"path": "/api", **fields})
    assert response.status_code == 201, response.text
    return response.json()


def refused(response, field, message):
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("VALIDATION_ERROR", field), error
    assert message in error["message"], error
    return error


def test_gateway_json_recovery_is_stored_with_defaults_for_absent_keys(server):
    assert gateway(server, "/recovering")["recovery"] == {**DEFAULTS, "enabled": True, "maxDisconnectionMs": 30000}
    assert gateway(server, "/plain")["recovery"] == DEFAULTS


def test_create_with_recovery_and_get_shows_it(server):
    full = {"enabled": True, "maxDisconnectionMs": 60000, "skipConnectionHandler": False}
    made = created(server, recovery=full)
    assert made["recovery"] == full
    one = admin(server, "GET", f"/admin/gateways/{made['id']}")
    assert one.status_code == 200, one.text
    assert one.json()["recovery"] == full
    assert gateway(server, "/api")["recovery"] == full

    partial = created(server, path="/partial", recovery={"enabled": True})
    assert partial["recovery"] == {**DEFAULTS, "enabled": True}
    assert created(server, path="/none")["recovery"] == DEFAULTS


def test_patch_merges_recovery_field_by_field(server):
    made = created(server, recovery={"enabled": False, "maxDisconnectionMs": 60000, "skipConnectionHandler": False})
    url = f"/admin/gateways/{made['id']}"

    enabled = admin(server, "PATCH", url, {"recovery": {"enabled": True}})
    assert enabled.status_code == 200, enabled.text
    expected = {"enabled": True, "maxDisconnectionMs": 60000, "skipConnectionHandler": False}
    assert enabled.json()["recovery"] == expected
    assert enabled.json()["version"] == made["version"] + 1
    assert admin(server, "GET", url).json()["recovery"] == expected

    # Other fields leave it alone; an empty object changes nothing.
    described = admin(server, "PATCH", url, {"description": "d", "recovery": {}})
    assert described.status_code == 200, described.text
    assert described.json()["recovery"] == expected

    two = admin(server, "PATCH", url, {"recovery": {"maxDisconnectionMs": 1000, "skipConnectionHandler": True}})
    assert two.status_code == 200, two.text
    assert two.json()["recovery"] == {"enabled": True, "maxDisconnectionMs": 1000, "skipConnectionHandler": True}
    assert admin(server, "GET", url).json()["recovery"] == two.json()["recovery"]


@pytest.mark.parametrize("recovery, field, message", [
    ({"maxDisconnectionMs": 999}, "recovery.maxDisconnectionMs", "must be an integer between 1000 and 86400000"),
    ({"enabled": True, "maxDisconnectionMs": 86400001}, "recovery.maxDisconnectionMs",
     "must be an integer between 1000 and 86400000"),
    ({"maxDisconnectionMs": "120000"}, "recovery.maxDisconnectionMs", "must be an integer"),
    ({"maxDisconnectionMs": 1500.5}, "recovery.maxDisconnectionMs", "must be an integer"),
    ({"maxDisconnectionMs": 10 ** 20}, "recovery.maxDisconnectionMs", "must be an integer"),
    ({"enabled": "yes"}, "recovery.enabled", "must be true or false"),
    ({"enabled": True, "maxDisconnectMs": 5000}, "recovery.maxDisconnectMs", f"is not a known key (known: {KNOWN})"),
    (True, "recovery", f"must be an object with {KNOWN}"),
])
def test_bad_recovery_is_refused_naming_the_field(server, recovery, field, message):
    refused(admin(server, "POST", "/admin/gateways", {"path": "/bad", "recovery": recovery}), field, message)
    assert all(g["path"] != "/bad" for g in admin(server, "GET", "/admin/gateways").json()["gateways"])

    made = created(server, recovery={"enabled": True, "maxDisconnectionMs": 45000})
    url = f"/admin/gateways/{made['id']}"
    refused(admin(server, "PATCH", url, {"description": "not applied", "recovery": recovery}), field, message)
    after = admin(server, "GET", url).json()
    assert after == made


def test_sync_refuses_a_bad_recovery_naming_file_and_field(tmp_path):
    handlers = tmp_path / "handlers"
    write_gateway(handlers, "recovering", "/recovering", recovery={"enabled": True, "maxDisconnectionMs": 500})
    db = database(tmp_path / "db.sqlite")
    args = ["handlers", "sync", "--db", db, "--handlers", str(handlers)]
    done = subprocess.run([str(BIN_DIR / "gatewayd"), *args], capture_output=True, text=True, timeout=60,
                          env=clean_environment(None, args))
    assert done.returncode == 1, done.stderr
    assert (f"{handlers}/recovering/gateway.json: 'recovery.maxDisconnectionMs' must be an integer between 1000 and "
            "86400000") in done.stderr

    (handlers / "recovering" / "gateway.json").write_text(
        '{"path": "/recovering", "recovery": {"enabled": true, "maxDisconectionMs": 5000}}')
    done = subprocess.run([str(BIN_DIR / "gatewayd"), *args], capture_output=True, text=True, timeout=60,
                          env=clean_environment(None, args))
    assert done.returncode == 1, done.stderr
    assert f"{handlers}/recovering/gateway.json: 'recovery.maxDisconectionMs' is not a known key" in done.stderr
