-- Feathers' Socket.IO transport (transport-commons): the client emits `method(path, ...args, callback)`, and the
-- callback gets `(error, data)` — this gateway's `callback` ack mode. Every event lands here: EVENT is the method,
-- ARGS[1] the service path. Errors are THROWn with Feathers' statuses, so the client sees Feathers' error names.

local METHODS = {find = 1, get = 2, create = 2, update = 3, patch = 3, remove = 2} -- arguments after the path
local PAGINATE = {default = 10, max = 50}
local OPERATORS = {["$in"] = "_in", ["$nin"] = "_nin", ["$lt"] = "_lt", ["$lte"] = "_lte", ["$gt"] = "_gt",
                   ["$gte"] = "_gte", ["$ne"] = "_neq"}
local CONTROLS = {["$limit"] = true, ["$skip"] = true, ["$sort"] = true, ["$select"] = true}

local function methodNotAllowed(method, path)
  THROW(405, "Method '" .. tostring(method) .. "' not allowed on service '" .. tostring(path) .. "'")
end

local function object(value, name)
  if value == nil or value == JSON.null then return {} end
  if type(value) ~= "table" then THROW.badRequest(name .. " must be an object") end
  return value
end

-- Feathers' query syntax as a collection filter (Directus form).
local function filterOf(query)
  local filter = {}
  for key, value in pairs(query) do
    if key == "$or" then
      if type(value) ~= "table" then THROW.badRequest("$or must be an array") end
      local alternatives = {}
      for index, alternative in ipairs(value) do alternatives[index] = filterOf(object(alternative, "$or")) end
      filter._or = alternatives
    elseif not CONTROLS[key] then
      if type(key) == "string" and key:sub(1, 1) == "$" then THROW.badRequest("Invalid query parameter " .. key) end
      if type(value) == "table" and value ~= JSON.null then
        local conditions = {}
        for operator, operand in pairs(value) do
          local mapped = OPERATORS[operator]
          if not mapped then THROW.badRequest("Invalid query parameter " .. tostring(operator)) end
          conditions[mapped] = operand
        end
        filter[key] = conditions
      else
        filter[key] = {_eq = value}
      end
    end
  end
  return filter
end

