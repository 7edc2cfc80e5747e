"""The official JavaScript client — socket.io-client 4.8.1, the browser bundle fetched by scripts/setup.sh — in Node,
over polling, WebSocket and polling upgraded to WebSocket: Enfyra's chat flow on handlers/chat, the BAASIX scenario on
examples/baasix and a Feathers call sequence on examples/feathers (Tests/e2e/js/scenarios.mjs)."""
import json
import shutil
import subprocess

import pytest

from conftest import ROOT
from gateway_support import node_environment, serve, user_token

SCENARIOS = ROOT / "Tests" / "e2e" / "js" / "scenarios.mjs"
MODES = ["polling", "websocket", "upgrade"]


def run(scenario, server, mode, **options):
    assert shutil.which("node"), "node is installed by scripts/setup.sh --test-clients"
    assert (ROOT / ".cache" / "js" / "socket.io.min.js").exists(), "scripts/setup.sh --test-clients fetches the client"
    done = subprocess.run(["node", "--experimental-websocket", str(SCENARIOS), scenario, server.url, mode, json.dumps(options)],
                          capture_output=True, text=True, timeout=120, env=node_environment(server))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("mode", MODES)
def test_enfyra_chat_flow(start_server, tmp_path, mode):
    server = serve(start_server, tmp_path, ROOT / "handlers")
    seen = run("chat", server, mode)
    assert "user" not in seen["welcome"] and seen["welcome"]["id"]  # anonymous: USER is nil
    assert seen["join"]["accepted"] is True and seen["join"]["queued"] is True and seen["join"]["eventName"] == "joinRoom"
    assert seen["joinResult"]["requestId"] == seen["join"]["requestId"]
    assert seen["joinResult"]["result"] == {"room": "lobby", "members": 1}
    assert seen["ack"]["eventName"] == "message" and seen["result"]["requestId"] == seen["ack"]["requestId"]
    assert seen["result"]["success"] is True and seen["result"]["result"]["text"] == "hi"
    assert seen["heard"]["text"] == "hi" and seen["heard"]["room"] == "lobby"
    assert seen["transport"] == ("polling" if mode == "polling" else "websocket")


@pytest.mark.parametrize("mode", MODES)
def test_baasix_realtime(start_server, tmp_path, mode):
    server = serve(start_server, tmp_path, ROOT / "examples" / "baasix", "--path", "/realtime")
    seen = run("baasix", server, mode, token=user_token("ann"), userId="ann")
    assert seen["joinOwn"] == {"success": True} and seen["joinCollection"] == {"success": True}
    assert seen["joinOther"] == {"success": False, "message": "you may not join another user's room"}
    assert seen["created"]["collection"] == "posts" and seen["created"]["item"] == seen["item"]
    assert seen["created"]["userId"] is None and seen["created"]["timestamp"]
    assert seen["notification"]["notification"]["title"] == "ping"
    assert seen["transport"] == ("polling" if mode == "polling" else "websocket")


@pytest.mark.parametrize("mode", MODES)
def test_feathers_call_sequence(start_server, tmp_path, mode):
    server = serve(start_server, tmp_path, ROOT / "examples" / "feathers")
    seen = run("feathers", server, mode, email=f"{mode}@example.com")
    error, user = seen["signUp"]
    assert error is None and user["email"] == f"{mode}@example.com" and "password" not in user
    error, auth = seen["login"]
    assert error is None and auth["user"] == user and auth["authentication"]["strategy"] == "local"
    error, message = seen["create"]
    assert error is None and message["text"] == "hello from js" and seen["event"] == message
    error, page = seen["find"]
    assert error is None and page["total"] == 1 and page["data"] == [message]
    assert seen["notFound"][0]["name"] == "NotFound" and seen["notFound"][0]["code"] == 404
    assert seen["notAllowed"][0]["className"] == "method-not-allowed"
    assert seen["transport"] == ("polling" if mode == "polling" else "websocket")
