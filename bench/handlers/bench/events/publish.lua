-- fanout: the publisher's body goes to everyone in the room.
SOCKET.emitToRoom(BODY.room, "fan", BODY)
return { published = true }
