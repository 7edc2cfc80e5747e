-- Runs once per client, when it connects to /chat.
-- USER is the verified token's claims (a table with `id`), or nil for an anonymous client.
LOGS("client connected", SOCKET.id)

SOCKET.reply("welcome", {
  id = SOCKET.id,
  user = USER and USER.id or nil,
})
