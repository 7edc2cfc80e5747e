-- socket.emit("joinRoom", { room = "lobby" }, ack)
local room = BODY.room
if type(room) ~= "string" or room == "" then
  THROW.badRequest("room is required")
end

SOCKET.join(room)
SOCKET.emitToRoom(room, "userJoined", {
  room = room,
  id = SOCKET.id,
  user = USER and USER.id or nil,
})

return { room = room, members = SOCKET.roomSize(room) }
