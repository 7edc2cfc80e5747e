-- socket.emit("notify", { userId = "42", text = "ping" }, ack)
-- Reaches every connection of that user; only signed-in clients may send.
if USER == nil then
  THROW.unauthorized("sign in to send notifications")
end
local userId, text = BODY.userId, BODY.text
if userId == nil or userId == "" then
  THROW.badRequest("userId is required")
end

SOCKET.emitToUser(userId, "notification", {
  from = USER.id,
  text = text,
})

return { userId = userId }
