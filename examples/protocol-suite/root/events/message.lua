-- Echo every argument back as "message-back" (binary attachments included).
SOCKET.reply("message-back", table.unpack(ARGS, 1, #ARGS))
