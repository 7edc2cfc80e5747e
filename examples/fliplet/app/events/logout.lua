-- client: socket.emit('logout')  — the connection stays open, anonymous again
local login = SOCKET.data.login
if login then
  SOCKET.leave("user-" .. login.userId)
  SOCKET.leave(login.token)
  SOCKET.data.login = nil
end
SOCKET.signOut()
