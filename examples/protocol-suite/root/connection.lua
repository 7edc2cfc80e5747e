-- The suite expects the handshake's auth payload back, right after the CONNECT answer.
SOCKET.reply("auth", HANDSHAKE.auth)
