-- Feathers' header authentication: a client that connects with a token the jwt strategy accepts — `extraHeaders:
-- {Authorization: 'Bearer <accessToken>'}` as the document shows, or `auth: {token}`, the `token` query parameter or
-- the `accessToken` cookie, which gatewayd reads too — is signed in at once, as after `create('authentication',
-- {strategy: 'jwt', accessToken})`: it is in the `authenticated` channel and `remove('authentication')` signs it
-- out. A valid token for no user of this app leaves the socket anonymous, like a failed jwt authentication.
if USER == nil then return end
if DB.users.findOne{filter = {id = tostring(USER.id)}} == nil then
  SOCKET.signOut()
  return
end

local function header(name)
  for key, value in pairs(HANDSHAKE.headers or {}) do
    if type(key) == "string" and key:lower() == name then return value end
  end
end

local bearer = header("authorization")
local cookie = header("cookie")
local token = (type(bearer) == "string" and bearer:match("^[Bb]earer%s+(%S+)$"))
  or (type(HANDSHAKE.auth) == "table" and HANDSHAKE.auth.token)
  or (type(HANDSHAKE.query) == "table" and HANDSHAKE.query.token)
  or (type(cookie) == "string" and cookie:match("accessToken=([^;%s]+)"))
SOCKET.join("authenticated")
SOCKET.data.accessToken = type(token) == "string" and token or nil
