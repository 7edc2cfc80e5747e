"""The gateway pipeline end to end: events run Lua handlers through the job queue, both ack modes with their
exact payload shapes, per-socket ordering, and queue limits (python-socketio 5.x)."""
import asyncio
import uuid

import pytest
import requests
import socketio

from gateway_support import admin, connect_refused, Client, serve, write_gateway

TRANSPORTS = {"polling": ["polling"], "websocket": ["websocket"]}

EVENTS = {
    "echo": 'LOGS("got", BODY)\nreturn BODY',
    "pair": "return ARGS[1], ARGS[2]",
    "nothing": "local x = 1",
    "fail": 'THROW.badRequest("bad input", {field = "x"})',
    "crash": "local t = nil\nreturn t.x",
    "sum": ('return ARGS[1] + ARGS[2], "sum"', {"ack": "result"}),
    "sumFail": ('THROW.conflict("taken", {id = 7})', {"ack": "result"}),
    # Held until the test writes the gate row `BODY.gate` (bounded by its timeout): work pending without a clock.
    "held": ('while not DB.gate.findOne{filter = {id = BODY.gate}} do end\nreturn BODY.n', {"timeoutMs": 60000}),
    "count": "return BODY",
}


@pytest.fixture
def gateway(start_server, tmp_path):
    handlers = tmp_path / "handlers"
    write_gateway(handlers, "chat", "/chat", EVENTS)
    return serve(start_server, tmp_path, handlers)


def is_uuid(text):
    return str(uuid.UUID(text)) == text


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_queued_mode_acks_at_once_then_sends_the_outcome(gateway, transport):
    client = Client(gateway, ["/chat"], transports=TRANSPORTS[transport])
    try:
        ack = client.call("echo", {"text": "hi"})
        assert ack["accepted"] is True and ack["queued"] is True and ack["eventName"] == "echo"
        assert is_uuid(ack["requestId"])
        assert set(ack) == {"accepted", "queued", "requestId", "eventName"}
        result = client.got("ws:result")[0][0]
        assert result == {"requestId": ack["requestId"], "eventName": "echo", "success": True,
                          "result": {"text": "hi"}, "logs": [["got", {"text": "hi"}]]}

        client.call("pair", 1, "two")
        assert client.got("ws:result", count=2)[1][0]["result"] == [1, "two"]
        client.call("nothing")
        assert client.got("ws:result", count=3)[2][0]["result"] is None

        ack = client.call("fail", {})
        error = client.got("ws:error")[0][0]
        assert error == {"requestId": ack["requestId"], "eventName": "fail", "success": False, "code": "BAD_REQUEST",
                         "message": "bad input", "logs": [], "details": {"field": "x"}}
        client.call("crash")
        error = client.got("ws:error", count=2)[1][0]
        assert error["code"] == "SCRIPT_ERROR" and error["message"].startswith("crash.lua:2:")
        assert error["details"] is None
    finally:
        client.close()


def test_no_handler_is_refused_in_the_ack(gateway):
    client = Client(gateway, ["/chat"])
    try:
        ack = client.call("unknown", 1)
        assert ack == {"accepted": False, "queued": False, "eventName": "unknown",
                       "error": {"code": "NO_HANDLER", "message": ack["error"]["message"]}}
        assert "unknown" in ack["error"]["message"]
    finally:
        client.close()


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_result_mode_acks_with_the_return_values(gateway, transport):
    client = Client(gateway, ["/chat"], transports=TRANSPORTS[transport])
    try:
        assert client.call("sum", 2, 3) == (5, "sum")
        assert client.call("sumFail", {}) == {"error": {"code": "CONFLICT", "message": "taken", "details": {"id": 7}}}
        # Result mode sends no ws:result. Marker down the same path: a queued-mode event's ws:result, sent to the same
        # socket after both; once it is in, the only ws:result is the marker's.
        marker = client.call("echo", "marker")
        assert client.got("ws:result")[0][0]["requestId"] == marker["requestId"]
        assert [r[0]["requestId"] for r in client.events.named(("/chat", "ws:result"))] == [marker["requestId"]]
    finally:
        client.close()


