"""Every SOCKET function observed from other connected clients: room members, other gateways, the same user
on two sockets, and server pushes through POST /admin/emit (python-socketio 5.x)."""
import pytest

from conftest import wait_until
from gateway_support import Client, admin, serve, user_token, write_gateway

SCRIPTS = {
    "join": "SOCKET.join(BODY)\nreturn SOCKET.rooms()",
    "leave": "SOCKET.leave(BODY)\nreturn SOCKET.rooms()",
    "size": "return SOCKET.roomSize(BODY)",
    "toRoom": 'SOCKET.emitToRoom(BODY, "roomMsg", {from = SOCKET.id, room = BODY})',
    "othersInRoom": 'SOCKET.broadcastToRoom(BODY, "roomOthers", {from = SOCKET.id, room = BODY})',
    "toUser": 'SOCKET.emitToUser(BODY, "direct", {from = USER and USER.id})',
    "toGateway": 'SOCKET.emitToGateway(BODY, "gatewayMsg", 1, 2)',
    "everyone": 'SOCKET.broadcast("announce", "hi")',
    "reply": 'SOCKET.reply("pong", BODY)',
    "bye": "SOCKET.disconnect()\nreturn \"bye\"",
    "interleave": "for i = 1, 20 do\n"
                  "  if i % 2 == 0 then SOCKET.reply('seq', i) else SOCKET.emitToRoom(BODY, 'seq', i) end\n"
                  "end\nreturn 21",
}


@pytest.fixture
def server(start_server, tmp_path):
    handlers = tmp_path / "handlers"
    write_gateway(handlers, "chat", "/chat", {name: (script, {"ack": "result"}) for name, script in SCRIPTS.items()
                                              if name != "bye"} | {"bye": SCRIPTS["bye"]})
    write_gateway(handlers, "news", "/news", {name: (script, {"ack": "result"}) for name, script in SCRIPTS.items()})
    return serve(start_server, tmp_path, handlers)


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_what_a_handler_sends_arrives_in_order(server, transport):
    """Replies, room broadcasts (several recipients, on either event loop) and the ack, sent from one handler run,
    reach the caller in the order they were sent."""
    members = [Client(server, ["/chat"], transports=(transport,)) for _ in range(4)]
    try:
        for member in members:
            assert member.call("join", "ordered") == ["ordered"]
        caller = members[0]
        assert caller.call("interleave", "ordered") == 21
        # The ack came after all twenty (it was sent last, down the same connection).
        assert [args[0] for args in caller.events.named(("/chat", "seq"))] == list(range(1, 21))
        for other in members[1:]:
            assert other.got("seq", count=10)  # the room's share, odd numbers
            assert [args[0] for args in other.events.named(("/chat", "seq"))] == list(range(1, 21, 2))
    finally:
        for member in members:
            member.close()


def test_rooms_reach_members_on_every_gateway(server):
    clients = []
    try:
        alice = Client(server, ["/chat"], auth={"token": user_token("alice")})
        clients.append(alice)
        bob = Client(server, ["/chat", "/news"])
        clients.append(bob)
        carol = Client(server, ["/chat"])
        clients.append(carol)
        assert alice.call("join", "lobby") == ["lobby"]
        assert bob.call("join", "lobby") == ["lobby"]
        assert bob.call("join", "lobby", namespace="/news") == ["lobby"]
        assert alice.call("size", "lobby") == 2  # the caller's own gateway
        # Everyone on /chat is also in `marker`, the room the checks of what did not arrive send their markers to.
        for client in (alice, bob, carol):
            assert "marker" in client.call("join", "marker")

        alice.call("toRoom", "lobby")
        me = alice.sio.get_sid("/chat")
        assert alice.got("roomMsg")[0][0] == {"from": me, "room": "lobby"}
        assert bob.got("roomMsg")[0][0] == {"from": me, "room": "lobby"}
        assert bob.got("roomMsg", namespace="/news")[0][0] == {"from": me, "room": "lobby"}

        alice.call("othersInRoom", "lobby")
        assert bob.got("roomOthers")[0][0] == {"from": me, "room": "lobby"}
        assert bob.got("roomOthers", namespace="/news")[0][0] == {"from": me, "room": "lobby"}

        assert bob.call("leave", "lobby") == ["marker"]
        alice.call("toRoom", "lobby")
        assert alice.got("roomMsg", count=2)
        assert bob.got("roomMsg", namespace="/news", count=2)
        # Bob left the room on /chat; Carol never joined; Alice does not hear her own broadcast. Markers down the same
        # paths: Alice's next room message (her events run in order) and Bob's broadcast to the rest of `marker`
        # (sent after Alice's broadcast ran); once each is in, nothing came before it.
        alice.call("toRoom", "marker")
        marked = {"from": me, "room": "marker"}
        assert bob.got("roomMsg", count=2)[1][0] == marked
        assert [args[0]["room"] for args in bob.events.named(("/chat", "roomMsg"))] == ["lobby", "marker"]
        assert carol.got("roomMsg")[0][0] == marked
        assert carol.events.named(("/chat", "roomMsg")) == [(marked,)]
        bob.call("othersInRoom", "marker")
        from_bob = {"from": bob.sio.get_sid("/chat"), "room": "marker"}
        assert alice.got("roomOthers")[0][0] == from_bob
        assert alice.events.named(("/chat", "roomOthers")) == [(from_bob,)]
    finally:
        for client in clients:
            client.close()


