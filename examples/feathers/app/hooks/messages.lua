-- Feathers' real-time events, one per record written: `messages <event>` to the `authenticated` channel (every
-- signed-in socket), and `my/messages <event>` to the author's own sockets (the `my/messages` service is a user's own
-- messages). Ids travel as numbers, as the service answers them.
local EVENTS = {create = "created", update = "patched", replace = "updated", delete = "removed"}
local event, item = EVENTS[BODY.method], BODY.item
if type(item.id) == "string" and #item.id <= 15 and item.id:match("^[1-9]%d*$") then
  item.id = math.tointeger(tonumber(item.id))
end
SOCKET.emitToRoom("authenticated", "messages " .. event, item)
if item.userId ~= nil and item.userId ~= JSON.null then
  SOCKET.emitToUser(tostring(item.userId), "my/messages " .. event, item)
end
