"""The example chat gateway in handlers/chat, served by `gatewayd serve` as shipped (python-socketio 5.x)."""
from conftest import ROOT, wait_until
from gateway_support import Client, serve, user_token


def test_the_chat_example_works_end_to_end(start_server, tmp_path):
    server = serve(start_server, tmp_path, ROOT / "handlers")
    alice = Client(server, ["/chat"], auth={"token": user_token("alice")})
    bob = Client(server, ["/chat"], transports=["polling"], auth={"token": user_token("bob")})
    guest = Client(server, ["/chat"])
    try:
        assert alice.got("welcome")[0][0] == {"id": alice.sio.get_sid("/chat"), "user": "alice"}
        assert guest.got("welcome")[0][0] == {"id": guest.sio.get_sid("/chat")}

        for client in (alice, bob):
            ack = client.call("joinRoom", {"room": "lobby"})
            assert ack["accepted"] is True
        assert [r[0]["result"] for r in alice.got("ws:result")] == [{"room": "lobby", "members": 1}]
        assert bob.got("ws:result")[0][0]["result"] == {"room": "lobby", "members": 2}
        assert alice.got("userJoined", count=2)[1][0]["user"] == "bob"

        ack = alice.call("message", {"room": "lobby", "text": "hello"})
        message = bob.got("message")[0][0]
        assert message == {"room": "lobby", "text": "hello", "from": "alice", "requestId": ack["requestId"]}
        assert not guest.events.named(("/chat", "message"))
        result = alice.got("ws:result", count=2)[1][0]
        assert result["result"] == message and result["logs"] == [["message in", "lobby"]]

        alice.call("message", {"room": "lobby"})
        error = alice.got("ws:error")[0][0]
        assert error["code"] == "BAD_REQUEST" and error["message"] == "text is required"

        alice.sio.emit("typing", {"room": "lobby"}, namespace="/chat")
        assert bob.got("typing")[0][0] == {"room": "lobby", "id": alice.sio.get_sid("/chat"), "typing": True}

        assert alice.call("notify", {"userId": "bob", "text": "ping"}) == {"userId": "bob"}
        assert bob.got("notification")[0][0] == {"from": "alice", "text": "ping"}
        assert guest.call("notify", {"userId": "bob", "text": "x"})["error"]["code"] == "UNAUTHORIZED"

        bob.call("leaveRoom", {"room": "lobby"})
        assert alice.got("userLeft")[0][0] == {"room": "lobby", "id": bob.sio.get_sid("/chat")}
        wait_until(lambda: False, timeout=0.2)
        assert not alice.events.named(("/chat", "typing"))
    finally:
        for client in (alice, bob, guest):
            client.close()
