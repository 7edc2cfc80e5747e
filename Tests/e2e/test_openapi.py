"""The admin API's OpenAPI 3.1 description (issue 24): served at `GET /admin/openapi.json`; every route the daemon
registers (`gatewayd routes`) is in it and every route in it is registered; and schemathesis, a property-based
contract run, generates requests for every operation from it against the live daemon: no 5xx, every status and body
as the document says, and the daemon alive afterwards."""
import subprocess

import requests

from conftest import BIN_DIR, ROOT
from gateway_support import TIMEOUT, serve

TOKEN = "openapi-contract-admin-token-0123"
SCHEMATHESIS = ROOT / ".venv-v5" / "bin" / "schemathesis"
METHODS = {"get", "put", "post", "delete", "patch", "options", "head"}


def test_the_document_lists_exactly_the_registered_routes(start_server, tmp_path):
    server = serve(start_server, tmp_path, ROOT / "handlers", "--admin-token", TOKEN)
    assert requests.get(server.url + "/admin/openapi.json", timeout=TIMEOUT).status_code == 401
    response = requests.get(server.url + "/admin/openapi.json", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=TIMEOUT)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/json")
    document = response.json()
    assert document["openapi"] == "3.1.0"
    documented = {(method.upper(), path) for path, item in document["paths"].items() for method in item if method in METHODS}
    listed = subprocess.run([BIN_DIR / "gatewayd", "routes"], capture_output=True, text=True, timeout=TIMEOUT, check=True)
    registered = {tuple(line.split(" ", 1)) for line in listed.stdout.splitlines()}
    assert documented == registered
    # Every operation documents its errors (`{error: {code, message}}`), whatever their status.
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert "default" in operation["responses"] or path == "/healthz", (method, path)


def test_a_property_based_contract_run_finds_nothing(start_server, tmp_path):
    server = serve(start_server, tmp_path, ROOT / "handlers", "--admin-token", TOKEN)
    done = subprocess.run(
        [SCHEMATHESIS, "run", server.url + "/admin/openapi.json", "--header", f"Authorization: Bearer {TOKEN}",
         "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
         "--max-examples", "20", "--seed", "24", "--request-timeout", "30", "--no-color"],
        capture_output=True, text=True, timeout=900, cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:] + "".join(server.errors[-20:])
    assert "passed" in done.stdout and "failed" not in done.stdout.split("SUMMARY")[-1], done.stdout[-3000:]
    # Still serving.
    assert requests.get(server.url + "/healthz", timeout=TIMEOUT).json()["status"] == "ok"
