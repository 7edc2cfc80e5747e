-- client: socket.emit('login', authToken)   (again after every reconnect)
-- Success: the socket joins `user-<id>` (all of the user's devices) and a room named after the token (this device),
-- is signed in, and gets `loginSuccess` with no payload. Failure: `loginError {status, message}`.
local token = BODY
local claims, code
if type(token) == "string" and token ~= "" then
  claims, code = AUTH.verify(token)
else
  code = "AUTH_REQUIRED"
end
if not claims then
  local messages = {
    AUTH_REQUIRED = "an auth token is required",
    AUTH_EXPIRED = "the auth token has expired",
    AUTH_INVALID = "the auth token is not valid",
  }
  SOCKET.reply("loginError", {status = 401, message = messages[code] or messages.AUTH_INVALID})
  return
end
-- Logging in again (another user, or a fresh token) leaves the previous identity's rooms first.
local previous = SOCKET.data.login
if previous then
  SOCKET.leave("user-" .. previous.userId)
  SOCKET.leave(previous.token)
end
SOCKET.join("user-" .. claims.id)
SOCKET.join(token)
SOCKET.data.login = {userId = claims.id, token = token}
SOCKET.signIn(claims)
SOCKET.reply("loginSuccess")
