-- Feathers' Socket.IO transport (transport-commons): the client emits `method(path, ...args, callback)`, and the
-- callback gets `(error, data)` — this gateway's `callback` ack mode. Every event lands here: EVENT is the method,
-- ARGS[1] the service path. Errors are THROWn with Feathers' statuses, so the client sees Feathers' error names.
--
-- The services are schema-less, like a Feathers memory or NeDB service: a record keeps every field the client sends,
-- except the server's own (`id`, `userId`, `createdAt`, `updatedAt`; `users` never give back their `password`).
-- Ids are 1, 2, 3… per service, as a SQL adapter numbers rows, and travel as numbers.

local METHODS = {find = 1, get = 2, create = 2, update = 3, patch = 3, remove = 2} -- arguments after the path
local PAGINATE = {default = 10, max = 50}
local OPERATORS = {["$in"] = "_in", ["$nin"] = "_nin", ["$lt"] = "_lt", ["$lte"] = "_lte", ["$gt"] = "_gt",
                   ["$gte"] = "_gte", ["$ne"] = "_neq"}
local CONTROLS = {["$limit"] = true, ["$skip"] = true, ["$sort"] = true, ["$select"] = true}
-- Query keys read as options, never as filters (a Feathers app takes them out of `params.query` in a hook):
-- `get(1, {query: {fetch: 'all'}})` fetches the whole record (as every get does here); `remove(id, {query:
-- {cascade: true}})` also removes what depends on the record (a user's messages; a message has no dependants).
local OPTIONS = {fetch = true, cascade = true}
local SERVER_FIELDS = {"id", "userId", "createdAt", "updatedAt"}
local ARRAY = getmetatable(JSON.array({}))
local BATCH = 1000 -- rows per DB.find (its own maximum)

local function methodNotAllowed(method, path)
  THROW(405, "Method '" .. tostring(method) .. "' not allowed on service '" .. tostring(path) .. "'")
end

local function object(value, name)
  if value == nil or value == JSON.null then return {} end
  if type(value) ~= "table" or getmetatable(value) == ARRAY then THROW.badRequest(name .. " must be an object") end
  return value
end

local function notFound(id)
  THROW.notFound("No record found for id '" .. tostring(id) .. "'")
end

-- Ids: stored as strings ("7"), answered as numbers (7) when they are one; a client may send either.
local function idOut(id)
  if type(id) == "string" and #id <= 15 and id:match("^[1-9]%d*$") then return math.tointeger(tonumber(id)) end
  return id
end

local function idKey(id)
  if math.type(id) == "integer" then return tostring(id) end
  if math.type(id) == "float" and math.tointeger(id) then return tostring(math.tointeger(id)) end
  if type(id) == "string" and id ~= "" then return id end
  notFound(id)
end

-- The next id of a service: its counter in `sequences`, past any id taken meanwhile (the admin API may pick one).
local function nextId(path, collection)
  local counter = DB.sequences.findOne{filter = {id = path}}
  local n = (counter and counter.last or 0) + 1
  for _ = 1, collection.count{} do
    if collection.count{filter = {id = tostring(n)}} == 0 then break end
    n = n + 1
  end
  if counter then DB.sequences.update{id = path, data = {last = n}} else DB.sequences.create{data = {id = path, last = n}} end
  return n
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
    elseif not CONTROLS[key] and not OPTIONS[key] then
      if type(key) == "string" and key:sub(1, 1) == "$" then THROW.badRequest("Invalid query parameter " .. key) end
      if key == "id" and type(value) ~= "table" then value = idKey(value) end
      if type(value) == "table" and value ~= JSON.null then
        local conditions = {}
        for operator, operand in pairs(value) do
          local mapped = OPERATORS[operator]
          if not mapped then THROW.badRequest("Invalid query parameter " .. tostring(operator)) end
          if key == "id" and type(operand) == "table" then
            local keys = {}
            for index, id in ipairs(operand) do keys[index] = idKey(id) end
            operand = keys
          elseif key == "id" then
            operand = idKey(operand)
          end
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

-- Several filters that must all hold (empty ones dropped).
local function allOf(...)
  local parts = {}
  for _, part in ipairs({...}) do if next(part) ~= nil then parts[#parts + 1] = part end end
  if #parts == 0 then return {} elseif #parts == 1 then return parts[1] end
  return {_and = parts}
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

local function count(value, name)
  local number = math.tointeger(tonumber(value))
  if number == nil or number < 0 then THROW.badRequest(name .. " must be a non-negative integer") end
  return number
end

local function requireUser()
  if USER == nil then THROW.unauthorized("Not authenticated") end
  return USER
end

local function sameId(a, b) return a ~= nil and b ~= nil and tostring(a) == tostring(b) end

-- The services. `scope` narrows every call (my/messages: the caller's own); `owns` says whether the caller may
-- change a record; `ownFilter` is that as a filter, for the calls with a null id (multi).
local function messages(mine)
  return {
    collection = DB.messages, name = "messages",
    guard = requireUser,
    scope = function() return mine and {userId = {_eq = idOut(USER.id)}} or {} end,
    owns = function(row) return sameId(row.userId, USER.id) end,
    ownFilter = function() return {userId = {_eq = idOut(USER.id)}} end,
    present = function(row) row.id = idOut(row.id) return row end,
    prepare = function(data, method, current)
      if method == "create" then data.userId = idOut(USER.id) -- the token's `sub` is a string
      elseif method == "update" then data.userId = current.userId end
      return data
    end,
    dependants = function() end,
  }
end

local users = {
  collection = DB.users, name = "users",
  guard = function(method) if method ~= "create" then requireUser() end end,
  scope = function() return {} end,
  owns = function(row) return sameId(row.id, USER.id) end,
  ownFilter = function() return {id = {_eq = tostring(USER.id)}} end,
  present = function(row)
    row.id = idOut(row.id)
    row.password = nil
    return row
  end,
  prepare = function(data, method, current)
    local email, password = data.email, data.password
    if method ~= "patch" or email ~= nil then
      if type(email) ~= "string" or not email:find("@") then THROW.badRequest("A user needs an email") end
      local taken = DB.users.findOne{filter = {email = email}}
      if taken and not (current and taken.id == current.id) then THROW.conflict("Email already taken") end
    end
    if method ~= "patch" or password ~= nil then
      if type(password) ~= "string" or #password < 1 then THROW.badRequest("A user needs a password") end
      data.password = AUTH.hashPassword(password)
    end
    return data
  end,
  -- remove(id, {query: {cascade: true}}): the user's messages go too.
  dependants = function(row)
    local filter = {userId = {_eq = idOut(row.id)}}
    for _ = 1, DB.messages.count{filter = filter} // BATCH + 1 do
      local owned = DB.messages.find{filter = filter, fields = {"id"}, limit = BATCH}
      if #owned.data == 0 then break end
      for _, message in ipairs(owned.data) do DB.messages.delete{id = message.id} end
    end
  end,
}

local function service(path)
  if path == "messages" then return messages(false)
  elseif path == "my/messages" then return messages(true)
  elseif path == "users" then return users end
end

-- What a client sends, without the server's fields (a copy: a null-id patch prepares it once per record).
local function clientData(value)
  local data = {}
  for key, field in pairs(object(value, "data")) do data[key] = field end
  for _, field in ipairs(SERVER_FIELDS) do data[field] = nil end
  return data
end

-- find: Feathers' paginated page.
local function page(svc, query)
  local limit = query["$limit"] == nil and PAGINATE.default or count(query["$limit"], "$limit")
  limit = math.min(limit, PAGINATE.max)
  local skip = count(query["$skip"] or 0, "$skip")
  local filter = allOf(filterOf(query), svc.scope())
  if limit == 0 then
    return {total = svc.collection.count{filter = filter}, limit = 0, skip = skip, data = JSON.array({})}
  end
  local found = svc.collection.find{filter = filter, sort = query["$sort"] and sortOf(query["$sort"]) or nil,
                                    fields = query["$select"], limit = limit, offset = skip}
  local data = JSON.array({})
  for index, row in ipairs(found.data) do data[index] = svc.present(row) end
  return {total = found.meta.total, limit = limit, skip = skip, data = data}
end

-- The record `id` names, if it matches the query (Feathers' adapters apply `params.query` to id calls too).
local function one(svc, id, query, fields)
  local row = svc.collection.findOne{filter = allOf({id = idKey(id)}, filterOf(query), svc.scope()), fields = fields}
  return row or notFound(id)
end

-- Every record a null-id patch or remove acts on: the query's matches among the caller's own records
-- (`$limit`, `$skip`, `$sort` narrow them as in find, without find's page size).
local function matches(svc, query)
  local filter = allOf(filterOf(query), svc.scope(), svc.ownFilter())
  local sort = query["$sort"] and sortOf(query["$sort"]) or {"createdAt"}
  if query["$limit"] ~= nil or query["$skip"] ~= nil then
    local limit = query["$limit"] == nil and BATCH or math.min(count(query["$limit"], "$limit"), BATCH)
    return svc.collection.find{filter = filter, sort = sort, limit = limit, offset = count(query["$skip"] or 0, "$skip")}.data
  end
  local rows, offset = {}, 0
  local total = svc.collection.count{filter = filter}
  while offset < total do
    local found = svc.collection.find{filter = filter, sort = sort, limit = BATCH, offset = offset}
    if #found.data == 0 then break end
    table.move(found.data, 1, #found.data, #rows + 1, rows)
    offset = offset + #found.data
  end
  return rows
end

local function create(svc, path, item)
  local data = svc.prepare(clientData(item), "create")
  data.id = nextId(path == "my/messages" and "messages" or path, svc.collection)
  return svc.present(svc.collection.create{data = data})
end

local function change(svc, method, current, data)
  if method == "update" then
    local replacement = svc.prepare(clientData(data), "update", current)
    return svc.present(svc.collection.replace{id = current.id, data = replacement})
  end
  return svc.present(svc.collection.update{id = current.id, data = svc.prepare(clientData(data), "patch", current)})
end

local function remove(svc, current, query)
  local removed = svc.present(svc.collection.delete{id = current.id})
  if query.cascade == true then svc.dependants(current) end
  return removed
end

-- The authentication service: create (local or jwt strategy) and remove.
local function authenticated(strategy, token)
  local claims = AUTH.verify(token)
  local user = claims and DB.users.findOne{filter = {id = tostring(claims.id)}}
  if not user then THROW.unauthorized("Invalid login") end
  SOCKET.signIn(claims)
  SOCKET.join("authenticated")
  SOCKET.data.accessToken = token
  local payload = {}
  for key, value in pairs(claims) do if key ~= "id" then payload[key] = value end end
  return {accessToken = token, authentication = {strategy = strategy, accessToken = token, payload = payload},
          user = users.present(user)}
end

local function authentication(method, args)
  if method == "create" then
    local data = object(args[1], "data")
    if data.strategy == "local" then
      local user = type(data.email) == "string" and DB.users.findOne{filter = {email = data.email}}
      if not user or type(data.password) ~= "string" or not AUTH.verifyPassword(data.password, user.password) then
        THROW.unauthorized("Invalid login")
      end
      return authenticated("local", AUTH.sign({sub = idOut(user.id)}))
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

if method == "find" then
  return page(svc, object(args[1], "query"))
elseif method == "get" then
  local query = object(args[2], "query")
  return svc.present(one(svc, args[1], query, query["$select"]))
elseif method == "create" then
  local data = args[1]
  if type(data) ~= "table" then THROW.badRequest("data must be an object or an array of objects") end
  if getmetatable(data) == ARRAY or #data > 0 then -- an array creates several, in one transaction
    return DB.transaction(function()
      local created = JSON.array({})
      for index, item in ipairs(data) do created[index] = create(svc, path, item) end
      return created
    end)
  end
  return DB.transaction(function() return create(svc, path, data) end)
end

-- update, patch, remove: (id, data, query) or (id, query).
local id = args[1]
local data = method ~= "remove" and args[2] or nil
local query = object(method == "remove" and args[2] or args[3], "query")
if method ~= "remove" and (data == nil or data == JSON.null) then THROW.badRequest("data is required") end
if id == nil or id == JSON.null then
  -- Feathers' `multi` is on for patch and remove; update replaces one record, as the adapters have it.
  if method == "update" then THROW(405, "Can not update multiple entries") end
  return DB.transaction(function()
    local done = JSON.array({})
    for index, current in ipairs(matches(svc, query)) do
      done[index] = method == "patch" and change(svc, method, current, data) or remove(svc, current, query)
    end
    return done
  end)
end
return DB.transaction(function()
  local current = one(svc, id, query)
  if not svc.owns(current) then
    THROW.forbidden(method == "remove" and "You can only remove your own " .. svc.name or "You can only change your own " .. svc.name)
  end
  if method == "remove" then return remove(svc, current, query) end
  return change(svc, method, current, data)
end)
