-- Every committed change to `messages` (the collection of the document's client examples) goes to the collection's room
-- and the item's room as `item.created` / `item.updated` / `item.deleted`, like posts.lua.
local event = "item." .. BODY.action
local payload = {collection = BODY.collection, item = BODY.item, userId = BODY.userId, timestamp = BODY.timestamp}
SOCKET.emitToRoom("collection:" .. BODY.collection, event, payload)
SOCKET.emitToRoom("item:" .. BODY.collection .. ":" .. BODY.item.id, event, payload)