def test_user_rooms_are_private_and_span_gateways(server):
    token = user_token("u1")
    clients = []
    try:
        phone = Client(server, ["/chat"], auth={"token": token})
        clients.append(phone)
        laptop = Client(server, ["/news"], auth={"token": token})
        clients.append(laptop)
        intruder = Client(server, ["/chat"], auth={"token": user_token("u3")})
        clients.append(intruder)
        sender = Client(server, ["/chat"], auth={"token": user_token("u2")})
        clients.append(sender)
        # A script room named like a user gets no user traffic.
        for room in ("u1", "user:u1"):
            intruder.call("join", room)
        sender.call("toUser", "u1")
        assert phone.got("direct")[0][0] == {"from": "u2"}
        assert laptop.got("direct", namespace="/news")[0][0] == {"from": "u2"}
        # Marker down the same path: the sender's next emitToUser, to the intruder's own user (its events run in
        # order); once it is in, it is the only one the intruder got.
        sender.call("toUser", "u3")
        assert intruder.got("direct")[0][0] == {"from": "u2"}
        assert intruder.events.named(("/chat", "direct")) == [({"from": "u2"},)]
    finally:
        for client in clients:
            client.close()


def test_gateway_broadcast_reply_and_disconnect(server):
    clients = []
    try:
        a = Client(server, ["/chat"])
        clients.append(a)
        b = Client(server, ["/chat", "/news"])
        clients.append(b)
        a.call("toGateway", "/news")
        assert b.got("gatewayMsg", namespace="/news")[0] == (1, 2)

        # broadcast reaches every socket of every gateway, the caller included.
        a.call("everyone")
        assert a.got("announce")[0] == ("hi",)
        assert b.got("announce")[0] == ("hi",)
        assert b.got("announce", namespace="/news")[0] == ("hi",)

        a.call("reply", {"x": 1})
        assert a.got("pong")[0][0] == {"x": 1}
        # A reply reaches the caller only. Marker down the same path: B's own reply, asked for after A's ran.
        b.call("reply", {"x": 2})
        assert b.got("pong")[0][0] == {"x": 2}
        assert b.events.named(("/chat", "pong")) == [({"x": 2},)]

        # disconnect() in an event handler: the result first, then the server namespace disconnect.
        ack = b.call("bye")
        assert ack["accepted"] is True
        assert b.got("ws:result")[0][0]["result"] == "bye"
        assert wait_until(lambda: b.disconnects.named("/chat"))
        assert b.disconnects.named("/chat")[0] == ("server disconnect",)
        # Only /chat was left: the same connection still runs /news's handlers, and /news heard no disconnect.
        assert b.call("join", "after", namespace="/news") == ["after"]
        assert b.disconnects.named("/news") == []
    finally:
        for client in clients:
            client.close()


def test_admin_emit_reaches_users_rooms_gateways_and_everyone(server):
    user = Client(server, ["/chat"], auth={"token": user_token(7)})
    other = Client(server, ["/news"])
    try:
        other.call("join", "lobby", namespace="/news")
        cases = [
            ({"user": 7}, user, "/chat", 1),
            ({"user": "7"}, user, "/chat", 1),
            ({"room": "lobby"}, other, "/news", 1),
            ({"gateway": "/chat"}, user, "/chat", 1),
            ({"all": True}, other, "/news", 2),
        ]
        for index, (target, client, namespace, delivered) in enumerate(cases):
            response = admin(server, "POST", "/admin/emit", {"target": target, "event": f"push{index}", "args": [index, "x"]})
            assert response.status_code == 200, response.text
            assert response.json() == {"delivered": delivered}
            assert client.got(f"push{index}", namespace=namespace)[0] == (index, "x")

        response = admin(server, "POST", "/admin/emit", {"target": {"room": "a", "user": "b"}, "event": "x"})
        assert response.status_code == 422 and response.json()["error"]["field"] == "target"
        response = admin(server, "POST", "/admin/emit", {"target": {"all": True}})
        assert response.status_code == 422 and response.json()["error"]["field"] == "event"
    finally:
        user.close()
        other.close()
