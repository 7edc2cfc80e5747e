-- client: socket.emit('forward', {room, event, data})
-- Everyone else in `room` gets `event(data)` (socket.io's socket.to(room).emit: not the sender).
local message = BODY
if type(message) ~= "table" or type(message.room) ~= "string" or message.room == "" then
  SOCKET.reply("forwardError", {status = 400, message = "room is required"})
  return
end
if type(message.event) ~= "string" or message.event == "" then
  SOCKET.reply("forwardError", {status = 400, message = "event is required"})
  return
end
SOCKET.broadcastToRoom(message.room, message.event, message.data)