def test_event_without_ack_is_still_handled(gateway):
    client = Client(gateway, ["/chat"])
    try:
        client.sio.emit("echo", {"n": 1}, namespace="/chat")
        result = client.got("ws:result")[0][0]
        assert result["success"] is True and result["result"] == {"n": 1} and is_uuid(result["requestId"])
    finally:
        client.close()


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_events_of_one_socket_run_in_order(gateway, transport):
    async def scenario():
        import engineio
        engineio.payload.Payload.max_decode_packets = 1000
        client = socketio.AsyncClient(reconnection=False)
        results = []
        acks = []
        done = asyncio.Event()

        async def on_result(payload):
            results.append(payload["result"])
            if len(results) == 100:
                done.set()

        client.on("ws:result", on_result, namespace="/chat")
        await client.connect(gateway.url, namespaces=["/chat"], transports=TRANSPORTS[transport], wait_timeout=10)
        try:
            for n in range(100):
                await client.emit("count", n, namespace="/chat", callback=lambda ack: acks.append(ack))
            await asyncio.wait_for(done.wait(), 20)
            assert results == list(range(100))
            assert len(acks) == 100 and all(ack["accepted"] for ack in acks)
        finally:
            await client.disconnect()

    asyncio.run(scenario())


def open_gate(server, gate):
    response = admin(server, "POST", "/admin/collections/gate/items", {"id": gate})
    assert response.status_code in (201, 409), response.text  # 409: already open


def test_queue_full_and_per_socket_limit_are_refused_not_dropped(start_server, tmp_path):
    handlers = tmp_path / "handlers"
    write_gateway(handlers, "chat", "/chat", EVENTS)
    write_gateway(handlers, "guarded", "/guarded", {"count": "return BODY"}, connection="return true")
    server = serve(start_server, tmp_path, handlers, "--workers", "1", "--queue-size", "3", "--max-pending-per-socket", "2")
    clients = []
    try:
        first = Client(server, ["/chat"])
        clients.append(first)
        second = Client(server, ["/chat"])
        clients.append(second)
        # Every run below waits for its gate row, so what is pending stays pending until the test opens the gate.
        # One socket: two pending runs at most.
        acks = [first.call("held", {"gate": "a", "n": n}) for n in range(3)]
        assert [ack["accepted"] for ack in acks] == [True, True, False]
        assert acks[2]["error"]["code"] == "TOO_MANY_REQUESTS"
        # Whole queue: three pending runs at most.
        acks = [second.call("held", {"gate": "a", "n": n}) for n in range(2)]
        assert [ack["accepted"] for ack in acks] == [True, False]
        assert acks[1] == {"accepted": False, "queued": False, "eventName": "held",
                           "error": {"code": "QUEUE_FULL", "message": acks[1]["error"]["message"]}}
        # A connection handler is a run like any other: with the queue full, the CONNECT is refused.
        refusal = connect_refused(server, "/guarded")
        assert refusal["data"]["code"] == "QUEUE_FULL" and "job queue is full" in refusal["message"]
        # Everything accepted is delivered once the gate opens.
        open_gate(server, "a")
        assert [r[0]["result"] for r in first.got("ws:result", count=2, timeout=10)] == [0, 1]
        assert [r[0]["result"] for r in second.got("ws:result", count=1, timeout=10)] == [0]
        # An event without an ack callback that is refused gets a ws:error instead: two held runs of one socket
        # (the queue has room for a third), so its third event is over the per-socket limit.
        for n in range(3):
            second.sio.emit("held", {"gate": "b", "n": n}, namespace="/chat")
        error = second.got("ws:error", timeout=10)[0][0]
        assert (error["code"], error["eventName"], error["success"]) == ("TOO_MANY_REQUESTS", "held", False), error
        open_gate(server, "b")
        assert [r[0]["result"] for r in second.got("ws:result", count=3, timeout=10)] == [0, 0, 1]
        # Once the queue has room again, the connection handler runs and admits.
        guarded = Client(server, ["/guarded"])
        clients.append(guarded)
        assert guarded.call("count", 5, namespace="/guarded")["accepted"] is True
        assert guarded.got("ws:result", namespace="/guarded")[0][0]["result"] == 5
    finally:
        for client in clients:
            client.close()
        for gate in ("a", "b"):  # after a failure, lets any run still held end (409 when already open)
            try:
                admin(server, "POST", "/admin/collections/gate/items", {"id": gate})
            except requests.RequestException:
                pass
