SOCKET.broadcastToRoom(BODY.room, "said", BODY)
return true
