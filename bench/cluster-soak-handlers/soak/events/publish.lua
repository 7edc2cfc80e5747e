SOCKET.emitToRoom(BODY.room, "numbered", {n = BODY.n})
return true
