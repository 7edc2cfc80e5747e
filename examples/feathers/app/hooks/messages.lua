-- Feathers' real-time events go to the `authenticated` channel: every signed-in socket.
local EVENTS = {create = "created", update = "patched", replace = "updated", delete = "removed"}
SOCKET.emitToRoom("authenticated", "messages " .. EVENTS[BODY.method], BODY.item)
