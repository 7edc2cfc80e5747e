"""The gateway pipeline end to end: events run Lua handlers through the job queue, both ack modes with their
exact payload shapes, per-socket ordering, and queue limits (python-socketio 5.x)."""
import asyncio
import uuid

import pytest
import socketio

from conftest import wait_until
from gateway_support import connect_refused, connect_when_served, Client, serve, write_gateway

TRANSPORTS = {"polling": ["polling"], "websocket": ["websocket"]}

EVENTS = {
    "echo": 'LOGS("got", BODY)\nreturn BODY',
    "pair": "return ARGS[1], ARGS[2]",
    "nothing": "local x = 1",
    "fail": 'THROW.badRequest("bad input", {field = "x"})',
    "crash": "local t = nil\nreturn t.x",
    "sum": ('return ARGS[1] + ARGS[2], "sum"', {"ack": "result"}),
    "sumFail": ('THROW.conflict("taken", {id = 7})', {"ack": "result"}),
    "slow": 'local deadline = os.clock() + 0.3\nwhile os.clock() < deadline do end\nreturn BODY',
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
        # Result mode sends no ws:result.
        assert not client.events.named(("/chat", "ws:result"))
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


def test_queue_full_and_per_socket_limit_are_refused_not_dropped(start_server, tmp_path):
    handlers = tmp_path / "handlers"
    write_gateway(handlers, "chat", "/chat", EVENTS)
    write_gateway(handlers, "guarded", "/guarded", {"count": "return BODY"}, connection="return true")
    server = serve(start_server, tmp_path, handlers, "--workers", "1", "--queue-size", "3", "--max-pending-per-socket", "2")
    first, second = Client(server, ["/chat"]), Client(server, ["/chat"])
    try:
        # One socket: two pending runs at most.
        acks = [first.call("slow", n) for n in range(3)]
        assert [ack["accepted"] for ack in acks] == [True, True, False]
        assert acks[2]["error"]["code"] == "TOO_MANY_REQUESTS"
        # Whole queue: three pending runs at most.
        acks = [second.call("slow", n) for n in range(2)]
        assert [ack["accepted"] for ack in acks] == [True, False]
        assert acks[1] == {"accepted": False, "queued": False, "eventName": "slow",
                           "error": {"code": "QUEUE_FULL", "message": acks[1]["error"]["message"]}}
        # A connection handler is a run like any other: with the queue full, the CONNECT is refused.
        refusal = connect_refused(server, "/guarded")
        assert refusal["data"]["code"] == "QUEUE_FULL" and "job queue is full" in refusal["message"]
        # Everything accepted is delivered.
        assert [r[0]["result"] for r in first.got("ws:result", count=2, timeout=10)] == [0, 1]
        assert [r[0]["result"] for r in second.got("ws:result", count=1, timeout=10)] == [0]
        # An event without an ack callback that is refused gets a ws:error instead.
        for n in range(3):
            second.sio.emit("slow", n, namespace="/chat")
        error = second.got("ws:error", timeout=10)[0][0]
        assert error["code"] in ("QUEUE_FULL", "TOO_MANY_REQUESTS") and error["success"] is False
        # Once the queue has room again, the connection handler runs and admits.
        guarded = connect_when_served(server, "/guarded", timeout=10)
        assert guarded, "the connection handler never admitted once the queue drained"
        guarded.close()
    finally:
        first.close()
        second.close()
