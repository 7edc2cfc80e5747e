-- A signed-in socket left (BODY is the reason): its user's other sockets, in `user:<id>`, hear `user.disconnected`.
if USER == nil then return end
SOCKET.emitToRoom("user:" .. USER.id, "user.disconnected",
                  {userId = USER.id, socketId = SOCKET.id, reason = BODY, timestamp = os.date("!%Y-%m-%dT%H:%M:%SZ")})
