-- client: socket.emit('join', 'collection:posts', ack)  → ack({success: true}) or ack({success: false, message})
local room = BODY
if type(room) ~= "string" or room == "" then return {success = false, message = "room must be a non-empty string"} end
local owner = room:match("^user:(.+)$")
if owner and not (USER and tostring(USER.id) == owner) then
  return {success = false, message = "you may not join another user's room"}
end
SOCKET.join(room)
return {success = true}
