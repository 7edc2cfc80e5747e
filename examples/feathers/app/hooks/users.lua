-- Like messages' hook, without the password hash.
local EVENTS = {create = "created", update = "patched", replace = "updated", delete = "removed"}
local user = BODY.item
user.password = nil
if type(user.id) == "string" and #user.id <= 15 and user.id:match("^[1-9]%d*$") then
  user.id = math.tointeger(tonumber(user.id))
end
SOCKET.emitToRoom("authenticated", "users " .. EVENTS[BODY.method], user)
