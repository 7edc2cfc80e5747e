-- A new notification reaches its user's sockets wherever they are connected.
if BODY.action == "created" and BODY.item.userId ~= nil then
  SOCKET.emitToUser(BODY.item.userId, "notification.new", {id = BODY.item.id, title = BODY.item.title, body = BODY.item.body})
end
