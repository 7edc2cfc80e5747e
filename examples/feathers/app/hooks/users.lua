-- Like messages' hook, without the password hash.
local EVENTS = {create = "created", update = "patched", replace = "updated", delete = "removed"}
local user = BODY.item
user.password = nil
SOCKET.emitToRoom("authenticated", "users " .. EVENTS[BODY.method], user)
