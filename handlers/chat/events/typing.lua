-- socket.emit("typing", { room = "lobby", typing = true })
-- Tells everyone else in the room; the sender does not hear its own indicator.
local room = BODY.room
if type(room) ~= "string" or room == "" then
  THROW.badRequest("room is required")
end

SOCKET.broadcastToRoom(room, "typing", {
  room = room,
  id = SOCKET.id,
  typing = BODY.typing ~= false,
})
