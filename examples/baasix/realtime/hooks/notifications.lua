-- Notification events reach their user's sockets wherever they are connected (SOCKET.emitToUser):
--   created                          → notification.new
--   updated with `seen` become true  → notification.seen
--   deleted                          → notification.deleted
-- The user is the item's `user_id` (as the document's hook reads it) or `userId`. Each event carries the document's
-- hook fields `{id, message, type}` and, beside them, its event section's `{notification: {id, type, title, message,
-- data, seen, userId, createdAt}}` (fields the item lacks are null; `seen` is false until set).
local item, previous = BODY.item, BODY.previous
local function present(value) if value == nil then return JSON.null end return value end
local function userOf(row)
  if type(row) ~= "table" then return nil end
  local user = row.user_id
  if user == nil or user == JSON.null then user = row.userId end
  if user == nil or user == JSON.null then return nil end
  return user
end

local event
if BODY.action == "created" then
  event = "notification.new"
elseif BODY.action == "updated" and item.seen == true and not (previous and previous.seen == true) then
  event = "notification.seen"
elseif BODY.action == "deleted" then
  event = "notification.deleted"
end
local user = userOf(item)
if event == nil or user == nil then return end

SOCKET.emitToUser(tostring(user), event, {
  id = item.id, message = present(item.message), type = present(item.type),
  notification = {id = item.id, type = present(item.type), title = present(item.title), message = present(item.message),
                  data = present(item.data), seen = item.seen == true, userId = user, createdAt = item.createdAt},
})
