"""Who may use the admin API without a token: unforwarded loopback requests to a loopback-bound daemon, and nobody
else unless `--admin-insecure-loopback` says so. Behind a proxy on the same host every request comes from 127.0.0.1,
so a forwarding header must be refused. On PostgreSQL there is no tokenless admin API: a daemon there is a cluster
node, which refuses to start without a token (the last test); the tokenless tests run on SQLite."""
import subprocess

import pytest
import requests

from conftest import BIN_DIR, ON_POSTGRES, clean_environment, database, tokenless_admin_api

TIMEOUT = 10
FORWARDING_HEADERS = {
    "X-Forwarded-For": "203.0.113.9",
    "Forwarded": "for=203.0.113.9",
    "X-Real-IP": "203.0.113.9",
    "X-Forwarded-Host": "example.com",
}
TEST_RUN = {"kind": "websocket_event", "eventName": "sum", "script": "return 1 + 1"}


def serve(start_server, tmp_path, *options, env=None):
    return start_server([BIN_DIR / "gatewayd", "serve", "--port", "0", "--db", database(tmp_path / "db.sqlite"),
                         "--no-sync", *options], env=env)


def forbidden(response, *words):
    assert response.status_code == 403, response.text
    error = response.json()["error"]
    assert error["code"] == "FORBIDDEN"
    for word in words:
        assert word in error["message"], error["message"]
    return error["message"]


def loopback_url(server):
    """Where the tests reach a daemon, whatever it is bound to: 127.0.0.1 only, never another interface."""
    return f"http://127.0.0.1:{server.port}"


def get_gateways(server, headers=None):
    return requests.get(loopback_url(server) + "/admin/gateways", headers=headers or {}, timeout=TIMEOUT)


def post_test_run(server, headers=None):
    return requests.post(loopback_url(server) + "/admin/test/run", json=TEST_RUN, headers=headers or {}, timeout=TIMEOUT)


@tokenless_admin_api
@pytest.mark.parametrize("header", FORWARDING_HEADERS)
def test_a_forwarded_request_without_a_token_is_refused(start_server, tmp_path, header):
    server = serve(start_server, tmp_path, "--host", "127.0.0.1")
    headers = {header: FORWARDING_HEADERS[header]}
    forbidden(get_gateways(server, headers), "--admin-token", header.lower())
    forbidden(post_test_run(server, headers), "--admin-token")
    # The same request, unforwarded, is let in: the header is what was refused.
    assert get_gateways(server).status_code == 200
    run = post_test_run(server)
    assert run.status_code == 200 and run.json()["result"] == 2


def test_with_a_token_forwarded_requests_are_fine(start_server, tmp_path):
    server = serve(start_server, tmp_path, "--host", "127.0.0.1", "--admin-token", "s3cret")
    headers = {**FORWARDING_HEADERS, "Authorization": "Bearer s3cret"}
    assert get_gateways(server, headers).status_code == 200
    assert post_test_run(server, headers).json()["result"] == 2
    assert get_gateways(server, FORWARDING_HEADERS).status_code == 401
    # A wrong token of the right one's length is refused too, forwarded or not.
    wrong = {"Authorization": "Bearer s3crex"}
    assert get_gateways(server, {**FORWARDING_HEADERS, **wrong}).status_code == 401
    assert get_gateways(server, wrong).status_code == 401


@tokenless_admin_api
def test_a_loopback_daemon_without_a_token_warns_at_start_up(start_server, tmp_path):
    server = serve(start_server, tmp_path, "--host", "127.0.0.1")
    assert get_gateways(server).status_code == 200
    assert any("admin API has no token" in line and "warning" in line for line in server.errors), server.errors


# The next two tests are about binding every interface, so they bind it; they still only connect via 127.0.0.1.
@tokenless_admin_api
@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_beyond_loopback_without_a_token_the_admin_api_refuses_everyone(start_server, tmp_path, host):
    server = serve(start_server, tmp_path, "--host", host)
    message = forbidden(get_gateways(server), "--admin-token", "--admin-insecure-loopback")
    forbidden(post_test_run(server), "--admin-token")
    assert "beyond loopback" in message
    assert any("refused" in line and "warning" in line for line in server.errors), server.errors
    # Health checks need no token and still answer.
    assert requests.get(loopback_url(server) + "/healthz", timeout=TIMEOUT).status_code == 200


@tokenless_admin_api
@pytest.mark.parametrize("opt_in", [("--admin-insecure-loopback",), ()], ids=["flag", "environment"])
def test_the_insecure_loopback_opt_in_lets_loopback_clients_in_beyond_loopback(start_server, tmp_path, opt_in):
    env = None if opt_in else {"GATEWAYD_ADMIN_INSECURE_LOOPBACK": "true"}
    server = serve(start_server, tmp_path, "--host", "0.0.0.0", *opt_in, env=env)
    assert get_gateways(server).status_code == 200
    assert post_test_run(server).json()["result"] == 2
    # Still no forwarded requests without a token.
    forbidden(get_gateways(server, {"X-Forwarded-For": "203.0.113.9"}), "--admin-token")
    assert any("--admin-insecure-loopback" in line and "warning" in line for line in server.errors), server.errors


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL only: on SQLite a daemon starts without a token (above)")
def test_on_postgresql_a_daemon_without_a_token_refuses_to_start(tmp_path):
    # An empty GATEWAYD_ADMIN_TOKEN is no token, and keeps the harness from giving its own.
    refused = subprocess.run([str(BIN_DIR / "gatewayd"), "serve", "--port", "0", "--host", "127.0.0.1",
                              "--db", database(tmp_path / "db.sqlite"), "--no-sync"],
                             capture_output=True, text=True, timeout=60,
                             env=clean_environment({"GATEWAYD_ADMIN_TOKEN": ""}))
    assert refused.returncode == 2, refused.stderr
    assert "LISTENING" not in refused.stdout
    assert "--admin-token" in refused.stderr, refused.stderr
