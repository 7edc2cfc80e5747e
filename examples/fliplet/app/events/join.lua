-- client: socket.emit('join', room)
-- A user's room (`user-<id>`) is only joined by logging in as that user.
local room = BODY
if type(room) ~= "string" or room == "" then
  SOCKET.reply("joinError", {status = 400, message = "room must be a non-empty string"})
  return
end
local login = SOCKET.data.login
if room:sub(1, 5) == "user-" and not (login and room == "user-" .. login.userId) then
  SOCKET.reply("joinError", {status = 403, message = "a user's room is joined by logging in"})
  return
end
SOCKET.join(room)
