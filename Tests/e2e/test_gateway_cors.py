"""CORS on the Socket.IO endpoint of `gatewayd serve`: off by default, an allow-list, or any origin."""
import requests

from gateway_support import serve, write_gateway

POLL = "/socket.io/?EIO=4&transport=polling"


def start(start_server, tmp_path, *cors):
    handlers = tmp_path / "handlers"
    write_gateway(handlers, "chat", "/chat", {"ping": "return 1"})
    return serve(start_server, tmp_path, handlers, *cors)


def test_cors_is_off_by_default(start_server, tmp_path):
    server = start(start_server, tmp_path)
    response = requests.get(server.url + POLL, headers={"Origin": "https://app.example"}, timeout=5)
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


def test_allow_list_reflects_listed_origins_only(start_server, tmp_path):
    server = start(start_server, tmp_path, "--cors-origin", "https://app.example", "--cors-origin", "https://admin.example")
    allowed = requests.get(server.url + POLL, headers={"Origin": "https://admin.example"}, timeout=5)
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://admin.example"
    assert allowed.headers["Vary"] == "Origin"
    assert allowed.headers["Access-Control-Allow-Credentials"] == "true"
    refused = requests.get(server.url + POLL, headers={"Origin": "https://evil.example"}, timeout=5)
    assert "Access-Control-Allow-Origin" not in refused.headers
    preflight = requests.options(server.url + POLL, headers={
        "Origin": "https://app.example", "Access-Control-Request-Method": "POST"}, timeout=5)
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]


def test_any_origin(start_server, tmp_path):
    server = start(start_server, tmp_path, "--cors-origin", "*")
    # With credentials (the default) the origin is reflected, as socket.io's `origin: true` does: browsers refuse `*`.
    response = requests.get(server.url + POLL, headers={"Origin": "https://anywhere.example"}, timeout=5)
    assert response.headers["Access-Control-Allow-Origin"] == "https://anywhere.example"
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert response.headers["Vary"] == "Origin"


def test_any_origin_without_credentials(start_server, tmp_path):
    server = start(start_server, tmp_path, "--cors-origin", "*", "--no-cors-credentials")
    response = requests.get(server.url + POLL, headers={"Origin": "https://anywhere.example"}, timeout=5)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
