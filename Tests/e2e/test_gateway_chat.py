"""The example chat gateway in handlers/chat, served by `gatewayd serve` as shipped (python-socketio 5.x)."""
from conftest import ROOT
from gateway_support import Client, serve, user_token


def test_the_chat_example_works_end_to_end(start_server, tmp_path):
    server = serve(start_server, tmp_path, ROOT / "handlers")
    clients = []

    def connect(*args, **kwargs):
        client = Client(server, *args, **kwargs)
        clients.append(client)
        return client

    try:
        alice = connect(["/chat"], auth={"token": user_token("alice")})
        bob = connect(["/chat"], transports=["polling"], auth={"token": user_token("bob")})
        guest = connect(["/chat"])
        assert alice.got("welcome")[0][0] == {"id": alice.sio.get_sid("/chat"), "user": "alice"}
        assert guest.got("welcome")[0][0] == {"id": guest.sio.get_sid("/chat")}

        for client in (alice, bob):
            ack = client.call("joinRoom", {"room": "lobby"})
            assert ack["accepted"] is True
        assert [r[0]["result"] for r in alice.got("ws:result")] == [{"room": "lobby", "members": 1}]
        assert bob.got("ws:result")[0][0]["result"] == {"room": "lobby", "members": 2}
        assert alice.got("userJoined", count=2)[1][0]["user"] == "bob"
        # The guest is in a room of its own, where the marker below reaches it.
        assert guest.call("joinRoom", {"room": "side"})["accepted"] is True
        assert guest.got("ws:result")[0][0]["result"] == {"room": "side", "members": 1}

        ack = alice.call("message", {"room": "lobby", "text": "hello"})
        message = bob.got("message")[0][0]
        assert message == {"room": "lobby", "text": "hello", "from": "alice", "requestId": ack["requestId"]}
        result = alice.got("ws:result", count=2)[1][0]
        assert result["result"] == message and result["logs"] == [["message in", "lobby"]]
        # Marker down the same path: Alice's next room message, to the guest's room. Her events run in order, so
        # once the guest has it, the lobby message would have reached the guest before it.
        marker = alice.call("message", {"room": "side", "text": "marker"})
        assert guest.got("message")[0][0]["requestId"] == marker["requestId"]
        assert [m[0]["room"] for m in guest.events.named(("/chat", "message"))] == ["side"]
        assert alice.got("ws:result", count=3)[2][0]["result"]["room"] == "side"

        alice.call("message", {"room": "lobby"})
        error = alice.got("ws:error")[0][0]
        assert error["code"] == "BAD_REQUEST" and error["message"] == "text is required"

        alice.sio.emit("typing", {"room": "lobby"}, namespace="/chat")
        assert bob.got("typing")[0][0] == {"room": "lobby", "id": alice.sio.get_sid("/chat"), "typing": True}
        # The sender does not hear its own indicator. Marker down the same path: Bob's indicator to the lobby, sent
        # once Alice's broadcast reached him; when Alice has it, it is the only one she got.
        bob.sio.emit("typing", {"room": "lobby", "typing": False}, namespace="/chat")
        bob_typing = {"room": "lobby", "id": bob.sio.get_sid("/chat"), "typing": False}
        assert alice.got("typing")[0][0] == bob_typing
        assert alice.events.named(("/chat", "typing")) == [(bob_typing,)]

        assert alice.call("notify", {"userId": "bob", "text": "ping"}) == {"userId": "bob"}
        assert bob.got("notification")[0][0] == {"from": "alice", "text": "ping"}
        assert guest.call("notify", {"userId": "bob", "text": "x"})["error"]["code"] == "UNAUTHORIZED"

        bob.call("leaveRoom", {"room": "lobby"})
        assert alice.got("userLeft")[0][0] == {"room": "lobby", "id": bob.sio.get_sid("/chat")}
    finally:
        for client in clients:
            client.close()
