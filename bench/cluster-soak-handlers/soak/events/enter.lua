SOCKET.join(BODY.room)
return true
