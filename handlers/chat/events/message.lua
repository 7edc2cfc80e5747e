-- socket.emit("message", { room = "lobby", text = "hello" }, ack)
local room, text = BODY.room, BODY.text
if type(room) ~= "string" or room == "" then
  THROW.badRequest("room is required")
end
if type(text) ~= "string" or text == "" then
  THROW.badRequest("text is required")
end

local message = {
  room = room,
  text = text,
  from = USER and USER.id or SOCKET.id,
  requestId = REQUEST_ID,
}
SOCKET.emitToRoom(room, "message", message)
LOGS("message in", room)

return message
