SOCKET.join(BODY.room)
return SOCKET.rooms()
