"""The README's first five minutes: `scripts/run.sh` exactly as the README runs it (only the port, the database file and
the handlers folder moved, through the environment, so the test cannot collide with a developer's daemon or change the
repository's handlers), then the README's own curl — read out of the README — whose answer must be the one the README
shows, a Socket.IO client on `/chat`, then the README's tour: its Python client, its new handler loaded with
`handlers sync` and tested with its curl, and its metrics query."""
import json
import os
import re
import shutil
import subprocess

import socketio

from conftest import ROOT, tokenless_admin_api, wait_until
from gateway_support import TIMEOUT

README = (ROOT / "README.md").read_text()


def readme_block(language, containing):
    """The first fenced block of `language` in the README that contains `containing`."""
    for block in re.findall(rf"```{language}\n(.*?)```", README, flags=re.S):
        if containing in block:
            return block
    raise AssertionError(f"README has no ```{language} block with {containing!r}")


def without_request_ids(value):
    if isinstance(value, dict):
        return {key: "<id>" if key == "requestId" else without_request_ids(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_request_ids(item) for item in value]
    return value


# The README's quick start is the embedded default, SQLite, whose loopback admin API the README's curl uses without a
# token.
@tokenless_admin_api
def test_run_sh_then_the_readme_curl_then_a_client(start_server, tmp_path):
    first = readme_block("sh", "scripts/run.sh")
    assert first.splitlines()[0].split("#")[0].strip() == "scripts/run.sh"
    handlers = tmp_path / "handlers"
    shutil.copytree(ROOT / "handlers", handlers)
    moved = {"GATEWAYD_DB": str(tmp_path / "gatewayd.sqlite"), "GATEWAYD_HANDLERS": str(handlers)}
    server = start_server([ROOT / "scripts" / "run.sh"], cwd=tmp_path, ready_timeout=900, env={"GATEWAYD_PORT": "0", **moved})
    assert any("admin API has no token" in line and "127.0.0.1" in line for line in server.errors), \
        "run.sh says at start that the admin API answers this machine without a token"

    curl = readme_block("sh", "/admin/test/run").replace("127.0.0.1:3000", f"127.0.0.1:{server.port}")
    assert f":{server.port}/admin/test/run" in curl
    done = subprocess.run(["bash", "-c", curl], capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr
    shown = json.loads(readme_block("json", '"emitToRoom"'))
    assert without_request_ids(json.loads(done.stdout)) == without_request_ids(shown)

    client = socketio.Client(reconnection=False)
    results = []
    client.on("ws:result", lambda data: results.append(data), namespace="/chat")
    try:
        client.connect(f"http://127.0.0.1:{server.port}", namespaces=["/chat"], transports=["websocket"], wait_timeout=TIMEOUT)
        ack = client.call("message", {"room": "lobby", "text": "hi"}, namespace="/chat", timeout=TIMEOUT)
        assert ack["accepted"] is True and ack["eventName"] == "message"
        assert wait_until(lambda: results, timeout=TIMEOUT), "ws:result of the acked message"
        assert results[0]["requestId"] == ack["requestId"]
        assert results[0]["result"]["text"] == "hi"
    finally:
        client.disconnect()

    # The tour. Its Python client prints the ack, then the result.
    snippet = readme_block("python", "socketio.Client()").replace("127.0.0.1:3000", f"127.0.0.1:{server.port}")
    ran = subprocess.run([ROOT / ".venv-v5" / "bin" / "python", "-c", snippet], capture_output=True, text=True, timeout=TIMEOUT)
    assert ran.returncode == 0, ran.stderr
    printed = ran.stdout.splitlines()
    assert printed[0].startswith("ack: {") and "'accepted': True" in printed[0], printed
    assert printed[1].startswith("result: {") and "'text': 'hi'" in printed[1], printed

    # Its handler, saved where it says, loaded by its sync command (run from the repository, as the README does).
    lua = readme_block("lua", "shout")
    (handlers / "chat" / "events" / "shout.lua").write_text(lua)
    sync = readme_block("sh", "handlers sync").strip()
    synced = subprocess.run(["bash", "-c", sync], cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT,
                            env={**os.environ, **moved})
    assert synced.returncode == 0, synced.stderr

    # Its curl, once the daemon serves the synced handler (within ~0.5 s), answers what the README shows.
    test_run = readme_block("sh", '"eventName": "shout"').replace("127.0.0.1:3000", f"127.0.0.1:{server.port}")

    def shout():
        answer = json.loads(subprocess.run(["bash", "-c", test_run], capture_output=True, text=True, timeout=TIMEOUT).stdout)
        return answer if answer.get("success") else None

    answer = wait_until(shout, timeout=TIMEOUT)
    assert answer == json.loads(readme_block("json", '"HELLO!"'))

    # Its metrics query shows the events of the client above.
    metrics = re.search(r"`(curl -s http://127\.0\.0\.1:3000/metrics[^`]*)`", README).group(1)
    counted = subprocess.run(["bash", "-c", metrics.replace("127.0.0.1:3000", f"127.0.0.1:{server.port}")],
                             capture_output=True, text=True, timeout=TIMEOUT)
    assert 'gatewayd_events_total{gateway="/chat",event="message",outcome="ok"} 2' in counted.stdout, counted.stdout
