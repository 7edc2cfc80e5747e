SOCKET.leave(BODY.room)
return SOCKET.rooms()
