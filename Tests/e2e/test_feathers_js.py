"""The official JavaScript client — socket.io-client 4.8.1, the browser bundle fetched by scripts/setup.sh — in Node,
over polling and over WebSocket, making every call of @feathersjs/socketio-client's "Direct connection" section as
the document writes it (Tests/e2e/js/feathers_direct.mjs) against examples/feathers."""
import json
import shutil
import subprocess

import pytest

from conftest import ROOT
from gateway_support import node_environment, serve

SCRIPT = ROOT / "Tests" / "e2e" / "js" / "feathers_direct.mjs"


def run(server, mode):
    assert shutil.which("node"), "node is installed by scripts/setup.sh --test-clients"
    assert (ROOT / ".cache" / "js" / "socket.io.min.js").exists(), "scripts/setup.sh --test-clients fetches the client"
    done = subprocess.run(["node", "--experimental-websocket", str(SCRIPT), server.url, mode],
                          capture_output=True, text=True, timeout=180, env=node_environment(server))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def ok(answer):
    """`callback(null, data)`: the data."""
    assert len(answer) == 2 and answer[0] is None, answer
    return answer[1]


def failed(answer):
    """`callback(error)`: the error object."""
    assert answer[0] is not None, answer
    return answer[0]


def without_times(record):
    return {key: value for key, value in record.items() if key not in ("createdAt", "updatedAt")}


@pytest.mark.parametrize("mode", ["polling", "websocket"])
def test_direct_connection_calls_as_written(start_server, tmp_path, mode):
    server = serve(start_server, tmp_path, ROOT / "examples" / "feathers")
    seen = run(server, mode)
    assert (seen["transport"], seen["headedTransport"]) == (mode, mode)

    # Authentication: local, then jwt from the connect handler after a reconnect (anonymous until then).
    user = ok(seen["signUp"])
    auth_result = ok(seen["authResult"])
    assert "password" not in user and auth_result["user"] == user and auth_result["accessToken"]
    assert failed(seen["afterReconnect"])["name"] == "NotAuthenticated"
    new_auth_result = ok(seen["newAuthResult"])
    assert new_auth_result["user"] == user and new_auth_result["authentication"]["strategy"] == "jwt"

    # create: with a callback, then an array without one (two `messages created`).
    message = ok(seen["create"])
    assert without_times(message) == {"id": 1, "text": "I really have to iron", "userId": user["id"]}
    assert [(m["id"], m["text"]) for m in seen["created"]] == [(1, "I really have to iron"), (2, "I really have to iron"),
                                                                (3, "Do laundry")]
    assert seen["created"][0] == message

    # get, with and without {fetch: 'all'}
    assert ok(seen["get"]) == message and ok(seen["getFetchAll"]) == message

    # update 2: replaced; patch 2: merged
    updated = ok(seen["update"])
    assert without_times(updated) == {"id": 2, "text": "I really have to do laundry", "userId": user["id"]}
    assert seen["updatedEvent"] == updated
    patched = ok(seen["patch"])
    assert without_times(patched) == {**without_times(updated), "read": True} and seen["patchedEvent"] == patched

    # find {status: 'read', user: 10}
    page = ok(seen["find"])
    assert page["total"] == 1 and page["data"] == [ok(seen["readBy10"])]

    # update with a null id: no change, no event (the marker's event is the only one after update 2's), and with a
    # callback MethodNotAllowed.
    marker = ok(seen["updateMarker"])
    assert seen["updatedEvents"] == [updated, marker]
    incomplete = ok(seen["incomplete"])
    assert ok(seen["stillIncomplete"])["data"] == incomplete
    error = failed(seen["updateNull"])
    assert (error["name"], error["code"], error["message"]) == ("MethodNotAllowed", 405, "Can not update multiple entries")

    # patch with a null id: every match, as an array, one `messages patched` each.
    every = ok(seen["patchNull"])
    assert [(m["id"], m["complete"]) for m in every] == [(m["id"], True) for m in incomplete]
    assert seen["patchedEvents"] == [patched, *every]

    # remove 2 {cascade: true}; remove null {read: true} without a callback.
    assert ok(seen["remove"]) == patched and seen["removedEvent"] == patched
    read = ok(seen["read"])
    assert sorted(m["id"] for m in seen["removedEvents"][1:]) == sorted(m["id"] for m in read)
    assert [m["id"] for m in ok(seen["left"])["data"]] == [1, 3, 4, 5, 6, 7]

    # `update my/messages 1 … {}` and its `my/messages updated`; a custom `messages myevent`.
    mine = ok(seen["myUpdate"])
    assert without_times(mine) == {"id": 1, "text": "Updated text", "userId": user["id"]}
    assert seen["myUpdatedEvent"] == mine
    assert seen["myeventDelivered"] == {"delivered": 1} and seen["myevent"] == {"type": "custom"}

    # A service or a method that does not exist.
    assert (failed(seen["noService"])["name"], failed(seen["noService"])["code"]) == ("NotFound", 404)
    assert (failed(seen["noMethod"])["name"], failed(seen["noMethod"])["code"]) == ("MethodNotAllowed", 405)

    # extraHeaders: authenticated by the handshake, and in the authenticated channel.
    assert ok(seen["headedFind"])["total"] == len(ok(seen["left"])["data"])
    assert seen["headedCreated"] == ok(seen["last"])
