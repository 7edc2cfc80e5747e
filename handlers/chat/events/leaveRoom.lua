-- socket.emit("leaveRoom", { room = "lobby" }, ack)
local room = BODY.room
if type(room) ~= "string" or room == "" then
  THROW.badRequest("room is required")
end

SOCKET.leave(room)
SOCKET.emitToRoom(room, "userLeft", { room = room, id = SOCKET.id })

return { room = room }
