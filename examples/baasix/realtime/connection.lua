-- client: io(url, {path: '/realtime', auth: {token}})  — anonymous sockets are accepted too
if USER then SOCKET.join("user:" .. USER.id) end
