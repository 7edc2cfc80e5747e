SOCKET.emitToUser(BODY.to, "notified", {from = USER.id, n = BODY.n})
return true
