-- client: socket.emit('leave', 'item:posts:7', ack)  → ack({success: true}) or ack({success: false, message})
local room = BODY
if type(room) ~= "string" or room == "" then return {success = false, message = "room must be a non-empty string"} end
SOCKET.leave(room)
return {success = true}
