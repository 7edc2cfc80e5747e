return {data = type(SOCKET.data), recovered = HANDSHAKE.recovered == true, raw = tostring(SOCKET.data)}