-- `$sort: {field: 1 | -1}` (several keys: in name order, as a JSON object has no order of its own).
local function sortOf(sort)
  local keys, order = {}, {}
  for field in pairs(object(sort, "$sort")) do keys[#keys + 1] = field end
  table.sort(keys)
  for _, field in ipairs(keys) do
    local direction = tonumber(sort[field])
    if direction ~= 1 and direction ~= -1 then THROW.badRequest("$sort of " .. field .. " must be 1 or -1") end
    order[#order + 1] = (direction == -1 and "-" or "") .. field
  end
  return order
end

local function page(collection, query, hide)
  local limit = query["$limit"] == nil and PAGINATE.default or math.tointeger(tonumber(query["$limit"]))
  if limit == nil or limit < 0 then THROW.badRequest("$limit must be a non-negative integer") end
  limit = math.min(limit, PAGINATE.max)
  local skip = math.tointeger(tonumber(query["$skip"] or 0))
  if skip == nil or skip < 0 then THROW.badRequest("$skip must be a non-negative integer") end
  local filter = filterOf(query)
  if limit == 0 then
    return {total = collection.count{filter = filter}, limit = 0, skip = skip, data = JSON.array({})}
  end
  local found = collection.find{filter = filter, sort = query["$sort"] and sortOf(query["$sort"]) or nil,
                                fields = query["$select"], limit = limit, offset = skip}
  local data = JSON.array({})
  for index, row in ipairs(found.data) do data[index] = hide(row) end
  return {total = found.meta.total, limit = limit, skip = skip, data = data}
end

local function withoutPassword(user)
  if type(user) == "table" then user.password = nil end
  return user
end

local function keep(row) return row end

local function requireUser()
  if USER == nil then THROW.unauthorized("Not authenticated") end
  return USER
end

local function notFound(id)
  THROW.notFound("No record found for id '" .. tostring(id) .. "'")
end

-- A record (or, for create, an array of records) per service.
local function service(path)
  if path == "messages" then
    return {collection = DB.messages, hide = keep, guard = requireUser,
            prepare = function(data)
              if type(data.text) ~= "string" or data.text == "" then THROW.badRequest("A message needs a text") end
              return {text = data.text, userId = USER.id}
            end}
  elseif path == "users" then
    return {collection = DB.users, hide = withoutPassword,
            guard = function(method) if method ~= "create" then requireUser() end end,
            prepare = function(data, method)
              local email, password = data.email, data.password
              if method ~= "patch" or email ~= nil then
                if type(email) ~= "string" or not email:find("@") then THROW.badRequest("A user needs an email") end
                local taken = DB.users.findOne{filter = {email = email}}
                if taken and (method == "create" or taken.id ~= data.id) then THROW.conflict("Email already taken") end
              end
              if method ~= "patch" or password ~= nil then
                if type(password) ~= "string" or #password < 1 then THROW.badRequest("A user needs a password") end
                data.password = AUTH.hashPassword(password)
              end
              data.id = nil
              return data
            end}
  end
end

-- The authentication service: create (local or jwt strategy) and remove.
local function authenticated(strategy, token)
  local claims = AUTH.verify(token)
  local user = claims and DB.users.findOne{filter = {id = claims.id}}
  if not user then THROW.unauthorized("Invalid login") end
  SOCKET.signIn(claims)
  SOCKET.join("authenticated")
  SOCKET.data.accessToken = token
  local payload = {}
  for key, value in pairs(claims) do if key ~= "id" then payload[key] = value end end
  return {accessToken = token, authentication = {strategy = strategy, accessToken = token, payload = payload},
          user = withoutPassword(user)}
end

local function authentication(method, args)
  if method == "create" then
    local data = object(args[1], "data")
    if data.strategy == "local" then
      local user = type(data.email) == "string" and DB.users.findOne{filter = {email = data.email}}
      if not user or type(data.password) ~= "string" or not AUTH.verifyPassword(data.password, user.password) then
        THROW.unauthorized("Invalid login")
      end
      return authenticated("local", AUTH.sign({sub = user.id}))
    elseif data.strategy == "jwt" then
      if type(data.accessToken) ~= "string" then THROW.unauthorized("Invalid login") end
      return authenticated("jwt", data.accessToken)
    end
    THROW.unauthorized("Invalid authentication information (strategy not allowed in authStrategies)")
  elseif method == "remove" then
    local token = SOCKET.data.accessToken
    if USER == nil or token == nil then THROW.unauthorized("Not authenticated") end
    local result = authenticated("jwt", token)
    SOCKET.signOut()
    SOCKET.leave("authenticated")
    SOCKET.data.accessToken = nil
    return result
  end
  methodNotAllowed(method, "authentication")
end

-- Dispatch.
local method, path = EVENT, ARGS[1]
local arity = METHODS[method]
if arity == nil then methodNotAllowed(method, path) end
if type(path) ~= "string" then THROW.badRequest("The service path must be a string") end
local args = table.move(ARGS, 2, #ARGS, 1, {})
if #args > arity then THROW.badRequest("Too many arguments for '" .. method .. "' method") end
if path == "authentication" then return authentication(method, args) end
local svc = service(path)
if svc == nil then THROW.notFound("Service '" .. path .. "' not found") end
svc.guard(method)
local collection, hide = svc.collection, svc.hide

if method == "find" then
  return page(collection, object(args[1], "query"), hide)
elseif method == "get" then
  return hide(collection.findOne{filter = {id = tostring(args[1])}}) or notFound(args[1])
elseif method == "create" then
  local data = args[1]
  if type(data) ~= "table" then THROW.badRequest("data must be an object or an array of objects") end
  if #data > 0 then
    return DB.transaction(function()
      local created = JSON.array({})
      for index, item in ipairs(data) do created[index] = hide(collection.create{data = svc.prepare(object(item, "data"), method)}) end
      return created
    end)
  end
  return hide(collection.create{data = svc.prepare(data, method)})
elseif method == "update" or method == "patch" then
  local id = args[1]
  if id == nil or id == JSON.null then THROW(405, "Can not " .. method .. " multiple entries") end
  local data = object(args[2], "data")
  data.id = id
  local current = collection.findOne{filter = {id = tostring(id)}} or notFound(id)
  if path == "messages" and current.userId ~= USER.id then THROW.forbidden("You can only change your own messages") end
  local prepared = svc.prepare(data, method)
  if method == "update" then return hide(collection.replace{id = current.id, data = prepared}) end
  return hide(collection.update{id = current.id, data = prepared})
else -- remove
  local id = args[1]
  if id == nil or id == JSON.null then THROW(405, "Can not remove multiple entries") end
  local current = collection.findOne{filter = {id = tostring(id)}} or notFound(id)
  if path == "messages" and current.userId ~= USER.id then THROW.forbidden("You can only remove your own messages") end
  return hide(collection.delete{id = current.id})
end
