-- client: io(url, {path: '/realtime', auth: {token}})  — anonymous sockets are accepted too
-- A signed-in socket joins its user's room `user:<id>`, and the room hears `user.connected`: the user's other
-- sockets at once, this one right after its CONNECT answer (its join and reply are applied then).
if USER == nil then return end
local room = "user:" .. USER.id
local connected = {userId = USER.id, socketId = SOCKET.id, timestamp = os.date("!%Y-%m-%dT%H:%M:%SZ")}
SOCKET.emitToRoom(room, "user.connected", connected)
SOCKET.join(room)
SOCKET.reply("user.connected", connected)
